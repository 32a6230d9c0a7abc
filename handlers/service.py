"""A resident asks for a service (代办医保/社保/救助, 陪同就医, 帮忙维修 for someone who cannot):
a service request for the grid, who places the order with the service teams.

Fail safe first: only a help request or a question (read as a complaint, only when it asks in
so many words or someone cannot do it themself: "代办点乱收费" is a complaint) at normal
urgency is a service — an emergency, or anything urgent, opens the
ticket it always did (handlers.resident), with the number to call first.
"""
from __future__ import annotations

from handlers import replies
from handlers.base import Handler
from handlers.context import Context, Reply
from handlers.followup import recent_open_ticket
from handlers.words import message_text
from handlers.resident import POINT_FRESH_FOR, phone_in, recent_point
from nlp.service import ServiceWords, service_words
from store import held, owners, service_orders, tickets
from store.locate import locate
from store.vocab import SERVICE_KINDS

AWAITING = "service"  # after the menu's 办服务: the next words are the request
AWAIT_FOR_S = 30 * 60  # ... if they come within half an hour
GUIDE = ("请直接说明需要什么服务、为谁、在哪里、什么时间，例如：“我母亲腿脚不便，想请人帮忙代办医保报销，"
         "幸福小区3栋2单元，明天上午”。网格员会为您联系党员先锋队、志愿服务队或后盾单位上门服务。")


def asked_service(ctx: Context, text: str) -> ServiceWords | None:
    """The service these words ask for, or None; never for an emergency or anything urgent."""
    return service_asked(ctx.understand(text), service_words(text), awaiting(ctx))


def service_asked(result, found: ServiceWords | None, awaited: bool) -> ServiceWords | None:
    """The rule, on the classifier's output and the service words found: `awaited`, the
    resident pressed 办服务 just before."""
    if result.urgency != "normal" or result.emergency is not None:
        return None
    if found is not None and (result.kind in ("help", "consultation") or (
            result.kind == "complaint" and (found.helpless or found.asked))):
        return found
    if awaited and result.kind != "other":
        return ServiceWords("other", ())
    return None


def awaiting(ctx: Context) -> bool:
    state = ctx.resident.state
    return (state.get("awaiting") == AWAITING
            and ctx.now.timestamp() - state.get("since", 0) < AWAIT_FOR_S)


class ServiceRequest(Handler):
    """Text (or transcribed voice) asking for a service opens a service request; more words
    about the same service within 2 hours join it (one thread per matter)."""

    def matches(self, msg, ctx: Context) -> bool:
        if msg.type not in ("text", "voice") or ctx.staff is not None:
            return False
        text = message_text(msg)
        return bool(text) and asked_service(ctx, text) is not None

    def handle(self, msg, ctx: Context) -> Reply:
        text = message_text(msg)
        found = asked_service(ctx, text)
        if ctx.resident.state.get("awaiting") == AWAITING:
            ctx.resident.state = {k: v for k, v in ctx.resident.state.items()
                                  if k not in ("awaiting", "since")}
        same = recent_open_ticket(ctx)
        if same is not None and same.category == SERVICE_KINDS[found.kind]:
            tickets.add_resident_message(ctx.session, same, ctx.now, text=text)
            return Reply(replies.appended(same, "您的补充"), ticket_id=same.id)
        point = recent_point(ctx)
        where = locate(ctx.session, resident=ctx.resident, text=text, point=point,
                       nearest_within_m=ctx.nearest_within_m)
        order = service_orders.open_request(
            ctx.session, resident=ctx.resident, description=text, kind=found.kind,
            words=found.words, now=ctx.now, policy=ctx.policy, located=where,
            point=point if where.how in ("point", "nearest", "none") else None,
            resident_phone=phone_in(ctx.understand(text)))
        held.join_ticket(ctx.session, order.ticket, ctx.now, since=ctx.now - POINT_FRESH_FOR)
        return Reply(requested(order.ticket, ctx.now), ticket_id=order.ticket.id)


def requested(ticket, now) -> str:
    """The passive reply: the number, and who will arrange the service."""
    if ticket.grid is None:  # the pool: the usual answer, which asks where
        return replies.ticket_opened(ticket, now)
    who = owners.who(ticket.assignee) if ticket.assignee is not None else "网格工作人员"
    return (f"已收到您的服务需求（{ticket.category}），工单号 {ticket.number}。"
            f"{who}会为您联系服务队，队员接单后会告诉您是谁来、什么时间到。\n"
            f"回复“查询 {ticket.number}”可查看进度。")
