"""A new ticket, its timeline and its messages written by SQLAlchemy Core, not by a flush.

On a resident's new complaint the ORM's unit of work (dependency sorting, per-object
bookkeeping, one INSERT per table and a round trip each) cost more CPU than anything else the
webhook did. The objects are still built as before, so every rule that reads them is
unchanged; only the writing differs: statements built once per shape, on PostgreSQL one
statement (the ticket's INSERT, with its events' and messages' INSERTs as data-modifying
CTEs: one round trip instead of three), elsewhere one INSERT per table. The objects are then
attached to the session as persistent and clean, as if just loaded, so whatever the caller
does with the ticket next is ordinary ORM work.

Other code that watches flushes for new tickets (bot/metrics.py counts and logs them) is told
through `CHANGES_NOTED` in session.info, the same record its flush listener keeps.
"""
from __future__ import annotations

import functools

from sqlalchemy import bindparam, insert, literal_column, select, union_all
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.interfaces import MANYTOONE

from store.models import Outbox, Ticket, TicketEvent

# session.info key: what was written since the last commit, for the metrics and change log
# (bot/metrics.py fills it from the ORM's flushes, write_ticket from its own writes).
CHANGES_NOTED = "griddesk_noted_changes"


def write_ticket(session: Session, ticket: Ticket, outbox_rows: list) -> bool:
    """Write the pending `ticket`, its pending events and the pending `outbox_rows` about it.
    False (nothing written) when something it points at is not in the database yet; the
    caller flushes instead."""
    if ticket not in session.new:
        return False
    events = [event for event in ticket.events if event in session.new]
    rows = [row for row in outbox_rows if row in session.new and row.ticket is ticket]
    try:
        ticket_values = _values(ticket)
        event_values = [_values(event, skip=("ticket_id",)) for event in events]
        row_values = [_values(row, skip=("ticket_id",)) for row in rows]
    except _NotWritten:
        return False
    written = (_written_columns(Ticket, [ticket_values]),
               _written_columns(TicketEvent, event_values), _written_columns(Outbox, row_values))
    for obj in (ticket, *events, *rows):
        if obj in session:  # the ticket's expunge takes its events along
            session.expunge(obj)
    if session.bind.dialect.name == "postgresql":
        ticket_id, event_ids, row_ids = _write_together(session, ticket_values, event_values,
                                                        row_values, written)
    else:
        ticket_id, event_ids, row_ids = _write_apart(session, ticket_values, event_values,
                                                     row_values)
    _loaded(ticket, ticket_values, ticket_id)
    for event, values, event_id in zip(events, event_values, event_ids):
        _loaded(event, {**values, "ticket_id": ticket_id}, event_id)
    for row, values, row_id in zip(rows, row_values, row_ids):
        _loaded(row, {**values, "ticket_id": ticket_id}, row_id)
    for obj in (ticket, *rows):  # after all are loaded: the ticket's add cascades to its
        session.add(obj)         # events (Ticket.events: cascade "all")
    note_written(session, [ticket], events)
    return True


def note_written(session: Session, tickets, events) -> dict:
    """Note tickets opened and timeline events written (by a flush or by write_ticket), to be
    counted and logged once their transaction commits; the record, for more notes."""
    noted = session.info.setdefault(CHANGES_NOTED, {"opened": [], "escalated": [],
                                                    "events": []})
    noted["opened"].extend((ticket.kind, ticket.urgency) for ticket in tickets)
    noted["events"].extend({"ticket_id": event.ticket_id, "action": event.action,
                            "actor": event.actor, "event_id": event.id} for event in events)
    return noted


class _NotWritten(Exception):
    """An object this one points at has no id yet (it is written by the next flush)."""


def _values(obj, skip: tuple[str, ...] = ()) -> dict:
    """Every column's value: as set, from the object it points at, or the column's default."""
    relations, columns = _plan(obj.__mapper__)
    state = obj.__dict__
    values = {}
    for key, pairs in relations:
        if key not in state:
            continue
        target = state[key]
        for local, remote in pairs:
            if local in skip:
                continue
            value = None if target is None else getattr(target, remote)
            if target is not None and value is None:
                raise _NotWritten(key)
            values[local] = value
    for name, default, arg in columns:
        if name in values or name in skip:
            continue
        if name in state:
            values[name] = state[name]
        elif default == "scalar":
            values[name] = arg
        elif default == "callable":
            values[name] = arg(None)
        else:
            values[name] = None
    return values


