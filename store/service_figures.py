"""办服务's figures for a month (China time): hours and visits per unit and per person, those
below the bar (后盾单位 staff: fewer than 2 visits or 4 hours a month, both settable), orders
by kind, time to claim and satisfaction.

A visit is a claim checked in during the month; its hours are the minutes logged between
check-in and check-out (store.service_visits). Orders count by the month they were placed,
satisfaction by the month the service was done.
"""
from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import Staff, Ticket
from store.service_models import ServiceClaim, ServiceOrder, ServiceTeam, TeamMember
from store.vocab import CHINA, SERVICE_KINDS

BACKING = "backing"


@dataclass
class Person:
    staff_id: int
    name: str
    team: ServiceTeam
    visits: int = 0
    minutes: int = 0
    below: bool = False

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


@dataclass
class Unit:
    team: ServiceTeam
    members: int = 0
    visits: int = 0
    minutes: int = 0
    below: int = 0  # members under the bar (backing units only)

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


@dataclass
class Month:
    start: datetime
    end: datetime
    units: list[Unit] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    kinds: dict[str, Counter] = field(default_factory=dict)  # kind name → status → orders
    claim_minutes: dict[str, float | None] = field(default_factory=dict)
    rated: int = 0
    rating: float | None = None
    satisfied: float | None = None  # share rated 4 or 5

    @property
    def below(self) -> list[Person]:
        return [p for p in self.people if p.below]


def month_bounds(month: str | None, today: date) -> tuple[datetime, datetime, str]:
    """"2026-11" → its first instant and the next month's, China time; a bad or missing
    month is this one."""
    try:
        year, number = (int(part) for part in (month or "").split("-"))
        first = date(year, number, 1)
    except ValueError:
        first = today.replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return (datetime(first.year, first.month, 1, tzinfo=CHINA),
            datetime(following.year, following.month, 1, tzinfo=CHINA),
            f"{first.year}-{first.month:02d}")


def figures(session: Session, teams: list[ServiceTeam], tickets, start: datetime,
            end: datetime, *, bar_visits: int, bar_hours: int) -> Month:
    """The month of these teams (the people in them and their visits), and of the orders
    whose tickets the `tickets` query (a scope) holds."""
    month = Month(start, end)
    by_id = {t.id: t for t in teams}
    people: dict[tuple[int, int], Person] = {}
    for team_id, staff_id, name in session.execute(
            select(TeamMember.team_id, Staff.id, Staff.name).join(Staff)
            .where(TeamMember.team_id.in_(by_id), TeamMember.active.is_(True),
                   Staff.active.is_(True)).order_by(TeamMember.team_id, TeamMember.id)):
        people[(team_id, staff_id)] = Person(staff_id, name, by_id[team_id])
    for team_id, staff_id, name, visits, minutes in session.execute(
            select(ServiceClaim.team_id, Staff.id, Staff.name, func.count(),
                   func.coalesce(func.sum(ServiceClaim.minutes), 0)).join(Staff)
            .where(ServiceClaim.team_id.in_(by_id), ServiceClaim.withdrawn_at.is_(None),
                   ServiceClaim.check_in_at >= start, ServiceClaim.check_in_at < end)
            .group_by(ServiceClaim.team_id, Staff.id, Staff.name)):
        person = people.setdefault((team_id, staff_id), Person(staff_id, name, by_id[team_id]))
        person.visits, person.minutes = visits, int(minutes)
    units = {t.id: Unit(t) for t in teams}
    for (team_id, _), person in people.items():
        person.below = (person.team.kind == BACKING and
                        (person.visits < bar_visits or person.minutes < bar_hours * 60))
        unit = units[team_id]
        unit.members += 1
        unit.visits += person.visits
        unit.minutes += person.minutes
        unit.below += person.below
    month.units = sorted(units.values(), key=lambda u: (-u.minutes, u.team.code))
    month.people = sorted(people.values(), key=lambda p: (p.team.code, -p.minutes, p.name))
    _orders(session, tickets, month)
    return month


def _orders(session: Session, tickets, month: Month) -> None:
    ids = tickets.with_only_columns(Ticket.id).scalar_subquery()
    placed = list(session.scalars(select(ServiceOrder).where(
        ServiceOrder.ticket_id.in_(ids), ServiceOrder.created_at >= month.start,
        ServiceOrder.created_at < month.end)))
    for order in placed:
        month.kinds.setdefault(SERVICE_KINDS[order.kind], Counter())[order.status] += 1
    first = dict(session.execute(
        select(ServiceClaim.order_id, func.min(ServiceClaim.claimed_at))
        .where(ServiceClaim.order_id.in_([o.id for o in placed]))
        .group_by(ServiceClaim.order_id)).all()) if placed else {}
    to_first = [(first[o.id] - o.placed_at).total_seconds() / 60 for o in placed
                if o.placed_at is not None and o.id in first]
    to_full = [(o.full_at - o.placed_at).total_seconds() / 60 for o in placed
               if o.placed_at is not None and o.full_at is not None]
    month.claim_minutes = {"first": _median(to_first), "full": _median(to_full),
                           "claimed": len(to_first), "placed": sum(
                               o.placed_at is not None for o in placed)}
    ratings = list(session.scalars(
        select(Ticket.rating).join(ServiceOrder, ServiceOrder.ticket_id == Ticket.id)
        .where(Ticket.id.in_(ids), ServiceOrder.done_at >= month.start,
               ServiceOrder.done_at < month.end, Ticket.rating.is_not(None))))
    month.rated = len(ratings)
    if ratings:
        month.rating = round(statistics.fmean(ratings), 2)
        month.satisfied = sum(r >= 4 for r in ratings) / len(ratings)


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None
