"""Typed commands: residents' 查询/取消/未解决/新问题, staff's 接单/回复/办结/上报/转/督办/待办."""
from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

from sqlalchemy import select

from handlers import members, replies
from handlers.base import Handler
from handlers.context import Context, Reply
from handlers.followup import newest_ticket
from handlers.resident import open_for
from handlers.staff_words import meant_by, said_about, ticket_named, todo_of
from nlp import names_topic
from store import ladder, patrol, photos, registry, service_orders, staffing, tickets
from store.models import Staff, Ticket, TicketEvent
from store.registry import OPEN_STATES, TO_ACCEPT
from store.vocab import ROLE_NAMES, STATUS_NAMES, china_time

COMMAND = re.compile(r"^\s*(接单|回复|办结|上报|转办|转|督办|申请延期|延期|待办|查看|查询|我的工单|我的待办|我的任务|取消|未解决|新问题|"
                     r"绑定|巡查)"
                     r"[\s:：]*(\d{6,})?[\s:：,，]*(.*)$", re.S)


def parse(msg):
    """(command, number, rest) of a text message, or None."""
    if msg.type != "text":
        return None
    match = COMMAND.match(msg.content.replace("\u3000", " "))
    return match.groups() if match else None


class Bind(Handler):
    """绑定 <code>: a staff member links their WeChat to their console account."""

    def matches(self, msg, ctx: Context) -> bool:
        command = parse(msg)
        return command is not None and command[0] == "绑定"

    def handle(self, msg, ctx: Context) -> Reply:
        _, number, rest = parse(msg)
        others = list(ctx.session.scalars(select(Staff).where(Staff.openid == ctx.openid)))
        staff = registry.redeem_bind_code(ctx.session, (number or rest).strip(), ctx.openid,
                                          ctx.now)
        if staff == registry.TOO_MANY_TRIES:
            return Reply(replies.BIND_TOO_MANY)
        if staff is None:
            return Reply(replies.BIND_FAILED)
        for other in others:  # one WeChat, one account: their open tickets go to someone
            if other.id != staff.id:  # a push still reaches
                staffing.unbind(ctx.session, other, ctx.now)
        if staff.role == "member":
            return Reply(f"绑定成功：{staff.name}（服务队员）。服务需求会推送到这里。\n{members.HELP}")
        return Reply(replies.bound_staff(staff, staff.area.name, ROLE_NAMES[staff.role]))


class StaffCommand(Handler):
    """Everything a bound staff member types is a command (or gets the command list)."""

    ACTIONS = {"接单": "接单", "回复": "回复", "办结": "办结", "上报": "上报", "转": "转办",
               "转办": "转办", "督办": "督办", "延期": "延期"}

    def matches(self, msg, ctx: Context) -> bool:
        return msg.type == "text" and ctx.staff is not None

    # What a worker types for "my list" and for "look at one" besides the command's own word.
    SAME = {"我的工单": "待办", "我的待办": "待办", "我的任务": "待办", "查询": "查看",
            "申请延期": "延期"}

    def handle(self, msg, ctx: Context) -> Reply:
        command = parse(msg)
        if command is None or self.SAME.get(command[0], command[0]) not in (
                *self.ACTIONS, "待办", "查看", "巡查"):
            return plain_words(ctx, msg.content.strip())
        name, number, rest = command
        name = self.SAME.get(name, name)
        if name == "查看" and not number:
            name = "待办"
        if name == "待办":
            return Reply(self.todo(ctx) + replies.page_line(ctx.page("mobile.worker_todo"),
                                                            "打开待办列表"))
        if name == "巡查":
            return report_patrol(ctx, ((number or "") + rest).strip())
        if not number:  # "接单", "办结 已经换好了": their only ticket it can mean, else which
            candidates = [] if name == "督办" else meant_by(name, todo_of(ctx))
            if len(candidates) != 1:
                return Reply(replies.which_ticket(name, candidates, ctx.now))
            ticket = candidates[0]
        else:
            ticket = ticket_named(ctx, number)
            if isinstance(ticket, Reply):
                return ticket
        if name == "查看":
            link = ctx.page("mobile.worker_ticket", number=ticket.number)
            return Reply(replies.ticket_card(ticket, ctx.now, ctx.staff) +
                         replies.page_line(link, "打开工单页面（接单、回复、办结）"),
                         ticket_id=ticket.id)
        return self.carry_out(name, ticket, rest.strip(), ctx)

    @classmethod
    def carry_out(cls, name: str, ticket: Ticket, text: str, ctx: Context) -> Reply:
        """Do the command on the ticket it names, and say what was done (or why not)."""
        try:
            asked = cls.act(name, ticket, text, ctx)
        except tickets.TicketError as refusal:  # the page shows why, and can do more
            return Reply(str(refusal) + replies.page_line(
                ctx.page("mobile.worker_ticket", number=ticket.number), "打开工单页面"))
        if name == "延期" and ctx.staff.role not in ladder.SUPERVISORS:  # asked, not granted
            return Reply(replies.extension_asked(ticket, asked), ticket_id=ticket.id)
        if name == "接单" and text:  # "在忙 下午过去": taken, and the resident was told so
            return Reply(replies.staff_done_telling("接单", ticket, ctx.staff, text),
                         ticket_id=ticket.id)
        return Reply(replies.staff_done(cls.ACTIONS[name], ticket, ctx.staff),
                     ticket_id=ticket.id)

    @staticmethod
    def act(name: str, ticket: Ticket, text: str, ctx: Context) -> Staff | None:
        """Do the command; for a 延期 a worker may only ask for, who was asked."""
        staff, session, now = ctx.staff, ctx.session, ctx.now
        if name == "接单":  # with words ("下午过去"): the resident hears them, not a notice
            tickets.accept(session, ticket, staff, now, tell=not text)
            if text:
                tickets.reply(session, ticket, staff, text, now)
        elif name == "回复":
            tickets.reply(session, ticket, staff, text, now)
        elif name == "办结":  # the site photos sent in WeChat are its evidence
            tickets.resolve(session, ticket, staff, text, now,
                            evidence=photos.sent_by(session, ticket.id, staff.openid))
        elif name == "上报":
            ladder.escalate(session, ticket, now, reason=text or "网格员上报", by=staff)
        elif name in ("转", "转办"):
            if not text:
                raise tickets.TicketError(f"请写明部门，例如：转 {ticket.number} 城管")
            ladder.transfer(session, ticket, text, now, by=staff, policy=ctx.policy)
        elif name == "督办":
            ladder.urge(session, ticket, now, by=staff, note=text)
        elif name == "延期":
            if staff.role in ladder.SUPERVISORS:
                ladder.extend(session, ticket, now, by=staff, reason=text)
            else:
                return ladder.request_extension(session, ticket, now, by=staff, reason=text)
        return None

    @staticmethod
    def todo(ctx: Context) -> str:
        todo = todo_of(ctx)
        if not todo:
            return "您目前没有待办工单。"
        return "待办工单（最急的在前）：\n" + replies.todo_lines(todo, ctx.now)


