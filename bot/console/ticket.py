"""One ticket: its timeline, SLA clocks and every action, each through store.tickets/ladder."""
from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.console import bp, changing, me, scoped_ticket
from bot.console.inbox import clocks, humanize
from bot.services import services
from store import ladder, owners, photos, scope, tickets
from store.models import Area, Staff, Ticket, TicketEvent
from store.registry import OPEN_STATES, find_grids, open_load
from store.staffing import canned_replies_for
from store.vocab import holder_name

ACTION_NAMES = {
    "created": "受理", "assigned": "分派", "accepted": "接单", "replied": "回复居民",
    "note": "内部备注", "resident_message": "居民补充", "resolved": "办结", "rated": "居民评价",
    "auto_closed": "超时未评价，自动关闭", "praise_passed_on": "表扬已转达",
    "praise_told": "好评已转达", "reopened": "重新办理（返工）", "cancelled": "居民撤回",
    "escalated": "上报 / 升级", "transferred": "转办部门", "urged": "督办", "extended": "延期",
    "overdue": "超时", "return_visit": "回访", "placed": "派往网格",
    "passed_over": "顺延推送", "owner_unreachable": "原处理人无法接收", "told": "同时推送",
    "return_visit_answer": "回访答复", "service_placed": "网格下单（服务队）",
    "service_claimed": "队员接单", "service_full": "服务满员", "service_withdrawn": "队员退单",
    "checked_in": "队员签到", "checked_out": "队员签退", "visit_location": "签到/签退位置",
    "member_photo": "服务照片", "service_reported": "服务反馈",
    "extension_requested": "申请延期"}
TIER_NAMES = {"grid": "网格", "grid_leader": "网格长", "community": "社区", "street": "街道",
              "district": "区中心", "department": "职能部门"}


def candidates(session, ticket: Ticket) -> list[tuple[Staff, int]]:
    """Who the ticket can be (re)assigned to: the staff along its grid's chain and the grids
    of its community, with their open load; for a ticket in the pool, the duty staff of every
    district, street and community and the grid leaders (a worker: 派往网格 first). Never a
    service team member's account (role member): their WeChat and console show service
    orders only, so a ticket given to them would reach nobody who can act on it."""
    if ticket.grid is None:
        pool = set(session.scalars(select(Area.id).where(Area.level != "grid")))
        staff = list(session.scalars(
            select(Staff).where(Staff.area_id.in_(pool), Staff.active.is_(True),
                                Staff.role.in_(("district", "street", "community",
                                                "grid_leader")))
            .options(selectinload(Staff.area)).order_by(Staff.role, Staff.id).limit(200)))
        load = open_load(session, [s.id for s in staff])
        return [(s, load.get(s.id, 0)) for s in staff]
    chain = ticket.grid.ancestors()
    area_ids = {a.id for a in chain}
    if ticket.grid is not None and ticket.grid.parent is not None:
        area_ids.update(session.scalars(select(Area.id).where(
            Area.parent_id == ticket.grid.parent_id)))
    staff = list(session.scalars(
        select(Staff).where(Staff.area_id.in_(area_ids), Staff.active.is_(True),
                            Staff.role.notin_(("admin", "department", "member")))
        .options(selectinload(Staff.area)).order_by(Staff.role, Staff.id).limit(200)))
    load = open_load(session, [s.id for s in staff])
    return [(s, load.get(s.id, 0)) for s in staff]


@bp.get("/tickets/<number>")
@login_required
def ticket(number: str):
    svc = services()
    now = svc.now()
    with svc.db.sessions() as session:
        staff = me(session)
        found = scoped_ticket(session, number, staff)
        events = list(session.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == found.id)
            .options(selectinload(TicketEvent.staff)).order_by(TicketEvent.at, TicketEvent.id)))
        _ = (found.resident, found.grid, found.area, found.assignee, found.found_by,
             found.grid.parent if found.grid else None,
             found.resident.grid if found.resident else None)
        canned = canned_replies_for(session, found.grid or found.area)
        for reply in canned:
            _ = reply.area
        context = dict(
            ticket=found, events=events, clocks=clocks(found, now), humanize=humanize,
            candidates=candidates(session, found), departments=owners.departments(session),
            canned=canned, me=staff, photos=photos.of_ticket(session, found.id),
            supervisor=staff.role in ladder.SUPERVISORS, open_states=OPEN_STATES,
            action_names=ACTION_NAMES, tier_names=TIER_NAMES,
            keywords=list(dict.fromkeys(w for words in (found.keywords or {}).values()
                                        for w in words or ())),
            history=list(session.scalars(
                scope.visible_tickets(session, staff)
                .where(Ticket.resident_id == found.resident_id, Ticket.id != found.id)
                .order_by(Ticket.id.desc()).limit(5))) if found.resident_id else [])
    return render_template("console/ticket.html", **context)


