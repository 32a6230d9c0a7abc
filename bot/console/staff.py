"""Registry and staff: the area tree with each grid's workers and open load, staff accounts
(create, role, area, password, WeChat binding code) and canned replies per area."""
from __future__ import annotations

import secrets

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.security import generate_password_hash

from bot.console import (MANAGERS, area_ids_in_scope, areas_in_scope, bp, changing, me,
                         roles_required)
from bot.console.once import ShownOnce, shown_once
from bot.services import services
from store import registry, staffing
from store.models import STAFF_ROLES, Area, CannedReply, Staff, Ticket
from store.registry import OPEN_STATES
from store.tickets import TicketError


def staff_in_scope(session, manager: Staff):
    ids = area_ids_in_scope(session, manager)
    query = select(Staff).options(selectinload(Staff.area)).order_by(Staff.area_id, Staff.id)
    return query if ids is None else query.where(Staff.area_id.in_(ids))


def manageable(session, manager: Staff, staff: Staff | None) -> Staff:
    ids = area_ids_in_scope(session, manager)
    if staff is None or (ids is not None and staff.area_id not in ids):
        abort(404)
    if staffing.RANK[staff.role] >= staffing.RANK[manager.role] and manager.role != "admin":
        abort(403)
    return staff


def allowed_roles(manager: Staff) -> list[str]:
    return [r for r in STAFF_ROLES
            if manager.role == "admin" or staffing.RANK[r] < staffing.RANK[manager.role]]


def scoped_area(session, manager: Staff, area_id: int | None) -> Area:
    ids = area_ids_in_scope(session, manager)
    area = session.get(Area, area_id) if area_id else None
    if area is None or (ids is not None and area.id not in ids):
        raise TicketError("请选择辖区内的区域")
    return area


@bp.get("/areas")
@login_required
def areas():
    with services().db.sessions() as session:
        staff = me(session)
        tree = areas_in_scope(session, staff)
        ids = [a.id for a in tree]
        people = list(session.scalars(select(Staff).where(Staff.area_id.in_(ids),
                                                          Staff.active.is_(True))
                                      .order_by(Staff.id)))
        by_area: dict[int, list] = {}
        for person in people:
            by_area.setdefault(person.area_id, []).append(person)
        grid_load = dict(session.execute(
            select(Ticket.grid_id, func.count()).where(Ticket.grid_id.in_(ids),
                                                       Ticket.status.in_(OPEN_STATES))
            .group_by(Ticket.grid_id)).all())
        staff_load = registry.open_load(session, [p.id for p in people])
    return render_template("console/areas.html", tree=tree, by_area=by_area,
                           grid_load=grid_load, staff_load=staff_load)


