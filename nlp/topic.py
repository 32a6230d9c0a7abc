"""Which domain (one of 12) and second-level category a message is about, and its department.

Each token adds the weights categories.tsv gives it; a long token unknown to the lexicon is
tried by its first and last two or three characters ("垃圾桶站" → "垃圾"). The domain is the one
with the highest total over its categories; the category is the best one inside that domain.
"""
from __future__ import annotations

from nlp.lexicon import Lexicons

FALLBACK = ("其他", "其他", "街道/社区")


# A word followed by one of these names a place, not the topic: "学校门口的垃圾", "医院附近".
PLACE_AFTER = frozenset(("门口", "附近", "旁边", "周边", "对面", "边上", "后面", "前面", "东侧",
                         "西侧", "南侧", "北侧", "东面", "西面", "南面", "北面", "后身", "一带",
                         "西边", "东边", "南边", "北边", "路口", "院内", "楼下", "隔壁", "斜对面"))
PLACE_FACTOR = 0.3
HEAD_CHARS, HEAD_BOOST = 40, 2.0   # the opening line or sentence names the topic


def decide_topic(tokens: list, lex: Lexicons, head: int = HEAD_CHARS):
    """Return (category, domain, department, confidence, keywords, total score).

    head: number of characters at the start that count HEAD_BOOST times (the first line).
    """
    words = lex.category_words
    scores: dict[int, float] = {}
    hits: dict[int, list] = {}
    position = 0
    last = len(tokens) - 1
    for i, token in enumerate(tokens):
        entries = words.get(token)
        if entries is None and len(token) > 2:
            entries = (words.get(token[:2]) or words.get(token[:3])
                       or words.get(token[-2:]) or words.get(token[-3:]))
        if entries:
            factor = HEAD_BOOST if position < head else 1.0
            if i < last and (tokens[i + 1] in PLACE_AFTER
                             or (i + 1 < last and tokens[i + 1] == "的"
                                 and tokens[i + 2] in PLACE_AFTER)):
                factor *= PLACE_FACTOR
            for index, weight in entries:
                scores[index] = scores.get(index, 0.0) + weight * factor
                hits.setdefault(index, []).append(token)
        position += len(token)
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
