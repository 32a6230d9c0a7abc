"""The route's department scores summed in one Python int, so that classify's hottest loop runs
in C (twelfth speed pass).

nlp.records.route sums each found word's (department, weight) pairs into 15 department totals
in a Python loop (about a fifth of the interpreter's work per bench message), then scores
every department. Only the best department leaves the route (and whether it is tied), never a
score, so the sums need not be taken in the float order to give that answer, as long as the
best stands clear of the next. Here every department's weight is a fixed-point integer in its
own 32-bit field of one int: a word's pairs are one int, a category's base scores another, and a
message's totals are a few int additions (C, a few limbs each) read back by one struct unpack.

Why the answer is the float route's: a field holds S × (3 × base + Σ weights) up to rounding,
S = SCALE, each of the at most 1 + ROUTE_MIN_WORDS terms rounded by at most 0.5, so at most 5
units off; the float score base + Σ weights / 3 (route_share is exactly 1/3 for at most
ROUTE_MIN_WORDS words) is within 1e-12 of the real one, i.e. 0.001 units here. When the best
field leads the next by more than MARGIN (64 units) the float scores have the same single best;
otherwise the caller takes the float route. Every field starts at OFFSET and the terms stay far
below it in size, so no field borrows from or carries into its neighbour.
"""
from __future__ import annotations

import math
import struct

from nlp.weights import ROUTE_MIN_WORDS

SCALE = float(1 << 16)    # a weight w is the integer round(w × SCALE)
FIELD = 32                # bits per department (half the digits of 64: cheaper to add and read)
OFFSET = 1 << 27          # where every term starts in its field (10 terms: below 2^31)
LIMIT = 1 << 21           # a term's scaled value stays below this (|w| < 32), or no packing
NO_SCORE = -(1 << 26)     # a department the route has no score for (-inf): 10 terms of at
                          # most LIMIT each never lift it near a department with a score
MARGIN = 64               # units the best field must lead by (rounding: at most 5 + 0.001)
BASE_FACTOR = math.sqrt(ROUTE_MIN_WORDS)   # 1 / route_share of a message of ≤ 9 words: 3.0


def pack(values) -> int | None:
    """Scaled integers by department index → one int (None when one is out of range)."""
    total = 0
    for department, value in enumerate(values):
        if not -LIMIT < value < LIMIT and value != NO_SCORE:
            return None
        total |= (OFFSET + value) << (FIELD * department)
    return total


def word_vector(pairs: tuple, departments: int) -> int | None:
    """A word's (department index, weight) pairs as one int; None where it cannot be packed
    (a department named twice: its two roundings would widen the margin)."""
    values = [0] * departments
    seen = set()
    for department, weight in pairs:
        if department in seen or not math.isfinite(weight):
            return None
        seen.add(department)
        values[department] = round(weight * SCALE)
    return pack(values)


def base_vector(base: tuple) -> int | None:
    """A category's scores without words (by department index, -inf where none) as one int,
    times BASE_FACTOR; None where no department has a score."""
    if not any(math.isfinite(value) for value in base):
        return None
    return pack([round(value * BASE_FACTOR * SCALE) if math.isfinite(value) else NO_SCORE
                 for value in base])


def reader(departments: int):
    """best(total) → the index of the single best field of a packed total, or None when the
    next one is within MARGIN (then only the float sums can tell)."""
    unpack = struct.Struct(f"<{departments}I").unpack
    size = departments * FIELD // 8
    ones = sum(1 << (FIELD * department) for department in range(departments))
    high = ones << (FIELD - 1)   # the top bit of every field
    half = 1 << (FIELD - 1)

    def best(total: int) -> int | None:
        fields = unpack(total.to_bytes(size, "little"))
        top = max(fields)
        # Every field is below 2^31, so adding 2^31 - top + MARGIN to each (one multiply, no
        # carry between fields) sets a field's top bit exactly where it is within MARGIN of
        # top: one such field, top's own, or the best is not clear (cheaper than a sort)
        if ((total + (half - top + MARGIN) * ones) & high).bit_count() != 1:
            return None
        return fields.index(top)
    return best
