"""A service team member's phone pages (/m/s/), opened from the push of a new order: the
orders they hold and those waiting for their teams (我的服务), and one order's page where
they 接单 / 签到 / 签退 (with the phone's location) / 反馈 (with photos) / 退单 — the same
store functions as the WeChat commands and the console's order page.

A member sees the resident's words without phone, name or room number (store.personal) and
only the estate and grid until they have taken the order, as in WeChat."""
from __future__ import annotations

from flask import abort, render_template, request

from bot.console.orders import ORDER_READS, visible_orders
from bot.mobile import bp, refuse
from bot.mobile.auth import opened_by, page_link
from bot.mobile.patrol import point_of
from bot.mobile.worker import attach_photos, changed_then_back, pending_ids
from bot.services import services
from store import photos, service_orders, service_visits
from store.models import Staff, Ticket
from store.service_models import ServiceOrder
from store.service_notices import duration, place_of, when
from store.personal import mask_ids, mask_person, rough_place
from store.vocab import ORDER_STATUS_NAMES, SERVICE_KINDS

OPEN = ("open", "full", "serving")


def scoped_order(session, staff: Staff, number: str) -> ServiceOrder:
    order = session.scalar(visible_orders(session, staff).where(Ticket.number == number)
                           .options(*ORDER_READS))
    if order is None:
        refuse(404, "服务单不存在", f"没有找到工单 {number} 的服务需求，或它没有发布给您所在的服务队。")
    return order


@bp.get("/s/")
@opened_by("staff")
def member_orders(viewer):
    """我的服务: the orders in hand, then those of the member's teams still needing people."""
    with services().db.sessions() as session:
        staff = session.get(Staff, viewer.staff.id)
        mine = service_orders.in_hand(session, staff, limit=50)
        waiting = service_orders.waiting_for(session, staff, mine, limit=50)
        rows = [(order, page_link(viewer.openid, "mobile.member_order",
                                  number=order.ticket.number), held)
                for held, orders in ((True, mine), (False, waiting)) for order in orders]
        return render_template("mobile/member_orders.html", rows=rows, kinds=SERVICE_KINDS,
                               statuses=ORDER_STATUS_NAMES, when=when)


@bp.route("/s/<number>", methods=["GET", "POST"])
@opened_by("staff")
def member_order(number: str, viewer):
    if request.method == "POST":
        return act(number, viewer)
    with services().db.sessions() as session:
        staff = session.get(Staff, viewer.staff.id)
        order = scoped_order(session, staff, number)
        ticket = order.ticket
        mine = next((c for c in order.active_claims if c.staff_id == staff.id), None)
        return render_template(
            "mobile/member_order.html", order=order, ticket=ticket, mine=mine,
            # the address and the resident's whole words once the order is taken
            words=mask_ids(ticket.description) if mine else mask_person(ticket.description),
            place=place_of(ticket) if mine else rough_place(ticket),
            phone=ticket.resident_phone if mine else None, mask=mask_person,
            open=order.status in OPEN, kinds=SERVICE_KINDS, statuses=ORDER_STATUS_NAMES,
            when=when, duration=duration, max_photos=photos.MAX_PER_ACTION,
            list_link=page_link(viewer.openid, "mobile.member_orders"))


def act(number: str, viewer):
    """One action from the order page."""
    action = request.form.get("action", "")

    def change(session, now):
        staff = session.get(Staff, viewer.staff.id)
        return perform(session, scoped_order(session, staff, number), staff, action, now)
    return changed_then_back(change)


def perform(session, order: ServiceOrder, staff: Staff, action: str,
            now) -> tuple[str, list[int]]:
    """(what was done, in Chinese; photo ids still to download)."""
    number, point = order.ticket.number, point_of(request.form)
    if action == "claim":
        service_orders.claim(session, order, staff, now)
        return f"接单成功：请于{when(order)}上门，到达后点「签到」。", []
    if action == "withdraw":
        service_orders.withdraw(session, order, staff, now, services().settings.sla_policy)
        return f"已退单（工单 {number}），服务需求将等待其他队员接单。", []
    if action == "check_in":
        service_visits.check_in(session, order, staff, now, point)
        return f"已签到{'，已记录位置' if point else ''}。服务结束后请签退。", []
    if action == "check_out":
        mine = service_visits.check_out(session, order, staff, now, point)
        return f"已签退，本次服务 {mine.minutes} 分钟。办完请填写服务结果并反馈。", []
    if action == "report":
        added = attach_photos(session, order.ticket_id, now)
        service_visits.report(session, order, staff, request.form.get("result", ""), now,
                              evidence=[p.id for p in added])
        return (f"已反馈（{len(added)} 张照片），居民将收到结果并评价。感谢您的服务！",
                pending_ids(added))
    abort(400)
