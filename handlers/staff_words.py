"""A worker's own words about the ticket in hand, as a worker types them: "灯泡已经换好了" is
办结 with those words as the result, "好的 我马上过去" is 接单, "在忙 下午过去" is 接单 and those words
to the resident (a 回复 once in hand), "这个不归我们管" asks how to hand
it on, a picture is that ticket's site photo. Only where one ticket is meant (the worker's
only one waiting, or in hand; a number said first: that one); otherwise the commands list."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from handlers import replies
from handlers.base import MessageType
from handlers.context import Context, Reply
from handlers.held import keep_for_person
from store import ladder, scope, tickets
from store.models import Ticket, TicketEvent
from store.notices import running_clock
from store.registry import OPEN_STATES, TO_ACCEPT


def todo_of(ctx: Context) -> list[Ticket]:
    """The staff member's open tickets, most urgent first as the 待办 page lists them: by the
    deadline of the clock each runs now, so the late ones lead (once per message)."""
    def load() -> list[Ticket]:
        held = ctx.session.scalars(select(Ticket).where(
            Ticket.assignee_id == ctx.staff.id, Ticket.status.in_(OPEN_STATES))
            .order_by(Ticket.due_at, Ticket.id).limit(200))
        return sorted(held, key=lambda t: (t.kind == "praise", running_clock(t)[1]))[:20]
    return ctx.once("my_open_tickets", load)


def meant_by(name: str, todo: list[Ticket]) -> list[Ticket]:
    """The tickets a command without a number can mean: 接单 one waiting to be taken; the
    others one in hand (or, with none in hand, any). A praise is meant only when nothing
    else is held: it asks for no work."""
    todo = [t for t in todo if t.kind != "praise"] or list(todo)
    if name == "接单":
        return [t for t in todo if t.status in TO_ACCEPT]
    in_hand = [t for t in todo if t.status not in TO_ACCEPT]
    return in_hand or list(todo)


NUMBER_FIRST = re.compile(r"\s*(\d{10})[\s:：,，]*(.*)", re.S)
# Done, said plainly; never a question or a negation ("修好了吗", "还没修好").
DONE = re.compile(r"(?:已经?|都)?(?:修|换|弄|搞|处理|解决|清理|清运|疏通|拆除|整改|维修|更换|安装|装)"
                  r"(?:好|完|完毕|完成|干净|掉|通)?了|已(?:处理|解决|修复|完成|办结|整改|清理|疏通|更换|维修)"
                  r"|搞定了?|处理完毕|已经好了|好了"
                  # an emergency seen to: taken to hospital, the fire out, the child found
                  r"|已?送(?:到|去)?(?:医|医院)了?|(?:120|救护车)(?:已经|已)?(?:拉|接|送)走了"
                  r"|火(?:已经|已)?(?:灭|扑灭)了|(?:人|孩子|老人)(?:已经|已)?找到了")
# (没人受伤, 没事了, 没有危险 are how an emergency's end is told: no "not yet")
NOT_DONE = re.compile(r"[吗？?]|没(?!(?:有)?(?:人|人员)?(?:生命)?(?:受伤|伤亡|事|问题|危险|大碍))|未(?!发现)|不|还要"
                      r"|明天|下午|晚点|待会|等")
GOING = re.compile(r"(?:好的?|收到|嗯|行)?[\s，,。]*(?:我)?(?:马上|立刻|这就|现在|正在)?"
                   r"(?:过去|去|到|出发|赶过去|去看看|去处理|去现场)(?:看看|处理)?(?:了|啊|哈)?[\s。!！]*"
                   r"|(?:我)?在路上了?[\s。!！]*")
# A time promised ("在忙 下午过去", "明天上午9点上门", "半小时后到"): taken, and the resident is
# told those words; never a question or a "not yet" ("还没修好 明天再来").
_WHEN = (r"(?:(?:今天|明天|明早|后天)?(?:一早|早上|上午|中午|下午|傍晚|晚上)"
         r"(?:[0-9一二三四五六七八九十两]{1,3}点(?:半|钟)?)?|(?:今天|明天|后天|明早|明晚|今晚)"
         r"|[0-9一二三四五六七八九十两]{1,3}点(?:半|钟)?(?:左右|前)?"
         r"|一会儿?|待会儿?|等会儿?|过会儿?|晚点|晚些|稍后|回头"
         r"|[0-9一二三四五六七八九十两半]+个?(?:分钟|小时|钟头)(?:后|以后|之后|左右|内|之内)?)")
LATER = re.compile(_WHEN + r"\s*(?:左右)?(?:就|再|我|会|可以)?(?:过去|过来|赶到|上门|到|去|来"
                   # what happens next told with the time ("明天找人换管子", "下午安排清运")
                   r"|找人|派人|安排|联系|修|换|处理|清理|清运|疏通)")
NOT_LATER = re.compile(r"[吗？?]|没|未|不")
# A supervisor's "同意" to a handler's request for more time (申请延期)
APPROVES = re.compile(r"\s*(?:同意|批准|准了|准予)(?:延期|申请|延期申请)?(?:了|吧)?[。！!\s]*")
NOT_MINE = re.compile(r"不归我|不是我们|不属于|不归网格|管不了|不是网格|归物业|物业的事|找物业|归城管|"
                      r"找城管|是.{1,6}的事|不在我|不是我的|(?:转给|交给|转到|移交|转)(?:物业|城管|社区|街道|"
                      r"部门|住建|公安|交警|供电|自来水)|要(?:物业|城管|社区|街道).{0,2}处理")


def said_about(ctx: Context, text: str,
               understood) -> tuple[str, Ticket, str] | Reply | None:
    """The staff member's plain words about one ticket: the command they mean (接单 or 办结,
    the ticket, the words as its result), for commands.StaffCommand to carry out; or how to
    hand it on, or which ticket they mean when several could be; None if they say nothing
    these rules know (or name a danger: reported as one, see plain_words)."""
    if understood is not None and understood.urgency == "emergency":
        return None
    number, words = None, text
    found = NUMBER_FIRST.fullmatch(text)
    if found:
        number, words = found.groups()
    if APPROVES.fullmatch(words) and ctx.staff.role in ladder.SUPERVISORS:
        name, candidates = "延期", asking_for_time(ctx)
    elif DONE.search(words) and not NOT_DONE.search(words):
        name = "办结"
    elif GOING.fullmatch(words):
        name = "接单"
    elif LATER.search(words) and not NOT_LATER.search(words):
        name = "约时"
    elif NOT_MINE.search(words):
        name = "上报"
    else:
        return None
    if name == "约时":  # one waiting is taken with the promise; else the one in hand hears it
        candidates = meant_by("接单", todo_of(ctx)) or meant_by("回复", todo_of(ctx))
    elif name != "延期":
        candidates = meant_by(name, todo_of(ctx))
    elif not candidates and not number:
        return Reply(replies.NO_EXTENSION_ASKED)
    if not candidates and not number and name in ("接单", "约时", "办结"):
        # a leader alerted to an emergency someone else holds: "火灭了" ends it, "我马上过去"
        # tells the resident (the holder keeps it; 接单 <号> takes it over)
        candidates = alerted_instead(ctx, candidates)
        if name != "办结" and len(candidates) == 1:
            return on_the_way(ctx, candidates[0], words.strip())
    ticket = ticket_named(ctx, number) if number else _meant(ctx, name, candidates, understood)
    if not isinstance(ticket, Ticket):
        return ticket
    if name == "上报":
        return Reply(replies.how_to_hand_on(ticket), ticket_id=ticket.id)
    if name == "约时":
        return ("接单" if ticket.status in TO_ACCEPT else "回复"), ticket, words.strip()
    return name, ticket, words.strip() if name in ("办结", "延期") else ""


ALERTED_FOR = timedelta(hours=12)
ACK_ONLY = re.compile(r"\s*(?:收到|好的?|明白|知道了)[。.!！\s]*")


def alerted_instead(ctx: Context, mine: list[Ticket]) -> list[Ticket]:
    """What a supervisor's 收到, 我马上过去 or 火灭了 is about when nothing of their own could be
    meant (`mine` is empty): the emergencies they were alerted to, which others hold. Nothing
    for anyone else, or with something of their own."""
    if mine or ctx.staff.role not in ladder.SUPERVISORS:
        return []
    return list(ctx.session.scalars(  # of the last hours in their scope: each was pushed to them
        scope.visible_tickets(ctx.session, ctx.staff)
        .where(Ticket.urgency == "emergency", Ticket.status.in_(OPEN_STATES),
               Ticket.created_at >= ctx.now - ALERTED_FOR)
        .order_by(Ticket.id.desc()).limit(5)).unique())


def on_the_way(ctx: Context, ticket: Ticket, words: str) -> Reply:
    """A supervisor going to an emergency another holds: the resident hears it, the holder keeps it
    (a bare 收到 is told as 已收到，正在协调处理)."""
    words = "已收到，正在协调处理" if ACK_ONLY.fullmatch(words) else words
    try:
        tickets.reply(ctx.session, ticket, ctx.staff, words, ctx.now)
    except tickets.TicketError as refusal:
        return Reply(str(refusal))
    return Reply(replies.leader_on_the_way(ticket, words), ticket_id=ticket.id)


def asking_for_time(ctx: Context) -> list[Ticket]:
    """The open tickets in the supervisor's scope whose handler asked them for more time."""
    asked = ctx.session.scalars(
        scope.visible_tickets(ctx.session, ctx.staff)
        .join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
        .where(TicketEvent.action == "extension_requested", Ticket.extended_at.is_(None),
               Ticket.status.in_(OPEN_STATES))
        .order_by(Ticket.id.desc()).limit(20)).unique()
    return [t for t in asked
            if (ladder.extension_asked(t).data or {}).get("told") == ctx.staff.name]


