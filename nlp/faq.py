"""A small FAQ knowledge base (faq.tsv) for common consultations: 居住证, 社保, 医保, 低保, …

A message matches an entry when a topic word and an intent word of the entry both appear;
the score grows with a question form and with how early the topic is named.
"""
from __future__ import annotations

from nlp.lexicon import Lexicons

THRESHOLD = 0.7


def match_faq(text: str, lex: Lexicons, question_form: bool):
    """Return {"id", "question", "answer", "score"} for a confident match, else None."""
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
