"""What each inbound message or event means. Pure of Flask and of WeChat HTTP."""
from __future__ import annotations

from handlers import (about, commands, contact, dispatch, events, faq_followup, figures,
                      first_words, fixed, followup, members, menu, places, replies, resident,
                      same_matter, service, staff_words, today)
from handlers.base import Handler
from handlers.context import Context, Reply
from handlers.held import keep_for_person
from store import outbox


class Fallback(Handler):
    def matches(self, msg, ctx: Context) -> bool:
        return True

    def handle(self, msg, ctx: Context) -> Reply:
        # Events we do not know (企业微信 calendars, new WeChat features) need no answer;
        # a message of a kind we do not know (a file…) is kept for a person.
        is_event = msg.type == "event" or msg._data.get("MsgType") == "event"
        return Reply(None) if is_event else keep_for_person(ctx, msg, reply=replies.UNSUPPORTED)


# What a user does that lets the account send customer-service messages (since 2023-06-12):
# a message, 5 within 48 hours; a click, follow or scan, 3 within 1 minute.
OPENS_REPLY_WINDOW = ("subscribe", "subscribe_scan", "scan", "click", "scancode_push",
                      "scancode_waitmsg")

HANDLERS: tuple[Handler, ...] = (
    events.Subscribe(), events.Scan(), events.Unsubscribe(), menu.MenuClick(),
    events.MassSendFinished(), events.Silent(),
    commands.Bind(), dispatch.Acknowledge(), members.MemberLocation(), members.MemberPhoto(),
    members.PlaceOrder(), members.MemberCommand(), figures.StaffFigures(), today.StaffToday(),
    commands.StaffCommand(),
    staff_words.StaffPhoto(), menu.TypedMenu(),
    commands.ResidentCommand(), followup.Rating(), followup.RatingInWords(),
    followup.ReturnVisitAnswer(),
    resident.AskForPerson(), service.ServiceRequest(), contact.GridContact(),
    about.WhoWeAre(), about.HowToUse(), about.KeepMeConfidential(),
    faq_followup.FaqFollowUp(), followup.ProgressQuestion(), fixed.SaysFixed(),
    followup.FollowUp(), same_matter.SameMatter(),
    fixed.NotFixedAfterAll(),
    places.TypedPlace(),
    first_words.FirstWords(),
    resident.ReportTicket(), resident.UnrecognisedVoice(), resident.SharedLocation(),
    resident.ReportedLocation(), resident.Media(),
    Fallback(),
)


def dispatch(msg, ctx: Context, handlers: tuple[Handler, ...] = HANDLERS) -> Reply:
    """The first handler that matches answers."""
    if msg.type != "event":
        outbox.user_acted(ctx.session, ctx.openid, "message", ctx.now)
        ctx.resident_wrote()
    elif msg.event in OPENS_REPLY_WINDOW:
        outbox.user_acted(ctx.session, ctx.openid, "event", ctx.now)
    for handler in handlers:
        if handler.matches(msg, ctx):
            return handler.handle(msg, ctx)
    raise LookupError("no handler matched")  # unreachable while Fallback is last


__all__ = ["Context", "Handler", "HANDLERS", "Reply", "dispatch"]
