"""Inbound messages: stored raw first, deduplicated by WeChat's own keys."""
from __future__ import annotations

import functools
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.db import Database, commit_together, execute_then_savepoint, execute_together
from store.models import InboundMessage


def _storable(raw: str, openid: str | None, msg_type: str | None) -> dict:
    """Storing must not fail on what a sender put in the message: PostgreSQL's text cannot
    hold NUL, so NUL is kept as U+FFFD, and an openid or a type (an unusually long event
    name) is cut to its column."""
    if openid is not None:
        openid = openid.replace("\x00", "\ufffd")[:InboundMessage.openid.type.length]
    if msg_type is not None:
        msg_type = msg_type.replace("\x00", "\ufffd")[:InboundMessage.msg_type.type.length]
    return {"raw": raw.replace("\x00", "\ufffd"), "openid": openid, "msg_type": msg_type}


def add(session: Session, *, raw: str, dedupe_key: str, openid: str | None,
        msg_type: str | None, now: datetime) -> int | None:
    """Store the raw message in the caller's transaction: its id, or None when a try of the
    same message (WeChat's retry) is stored already. A try that arrives while the first one's
    transaction is still open waits here until that transaction ends, and then finds the
    first one's outcome (or, if it died, stores the message itself)."""
    rows = execute_together(session, [_adding(session, raw, dedupe_key, openid, msg_type,
                                              now)])  # with anything deferred (store.db)
    return rows[0][0] if rows else None


def add_then_savepoint(session: Session, *, raw: str, dedupe_key: str, openid: str | None,
                       msg_type: str | None, now: datetime) -> tuple[int | None, object]:
    """add, and a savepoint opened after it for the handling (on PostgreSQL in the same round
    trip): (its id or None, the savepoint's transaction — session.begin_nested()'s)."""
    rows, nested = execute_then_savepoint(session, [_adding(session, raw, dedupe_key, openid,
                                                            msg_type, now)])
    return (rows[0][0] if rows else None), nested


def _adding(session, raw, dedupe_key, openid, msg_type, now) -> tuple:
    return (_add(session.bind.dialect.name), {
        "dedupe_key": dedupe_key, "received_at": now, "status": "received",
        **_storable(raw, openid, msg_type)})


@functools.cache
def _add(dialect_name: str):
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    table = InboundMessage.__table__
    return (dialect.insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(table.c.id))


def by_key(session: Session, dedupe_key: str) -> InboundMessage | None:
    return session.scalar(select(InboundMessage).where(InboundMessage.dedupe_key == dedupe_key))


def record(db: Database, *, raw: str, dedupe_key: str | None, openid: str | None,
           msg_type: str | None, now: datetime, status: str = "received",
           error: str | None = None) -> tuple[InboundMessage, bool]:
    """Commit the raw message on its own; returns (row, is_new). A retry returns the first
    row. (The webhook stores a message in the transaction that handles it: see add.)"""
    try:
        with db.transaction() as session:
            row = InboundMessage(dedupe_key=dedupe_key, received_at=now, status=status,
                                 error=error, **_storable(raw, openid, msg_type))
            session.add(row)
        return row, True
    except IntegrityError:
        if dedupe_key is None:
            raise
        with db.sessions() as session:
            existing = by_key(session, dedupe_key)
        if existing is None:
            raise
        return existing, False


def finish(session, inbound_id: int, *, status: str, reply: str | None = None,
           ticket_id: int | None = None, error: str | None = None,
           commit: bool = False) -> None:
    """Record how handling ended. `commit`: and commit the caller's transaction with it (on
    PostgreSQL in the same round trip; the session's own commit then has nothing to send)."""
    finishing = (_finish(), {"which": inbound_id, "status": status, "reply": reply,
                             "ticket_id": ticket_id, "error": error})
    if commit:
        commit_together(session, [finishing])
    else:
        session.connection().execute(*finishing)


@functools.cache
def _finish():
    table = InboundMessage.__table__
    return table.update().where(table.c.id == bindparam("which"))


def get(db: Database, inbound_id: int) -> InboundMessage | None:
    with db.sessions() as session:
        return session.get(InboundMessage, inbound_id)


def stuck_ids(session, now: datetime, older_than: timedelta, limit: int = 500) -> list[int]:
    """Messages stored but never handled: their try died and WeChat stopped retrying."""
    return list(session.scalars(
        select(InboundMessage.id).where(InboundMessage.status == "received",
                                        InboundMessage.received_at < now - older_than)
        .order_by(InboundMessage.id).limit(limit)))
