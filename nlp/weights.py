"""Keyword weights learned from data (learned.tsv, written by `python -m nlp learn`), and how
classify adds them to the hand lexicons' evidence.

The file holds vocabulary statistics only: words that occur in several rows of at least two
sources, each with a weight per category (topic) and per kind. A message's learned words are
found by one automaton (nlp.lexicon.WordFinder; no segmentation at run time); a decision's score is

    score(class) = gamma(class) × hand-lexicon score(class) + bias(class) + Σ weight(word, class)

so the hand lexicons keep their say and the learned words add what they missed. The learned
words that pushed the winning class go into `keywords` beside the hand-lexicon words.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

LEARNED_FILE = "learned.tsv"
REPORT = "report"                       # complaint or help: one class on every board
KIND_CLASSES = ("report", "consultation", "suggestion", "praise")
MIN_EVIDENCE = 1.5   # "今天天气不错" has a little (天气), a named problem has more
KEYWORD_WEIGHT = 0.3  # a learned word is named among a decision's keywords from this weight on   # a topic needs at least this much word evidence, or the message is 其他


def vocabulary_index(words) -> tuple:
    """(words, first-two-characters set, word lengths longest first) for max_match."""
    words = frozenset(words)
    return words, frozenset(w[:2] for w in words), tuple(sorted({len(w) for w in words},
                                                                reverse=True))


def max_match(text: str, index: tuple) -> frozenset:
    """The vocabulary words in a text, leftmost-longest first (forward maximum matching: a word
    found is skipped over), each counted once. One dictionary probe per character in the common
    case, so a long vocabulary costs no more than a short one."""
    words, prefixes, lengths = index
    found = set()
    i, end = 0, len(text) - 1
    while i < end:
        if text[i:i + 2] in prefixes:
            for size in lengths:
                if text[i:i + size] in words:
                    found.add(text[i:i + size])
                    i += size
                    break
            else:
                i += 1
        else:
            i += 1
    return frozenset(found)


def vocabulary_finder(words):
    """The nlp.lexicon.WordFinder Weights.found scans with (max_match only finds words of two or
    more characters)."""
    from nlp.lexicon import WordFinder
    words = [w for w in words if len(w) >= 2]
    return WordFinder(words) if words else None


@dataclass(frozen=True)
class Weights:
    """One learned model: per-word weights for topics (category indexes) and kinds."""
    vocabulary: tuple | None   # vocabulary_index() of the learned words
    topic: dict = field(default_factory=dict)    # word → tuple of (group id, weight)
    groups: tuple = ()            # group id → category indexes (a department's, a domain's)
    category_groups: tuple = ()   # category index → its group ids
    kind: dict = field(default_factory=dict)     # word → tuple of (kind class, weight)
    topic_gamma: float = 1.0
    topic_bias: dict = field(default_factory=dict)   # category index → bias
    kind_gamma: dict = field(default_factory=dict)   # kind class → gamma
    kind_bias: dict = field(default_factory=dict)    # kind class → bias
    # Precomputed for `keywords` (see keyword_table): word → {target: summed weight} for the
    # targets where the word weighs more than KEYWORD_WEIGHT; topic targets are a category's
    # (department, domain) group ids, kind targets a kind class.
    topic_keywords: dict = field(default_factory=dict)
    kind_keywords: dict = field(default_factory=dict)
    # word → {group id: (weight, position among the word's groups)}, or None when a word
    # names a group twice (then only learned_adds reproduces the sums); see hand_topic_scores
    topic_rows: dict | None = None
    # the vocabulary's words as one automaton: taking the longest word at each position from
    # the left and going on after it is max_match, in compiled code
    word_finder: object = None   # nlp.lexicon.WordFinder
    # department routing (see route): the scale of a category's own department, a bias per
    # department, per category the departments the hotline sends it to, per word its pushes
    route_gamma: float = 0.0
    route_bias: dict = field(default_factory=dict)       # department → bias
    route_from: dict = field(default_factory=dict)       # category name → ((department, w), …)
    route_words: dict = field(default_factory=dict)      # word → ((department, weight), …)
    route_base: dict = field(default_factory=dict)       # category name → route_base()
    # one record per learned word serving all of the above (nlp.records), built by parse
    records: object = None

    def found(self, text: str) -> tuple:
        """The learned words in a text, each once, in sorted order: the scores are float sums
        over them, and a set's order changes with PYTHONHASHSEED (so would the last digit of a
        sum, and with it learned.tsv and a rare tie)."""
        if self.word_finder is not None:
            return tuple(sorted({*self.word_finder.findall(text)}))   # (no call of set)
        return tuple(sorted(max_match(text, self.vocabulary))) if self.vocabulary else ()


EMPTY = Weights(None)


def word_share(words: tuple) -> float:
    """What one learned word counts: 1/sqrt(number of learned words in the message), so that a
    long letter's many words weigh no more than a short message's few (as in the fit)."""
    return 1.0 / math.sqrt(len(words)) if words else 1.0


# The route counts a message as holding at least this many learned words: a short message's
# few words are less evidence of where the hotline would send it, not stronger evidence each
# (fitted the same way: nlp.learn passes the same floor to the route's fit).
ROUTE_MIN_WORDS = 9


def route_share(words: tuple) -> float:
    """What one learned word counts in the route: word_share with at least ROUTE_MIN_WORDS."""
    n = len(words)
    return 1.0 / math.sqrt(n if n > ROUTE_MIN_WORDS else ROUTE_MIN_WORDS)


def learned_adds(words: tuple, weights: Weights) -> dict:
    """What the learned words add to each department or domain group they weigh on: group id →
    word_share × the sum of the words' weights, in the order the words first touch the groups
    (the order topic_scores adds them in)."""
    if not words:
        return {}
    table, totals = weights.topic, {}
    get = totals.get
    for word in words:
        pairs = table.get(word)
        if pairs:
            for group, weight in pairs:
                totals[group] = get(group, 0.0) + weight
    if not totals:
        return totals
    share = 1.0 / math.sqrt(len(words))   # word_share(words)
    return {group: share * total for group, total in totals.items()}


def topic_scores(hand: dict, adds: dict, weights: Weights) -> dict:
    """Evidence per category index that a hand or learned word points to: gamma × hand score +
    the learned additions (learned_adds) of the category's department and domain; the bias is
    added by the caller."""
    gamma = weights.topic_gamma
    evidence = {i: gamma * value for i, value in hand.items()}
    if adds:
        members = weights.groups
        get = evidence.get
        for group, add in adds.items():
            for index in members[group]:
                evidence[index] = get(index, 0.0) + add
    return evidence


def topic_rows(table: dict) -> dict | None:
    """word → {group id: (weight, position in the word's pairs)} (None if a word repeats a
    group, whose two weights learned_adds would add one at a time)."""
    rows = {}
    for word, pairs in table.items():
        row = {group: (weight, n) for n, (group, weight) in enumerate(pairs)}
        if len(row) != len(pairs):
            return None
        rows[word] = row
    return rows


def hand_topic_scores(hand: dict, words: tuple, weights: Weights) -> dict:
    """topic_scores(hand, learned_adds(words)) for the categories of `hand` only, with the same
    arithmetic in the same order: gamma × hand score, then the additions of the category's two
    groups, the group the words touch first (in the order learned_adds meets them) first. The
    decision among hand-found categories needs no other category's score."""
    gamma = weights.topic_gamma
    rows = weights.topic_rows
    found = [row for row in map(rows.get, words) if row] if words else ()
    if not found:
        return {i: gamma * value for i, value in hand.items()}
    share = 1.0 / math.sqrt(len(words))   # word_share(words)
    category_groups = weights.category_groups
    evidence = {}
    for i, value in hand.items():
        value = gamma * value
        a, b = category_groups[i]
        total_a = total_b = None
        a_first = True
        for row in found:
            hit_a, hit_b = row.get(a), row.get(b)
            if hit_a is not None:
                if total_a is None:
                    if total_b is None:
                        a_first = hit_b is None or hit_a[1] < hit_b[1]
                    total_a = 0.0 + hit_a[0]
                else:
                    total_a += hit_a[0]
            if hit_b is not None:
                if total_b is None:
                    if total_a is None:
                        a_first = False
                    total_b = 0.0 + hit_b[0]
                else:
                    total_b += hit_b[0]
        add_a = None if total_a is None else share * total_a
        add_b = None if total_b is None else share * total_b
        if add_a is not None and (a_first or add_b is None):
            value = value + add_a
            add_a = None
        if add_b is not None:
            value = value + add_b
        if add_a is not None:
            value = value + add_a
        evidence[i] = value
    return evidence


def route(category: str, default: str, words: tuple, weights: Weights) -> tuple:
    """(department, words that sent it there): the department a message about `category` goes
    to. score(d) = route_gamma × [d is the category's own department] + bias(d) + the learned
    weight of (category, d) + route_share × Σ weight(word, d); fitted on hotline orders, whose
    routing differs from categories.tsv's (night noise to the police, cooking fumes to 城管).
    A department the route was not fitted on (no bias) keeps its categories."""
    known = weights.route_base.get(category)
    if known is None:
        return default, []
    best, base, ranked = known
    if not words:
        return best, []
    table = weights.route_words
    totals = {}
    for word in words:
        pairs = table.get(word)
        if pairs:
            for department, weight in pairs:
                totals[department] = totals.get(department, 0.0) + weight
    if not totals:
        return best, []
    share = route_share(words)
    # only the departments a word touches move; of the others, the best without words competes
    top = float("-inf")
    for department in ranked:
        if department not in totals:
            best, top = department, base[department]
            break
    for department, total in totals.items():
        value = base[department] + share * total
        if value > top:
            best, top = department, value
    if best == default:
        return best, []
    named = sorted((-w, word) for word in words for d, w in table.get(word, ())
                   if d == best and w > KEYWORD_WEIGHT)
    return best, [word for _, word in named[:3]]


def route_base(category: str, default: str, weights: Weights) -> tuple | None:
    """(best department without words, {department: score without words}, the departments
    best first) for route; None when the default department was not fitted."""
    if default not in weights.route_bias:
        return None
    scores = dict(weights.route_bias)
    scores[default] += weights.route_gamma
    for department, weight in weights.route_from.get(category, ()):
        scores[department] = scores.get(department, 0.0) + weight
    ranked = tuple(sorted(scores, key=lambda d: -scores[d]))
    return ranked[0], scores, ranked


_KIND_CLASS = (("complaint", REPORT), ("help", REPORT), ("consultation", "consultation"),
               ("suggestion", "suggestion"), ("praise", "praise"))


def kind_scores(hand: dict, words: tuple, weights: Weights, margin: dict) -> dict:
    """Learned-plus-hand score per kind (complaint and help share the report class); margin is
    the hand-tuned handicap of a kind, used where no bias was learned."""
    learned = dict.fromkeys(KIND_CLASSES, 0.0)
    if words:
        share, table = word_share(words), weights.kind
        for word in words:
            pairs = table.get(word)
            if pairs:
                for cls, weight in pairs:
                    learned[cls] += share * weight
    return {kind: gamma * hand[kind] + bias + learned[cls]
            for kind, cls, gamma, bias in _kind_terms(weights, margin)}


_KIND_TERMS = (None, None, ())   # the last (weights, margin, terms), replaced as one tuple


def _kind_terms(weights: Weights, margin: dict) -> tuple:
    """(kind, class, gamma, bias) per kind for kind_scores, looked up once per model."""
    global _KIND_TERMS
    known = _KIND_TERMS
    if known[0] is not weights or known[1] is not margin:
        gamma, bias = weights.kind_gamma, weights.kind_bias
        known = _KIND_TERMS = (weights, margin, tuple(
            (kind, cls, gamma.get(cls, 1.0), bias.get(cls, -margin.get(kind, 0.0)))
            for kind, cls in _KIND_CLASS))
    return known[2]


def keyword_table(table: dict, targets) -> dict:
    """word → {target: weight} for top_words: a target is a tuple of classes (or group ids) and
    its weight the sum of the word's weights for them, summed as top_words always did (in the
    word's own order); only weights above KEYWORD_WEIGHT are kept."""
    out = {}
    for word, pairs in table.items():
        row = {}
        for target in targets:
            weight = sum(w for cls, w in pairs if cls in target)
            if weight > KEYWORD_WEIGHT:
                row[target] = weight
        if row:
            out[word] = row
    return out


def top_words(words: tuple, table: dict, target, limit: int = 5) -> list:
    """The learned words that pushed the target the most (for `keywords`): table is a
    keyword_table, target a kind class's tuple or a category's department and domain groups."""
    pushed = []
    # only the words with a row (most have none), found in one step; their order does not
    # matter: (-weight, word) sorts them whatever it is (words are distinct, as found gives them)
    for word in table.keys() & words:
        weight = table[word].get(target)
        if weight is not None:
            pushed.append((-weight, word))
    if not pushed:
        return pushed
    pushed.sort()
    return [word for _, word in pushed[:limit]]


_HUNDREDTHS = tuple(k / 100 for k in range(101))   # k / 100 is correctly rounded, as round's


def round2(x: float) -> float:
    """round(x, 2) for a confidence (a float in [0, 1]), without round's decimal conversion
    (≈ 0.45 µs a call): x × 100 is within one unit in the last place of the exact product, so
    where it stands clear of a half the nearest hundredth is the one round gives; near a half
    (or outside (0, 1], or nan) round itself decides."""
    if 0.0 < x <= 1.0:   # (0.0 and -0.0 to round: it keeps the sign)
        y = x * 100.0
        k = int(y)   # floor, y ≥ 0
        half = y - k
        if not 0.499999 < half < 0.500001:
            return _HUNDREDTHS[k + 1] if half > 0.5 else _HUNDREDTHS[k]
    return round(x, 2)


def softmax_share(scores: dict, members) -> float:
    """Probability mass of the members among all scores (a softmax)."""
    top = max(scores.values())
    exp = math.exp
    return sum([exp(scores[m] - top) for m in members]) / sum([exp(v - top)
                                                               for v in scores.values()])


def parse(lines, categories, where: str = LEARNED_FILE) -> Weights:
    """Read learned.tsv lines: `word<TAB>model<TAB>class<TAB>weight`. Model department or
    domain: the word's weight for every category of that department or domain (summed, as
    classify uses them); kind: for a kind class; `@gamma` and `@bias` (model topic or kind)
    carry the scale of the hand score and the class bias; model `word` lists a vocabulary word
    that carries no weight of its own."""
    from nlp.lexicon import LexiconError
    index = {c.name: i for i, c in enumerate(categories)}
    topic, kind, topic_bias, kind_gamma, kind_bias = {}, {}, {}, {}, {}
    topic_gamma = 1.0
    plain = set()
    route_gamma, route_bias, route_from, route_words = 0.0, {}, {}, {}
    group_ids: dict[tuple, int] = {}
    members: list[list] = []
    for i, category in enumerate(categories):
        for key in (("department", category.department), ("domain", category.domain)):
            if key not in group_ids:
                group_ids[key] = len(members)
                members.append([])
            members[group_ids[key]].append(i)
    category_groups = tuple((group_ids["department", c.department], group_ids["domain", c.domain])
                            for c in categories)
    for number, cells in lines:
        word, model, cls, value = cells
        try:
            weight = float(value)
        except ValueError:
            raise LexiconError(f"{where}:{number}: {value!r} is not a number") from None
        if model == "word":
            plain.add(word)
        elif model == "topic" and cls == "*" and word == "@gamma":
            topic_gamma = weight
        elif model == "topic" and word == "@bias":
            if cls not in index:
                raise LexiconError(f"{where}:{number}: unknown category {cls!r} (run "
                                   f"`python -m nlp learn` after renaming a category)")
            topic_bias[index[cls]] = weight
        elif model in ("department", "domain"):
            if (model, cls) not in group_ids:
                raise LexiconError(f"{where}:{number}: no category has {model} {cls!r} (run "
                                   f"`python -m nlp learn` after editing categories.tsv)")
            topic.setdefault(word, []).append((group_ids[model, cls], weight))
        elif model == "route":
            if word == "@gamma":
                route_gamma = weight
            elif word == "@bias":
                route_bias[cls] = weight
            elif word.startswith("@from:"):
                route_from.setdefault(word[6:], []).append((cls, weight))
            else:
                route_words.setdefault(word, []).append((cls, weight))
        elif model == "kind" and cls in KIND_CLASSES:
            if word == "@gamma":
                kind_gamma[cls] = weight
            elif word == "@bias":
                kind_bias[cls] = weight
            else:
                kind.setdefault(word, []).append((cls, weight))
        else:
            raise LexiconError(f"{where}:{number}: model must be word, topic, department, domain, "
                               f"route or kind, class one of "
                               f"{KIND_CLASSES} for kind: {cells!r}")
    vocabulary = plain | set(topic) | set(kind) | set(route_words)
    topic = {w: tuple(v) for w, v in topic.items()}
    kind = {w: tuple(v) for w, v in kind.items()}
    weights = Weights(vocabulary_index(vocabulary) if vocabulary else None,
                   topic, tuple(tuple(m) for m in members),
                   category_groups, kind, topic_gamma,
                   topic_bias, kind_gamma, kind_bias,
                   keyword_table(topic, set(category_groups)),
                   keyword_table(kind, [(cls,) for cls in KIND_CLASSES]),
                   topic_rows(topic), vocabulary_finder(vocabulary), route_gamma, route_bias,
                   {c: tuple(v) for c, v in route_from.items()},
                   {w: tuple(v) for w, v in route_words.items()})
    for category in categories:   # the route's scores without words, once per category
        known = route_base(category.name, category.department, weights)
        if known is not None:
            weights.route_base[category.name] = known
    from nlp.records import build
    return replace(weights, records=build(weights))
