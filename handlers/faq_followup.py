"""A short question right after an FAQ answer ("社区几点上班" … "那周六上班吗") continues that
question: answered from the entry it continues, or, when it does not clearly continue it, kept
for a person (未受理留言, with the question it follows) and the resident told a person will
answer. Never a ticket sent to a grid worker, and never added to an open ticket as its news."""
from __future__ import annotations

import re
from datetime import timedelta

from handlers import replies
from handlers.base import Handler
from handlers.context import Context, Reply
from handlers.followup import asks_progress, message_text, named_ticket
from handlers.held import keep_for_person
from handlers.words import bare
from nlp import names_topic
from nlp.faq import follow_up_faq

FRESH_FOR = timedelta(minutes=30)  # after this, new words are a new conversation
SHORT = 20  # characters: a follow-up, not a new letter
QUESTION = re.compile(r"[吗呢嘛么？?]|什么|啥|怎么|怎样|如何|哪|几|多少|多久|多长|要不要|能不能|可不可以"
                      r"|是不是|有没有|行不行|用不用|需不需要|还是")


def remember_faq(ctx: Context, question: str, faq_id: str) -> None:
    """An FAQ answer was given: 转人工 opens the question, a follow-up continues it."""
    ctx.ask("faq", question=question, faq=faq_id)


def asked_faq(ctx: Context) -> dict | None:
    """The FAQ question just answered (the resident's state), if recent."""
    state = ctx.asked("faq", FRESH_FOR)
    if state is None or not state.get("faq") or not state.get("question"):
        return None
    return state


class FaqFollowUp(Handler):
    """A resident's short question, naming no matter of its own, within minutes of an FAQ
    answer (not a progress question about their ticket, not a new FAQ question)."""

    def matches(self, msg, ctx: Context) -> bool:
        text = message_text(msg)
        if not text or ctx.staff is not None or asked_faq(ctx) is None:
            return False
        words = bare(text)
        if not words or len(words) > SHORT or QUESTION.search(text) is None:
            return False
        result = ctx.understand(text)
        if result.urgency != "normal" or (result.faq and result.kind == "consultation"):
            return False  # a danger; a question the FAQ answers on its own
        if asks_progress(text) or named_ticket(ctx, text) is not None:
            return False
        continued = self.continued(ctx, text)
        if result.category != "其他" and names_topic(result):  # "楼道灯坏了怎么办": a matter
            return continued is not None and continued["own_topic"]  # unless the FAQ's own
        return True

    @staticmethod
    def continued(ctx: Context, text: str):
        state = asked_faq(ctx)
        return ctx.once(("faq_follow_up", text),
                        lambda: follow_up_faq(text, state["question"], state["faq"]))

    def handle(self, msg, ctx: Context) -> Reply:
        text, state = message_text(msg), asked_faq(ctx)
        found = self.continued(ctx, text)
        if found is None:  # the state stays: 转人工 still brings a person for the question
            return keep_for_person(ctx, msg, text=text, result=ctx.understand(text),
                                   reply=replies.FAQ_FOLLOW_UP_HELD,
                                   attachment={"follows": state["question"][:200]})
        remember_faq(ctx, f"{state['question']} {text}", found["id"])
        return Reply(found["answer"])
