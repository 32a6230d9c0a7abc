"""Questions about the account itself, answered at once: who we are ("你们是谁"), how to use
it ("这个公众号怎么用"), and whether the resident's name is kept from the one they complain
about ("我不想让网格员知道是我投诉的")."""
from __future__ import annotations

import re

from handlers import replies
from handlers.base import Handler
from handlers.context import Context, Reply
from handlers.followup import newest_open_ticket
from handlers.held import settle_openers
from handlers.words import FILLER, bare, is_greeting, is_opener, message_text
from nlp import faq_answer
from store import tickets

ACCOUNT_FOR = re.compile("(?:公众号|平台|服务台|小程序).*(?:干什么|干嘛|做什么|干啥)")
# (the account may be named: "你们这个公众号是干嘛的", "这个平台是哪个部门的")
WHO_WE_ARE = re.compile(
    r"(?:请问|你好|您好)?(?=[你您这]|公众号|平台|服务台|小程序)(?:你们|您们|你|您)?(?:这个|这|这里|的)?"
    r"(?:公众号|平台|服务台|小程序|号)?(?:是|是不是)?(?:谁|哪里|哪儿|什么|啥|哪个单位|哪个部门|"
    r"什么单位|什么部门|干什么的|干嘛的|做什么的|干啥的|官方的?)(?:啊|呀|呢|吗|的)?")
# "你们这个公众号怎么用", "怎么投诉", "如何使用": how to use the account, the FAQ's answer (said
# alone such words name no matter: no ticket, nothing for an agent's queue).
HOW_TO_USE = re.compile(
    r"(?:请问|你好|您好)?(?:你们|您们)?(?:这个|这|你们的?)?(?:公众号|平台|服务台|号|小程序|系统)?"
    r"(?:要|该|应该|到底|是)?(?:怎么|怎样|如何|咋)(?:用|使用|操作|报事|报修|投诉|反映|举报|留言)"
    r"(?:啊|呀|呢|吗|的|哦)?")
CONFIDENTIAL = re.compile(
    r"(?:不想|不要|别|不能|不希望|不愿意?)(?:让|被|给|叫)?.{0,10}(?:知道|看到|晓得)(?:是我|我)|"
    r"保密|匿名|不要透露|别透露|不要说是我|别说是我|别告诉.{0,8}是我")
CONFIDENTIAL_MAX = 40
REST = re.compile(rf"(?:{FILLER}|说的|讲的|反映的|投诉的|举报的|说|请|麻烦|帮忙|帮|可以|行|好)+")


class AnsweredAtOnce(Handler):
    """Words that are only a question about the account itself, answered with one text."""
    question: re.Pattern

    def answer(self) -> str:
        raise NotImplementedError

    def matches(self, msg, ctx: Context) -> bool:
        text = message_text(msg)
        return bool(text) and self.question.fullmatch(bare(text)) is not None

    def handle(self, msg, ctx: Context) -> Reply:
        settle_openers(ctx, message_text(msg))
        return Reply(self.answer())


class WhoWeAre(AnsweredAtOnce):
    question = WHO_WE_ARE

    def answer(self) -> str:
        return replies.GUIDE

    def handle(self, msg, ctx: Context) -> Reply:
        if ACCOUNT_FOR.search(message_text(msg)):  # "这个公众号是干嘛的": what it does, how to use it
            settle_openers(ctx, message_text(msg))
            return Reply(faq_answer("how_to_use"))
        return super().handle(msg, ctx)


class HowToUse(AnsweredAtOnce):
    question = HOW_TO_USE

    def answer(self) -> str:
        return faq_answer("how_to_use")


class KeepMeConfidential(Handler):
    """Said of a report: noted on the resident's open ticket for its handler and the agents
    (its owner is not pushed: the report may be about someone near them), and the resident
    is told how their name is kept."""

    def matches(self, msg, ctx: Context) -> bool:
        text = message_text(msg)
        words = bare(text or "")
        if not words or len(words) > CONFIDENTIAL_MAX or CONFIDENTIAL.search(words) is None:
            return False
        # a matter said with it is a report ("投诉网格员张伟 态度很差 别告诉他是我说的")
        rest = CONFIDENTIAL.sub("", words)
        nothing_else = (not rest or is_opener(rest) or is_greeting(rest)
                        or REST.fullmatch(rest) is not None)
        return nothing_else and ctx.understand(text).urgency == "normal"

    def handle(self, msg, ctx: Context) -> Reply:
        text = message_text(msg)
        settle_openers(ctx, text)
        ticket = newest_open_ticket(ctx)
        noted = ""
        if ticket is not None:
            tickets.add_resident_message(ctx.session, ticket, ctx.now, text=text, tell=False)
            noted = f"已在工单 {ticket.number} 上注明您的要求。"
        return Reply(replies.CONFIDENTIAL + noted, ticket_id=ticket.id if ticket else None)
