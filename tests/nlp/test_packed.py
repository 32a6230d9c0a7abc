"""The route's packed sums (nlp.packed) give the float route's department and words."""
import dataclasses
import random

from nlp.lexicon import lexicons
from nlp.records import ROUTE, route


def test_packed_route_gives_the_float_routes_answer():
    weights = lexicons().learned
    records = weights.records
    assert records is not None and records.route_packed
    floats = dataclasses.replace(records, route_packed={})   # every message the float route
    routed = sorted(word for word, rec in records.words.items() if rec[ROUTE])
    categories = [c for c in lexicons().categories if c.name in records.route_packed]
    rng = random.Random(12)
    for _ in range(3000):
        category = rng.choice(categories)
        found = tuple(sorted(rng.sample(routed, rng.randint(1, 9))))
        recs = [records.words[word] for word in found]
        assert route(category.name, category.department, found, recs, records, weights) == \
            route(category.name, category.department, found, recs, floats, weights)


def test_a_best_within_the_margin_is_left_to_the_float_route():
    records = lexicons().learned.records
    best = records.route_best
    fields = len(records.route_names)
    equal = sum((1 << 27) << (32 * d) for d in range(fields))   # every field the same
    assert best(equal) is None
    clear = equal + (1000 << (32 * 3))
    assert best(clear) == 3
    assert best(equal + (64 << (32 * 3))) is None and best(equal + (65 << (32 * 3))) == 3
