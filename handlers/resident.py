"""A resident's words become a ticket."""
from __future__ import annotations

import re

from handlers import replies
from handlers.base import Handler, MessageType
from handlers.context import POINT_FRESH_FOR, Context, Reply
from handlers.faq_followup import remember_faq
from handlers.followup import NEW_MATTER
from handlers.held import keep_for_person, settle_openers
from handlers.matters import split
from handlers.places import recent_place
from handlers.praise_after import join_praise, praised_ticket
from handlers.words import bare
from nlp import names_topic
from store import held, tickets
from store.models import Ticket
from store.locate import locate, locate_text, named_estate


SHORT = 8  # Chinese characters: fewer, with no topic, and a ticket would tell a worker nothing


def unplaced(text: str, result) -> bool:
    """Words a person should read before anyone is sent out: the classifier found no kind,
    or words too short to say what they are about found no topic — a question ("？？？",
    "怎么办", "有人吗") or a sigh that names no kind either ("真是的": only learned weights
    leaned); a short report ("门禁坏了") still opens a ticket."""
    if result.urgency != "normal":
        return False
    if result.kind == "other":
        return True
    short = sum("\u4e00" <= ch <= "\u9fff" for ch in text) < SHORT
    if short and WHEREABOUTS.fullmatch(bare(text)):
        return True
    return short and result.domain == "其他" and (
        result.kind == "consultation" or not result.keywords.get("kind"))


# "我在公司里", "我在上班", "我到家了": where the resident is, not a matter (the learned weights
# lean "公司" to utilities and "上班" to wages, but nobody is to be sent out for them).
WHEREABOUTS = re.compile(
    r"(?:我|我们|俺|人)(?:现在|正|正在|还|已经|刚|刚刚)?在[\u4e00-\u9fff]{1,5}?"
    r"(?:里|上|呢|了|啊|呀|哦)*|(?:我|我们|俺)?(?:现在|已经|刚|刚刚)?"
    r"(?:到家|下班|上班|出门|回来|回家|出差|在外地|不在家)了?(?:啊|呀|呢|哦)*")


class ReportTicket(Handler):
    """Text, or voice that WeChat transcribed (Recognition), opens a ticket."""

    def matches(self, msg, ctx: Context) -> bool:
        return msg.type == "text" or (msg.type == "voice" and bool(msg.recognition))

    def handle(self, msg, ctx: Context) -> Reply:
        text = (msg.content if msg.type == "text" else msg.recognition).strip()
        text = text.removeprefix(NEW_MATTER).lstrip(" ：:，,")
        if ctx.resident.state.get("awaiting") == "new_matter":
            ctx.resident.state = {}
        if not text:
            return Reply(replies.GUIDE)
        result = ctx.understand(text)
        if result.faq and result.kind == "consultation" and result.urgency == "normal":
            # A common question is answered at once; "转人工" still brings a person.
            remember_faq(ctx, text, result.faq["id"])
            settle_openers(ctx, text)
            return Reply(result.faq["answer"])
        if unplaced(text, result):
            return keep_for_person(ctx, msg, text=text, result=result)
        if result.kind == "praise" and result.urgency == "normal" and (
                done := praised_ticket(ctx, text)) is not None:
            return join_praise(ctx, done, text)
        return open_for(ctx, text, result)


def open_for(ctx: Context, text: str, result) -> Reply:
    """Open the ticket where it happened: the bound grid, a recent location, an address; two
    matters marked in one message ("…坏了 另外…堵了") open a ticket each."""
    matters = split(text, ctx.understand) if result.urgency == "normal" else []
    if matters:
        opened = [open_ticket_at(ctx, part, found, where=text) for part, found in matters]
        return Reply(replies.tickets_opened(opened, ctx.now,
                                            building_asked=building_asked(ctx, opened[0])),
                     ticket_id=opened[0].id)
    ticket = open_ticket_at(ctx, text, result)
    return Reply(replies.ticket_opened(ticket, ctx.now,
                                       building_asked=building_asked(ctx, ticket)),
                 ticket_id=ticket.id)


def building_asked(ctx: Context, ticket) -> bool:
    """Waiting at an estate the registry knows ("翠苑小区", in several grids: one grid would have
    placed it), so only the building is asked for; an estate it does not know is a person's."""
    return (ticket.grid is None and bool(ticket.address)
            and named_estate(ctx.session, ticket.address) == ticket.address)


