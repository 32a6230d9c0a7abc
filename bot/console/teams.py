"""服务队: the service teams of one's area, each with its members and their month; managers
create and change teams, add and remove members (a member's account, binding code and
password are on the staff page), and import or export teams and members as CSV."""
from __future__ import annotations

import io

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.console import (MANAGERS, area_ids_in_scope, areas_in_scope, bp, changing, me,
                         roles_required)
from bot.services import services
from store import areas_io, service_figures, teams, teams_io
from store.import_rows import ImportFailed
from store.models import Area, Staff
from store.service_models import TEAM_KINDS, ServiceTeam, TeamMember
from store.tickets import TicketError
from store.vocab import CHINA

NO_TEAMS = ("department", "member")
IMPORTERS = ("admin", "district")  # an import may touch any area


def viewer(session) -> Staff:
    """The staff member, if their role has teams to see (a department and a member: no)."""
    staff = me(session)
    if staff.role in NO_TEAMS:
        abort(403)
    return staff


def scoped_team(session, staff: Staff, code: str, *, change: bool = False) -> ServiceTeam:
    """The team if the staff member sees it (404 otherwise); `change`: and manages it."""
    team = session.scalar(teams.visible_teams(session, staff).where(ServiceTeam.code == code))
    if team is None:
        abort(404)
    if change and not teams.manages(session, staff, team):
        abort(403)
    return team


def month_of(session, staff: Staff, team_list: list[ServiceTeam]):
    """This month's figures of these teams (the orders part over the staff's scope)."""
    from store import scope
    svc = services()
    start, end, _ = service_figures.month_bounds(None, svc.now().astimezone(CHINA).date())
    return service_figures.figures(session, team_list, scope.visible_tickets(session, staff),
                                   start, end, bar_visits=svc.settings.service_bar_visits,
                                   bar_hours=svc.settings.service_bar_hours)


def areas_for(session, staff: Staff) -> tuple[list[Area], list[Area]]:
    """(streets and communities a team may belong to, grids it may cover) in scope."""
    tree = areas_in_scope(session, staff)
    return ([a for a in tree if a.level in teams.TEAM_LEVELS],
            [a for a in tree if a.level in ("community", "grid")])


@bp.get("/teams/")
@login_required
def team_list():
    with services().db.sessions() as session:
        staff = viewer(session)
        found = list(session.scalars(teams.visible_teams(session, staff).options(
            selectinload(ServiceTeam.area), selectinload(ServiceTeam.coverage)
            .selectinload(teams.ServiceTeamArea.area)).order_by(ServiceTeam.code)))
        month = month_of(session, staff, found)
        homes, _ = areas_for(session, staff)
    units = {u.team.id: u for u in month.units}
    return render_template("console/teams.html", teams=found, units=units, homes=homes,
                           kinds=TEAM_KINDS, manager=staff.role in MANAGERS,
                           importer=staff.role in IMPORTERS)


@bp.post("/teams/")
@roles_required(*MANAGERS)
def team_create():
    form = request.form
    try:
        with changing() as session:
            staff = me(session)
            home = _area_in_scope(session, staff, form.get("area", type=int))
            team = teams.save_team(session, code=form.get("code", ""),
                                   name=form.get("name", ""), kind=form.get("kind", ""),
                                   area=home, coverage=[], phone=form.get("phone"),
                                   now=services().now())
            code = team.code
    except TicketError as refusal:
        flash(str(refusal), "error")
        return redirect(url_for("console.team_list"))
    flash(f"已创建服务队 {form.get('name')}，请添加队员", "ok")
    return redirect(url_for("console.team", code=code))


def _area_in_scope(session, staff: Staff, area_id: int | None) -> Area:
    allowed = {a.id: a for a in areas_in_scope(session, staff)}
    if area_id not in allowed:
        raise TicketError("请选择辖区内的区域")
    return allowed[area_id]


@bp.get("/teams/<code>")
@login_required
def team(code: str):
    with services().db.sessions() as session:
        staff = viewer(session)
        found = scoped_team(session, staff, code)
        members = list(session.scalars(select(TeamMember).where(TeamMember.team_id == found.id)
                                       .options(selectinload(TeamMember.staff))
                                       .order_by(TeamMember.active.desc(), TeamMember.id)))
        _ = found.area, [c.area for c in found.coverage]
        month = month_of(session, staff, [found])
        homes, covers = areas_for(session, staff)
        manager = staff.role in MANAGERS and teams.manages(session, staff, found)
    people = {p.staff_id: p for p in month.people}
    return render_template("console/team.html", team=found, members=members, people=people,
                           unit=month.units[0], homes=homes, covers=covers, kinds=TEAM_KINDS,
                           manager=manager,
                           bar=services().settings)


