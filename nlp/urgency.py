"""How urgent: normal, urgent or emergency.

Emergencies come from the taxonomy (nlp/emergency.py): a person in danger now, in the
resident's own words. Urgent comes from urgency.tsv (紧急, 危险, 隐患, 停水…) and from any emergency
signal a hedge defused ("楼道堆杂物有火灾隐患，万一着火…" names a danger that is not happening).
Where the taxonomy found no danger and no hedged one, the learned danger net (nlp/danger.py)
may still find one told in words no keyword list has.
"""
from __future__ import annotations

from nlp import danger
from nlp.emergency import EmergencyCategory, detect, taxonomy
from nlp.lexicon import Lexicons, lexicons


def decide_urgency(text: str, lex: Lexicons):
    """Return (urgency, confidence, keywords, emergency category or None)."""
    tax = taxonomy(lex)
    finding = detect(text, tax)
    if finding.category is not None:
        return "emergency", 0.95, list(finding.keywords), finding.category
    if not finding.hazards and (learned := danger.judge(text, tax)) is not None:
        # the learned net (nlp/danger.py) where the keywords found nothing, hedged or not
        return "emergency", 0.7, danger.keywords(text, danger.load()), learned
    # a danger hedged only by a harmless source (烟囱, 有人抽烟) is a nuisance: no hurry
    if finding.urgent or finding.hazards:
        keywords = list(finding.urgent) + [w for w in finding.hazards if w not in finding.soothed]
        if keywords:
            return "urgent", 0.8, list(dict.fromkeys(keywords)), None
    return "normal", 0.9 if text else 0.5, [], None


def labels(words) -> set[str]:
    """What urgency words say, as urgency.tsv labels them (fraud, burst pipe, utility outage…):
    a reply can answer the situation, not only its level."""
    known = lexicons().urgency_words
    return {known[word][1] for word in words if word in known}


__all__ = ["EmergencyCategory", "decide_urgency", "labels"]
