"""What kind of message: complaint, consultation, help, suggestion, praise or other.

Scores come from weighted words (kinds.tsv) and phrase rules (kind_patterns.tsv). A word right
after a negation ("不是投诉") does not count, a negated praise word ("不负责") counts as a
complaint, and thanks formulas ("感谢您百忙之中…") are not praise.
"""
from __future__ import annotations

import math
import re

from nlp.lexicon import Lexicons, standalone
from nlp.records import KIND_KEYWORDS, found_records, kind_values
from nlp.records import top_words as records_top_words
from nlp.weights import (EMPTY, KIND_CLASSES, REPORT, Weights, kind_scores, round2, top_words,
                         word_share)

_OTHER_CEILING = 1.5   # "other" only wins when every other kind scores below this
MARGIN = {"consultation": 0.5, "suggestion": 0.0, "praise": 0.0}  # handicap before winning
LONG_FROM, LONG_STEP, LONG_CAP = 60, 40.0, 3.0
_CHATTY_LENGTH = 20
PRAISE_VETO = 2.5      # complaint evidence (before any prior) that rules out praise
# Hand kind evidence this strong, and this far ahead of the next kind, is not overruled by the
# learned weights (cross-fitted: liuyan kind macro-F1 +0.014 on both halves, others ±0.003).
KIND_DECISIVE, KIND_LEAD = 3.0, 1.0
# The opening (first line or sentence, at most HEAD_CHARS) usually states the point of a message.
HEAD_CHARS, HEAD_BOOST = 40, 2.0
_HEAD_END = re.compile(r"[\n。!?！？;；]")    # longer messages are never "other"


_ORDER = ("complaint", "help", "consultation", "suggestion", "praise")
_MARGINS = tuple(MARGIN.get(name, 0.0) for name in _ORDER)
_PARTICLES = frozenset("吗呢")
_STOPS = frozenset("，,。.！!？?；;、\n ")


def _negator(text: str, start: int, negations: frozenset) -> str:
    """The negation standing right before text[start] (at most one word between), or ''.
    Callers first check that the last character of a negation stands in text[start-3:start]."""
    window = text[max(0, start - 5):start]
    for cut in (len(window), len(window) - 1, len(window) - 2):
        if cut < 1 or (cut < len(window) and window[cut] in _STOPS):
            break
        for size in (4, 3, 2, 1):
            if cut >= size and window[cut - size:cut] in negations:
                return window[cut - size:cut]
    return ""


def head_length(text: str) -> int:
    """Length of the opening: the first line or sentence, at most HEAD_CHARS characters."""
    end = _HEAD_END.search(text, 4)
    length = end.start() if end else len(text)
    return HEAD_CHARS if HEAD_CHARS < length else length   # min(length, HEAD_CHARS)


def score_kinds(text: str, lex: Lexicons, category: str | None):
    """Return (scores, words): each kind's evidence and the words that gave it."""
    scores, found = _evidence(text, lex, category, head_length(text))
    words: dict[str, list] = {k: [] for k in scores}
    for kind, word in found:
        words[kind].append(word)
    return scores, words


_PLANS_KEPT = 4096   # distinct sets of leading strings remembered (see _rules)


def _rules(text: str, lex: Lexicons) -> tuple:
    """The phrase rules (lex.kind_rules rows) worth running on a text, in file order: those
    with a leading string the text holds (or a prefix of one), those whose gate finds
    something, and those that always run. Which rows those are depends only on the leading
    strings found and the gates that fired, so it is worked out once per such combination."""
    key = tuple(lex.kind_triggers.findall(text))
    fired = ()
    for index, gate in lex.kind_gated:
        if gate(text):   # lexicon._gate_finder
            fired += (index,)
    if fired:
        key = (key, fired)
    plans = lex.kind_plans
    plan = plans.get(key)
    if plan is None:
        by_leading = lex.kind_by_leading
        todo = set(lex.kind_plain).union(fired, *[by_leading[word] for word in key[0]]) \
            if fired else set(lex.kind_plain).union(*[by_leading[word] for word in key])
        plan = tuple(lex.kind_rules[i] for i in sorted(todo))
        if len(plans) >= _PLANS_KEPT:
            plans.clear()
        plans[key] = plan
    return plan


