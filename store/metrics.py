"""The figures of the console's dashboard and assessment table and of a staff member's 统计 in
WeChat, aggregated by the database (the console's charts are in bot/console/charts.py).

Formulas (also stated on the page):
  办结率      = (已办结 + 已关闭) ÷ (受理 − 居民撤回)
  按期办结率  = 办结时间 ≤ 办结时限 的工单 ÷ 已办结过的工单
  满意率      = 评分 ≥ 4 的工单 ÷ 已评价工单;  平均评分 = 评分之和 ÷ 已评价工单
  返工率      = 重新办理过的工单 ÷ 已办结过的工单
  接单用时 / 办结用时 = 接单时间 / 办结时间 − 受理时间，取中位数与 95 分位（最近秩法）;
                 per handler, credited to whoever accepted / resolved it (not whoever holds
                 the ticket now; the holder where that is not recorded)
  主动发现数  = 工作人员巡查上报（来源“巡查”）的工单数; per grid where it was found, per
                 person credited to whoever found it (not whoever holds it now)

Every count is a SUM of per-ticket CASE flags grouped by the database, so a period of 100,000 tickets
costs a scan, not a fetch. The percentiles: PostgreSQL's percentile_disc is the nearest-rank
method (the first value whose rank reaches ⌈p·n⌉), taken over exact durations; SQLite has
no percentile aggregate, so there the two durations are fetched and ranked in Python the
same way. Either way the same data give the same figures.
"""
from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import (ARRAY, BigInteger, and_, case, cast, func, literal_column, or_, select,
                        text, tuple_, type_coerce)

from store import scope
from store.models import Staff, Ticket
from store.patrol import CHANNEL as PATROL
from store.registry import OPEN_STATES, TO_ACCEPT
from store.vocab import CHINA

SHARES = (0.5, 0.95)  # median and 95th percentile
VALID = Ticket.status != "cancelled"
ACCEPT = Ticket.accepted_at - Ticket.created_at
RESOLVE = Ticket.resolved_at - Ticket.created_at
ACCEPTED_BY = func.coalesce(Ticket.accepted_by_id, Ticket.assignee_id)
RESOLVED_BY = func.coalesce(Ticket.resolved_by_id, Ticket.assignee_id)


def in_period(query, since: datetime, until: datetime):
    """A scoped ticket query narrowed to the tickets created in [since, until)."""
    return (query.select_from(Ticket).where(Ticket.created_at >= since, Ticket.created_at < until)
            .order_by(None))


def overdue(now: datetime):
    """An open ticket past a running deadline (the inbox's 超时)."""
    return and_(Ticket.status.in_(OPEN_STATES),
                or_(Ticket.resolve_by < now,
                    and_(Ticket.status.in_(TO_ACCEPT), Ticket.accept_by < now)))


def this_month(session, staff: Staff, now: datetime) -> tuple[dict, int, int]:
    """A staff member's scope at a glance: (the figures of the tickets created this month,
    China time, as the dashboard computes them; open now; of those, overdue now)."""
    query = scope.visible_tickets(session, staff)
    start = now.astimezone(CHINA).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    whole, _, _ = figures(session, in_period(query, start, now + timedelta(seconds=1)))
    open_now, late = session.execute(
        query.where(Ticket.status.in_(OPEN_STATES)).order_by(None)
        .with_only_columns(func.count(), func.sum(case((overdue(now), 1), else_=0)))).one()
    return whole, open_now or 0, late or 0


def today(session, staff: Staff, now: datetime) -> dict:
    """A staff member's scope today (China time): open now, of those overdue and emergencies;
    reported since midnight, and resolved since midnight."""
    query = scope.visible_tickets(session, staff).order_by(None)
    midnight = now.astimezone(CHINA).replace(hour=0, minute=0, second=0, microsecond=0)
    is_open = Ticket.status.in_(OPEN_STATES)
    counts = session.execute(query.with_only_columns(
        func.sum(case((is_open, 1), else_=0)),
        func.sum(case((overdue(now), 1), else_=0)),
        func.sum(case((and_(is_open, Ticket.urgency == "emergency"), 1), else_=0)),
        func.sum(case((and_(VALID, Ticket.created_at >= midnight), 1), else_=0)),
        func.sum(case((and_(VALID, Ticket.resolved_at >= midnight), 1), else_=0)))
        .where(or_(is_open, Ticket.created_at >= midnight, Ticket.resolved_at >= midnight))
    ).one()
    return dict(zip(("open", "late", "emergency", "new", "resolved"), (n or 0 for n in counts)))


