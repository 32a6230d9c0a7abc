"""Which domain (one of 12) and second-level category a message is about, and its department.

Category words (categories.tsv) are found in the text by one automaton (the longest word at
each place), so that no segmentation quirk can hide them ("能动迁" is cut 能动/迁 by jieba);
one-character words (狗, 吵) only count where jieba's dictionary has no longer word around
them. A word in the opening line counts double; a word followed by a place word ("学校门口",
"医院附近") names a place, not the topic, and counts less.
The domain is the one with the highest total over its categories; the category is the best one
inside that domain.
"""
from __future__ import annotations

import math
import re

from nlp.lexicon import Lexicons, standalone
from nlp.records import TOPIC, TOPIC_KEYWORDS, found_records, hand_evidence
from nlp.records import learned_adds as records_adds
from nlp.records import route as records_route
from nlp.records import top_words as records_top_words
from nlp.weights import (MIN_EVIDENCE, Weights, hand_topic_scores, learned_adds, round2, route,
                         top_words, topic_scores, word_share)

FALLBACK = ("其他", "其他", "街道/社区")
PLACE_AFTER = frozenset(("门口", "附近", "旁边", "周边", "对面", "边上", "后面", "前面", "东侧",
                         "西侧", "南侧", "北侧", "东面", "西面", "南面", "北面", "后身", "一带",
                         "西边", "东边", "南边", "北边", "路口", "院内", "楼下", "隔壁", "斜对面",
                         "院里", "大门", "南门", "北门", "东门", "西门", "站", "后院", "以东", "以西",
                         "以南", "以北", "对过", "西北", "东北", "西南", "东南", "北侧", "家属"))
PLACE_FACTOR = 0.3
HEAD_CHARS, HEAD_BOOST = 40, 2.0
HAND_DECISIVE = 6.0
# A short message (at most SHORT_WORDS learned words) says little besides its hand words: one
# word of weight 2 in the opening (score 4) decides, and only the categories a naming word
# found compete (a hint such as 小区, weight 1, names a place: "小区监控坏了" is 治安). The
# learned words' share is 1/sqrt(n), so in a four-word message each counts half a unit, and the
# many categories of 城乡建设 that 小区 leans to outvoted the word that named the topic.
SHORT_WORDS, SHORT_DECISIVE = 4, 4.0
DECISIVE_HAND_WEIGHT = 2.0   # …where the hand scores count at about their full weight


_PLACE_RE = re.compile("的?(?:" + "|".join(sorted(PLACE_AFTER, key=len, reverse=True)) + ")")
_PLACE_FIRST = frozenset("的" + "".join(word[0] for word in PLACE_AFTER))  # _PLACE_RE's first


def topic_evidence(text: str, lex: Lexicons, head: int = HEAD_CHARS):
    """The hand lexicon's evidence: (score per category index, words per category index)."""
    words = lex.category_words
    freq = lex.tokenizer.FREQ
    place, place_first = _PLACE_RE.match, _PLACE_FIRST
    scores: dict[int, float] = {}
    hits: dict[int, list] = {}
    finder = lex.category_finder
    names = finder.words
    for number, start, end in finder.spans(text):
        if end - start == 1 and not standalone(text, start, end, freq):
            continue
        word = names[number]
        factor = HEAD_BOOST if start < head else 1.0
        if text[end:end + 1] in place_first and place(text, end):
            factor *= PLACE_FACTOR
        for index, weight in words[word]:
            scores[index] = scores.get(index, 0.0) + weight * factor
            if index in hits:
                hits[index].append(word)
            else:
                hits[index] = [word]
    return scores, hits


_DOMAINS: dict = {}   # id(categories) → (categories, the domain of each category index)


def _domains(categories: tuple) -> tuple:
    known = _DOMAINS.get(id(categories))
    if known is None or known[0] is not categories:
        known = _DOMAINS[id(categories)] = (categories, tuple(c.domain for c in categories))
    return known[1]


def _evidence(scores: dict, found: tuple, found_pairs: list | None, weights: Weights):
    """(evidence per category index, the best evidence, decisive), or None when the message
    names no topic (其他). Decisive: a hand word names the topic on its own; then only the
    hand-found categories compete, so only theirs are computed (None where these weights
    cannot): the others could only raise `best`. The learned words' part comes from their
    records (found_pairs, nlp.records) or from nlp.weights' tables, the same values either
    way."""
    records = weights.records
    decisive = bool(scores) and max(scores.values()) >= HAND_DECISIVE
    if decisive:
        if records is not None:
            evidence = hand_evidence(scores, found_pairs, word_share(found), weights.topic_gamma,
                                     records)
        else:
            evidence = hand_topic_scores(scores, found, weights) \
                if weights.topic_rows is not None else None
        if evidence is not None:
            # a word that names a topic on its own is not outvoted into 其他 by learned words
            # that lean elsewhere ("楼下的狗天天叫": 楼下, 天天 lean to noise)
            best = max(evidence.values())
            return evidence, MIN_EVIDENCE if MIN_EVIDENCE > best else best, decisive
    if not scores and (sum(1 for pair in found_pairs if pair[TOPIC]) if records is not None
                       else sum(word in weights.topic for word in found)) < 2:
        # one learned word with a topic weight and no word of the lexicon ("有人吗", "我想反映个
        # 问题"): too little to send anyone anywhere; a person reads it (handlers: unplaced)
        return None
    if records is None:
        adds = learned_adds(found, weights)
    else:
        adds = records_adds(found_pairs, word_share(found)) if found_pairs else {}
    evidence = topic_scores(scores, adds, weights)
    best = max(evidence.values(), default=0.0)
    return None if best < MIN_EVIDENCE else (evidence, best, decisive)


