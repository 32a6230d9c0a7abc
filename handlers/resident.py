"""A resident's words become a ticket."""
from __future__ import annotations

from handlers import replies
from handlers.base import Handler, MessageType
from handlers.context import Context, Reply
from handlers.followup import NEW_MATTER
from store import tickets


def triage_of(result) -> tickets.Triage:
    return tickets.Triage(kind=result.kind, domain=result.domain, category=result.category,
                          department=result.department, urgency=result.urgency,
                          keywords=result.keywords)


class ReportTicket(Handler):
    """Text, or voice that WeChat transcribed (Recognition), opens a ticket."""

    def matches(self, msg, ctx: Context) -> bool:
        return msg.type == "text" or (msg.type == "voice" and bool(msg.recognition))

    def handle(self, msg, ctx: Context) -> Reply:
        text = (msg.content if msg.type == "text" else msg.recognition).strip()
        text = text.removeprefix(NEW_MATTER).lstrip(" ：:，,")
        if ctx.resident.state.get("awaiting") == "new_matter":
            ctx.resident.state = {}
        result = ctx.understand(text)
        if result.kind == "other" and result.urgency == "normal":
            return Reply(replies.GUIDE)
        if result.faq and result.kind == "consultation" and result.urgency == "normal":
            # A common question is answered at once; "转人工" still brings a person.
            ctx.resident.state = {"awaiting": "faq", "question": text}
            return Reply(result.faq["answer"])
        return open_for(ctx, text, result)


def open_for(ctx: Context, text: str, result) -> Reply:
    ticket = tickets.open_ticket(ctx.session, resident=ctx.resident, description=text,
                                 triage=triage_of(result), now=ctx.now, policy=ctx.policy)
    return Reply(replies.ticket_opened(ticket, ctx.now), ticket_id=ticket.id)


class AskForPerson(Handler):
    """转人工 after an automatic answer: the question becomes a ticket for a person."""

    WORDS = ("转人工", "人工", "人工服务", "找人工", "人工客服")

    def matches(self, msg, ctx: Context) -> bool:
        return msg.type == "text" and msg.content.strip(" 。！!") in self.WORDS

    def handle(self, msg, ctx: Context) -> Reply:
        question = ctx.resident.state.get("question")
        if ctx.resident.state.get("awaiting") != "faq" or not question:
            return Reply(replies.ASK_FOR_PERSON)
        ctx.resident.state = {}
        return open_for(ctx, question, ctx.understand(question))


class UnrecognisedVoice(MessageType):
    types = ("voice",)

    def handle(self, msg, ctx: Context) -> Reply:
        return Reply(replies.VOICE_UNRECOGNISED)


class Media(MessageType):
    """Pictures, video and locations need words to become a ticket (for now)."""

    types = ("image", "video", "shortvideo", "location", "link")

    def handle(self, msg, ctx: Context) -> Reply:
        return Reply(replies.MEDIA)
