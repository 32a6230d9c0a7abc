"""Command (指挥调度, 平急结合): notices to residents of chosen grids, and emergency dispatch
straight to the workers of chosen grids, with their 收到 acknowledgements shown live."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from bot.console import (COMMANDERS, MANAGERS, area_ids_in_scope, areas_in_scope, bp, changing,
                         me, roles_required)
from bot.wechat.jobs import deliver_mass_send
from bot.services import DELIVERY_RETRY, services
from store import command as orders
from store.models import (Area, Broadcast, BroadcastRecipient, DispatchAck, DispatchTask,
                          Resident)
from store.tickets import TicketError

STATUS = {"pending": "排队中", "sending": "发送中", "sent": "已送达", "failed": "失败"}
MASS_STATUS = {"pending": "排队中", "sending": "提交中", "submitted": "已提交，等待微信报告",
               "finished": "微信已报告", "failed": "失败"}


def chosen_grids(session, staff) -> list[int]:
    """The grid ids ticked in the form, kept to the staff member's scope."""
    allowed = {a.id for a in areas_in_scope(session, staff) if a.level == "grid"}
    return [g for g in request.form.getlist("grid", type=int) if g in allowed]


@bp.get("/command")
@login_required
def command():
    with services().db.sessions() as session:
        staff = me(session)
        areas = areas_in_scope(session, staff)
        grid_ids = [a.id for a in areas if a.level == "grid"]
        residents = dict(session.execute(
            select(Area.id, func.count()).select_from(Area)
            .join_from(Area, Resident, Resident.grid_id == Area.id)
            .where(Area.id.in_(grid_ids), Resident.subscribed.is_(True))
            .group_by(Area.id)).all())
        mass_left = orders.mass_allowance_left(session, grid_ids, services().now())
        broadcasts = list(session.scalars(
            select(Broadcast).options(selectinload(Broadcast.created_by))
            .order_by(Broadcast.id.desc()).limit(20)))
        visible = set(grid_ids)
        broadcasts = [b for b in broadcasts if set(b.grid_ids) & visible]
        # Delivery counts of one's own grids only: other areas' residents are not ours to count.
        counts = {b.id: session.scalar(select(func.count()).select_from(BroadcastRecipient)
                                       .where(BroadcastRecipient.broadcast_id == b.id,
                                              BroadcastRecipient.grid_id.in_(visible)))
                  for b in broadcasts}
        tasks = list(session.scalars(select(DispatchTask).options(
            selectinload(DispatchTask.created_by)).order_by(DispatchTask.id.desc()).limit(20)))
        tasks = [t for t in tasks if set(t.grid_ids) & visible]
        acks = {t.id: session.execute(
            select(func.count(), func.count(DispatchAck.acknowledged_at))
            .where(DispatchAck.task_id == t.id, DispatchAck.grid_id.in_(visible))).one()
            for t in tasks}
    return render_template("console/command.html", areas=areas, residents=residents,
                           broadcasts=broadcasts, counts=counts, tasks=tasks, acks=acks,
                           topics=orders.TOPICS, mass_left=mass_left,
                           mass_per_month=orders.MASS_PER_MONTH)


@bp.post("/command/broadcast")
@roles_required(*MANAGERS)
def broadcast_send():
    svc = services()
    try:
        with changing() as session:
            staff = me(session)
            notice = orders.send_broadcast(
                session, by=staff, topic=request.form.get("topic", ""),
                title=request.form.get("title", ""), body=request.form.get("body", ""),
                grid_ids=chosen_grids(session, staff), now=svc.now())
            notice_id = notice.id
    except TicketError as refusal:
        flash(str(refusal), "error")
        return redirect(url_for("console.command"))
    for mass_id in orders.take_new_mass_ids(session):  # committed: WeChat may have them
        svc.enqueue(deliver_mass_send, mass_id, retry=DELIVERY_RETRY)
    flash("通知已进入发送队列", "ok")
    return redirect(url_for("console.broadcast", broadcast_id=notice_id))


@bp.get("/command/broadcast/<int:broadcast_id>")
@login_required
def broadcast(broadcast_id: int):
    with services().db.sessions() as session:
        staff = me(session)
        notice = session.get(Broadcast, broadcast_id)
        visible = {a.id: a for a in areas_in_scope(session, staff) if a.level == "grid"}
        if notice is None or not set(notice.grid_ids) & set(visible):
            abort(404)
        _ = notice.created_by
        delivery = orders.broadcast_delivery(session, broadcast_id)
        recipients = dict(session.execute(
            select(BroadcastRecipient.grid_id, func.count())
            .where(BroadcastRecipient.broadcast_id == broadcast_id)
            .group_by(BroadcastRecipient.grid_id)).all())
        # only the grids of one's own area (security: no other grid's delivery counts)
        grids = [(visible[g], delivery.get(g, {}), recipients.get(g, 0))
                 for g in notice.grid_ids if g in visible]
        masses = orders.mass_results(session, broadcast_id)
    return render_template("console/broadcast.html", notice=notice, grids=grids,
                           status_names=STATUS, topics=orders.TOPICS, masses=masses,
                           mass_status=MASS_STATUS)


@bp.post("/command/dispatch")
@roles_required(*COMMANDERS)
def dispatch_send():
    try:
        with changing() as session:
            staff = me(session)
            task = orders.dispatch(session, by=staff, title=request.form.get("title", ""),
                                   body=request.form.get("body", ""),
                                   grid_ids=chosen_grids(session, staff), now=services().now())
            task_id = task.id
    except TicketError as refusal:
        flash(str(refusal), "error")
        return redirect(url_for("console.command"))
    flash("调度任务已下发，等待网格员回复“收到”", "ok")
    return redirect(url_for("console.dispatch", task_id=task_id))


def _task(session, task_id: int) -> tuple[DispatchTask, set[int]]:
    """The task, if it reached a grid of one's area, and the grids one may see of it."""
    task = session.get(DispatchTask, task_id)
    ids = area_ids_in_scope(session, me(session))
    visible = set(task.grid_ids if task is not None and ids is None else ids or ())
    if task is None or not set(task.grid_ids) & visible:
        abort(404)
    return task, visible


@bp.get("/command/dispatch/<int:task_id>")
@login_required
def dispatch(task_id: int):
    return _render_task(task_id, "console/dispatch.html")


@bp.get("/command/dispatch/<int:task_id>/acks")
@login_required
def dispatch_acks(task_id: int):
    return _render_task(task_id, "console/_dispatch_acks.html")


def _render_task(task_id: int, template: str):
    with services().db.sessions() as session:
        task, visible = _task(session, task_id)
        _ = task.created_by
        # only the workers of one's own grids: other areas' staff and phones are not ours
        acks = list(session.scalars(
            select(DispatchAck).where(DispatchAck.task_id == task_id,
                                      DispatchAck.grid_id.in_(visible))
            .options(selectinload(DispatchAck.staff), selectinload(DispatchAck.grid))
            .order_by(DispatchAck.acknowledged_at.is_(None).desc(), DispatchAck.grid_id)))
    done = sum(1 for a in acks if a.acknowledged_at)
    return render_template(template, task=task, acks=acks, done=done, now=services().now(),
                           role=current_user.role)
