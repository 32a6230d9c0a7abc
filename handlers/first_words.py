"""A resident's first words that carry no matter yet: a greeting, an opener that announces a
report or a question ("我想反映个问题", "在吗 我有个事"), a place alone ("我家楼下"), thanks,
or "好的". Recognised by their whole shape (every word of them is one that names no topic),
so "门禁坏了" or "我想投诉物业" is never taken for one, and never an emergency (the classifier
is asked first)."""
from __future__ import annotations

from datetime import timedelta

from handlers import replies
from handlers.base import Handler
from handlers.context import Context, Reply
from handlers.faq_followup import asked_faq
from handlers.followup import newest_open_ticket, newest_ticket
from handlers.held import keep_for_person
from handlers.words import (PLEA, THANKS, is_greeting, is_opener, is_place_only,
                            is_small_talk, message_text)
from store import tickets
from store.models import Ticket


class FirstWords(Handler):
    """Words with no matter, and no ticket of the last two hours to join (FollowUp comes
    first): the resident is asked, in one short message, what happened and where. No ticket
    is opened; the words wait for a person (未受理留言) in case nothing follows, and join the
    ticket that the next report opens (see resident.open_for), so the agent sees both."""

    def matches(self, msg, ctx: Context) -> bool:
        text = message_text(msg)
        if not text or text.isdigit() or not (is_opener(text) or is_greeting(text)
                                              or is_small_talk(text) or is_place_only(text)):
            return False
        # an emergency is never held; "急急急" (urgent, nothing said) is asked, numbers first
        return ctx.understand(text).urgency != "emergency"

    def handle(self, msg, ctx: Context) -> Reply:
        text = message_text(msg)
        result = ctx.understand(text)
        if is_place_only(text):  # "我家楼下": where, and the matter in the next message
            reply = replies.ASK_WHAT
        elif is_opener(text) or is_greeting(text):
            reply = replies.ASK_WHAT_AND_WHERE
            if PLEA.search(text):  # no danger named, but nobody is sent yet: the numbers first
                reply = replies.DANGER + "\n" + reply.removeprefix("您好，")
        elif THANKS.search(text) and ctx.resident.state.get("awaiting") == "rating":
            reply = replies.welcome_rate(ctx.resident.state.get("ticket", ""))
        elif (ticket := newest_open_ticket(ctx)) is not None:
            # "👍", "谢谢" days after a report: it stays on that ticket's timeline, as within
            # the follow-up window, and waits for nobody (nobody need answer a thumbs-up)
            tickets.add_resident_message(ctx.session, ticket, ctx.now, text=text, tell=False)
            return Reply(replies.small_talk(ticket), ticket_id=ticket.id)
        elif THANKS.search(text):
            reply = replies.YOU_ARE_WELCOME
            if asked_faq(ctx) is not None:  # thanks for the answer just given: nobody need read it
                return Reply(reply)
            if (ticket := thanked_ticket(ctx)) is not None:  # thanks for what just closed
                tickets.record_event(ctx.session, ticket, "resident_message", ctx.now,
                                     actor="resident", body=text, small_talk=True)
                return Reply(reply, ticket_id=ticket.id)
        else:
            reply = replies.ANYTHING_ELSE
        return keep_for_person(ctx, msg, text=text, result=result, reply=reply)


THANKS_AFTER = timedelta(hours=72)


def thanked_ticket(ctx: Context) -> Ticket | None:
    """The ticket a bare "谢谢" with nothing open most likely thanks for: the resident's newest,
    if it was closed (a praise passed on, a rating) in the last three days. The thanks joins its
    timeline instead of waiting for an agent to dismiss it."""
    ticket = newest_ticket(ctx)
    if ticket is None or ticket.closed_at is None or ticket.closed_at < ctx.now - THANKS_AFTER:
        return None
    return ticket