def prepare(session) -> None:
    """PostgreSQL: every figure of one page from one snapshot, and room to sort in memory.
    Call before the session's first query."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        session.execute(text("SET LOCAL work_mem = '64MB'"))


FLAGS = ("valid", "done", "open", "on_time", "resolved", "rated", "satisfied", "rating",
         "ever_resolved", "reworked", "found")


def _per_ticket(query, durations: bool):
    """One row per ticket of the period: grid, handler and a 0/1 flag per formula (the rating
    and, for PostgreSQL, the durations of valid tickets). Each condition is worked out once per
    ticket, and what gets grouped and sorted is a narrow row."""
    resolved = and_(VALID, Ticket.resolved_at.is_not(None))
    rated = and_(VALID, Ticket.rating.is_not(None))
    conditions = {
        "valid": VALID, "done": Ticket.status.in_(("resolved", "closed")),
        "open": Ticket.status.in_(OPEN_STATES),
        "on_time": and_(resolved, Ticket.resolved_at <= Ticket.resolve_by),
        "resolved": resolved, "rated": rated, "satisfied": and_(rated, Ticket.rating >= 4),
        "ever_resolved": and_(VALID, or_(Ticket.resolved_at.is_not(None),
                                         Ticket.reopen_count != 0)),
        "reworked": and_(VALID, Ticket.reopen_count != 0),
        "found": and_(VALID, Ticket.channel == PATROL)}
    columns = [case((conditions[name], 1), else_=0).label(name) if name in conditions
               else case((VALID, Ticket.rating)).label(name) for name in FLAGS]
    if durations:
        columns += [case((VALID, _micros(ACCEPT))).label("accept"),
                    case((VALID, _micros(RESOLVE))).label("resolve")]
    return query.with_only_columns(Ticket.grid_id, Ticket.assignee_id,
                                   ACCEPTED_BY.label("accepted_by"),
                                   RESOLVED_BY.label("resolved_by"), *columns).subquery()


def _micros(duration):
    # Ranked as whole microseconds: bigint sorts faster than interval, and date_part's float
    # seconds (well under 2^53 µs) round back to the exact microsecond.
    return cast(func.round(func.date_part("epoch", duration) * 1_000_000), BigInteger)


def _sums(rows) -> tuple:
    return (func.count(), *(func.sum(rows.c[name]) for name in FLAGS))


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _scaled(durations, unit: int) -> list:
    """Durations at SHARES (or None when there were none) in minutes or hours."""
    if not durations:
        return [None] * len(SHARES)
    return [d.total_seconds() / unit if d is not None else None for d in durations]


def _figures(counts, accept, resolve) -> dict:
    """counts: a row of _sums(); accept / resolve: the durations at SHARES, or None."""
    (total, valid, done, open_, on_time, resolved, rated, satisfied, rating_sum, ever_resolved,
     reworked, found) = (n or 0 for n in counts)  # SUM of no rows is NULL
    minutes, hours = _scaled(accept, 60), _scaled(resolve, 3600)
    return {
        "total": total, "valid": valid, "done": done, "open": open_,
        "closure": _ratio(done, valid), "on_time": _ratio(on_time, resolved),
        "satisfaction": _ratio(satisfied, rated), "rated": rated,
        "rating": rating_sum / rated if rated else None, "rework": _ratio(reworked, ever_resolved),
        "accept_median": minutes[0], "accept_p95": minutes[1],
        "resolve_median": hours[0], "resolve_p95": hours[1], "found": found,
    }


def percentiles(values: list) -> list | None:
    """Nearest-rank percentiles at SHARES (what percentile_disc computes); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return [ordered[max(0, math.ceil(share * len(ordered)) - 1)] for share in SHARES]


def figures(session, query) -> tuple[dict, dict, dict]:
    """(whole period, per grid id, per assignee id) of a period query: figure dicts."""
    if session.get_bind().dialect.name == "postgresql":
        whole, per_grid, per_staff = _figures_postgresql(session, query)
    else:
        whole, per_grid, per_staff = _figures_portable(session, query)
    return whole, per_grid, credit_finders(session, query, per_staff)


def credit_finders(session, query, per_staff: dict) -> dict:
    """主动发现数 per person: the patrol tickets each one found, whoever holds them now (a
    finder who holds nothing of the period still has a row)."""
    found = dict(session.execute(
        query.with_only_columns(Ticket.found_by_id, func.count())
        .where(VALID, Ticket.channel == PATROL, Ticket.found_by_id.is_not(None))
        .group_by(Ticket.found_by_id)).all())
    zero = _figures((0,) * (1 + len(FLAGS)), None, None)
    for staff_id in set(found) - set(per_staff):
        per_staff[staff_id] = dict(zero)
    for staff_id, values in per_staff.items():
        values["found"] = found.get(staff_id, 0)
    return per_staff


