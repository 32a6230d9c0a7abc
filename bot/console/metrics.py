"""The figures of the dashboard and the assessment table, from one fetch of a period's tickets.

Formulas (also stated on the page):
  办结率      = (已办结 + 已关闭) ÷ (受理 − 居民撤回)
  按期办结率  = 办结时间 ≤ 办结时限 的工单 ÷ 已办结过的工单
  满意率      = 评分 ≥ 4 的工单 ÷ 已评价工单;  平均评分 = 评分之和 ÷ 已评价工单
  返工率      = 重新办理过的工单 ÷ 已办结过的工单
  接单用时 / 办结用时 = 接单时间 / 办结时间 − 受理时间，取中位数与 95 分位（最近秩法）
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func

from store.models import Ticket, TicketEvent
from store.registry import OPEN_STATES
from store.vocab import CHINA

ROW_LIMIT = 200_000  # one dashboard: a district's 30 days are a few thousand to tens of thousands
COLUMNS = (Ticket.id, Ticket.kind, Ticket.category, Ticket.grid_id, Ticket.assignee_id,
           Ticket.status, Ticket.created_at, Ticket.accepted_at, Ticket.resolved_at,
           Ticket.resolve_by, Ticket.rating, Ticket.reopen_count, Ticket.keywords,
           Ticket.urgency)


@dataclass
class Row:
    id: int
    kind: str
    category: str
    grid_id: int | None
    assignee_id: int | None
    status: str
    created_at: datetime
    accepted_at: datetime | None
    resolved_at: datetime | None
    resolve_by: datetime
    rating: int | None
    reopen_count: int
    keywords: dict
    urgency: str


def fetch(session, query, since: datetime, until: datetime, *, keywords: bool = True):
    """The period's tickets (created in [since, until)) of a scoped query, as plain rows."""
    columns = COLUMNS if keywords else tuple(c for c in COLUMNS if c is not Ticket.keywords)
    query = (query.with_only_columns(*columns).select_from(Ticket)
             .where(Ticket.created_at >= since, Ticket.created_at < until)
             .order_by(None).limit(ROW_LIMIT))
    rows = []
    for values in session.execute(query):
        data = dict(zip((c.key for c in columns), values))
        data.setdefault("keywords", {})
        rows.append(Row(**data))
    return rows


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def figures(rows: list[Row]) -> dict:
    valid = [r for r in rows if r.status != "cancelled"]
    done = [r for r in valid if r.status in ("resolved", "closed")]
    ever_resolved = [r for r in valid if r.resolved_at is not None or r.reopen_count]
    resolved = [r for r in valid if r.resolved_at is not None]
    rated = [r.rating for r in valid if r.rating is not None]
    accept = [(r.accepted_at - r.created_at).total_seconds() / 60 for r in valid
              if r.accepted_at is not None]
    resolve = [(r.resolved_at - r.created_at).total_seconds() / 3600 for r in resolved]
    return {
        "total": len(rows), "valid": len(valid), "done": len(done),
        "open": sum(1 for r in valid if r.status in OPEN_STATES),
        "closure": _ratio(len(done), len(valid)),
        "on_time": _ratio(sum(1 for r in resolved if r.resolved_at <= r.resolve_by),
                          len(resolved)),
        "satisfaction": _ratio(sum(1 for s in rated if s >= 4), len(rated)),
        "rated": len(rated), "rating": sum(rated) / len(rated) if rated else None,
        "rework": _ratio(sum(1 for r in ever_resolved if r.reopen_count), len(ever_resolved)),
        "accept_median": percentile(accept, 0.5), "accept_p95": percentile(accept, 0.95),
        "resolve_median": percentile(resolve, 0.5), "resolve_p95": percentile(resolve, 0.95),
    }


def by(rows: list[Row], key) -> dict:
    groups = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return groups


def trend(rows: list[Row], since: datetime, until: datetime) -> dict:
    created, resolved = Counter(), Counter()
    for r in rows:
        created[r.created_at.astimezone(CHINA).date()] += 1
        if r.resolved_at is not None:
            resolved[r.resolved_at.astimezone(CHINA).date()] += 1
    days, day = [], since.astimezone(CHINA).date()
    last = until.astimezone(CHINA).date()
    while day < last and len(days) < 400:
        days.append(day)
        day = day.fromordinal(day.toordinal() + 1)
    return {"days": [d.strftime("%m-%d") for d in days],
            "created": [created[d] for d in days], "resolved": [resolved[d] for d in days]}


def top_keywords(rows: list[Row], n: int = 20) -> list[tuple[str, int]]:
    words = Counter()
    for r in rows:
        seen = set()
        for values in (r.keywords or {}).values():
            for word in values or ():
                if isinstance(word, str) and word not in seen:
                    seen.add(word)
                    words[word] += 1
    return words.most_common(n)


def hot_spots(rows: list[Row], grid_names: dict[int, str], n_cat: int = 10, n_grid: int = 12):
    pairs = Counter((r.category, r.grid_id) for r in rows if r.grid_id is not None)
    cats = [c for c, _ in Counter(r.category for r in rows).most_common(n_cat)]
    grids = [g for g, _ in Counter(r.grid_id for r in rows if r.grid_id).most_common(n_grid)]
    cells = [[gi, ci, pairs[(c, g)]] for ci, c in enumerate(cats) for gi, g in enumerate(grids)]
    return {"categories": cats, "grids": [grid_names.get(g, str(g)) for g in grids],
            "cells": cells, "max": max((v for *_, v in cells), default=0)}


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




