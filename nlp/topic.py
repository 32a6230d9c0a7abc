"""Which domain (one of 12) and second-level category a message is about, and its department.

Each token adds the weights categories.tsv gives it; a long token unknown to the lexicon is
tried by its first and last two or three characters ("垃圾桶站" → "垃圾"). The domain is the one
with the highest total over its categories; the category is the best one inside that domain.
"""
from __future__ import annotations

from nlp.lexicon import Lexicons

FALLBACK = ("其他", "其他", "街道/社区")


def decide_topic(tokens: list, lex: Lexicons):
    """Return (category, domain, department, confidence, keywords, total score)."""
    words = lex.category_words
    scores: dict[int, float] = {}
    hits: dict[int, list] = {}
    for token in tokens:
        entries = words.get(token)
        if entries is None and len(token) > 2:
            entries = (words.get(token[:2]) or words.get(token[:3])
                       or words.get(token[-2:]) or words.get(token[-3:]))
        if entries:
            for index, weight in entries:
                scores[index] = scores.get(index, 0.0) + weight
                hits.setdefault(index, []).append(token)
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
