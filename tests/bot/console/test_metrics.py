"""The dashboard's figures, aggregated by the database: hand-computed values on a small set,
and a seeded random set against the formulas computed row by row in Python. Each runs on the
tests' database (PostgreSQL where it answers) and on SQLite, so both give the same figures."""
from __future__ import annotations

import math
import random
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select

from bot.console import charts
from store import metrics
from store import Database
from store import demo as demo_data
from store.models import Area, Staff, Ticket
from store.vocab import CHINA
from tests.support import demo_password_hash

SINCE = datetime(2026, 3, 1, tzinfo=CHINA)
UNTIL = datetime(2026, 4, 1, tzinfo=CHINA)
OPEN = ("new", "assigned", "accepted", "reopened")


@pytest.fixture(params=["tests", "sqlite"])
def db(request, tmp_path):
    """The tests' database (emptied, with the demo district), or a fresh SQLite file."""
    if request.param == "tests":
        database = request.getfixturevalue("svc").db
    else:
        database = Database(f"sqlite:///{tmp_path / 'metrics.db'}")
        database.upgrade()
    with database.transaction() as session:
        demo_data.load(session, password_hash=demo_password_hash(),
                       now=datetime.now(timezone.utc))
    yield database
    if request.param == "sqlite":
        database.dispose()


def grids_and_workers(db) -> list[tuple[int, int]]:
    with db.sessions() as session:
        return session.execute(select(Area.id, Staff.id).join(
            Staff, (Staff.area_id == Area.id) & (Staff.role == "grid_worker"))
            .where(Area.level == "grid").order_by(Area.code)).all()


def add(db, rows: list[dict]) -> None:
    defaults = {"tier": "grid", "kind": "complaint", "domain": "城乡建设", "category": "环境卫生",
                "urgency": "normal", "keywords": {}, "description": "x", "channel": "wechat",
                "reopen_count": 0, "escalation_level": 0, "urge_count": 0}
    values = []
    for n, row in enumerate(rows):
        created = row["created_at"]
        values.append({**defaults, "number": f"T{n:08d}", "area_id": row["grid_id"],
                       "accept_by": created + timedelta(minutes=15),
                       "first_reply_by": created + timedelta(minutes=30),
                       "resolve_by": created + timedelta(hours=24), **row})
    with db.transaction() as session:
        session.execute(insert(Ticket), values)


def compute(db):
    with db.sessions() as session:
        metrics.prepare(session)
        period = metrics.in_period(select(Ticket), SINCE, UNTIL)
        whole, per_grid, per_staff = metrics.figures(session, period)
        counts = charts.tallies(session, period)
        return {"whole": whole, "grid": per_grid, "staff": per_staff,
                "cells": sorted(counts["cells"], key=str),
                "trend": charts.trend(counts, SINCE, UNTIL),
                "keywords": charts.top_keywords(counts, n=50)}


def test_figures_match_hand_computed_values(db):
    (g1, w1), (g2, w2) = grids_and_workers(db)[:2]
    t0 = SINCE + timedelta(days=2, hours=10)
    m, h = timedelta(minutes=1), timedelta(hours=1)
    odd = timedelta(seconds=0.123456)  # microseconds must survive the database
    one, two = {"grid_id": g1, "assignee_id": w1}, {"grid_id": g2, "assignee_id": w2}
    add(db, [
        {**one, "status": "closed", "created_at": t0, "accepted_at": t0 + 10 * m + odd,
         "resolved_at": t0 + 2 * h, "rating": 5},
        {**one, "status": "closed", "created_at": t0, "accepted_at": t0 + 20 * m,
         "resolved_at": t0 + 30 * h, "rating": 3, "reopen_count": 1},  # late, reworked
        {**one, "status": "resolved", "created_at": t0, "accepted_at": t0 + 5 * m,
         "resolved_at": t0 + 4 * h},
        {**two, "status": "assigned", "created_at": t0},
        {**two, "status": "accepted", "created_at": t0, "accepted_at": t0 + 40 * m},
        {**two, "status": "cancelled", "created_at": t0, "accepted_at": t0 + m,
         "rating": 1},  # withdrawn: in 受理 only
        {**one, "status": "reopened", "created_at": t0, "accepted_at": t0 + 15 * m,
         "reopen_count": 1},
        {**one, "status": "closed", "created_at": SINCE - h, "accepted_at": SINCE,
         "resolved_at": SINCE + h, "rating": 1},  # before the period
    ])
    result = compute(db)
    whole, first, second = result["whole"], result["grid"][g1], result["grid"][g2]
    assert (whole["total"], whole["valid"], whole["done"], whole["open"]) == (7, 6, 3, 3)
    assert whole["closure"] == 0.5 and whole["on_time"] == 2 / 3
    assert whole["satisfaction"] == 0.5 and whole["rated"] == 2 and whole["rating"] == 4.0
    assert whole["rework"] == 0.5  # tickets 2 and 7 of the four ever resolved
    # accept minutes 5, 10.002, 15, 20, 40: nearest rank ⌈0.5·5⌉ = 3, ⌈0.95·5⌉ = 5
    assert whole["accept_median"] == 15 and whole["accept_p95"] == 40
    assert whole["resolve_median"] == 4 and whole["resolve_p95"] == 30  # hours 2, 4, 30
    assert (first["total"], first["open"], first["closure"], first["rework"]) == (4, 1, 0.75, 0.5)
    assert first["accept_median"] == (10 * m + odd).total_seconds() / 60  # rank 2 of 4
    assert first["accept_p95"] == 20
    assert (second["total"], second["valid"], second["closure"]) == (3, 2, 0.0)
    assert second["on_time"] is None and second["rating"] is None and second["rework"] is None
    assert second["accept_median"] == second["accept_p95"] == 40
    assert second["resolve_median"] is None
    assert result["staff"][w1]["total"] == 4 and result["staff"][w2]["total"] == 3
    assert result["trend"]["created"][2] == 7 and sum(result["trend"]["created"]) == 7
    assert result["trend"]["resolved"][2] == 2 and result["trend"]["resolved"][3] == 1