@bp.post("/teams/<code>")
@roles_required(*MANAGERS)
def team_change(code: str):
    form, what = request.form, request.form.get("do", "")
    now = services().now()
    try:
        with changing() as session:
            staff = me(session)
            found = scoped_team(session, staff, code, change=True)
            if what == "save":
                covered = [_area_in_scope(session, staff, int(i))
                           for i in form.getlist("coverage") if i.isdigit()]
                teams.save_team(session, code=form.get("code", ""), name=form.get("name", ""),
                                kind=form.get("kind", ""), phone=form.get("phone"),
                                area=_area_in_scope(session, staff, form.get("area", type=int)),
                                coverage=covered, now=now, team=found,
                                active=form.get("active") == "1")
                code, message = found.code, "已保存"
            elif what == "add":
                username = form.get("username", "").strip()
                person = session.scalar(select(Staff).where(Staff.username == username))
                ids = area_ids_in_scope(session, staff)
                if person is not None and ids is not None and person.area_id not in ids:
                    # their name on the team page, their phone in members.csv: not ours
                    raise TicketError(f"账号 {username} 不在您的辖区，请由区级管理员添加")
                if person is not None:
                    teams.add_member(session, found, person, now, leader=bool(form.get("leader")))
                    message = f"{person.name}已加入{found.name}"
                else:
                    teams.new_member(session, found, username=username,
                                     name=form.get("name", ""), phone=form.get("phone"),
                                     now=now, leader=bool(form.get("leader")))
                    message = (f"已为{form.get('name')}创建队员账号 {username}：请在“账号与绑定”"
                               "生成微信绑定码")
            elif what == "remove":
                member = session.get(TeamMember, form.get("member", type=int))
                if member is None or member.team_id != found.id:
                    abort(404)
                teams.remove_member(member)
                message = f"{member.staff.name}已移出{found.name}（已记录的服务时长保留）"
            else:
                abort(400)
    except TicketError as refusal:
        flash(str(refusal), "error")
    else:
        flash(message, "ok")
    return redirect(url_for("console.team", code=code))


@bp.post("/teams/import")
@roles_required(*MANAGERS)
def teams_import():
    """Upload teams.csv or members.csv (the CLI's format): all or nothing, as the CLI."""
    kind, upload = request.form.get("kind"), request.files.get("file")
    if kind not in ("teams", "members") or upload is None or not upload.filename:
        flash("请选择文件类型（服务队 / 队员）和 CSV 文件", "error")
        return redirect(url_for("console.team_list"))
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        flash("文件不是 UTF-8 编码，请另存为 UTF-8 CSV 后再导入", "error")
        return redirect(url_for("console.team_list"))
    try:
        with changing() as session:
            staff = me(session)
            if staff.role not in IMPORTERS:
                raise TicketError("批量导入需要区级账号；社区和街道请逐个添加")
            report = areas_io.IMPORTERS[kind](session, io.StringIO(text, newline=""),
                                              upload.filename, now=services().now())
    except ImportFailed as failure:
        flash(f"导入失败，未导入任何行：{failure}", "error")
    except TicketError as refusal:
        flash(str(refusal), "error")
    else:
        flash(f"导入完成：{report}", "ok")
    return redirect(url_for("console.team_list"))


def whole_phones_for(session, staff: Staff):
    """Whose phone a reader of members.csv sees whole: their own, and a manager those of the
    accounts in their area (the staff page shows them); the team page masks everyone's, so a
    grid leader or grid worker reads the others as 135****0001."""
    if staff.role not in MANAGERS:
        return lambda staff_id, area_id: staff_id == staff.id
    ids = area_ids_in_scope(session, staff)
    if ids is None:
        return lambda staff_id, area_id: True
    ids = set(ids)
    return lambda staff_id, area_id: staff_id == staff.id or area_id in ids


@bp.get("/export/<any(teams, members):kind>.csv")
@login_required
def teams_export(kind: str):
    """Teams or members of one's area, in the import's format."""
    with services().db.sessions() as session:
        staff = viewer(session)
        under = None if staff.role in ("admin", "district") else staff.area.code
        out = io.StringIO()
        out.write("\ufeff")
        if kind == "members":
            teams_io.export_members(session, out, under,
                                    whole_phones=whole_phones_for(session, staff))
        else:
            areas_io.EXPORTERS[kind](session, out, under)
    return Response(out.getvalue(), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f"attachment; filename={kind}.csv"})
