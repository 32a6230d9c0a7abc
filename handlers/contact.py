"""怎么联系网格员 / 网格员电话多少 / 我们网格员是谁: the resident's grid and its people, as
the grid publishes them (its poster, 公示牌: names, phones with the middle digits hidden)."""
from __future__ import annotations

import re

from handlers import replies
from handlers.base import Handler
from handlers.context import Context, Reply
from handlers.held import settle_openers
from handlers.words import FILLER, GREETING, bare, message_text
from store.locate import locate_text
from store.registry import published_people
from store.vocab import ROLE_NAMES, mask_phone

WHO = r"(?:网格员|网格长|网格管理员)"
# "你们电话多少", "怎么联系社区": the account's people are the grid's (what a poster shows).
REACH = r"(?:网格员|网格长|网格管理员|你们|您们|社区|居委会|居委|村委会|村委)"
US = r"(?:我们|我|咱们|咱)?(?:小区|社区|这边|这里)?的?"
ASKS = re.compile("|".join((
    rf"(?:怎么|怎样|如何|咋|去哪|哪里|在哪)(?:能|可以|才能)?(?:联系|联络|找到|找|打电话给){US}{REACH}",
    rf"{US}{REACH}(?:要|该|应该)?(?:怎么|怎样|如何|咋|去哪|哪里|在哪)(?:能|可以|才能)?(?:联系|联络|找到|找)",
    rf"{REACH}的?(?:联系电话|电话号码|电话|手机号码|手机号|手机|号码|联系方式|微信号|微信)"
    r"(?:是|有)?(?:多少|几号|什么|啥|哪个)?",
    rf"{WHO}(?:是|叫)(?:谁|哪位|哪一位|哪个|什么名字|啥名字|什么|啥)",
    rf"谁是{US}{WHO}",
    r"(?:我|我们|我家|这里|这边)(?:是|属于|在)(?:哪个|哪一个|什么|啥)网格",
    rf"(?:有没有|给个|给我|求|要)(?:一下)?{WHO}的?(?:电话|联系方式|手机号|手机)",
    rf"(?:联系|找)(?:一下)?{US}{REACH}",
)))
# What may surround the question without making it another one.
AROUND = re.compile(rf"(?:{GREETING}|{FILLER}|电话|手机号?|号码|联系方式|多少|谁|哪位|名字|叫什么|"
                    r"什么|啥|是|小区|怎么|如何|联系|我?想?(?:问|知道|了解)一?下?|麻烦|能不能|"
                    r"可以|告诉我|给我)+", re.I)


def asked(text: str) -> tuple[bool, str]:
    """(is it a question for the grid's people, the rest of the words: a place or nothing)."""
    words = bare(text)
    match = ASKS.search(words)
    if match is None:
        return False, ""
    rest = words[:match.start()] + words[match.end():]
    return True, "" if not rest or AROUND.fullmatch(rest) else rest


# "张伟电话多少": a person of the resident's grid asked for by name
NAMED = re.compile(r"(?P<name>[\u4e00-\u9fff]{2,4}?)(?:网格员|网格长|书记|主任)?的?"
                   r"(?:联系电话|电话|手机号?|联系方式)(?:是|是多少|多少|几号|什么)?")


def names_our_person(ctx: Context, text: str) -> bool:
    match = NAMED.fullmatch(bare(text))
    grid = ctx.resident.grid
    return match is not None and grid is not None and any(
        person.name == match["name"] for person in published_people(ctx.session, grid))


class GridContact(Handler):
    """Answered at once from the registry; a resident with no grid is told how to bind, or
    names a place in the same words ("幸福小区3栋的网格员是谁")."""

    def matches(self, msg, ctx: Context) -> bool:
        text = message_text(msg)
        if not text or len(text) > 40:
            return False
        question, rest = asked(text)
        if not question:
            return names_our_person(ctx, text)
        return not rest or names_only_a_place(ctx, rest)

    def handle(self, msg, ctx: Context) -> Reply:
        settle_openers(ctx, message_text(msg))
        _, rest = asked(message_text(msg))
        if rest:
            found = place_named(ctx, rest)
            return Reply(people_of(ctx, found.grid, f"“{found.place_name or rest}”属于"))
        if ctx.resident.grid is None:
            return Reply(replies.CONTACT_UNBOUND)
        return Reply(people_of(ctx, ctx.resident.grid, "您所在的网格："))


def names_only_a_place(ctx: Context, rest: str) -> bool:
    """"幸福小区3栋的" names a place and nothing else; "幸福小区3栋楼道灯坏了" is a report too,
    and opens its ticket (every word the classifier leans on lies inside the place)."""
    found = place_named(ctx, rest)
    if not found.found:
        return False
    keywords = ctx.understand(rest).keywords
    place = found.place_name or ""
    return all(word in place for key in ("kind", "domain", "category")
               for word in keywords.get(key, ()))


def place_named(ctx: Context, rest: str):
    """The place the words name, looked up once per message (matches, then handle)."""
    return ctx.once(("place", rest), lambda: locate_text(ctx.session, rest))


def people_of(ctx: Context, grid, where: str) -> str:
    people = published_people(ctx.session, grid)
    if not people:
        return f"{where}{grid.name}，暂未公布网格员。" + replies.CONTACT_HOW
    lines = [f"{where}{grid.name}"]
    lines += [f"{ROLE_NAMES[s.role]}：{s.name}" + (f"（{mask_phone(s.phone)}）" if s.phone else "")
              for s in people]
    hidden = "电话中间四位为保护个人信息已隐去。" if any(s.phone for s in people) else ""
    return "\n".join(lines) + "\n" + hidden + replies.CONTACT_HOW
