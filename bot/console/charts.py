"""The dashboard's charts, from counts the database makes: the period's tickets by (kind,
category, grid), by keyword set, by day opened and by day resolved — on PostgreSQL in one
GROUPING SETS scan, elsewhere one GROUP BY each — and escalation events by tier. Top lists
break ties by name, so the order does not depend on the order rows came back in."""
from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import Text, cast, func, literal_column, tuple_

from store.models import Ticket, TicketEvent
from store.vocab import CHINA


def _china_day(session, column):
    """The calendar day in China of a stored (UTC) time; China keeps one offset all year."""
    hours = int(CHINA.utcoffset(None).total_seconds() // 3600)
    if session.get_bind().dialect.name == "sqlite":
        return func.date(column, literal_column(f"'{hours:+d} hours'"))
    return func.date(column + literal_column(f"interval '{hours} hours'"))


def tallies(session, query) -> dict[str, list[tuple]]:
    """name → [(*key, tickets)] for a period query: cells (kind, category, grid id),
    keywords (the stored keyword set), created and resolved (day)."""
    sets = {"cells": (Ticket.kind, Ticket.category, Ticket.grid_id),
            "keywords": (cast(Ticket.keywords, Text),),
            "created": (_china_day(session, Ticket.created_at),),
            "resolved": (_china_day(session, Ticket.resolved_at),)}
    found = {name: [] for name in sets}
    if session.get_bind().dialect.name == "postgresql":
        columns = [c for group in sets.values() for c in group]
        # grouping(...) sets the bit of each column left out of a row's set (last = bit 0).
        names, first = {}, 0
        for name, group in sets.items():
            inside = range(first, first + len(group))
            mask = sum(1 << (len(columns) - 1 - i) for i in range(len(columns))
                       if i not in inside)
            names[mask] = (name, first, len(group))
            first += len(group)
        rows = session.execute(query.with_only_columns(func.grouping(*columns), *columns,
                                                       func.count())
                               .group_by(func.grouping_sets(*(tuple_(*group)
                                                              for group in sets.values()))))
        for mask, *values, count in rows:
            name, first, width = names[mask]
            found[name].append((*values[first:first + width], count))
    else:
        for name, group in sets.items():
            found[name] = [tuple(row) for row in session.execute(
                query.with_only_columns(*group, func.count()).group_by(*group))]
    found["resolved"] = [row for row in found["resolved"] if row[0] is not None]
    return found


def _top(counter: Counter, n: int | None = None) -> list:
    """The n largest, ties by key."""
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:n]


def _sum(cells, key) -> Counter:
    totals = Counter()
    for cell in cells:
        totals[key(cell)] += cell[-1]
    return totals


def kinds(cells) -> list[tuple[str, int]]:
    return _top(_sum(cells, lambda c: c[0]))


def categories(cells, n: int = 15) -> list[tuple[str, int]]:
    return _top(_sum(cells, lambda c: c[1]), n)


def hot_spots(cells, grid_names: dict[int, str], n_cat: int = 10, n_grid: int = 12) -> dict:
    pairs = _sum([c for c in cells if c[2] is not None], lambda c: (c[1], c[2]))
    cats = [c for c, _ in categories(cells, n_cat)]
    by_grid = _sum([c for c in cells if c[2]], lambda c: c[2])
    grids = [g for g, _ in sorted(by_grid.items(),
                                  key=lambda x: (-x[1], grid_names.get(x[0], ""), x[0]))[:n_grid]]
    cells = [[gi, ci, pairs[(c, g)]] for ci, c in enumerate(cats) for gi, g in enumerate(grids)]
    return {"categories": cats, "grids": [grid_names.get(g, str(g)) for g in grids],
            "cells": cells, "max": max((v for *_, v in cells), default=0)}


def trend(counts: dict, since: datetime, until: datetime) -> dict:
    """Tickets opened, and of them resolved, per day of the period (China time)."""
    series = [{d if isinstance(d, date) else date.fromisoformat(d): n for d, n in counts[name]}
              for name in ("created", "resolved")]
    days, day = [], since.astimezone(CHINA).date()
    last = until.astimezone(CHINA).date()
    while day < last and len(days) < 400:
        days.append(day)
        day += timedelta(days=1)
    return {"days": [d.strftime("%m-%d") for d in days],
            "created": [series[0].get(d, 0) for d in days],
            "resolved": [series[1].get(d, 0) for d in days]}


def top_keywords(counts: dict, n: int = 20) -> list[tuple[str, int]]:
    """Classification keywords by the number of tickets naming them. Tickets share a few
    keyword sets, so the database counts each distinct set and Python reads each once."""
    words = Counter()
    for value, count in counts["keywords"]:
        try:
            found = json.loads(value) if value else {}
        except ValueError:
            continue
        if isinstance(found, dict):
            for word in {word for values in found.values() if isinstance(values, list)
                         for word in values if isinstance(word, str)}:
                words[word] += count
    return _top(words, n)


def escalations(session, query, since: datetime, until: datetime) -> dict[str, dict]:
    """tier → {"auto": n, "manual": n}: escalation events of the period on scoped tickets."""
    tier = TicketEvent.data["tier"].as_string()
    rows = session.execute(
        query.with_only_columns(tier, TicketEvent.actor, func.count()).select_from(Ticket)
        .join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
        .where(TicketEvent.action == "escalated", TicketEvent.at >= since,
               TicketEvent.at < until)
        .group_by(tier, TicketEvent.actor).order_by(None))
    result: dict[str, dict] = {}
    for name, actor, count in rows:
        entry = result.setdefault(name or "?", {"auto": 0, "manual": 0})
        entry["auto" if actor == "system" else "manual"] += count
    return result
