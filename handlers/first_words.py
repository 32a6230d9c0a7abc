"""A resident's first words that carry no matter yet: a greeting, an opener that announces a
report or a question ("我想反映个问题", "在吗 我有个事"), thanks, or "好的". Recognised by their
whole shape (every word of them is one that names no topic), so "门禁坏了" or "我想投诉物业" is
never taken for one, and never an emergency (the classifier is asked first)."""
from __future__ import annotations

import re

from handlers import replies
from handlers.base import Handler
from handlers.context import POINT_FRESH_FOR, Context, Reply
from handlers.followup import is_small_talk, message_text
from handlers.held import keep_for_person
from store import held

PUNCTUATION = re.compile(r"[\s,，。.!！?？~～、…:：;；\"“”'‘’()（）\[\]【】]+")
# Words that address or greet, and say nothing of a matter.
GREETING = (r"你们好|您们好|你好|您好|大家好|哈喽|哈啰|嗨|hello|hi|喂|早上好|上午好|中午好|下午好|"
            r"晚上好|早安|在吗|在么|在不在|有人吗|有人在吗|有没有人|打扰了|打扰一下|不好意思|请问|"
            r"麻烦问一下|麻烦一下|麻烦了|网格员|网格长|工作人员|社区|同志|领导|师傅|老师|书记|主任|"
            r"小哥|客服|管理员")
# Words that announce a report or a question: intent, quantity, the empty object.
INTENT = (r"管不管|有没有人管|帮帮忙|帮帮|帮忙|帮助|求助|求求|帮|反映|反应|举报|投诉|咨询|请教|报告|报事|申诉|上报|了解|打听|说说|问问|说|讲|问|提|报|"
          r"问题|情况|急事|事情|事儿|事|意见|建议|诉求|困难")
FILLER = (r"到底|究竟|我们|我家|本人|我|俺|咱们|咱|你们|您|你|想要|需要|准备|打算|想|要|来|得|能不能|可不可以|"
          r"能否|可以|能|还|再|又|一下|下|一个|一点|一些|一件|几个|几件|个|点|些|件|有|跟|和|给|向|"
          r"找|点儿|这边|这里|一|吗|么|呢|啊|呀|哈|吧|哦|嘛|的|了|啦|呐")
OPENER = re.compile(rf"(?:{GREETING}|{INTENT}|{FILLER})+", re.I)
HAS_INTENT = re.compile(INTENT)
GREETING_ONLY = re.compile(rf"(?:{GREETING}|{FILLER})+", re.I)
THANKS = re.compile(r"谢|感谢|辛苦")
# Asked for help or in a hurry, with nothing said of what: the numbers to call come first.
PLEA = re.compile(r"急|帮|求助|求求")


def bare(text: str) -> str:
    return PUNCTUATION.sub("", text)


def is_opener(text: str) -> bool:
    """'我想反映个问题', '我要投诉', '在吗 我有个事': intent to report or ask, no topic."""
    words = bare(text)
    return bool(words) and OPENER.fullmatch(words) is not None and \
        HAS_INTENT.search(words) is not None


def is_greeting(text: str) -> bool:
    """'你好', '你好 请问', '网格员在吗': a greeting and nothing else."""
    words = bare(text)
    return bool(words) and GREETING_ONLY.fullmatch(words) is not None


def settle_openers(ctx: Context, answer: str) -> None:
    """The words after an opener were answered at once (a common question, the grid worker's
    contact, a ticket's progress): the opener no longer waits for a person."""
    if ctx.standing is not None and not ctx.standing.held_waiting:
        return
    held.answered_since(ctx.session, ctx.resident, ctx.now - POINT_FRESH_FOR, ctx.now,
                        note=f"居民随后的问题已自动答复：{answer[:40]}",
                        which=lambda h: bool(h.text) and (is_opener(h.text) or
                                                         is_greeting(h.text)))


class FirstWords(Handler):
    """Words with no matter, and no ticket of the last two hours to join (FollowUp comes
    first): the resident is asked, in one short message, what happened and where. No ticket
    is opened; the words wait for a person (未受理留言) in case nothing follows, and join the
    ticket that the next report opens (see resident.open_for), so the agent sees both."""

    def matches(self, msg, ctx: Context) -> bool:
        text = message_text(msg)
        if not text or text.isdigit() or not (is_opener(text) or is_greeting(text)
                                              or is_small_talk(text)):
            return False
        return ctx.understand(text).urgency == "normal"  # an emergency is never held

    def handle(self, msg, ctx: Context) -> Reply:
        text = message_text(msg)
        result = ctx.understand(text)
        if is_opener(text) or is_greeting(text):
            reply = replies.ASK_WHAT_AND_WHERE
            if PLEA.search(text):  # no danger named, but nobody is sent yet: the numbers first
                reply = replies.DANGER + "\n" + reply.removeprefix("您好，")
        elif THANKS.search(text) and ctx.resident.state.get("awaiting") == "rating":
            reply = replies.welcome_rate(ctx.resident.state.get("ticket", ""))
        elif THANKS.search(text):
            reply = replies.YOU_ARE_WELCOME
        else:
            reply = replies.ANYTHING_ELSE
        return keep_for_person(ctx, msg, text=text, result=result, reply=reply)
