"""Timeline events and outbox rows written many at a time: one INSERT per batch.

The same rows store.tickets.record_event / notify_staff / notify_resident add as ORM objects,
for code that changes hundreds of tickets in one transaction (the SLA sweep), where an object
and its unit-of-work bookkeeping per row cost more than the rows themselves.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from store import daytime, notices, outbox
from store.models import Staff, Ticket, TicketEvent


def event(ticket: Ticket, action: str, now: datetime, *, actor: str = "system",
          staff: Staff | None = None, body: str | None = None, public: bool = True,
          **data) -> dict:
    """The row tickets.record_event would add."""
    return {"ticket_id": ticket.id, "at": now, "actor": actor,
            "staff_id": staff.id if staff is not None else None, "action": action,
            "body": body, "public": public, "data": data}


def to_staff(ticket: Ticket, staff: Staff | None, purpose: str, notice: notices.Notice,
             now: datetime) -> list[dict]:
    """The row tickets.notify_staff would add: none when the staff has no WeChat bound."""
    if staff is None or not staff.openid:
        return []
    return [_message(ticket, staff.openid, "template", purpose, notice, now)]


def to_resident(ticket: Ticket, purpose: str, notice: notices.Notice,
                now: datetime) -> list[dict]:
    """The row tickets.notify_resident would add: customer-service text inside WeChat's
    48-hour window, the template form outside it."""
    resident = ticket.resident
    if resident is None:
        return []
    return [_message(ticket, resident.openid, outbox.resident_channel(resident, now), purpose,
                     notice, now)]


def _message(ticket: Ticket, openid: str, channel: str, purpose: str,
             notice: notices.Notice, now: datetime) -> dict:
    return {"to_openid": openid, "channel": channel, "purpose": purpose,
            "payload": notice.as_payload(), "ticket_id": ticket.id, "created_at": now}


def write(session: Session, events: list[dict], messages: list[dict]) -> None:
    """Insert the rows in the caller's transaction; the new outbox ids are queued for
    delivery after commit, like outbox.add's (Services.changing takes them); a push that can
    wait for the day is kept for it (store/daytime)."""
    session.flush()  # pending ORM changes (the tickets themselves) go first, once
    # Core statements on the tables: the ORM's bulk path adds nothing these rows need.
    if events:
        session.execute(insert(TicketEvent.__table__), events)
    daytime.add_many(session, messages)
