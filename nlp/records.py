"""One record per learned word, built once when learned.tsv is read (nlp.weights.parse): the
topic decision, the route, the kind decision and both keyword lists look a found word up once,
in one dict, instead of in five tables (nlp.weights: topic, topic_rows, route_words, kind and
the two keyword tables), and sum its route and kind weights in lists indexed by small integers.

Every score is the same float sum in the same order as nlp.weights computes it: the classify
outputs were compared field by field with that code (BENCHMARKS.md, fifth speed pass). The
tables of nlp.weights stay the reference (nlp.learn and the tests read them) and the fallback
where a word names one topic group twice (Weights.records is then None). The records are built
from the same learned.tsv lines at load, so a refitted file needs nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass

from nlp import packed
from nlp.weights import KEYWORD_WEIGHT, ROUTE_MIN_WORDS, _kind_terms, route_share
from nlp.weights import route as _route_tables

# A record, one tuple per learned word with a weight (fields by position, for speed):
WORD = 0       # the word
TOPIC = 1      # its (group id, weight) pairs, in file order (nlp.weights.Weights.topic)
DENSE = 2      # its topic weight for every group id, 0.0 where it has none
POSITION = 3   # the position of every group id among its pairs, _LAST where it has none
ROUTE = 4      # its (department index, weight) pairs (Weights.route_words)
KIND = 5       # its (kind class index, weight) pairs (Weights.kind)
TOPIC_KEYWORDS = 6   # its row of Weights.topic_keywords, or None
KIND_KEYWORDS = 7    # its row of Weights.kind_keywords, or None
ROUTE_PACKED = 8     # its route pairs as one int (nlp.packed), 0 where it has none
_LAST = 1 << 30
KIND_INDEX = {"report": 0, "consultation": 1, "suggestion": 2, "praise": 3}


@dataclass(frozen=True)
class Records:
    words: dict         # word → record
    category_a: tuple   # category index → its department group id
    category_b: tuple   # category index → its domain group id
    bias: tuple         # category index → topic bias (0.0 where none was learned)
    route_names: tuple  # department index → department name
    route_base: dict    # category name → (best department without words, score by index)
    # nlp.packed: category name → its base scores as one int (none where a word or a category
    # cannot be packed: then every message takes the float route), and the reader of a total
    route_packed: dict = None
    route_best: object = None


def build(weights) -> Records | None:
    """The records of a parsed model, or None when a word names one topic group twice (then
    only nlp.weights' own loops reproduce its sums)."""
    if weights.topic_rows is None:
        return None
    names: dict[str, int] = {}
    for department in weights.route_bias:
        names.setdefault(department, len(names))
    for _, base, _ in weights.route_base.values():
        for department in base:
            names.setdefault(department, len(names))
    for pairs in weights.route_words.values():
        for department, _ in pairs:
            names.setdefault(department, len(names))
    groups = len(weights.groups)
    words = {}
    packable = len(names) > 1
    for word in {*weights.topic, *weights.route_words, *weights.kind}:
        topic = weights.topic.get(word, ())
        dense, position = [0.0] * groups, [_LAST] * groups
        for n, (group, weight) in enumerate(topic):
            dense[group], position[group] = weight, n
        route_pairs = tuple((names[d], w) for d, w in weights.route_words.get(word, ()))
        vector = packed.word_vector(route_pairs, len(names)) if route_pairs else 0
        packable = packable and vector is not None
        words[word] = (word, topic, tuple(dense), tuple(position), route_pairs,
                       tuple((KIND_INDEX[c], w) for c, w in weights.kind.get(word, ())),
                       weights.topic_keywords.get(word), weights.kind_keywords.get(word),
                       vector or 0)
    route_base = {}
    for category, (best, base, _) in weights.route_base.items():
        by_index = [float("-inf")] * len(names)   # a department with no score of the route
        for department, value in base.items():
            by_index[names[department]] = value
        route_base[category] = (best, tuple(by_index))
    route_packed = {}
    if packable:
        for category, (_, by_index) in route_base.items():
            vector = packed.base_vector(by_index)
            if vector is not None:
                route_packed[category] = vector
    count = len(weights.category_groups)
    return Records(words, tuple(a for a, _ in weights.category_groups),
                   tuple(b for _, b in weights.category_groups),
                   tuple(weights.topic_bias.get(i, 0.0) for i in range(count)),
                   tuple(names), route_base, route_packed,
                   packed.reader(len(names)) if route_packed else None)


def found_records(found: tuple, records: Records) -> list:
    """The records of the found words that carry a weight, in the found words' (sorted) order."""
    return list(filter(None, map(records.words.get, found)))


def hand_evidence(hand: dict, recs: list, share: float, gamma: float, records: Records) -> dict:
    """nlp.weights.hand_topic_scores from the records: gamma × hand score, then the additions of
    the category's department and domain groups, the group the words touch first first. A
    group no word names adds share × 0.0 = 0.0, which changes no sum, so every word's dense
    weights are added; the order of the two additions matters only when both are non-zero."""
    if not recs:
        return {i: gamma * value for i, value in hand.items()}
    category_a, category_b = records.category_a, records.category_b
    evidence = {}
    for i, value in hand.items():
        value = gamma * value
        a, b = category_a[i], category_b[i]
        total_a = total_b = 0.0   # 0.0 + each word's weight in turn, as learned_adds sums
        for rec in recs:
            dense = rec[DENSE]
            total_a += dense[a]
            total_b += dense[b]
        if total_a and total_b:
            for rec in recs:   # the first word naming either group says which it names first
                position = rec[POSITION]
                first_a, first_b = position[a], position[b]
                if first_a != first_b:   # equal only where the word names neither (_LAST)
                    break
            if first_a < first_b:
                evidence[i] = (value + share * total_a) + share * total_b
            else:
                evidence[i] = (value + share * total_b) + share * total_a
        else:
            evidence[i] = (value + share * total_a) + share * total_b
    return evidence


def learned_adds(recs: list, share: float) -> dict:
    """nlp.weights.learned_adds from the records (group id → share × summed weight, in the order
    the words first touch the groups)."""
    totals = {}
    get = totals.get
    for rec in recs:
        for group, weight in rec[TOPIC]:
            totals[group] = get(group, 0.0) + weight
    return {group: share * total for group, total in totals.items()}


def route(category: str, default: str, found: tuple, recs: list, records: Records,
          weights) -> tuple:
    """nlp.weights.route from the records: (department, words that sent it there). The words'
    weights are summed per department index in a list (0.0 + each weight in turn, as route
    sums them); every department's score is then base + share × its sum, which for a
    department no word names is its base: the single highest score wins, and a tie at the top
    is settled by nlp.weights.route itself."""
    known = records.route_base.get(category)
    if known is None:
        return default, []
    best, base = known
    if not found:
        return best, []
    packed_base = records.route_packed.get(category) if len(found) <= ROUTE_MIN_WORDS else None
    if packed_base is not None:
        # the words' pairs summed in one int (nlp.packed): the best department where it stands
        # clear of the next, the float sums below otherwise
        total = packed_base
        for rec in recs:
            total += rec[ROUTE_PACKED]
        if total == packed_base:   # no word has a route weight
            return best, []
        at = records.route_best(total)
        if at is not None:
            return _named(at, default, recs, records)
    totals = [0.0] * len(base)
    named = False
    for rec in recs:
        pairs = rec[ROUTE]
        if pairs:
            named = True
            for department, weight in pairs:
                totals[department] += weight
    if not named:
        return best, []
    share = route_share(found)
    # every department's score, the highest and where it first stands, and how many have it,
    # in one loop (cheaper than map, max, count and index over the list of scores)
    top, at, ties, department = None, 0, 0, 0
    for value, total in zip(base, totals):
        value = value + share * total
        if top is None or value > top:
            top, at, ties = value, department, 1
        elif value == top:
            ties += 1
        department += 1
    if ties != 1:
        return _route_tables(category, default, found, weights)
    return _named(at, default, recs, records)


def _named(at: int, default: str, recs: list, records: Records) -> tuple:
    """route's answer for department index at: (department, the words that sent it there)."""
    best = records.route_names[at]
    if best == default:
        return best, []
    # the words that sent it there, from the records' own pairs (the same words and weights as
    # Weights.route_words: every found word with a route weight has a record among recs)
    named = sorted([(-w, rec[WORD]) for rec in recs for d, w in rec[ROUTE]
                    if d == at and w > KEYWORD_WEIGHT])
    return best, [word for _, word in named[:3]]


def top_words(recs: list, slot: int, target, limit: int = 5) -> list:
    """nlp.weights.top_words from the records: slot TOPIC_KEYWORDS or KIND_KEYWORDS."""
    pushed = []
    for rec in recs:
        row = rec[slot]
        if row is not None:
            weight = row.get(target)
            if weight is not None:
                pushed.append((-weight, rec[WORD]))
    if not pushed:
        return pushed
    pushed.sort()
    words = []   # a loop: cheaper than a comprehension's call for a few words
    for _, word in pushed[:limit]:
        words.append(word)
    return words


def kind_values(hand: dict, recs: list, share: float, weights, margin: dict) -> list:
    """nlp.weights.kind_scores(…).values() from the records, as a list in its kind order."""
    learned = [0.0, 0.0, 0.0, 0.0]
    for rec in recs:
        for cls, weight in rec[KIND]:
            learned[cls] += share * weight
    return [gamma * hand[kind] + bias + learned[KIND_INDEX[cls]]
            for kind, cls, gamma, bias in _kind_terms(weights, margin)]
