"""What each inbound message or event means. Pure of Flask and of WeChat HTTP."""
from __future__ import annotations

from handlers import commands, dispatch, events, followup, menu, replies, resident
from handlers.base import Handler
from handlers.context import Context, Reply


class Fallback(Handler):
    def matches(self, msg, ctx: Context) -> bool:
        return True

    def handle(self, msg, ctx: Context) -> Reply:
        # Events we do not know (企业微信 calendars, new WeChat features) need no answer.
        is_event = msg.type == "event" or msg._data.get("MsgType") == "event"
        return Reply(None if is_event else replies.UNSUPPORTED)


# What a resident does that opens WeChat's 48-hour window for customer-service messages.
OPENS_REPLY_WINDOW = ("subscribe", "subscribe_scan", "scan", "click")

HANDLERS: tuple[Handler, ...] = (
    events.Subscribe(), events.Scan(), events.Unsubscribe(), menu.MenuClick(), events.Silent(),
    commands.Bind(), dispatch.Acknowledge(), commands.StaffCommand(), menu.TypedMenu(),
    commands.ResidentCommand(), followup.Rating(), followup.ReturnVisitAnswer(),
    resident.AskForPerson(), followup.FollowUp(),
    resident.ReportTicket(), resident.UnrecognisedVoice(), resident.SharedLocation(),
    resident.ReportedLocation(), resident.Media(),
    Fallback(),
)


def dispatch(msg, ctx: Context, handlers: tuple[Handler, ...] = HANDLERS) -> Reply:
    """The first handler that matches answers."""
    if msg.type != "event" or msg.event in OPENS_REPLY_WINDOW:
        ctx.resident_wrote()
    for handler in handlers:
        if handler.matches(msg, ctx):
            return handler.handle(msg, ctx)
    raise LookupError("no handler matched")  # unreachable while Fallback is last


__all__ = ["Context", "Handler", "HANDLERS", "Reply", "dispatch"]