@functools.cache
def _plan(mapper):
    """What _values reads of a mapper, once: its many-to-one relationships' (key, [(local
    column key, remote column key)]), and its columns but the primary key as (key, kind of
    default: "scalar", "callable" or None, the default's value or function)."""
    relations = [(relation.key, [(local.key, remote.key)
                                 for local, remote in relation.local_remote_pairs])
                 for relation in mapper.relationships if relation.direction is MANYTOONE]
    columns = []
    for column in mapper.local_table.columns:
        if column.primary_key or column.computed is not None:  # the database writes it
            continue
        default = column.default
        kind = None if default is None else (
            "scalar" if default.is_scalar else "callable" if default.is_callable else None)
        columns.append((column.key, kind, default.arg if kind else None))
    return relations, columns


def _loaded(obj, values: dict, new_id: int) -> None:
    """Make the written object as if loaded: every column set (no lazy reads), no changes
    pending; session.add then makes it persistent."""
    obj.__dict__.update(values, id=new_id)
    make_transient_to_detached(obj)


def _write_apart(session: Session, ticket: dict, events: list[dict], rows: list[dict]):
    ticket_table = Ticket.__table__
    connection = session.connection()
    ticket_id = connection.execute(insert(ticket_table).returning(ticket_table.c.id),
                                   ticket).scalar_one()
    ids = []
    for table, many in ((TicketEvent.__table__, events), (Outbox.__table__, rows)):
        if not many:
            ids.append([])
            continue
        ids.append(connection.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True),
            [{**values, "ticket_id": ticket_id} for values in many]).scalars().all())
    return ticket_id, ids[0], ids[1]


def _written_columns(model, many: list[dict]) -> tuple[str, ...]:
    """The columns an INSERT must name: those with a value in any row, or a server default
    (a NULL left out would become that default). The rest are NULL anyway, and the shorter
    statement stays within psycopg's cache of converted queries (50 parameters, 4 KB)."""
    table = model.__table__
    return tuple(name for name in (many[0] if many else ()) if any(
        values[name] is not None for values in many) or table.c[name].server_default is not None)


def _write_together(session: Session, ticket: dict, events: list[dict], rows: list[dict],
                    written: tuple) -> tuple[int, list[int], list[int]]:
    ticket_columns, event_columns, row_columns = written
    params = {f"t{n}": ticket[name] for n, name in enumerate(ticket_columns)}
    for prefix, many, columns in (("e", events, event_columns), ("o", rows, row_columns)):
        for n, values in enumerate(many):
            params.update({f"{prefix}{n}_{k}": values[name] for k, name in enumerate(columns)})
    statement = _together(ticket_columns, event_columns, len(events), row_columns, len(rows))
    found = session.connection().execute(statement, params).all()
    ids = {0: [], 1: [], 2: []}
    for which, row_id in found:
        ids[which].append(row_id)
    return ids[0][0], sorted(ids[1]), sorted(ids[2])


@functools.cache
def _together(ticket_columns: tuple, event_columns: tuple, event_count: int,
              row_columns: tuple, row_count: int):
    """WITH t AS (INSERT ticket … RETURNING id), e AS (INSERT ticket_event SELECT t.id, …),
    o AS (INSERT outbox SELECT t.id, …) SELECT 0, id FROM t UNION ALL … — built once per
    shape. Rows of one INSERT … SELECT … UNION ALL are inserted in the order listed, so
    their ids, sorted, are in the order of the objects."""
    tickets = Ticket.__table__
    t = (insert(tickets).values({name: bindparam(f"t{n}", type_=tickets.c[name].type)
                                 for n, name in enumerate(ticket_columns)})
         .returning(tickets.c.id).cte("t"))
    parts = [select(literal_column("0"), t.c.id)]
    for which, table, columns, count in ((1, TicketEvent.__table__, event_columns, event_count),
                                         (2, Outbox.__table__, row_columns, row_count)):
        if not count:
            continue
        prefix = "e" if which == 1 else "o"
        selects = [select(t.c.id, *[bindparam(f"{prefix}{n}_{k}", type_=table.c[name].type)
                                    for k, name in enumerate(columns)]) for n in range(count)]
        written = (insert(table).from_select(["ticket_id", *columns],
                                             selects[0] if count == 1 else union_all(*selects))
                   .returning(table.c.id).cte(prefix))
        parts.append(select(literal_column(str(which)), written.c.id))
    return union_all(*parts)
