"""Service teams from WeChat: the grid places an order (下单), members take it (接单), check
in and out (签到 / 签退, with a location when they send one), report (反馈, with photos) or
give it back (退单). A member's account sees only service orders: every word they type is
one of these commands or gets the member's help."""
from __future__ import annotations

import re

from sqlalchemy import select

from handlers.base import Handler
from handlers.context import Context, Reply
from handlers.replies import NO_SUCH_TICKET, page_line
from handlers.resident import open_for, recent_point, remember_point
from handlers.service_words import terms
from nlp.service import service_words
from store import scope, service_notices, service_orders, service_visits, teams, tickets
from store.locate import locate
from store.service_models import ServiceClaim, ServiceOrder
from store.service_notices import claimed_card, when
from store.service_orders import ServiceError
from store.vocab import ORDER_STATUS_NAMES, SERVICE_KINDS

COMMAND = re.compile(r"^\s*(下单|接单|签到|签退|反馈|退单|服务单|我的服务|待办)"
                     r"[\s:：]*(\d{10,})?[\s:：,，]*(.*)$", re.S)
VISIT = ("签到", "签退", "反馈", "退单")
PLACERS = ("grid_worker", "grid_leader", "community", "street", "district", "admin")
HELP = ("服务队员指令：\n接单 工单号\n签到 工单号（到达后，可再发送位置）\n签退 工单号\n"
        "反馈 工单号 服务结果（可先发照片）\n退单 工单号（签到前）\n服务单（我接的和待接的服务）")
LOCATION_FRESH_S = service_visits.LOCATION_WINDOW.total_seconds()


def parse(msg):
    if msg.type != "text":
        return None
    match = COMMAND.match(msg.content.replace("\u3000", " "))
    return match.groups() if match else None


def serves(ctx: Context) -> bool:
    """A bound staff member who serves in a team (any role), or a member's account."""
    return ctx.staff is not None and (ctx.staff.role == "member"
                                      or bool(teams.memberships(ctx.session, ctx.staff)))


class MemberCommand(Handler):
    def matches(self, msg, ctx: Context) -> bool:
        if msg.type != "text" or ctx.staff is None:
            return False
        if ctx.staff.role == "member":
            return True
        command = parse(msg)
        if command is None or command[0] == "下单" or not serves(ctx):
            return False
        name, number, _ = command
        if name == "接单":  # a worker's 接单 of a ticket stays theirs, unless it is an order
            order = service_orders.by_number(ctx.session, number) if number else None
            return order is not None and service_orders.claiming_team(
                ctx.session, order, ctx.staff) is not None
        return name != "待办"

    def handle(self, msg, ctx: Context) -> Reply:
        command, text = parse(msg), msg.content.strip()
        if command is None and ctx.understand(text).urgency == "emergency":
            # a member in danger, or seeing one, is a person first: whom to call, and a ticket
            return open_for(ctx, text, ctx.understand(text))
        if command is None or command[0] == "下单":
            return Reply(HELP)
        name, number, rest = command
        if name in ("服务单", "我的服务", "待办"):
            return Reply(listing(ctx) + page_line(ctx.page("mobile.member_orders"),
                                                  "打开我的服务"))
        order = (service_orders.by_number(ctx.session, number) if number
                 else only_visit(ctx) if name in VISIT else None)
        if order is not None and not service_orders.known_to(ctx.session, order, ctx.staff):
            order = None  # not sent to their team: as if there were none (no order confirmed)
        if order is None:
            return Reply(f"请在指令后加上工单号，例如：{name} 2611230001" if not number
                         else f"没有找到工单 {number} 的服务需求，请核对工单号。")
        try:
            text = act(ctx, name, order, rest.strip())
        except ServiceError as refusal:
            return Reply(str(refusal))
        except tickets.TicketError as refusal:
            return Reply(str(refusal))
        if name == "接单":
            text += page_line(ctx.page("mobile.member_order", number=order.ticket.number),
                              "打开服务单（签到、签退、反馈）")
        return Reply(text, ticket_id=order.ticket_id)


def act(ctx: Context, name: str, order: ServiceOrder, text: str) -> str:
    staff, session, now, number = ctx.staff, ctx.session, ctx.now, order.ticket.number
    if name == "接单":
        return claimed_card(order, service_orders.claim(session, order, staff, now).staff)
    if name == "退单":
        service_orders.withdraw(session, order, staff, now, ctx.policy)
        return f"已退单（工单 {number}），服务需求将等待其他队员接单。"
    point = fresh_point(ctx)
    if name == "签到":
        service_visits.check_in(session, order, staff, now, point)
        where = "，已记录位置" if point else "。可再发送位置（＋ → 位置）记录签到地点"
        return f"已签到（工单 {number}）{where}。服务结束后回复「签退 {number}」。"
    if name == "签退":
        mine = service_visits.check_out(session, order, staff, now, point)
        return (f"已签退，本次服务 {mine.minutes} 分钟。办完请回复「反馈 {number} 服务结果」，"
                "可先发送照片。")
    service_visits.report(session, order, staff, text, now)
    return f"已反馈（工单 {number}），居民将收到结果并评价。感谢您的服务！"


def fresh_point(ctx: Context):
    """A location the member shared in the last half hour, for a check-in or check-out."""
    state = ctx.resident.state
    if "point" in state and ctx.now.timestamp() - state.get("point_at", 0) < LOCATION_FRESH_S:
        return recent_point(ctx)
    return None


