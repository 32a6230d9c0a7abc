"""A small FAQ knowledge base (faq.tsv) for common consultations: 居住证, 社保, 医保, 低保, …

A message matches an entry when a topic word and an intent word of the entry both appear;
the score grows with a question form and with how early the topic is named.
"""
from __future__ import annotations

import re

from nlp.lexicon import Lexicons, lexicons, trie_pattern
from nlp.weights import round2

THRESHOLD = 0.7
_INDEX: dict = {}   # id(faqs) → (faqs, (any-topic expression, topic finder, topic → entries))


def _index(faqs: tuple) -> tuple:
    """An expression finding whether any topic word occurs; one matching (empty) at every
    position where a topic word starts, capturing the longest one there; and which entries
    each topic word belongs to."""
    known = _INDEX.get(id(faqs))
    if known is None or known[0] is not faqs:
        entries: dict[str, list] = {}
        for number, faq in enumerate(faqs):
            for topic in faq.topics:
                entries.setdefault(topic, []).append(number)
        words = trie_pattern(entries) if entries else r"(?!)"
        # the finder behind a lookahead of the topic words' first characters: any other
        # position is passed over in one test (the finder is tried at every position)
        firsts = "".join(re.escape(c) for c in sorted({word[0] for word in entries}))
        finder = f"(?=[{firsts}])(?=({words}))" if entries else r"(?!)"
        known = _INDEX[id(faqs)] = (faqs, (re.compile(words), re.compile(finder),
                                           {t: tuple(v) for t, v in entries.items()}))
    return known[1]


def _first_topics(text: str, finder: re.Pattern, entries: dict) -> dict:
    """Topic word → the position of its first occurrence, for the longest topic word at each
    place: a shorter one inside it names another thing (居住证明 is no 居住证)."""
    first: dict[str, int] = {}
    for match in finder.finditer(text):
        longest = match.group(1)
        if longest not in first:
            first[longest] = match.start()
    return first


def match_faq(text: str, lex: Lexicons, question_form: bool):
    """Return {"id", "question", "answer", "score"} for a confident match, else None."""
    any_topic, finder, entries = _index(lex.faqs)
    if any_topic.search(text) is None:
        return None   # most messages name no FAQ topic: no entry needs to be looked at
    first = _first_topics(text, finder, entries)
    named: dict[int, int] = {}   # entry → where its topic is first named
    for word, start in first.items():
        for number in entries[word]:
            named[number] = min(start, named.get(number, start))
    # The service named first decides, and it must be asked about: "孩子上学要交社保吗" is about
    # school; "这个周末社区有没有疫苗接种" about vaccination, not when the office is open (an
    # entry about the office itself answers only when no service is named).
    number = min(named, key=lambda n: (lex.faqs[n].general, named[n], n))
    faq = lex.faqs[number]
    for word in faq.intents:
        if word in text:
            break
    else:
        return None  # a topic word alone ("居住证") is not yet a question to answer
    score = 0.8 + (0.1 if question_form else 0.0)
    score += 0.1 if named[number] < 20 else 0.0
    if len(text) > 120:  # a long letter is rarely one FAQ question
        score -= 0.2
    if score < THRESHOLD:
        return None
    return {"id": faq.id, "question": faq.question, "answer": faq.answer,
            "score": round2(min(score, 0.99))}


def faq_answer(faq_id: str) -> str:
    """One FAQ entry's answer by its id (a handler that knows the question already)."""
    [answer] = [faq.answer for faq in lexicons().faqs if faq.id == faq_id]
    return answer


def follow_up_faq(text: str, question: str, previous_id: str, lex: Lexicons | None = None):
    """The FAQ entry a short follow-up ("那周六上班吗", "要带什么材料", "那居住证呢") continues,
    read with the question just answered (`question`, answered by entry `previous_id`): the
    follow-up must itself carry a word of that entry (a topic, or an intent of the same entry
    that asks for something in particular: 材料, 多久, 哪里, not 办 or 怎么),
    so "那周日呢" after where to be vaccinated is not taken as answered. None when it does not;
    else the entry's match, with "own_topic": whether the follow-up named the topic itself."""
    lex = lex or lexicons()
    found = match_faq(f"{text} {question}", lex, question_form=True)
    if found is None:
        return None
    [faq] = [f for f in lex.faqs if f.id == found["id"]]
    own = any(word in text for word in faq.topics)
    if found["id"] != previous_id and not own:
        return None  # the earlier question's words chose another entry: nothing continued
    if not own and not any(word in text for word in faq.intents if word not in ASKS_ANYTHING):
        return None  # "那周六能办吗": what is asked is not what the entry answers
    return {**found, "own_topic": own}


# Intent words that ask nothing in particular: a follow-up with only these ("那周六能办吗") does
# not say which part of the entry it asks about, so the entry's answer may not answer it.
ASKS_ANYTHING = frozenset({"办", "办理", "怎么", "如何", "能办", "可以办", "能不能", "可以", "有没有",
                           "能申请", "申请", "需要", "要求"})
