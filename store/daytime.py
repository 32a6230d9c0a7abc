"""Quiet hours: a staff member's phone does not ring at night for what needs nothing of them
before morning — a rating (good or bad), a praise, a ticket taken off them. Such a push waits
in notice_for_day and reaches the outbox at 08:00 China time (close_and_revisit moves it).
Everything a person must act on (a new ticket, an emergency, 返工, 督办) still goes at once, and
so does anything about a person in danger (an emergency taken off a worker who may be on the
way)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from store import outbox
from store.models import NoticeForDay, Ticket
from store.sla import clocked_from_morning, morning_after, quiet_hours

WAITS_FOR_DAY = frozenset({"rated_good", "rated_low", "praise", "handed_away"})
MORNINGS_WORK = frozenset({"ticket_assigned", "resident_message"})  # of a ticket clocked at 08:00


def waits(purpose: str, now: datetime, ticket=None) -> bool:
    """Whether a push for `purpose` written `now` is kept until the morning: what needs
    nothing before it, and a new matter whose clocks start then (store.sla: a normal matter
    written at night is the morning's work), with what the resident adds to it meanwhile;
    never anything about a person in danger."""
    if not quiet_hours(now) or ticket is not None and ticket.urgency == "emergency":
        return False
    return purpose in WAITS_FOR_DAY or (
        purpose in MORNINGS_WORK and ticket is not None and ticket.accept_by is not None
        and ticket.urgency == "normal" and clocked_from_morning(ticket.accept_by, now))


def hold(session: Session, *, to_openid: str, channel: str, purpose: str, payload: dict,
         now: datetime, ticket=None) -> NoticeForDay:
    """outbox.add's twin for a push that waits for the day."""
    row = NoticeForDay(to_openid=to_openid, channel=channel, purpose=purpose, payload=payload,
                       created_at=now, send_at=morning_after(now))
    if ticket is not None:
        row.ticket = ticket
    session.add(row)
    return row


def add(session: Session, *, to_openid: str, channel: str, purpose: str, payload: dict,
        now: datetime, ticket=None) -> None:
    """Owe a push: to the outbox now, or to the morning if it can wait and it is night."""
    (hold if waits(purpose, now, ticket) else outbox.add)(
        session, to_openid=to_openid, channel=channel, purpose=purpose, payload=payload,
        now=now, ticket=ticket)


def add_many(session: Session, rows: list[dict]) -> None:
    """outbox.add_many, with the rows that can wait kept for the morning."""
    now_rows, later = [], []
    for row in rows:
        (later if waits(row["purpose"], row["created_at"]) else now_rows).append(row)
    if later:  # an emergency's rows go now (one look-up, and only at night)
        urgent = set(session.scalars(select(Ticket.id).where(
            Ticket.id.in_({row["ticket_id"] for row in later}),
            Ticket.urgency == "emergency")))
        now_rows += [row for row in later if row["ticket_id"] in urgent]
        later = [row for row in later if row["ticket_id"] not in urgent]
    if later:
        session.execute(insert(NoticeForDay.__table__),
                        [{**row, "send_at": morning_after(row["created_at"])} for row in later])
    outbox.add_many(session, now_rows)


def send_in_the_morning(session: Session, now: datetime, limit: int = 500) -> int:
    """Move the pushes whose night is over to the outbox (oldest first), once each."""
    if quiet_hours(now):
        return 0
    due = session.scalars(select(NoticeForDay).where(NoticeForDay.send_at <= now)
                          .order_by(NoticeForDay.id).limit(limit)
                          .with_for_update(skip_locked=True)).all()
    for row in due:
        outbox.add(session, to_openid=row.to_openid, channel=row.channel, purpose=row.purpose,
                   payload=row.payload, now=now, ticket_id=row.ticket_id)
        session.delete(row)
    return len(due)
