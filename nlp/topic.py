"""Which domain (one of 12) and second-level category a message is about, and its department.

Category words (categories.tsv) are found in the text by one trie-shaped regular expression, so
that no segmentation quirk can hide them ("能动迁" is cut 能动/迁 by jieba); one-character words
(狗, 吵) only count where jieba's dictionary has no longer word around them. A word in the opening line counts double; a word
followed by a place word ("学校门口", "医院附近") names a place, not the topic, and counts less.
The domain is the one with the highest total over its categories; the category is the best one
inside that domain.
"""
from __future__ import annotations

import re

from nlp.lexicon import Lexicons, standalone

FALLBACK = ("其他", "其他", "街道/社区")
PLACE_AFTER = frozenset(("门口", "附近", "旁边", "周边", "对面", "边上", "后面", "前面", "东侧",
                         "西侧", "南侧", "北侧", "东面", "西面", "南面", "北面", "后身", "一带",
                         "西边", "东边", "南边", "北边", "路口", "院内", "楼下", "隔壁", "斜对面",
                         "院里", "大门", "南门", "北门", "东门", "西门", "站", "后院", "以东", "以西",
                         "以南", "以北", "对过", "西北", "东北", "西南", "东南", "北侧", "家属"))
PLACE_FACTOR = 0.3
HEAD_CHARS, HEAD_BOOST = 40, 2.0


_PLACE_RE = re.compile("的?(?:" + "|".join(sorted(PLACE_AFTER, key=len, reverse=True)) + ")")


def decide_topic(text: str, lex: Lexicons, head: int = HEAD_CHARS):
    """Return (category, domain, department, confidence, keywords, total score).

    head: number of characters at the start that count HEAD_BOOST times (the opening line).
    """
    words = lex.category_words
    freq = lex.tokenizer.FREQ
    place = _PLACE_RE.match
    scores: dict[int, float] = {}
    hits: dict[int, list] = {}
    for match in lex.category_re.finditer(text):
        start, end = match.span()
        if end - start == 1 and not standalone(text, start, end, freq):
            continue
        word = match.group()
        factor = HEAD_BOOST if start < head else 1.0
        if place(text, end):
            factor *= PLACE_FACTOR
        for index, weight in words[word]:
            scores[index] = scores.get(index, 0.0) + weight * factor
            if index in hits:
                hits[index].append(word)
            else:
                hits[index] = [word]
    if not scores:
        return (*FALLBACK, 0.3, [], 0.0)
    categories = lex.categories
    by_domain: dict[str, float] = {}
    for index, score in scores.items():
        domain = categories[index].domain
        by_domain[domain] = by_domain.get(domain, 0.0) + score
    domain = max(by_domain, key=by_domain.get)
    index = max((i for i in scores if categories[i].domain == domain), key=scores.get)
    total = sum(by_domain.values())
    confidence = by_domain[domain] / (total + 1.0)
    category = categories[index]
    keywords = list(dict.fromkeys(hits[index]))
    return (category.name, domain, category.department, round(min(confidence, 0.99), 2),
            keywords, total)
