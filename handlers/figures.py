"""统计: a staff member's own scope at a glance in WeChat, this month's 办结率, 按期办结率 and
满意率 and what is open and overdue now, computed by store.metrics as the console's dashboard
computes them. A resident's 统计 is a resident's words (this handler asks for a staff member)."""
from __future__ import annotations

import re

from handlers.base import Handler
from handlers.context import Context, Reply
from store import metrics
from store.vocab import CHINA, china_time, percent

# What a leader types for it: 统计, 本月统计, 数据, 看看数据, 查一下这个月的数据…
ASKS = re.compile(r"\s*(?:看看|看一下|看下|查看|查一下|查查|查)?(?:本月|这个月|当月)?的?"
                  r"(?:统计|数据|统计数据)(?:吧|呢)?[。.!！?？\s]*")


def scope_name(staff) -> str:
    if staff.role == "department":
        return staff.department or "本部门"
    return staff.area.name if staff.area is not None else "辖区"


def month_text(where: str, now, whole: dict, open_now: int, late: int) -> str:
    return (f"{where} {now.astimezone(CHINA).month}月统计（截至{china_time(now)}）：\n"
            f"受理 {whole['total']} 件，已办结 {whole['done']} 件\n"
            f"办结率 {percent(whole['closure'])}，按期办结率 {percent(whole['on_time'])}\n"
            f"满意率 {percent(whole['satisfaction'])}（{whole['rated']} 条评价）\n"
            f"当前在办 {open_now} 件，其中超时 {late} 件\n"
            "回复“待办”查看您手上的工单；图表和考核表请到工作台“统计研判”。")


class StaffFigures(Handler):
    """Every staff member with a scope (a service team's volunteer has none: their commands)."""

    def matches(self, msg, ctx: Context) -> bool:
        return (msg.type == "text" and ctx.staff is not None and ctx.staff.role != "member"
                and ASKS.fullmatch(msg.content) is not None)

    def handle(self, msg, ctx: Context) -> Reply:
        whole, open_now, late = metrics.this_month(ctx.session, ctx.staff, ctx.now)
        return Reply(month_text(scope_name(ctx.staff), ctx.now, whole, open_now, late))
