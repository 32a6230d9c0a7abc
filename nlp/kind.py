"""What kind of message: complaint, consultation, help, suggestion, praise or other.

Scores come from weighted words (kinds.tsv) and phrase rules (kind_patterns.tsv). A word right
after a negation ("不是投诉") does not count, a negated praise word ("不负责") counts as a
complaint, and thanks formulas ("感谢您百忙之中…") are not praise.
"""
from __future__ import annotations

from nlp.lexicon import Lexicons

_OTHER_CEILING = 1.5   # "other" only wins when every other kind scores below this
MARGIN = {"consultation": 0.0, "suggestion": 0.0, "praise": 0.0}  # handicap before winning
_CHATTY_LENGTH = 20    # longer messages are never "other"


def decide_kind(text: str, tokens: list, lex: Lexicons, category: str | None):
    """Return (kind, confidence, keywords) for a normalized text and its tokens."""
    scores = {"complaint": 0.0, "consultation": 0.0, "help": 0.0, "suggestion": 0.0,
              "praise": 0.0, "other": 0.0}
    words: dict[str, list] = {k: [] for k in scores}
    ignored = []
    for pattern, kind, weight in lex.kind_patterns:
        if kind == "ignore":
            ignored.extend(m.span() for m in pattern.finditer(text))
            continue
        hits = 0
        for match in pattern.finditer(text):
            scores[kind] += weight
            words[kind].append(match.group())
            hits += 1
            if hits == 2:
                break

    kind_words, negations = lex.kind_words, lex.negations
    position = 0
    previous = previous2 = ""
    for token in tokens:
        entries = kind_words.get(token)
        if entries:
            negated = previous in negations or (previous2 in negations and len(previous) == 1
                                                and previous not in "，,。.！!？?")
            for kind, weight in entries:
                if kind == "praise" and any(a <= position < b for a, b in ignored):
                    continue
                if negated:
                    if kind == "praise":
                        scores["complaint"] += weight
                        words["complaint"].append((previous if previous in negations else previous2) + token)
                    continue
                scores[kind] += weight
                words[kind].append(token)
        position += len(token)
        if token.strip():
            previous2, previous = previous, token

    if category is not None:
        lean, weight = lex.category_kinds.get(category) or lex.category_kinds.get(
            "DEFAULT", ("complaint", 0.0))
        scores[lean] += weight
    if len(text) > _CHATTY_LENGTH:
        scores["other"] = 0.0   # a long message is never mere chit-chat
    if scores["other"] and max(v for k, v in scores.items() if k != "other") < _OTHER_CEILING:
        kind = "other"
    else:
        scores["other"] = 0.0
        kind = max(("complaint", "help", "consultation", "suggestion", "praise"),
                   key=lambda k: scores[k] - MARGIN.get(k, 0.0))
        if scores[kind] <= 0:
            # no cue at all: a long message reports something, a short one is chit-chat
            kind = "complaint" if len(text) > _CHATTY_LENGTH else "other"
    total = sum(scores.values())
    if kind == "other" and total == 0:
        confidence = 0.5
    else:
        confidence = scores[kind] / (total + 1.0)
    keywords = list(dict.fromkeys(words[kind]))
    return kind, round(min(max(confidence, 0.05), 0.99), 2), keywords
