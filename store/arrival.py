"""A resident's message arriving, on PostgreSQL: one statement instead of three.

registry.resident_wrote stamps the resident (WeChat's 48-hour window) and reads what they
have going on; a new complaint then loads their grid and asks for its least busy on-duty
worker. Here one UPDATE … FROM … RETURNING does all three for a resident bound to a grid,
through SQLAlchemy Core (the ORM's UPDATE … RETURNING and its lazy loads were a fifth of the
webhook's CPU), and the rows become the session's Resident, Area and Staff objects as if
loaded. The worker is offered once to registry.pick_worker for that grid, and only until the
session flushes anything (a change of this message could change who is least busy).
"""
from __future__ import annotations

import functools

from sqlalchemy import bindparam, column, func, literal_column, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from store.models import Area, Resident, Staff, Ticket, UTCDateTime

LEAST_BUSY = "griddesk_least_busy_worker"  # session.info: (grid id, Staff or None)
OPEN_STATES = ("new", "assigned", "accepted", "reopened")  # store.registry's too
TO_ACCEPT = ("new", "assigned", "reopened")  # open and not yet taken (接单)
UTC_TIME = UTCDateTime()


def least_busy_worker(grid):
    """The grid's on-duty worker with WeChat bound and the fewest open tickets (one without
    WeChat only when nobody else is there), `grid` the grid's id (a bound parameter, or the
    column of an enclosing statement): registry.pick_worker's query, and the lateral join
    of the arrival statement below."""
    load = (select(func.count()).where(Ticket.assignee_id == Staff.id,
                                       Ticket.status.in_(OPEN_STATES))
            .correlate(Staff).scalar_subquery())
    return (select(Staff).where(Staff.area_id == grid, Staff.role == "grid_worker",
                                Staff.active.is_(True), Staff.on_duty.is_(True))
            .order_by(Staff.openid.is_(None), load, Staff.id).limit(1))


def resident_wrote_in_grid(session: Session, values: dict):
    """(Resident, staff_id, open_ticket_id, held_waiting, has_open) for a resident bound to a grid,
    stamped; None when there is none such (or their row is in the session already): the
    caller then takes the general path."""
    statement, names = _statement()
    row = session.connection().execute(statement, values).first()
    if row is None:
        return None
    fields = dict(zip(names, row))
    grid = _as_loaded(session, Area, fields, "a_")
    resident = _as_loaded(session, Resident, fields, "r_", grid=grid)
    if resident is None:
        return None  # stamped; the general path reads it into the object in the session
    worker = _as_loaded(session, Staff, fields, "w_") if fields["w_id"] is not None else None
    # The session's identity map holds clean objects weakly: the offer holds the worker.
    session.info[LEAST_BUSY] = (grid.id, worker)
    return (resident, fields["x_staff"], fields["x_ticket"], bool(fields["x_held"]),
            bool(fields["x_open"]))


def offered_worker(session: Session, grid_id: int):
    """The least busy worker read with the resident, once, for their grid: (True, Staff or
    None), or (False, None) when there is no such offer."""
    offer = session.info.pop(LEAST_BUSY, None)
    if offer is None or offer[0] != grid_id:
        return False, None
    return True, offer[1]


def forget_offer(session: Session, flush_context) -> None:
    session.info.pop(LEAST_BUSY, None)


def _as_loaded(session: Session, model, fields: dict, prefix: str, **related):
    """The row's object, persistent and clean, as a query would have loaded it (with
    `related` objects as its loaded relationships). A row the session holds already keeps
    the session's object (its state may be newer than the row's): an Area or Staff as it
    is, a Resident not at all (None)."""
    values = {name[len(prefix):]: value for name, value in fields.items()
              if name.startswith(prefix)}
    present = session.identity_map.get(identity_key(model, values["id"]))
    if present is not None:
        return None if model is Resident else present
    obj = model.__mapper__.class_manager.new_instance()
    obj.__dict__.update(values, **related)
    make_transient_to_detached(obj)  # columns not read (Area.geometry) load when used
    session.add(obj)
    return obj


def _columns(model, prefix: str, alias: str) -> list[tuple[str, str, object]]:
    return [(f"{alias}.{c.name}", f"{prefix}{c.key}", c.type)
            for c in model.__table__.columns
            if not model.__mapper__.get_property_by_column(c).deferred]


@functools.cache
def _statement():
    selected = (_columns(Resident, "r_", "resident") + _columns(Area, "a_", "area")
                + _columns(Staff, "w_", "worker"))
    states = ", ".join(f"'{state}'" for state in OPEN_STATES)
    worker = least_busy_worker(literal_column("area.id")).compile(
        dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    sql = f"""
UPDATE resident SET last_inbound_at = :now
FROM area LEFT JOIN LATERAL ({worker}) AS worker ON true
WHERE resident.openid = :who AND area.id = resident.grid_id
RETURNING {", ".join(f"{expr} AS {label}" for expr, label, _ in selected)},
  (SELECT staff.id FROM staff WHERE staff.openid = resident.openid AND staff.active
     ORDER BY staff.id LIMIT 1) AS x_staff,
  (SELECT max(ticket.id) FROM ticket WHERE ticket.resident_id = resident.id
     AND ticket.status IN ({states}) AND ticket.created_at >= :ticket_since) AS x_ticket,
  EXISTS (SELECT 1 FROM held_message WHERE held_message.resident_id = resident.id
     AND held_message.status = 'waiting' AND held_message.received_at >= :held_since)
     AS x_held,
  EXISTS (SELECT 1 FROM ticket WHERE ticket.resident_id = resident.id
     AND ticket.status IN ({states})) AS x_open"""
    names = [label for _, label, _ in selected] + ["x_staff", "x_ticket", "x_held", "x_open"]
    types = {label: kind for _, label, kind in selected}
    statement = text(sql).bindparams(*[bindparam(name, type_=UTC_TIME)
                                       for name in ("now", "ticket_since", "held_since")])
    # typed result columns: times come back aware (UTCDateTime), JSON decoded
    return statement.columns(*(column(name, types[name]) if name in types else column(name)
                               for name in names)), names