@bp.route("/staff", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def staff_list():
    if request.method == "POST":
        form = request.form
        try:
            with changing() as session:
                manager = me(session)
                role = form.get("role", "")
                if role not in allowed_roles(manager):
                    raise TicketError("无权创建该角色")
                password = form.get("password") or secrets.token_urlsafe(6)
                created = staffing.create_staff(
                    session, username=form.get("username", ""), name=form.get("name", ""),
                    role=role, area=scoped_area(session, manager, form.get("area", type=int)),
                    password_hash=generate_password_hash(password), phone=form.get("phone"),
                    department=form.get("department"), now=services().now(),
                    must_change_password=True)  # the manager knows it: changed at login
                staff_id = created.id
        except TicketError as refusal:
            flash(str(refusal), "error")
            return redirect(url_for("console.staff_list"))
        once = ShownOnce(f"已创建账号 {form.get('username')}，初始密码：", password,
                         "密码只显示这一次，请转告本人；本人首次登录时须修改。")
        with services().db.sessions() as session:
            return shown_once(_edit_page(session, me(session), staff_id, once), 201)
    with services().db.sessions() as session:
        manager = me(session)
        people = list(session.scalars(staff_in_scope(session, manager).limit(1000)))
        load = registry.open_load(session, [p.id for p in people])
        tree = areas_in_scope(session, manager)
    return render_template("console/staff.html", people=people, load=load, tree=tree,
                           roles=allowed_roles(manager))


@bp.route("/staff/<int:staff_id>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def staff_edit(staff_id: int):
    if request.method == "POST":
        form, what = request.form, request.form.get("do", "")
        try:
            with changing() as session:
                manager = me(session)
                staff = manageable(session, manager, session.get(Staff, staff_id))
                if what == "save":
                    if form.get("role") not in allowed_roles(manager):
                        raise TicketError("无权设置该角色")
                    moved = staffing.update_staff(
                        session, staff, role=form["role"],
                        area=scoped_area(session, manager, form.get("area", type=int)),
                        on_duty=form.get("on_duty") == "1", active=form.get("active") == "1",
                        phone=form.get("phone"), duty_hours=form.get("duty_hours"),
                        now=services().now())
                    message = "已保存" + (f"；其 {len(moved)} 张在办工单已改派给可接收推送的人员"
                                         if moved else "")
                elif what == "unbind":
                    moved = staffing.unbind(session, staff, services().now())
                    message = "已解除微信绑定" + (f"；其 {len(moved)} 张在办工单已改派"
                                               if moved else "")
                elif what == "password":
                    password = secrets.token_urlsafe(6)
                    staffing.set_password(staff, generate_password_hash(password),
                                          must_change=True)
                    once = ShownOnce(f"已重置 {staff.username} 的密码，新密码：", password,
                                     "密码只显示这一次，请转告本人；本人登录时须修改。")
                elif what == "bind":
                    code = registry.issue_bind_code(session, staff, services().now())
                    message = (f"绑定码：{code}（30 分钟内有效）。请本人在公众号发送“绑定 {code}”"
                               f"完成微信绑定。")
                else:
                    abort(400)
        except TicketError as refusal:
            flash(str(refusal), "error")
        else:
            if what == "password":  # on this page only, never in the session
                with services().db.sessions() as session:
                    return shown_once(_edit_page(session, me(session), staff_id, once))
            flash(message, "ok")
        return redirect(url_for("console.staff_edit", staff_id=staff_id))
    with services().db.sessions() as session:
        return _edit_page(session, me(session), staff_id)


def _edit_page(session, manager: Staff, staff_id: int, once: ShownOnce | None = None) -> str:
    staff = manageable(session, manager, session.get(Staff, staff_id))
    _ = staff.area
    tree = areas_in_scope(session, manager)
    load = registry.open_load(session, [staff.id]).get(staff.id, 0)
    return render_template("console/staff_edit.html", staff=staff, tree=tree, load=load,
                           roles=allowed_roles(manager), once=once)


@bp.route("/canned", methods=["GET", "POST"])
@login_required
def canned():
    """Canned replies: shared with an area and everything below it."""
    if request.method == "POST":
        try:
            with changing() as session:
                staff = me(session)
                if staff.role not in MANAGERS + ("grid_leader",):
                    abort(403)
                if request.form.get("delete"):
                    reply = session.get(CannedReply, request.form.get("delete", type=int))
                    ids = area_ids_in_scope(session, staff)
                    if reply is None or (ids is not None and reply.area_id not in ids):
                        abort(404)
                    session.delete(reply)
                else:
                    staffing.add_canned_reply(
                        session, area=scoped_area(session, staff,
                                                  request.form.get("area", type=int)),
                        title=request.form.get("title", ""), body=request.form.get("body", ""),
                        by=staff, now=services().now())
        except TicketError as refusal:
            flash(str(refusal), "error")
        return redirect(url_for("console.canned"))
    with services().db.sessions() as session:
        staff = me(session)
        tree = areas_in_scope(session, staff)
        chain = [a.id for a in staff.area.ancestors()]
        ids = {a.id for a in tree} | set(chain)
        replies = list(session.scalars(select(CannedReply).where(CannedReply.area_id.in_(ids))
                                       .options(selectinload(CannedReply.area))
                                       .order_by(CannedReply.area_id, CannedReply.title)))
    return render_template("console/canned.html", replies=replies, tree=tree,
                           can_edit=staff.role in MANAGERS + ("grid_leader",))