def test_an_empty_period_has_counts_and_no_rates(db):
    result = compute(db)
    assert result["whole"]["total"] == 0 and result["whole"]["closure"] is None
    assert result["whole"]["accept_median"] is None and result["grid"] == {}
    assert result["trend"]["created"] == [0] * 31 and result["keywords"] == []


# --- the formulas row by row, as the page states them -------------------------------------

def nearest_rank(values, share):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else None


def reference(rows, found: int | None = None) -> dict:
    """The figures of `rows`; `found` (主动发现数) is given for a person (credited to the
    finder, not the holder), else counted among the rows."""
    valid = [r for r in rows if r["status"] != "cancelled"]
    resolved = [r for r in valid if r.get("resolved_at")]
    ever = [r for r in valid if r.get("resolved_at") or r.get("reopen_count")]
    rated = [r["rating"] for r in valid if r.get("rating") is not None]
    accept = [r["accepted_at"] - r["created_at"] for r in valid if r.get("accepted_at")]
    resolve = [r["resolved_at"] - r["created_at"] for r in resolved]

    def ratio(a, b):
        return a / b if b else None

    def scaled(values, share, unit):
        value = nearest_rank(values, share)
        return None if value is None else value.total_seconds() / unit
    done = sum(1 for r in valid if r["status"] in ("resolved", "closed"))
    return {
        "total": len(rows), "valid": len(valid), "done": done,
        "open": sum(1 for r in valid if r["status"] in OPEN), "closure": ratio(done, len(valid)),
        "on_time": ratio(sum(1 for r in resolved if r["resolved_at"] <= r["resolve_by"]),
                         len(resolved)),
        "satisfaction": ratio(sum(1 for s in rated if s >= 4), len(rated)),
        "rated": len(rated), "rating": sum(rated) / len(rated) if rated else None,
        "rework": ratio(sum(1 for r in ever if r.get("reopen_count")), len(ever)),
        "accept_median": scaled(accept, 0.5, 60), "accept_p95": scaled(accept, 0.95, 60),
        "resolve_median": scaled(resolve, 0.5, 3600), "resolve_p95": scaled(resolve, 0.95, 3600),
        "found": found if found is not None else sum(1 for r in valid
                                                     if r.get("channel") == "patrol"),
    }