def next_step(ctx: Context) -> str:
    """What the staff member can do now with what they hold, first in any help they get."""
    todo = todo_of(ctx)
    if len(todo) != 1:
        return f"您有 {len(todo)} 张待办工单，回复“待办”查看。\n" if todo else ""
    ticket = todo[0]
    if ticket.status in TO_ACCEPT:
        step = "回复“接单”即可接单"
    else:
        step = "处理好后回复“办结 处理结果”，如：办结 已更换灯泡"
    return (f"您的待办：工单 {ticket.number}（{STATUS_NAMES[ticket.status]}，"
            f"{ticket.description[:14]}），{step}。\n")


def plain_words(ctx: Context, text: str) -> Reply:
    """A staff member's words that are no command. A danger is reported at once, as a patrol
    find (the number to call first; the grid leader is told as for any emergency): nobody in
    danger gets a list of commands. Anything else gets the list, how to report what they
    wrote, and their to-do page."""
    understood = ctx.understand(text) if text else None
    said = said_about(ctx, text, understood) if text else None
    if isinstance(said, tuple):  # their words are 接单 or 办结 of the one ticket they mean
        return StaffCommand.carry_out(*said, ctx)
    if said is not None:
        return said
    if understood is not None and understood.urgency == "emergency":
        reported = report_patrol(ctx, text)
        if reported.ticket_id is None:  # above a grid, no location: opened as a resident's
            return open_for(ctx, text, understood)
        call = replies.call_first(understood.emergency["call"], understood.emergency["name"], text)
        return Reply(call + "\n" + reported.text, ticket_id=reported.ticket_id)
    # a problem told (not a question, not a word of a topic's learned lean): maybe a patrol find
    hint = (f"\n如是巡查发现的问题，请回复：巡查 {text[:30]}"
            if understood is not None and understood.category != "其他"
            and understood.kind in ("complaint", "help", "suggestion") and names_topic(understood)
            else "")
    return Reply(next_step(ctx) + replies.STAFF_HELP + hint +
                 replies.page_line(ctx.page("mobile.worker_todo"), "打开待办列表"))


def report_patrol(ctx: Context, words: str) -> Reply:
    """巡查 <words>: a problem a staff member found, opened from WeChat as on the patrol page
    (which also takes photos and the location); 巡查 alone, or 报事件 pressed by staff, points
    to that page."""
    if not words:
        return Reply(replies.PATROL_GUIDE + replies.page_line(ctx.page("mobile.patrol"),
                                                              "打开巡查上报"))
    triage = dataclasses.replace(tickets.Triage.of(ctx.understand(words)), kind=patrol.KIND)
    try:
        ticket, _ = patrol.report(ctx.session, ctx.staff, words=words, triage=triage,
                                  now=ctx.now, policy=ctx.policy)
    except tickets.TicketError as refusal:
        return Reply(str(refusal) + replies.page_line(ctx.page("mobile.patrol"), "打开巡查上报"))
    link = ctx.page("mobile.worker_ticket", number=ticket.number)
    return Reply(replies.patrol_opened(ticket) + replies.page_line(link, "打开工单页面"),
                 ticket_id=ticket.id)


