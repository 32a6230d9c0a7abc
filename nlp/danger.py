"""The learned danger net: a second net under the emergency taxonomy (issue #11).

The taxonomy (nlp/emergency.py) is a hand keyword list; each fresh slice of emergencies written
before it saw them scored 0.62–0.85. This net is a logistic regression over the character
n-grams (1–2) of the normalized text, fitted offline (`python -m nlp learn-danger`, nlp/danger_fit.py)
on the project's corpus (nlp/corpus/: emergencies as positives; look-alikes, calm everyday
reports, short calm lines that name a person and a place, and the real letters of the dev files
as negatives) and stored in nlp/data/danger.tsv:
one weight per n-gram, so unseen words that share characters with known dangers (倒, 血, 救, 不动,
喘, 掉进, 砍) still count. A type head (a weight per n-gram and taxonomy category) names the
category, hence the number to call and the department.

It is asked only when the taxonomy found no danger and no hedged one (nlp/urgency.py), and it
does not fire over a word the taxonomy lists as harmless. Cost: an upper bound over the first
READ_CHARS characters (their 1-grams and only the 2-grams of positive weight, every occurrence
found by one automaton scan, both built from the weights: it rules out nearly every calm
message), and only then one look-up per n-gram in the whole table, summed in C (map/sum).
Messages longer than MAX_CHARS are letters written after the fact: not read.
"""
from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass
from itertools import repeat
from operator import add
from pathlib import Path

from ahocorasick_rs import AhoCorasick, MatchKind

from nlp.lexicon import DATA, LexiconError

DANGER_FILE = "danger.tsv"
READ_CHARS = 80    # the net reads the opening of a message (every corpus emergency is ≤ 35)
MAX_CHARS = 120    # a longer message is a letter (as nlp.emergency.LETTER_CHARS): not read
KEYWORDS = 3       # the n-grams shown as the reason
MIN_CHARS = 5      # a shorter message ("我妈", "有个老人") names a person and no danger: not read


@dataclass(frozen=True)
class Net:
    weights: dict          # n-gram → danger weight
    bias: float
    threshold: float       # a message fires when its score (a logit) is at least this
    categories: tuple      # taxonomy ids of the type head, in column order
    category_bias: tuple
    category_weights: dict  # n-gram → tuple of (column, weight)
    unigrams: dict = None  # the 1-grams of weights (a small dict)
    positive: dict = None  # the 2-grams of weights whose weight is positive: the 1-grams' sum +
                           # these 2-grams' sum bounds the n-grams' sum from above (the others
                           # can only lower it)
    bound_finder: object = None   # every occurrence of a 1-gram or a positive 2-gram in a text,
                                  # as the stored gram strings (overlapping automaton search)
    bound_weights: dict = None    # those grams' weights: unigrams and positive in one dict


def grams(text: str) -> list:
    """The 1- and 2-grams of text (text already normalized and cut), in one list. (Trigrams
    cost as much again at every message and were left out: see nlp/README.md.)"""
    return [*text, *map(add, text, text[1:])]


_LATIN = re.compile(r"[A-Za-z]")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def readable(text: str) -> bool:
    """Whether the net reads a normalized text: not a letter, and at least MIN_CHARS letters or
    digits (a bare person or an unfinished line is no danger the keywords would not see), mostly
    Chinese: the net learned Chinese n-grams, and read "my name is Li" or "Street light broken"
    as a cry for help (English and pinyin cries are keywords of the taxonomy)."""
    n = len(text)
    if not (MIN_CHARS <= n <= MAX_CHARS and (n >= 2 * MIN_CHARS or
                                             sum(map(str.isalnum, text)) >= MIN_CHARS)):
        return False
    return _LATIN.search(text) is None or \
        2 * len(_HAN.findall(text)) >= sum(map(str.isalnum, text))


def score(text: str, net: Net) -> float:
    """The danger logit of a normalized text: bias + the sum of its n-grams' weights / sqrt(n)."""
    text = text[:READ_CHARS]
    if not text:
        return -math.inf
    get = net.weights.get
    total = sum(map(get, text, repeat(0.0))) + sum(map(get, map(add, text, text[1:]), repeat(0.0)))
    return net.bias + total / math.sqrt(2 * len(text) - 1)


def reaches(text: str, net: Net) -> bool:
    """Whether the score of a normalized text reaches the threshold. An upper bound first, ruling
    out nearly every calm message (all 14 readable calm bench messages, 99.9 % of the dev texts'
    readable ones) before the exact sum: the 1-grams' weights plus the positive 2-grams' only.
    One overlapping automaton scan finds every occurrence of both, in compiled code, and gives
    each as its stored gram (a str whose hash is kept), looked up once in net.bound_weights:
    no str is made per character and no dict is probed per character from Python (the two
    per-character bounds this replaces cost twice as many instructions). The bound is trusted
    only below the threshold by more than BOUND_SLACK, so that a sum taken in another order
    cannot flip the answer; the exact score decides the rest."""
    text = text[:READ_CHARS]
    if not text:
        return False
    finder = net.bound_finder
    if finder is not None:
        bound = sum(map(net.bound_weights.__getitem__, finder(text, overlapping=True)))
        if net.bias + bound / math.sqrt(2 * len(text) - 1) < net.threshold - BOUND_SLACK:
            return False
    return score(text, net) >= net.threshold