def ticket_named(ctx: Context, number: str) -> Ticket | Reply:
    """The ticket a staff member gave the number of, or that there is none. A ticket outside
    their scope is one that does not exist for them: the answer is the same word for word, so a
    number tried tells nobody that a ticket (or someone's complaint) is there."""
    ticket = tickets.by_number(ctx.session, number)
    if ticket is None or not scope.can_see(ctx.session, ctx.staff, ticket):
        return Reply(replies.NO_SUCH_TICKET.format(number=number))
    return ticket


def _meant(ctx: Context, name: str, candidates: list[Ticket], understood):
    """The one ticket the words can mean; with several, the one of the topic they name
    ("电梯已经修好了" among a lift and a lamp); else which one, or None with nothing to mean."""
    if len(candidates) > 1 and understood is not None:
        candidates = [t for t in candidates if t.category == understood.category] or candidates
    if len(candidates) == 1:
        return candidates[0]
    return Reply(replies.which_ticket(name, candidates, ctx.now)) if candidates else None


class StaffPhoto(MessageType):
    """A staff member's picture: the site photo of the one ticket they hold (its timeline
    shows it), else kept like anyone's for a person."""

    types = ("image",)

    def matches(self, msg, ctx: Context) -> bool:
        return super().matches(msg, ctx) and ctx.staff is not None

    def handle(self, msg, ctx: Context) -> Reply:
        candidates = meant_by("办结", todo_of(ctx))
        if len(candidates) != 1:
            return keep_for_person(ctx, msg, reply=replies.STAFF_PHOTO_WHICH)
        ticket = candidates[0]
        tickets.record_event(ctx.session, ticket, "note", ctx.now, actor="staff",
                             staff=ctx.staff, body="现场照片", public=False, type="image",
                             media_id=msg.media_id, pic_url=msg.image)
        return Reply(f"已将照片加入工单 {ticket.number}（{ticket.description[:14]}）。"
                     f"处理好后回复“办结 处理结果”，如：办结 已更换灯泡。", ticket_id=ticket.id)
