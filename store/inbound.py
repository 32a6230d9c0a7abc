"""Inbound messages: stored raw first, deduplicated by WeChat's own keys."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from store.db import Database
from store.models import InboundMessage


def record(db: Database, *, raw: str, dedupe_key: str | None, openid: str | None,
           msg_type: str | None, now: datetime, status: str = "received",
           error: str | None = None) -> tuple[InboundMessage, bool]:
    """Commit the raw message; returns (row, is_new). A retry returns the first row.

    Recording must not fail on what a sender put in the message: PostgreSQL's text cannot
    hold NUL, so NUL is kept as U+FFFD, and an openid or a type (an unusually long event
    name) is cut to its column.
    """
    raw = raw.replace("\x00", "\ufffd")
    if openid is not None:
        openid = openid.replace("\x00", "\ufffd")[:InboundMessage.openid.type.length]
    if msg_type is not None:
        msg_type = msg_type.replace("\x00", "\ufffd")[:InboundMessage.msg_type.type.length]
    try:
        with db.transaction() as session:
            row = InboundMessage(raw=raw, dedupe_key=dedupe_key, openid=openid,
                                 msg_type=msg_type, received_at=now, status=status,
                                 error=error)
            session.add(row)
        return row, True
    except IntegrityError:
        if dedupe_key is None:
            raise
        with db.sessions() as session:
            existing = session.scalar(
                select(InboundMessage).where(InboundMessage.dedupe_key == dedupe_key))
        if existing is None:
            raise
        return existing, False


def finish(session, inbound_id: int, *, status: str, reply: str | None = None,
           ticket_id: int | None = None, error: str | None = None) -> None:
    session.execute(update(InboundMessage).where(InboundMessage.id == inbound_id)
                    .values(status=status, reply=reply, ticket_id=ticket_id, error=error))


def get(db: Database, inbound_id: int) -> InboundMessage | None:
    with db.sessions() as session:
        return session.get(InboundMessage, inbound_id)


def stuck_ids(session, now: datetime, older_than: timedelta, limit: int = 500) -> list[int]:
    """Messages stored but never handled: their try died and WeChat stopped retrying."""
    return list(session.scalars(
        select(InboundMessage.id).where(InboundMessage.status == "received",
                                        InboundMessage.received_at < now - older_than)
        .order_by(InboundMessage.id).limit(limit)))
