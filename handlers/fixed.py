"""Fixed or not, in the resident's words. "修好了 谢谢", "灯已经亮了", "好了 通了": the words go
to the ticket's owner, who closes it; they never open a second ticket (a praise of "其他"),
and never wait in the queue for a person while the ticket is open. "还是不太亮" just after a
ticket was closed: it is reopened, as "未解决 <号>" would."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from handlers import replies
from handlers.base import Handler
from handlers.context import Context, Reply
from handlers.followup import NOT_FIXED, ReturnVisitAnswer, open_matters
from handlers.held import settle_openers
from handlers.words import bare, message_text
from store import tickets
from store.models import Ticket
from store.owners import who
from store.registry import OPEN_STATES

LEAD = r"(?:谢谢|感谢|多谢|好的|好|嗯|哦|噢|喔|ok|OK|现在|已经|刚刚|刚才|今天|昨天|上午|下午|晚上|早上|那个|这个|我们?|家里|的)*"
DONE = (r"(?:已经|已|都|也|终于|刚|总算|就)?"
        r"(?:修好|弄好|搞好|处理好|解决|搞定|好|通|亮|来水|来电|恢复|清理干净|清走|收走|拉走|运走|"
        r"拆掉|拆|不漏|不响|不吵|不臭|修|处理|换好|装好|补好)了")
TAIL = r"(?:谢谢|感谢|多谢|辛苦|你们|大家|网格员|师傅|啊|哈|呀|啦|哦|喔|了|👍|🙏)*"
SAYS_FIXED = re.compile(LEAD + r"(?P<what>\w{0,8}?)" + DONE + TAIL)
SAID_MAX = 24
NOT_DONE = ("不", "没", "别", "未", "要", "快", "会", "该", "得", "能")


def what_is_fixed(text: str) -> str | None:
    """The matter the words say is fixed ('' when they name none), or None when they say no
    such thing (a question, 还没, a long message)."""
    words = bare(text)
    if not words or len(words) > SAID_MAX or any(word in words for word in NOT_FIXED):
        return None
    found = SAYS_FIXED.fullmatch(words)
    if found is None or found.group("what").endswith(NOT_DONE):  # 不修了, 快好了, 要拆了
        return None
    return found.group("what")


def named_category(ctx: Context, what: str) -> str:
    return ctx.understand(what).category if what else "其他"


def open_ticket_fixed(ctx: Context, what: str) -> Ticket | None:
    """The resident's open ticket the words are about: of the matter they name ("电梯修好了"),
    else one whose words share theirs ("灯亮了" and "楼道灯坏了"), else their newest open one."""
    category = named_category(ctx, what)
    candidates = open_matters(ctx, None if category == "其他" else category, limit=5)
    sharing = [t for t in candidates if what and set(what) & set(t.description)]
    return (sharing or candidates or [None])[0]


def resolved_to_rate(ctx: Context, what: str) -> Ticket | None:
    """The resolved ticket the resident was asked to rate, if the words can be about it."""
    if ctx.resident.state.get("awaiting") != "rating":
        return None
    ticket = tickets.by_number(ctx.session, ctx.resident.state.get("ticket", ""))
    category = named_category(ctx, what)
    if ticket is None or ticket.status != "resolved" or category not in ("其他", ticket.category):
        return None
    return ticket


class SaysFixed(Handler):
    """With a ticket open, the words go to its owner and the resident is told what happens
    next; asked to rate a resolved one, "修好了 谢谢" is asked for the score."""

    def matches(self, msg, ctx: Context) -> bool:
        text = message_text(msg)
        if not text or msg.type != "text" or ctx.understand(text).urgency != "normal":
            return False
        return self.about(ctx, text) is not None

    @staticmethod
    def about(ctx: Context, text: str) -> Ticket | None:
        """The open ticket the words are about, else the resolved one waiting for a rating."""
        def find():
            what = what_is_fixed(text)
            if what is None:
                return None
            return open_ticket_fixed(ctx, what) or resolved_to_rate(ctx, what)
        return ctx.once(("fixed", text), find)

    def handle(self, msg, ctx: Context) -> Reply:
        text = message_text(msg)
        ticket = self.about(ctx, text)
        settle_openers(ctx, text)
        if ticket.status not in OPEN_STATES:
            return Reply("很高兴问题已经解决！" + replies.rate_please(ticket.number),
                         ticket_id=ticket.id)
        # on its timeline like any follow-up; its owner is told the next step is 办结
        tickets.add_resident_message(ctx.session, ticket, ctx.now, text=text, title="居民说已解决",
                                     remark=f"核实后请回复「办结 {ticket.number} 处理结果」。")
        holder = who(ticket.assignee) if ticket.assignee is not None else "工作人员"
        return Reply(f"收到！已告诉{holder}：您说“{text.strip()[:20]}”。核实后会办结工单 "
                     f"{ticket.number}，届时请您评价。" + replies.how_to_withdraw(ticket),
                     ticket_id=ticket.id)


REOPEN_WITHIN = timedelta(hours=72)  # after 办结 or a rating: "还是不行" is about that ticket
SAID_NOT_FIXED_MAX = 30


def closed_lately(ctx: Context, text: str) -> Ticket | None:
    """The resident's newest ticket resolved or closed in the last REOPEN_WITHIN, when the
    words say it is not fixed and name no other matter."""
    words = bare(text)
    if not words or len(words) > SAID_NOT_FIXED_MAX or ReturnVisitAnswer.verdict(text) is not False:
        return None
    result = ctx.understand(text)
    if result.urgency == "emergency" or result.kind == "praise":
        return None
    done_at = func.coalesce(Ticket.closed_at, Ticket.resolved_at)
    ticket = ctx.session.scalar(
        select(Ticket).where(Ticket.resident_id == ctx.resident.id, Ticket.kind != "praise",
                             Ticket.status.in_(("resolved", "closed")),
                             done_at >= ctx.now - REOPEN_WITHIN)
        .order_by(done_at.desc()).limit(1))
    if ticket is None or result.category not in ("其他", ticket.category):
        return None
    return ticket


class NotFixedAfterAll(Handler):
    """Rated, or resolved and not rated yet, the matter is back: "还是不太亮" reopens it for
    the same handler (counted as rework) instead of waiting for a person or opening a new
    ticket."""

    def matches(self, msg, ctx: Context) -> bool:
        text = message_text(msg)
        return bool(text) and msg.type == "text" and self.ticket(ctx, text) is not None

    @staticmethod
    def ticket(ctx: Context, text: str) -> Ticket | None:
        return ctx.once(("closed_lately", text), lambda: closed_lately(ctx, text))

    def handle(self, msg, ctx: Context) -> Reply:
        text = message_text(msg)
        ticket = self.ticket(ctx, text)
        tickets.reopen(ctx.session, ticket, ctx.now, text, ctx.policy)
        return Reply(replies.reopened(ticket), ticket_id=ticket.id)
