"""Where the resident lives, said before the matter ("我住幸福小区3栋", "我是幸福小区的"): the
place is remembered for the report that follows, which goes to that grid's worker. The reply
to a report from an unbound resident asks for exactly these words, so they must never open a
ticket of their own."""
from __future__ import annotations

import re

from handlers import replies
from handlers.base import Handler
from handlers.context import POINT_FRESH_FOR, Context, Reply
from handlers.held import keep_for_person
from handlers.words import bare, message_text
from store.locate import NUMERAL, ROAD_ENDINGS, locate_text, named_estate

_NUMBER = rf"(?:[0-9]{{1,5}}|[{NUMERAL}]{{1,4}})"
_ENDING = (r"(?:小区|花园|家园|新村|新城|公寓|大厦|广场|园区|社区|苑|庭|府|城|园|"
           rf"[{''.join(ROAD_ENDINGS)}](?:{_NUMBER}号(?!楼|栋|院))?)")
_UNIT = rf"(?:{_NUMBER}\s*(?:号楼|号栋|栋|幢|座|#|楼|单元|层|室|号|户))"
# The whole message is a place: a lead (我住、我家在、地址是), a name ending like an estate or a
# road, or buildings and rooms, and a tail (的、这边); "我住幸福小区3栋2单元302".
PLACE_ONLY = re.compile(
    r"(?:你好|您好)?(?:我们?家?|俺家?|咱家?)?(?:就|家)?(?:住在|住的是|住|家在|在|是)?"
    r"(?:的?地址是?|的?位置是?)?"
    rf"(?P<place>(?:[\u4e00-\u9fffA-Za-z]{{1,10}}?{_ENDING})?(?:{_UNIT}|{_NUMBER})*)"
    r"(?:的|住户|居民|业主|这边|这里|那边|附近)*")


STRONG = re.compile(rf"小区|花园|家园|新村|公寓|大厦|苑|{_UNIT}|[路街巷弄]{_NUMBER}号")


def spoken_place(text: str) -> str | None:
    """The place, when the words are a place and nothing else; else None."""
    match = PLACE_ONLY.fullmatch(bare(text))
    if match is None:
        return None
    place = match.group("place")
    named = re.search(_ENDING, place) is not None or re.search(_UNIT, place) is not None
    return place if named and len(place) >= 3 else None


def place_of(ctx: Context, text: str):
    """(place, where it was found, estate) for words that are only a place the registry
    knows or that reads unmistakably as an address ("阳光花园5栋"); else None ("我在公司里")."""
    def find():
        place = spoken_place(text)
        if place is None:
            return None
        found = locate_text(ctx.session, place)
        estate = None if found.found else named_estate(ctx.session, place)
        if found.found or estate or STRONG.search(place):
            return place, found, estate
        return None
    return ctx.once(("place_of", text), find)


def remember_place(ctx: Context, place: str) -> None:
    ctx.resident.state = {**ctx.resident.state, "place": place, "place_at": ctx.now.timestamp()}


def recent_place(ctx: Context) -> str | None:
    state = ctx.resident.state
    if "place" in state and ctx.now.timestamp() - state.get("place_at", 0) < \
            POINT_FRESH_FOR.total_seconds():
        return state["place"]
    return None


class TypedPlace(Handler):
    """"我住幸福小区3栋" with nothing open to place (FollowUp puts a waiting ticket there):
    remembered, and the resident is asked what happened. Held for a person meanwhile."""

    def matches(self, msg, ctx: Context) -> bool:
        text = message_text(msg)
        return bool(text) and place_of(ctx, text) is not None and \
            ctx.understand(text).urgency != "emergency"

    def handle(self, msg, ctx: Context) -> Reply:
        text = message_text(msg)
        place, found, estate = place_of(ctx, text)
        if ctx.resident.grid is not None:  # their bound grid comes first (store.locate)
            remember_place(ctx, found.place_name or place)
            reply = replies.place_received(None, found.place_name or place)
        elif found.found:
            remember_place(ctx, found.place_name or place)
            reply = replies.place_received(found.grid.name)
        elif estate is not None:
            remember_place(ctx, estate)
            reply = replies.estate_received(estate)
        else:
            remember_place(ctx, place)
            reply = replies.place_received(None, place)
        return keep_for_person(ctx, msg, text=text, result=ctx.understand(text), reply=reply)