def _figures_postgresql(session, query):
    # One scan for all three groupings; percentile_disc over an array of shares sorts each
    # group's durations once (CASE left the cancelled tickets' durations NULL: not ranked).
    shares = literal_column("ARRAY[" + ", ".join(map(str, SHARES)) + "]")
    rows = _per_ticket(query, durations=True)

    def ranked(duration):
        return type_coerce(func.percentile_disc(shares).within_group(duration),
                           ARRAY(BigInteger))
    whole, per_grid, per_staff, credit = None, {}, {}, {"accept": {}, "resolve": {}}
    keys = (rows.c.grid_id, rows.c.assignee_id, rows.c.accepted_by, rows.c.resolved_by)
    for level, grid_id, staff_id, accepted_by, resolved_by, accept, resolve, *counts in \
            session.execute(
            select(func.grouping(*keys), *keys, ranked(rows.c.accept), ranked(rows.c.resolve),
                   *_sums(rows))
            .group_by(func.grouping_sets(tuple_(), *(tuple_(key) for key in keys)))):
        # grouping(): a bit per column left out, the first column highest
        if level == 15:  # no column grouped: the whole period
            whole = _figures(counts, _durations(accept), _durations(resolve))
        elif level == 7:
            per_grid[grid_id] = _figures(counts, _durations(accept), _durations(resolve))
        elif level == 11:
            per_staff[staff_id] = _figures(counts, None, None)
        elif level == 13:
            credit["accept"][accepted_by] = _durations(accept)
        else:
            credit["resolve"][resolved_by] = _durations(resolve)
    return (whole or _figures((0,) * (1 + len(FLAGS)), None, None), per_grid,
            credited(per_staff, credit))


def credited(per_staff: dict, credit: dict) -> dict:
    """Per handler: the counts of what they hold, the accept and resolve times of what they
    accepted and resolved (a handler who only did a step still has a row)."""
    zero = _figures((0,) * (1 + len(FLAGS)), None, None)
    for staff_id in (set(credit["accept"]) | set(credit["resolve"])) - {None} - set(per_staff):
        per_staff[staff_id] = dict(zero)
    for staff_id, values in per_staff.items():
        minutes = _scaled(credit["accept"].get(staff_id), 60)
        hours = _scaled(credit["resolve"].get(staff_id), 3600)
        values.update(accept_median=minutes[0], accept_p95=minutes[1],
                      resolve_median=hours[0], resolve_p95=hours[1])
    return per_staff


def _durations(micros: list | None) -> list | None:
    return None if micros is None else [
        None if m is None else timedelta(microseconds=m) for m in micros]


def _figures_portable(session, query):
    # Durations of the valid tickets that have any, ranked in Python per grouping.
    durations = defaultdict(lambda: ([], []))
    for grid_id, accepted_by, resolved_by, created, accepted, resolved in session.execute(
            query.with_only_columns(Ticket.grid_id, ACCEPTED_BY, RESOLVED_BY,
                                    Ticket.created_at, Ticket.accepted_at, Ticket.resolved_at)
            .where(VALID, or_(Ticket.accepted_at.is_not(None),
                              Ticket.resolved_at.is_not(None)))):
        for key in (("all", None), ("grid", grid_id), ("accept", accepted_by)):
            if accepted is not None:
                durations[key][0].append(accepted - created)
        for key in (("all", None), ("grid", grid_id), ("resolve", resolved_by)):
            if resolved is not None:
                durations[key][1].append(resolved - created)

    def build(key, counts):
        accept, resolve = durations.get(key, ([], []))
        return _figures(counts, percentiles(accept), percentiles(resolve))
    rows = _per_ticket(query, durations=False)
    [whole] = session.execute(select(*_sums(rows))).all()
    groups = {}
    for name, column in (("grid", rows.c.grid_id), ("staff", rows.c.assignee_id)):
        groups[name] = {key: build((name, key), counts) for key, *counts in session.execute(
            select(column, *_sums(rows)).group_by(column))}
    credit = {step: {key: percentiles(lists[index]) for (kind, key), lists in durations.items()
                     if kind == step} for index, step in enumerate(("accept", "resolve"))}
    return (build(("all", None), whole), groups["grid"],
            credited(groups["staff"], credit))
