"""A matter reported again while its ticket is still open ("楼道灯还是没人修啊" a day after
"楼道灯坏了"): it joins that ticket and is answered with where it stands, so one matter stays
one thread however long it takes (FollowUp covers the first two hours, whatever the words)."""
from __future__ import annotations

import re

from sqlalchemy import select

from handlers.base import Handler
from handlers.context import Context, Reply
from handlers.followup import where_it_stands
from handlers.words import message_text
from store.locate import BUILDING
from store.models import Ticket
from store.registry import OPEN_STATES

# Words that say where or who, not what: shared, they do not make two reports one matter.
NOT_THE_MATTER = {"物业", "小区", "楼下", "楼上", "社区", "门口", "我家", "家里", "附近", "隔壁",
                  "对面", "每天", "天天", "晚上", "白天", "一直", "问题", "反映", "投诉"}
CJK_PAIR = re.compile(r"(?=([\u4e00-\u9fff]{2}))")


def pairs(words) -> set[str]:
    return {pair for word in words for pair in CJK_PAIR.findall(word)} - NOT_THE_MATTER


# "3栋的楼道灯也坏了", "还有一处": another of the same kind, not the same one again.
ANOTHER = re.compile(r"也|还有|另外|另一|别的|其他|其它|又一")


def places_named(text: str) -> set[str]:
    return {re.sub(r"\s+", "", match.group(0)) for match in BUILDING.finditer(text or "")}


# "又吵了", "还是没人收": the words say it is the same again.
AGAIN = re.compile(r"又|还是|还在|还没|仍然|依然|照样|照旧|一直|再次")


def open_ticket_about(ctx: Context, result, text: str) -> Ticket | None:
    """The resident's newest open ticket of this matter: in the same category, with a topic
    word shared ("楼道灯", "漏水", "烧烤") or said to be happening again ("昨晚又吵到两点"); or
    said again in words of another category that share a topic word ("垃圾还是没人收 都臭了"
    after a 垃圾清运 report). The same matter, not just the same kind."""
    topic = pairs(result.keywords.get("category") or ())
    if result.category == "其他" or not topic or ANOTHER.search(text):
        return None
    if ctx.standing is not None and not ctx.standing.has_open:  # read with their row
        return None
    again, here = AGAIN.search(text) is not None, places_named(text)
    candidates = ctx.session.scalars(
        select(Ticket).where(Ticket.resident_id == ctx.resident.id, Ticket.kind != "praise",
                             Ticket.status.in_(OPEN_STATES))
        .order_by(Ticket.id.desc()).limit(5))
    for ticket in candidates:
        shared = topic & pairs([ticket.description,
                                *((ticket.keywords or {}).get("category") or ())])
        same = shared or again if ticket.category == result.category else shared and again
        if same and here <= places_named(f"{ticket.description} {ticket.address or ''}"):
            return ticket
    return None


class SameMatter(Handler):
    """Not for questions (answered as questions) or praise, nor for an emergency (its own
    ticket, at once)."""

    def matches(self, msg, ctx: Context) -> bool:
        text = message_text(msg)
        if not text:
            return False
        result = ctx.understand(text)
        return (result.urgency != "emergency" and result.kind not in ("consultation", "praise")
                and self.ticket(ctx, text, result) is not None)

    @staticmethod
    def ticket(ctx: Context, text: str, result) -> Ticket | None:
        return ctx.once(("same_matter", text), lambda: open_ticket_about(ctx, result, text))

    def handle(self, msg, ctx: Context) -> Reply:
        text = message_text(msg)
        ticket = self.ticket(ctx, text, ctx.understand(text))  # an open one
        return where_it_stands(ctx, ticket, text, lead="这件事您已反映过，已并入原工单。\n")
