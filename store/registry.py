"""The area tree, staff and residents: who is where."""
from __future__ import annotations

import functools
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, event, func, select, update
from sqlalchemy.orm import Session

from store import arrival
from store.models import Area, BindFailure, Resident, Staff, Ticket

OPEN_STATES = arrival.OPEN_STATES
TO_ACCEPT = arrival.TO_ACCEPT
event.listen(Session, "after_flush", arrival.forget_offer)


def area_by_code(session: Session, code: str) -> Area | None:
    return session.scalar(select(Area).where(Area.code == code))


def root_area(session: Session) -> Area | None:
    """The district at the top of the tree (the unassigned pool when no grid is known)."""
    return session.scalar(select(Area).where(Area.parent_id.is_(None)).order_by(Area.id))


def resident_for(session: Session, openid: str, now: datetime, *,
                 wrote: bool = False) -> Resident:
    """The resident behind an openid, created on first contact. `wrote`: they just wrote
    (or clicked), which opens WeChat's 48-hour window; stamped in the same statement."""
    if wrote:
        return resident_wrote(session, openid, now)[0]
    resident = session.scalar(select(Resident).where(Resident.openid == openid))
    return resident if resident is not None else _first_contact(session, openid, now, None)


@dataclass(frozen=True)
class Standing:
    """What a resident who just wrote has going on, read with their row in one statement:
    the staff account their WeChat is bound to, their newest open ticket opened since
    `ticket_since`, whether messages of theirs since `held_since` wait for a person, and
    whether they have any open ticket at all.
    As the message found it: read before anything of this message changed."""

    staff_id: int | None
    open_ticket_id: int | None
    held_waiting: bool
    has_open: bool = True  # any open ticket at all, however old (True: unknown, look)


def resident_wrote(session: Session, openid: str, now: datetime, *,
                   ticket_since: datetime | None = None, held_since: datetime | None = None
                   ) -> tuple[Resident, Standing | None]:
    """Stamp the resident's message (WeChat's 48-hour window opens now) and read their row
    and their Standing with the same UPDATE … RETURNING. A first contact creates the row
    and has no Standing (the callers then look things up themselves)."""
    stamp, read = _standing_statements(session.bind.dialect.name)
    values = {"who": openid, "now": now, "ticket_since": ticket_since or now,
              "held_since": held_since or now}
    if stamp is None:  # PostgreSQL: for a resident bound to a grid, grid and worker too
        found = arrival.resident_wrote_in_grid(session, values)
        if found is not None:
            resident, staff_id, ticket_id, held_waiting, has_open = found
            return resident, Standing(staff_id, ticket_id, held_waiting, has_open)
    if stamp is not None:  # SQLite writes RETURNING's correlated subqueries unqualified
        session.execute(stamp, values, execution_options={"synchronize_session": False})
    row = session.execute(read, values, execution_options={"populate_existing": True}).first()
    if row is None:
        return _first_contact(session, openid, now, now), None
    resident, staff_id, ticket_id, held_waiting, has_open = row
    return resident, Standing(staff_id, ticket_id, bool(held_waiting), bool(has_open))


@functools.cache
def _standing_statements(dialect: str) -> tuple:
    """(stamp, read) for resident_wrote, built once (building a statement costs more than
    running it): on PostgreSQL one UPDATE … RETURNING (stamp None), else an UPDATE and a read."""
    from store.models import HeldMessage
    staff = (select(Staff.id).where(Staff.openid == Resident.openid, Staff.active.is_(True))
             .order_by(Staff.id).limit(1).scalar_subquery())
    ticket = (select(func.max(Ticket.id))
              .where(Ticket.resident_id == Resident.id, Ticket.status.in_(OPEN_STATES),
                     Ticket.created_at >= bindparam("ticket_since")).scalar_subquery())
    held = (select(HeldMessage.id)
            .where(HeldMessage.resident_id == Resident.id, HeldMessage.status == "waiting",
                   HeldMessage.received_at >= bindparam("held_since")).exists())
    opened = select(Ticket.id).where(Ticket.resident_id == Resident.id,
                                     Ticket.status.in_(OPEN_STATES)).exists()
    stamp = (update(Resident).where(Resident.openid == bindparam("who"))
             .values(last_inbound_at=bindparam("now")))
    columns = (Resident, staff, ticket, held, opened)
    if dialect == "postgresql":
        return None, stamp.returning(*columns)
    return stamp, select(*columns).where(Resident.openid == bindparam("who"))


def _first_contact(session: Session, openid: str, now: datetime,
                   last_inbound_at: datetime | None) -> Resident:
    resident = Resident(openid=openid, created_at=now, last_inbound_at=last_inbound_at)
    session.add(resident)
    session.flush()
    return resident


def find_grids(session: Session, words: str, within: list[int] | None = None,
               limit: int = 10) -> list[Area]:
    """Grids whose name or code contains the words (an agent placing a ticket searches so);
    `within`: only these area ids (the agent's scope)."""
    words = words.strip()
    if not words:
        return []
    query = select(Area).where(Area.level == "grid",
                               (Area.name.contains(words, autoescape=True))
                               | Area.code.startswith(words, autoescape=True))
    if within is not None:
        query = query.where(Area.id.in_(within))
    return list(session.scalars(query.order_by(Area.code).limit(limit)))


def staff_by_openid(session: Session, openid: str) -> Staff | None:
    return session.scalar(select(Staff).where(Staff.openid == openid, Staff.active.is_(True)))