def open_ticket_at(ctx: Context, text: str, result, *, where: str | None = None):
    """A ticket for `text` where it happened (said in `where`, the whole message, if given)."""
    point, where = recent_point(ctx), where or text
    found = locate(ctx.session, resident=ctx.resident, text=where, point=point,
                   nearest_within_m=ctx.nearest_within_m)
    place = recent_place(ctx) if found.how in ("none", "nearest") else None
    if place:  # "我住幸福小区3栋" said just before: "楼道灯坏了" is there
        said = locate_text(ctx.session, place + where)
        said = said if said.found else locate_text(ctx.session, place)
        found = said if said.found else found
    address = place if place and not found.found else None
    if not found.found and address is None:  # "翠苑小区…": an estate of several grids
        address = named_estate(ctx.session, where)
    ticket = tickets.open_ticket(ctx.session, resident=ctx.resident, description=text,
                                 triage=tickets.Triage.of(result), now=ctx.now, policy=ctx.policy,
                                 located=found, point=point if found.how in (
                                     "point", "nearest", "none") else None, address=address,
                                 resident_phone=phone_in(result))
    # What the resident sent just before the words (a photo, a location) belongs to them.
    if ctx.standing is None or ctx.standing.held_waiting:
        held.join_ticket(ctx.session, ticket, ctx.now, since=ctx.now - POINT_FRESH_FOR)
    return ticket


def phone_in(result) -> str | None:
    """The first phone number the resident wrote, for the ticket's owner to call back."""
    phones = (getattr(result, "entities", None) or {}).get("phones") or []
    return phones[0][:20] if phones else None




def remember_point(ctx: Context, lat: float, lng: float) -> None:
    ctx.resident.state = {**ctx.resident.state, "point": [lat, lng],
                          "point_at": ctx.now.timestamp()}


def recent_point(ctx: Context) -> tuple[float, float] | None:
    state = ctx.resident.state
    if "point" in state and ctx.now.timestamp() - state.get("point_at", 0) < \
            POINT_FRESH_FOR.total_seconds():
        return tuple(state["point"])
    return None


class SharedLocation(MessageType):
    """A location sent with no open ticket: remembered for the report that follows."""

    types = ("location",)

    def handle(self, msg, ctx: Context) -> Reply:
        lat, lng = msg.location
        remember_point(ctx, float(lat), float(lng))
        found = locate(ctx.session, point=(float(lat), float(lng)),
                       nearest_within_m=ctx.nearest_within_m)
        return keep_for_person(ctx, msg, reply=replies.location_received(
            found.grid.name if found.found else None))


class ReportedLocation(MessageType):
    """WeChat's periodic LOCATION event (when the resident allows it): remembered silently."""

    events = ("location",)

    def handle(self, msg, ctx: Context) -> Reply:
        remember_point(ctx, float(msg.latitude), float(msg.longitude))
        return Reply(None)


class AskForPerson(Handler):
    """转人工 after an automatic answer: the question becomes a ticket for a person."""

    # 转人工, 我要找人工, 有没有人工客服, 请帮我转人工服务
    WORDS = re.compile(r"(?:我要|我想|请|麻烦|帮我|给我|有没有|能不能)*(?:找|转|接|要)?(?:个|一下)?"
                       r"人工(?:服务|客服|接听)?(?:吗|呢|啊|吧)?")

    # "我想找个人说说 我家的事情挺复杂的", "想当面跟网格员说一下": a person asked for, no matter named
    TALK = re.compile(r"(?:我|我们|俺)?(?:想|要|希望|能不能|可以)?(?:当面)?(?:找|跟|和|同)(?:个|一个)?"
                      r"(?:人|工作人员|真人|社区的?人|社区|网格员|你们的?人|领导)(?:当面)?"
                      r"(?:说说|聊聊|谈谈|说一下|聊一下|谈一下|说一说|聊一聊|反映一下|面谈)")

    def matches(self, msg, ctx: Context) -> bool:
        if msg.type != "text":
            return False
        words = bare(msg.content)
        if self.WORDS.fullmatch(words) is not None:
            return True
        if self.TALK.match(words) is None:
            return False
        result = ctx.understand(msg.content.strip())
        return result.urgency == "normal" and not names_topic(result)

    def handle(self, msg, ctx: Context) -> Reply:
        if not self.WORDS.fullmatch(bare(msg.content)):  # asked in their own words: kept as said
            return keep_for_person(ctx, msg, text=msg.content.strip(),
                                   reply=replies.ASK_FOR_PERSON)
        question = ctx.resident.state.get("question")
        if ctx.resident.state.get("awaiting") != "faq" or not question:
            return keep_for_person(ctx, msg, text=msg.content.strip(),
                                   reply=replies.ASK_FOR_PERSON)
        ctx.resident.state = {}
        reply = open_for(ctx, question, ctx.understand(question))
        # what they asked after the answer ("那周日呢", kept for a person) is this ticket's too
        held.join_ticket(ctx.session, ctx.session.get(Ticket, reply.ticket_id), ctx.now,
                         since=ctx.now - POINT_FRESH_FOR, follow_ups=True)
        return reply


class UnrecognisedVoice(MessageType):
    types = ("voice",)

    def handle(self, msg, ctx: Context) -> Reply:
        return keep_for_person(ctx, msg, reply=replies.VOICE_UNRECOGNISED)


class Media(MessageType):
    """Pictures, video and links with no open ticket: kept for a person, who can open a
    ticket from them; the words that follow join them to a ticket anyway."""

    types = ("image", "video", "shortvideo", "link")

    def handle(self, msg, ctx: Context) -> Reply:
        return keep_for_person(ctx, msg, reply=replies.MEDIA)