def random_tickets(pairs, count: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    words = ["楼道灯", "垃圾", "噪音", "漏水", "停车", "电梯"]
    rows = []
    for n in range(count):
        grid, worker = rng.choice(pairs + [(None, None)])
        created = SINCE + timedelta(seconds=rng.randrange(-3 * 86400, 34 * 86400),
                                    microseconds=rng.randrange(10**6))
        status = rng.choice(["new", "assigned", "accepted", "reopened", "resolved", "closed",
                             "closed", "closed", "cancelled"])
        accepted = resolved = rating = None
        if status not in ("new", "assigned") and rng.random() < 0.95:
            accepted = created + timedelta(seconds=rng.randrange(1, 7200),
                                           microseconds=rng.randrange(10**6))
        if status in ("resolved", "closed"):
            resolved = created + timedelta(seconds=rng.randrange(60, 40 * 3600),
                                           microseconds=rng.randrange(10**6))
            rating = rng.choice([None, 1, 2, 3, 4, 5, 5])
        patrol = {"channel": "patrol", "found_by_id": rng.choice(pairs)[1]} \
            if grid is not None and rng.random() < 0.2 else {}
        keywords = {"category": rng.sample(words, rng.randrange(3)),
                    "kind": rng.sample(words, rng.randrange(2)), "urgency": []}
        rows.append({"grid_id": grid, "assignee_id": worker, "status": status,
                     "created_at": created, "accepted_at": accepted, "resolved_at": resolved,
                     "rating": rating, "reopen_count": rng.choice([0, 0, 0, 1, 2]),
                     "kind": rng.choice(["complaint", "help", "consultation"]),
                     "category": rng.choice(["环境卫生", "噪音扰民", "物业管理"]),
                     "keywords": keywords, "resolve_by": created + timedelta(hours=24),
                     **patrol})
    return rows


def test_figures_match_the_formulas_row_by_row(db):
    pairs = grids_and_workers(db)
    rows = random_tickets(pairs, 400)
    for row in rows:  # area_id is not null: the ladder's pool for the unlocated
        row["area_id"] = row["grid_id"] or pairs[0][0]
    add(db, rows)
    result = compute(db)
    period = [r for r in rows if SINCE <= r["created_at"] < UNTIL]
    assert result["whole"] == reference(period)
    finders = Counter(r["found_by_id"] for r in period
                      if r.get("found_by_id") and r["status"] != "cancelled")
    for key, name in (("grid_id", "grid"), ("assignee_id", "staff")):
        groups = {}
        for r in period:
            groups.setdefault(r[key], []).append(r)
        if name == "staff":
            groups.update({k: [] for k in finders if k not in groups})
            assert result[name] == {k: reference(v, finders.get(k, 0))
                                    for k, v in groups.items()}
        else:
            assert result[name] == {k: reference(v) for k, v in groups.items()}
    assert result["whole"]["found"] == sum(finders.values()) > 0
    cells = Counter((r["kind"], r["category"], r["grid_id"]) for r in period)
    assert result["cells"] == sorted(((*k, v) for k, v in cells.items()), key=str)
    created = Counter(r["created_at"].astimezone(CHINA).date() for r in period)
    days = [(SINCE + timedelta(days=d)).date() for d in range(31)]
    assert result["trend"]["created"] == [created[d] for d in days]
    done = Counter(r["resolved_at"].astimezone(CHINA).date() for r in period if r["resolved_at"])
    assert result["trend"]["resolved"] == [done[d] for d in days]
    words = Counter(w for r in period for w in {w for v in r["keywords"].values() for w in v})
    assert result["keywords"] == sorted(words.items(), key=lambda x: (-x[1], x[0]))


def test_the_top_lists_break_ties_by_name():
    cells = [("help", "噪音扰民", 2, 3), ("complaint", "环境卫生", 1, 3),
             ("complaint", "物业管理", 1, 5), ("help", "物业管理", 2, 5)]
    assert charts.categories(cells) == [("物业管理", 10), ("噪音扰民", 3), ("环境卫生", 3)]
    assert charts.kinds(cells) == [("complaint", 8), ("help", 8)]
    hot = charts.hot_spots(cells, {1: "甲网格", 2: "乙网格"})
    assert hot["grids"] == ["乙网格", "甲网格"] and hot["categories"][0] == "物业管理"
    assert hot["cells"][:2] == [[0, 0, 5], [1, 0, 5]] and hot["max"] == 5


def test_each_step_is_credited_to_whoever_did_it(db):
    """张伟 accepted in 10 minutes, then the ticket climbed and 周建国 resolved it in 5 hours:
    the accept time is 张伟's, the resolve time 周建国's, though 周建国 holds it now."""
    (g1, w1), _ = grids_and_workers(db)[:2]
    with db.sessions() as session:
        leader = session.scalar(select(Staff.id).where(Staff.username == "leader01"))
    t0 = SINCE + timedelta(days=2)
    add(db, [{"grid_id": g1, "assignee_id": leader, "accepted_by_id": w1,
              "resolved_by_id": leader, "status": "resolved", "created_at": t0,
              "accepted_at": t0 + timedelta(minutes=10), "resolved_at": t0 + timedelta(hours=5)}])
    staff = compute(db)["staff"]
    assert (staff[w1]["accept_median"], staff[w1]["resolve_median"]) == (10, None)
    assert (staff[leader]["accept_median"], staff[leader]["resolve_median"]) == (None, 5)
    assert (staff[w1]["total"], staff[leader]["total"]) == (0, 1)  # held by the leader