# "我想撤回刚才的投诉", "撤销工单": 取消 in words, confirmed with the number as 取消 is.
WITHDRAW = re.compile(r"\s*(?:我|俺)?(?:想|要|想要|能不能|可以|麻烦|请|帮我)*(?:撤回|撤销|撤掉|取消)(?:一下|掉)?"
                      r"(?:刚才|刚刚|之前|上次|我)?的?(?:投诉|工单|反映|留言|诉求|报修|举报|那个|这个)?"
                      r"(?:吧|了|吗|可以吗|行吗)?[\s。！!？?]*")


ABOUT_MINE = re.compile(r"\s*(?:一下|下)?(?:我的|我|俺的)?(?:工单|进度|投诉|反映|情况|记录|诉求|留言)?"
                        r"(?:吧|了|呢)?[\s。！!？?]*")


# "您要撤回工单 …吗？" answered yes: the bare 取消 again, or a plain yes, soon after the question
CONFIRM_WITHDRAW = re.compile(r"\s*(?:确认|确定|是|是的|对|对的|嗯|撤回|确认撤回|确认取消|撤回吧)"
                              r"[\s。！!]*")
WITHDRAW_ASKED_FOR = timedelta(minutes=10)  # how long the question stands


def command_of(msg, ctx: Context):
    """parse(msg), with a withdrawal in words read as a bare 取消, and the yes to "您要撤回…吗？"
    as 取消 <number>."""
    if msg.type != "text":
        return parse(msg)
    withdraw = WITHDRAW.fullmatch(msg.content) is not None
    if withdraw or CONFIRM_WITHDRAW.fullmatch(msg.content):
        asked = ctx.asked("withdraw", WITHDRAW_ASKED_FOR)
        number = asked.get("ticket") if asked else None
        if withdraw or number:
            return ("取消", number, "")
    return parse(msg)


class ResidentCommand(Handler):
    def matches(self, msg, ctx: Context) -> bool:
        command = command_of(msg, ctx)
        if command is None or command[0] not in ("查询", "我的工单", "取消", "未解决", "新问题"):
            return False
        if command[0] in ("查询", "取消") and not command[1] and not ABOUT_MINE.fullmatch(
                command[2]):  # "取消小区门口的摆摊", "查询社保怎么交": a matter, not a command
            return False
        # "新问题 <text>" carries its matter: the report handler opens it.
        return command[0] != "新问题" or not (command[1] or command[2]).strip()

    def handle(self, msg, ctx: Context) -> Reply:
        name, number, rest = command_of(msg, ctx)
        if ctx.resident.state.get("awaiting") == "withdraw":
            ctx.resident.state = {}  # asked once: the answer, or any command, ends the question
        if name == "新问题":
            ctx.resident.state = {"awaiting": "new_matter"}
            return Reply(replies.ASK_NEW_MATTER)
        if name in ("查询", "我的工单") and not number:
            return Reply(my_tickets(ctx))
        if name == "取消" and not number:  # which one: their newest open ticket, confirmed
            newest = newest_ticket(ctx)  # open ones first
            if newest is not None and newest.status in OPEN_STATES:
                ctx.ask("withdraw", ticket=newest.number)
                return Reply(f"您要撤回工单 {newest.number}（{newest.description[:20]}）吗？"
                             f"确认请回复“确认”或“取消 {newest.number}”。", ticket_id=newest.id)
            return Reply(replies.NOTHING_TO_WITHDRAW)
        if not number:
            return Reply(replies.NEED_NUMBER.format(command=name))
        ticket = tickets.by_number(ctx.session, number)
        if ticket is None or ticket.resident_id != ctx.resident.id:
            return Reply(replies.NOT_FOUND.format(number=number))
        try:
            if name == "查询":
                events = ctx.session.scalars(
                    select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                              TicketEvent.public.is_(True))
                    .order_by(TicketEvent.id)).all()
                link = ctx.page("mobile.resident_ticket", number=ticket.number)
                return Reply(replies.timeline(ticket, events, STATUS_NAMES, china_time) +
                             replies.page_line(link, "查看办理进度"))
            if name == "取消":
                tickets.cancel(ctx.session, ticket, ctx.now)
                service_orders.cancel_with_ticket(ctx.session, ticket)
                return Reply(f"已取消工单 {ticket.number}。", ticket_id=ticket.id)
            tickets.reopen(ctx.session, ticket, ctx.now, rest.strip() or None, ctx.policy)
            return Reply(replies.reopened(ticket), ticket_id=ticket.id)
        except tickets.TicketError as refusal:
            return Reply(str(refusal))


def my_tickets(ctx: Context) -> str:
    mine = ctx.session.scalars(select(Ticket).where(Ticket.resident_id == ctx.resident.id)
                               .order_by(Ticket.id.desc()).limit(10)).all()
    if not mine:
        return replies.NO_TICKETS
    return (replies.listing(mine, STATUS_NAMES) +
            replies.page_line(ctx.page("mobile.my_tickets"), "打开我的工单（查看进度、评价）"))