def _evidence(text: str, lex: Lexicons, category: str | None, head: int):
    """score_kinds with the opening's length given: (scores, [(kind, word), …] in the order
    found)."""
    scores = {"complaint": 0.0, "consultation": 0.0, "help": 0.0, "suggestion": 0.0,
              "praise": 0.0, "other": 0.0}
    found = []
    ignored = []
    solved = False
    for at_start, pattern, kind, weight in _rules(text, lex):
        if at_start is not None:   # only matches at 0: one attempt instead of a scan
            size, openings = at_start
            if text[:size] not in openings:
                continue
            match = pattern.match(text)
            if match is None:
                continue
            matches = (match,)
        elif pattern.search(text) is None:   # most rules tried find nothing: one search is
            continue                          # cheaper than a finditer and its first step
        else:
            matches = pattern.finditer(text)
        if kind == "ignore":
            ignored.extend(m.span() for m in matches)
            continue
        solves = kind == "solved"   # praise for a problem solved, which it names
        if solves:
            kind = "praise"
        hits = 0
        for match in matches:
            scores[kind] += weight * (HEAD_BOOST if match.start() < head else 1.0)
            found.append((kind, match.group()))
            hits += 1
            if hits == 2:
                break
        solved = solved or (solves and hits > 0)

    kind_words, negations, freq = lex.kind_words, lex.negations, lex.tokenizer.FREQ
    negation_ends = lex.negation_ends
    seen = set()
    names = lex.kind_finder.words
    for number, start, end in lex.kind_finder.spans(text):
        token = names[number]
        if token in seen:
            continue
        if end - start == 1 and token not in _PARTICLES and not standalone(text, start, end, freq):
            continue
        seen.add(token)  # a word counts once, however often it is repeated
        negator = "" if negation_ends.isdisjoint(text[start - 3 if start > 3 else 0:start]) \
            else _negator(text, start, negations)
        boost = HEAD_BOOST if start < head else 1.0
        for kind, weight in kind_words[token]:
            if kind == "praise" and ignored and any(a <= start < b for a, b in ignored):
                continue
            if kind == "suggestion" and text[end:end + 1] == "了" and text[end + 1:end + 2] != "解":
                continue  # "增加了", "改为了" tell what was done; they propose nothing
            if negator:
                if kind == "praise":  # "不负责", "没有及时" complain
                    scores["complaint"] += weight
                    found.append(("complaint", negator + token))
                continue
            scores[kind] += weight * boost
            found.append((kind, token))

    if scores["complaint"] >= PRAISE_VETO and not solved:
        # thanks around a new problem ("谢谢…不过又漏水了") is no praise; "帮我们解决了漏水问题"
        # names the problem it praises the solving of
        scores["praise"] = 0.0
    if category is not None:
        lean, weight = lex.category_kinds.get(category) or lex.category_kinds.get(
            "DEFAULT", ("complaint", 0.0))
        scores[lean] += weight
    # A long letter mostly describes a problem, even when it ends with a question.
    if len(text) > LONG_FROM:
        scores["complaint"] += min((len(text) - LONG_FROM) / LONG_STEP, LONG_CAP)
    if len(text) > _CHATTY_LENGTH:
        scores["other"] = 0.0   # a long message is never mere chit-chat
        # Who speaks: a letter written for a group ("我们小区", "老百姓") reports a shared
        # problem. Counted once, however many such words there are.
        voice = {}
        for word in lex.voice_finder.findall(text):
            kind, weight = lex.voice_words[word]
            if weight > voice.get(kind, 0.0):
                voice[kind] = weight
                found.append((kind, word))
        for kind, weight in voice.items():
            scores[kind] += weight
    return scores, found


ASKS_FROM = 0.5