BOUND_SLACK = 1e-9   # far above a float sum's rounding, far below any real score's distance


def category_of(text: str, net: Net) -> str:
    """The taxonomy category the type head gives a normalized text."""
    found = [0.0] * len(net.categories)
    weights = net.category_weights
    every = grams(text[:READ_CHARS])
    for gram in every:
        for column, weight in weights.get(gram, ()):
            found[column] += weight
    scale = 1 / math.sqrt(max(len(every), 1))
    found = [b + f * scale for b, f in zip(net.category_bias, found)]
    return net.categories[max(range(len(found)), key=found.__getitem__)]


def keywords(text: str, net: Net) -> list[str]:
    """The n-grams that pushed most towards danger, as the reason agents see: words (two or three
    characters) first, a single character only when no word pushed; none inside another one
    chosen (they are substrings of the text); none with a space or a punctuation mark in it (the
    net weighs them, but "了 " is no reason an agent can read)."""
    text = text[:READ_CHARS]
    ranked = sorted({g for g in grams(text) if net.weights.get(g, 0.0) > 0 and g.isalnum()},
                    key=lambda g: (len(g) < 2, -net.weights[g], -len(g), g))
    chosen: list[str] = []
    for gram in ranked:
        if not any(gram in c or c in gram for c in chosen):
            chosen.append(gram)
        if len(chosen) == KEYWORDS:
            break
    return chosen


def judge(text: str, tax, net: Net | None = None):
    """The taxonomy category (nlp.emergency.EmergencyCategory) the net gives a normalized text
    the taxonomy tax found nothing in, or None when it does not fire. A word the taxonomy lists
    as harmless (category none: 火锅, 吓死, 暖气片爆, 救命钱) keeps it from firing."""
    net = net or load()
    if not readable(text) or net is EMPTY or not reaches(text, net):
        return None
    for word in tax.signal_finder.findall(text):
        if all(category == -1 for category, _ in tax.signals[word]):
            return None
    wanted = category_of(text, net)
    return next((c for c in tax.categories if c.id == wanted), None)


def parse(lines, name: str = DANGER_FILE) -> Net:
    """Read the net from the lines of danger.tsv (see its header)."""
    meta, weights, by_category = {}, {}, {}
    categories: list[str] = []
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        cells = line.split("\t")
        try:
            if cells[0].startswith("@"):
                key = cells[0][1:]
                if key == "categories":
                    categories = cells[1].split(",")
                elif key == "category_bias":
                    meta[key] = tuple(float(v) for v in cells[1].split(","))
                else:
                    meta[key] = float(cells[1])
                continue
            gram, weight = cells[0], float(cells[1])
            if weight:
                weights[gram] = weight
            if len(cells) > 2 and cells[2]:
                by_category[gram] = tuple((int(c), float(w)) for c, w in
                                          (pair.split(":") for pair in cells[2].split(" ")))
        except (IndexError, ValueError) as error:
            raise LexiconError(f"{name}:{number}: bad line ({error}): {line[:60]!r}") from None
    if "bias" not in meta or "threshold" not in meta or not categories:
        raise LexiconError(f"{name}: needs @bias, @threshold and @categories lines")
    unigrams = {g: w for g, w in weights.items() if len(g) == 1}
    positive = {g: w for g, w in weights.items() if len(g) == 2 and w > 0}
    bound_weights = {**unigrams, **positive}
    finder = AhoCorasick(sorted(bound_weights), matchkind=MatchKind.Standard,
                         store_patterns=True).find_matches_as_strings if bound_weights else None
    return Net(weights, meta["bias"], meta["threshold"], tuple(categories),
               meta.get("category_bias", (0.0,) * len(categories)), by_category, unigrams,
               positive, finder, bound_weights)


EMPTY = Net({}, 0.0, math.inf, ("unconscious",), (0.0,), {}, {})
_lock = threading.Lock()
_net: list = []


def load(path: Path | None = None) -> Net:
    """The shipped net (nlp/data/danger.tsv), read once; EMPTY when the file is absent."""
    if path is not None:
        with open(path, encoding="utf-8") as handle:
            return parse(handle, Path(path).name)
    if _net:
        return _net[0]
    with _lock:
        if not _net:
            file = DATA / DANGER_FILE
            _net.append(load(file) if file.exists() else EMPTY)
        return _net[0]


def reload() -> None:
    _net.clear()
