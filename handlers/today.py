"""今天有什么事: a staff member's day at a glance in WeChat. What is open in their scope and how
much of it is late, what came in and was resolved today, and what waits on them: the tickets
they hold (the most urgent first, as 待办 lists them), the requests for more time they are to
approve, the residents' messages waiting for a person in their area. 统计 is the month's rates."""
from __future__ import annotations

import re

from handlers import replies
from handlers.base import Handler
from handlers.context import Context, Reply
from handlers.figures import scope_name
from handlers.staff_words import asking_for_time, todo_of
from handlers.words import is_greeting
from store import held, ladder, metrics
from store.registry import TO_ACCEPT
from store.vocab import china_time

_WHEN = r"(?:今天|今日|现在|目前|这会儿?|眼下|最近)?"
_THINGS = (r"(?:新)?(?:事|事情|事儿|情况|工单|任务|活儿?|待办"
           r"|(?:要|需要|得)(?:我)?(?:处理|办|做|干|忙|跟进|看)的(?:事|事情|工单)?)")
# "今天有什么事", "今天有啥事", "有什么要处理的", "有没有新工单", "今天有事吗"; a question, so that
# "现在有情况" (something is happening) stays a report.
HAS = re.compile(r"\s*" + _WHEN + r"[，,\s]*(?:我)?(?:这边|这里)?(?:还)?(?:有什么|有啥|有哪些|有没有|有)"
                 + _THINGS + r"(?:吗|呢|啊|呀|没有?|不)?[?？。.!！~\s]*")
QUESTION = re.compile(r"什么|啥|哪些|有没有|[吗呢没不?？]")
DAY = re.compile(r"\s*(?:今天|今日|现在|目前)的?(?:情况|概况|工作|简报|汇总|怎么样|咋样|如何)"
                 r"(?:怎么样|如何|咋样)?(?:呢|啊)?[?？。.!！~\s]*")
SHOWN = 5  # tickets listed; 待办 lists them all


def asks_for_today(text: str) -> bool:
    return (DAY.fullmatch(text) is not None
            or HAS.fullmatch(text) is not None and QUESTION.search(text) is not None)


def today_text(ctx: Context) -> str:
    staff, now = ctx.staff, ctx.now
    day = metrics.today(ctx.session, staff, now)
    lines = [f"{scope_name(staff)} 今日情况（截至{china_time(now)}）：",
             f"在办 {day['open']} 件，其中超时 {day['late']} 件"
             + (f"、特急 {day['emergency']} 件" if day["emergency"] else ""),
             f"今天新受理 {day['new']} 件，办结 {day['resolved']} 件"]
    mine = todo_of(ctx)
    if mine:
        waiting = sum(t.status in TO_ACCEPT for t in mine)
        lines.append(f"等您处理：{len(mine)} 件（待接单 {waiting} 件），最急的在前：")
        lines.append(replies.todo_lines(mine[:SHOWN], now))
    else:
        lines.append("您手上没有待办工单。")
    if staff.role in ladder.SUPERVISORS:
        asked = asking_for_time(ctx)
        if asked:
            lines.append(f"延期申请 {len(asked)} 件等您批准：回复“同意”或“延期 工单号”。")
    messages = held.waiting_count(ctx.session, staff)
    if messages:
        lines.append(f"未受理留言 {messages} 条等人处理（工作台“未受理留言”）。")
    lines.append("回复“待办”查看全部待办；“统计”看本月办结率、满意率。")
    return "\n".join(lines)


class StaffToday(Handler):
    """Every staff member with a scope (a service team's volunteer has their own commands); a
    bare greeting (早上好, 在吗) is answered with the day too, and where the commands are."""

    def matches(self, msg, ctx: Context) -> bool:
        return (msg.type == "text" and ctx.staff is not None and ctx.staff.role != "member"
                and (asks_for_today(msg.content) or is_greeting(msg.content)))

    def handle(self, msg, ctx: Context) -> Reply:
        greeted = not asks_for_today(msg.content)
        return Reply(("您好！" if greeted else "") + today_text(ctx)
                     + ("\n回复“帮助”查看全部指令。" if greeted else "")
                     + replies.page_line(ctx.page("mobile.worker_todo"), "打开待办列表"))
