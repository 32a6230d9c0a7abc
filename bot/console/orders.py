"""服务单: service orders in one's scope, one order with its claims and visits, the grid's
下单 and the members' 接单 / 签到 / 签退 / 反馈 / 退单 from the console (the same store
functions the WeChat commands call), and the month's figures (服务统计) with their CSV.

A member's account sees only this: the orders published to their teams or taken by them,
with the resident's words masked (no phone, name or room number) and only the estate and grid
until they have taken the order."""
from __future__ import annotations

import io
from datetime import datetime

from flask import (Response, abort, flash, redirect, render_template, request, url_for)
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from bot.console import bp, changing, me
from bot.services import services
from store import (csvfile, scope, service_figures, service_orders, service_visits, teams,
                   tickets)
from store.models import Staff, Ticket
from store.service_models import (TEAM_KINDS, ServiceClaim, ServiceOrder, ServicePublication,
                                  ServiceTeam)
from store.service_notices import duration, when
from store.personal import mask_ids, mask_person, rough_place
from store.vocab import CHINA, ORDER_STATUS_NAMES, SERVICE_KINDS, percent

PLACERS = ("grid_worker", "grid_leader", "community", "street", "district", "admin")
MEMBER_ENDPOINTS = ("console.service_list", "console.service", "console.service_act",
                    "console.login", "console.logout", "console.change_password",
                    "console.static")
ORDER_READS = (selectinload(ServiceOrder.ticket).selectinload(Ticket.grid),
               selectinload(ServiceOrder.placed_by), selectinload(ServiceOrder.reported_by),
               selectinload(ServiceOrder.claims).selectinload(ServiceClaim.staff),
               selectinload(ServiceOrder.claims).selectinload(ServiceClaim.team),
               selectinload(ServiceOrder.publications).selectinload(ServicePublication.team))


@bp.before_request
def members_see_only_service_orders():
    """A member's login opens the service orders; every other console page is refused."""
    if not current_user.is_authenticated or current_user.role != "member":
        return None
    if request.endpoint == "console.inbox":
        return redirect(url_for("console.service_list"))
    if request.endpoint not in MEMBER_ENDPOINTS:
        abort(403)
    return None


def visible_orders(session, staff: Staff):
    query = select(ServiceOrder).join(Ticket, ServiceOrder.ticket_id == Ticket.id)
    if staff.role != "member":
        ids = scope.visible_tickets(session, staff).with_only_columns(Ticket.id)
        return query.where(Ticket.id.in_(ids.scalar_subquery()))
    mine = [m.team_id for m in teams.memberships(session, staff)]
    return query.where(or_(
        ServiceOrder.id.in_(select(ServicePublication.order_id)
                            .where(ServicePublication.team_id.in_(mine))),
        ServiceOrder.id.in_(select(ServiceClaim.order_id)
                            .where(ServiceClaim.staff_id == staff.id))))


def scoped_order(session, staff: Staff, number: str) -> ServiceOrder:
    order = session.scalar(visible_orders(session, staff).where(Ticket.number == number)
                           .options(*ORDER_READS))
    if order is None:
        abort(404)
    return order


@bp.get("/services/")
@login_required
def service_list():
    status = request.args.get("status", "")
    with services().db.sessions() as session:
        staff = me(session)
        if staff.role == "department":
            abort(403)
        query = visible_orders(session, staff).options(*ORDER_READS)
        if status in ORDER_STATUS_NAMES:
            query = query.where(ServiceOrder.status == status)
        orders = list(session.scalars(query.order_by(ServiceOrder.id.desc()).limit(200)))
    return render_template("console/services.html", orders=orders, status=status,
                           statuses=ORDER_STATUS_NAMES, kinds=SERVICE_KINDS, when=when,
                           member=staff.role == "member", me_id=staff.id)


@bp.get("/services/<number>")
@login_required
def service(number: str):
    with services().db.sessions() as session:
        staff = me(session)
        order = scoped_order(session, staff, number)
        ticket = order.ticket
        _ = ticket.building, ticket.area, ticket.resident
        mine = next((c for c in order.active_claims if c.staff_id == staff.id), None)
        member = staff.role == "member" or staff.id in {c.staff_id for c in order.claims}
        serving = []
        if staff.role in PLACERS and ticket.grid is not None:  # those serving it come first
            serving = list({t.id: t for t in [*teams.serving(session, ticket.grid), *(
                session.scalars(teams.visible_teams(session, staff)
                                .where(ServiceTeam.active.is_(True))
                                .order_by(ServiceTeam.code)))]}.values())
        eligible = staff.role == "member" or bool(teams.memberships(session, staff))
    details = mine is not None or staff.role != "member"  # the address once taken
    return render_template(
        "console/service.html", order=order, ticket=ticket, mine=mine, member=member,
        eligible=eligible, details=details, serving=serving, placer=staff.role in PLACERS,
        kinds=SERVICE_KINDS, statuses=ORDER_STATUS_NAMES, team_kinds=TEAM_KINDS, when=when,
        duration=duration, masked=mask_person(ticket.description), rough=rough_place(ticket), mask=mask_person,
        words=mask_ids(ticket.description) if staff.role == "member" else ticket.description)


