"""A resident with a ticket in hand: ratings, and follow-ups that join the open ticket."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from handlers import replies
from handlers.base import Handler
from handlers.context import Context, Reply
from store import tickets
from store.models import Ticket
from store.registry import OPEN_STATES

FOLLOW_UP_WINDOW = timedelta(hours=2)
SCORE = re.compile(r"^\s*([1-5１-５])\s*(?:分|星)?[\s,，。.!！:：]*(.*)$", re.S)
NEW_MATTER = "新问题"


def message_text(msg) -> str | None:
    if msg.type == "text":
        return msg.content.strip()
    if msg.type == "voice" and msg.recognition:
        return msg.recognition.strip()
    return None


class Rating(Handler):
    """After 办结 the resident is asked for 1–5; "5 很及时" rates and comments at once."""

    def matches(self, msg, ctx: Context) -> bool:
        return (ctx.resident.state.get("awaiting") == "rating" and msg.type == "text"
                and SCORE.match(msg.content) is not None)

    def handle(self, msg, ctx: Context) -> Reply:
        digit, comment = SCORE.match(msg.content).groups()
        score = int(digit.translate(str.maketrans("１２３４５", "12345")))
        ticket = tickets.by_number(ctx.session, ctx.resident.state["ticket"])
        try:
            tickets.rate(ctx.session, ticket, score, ctx.now, comment.strip() or None)
        except (tickets.TicketError, AttributeError):
            ctx.resident.state = {}
            return Reply("这张工单已评价或已重新办理，无需再评分。感谢您的反馈！")
        return Reply(replies.rated(score), ticket_id=ticket.id)


def recent_open_ticket(ctx: Context) -> Ticket | None:
    return ctx.session.scalar(
        select(Ticket).where(Ticket.resident_id == ctx.resident.id,
                             Ticket.status.in_(OPEN_STATES),
                             Ticket.created_at >= ctx.now - FOLLOW_UP_WINDOW)
        .order_by(Ticket.id.desc()))


class FollowUp(Handler):
    """Within 2 hours of a report, more words, pictures or a location join that ticket,
    unless the words are clearly a new matter (another category, an emergency, 新问题)."""

    def matches(self, msg, ctx: Context) -> bool:
        if msg.type not in ("text", "voice", "image", "location"):
            return False
        if ctx.resident.state.get("awaiting") == "new_matter":
            return False
        text = message_text(msg)
        if msg.type in ("text", "voice") and (not text or text.startswith(NEW_MATTER)):
            return False
        ticket = recent_open_ticket(ctx)
        if ticket is None:
            return False
        if text:
            result = ctx.understand(text)
            if result.urgency == "emergency":
                return False
            if result.category not in ("其他", ticket.category) and result.kind != "other":
                return False
        return True

    def handle(self, msg, ctx: Context) -> Reply:
        ticket = recent_open_ticket(ctx)
        if msg.type == "image":
            tickets.add_resident_message(ctx.session, ticket, ctx.now, type="image",
                                         pic_url=msg.image, media_id=msg.media_id)
            return Reply(replies.appended(ticket, "图片"), ticket_id=ticket.id)
        if msg.type == "location":
            tickets.add_resident_message(ctx.session, ticket, ctx.now, type="location",
                                         lat=msg.location_x, lng=msg.location_y,
                                         label=msg.label)
            return Reply(replies.appended(ticket, "位置"), ticket_id=ticket.id)
        tickets.add_resident_message(ctx.session, ticket, ctx.now, text=message_text(msg))
        return Reply(replies.appended(ticket, "您的补充"), ticket_id=ticket.id)