def only_visit(ctx: Context) -> ServiceOrder | None:
    """签到 / 签退 / 反馈 with no number: the member's one order in hand, if just one."""
    orders = list(ctx.session.scalars(
        select(ServiceOrder).join(ServiceClaim)
        .where(ServiceClaim.staff_id == ctx.staff.id, ServiceClaim.withdrawn_at.is_(None),
               ServiceOrder.status.in_(("open", "full", "serving"))).limit(2)))
    return orders[0] if len(orders) == 1 else None


def listing(ctx: Context) -> str:
    """The member's orders in hand, then the orders of their teams still needing people."""
    mine = service_orders.in_hand(ctx.session, ctx.staff)
    waiting = service_orders.waiting_for(ctx.session, ctx.staff, mine)
    lines = [f"{o.ticket.number} {SERVICE_KINDS[o.kind]} {ORDER_STATUS_NAMES[o.status]} "
             f"{when(o)}" for o in mine]
    lines = (["我接的服务："] + lines if lines else ["您目前没有在办的服务。"])
    if waiting:
        lines += ["待接的服务（回复「接单 工单号」）："] + [
            f"{o.ticket.number} {SERVICE_KINDS[o.kind]} {o.ticket.grid.name} {when(o)} "
            f"需{o.people_needed}人已接{len(o.active_claims)}人" for o in waiting]
    return "\n".join(lines)


class MemberLocation(Handler):
    """A member's location: the place of the check-in or check-out just made without one,
    else kept for the next one."""

    def matches(self, msg, ctx: Context) -> bool:
        return msg.type == "location" and serves(ctx)

    def handle(self, msg, ctx: Context) -> Reply:
        point = (float(msg.location_x), float(msg.location_y))
        found = service_visits.locate_visit(ctx.session, ctx.staff, point, ctx.now)
        if found is not None:
            claim, what = found
            return Reply(f"已记录{what}位置（工单 {claim.order.ticket.number}）。",
                         ticket_id=claim.order.ticket_id)
        remember_point(ctx, *point)
        return Reply("已收到位置，半小时内签到或签退时会一并记录。")


class MemberPhoto(Handler):
    """A member's picture joins the order in hand (kept by the photos store)."""

    def matches(self, msg, ctx: Context) -> bool:
        return msg.type == "image" and serves(ctx)

    def handle(self, msg, ctx: Context) -> Reply:
        order = service_visits.current_order(ctx.session, ctx.staff, ctx.now)
        if order is None:
            return Reply("照片没有对应的服务单：请先接单，服务中发送的照片会附在服务单上。")
        service_visits.add_photo(ctx.session, order, ctx.staff, ctx.now,
                                 media_id=msg.media_id, pic_url=msg.image)
        return Reply(f"照片已附在工单 {order.ticket.number} 的服务记录上。",
                     ticket_id=order.ticket_id)


class PlaceOrder(Handler):
    """网格下单: 下单 <工单号> [2人] [2小时] [明天9点] [备注], or 下单 <内容> for a new order in
    the worker's grid (or the place named)."""

    def matches(self, msg, ctx: Context) -> bool:
        command = parse(msg)
        return (command is not None and command[0] == "下单" and ctx.staff is not None
                and ctx.staff.role in PLACERS)

    def handle(self, msg, ctx: Context) -> Reply:
        _, number, rest = parse(msg)
        try:
            asked, words = terms(rest, ctx.now)
        except ValueError as error:
            return Reply(str(error))
        try:
            if number:
                ticket = tickets.by_number(ctx.session, number)
                if ticket is None or not scope.can_see(ctx.session, ctx.staff, ticket):
                    return Reply(NO_SUCH_TICKET.format(number=number))
                asked = service_orders.Terms(asked.people, asked.minutes, asked.when, words)
            else:
                ticket = new_request(ctx, words)
            order, told = service_orders.place(ctx.session, ticket, ctx.staff, ctx.now,
                                               terms=asked, policy=ctx.policy)
        except tickets.TicketError as refusal:
            return Reply(str(refusal))
        if not told:
            return Reply(f"已下单（工单 {order.ticket.number}），但本网格暂无可接单的服务队员，"
                         f"已上报{order.ticket.area.name}协调。", ticket_id=order.ticket_id)
        return Reply(f"已下单（工单 {order.ticket.number}）：{service_notices.terms(order)}，"
                     f"已推送给 {told} 名服务队员，接单情况会通知您。", ticket_id=order.ticket_id)


def new_request(ctx: Context, words: str):
    """An order a worker places with no resident's message: in the place named, else the
    worker's own grid; an emergency is refused (it is no service)."""
    if len(words) < 4:
        raise ServiceError("请写明服务内容和地点，例如：下单 幸福小区3栋201王奶奶 代办医保 2人 2小时 明天9点")
    result = ctx.understand(words)
    if result.urgency == "emergency":
        raise ServiceError("这像是紧急情况，不能作为服务需求派单：请立即处置，必要时拨打 110/119/120。")
    found = locate(ctx.session, text=words)
    grid = found.grid if found.found else (
        ctx.staff.area if ctx.staff.area.level == "grid" else None)
    if grid is None or not in_scope(ctx, grid):
        raise ServiceError("请写明您辖区内的地点（小区、楼栋），例如：下单 幸福小区3栋201 代办医保")
    kind = getattr(service_words(words), "kind", "other")
    order = service_orders.open_request(
        ctx.session, resident=None, description=words, kind=kind, words=(), now=ctx.now,
        policy=ctx.policy, located=found if found.found else None, grid=grid,
        channel="staff")
    return order.ticket


def in_scope(ctx: Context, grid) -> bool:
    return (ctx.staff.role in scope.SEES_EVERYTHING
            or any(a.id == ctx.staff.area_id for a in grid.ancestors()))
