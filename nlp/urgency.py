"""How urgent: normal, urgent or emergency (fire, gas, medical, violence, drowning, missing
child, collapse, electrocution). Words from urgency.tsv are searched as plain text, so no
segmentation quirk can hide them; hedges from urgency_defuse.tsv ("隐患", "预防") next to an
emergency word make it only urgent.
"""
from __future__ import annotations

from nlp.lexicon import Lexicons

_WINDOW = 4


def decide_urgency(text: str, lex: Lexicons):
    """Return (urgency, confidence, keywords, labels)."""
    level, keywords, labels = "normal", [], []
    for match in lex.urgency_re.finditer(text):
        word = match.group()
        found, label = lex.urgency_words[word]
        if found == "emergency":
            start, end = match.span()
            before, after = text[max(0, start - _WINDOW):start], text[end:end + _WINDOW]
            if (any(w in before for w in lex.defuse_before)
                    or any(w in after for w in lex.defuse_after)):
                found, label = "urgent", "hazard"
        keywords.append(word)
        labels.append(label)
        if found == "emergency" or (found == "urgent" and level == "normal"):
            level = found
    for parts, found, label in lex.urgency_combos:
        if parts[0] in text and parts[1] in text and all(part in text for part in parts[2:]):
            keywords.append("+".join(parts))
            labels.append(label)
            if found == "emergency" or level == "normal":
                level = found
    if level == "emergency":
        confidence = 0.95
    elif level == "urgent":
        confidence = 0.8
    else:
        confidence = 0.9 if text else 0.5
    return level, confidence, list(dict.fromkeys(keywords)), list(dict.fromkeys(labels))