def _short(scores: dict, hits: dict, words: dict) -> dict:
    """A short message's hand scores as the decision reads them: when its best category holds
    a word of two characters or more and weight 2 or more (a word that names the topic, not a
    hint) and scores at least
    SHORT_DECISIVE, it counts as decisive and categories under half its score (hints only)
    drop out."""
    top = max(scores.values())
    if top < SHORT_DECISIVE or top >= HAND_DECISIVE and len(scores) == 1:
        return scores
    best = max(scores, key=scores.get)
    # (a one-character word is no name of a topic: 吵 in "还有晚上很吵" is a remark)
    if not any(index == best and weight >= 2.0 and len(word) >= 2
               for word in hits[best] for index, weight in words[word]):
        return scores
    lift = HAND_DECISIVE / top if top < HAND_DECISIVE else 1.0
    return {i: value * lift for i, value in scores.items() if value * 2 >= top}


def decide_topic(text: str, lex: Lexicons, head: int, found: tuple, weights: Weights,
                 found_pairs: list | None = None):
    """Return (category, domain, department, confidence, keywords, evidence); evidence is 0.0
    for 其他 and otherwise a score of at least MIN_EVIDENCE (callers only test it against 0).

    head: number of characters at the start that count HEAD_BOOST times (the opening line);
    found: the learned words in the text; found_pairs: their records (nlp.records.found_records),
    when the caller has them. The domain is the one whose categories hold the most
    probability (a softmax over hand + learned scores), the category the best one inside it."""
    scores, hits = topic_evidence(text, lex, head)
    if scores and len(found) <= SHORT_WORDS:
        scores = _short(scores, hits, lex.category_words)
    categories = lex.categories
    records = weights.records
    if records is not None and found_pairs is None:
        found_pairs = found_records(found, records)
    if len(scores) == 1 and records is not None:
        # one category found by the hand lexicon, naming the topic on its own: it is the
        # decisive path's only candidate, whatever the learned words add to it (a softmax over
        # one category is 1.0), so that addition is not worked out
        index, = scores
        if scores[index] >= HAND_DECISIVE:
            return _decided(index, 1.0, max(weights.topic_gamma * scores[index], MIN_EVIDENCE),
                            hits, categories, found, found_pairs, weights)
    outcome = _evidence(scores, found, found_pairs, weights)
    if outcome is None:
        return (*FALLBACK, 0.3, [], 0.0)
    evidence, best, decisive = outcome
    bias = weights.topic_bias
    if decisive:
        # words that name a topic on their own (categories.tsv weight 3, counted twice in the
        # opening line) keep the choice among the categories the hand lexicon found; the
        # learned words weigh between those (cross-fitted: teddy +0.013, jiamusi +0.014,
        # haikou −0.024, whose hotline routes e.g. night noise to the police)
        boost = (DECISIVE_HAND_WEIGHT - 1.0) * weights.topic_gamma
        final = {}   # a loop: cheaper than a comprehension's call for a few categories
        for i, score in scores.items():
            final[i] = (evidence[i] + boost * score) + bias.get(i, 0.0)
    elif records is not None:
        biases = records.bias   # 0.0 where no bias was learned, as bias.get(i, 0.0)
        final = {i: value + biases[i] for i, value in evidence.items()}
    else:
        final = {i: value + bias.get(i, 0.0) for i, value in evidence.items()}
    top = max(final.values())
    mass: dict[str, float] = {}
    winner: dict[str, int] = {}   # the best category of each domain
    domains, exp = _domains(categories), math.exp
    for index, value in final.items():
        domain = domains[index]
        mass[domain] = mass.get(domain, 0.0) + exp(value - top)
        best_index = winner.get(domain)
        if best_index is None or value > final[best_index]:
            winner[domain] = index
    domain, most = None, 0.0   # max(mass, key=mass.get), without parsing a keyword argument
    for name, value in mass.items():
        if domain is None or value > most:
            domain, most = name, value
    return _decided(winner[domain], mass[domain] / sum(mass.values()), best, hits, categories,
                    found, found_pairs, weights)


def _decided(index: int, confidence: float, best: float, hits: dict, categories: tuple,
             found: tuple, found_pairs: list | None, weights: Weights) -> tuple:
    """decide_topic's answer for category index: its keywords and department."""
    records = weights.records
    category = categories[index]
    keywords = hits.get(index, [])
    if records is not None:
        keywords = keywords + records_top_words(found_pairs, TOPIC_KEYWORDS,
                                                weights.category_groups[index])
    elif weights.category_groups:
        keywords = keywords + top_words(found, weights.topic_keywords,
                                        weights.category_groups[index])
    department = category.department
    if weights.route_gamma:
        department, words = route(category.name, department, found, weights) \
            if records is None else \
            records_route(category.name, department, found, found_pairs, records, weights)
        keywords = keywords + words
    keywords = list(dict.fromkeys(keywords))
    return (category.name, category.domain, department,
            round2(0.99 if 0.99 < confidence else confidence), keywords, best)   # min(…, 0.99)