def grids_in_scope(session, staff: Staff, words: str) -> list[Area]:
    within = None if staff.role in scope.SEES_EVERYTHING else scope.area_ids_under(
        session, staff.area_id)
    return find_grids(session, words, within)


@bp.get("/grids")
@login_required
def grid_search():
    """Grids by name or code for the 派往网格 box: [{code, name, community}]."""
    with services().db.sessions() as session:
        found = grids_in_scope(session, me(session), request.args.get("q", ""))
        return jsonify([{"code": g.code, "name": g.name,
                         "community": g.parent.name if g.parent else ""} for g in found])


@bp.post("/tickets/<number>/act")
@login_required
def act(number: str):
    """Every action on a ticket: one form field says which, a refusal is flashed in Chinese."""
    svc = services()
    action, text = request.form.get("action", ""), request.form.get("text", "").strip()
    now = svc.now()
    try:
        with changing() as session:
            staff = me(session)
            found = scoped_ticket(session, number, staff)
            done = perform(session, found, staff, action, text, now)
    except tickets.TicketError as refusal:
        flash(str(refusal), "error")
    else:
        flash(done, "ok")
    return redirect(url_for("console.ticket", number=number))


def perform(session, ticket: Ticket, staff: Staff, action: str, text: str, now) -> str:
    policy = services().settings.sla_policy
    if action == "reply":
        tickets.reply(session, ticket, staff, text, now)
        return "已回复居民（通过微信发送）"
    if action == "note":
        tickets.add_note(session, ticket, staff, text, now)
        return "已添加内部备注"
    if action == "accept":
        tickets.accept(session, ticket, staff, now)
        return "已接单"
    if action == "assign":
        target_id = request.form.get("staff_id", type=int)
        allowed = {s.id: s for s, _ in candidates(session, ticket)}
        if target_id not in allowed:
            raise tickets.TicketError("请选择本网格链上的工作人员")
        holder = tickets.assign(session, ticket, allowed[target_id], now, by=staff)
        if holder is not None and holder.id != target_id:
            return f"{allowed[target_id].name}无法接收微信推送，已顺延分派给 {holder.name}"
        return f"已分派给 {allowed[target_id].name}"
    if action == "place":
        words = request.form.get("grid", "").strip()
        found = grids_in_scope(session, staff, words)
        exact = [g for g in found if words in (g.code, g.name)]
        if len(exact) != 1 and len(found) != 1:
            names = "、".join(f"{g.name}（{g.code}）" for g in found[:5])
            raise tickets.TicketError(f"找到多个网格：{names}，请选择其中一个" if found
                                      else f"没有找到网格“{words}”，请输入网格名称或编码")
        grid = (exact or found)[0]
        owner = ladder.place(session, ticket, grid, now, by=staff)
        return f"已派往{grid.name}" + (f"，由{owner.name}负责并已推送" if owner else "")
    if action == "escalate":
        before = ticket.assignee_id
        ladder.escalate(session, ticket, now, reason=text or f"{staff.name}上报", by=staff)
        # who has it now, not the area's name (a grid leader's is the worker's own grid)
        moved = ticket.assignee is not None and ticket.assignee_id != before
        return f"已上报至{owners.who(ticket.assignee) if moved else holder_name(ticket)}"
    if action == "transfer":
        ladder.transfer(session, ticket, request.form.get("department", ""), now, by=staff,
                        policy=policy)
        return f"已转办{ticket.department}"
    if action == "urge":
        ladder.urge(session, ticket, now, by=staff, note=text)
        return "已督办，处理人将再次收到提醒"
    if action == "extend":
        hours = request.form.get("hours", 24, type=int)
        ladder.extend(session, ticket, now, by=staff, reason=text, hours=hours)
        return f"已延期 {hours} 小时"
    if action == "resolve":
        tickets.resolve(session, ticket, staff, text, now)
        return "已办结，居民将收到办结通知和评价邀请"
    if action == "reopen":
        tickets.reopen(session, ticket, now, text or None, policy, by=staff)
        return "已重新办理（计入返工）"
    abort(400)