def open_load(session: Session, staff_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(Ticket.assignee_id, func.count())
        .where(Ticket.assignee_id.in_(staff_ids), Ticket.status.in_(OPEN_STATES))
        .group_by(Ticket.assignee_id))
    return dict(rows.all())


def on_duty(session: Session, area: Area | None, roles: tuple[str, ...]) -> list[Staff]:
    if area is None:
        return []
    return list(session.scalars(
        select(Staff).where(Staff.area_id == area.id, Staff.role.in_(roles),
                            Staff.active.is_(True), Staff.on_duty.is_(True))
        .order_by(Staff.id)))


def leader_for(session: Session, grid: Area) -> Staff | None:
    """The grid's leader (网格长): of this grid, or of its whole community."""
    leaders = on_duty(session, grid, ("grid_leader",)) or on_duty(session, grid.parent,
                                                                    ("grid_leader",))
    return leaders[0] if leaders else None


def pick_worker(session: Session, grid: Area) -> Staff | None:
    """The grid's on-duty worker with WeChat bound and the fewest open tickets (one without
    WeChat only when nobody else is there: then the ladder is told, see store.owners)."""
    offered, worker = arrival.offered_worker(session, grid.id)
    if offered:  # read with the resident who wrote, nothing flushed since (store.arrival)
        return worker
    return session.scalar(_least_busy_worker(), {"grid": grid.id})


@functools.cache
def _least_busy_worker():
    return arrival.least_busy_worker(bindparam("grid"))


def published_people(session: Session, grid: Area, limit: int = 4) -> list[Staff]:
    """The people a grid shows its residents (its poster, 公示牌; the answer to "网格员是谁"):
    its active grid workers, then its leader, who may lead the whole community's grids."""
    people = list(session.scalars(
        select(Staff).where(Staff.area_id == grid.id, Staff.active.is_(True),
                            Staff.role.in_(("grid_leader", "grid_worker")))
        .order_by(Staff.role.desc(), Staff.id).limit(limit)))
    if grid.parent_id is not None and len(people) < limit and \
            all(person.role != "grid_leader" for person in people):
        people += session.scalars(
            select(Staff).where(Staff.area_id == grid.parent_id, Staff.active.is_(True),
                                Staff.role == "grid_leader").order_by(Staff.id).limit(1))
    return people


def pick_assignee(session: Session, grid: Area) -> Staff | None:
    """The on-duty grid worker with the fewest open tickets; else the grid leader; else the
    community station (小事不出网格、大事不出社区)."""
    worker = pick_worker(session, grid)
    if worker is not None:
        return worker
    community = on_duty(session, grid.parent, ("community",))
    return leader_for(session, grid) or (community[0] if community else None)


BIND_CODE_LIFETIME = timedelta(minutes=30)


# A binding code is a 4-digit selector, unique among the codes in force, and a 6-digit
# secret. A wrong secret for a selector counts against that code (a few tries, then it is
# void), and every wrong code counts against its sender (a few an hour): guessing one takes
# a million tries, and it gets a handful.
BIND_SELECTOR_DIGITS, BIND_SECRET_DIGITS = 4, 6
BIND_TRIES_PER_CODE = 5
BIND_TRIES_PER_SENDER = 5
BIND_SENDER_WINDOW = timedelta(hours=1)
TOO_MANY_TRIES = "too many tries"


def issue_bind_code(session: Session, staff: Staff, now: datetime) -> str:
    """A fresh one-time code the staff member sends as "绑定 <code>" from WeChat."""
    for _ in range(1000):
        selector = f"{secrets.randbelow(10 ** BIND_SELECTOR_DIGITS):0{BIND_SELECTOR_DIGITS}d}"
        if _code_in_force(session, selector, now) in (None, staff):
            break
    else:
        raise RuntimeError("no free binding-code selector: too many codes in force")
    code = selector + f"{secrets.randbelow(10 ** BIND_SECRET_DIGITS):0{BIND_SECRET_DIGITS}d}"
    staff.bind_code, staff.bind_code_expires_at = code, now + BIND_CODE_LIFETIME
    staff.bind_code_failures = 0
    return code


def _code_in_force(session: Session, selector: str, now: datetime) -> Staff | None:
    return session.scalar(select(Staff).where(Staff.bind_code.startswith(selector),
                                              Staff.bind_code_expires_at > now))


def redeem_bind_code(session: Session, code: str, openid: str, now: datetime):
    """The staff member now bound to this WeChat user, None for a wrong or spent code, or
    TOO_MANY_TRIES when this sender has used up their tries."""
    recent = session.scalar(select(func.count()).select_from(BindFailure).where(
        BindFailure.openid == openid, BindFailure.at > now - BIND_SENDER_WINDOW))
    if recent >= BIND_TRIES_PER_SENDER:
        return TOO_MANY_TRIES
    length = BIND_SELECTOR_DIGITS + BIND_SECRET_DIGITS
    staff = (_code_in_force(session, code[:BIND_SELECTOR_DIGITS], now)
             if len(code) == length and code.isdigit() else None)
    if staff is None or not hmac.compare_digest(staff.bind_code, code):
        session.add(BindFailure(openid=openid[:64], at=now))
        if staff is not None:
            staff.bind_code_failures = (staff.bind_code_failures or 0) + 1
            if staff.bind_code_failures >= BIND_TRIES_PER_CODE:
                staff.bind_code, staff.bind_code_expires_at = None, None  # void: a new one
        return None
    for other in session.scalars(select(Staff).where(Staff.openid == openid)):
        other.openid = None  # one WeChat, one account
    session.flush()
    staff.openid, staff.bind_code, staff.bind_code_expires_at = openid, None, None
    staff.bind_code_failures = 0
    return staff
