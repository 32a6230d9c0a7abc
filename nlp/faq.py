"""A small FAQ knowledge base (faq.tsv) for common consultations: 居住证, 社保, 医保, 低保, …

A message matches an entry when a topic word and an intent word of the entry both appear;
the score grows with a question form and with how early the topic is named.
"""
from __future__ import annotations

import re

from nlp.lexicon import Lexicons, trie_pattern

THRESHOLD = 0.7
_TOPICS: dict = {}   # id(faqs) → (faqs, one expression finding any topic word of any entry)


def _any_topic(faqs: tuple) -> re.Pattern:
    known = _TOPICS.get(id(faqs))
    if known is None or known[0] is not faqs:
        words = {t for faq in faqs for t in faq.topics}
        known = _TOPICS[id(faqs)] = (faqs, re.compile(trie_pattern(words) if words else r"(?!)"))
    return known[1]


def match_faq(text: str, lex: Lexicons, question_form: bool):
    """Return {"id", "question", "answer", "score"} for a confident match, else None."""
    if _any_topic(lex.faqs).search(text) is None:
        return None   # most messages name no FAQ topic: no entry needs to be looked at
    best, best_score = None, 0.0
    for faq in lex.faqs:
        topic = min((text.find(t) for t in faq.topics if t in text), default=-1)
        if topic < 0:
            continue
        if not any(word in text for word in faq.intents):
            continue  # a topic word alone ("居住证") is not yet a question to answer
        score = 0.8 + (0.1 if question_form else 0.0)
        score += 0.1 if topic < 20 else 0.0
        if len(text) > 120:  # a long letter is rarely one FAQ question
            score -= 0.2
        if score > best_score:
            best, best_score = faq, score
    if best is None or best_score < THRESHOLD:
        return None
    return {"id": best.id, "question": best.question, "answer": best.answer,
            "score": round(min(best_score, 0.99), 2)}