def _asks(found, weights: Weights) -> bool:
    """A learned word that asks a question by itself (consultation weight ≥ ASKS_FROM)."""
    table = weights.kind
    for word in found:
        for cls, weight in table.get(word, ()):
            if cls == "consultation" and weight >= ASKS_FROM:
                return True
    return False


def decide_kind(text: str, lex: Lexicons, category: str | None, found: tuple = (),
                weights: Weights = EMPTY, head: int | None = None, found_pairs: list | None = None):
    """Return (kind, confidence, keywords) for a normalized text.

    category: the message's category when it names a topic (a named problem always opens a
    ticket: such a message is never `other`); found: its learned words (see nlp.weights);
    head: head_length(text), when the caller has it; found_pairs: the records of found
    (nlp.records.found_records), when the caller has them."""
    hand, hits = _evidence(text, lex, category, head_length(text) if head is None else head)
    other = hand["other"]
    complaint, help_, consultation = hand["complaint"], hand["help"], hand["consultation"]
    suggestion, praise = hand["suggestion"], hand["praise"]
    if category is None:   # a message that names no topic may be chit-chat
        best_hand = max(complaint, help_, consultation, suggestion, praise)
        if other and (best_hand < _OTHER_CEILING or other >= best_hand):
            return "other", round2(min(max(other / (sum(hand.values()) + 1.0), 0.05), 0.99)), \
                list(dict.fromkeys([word for kind, word in hits if kind == "other"]))
        if best_hand <= 0 and weights.kind.keys().isdisjoint(found):
            # no cue at all, not even a learned one: a long message reports something, a short
            # one is chit-chat
            if len(text) <= _CHATTY_LENGTH:
                return "other", 0.5, []
            return "complaint", 0.3, []
    m_complaint, m_help, m_consultation, m_suggestion, m_praise = _MARGINS
    handicapped = [complaint - m_complaint, help_ - m_help, consultation - m_consultation,
                   suggestion - m_suggestion, praise - m_praise]   # in _ORDER
    ranked = sorted(handicapped, reverse=True)
    if ranked[0] >= KIND_DECISIVE and ranked[0] - ranked[1] >= KIND_LEAD:
        # the phrase rules and words are clear: they decide, the learned words do not (and
        # are not even added up)
        values = handicapped
    else:
        records = weights.records
        if records is None:
            values = list(kind_scores(hand, found, weights, MARGIN).values())   # in _ORDER
        else:   # the same sums from the words' records (nlp.records)
            if found_pairs is None:
                found_pairs = found_records(found, records) if found else []
            values = kind_values(hand, found_pairs,
                                 word_share(found), weights, MARGIN)
    if consultation <= 0.0 and values[2] >= max(values) and not _asks(found, weights):
        # no question was asked: no interrogative, no 问/咨询/办理, no word that asks on its own
        # (电话号码, 地址); a lean alone (我家, 一直) does not turn "我家下水道堵了" into a question
        values[2] = min(values) - 1.0
    best = max(values)
    kind = _ORDER[values.index(best)]   # the first of equal scores wins
    # softmax_share(scores, (kind,)): the same terms added in the same order (sum() starts
    # from 0, and 0 + x is x)
    exp = math.exp
    v0, v1, v2, v3, v4 = values
    confidence = exp(best - best) / (exp(v0 - best) + exp(v1 - best) + exp(v2 - best)
                                     + exp(v3 - best) + exp(v4 - best))
    cls = kind if kind in KIND_CLASSES else REPORT
    words = []   # a loop: cheaper than a comprehension's call for a few hits
    for k, word in hits:
        if k == kind:
            words.append(word)
    if found_pairs is not None:   # the same words from the records (every word with a row
        words += records_top_words(found_pairs, KIND_KEYWORDS, (cls,))   # has a record)
    elif found:
        words += top_words(found, weights.kind_keywords, (cls,))
    # min(max(confidence, 0.05), 0.99), without two calls that parse keyword arguments
    confidence = 0.05 if 0.05 > confidence else confidence
    return kind, round2(0.99 if 0.99 < confidence else confidence), list(dict.fromkeys(words))
