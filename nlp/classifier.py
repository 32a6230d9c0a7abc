"""A first keyword classifier: weighted lexicons over jieba tokens.

Every word list is a TSV file in nlp/data/ so that a non-programmer can edit it.
"""
from __future__ import annotations

import functools
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import jieba

DATA = Path(__file__).parent / "data"
KINDS = ("complaint", "consultation", "help", "suggestion", "praise", "other")
URGENCIES = ("normal", "urgent", "emergency")
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@dataclass(frozen=True)
class Classification:
    kind: str
    domain: str
    category: str
    department: str
    urgency: str
    confidence: dict = field(default_factory=dict)
    keywords: dict = field(default_factory=dict)
    entities: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def _rows(name: str):
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            yield [cell.strip() for cell in line.split("\t")]


@functools.cache
def _lexicons():
    kinds = {word: (kind, float(weight)) for word, kind, weight in _rows("kinds.tsv")}
    categories = []
    for category, domain, department, words in _rows("categories.tsv"):
        categories.append((category, domain, department, tuple(words.split(","))))
    urgency = {word: level for word, level in _rows("urgency.tsv")}
    for word in [*kinds, *urgency, *(w for c in categories for w in c[3])]:
        jieba.add_word(word)
    return kinds, categories, urgency


def load() -> None:
    """Load jieba's dictionary and the lexicons now, not on the first message."""
    jieba.initialize()
    _lexicons()


def classify(text: str) -> Classification:
    text = (text or "").strip()
    kinds, categories, urgency_words = _lexicons()
    tokens = jieba.lcut(text) if text else []

    scores: dict[str, float] = {}
    kind_words: list[str] = []
    for token in tokens:
        if token in kinds:
            kind, weight = kinds[token]
            scores[kind] = scores.get(kind, 0.0) + weight
            kind_words.append(token)
    if text.endswith(("?", "？")):
        scores["consultation"] = scores.get("consultation", 0.0) + 1

    best = (None, 0, ())
    for category, domain, department, words in categories:
        hits = tuple(w for w in words if w in text)
        if len(hits) > best[1]:
            best = ((category, domain, department), len(hits), hits)
    category, domain, department = best[0] or ("其他", "其他", "街道/社区")

    if scores:
        kind = max(scores, key=scores.get)
        kind_confidence = scores[kind] / sum(scores.values())
    elif best[0]:
        kind, kind_confidence = "complaint", 0.5  # a named problem with no other cue
    else:
        kind, kind_confidence = "other", 0.5

    urgency, urgency_hits = "normal", []
    for word, level in urgency_words.items():
        if word in text:
            urgency_hits.append(word)
            if URGENCIES.index(level) > URGENCIES.index(urgency):
                urgency = level

    return Classification(
        kind=kind,
        domain=domain,
        category=category,
        department=department,
        urgency=urgency,
        confidence={"kind": round(kind_confidence, 2), "category": 0.8 if best[0] else 0.3,
                    "urgency": 0.9 if urgency_hits else 0.6},
        keywords={"kind": kind_words, "category": list(best[2]), "urgency": urgency_hits},
        entities={"phones": PHONE.findall(text)},
    )
