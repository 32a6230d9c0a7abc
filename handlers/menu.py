"""The account's menu (报事件 / 一键求助 / 办服务 / 我的工单 / 办事指南) and what each button does."""
from __future__ import annotations

import re

from handlers import replies, service
from handlers.base import Handler, MessageType
from handlers.commands import my_tickets, report_patrol
from handlers.context import Context, Reply
from handlers.resident import recent_point
from handlers.words import bare
from store import tickets
from store.locate import locate

REPORT, SOS, MY_TICKETS, GUIDE = "REPORT", "SOS", "MY_TICKETS", "GUIDE"
SERVICE = "SERVICE"
MENU = {"button": [
    {"type": "click", "name": "报事件", "key": REPORT},
    {"type": "click", "name": "一键求助", "key": SOS},
    {"name": "我的", "sub_button": [{"type": "click", "name": "办服务", "key": SERVICE},
                                   {"type": "click", "name": "我的工单", "key": MY_TICKETS},
                                   {"type": "click", "name": "办事指南", "key": GUIDE}]},
]}
SOS_TRIAGE = tickets.Triage(kind="help", domain="公共安全", category=tickets.SOS_CATEGORY,
                            department="应急管理/消防", urgency="emergency")


class MenuClick(MessageType):
    events = ("click",)

    def handle(self, msg, ctx: Context) -> Reply:
        return press(ctx, (msg.key or "").upper())


class TypedMenu(Handler):
    """The menu's words typed as text (办事指南, 我的工单, 报事件, 一键求助) act like the buttons."""

    WORDS = {"报事件": REPORT, "一键求助": SOS, "我的工单": MY_TICKETS, "办事指南": GUIDE,
             "办服务": SERVICE}

    def matches(self, msg, ctx: Context) -> bool:
        return msg.type == "text" and self.button(msg.content) is not None

    def button(self, text: str) -> str | None:
        words = text.strip(" 。！!？?")
        return self.WORDS.get(words) or (MY_TICKETS if ASKS_MY_TICKETS.fullmatch(bare(words))
                                         else None)

    def handle(self, msg, ctx: Context) -> Reply:
        return press(ctx, self.button(msg.content))


# "帮我查一下我的工单", "看看我的投诉": 我的工单 asked in a sentence.
ASKS_MY_TICKETS = re.compile(
    r"(?:你好|您好|请|麻烦|帮我|帮忙|给我|我想|我要|想)*(?:查|看|查询|查看|看看|查查|找)(?:一下|下)?"
    r"(?:我的|我)(?:所有的?|全部的?)?(?:工单|投诉|报事|反映的?(?:问题|事)?|报的事|提交的问题)"
    r"(?:记录|列表|情况)?(?:吧|呢|啊)?")


def press(ctx: Context, key: str) -> Reply:
    """What a menu button does."""
    if key == SOS:
        return sos(ctx)
    if key == MY_TICKETS:
        return Reply(my_tickets(ctx))
    if key == REPORT:
        if ctx.staff is not None:  # staff report what they found on patrol
            return report_patrol(ctx, "")
        return Reply(replies.REPORT_GUIDE)
    if key == SERVICE:  # the next words are the request (handlers.service)
        ctx.resident.state = {**ctx.resident.state, "awaiting": service.AWAITING,
                              "since": ctx.now.timestamp()}
        return Reply(service.GUIDE)
    return Reply(replies.RESIDENT_HELP)


def sos(ctx: Context) -> Reply:
    """一键求助: an emergency ticket, pushed at once to the grid worker and the grid leader
    (as every emergency is: tickets.open_ticket);
    from a resident bound to no grid, to every duty officer (and, when a recent location
    is known, to the grid there or the nearest grid's worker)."""
    point = recent_point(ctx)
    found = locate(ctx.session, resident=ctx.resident, point=point,
                   nearest_within_m=ctx.nearest_within_m)
    ticket = tickets.open_ticket(ctx.session, resident=ctx.resident,
                                 description="【一键求助】居民通过菜单发起紧急求助，请立即联系核实。",
                                 triage=SOS_TRIAGE, now=ctx.now, policy=ctx.policy,
                                 located=found, point=point)
    return Reply(replies.ticket_opened(ticket, ctx.now), ticket_id=ticket.id)
