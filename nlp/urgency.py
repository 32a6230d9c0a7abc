"""How urgent: normal, urgent or emergency.

Emergencies come from the taxonomy (nlp/emergency.py): a person in danger now, in the
resident's own words. Urgent comes from urgency.tsv (紧急, 危险, 隐患, 停水…; or a combination, no
heat with an elder at home), unless the state is told as history (urgency_defuse.tsv: 去年井盖丢了,
上周水管爆了 已经修好了), and from any emergency signal a hedge defused ("楼道堆杂物有火灾隐患，万一
着火…" names a danger that is not happening).
Where the taxonomy found no danger and no hedged one, the learned danger net (nlp/danger.py)
may still find one told in words no keyword list has.
"""
from __future__ import annotations

import re

from ahocorasick_rs import AhoCorasick, MatchKind

from nlp import danger
from nlp.emergency import EmergencyCategory, detect, taxonomy
from nlp.lexicon import Lexicons, implementation, lexicons


def decide_urgency(text: str, lex: Lexicons):
    """Return (urgency, confidence, keywords, emergency category or None)."""
    tax = taxonomy(lex)
    finding = detect(text, tax)
    if finding.category is not None:
        return "emergency", 0.95, list(finding.keywords), finding.category
    if not finding.hazards and (learned := danger.judge(text, tax)) is not None:
        # the learned net (nlp/danger.py) where the keywords found nothing, hedged or not
        return "emergency", 0.7, danger.keywords(text, danger.load()), learned
    # a danger hedged only by a harmless source (烟囱, 有人抽烟) is a nuisance: no hurry; a
    # state told as history (去年井盖丢了, 上周水管爆了 已经修好了) is no hurry either
    if finding.urgent or finding.hazards:
        keywords = [w for w in finding.urgent if not told_as_past(text, w, lex)]
        keywords += [w for w in finding.hazards if w not in finding.soothed]
        if keywords:
            return "urgent", 0.8, list(dict.fromkeys(keywords)), None
    if (together := combined(text, lex)) and not told_as_past(text, together[0], lex):
        return "urgent", 0.8, together, None
    return "normal", 0.9 if text else 0.5, [], None


_CLAUSE_END = re.compile(r"[。！？!?；;\n，,、：:]")
_BEFORE_WITHIN = 14    # characters from a time gone by to the state, in its clause
_AFTER_WITHIN = 12     # characters from the state to the words that it was seen to
# 过 of a thing done before (停电过一次, 井盖丢过。), not of 过往, 过来, 过年
_HAPPENED = re.compile(r"过(?:[一两三几好]|了|的|[，。,.！!？?；;\s]|$)")
_NOT_SEEN_TO = re.compile(r"[没未不别]|还没")   # right before: "还没修好", "没解决了"
_ASKED = re.compile(r"\s*[吗么没呢？?]")        # right after: "修好了吗"


def told_as_past(text: str, word: str, lex: Lexicons) -> bool:
    """Whether every place the urgency word stands tells a state gone by (urgency_defuse.tsv):
    a time gone by shortly before it in its clause, the state seen to just after it, or the state
    told as happened before (停电过); never when the message says it goes on (现在, 一直, 又…)."""
    before, after, ongoing = _built(lex)[2]
    seen_to = [(start, end) for _, start, end in after(text, overlapping=True)
               if not _NOT_SEEN_TO.search(text[max(0, start - 2):start])
               and not _ASKED.match(text, end)]
    rest = list(text)
    for start, end in seen_to:  # "现在好了" is no 现在
        rest[start:end] = " " * (end - start)
    if ongoing("".join(rest)):
        return False
    places = [m.start() for m in re.finditer(re.escape(word), text)]
    return bool(places) and all(_past_at(text, at, at + len(word), seen_to, before)
                                for at in places)


def _past_at(text: str, start: int, end: int, seen_to: list, before) -> bool:
    opening = max((m.end() for m in _CLAUSE_END.finditer(text, 0, start)), default=0)
    if before(text[max(opening, start - _BEFORE_WITHIN):start]):
        return True
    if _HAPPENED.match(text, end):
        return True   # 停电过一次, 井盖丢过
    return any(end <= s and s - end <= _AFTER_WITHIN for s, _ in seen_to)


_BUILT: list = [None, None]   # [the Lexicons, what _build made of it]


def _built(lex: Lexicons) -> tuple:
    """What this module reads fast, made once per lexicons (reload() makes new ones): the
    combinations' gate and parts, and urgency_defuse.tsv's three lists as automata."""
    if _BUILT[0] is not lex:
        _BUILT[:] = [lex, (*_combinations(lex), _hedges(lex))]
    return _BUILT[1]


def _hedges(lex: Lexicons) -> tuple:
    """urgency_defuse.tsv's three lists, each one automaton (every occurrence of every word, in
    one pass; a word at a time cost an urgent message ~150 µs): finders of (index, start, end)."""
    def finder(words):
        if not words:
            return lambda text, overlapping=True: []
        return AhoCorasick(sorted(set(words)), matchkind=MatchKind.Standard,
                           implementation=implementation(words)).find_matches_as_indexes
    return finder(lex.defuse_before), finder(lex.defuse_after), finder(lex.urgency_ongoing)


def combined(text: str, lex: Lexicons) -> list[str]:
    """The words of the first urgency.tsv combination whose every part the message names
    (停暖|暖气不热 & 老人|婴儿: no heat with an elder at home), a part not denied just before it
    ("家里没有老人"); else []."""
    gate, combos, _ = _built(lex)
    if gate.search(text) is None:
        return []   # most messages name no first part of any combination: one search
    for parts, level in combos:
        words = []
        for part in parts:
            found = next((m.group() for m in part.finditer(text)
                          if not _DENIED.search(text[max(0, m.start() - 2):m.start()])), None)
            if found is None:
                break
            words.append(found)
        else:
            if level == "urgent":
                return words
    return []


def _combinations(lex: Lexicons) -> tuple:
    """(a gate: any first part's word, ((each part's expression, …), level) per combination)."""
    def alternation(words) -> str:
        return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    combos = tuple((tuple(re.compile(alternation(part)) for part in parts), level)
                   for parts, level, _ in lex.urgency_combos)
    firsts = {w for parts, _, _ in lex.urgency_combos for w in parts[0]}
    return re.compile(alternation(firsts) or "(?!)"), combos


_DENIED = re.compile(r"没有?|不是|无")


def labels(words) -> set[str]:
    """What urgency words say, as urgency.tsv labels them (fraud, burst pipe, utility outage…):
    a reply can answer the situation, not only its level."""
    lex = lexicons()
    known, said = lex.urgency_words, set(words)
    found = {known[word][1] for word in said if word in known}
    for parts, _, label in lex.urgency_combos:  # a combination: a word of each part said
        if all(not said.isdisjoint(part) for part in parts):
            found.add(label)
    return found


__all__ = ["EmergencyCategory", "decide_urgency", "labels"]