@bp.post("/services/<number>")
@login_required
def service_act(number: str):
    svc = services()
    action, now = request.form.get("action", ""), svc.now()
    try:
        with changing() as session:
            staff = me(session)
            order = scoped_order(session, staff, number)
            done = perform(session, order, staff, action, now)
    except tickets.TicketError as refusal:
        flash(str(refusal), "error")
    else:
        flash(done, "ok")
    return redirect(url_for("console.service", number=number))


def perform(session, order: ServiceOrder, staff: Staff, action: str, now: datetime) -> str:
    form, policy = request.form, services().settings.sla_policy
    if action == "place":
        if staff.role not in PLACERS:
            abort(403)
        chosen_ids = {int(i) for i in form.getlist("team") if i.isdigit()}
        chosen = list(session.scalars(teams.visible_teams(session, staff).where(
            ServiceTeam.id.in_(chosen_ids)))) if chosen_ids else None
        terms = service_orders.Terms(
            people=form.get("people", type=int), note=form.get("note") or None,
            minutes=round(form.get("hours", type=float) * 60) if form.get("hours") else None,
            when=_local(form.get("when")))
        _, told = service_orders.place(session, order.ticket, staff, now, terms=terms,
                                       policy=policy, chosen=chosen)
        return f"已发布，推送给 {told} 名服务队员" if told else "本网格暂无可接单的服务队员，已上报社区"
    if action == "claim":
        service_orders.claim(session, order, staff, now)
        return "接单成功，请按时上门"
    if action == "withdraw":
        service_orders.withdraw(session, order, staff, now, policy)
        return "已退单"
    if action == "check_in":
        service_visits.check_in(session, order, staff, now)
        return "已签到"
    if action == "check_out":
        mine = service_visits.check_out(session, order, staff, now)
        return f"已签退，本次服务 {mine.minutes} 分钟"
    if action == "report":
        service_visits.report(session, order, staff, form.get("result", ""), now)
        return "已反馈，居民将收到结果并评价"
    abort(400)


def _local(text: str | None) -> datetime | None:
    """An <input type=datetime-local> value, China time."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=CHINA)
    except ValueError:
        raise tickets.TicketError("服务时间格式不对") from None


def month_figures(session, staff: Staff, month: str | None):
    svc = services()
    start, end, label = service_figures.month_bounds(month, svc.now().astimezone(CHINA).date())
    found = list(session.scalars(teams.visible_teams(session, staff)
                                 .order_by(ServiceTeam.code)))
    figures = service_figures.figures(session, found, scope.visible_tickets(session, staff),
                                      start, end, bar_visits=svc.settings.service_bar_visits,
                                      bar_hours=svc.settings.service_bar_hours)
    return figures, label


@bp.get("/services/figures")
@login_required
def service_stats():
    with services().db.sessions() as session:
        staff = me(session)
        if staff.role in ("department", "member"):
            abort(403)
        figures, label = month_figures(session, staff, request.args.get("month"))
    return render_template("console/service_figures.html", f=figures, month=label,
                           team_kinds=TEAM_KINDS, settings=services().settings)


@bp.get("/export/services.csv")
@login_required
def service_stats_csv():
    """The month's hours and visits per unit and per person, below-the-bar marked."""
    with services().db.sessions() as session:
        staff = me(session)
        if staff.role in ("department", "member"):
            abort(403)
        figures, label = month_figures(session, staff, request.args.get("month"))
    out = io.StringIO()
    out.write("\ufeff")
    writer = csvfile.writer(out)
    writer.writerow([f"服务统计 {label}"])
    writer.writerow(["对象", "服务队", "编码", "类型", "姓名", "队员数", "服务次数", "服务时长(小时)",
                     "未达标"])
    for u in figures.units:
        writer.writerow(["服务队", u.team.name, u.team.code, TEAM_KINDS[u.team.kind], "",
                         u.members, u.visits, u.hours, u.below])
    for p in figures.people:
        writer.writerow(["队员", p.team.name, p.team.code, TEAM_KINDS[p.team.kind], p.name, "",
                         p.visits, p.hours, "是" if p.below else ""])
    writer.writerow([])
    writer.writerow(["服务类型", *ORDER_STATUS_NAMES.values(), "合计"])
    for kind, counts in figures.kinds.items():
        writer.writerow([kind, *(counts.get(s, 0) for s in ORDER_STATUS_NAMES),
                         sum(counts.values())])
    claim = figures.claim_minutes
    writer.writerow(["接单用时中位数(分钟，首位/满员)", claim.get("first") or "", claim.get("full") or ""])
    writer.writerow(["评价数", figures.rated, "平均评分", figures.rating or "",
                     "满意率", percent(figures.satisfied)])
    return Response(out.getvalue(), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f"attachment; filename=services-{label}.csv"})
