"""The account's menu (报事件 / 一键求助 / 我的工单 / 办事指南) and what each button does."""
from __future__ import annotations

from handlers import replies
from handlers.base import MessageType
from handlers.commands import my_tickets
from handlers.context import Context, Reply
from store import tickets

REPORT, SOS, MY_TICKETS, GUIDE = "REPORT", "SOS", "MY_TICKETS", "GUIDE"
MENU = {"button": [
    {"type": "click", "name": "报事件", "key": REPORT},
    {"type": "click", "name": "一键求助", "key": SOS},
    {"name": "我的", "sub_button": [{"type": "click", "name": "我的工单", "key": MY_TICKETS},
                                   {"type": "click", "name": "办事指南", "key": GUIDE}]},
]}
SOS_TRIAGE = tickets.Triage(kind="help", domain="公共安全", category="紧急求助",
                            department="应急管理/消防", urgency="emergency")


class MenuClick(MessageType):
    events = ("click",)

    def handle(self, msg, ctx: Context) -> Reply:
        key = (msg.key or "").upper()
        if key == SOS:
            return sos(ctx)
        if key == MY_TICKETS:
            return Reply(my_tickets(ctx))
        if key == REPORT:
            return Reply(replies.REPORT_GUIDE)
        return Reply(replies.RESIDENT_HELP)


def sos(ctx: Context) -> Reply:
    """一键求助: an emergency ticket, pushed at once to the grid worker and the grid leader
    (as every emergency is: tickets.open_ticket)."""
    ticket = tickets.open_ticket(ctx.session, resident=ctx.resident,
                                 description="【一键求助】居民通过菜单发起紧急求助，请立即联系核实。",
                                 triage=SOS_TRIAGE, now=ctx.now, policy=ctx.policy)
    return Reply(replies.ticket_opened(ticket, ctx.now), ticket_id=ticket.id)
