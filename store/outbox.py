"""The outbox: messages owed to people, committed with the change that caused them.

Delivery happens later (bot/wechat/jobs.py). A row moves pending → sending → sent, or back to
pending after a failed try, or to failed after too many. A crashed delivery leaves a row in
`sending`; it becomes claimable again after CLAIM_TIMEOUT (the one at-least-once window).
"""
from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import (Boolean, bindparam, case, exists, insert, literal_column, or_, select,
                        update)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store.db import Database, defer
from store.models import Outbox, SendAllowance

# Customer-service messages since 2023-06-12 (公众号 客服消息下发规则): 5 within 48 hours after a
# user's message; 3 within 1 minute after a menu click, a follow or a QR scan. Each new action
# renews its own allowance; the two do not add up. Beyond them only a template reaches.
REPLY_WINDOW = timedelta(hours=48)
MESSAGE_QUOTA = 5
EVENT_WINDOW = timedelta(minutes=1)
EVENT_QUOTA = 3
CLAIM_TIMEOUT = timedelta(minutes=5)
MAX_ATTEMPTS = 8
# Rows one claim takes for one delivery job beyond its own: fresh rows (never tried) that are
# due, so a queue built up under load is drained by the jobs that run first, a claim and an
# allowance read per batch instead of per row. Small enough that a batch's claim, held by a
# worker that dies, is handed back soon (one at-least-once window each, as for one row).
CLAIM_BATCH = 20
NEW_IDS = "new_outbox_ids"  # session.info key: rows to enqueue once the transaction commits


def add(session: Session, *, to_openid: str, channel: str, purpose: str, payload: dict,
        now: datetime, ticket_id: int | None = None, ticket=None) -> Outbox:
    """Owe a message; the row is written with the transaction's next flush (no flush here:
    a ticket, its events and its messages go to the database together)."""
    row = Outbox(to_openid=to_openid, channel=channel, purpose=purpose, payload=payload,
                 ticket_id=ticket_id, created_at=now)
    if ticket is not None:
        row.ticket = ticket  # its id may not be known until the flush
    session.add(row)
    session.info.setdefault(NEW_IDS, []).append(row)
    return row


def resident_channel(resident, now: datetime) -> str:
    """A resident's messages are written as customer-service text; delivery sends each as
    text while WeChat still allows it (choose_channel), as the template form otherwise."""
    return "customer_service"


class Written(NamedTuple):
    """A row written by add_many, as take_new_ids reads it (its id), with no ORM object."""

    id: int


def add_many(session: Session, rows: list[dict]) -> None:
    """Owe many messages with one INSERT (the SLA sweep's hundreds); each dict holds add's
    fields, ticket_id given. Queued for delivery after commit like add's rows."""
    if not rows:
        return
    table = Outbox.__table__
    ids = session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                          rows).scalars().all()
    session.info.setdefault(NEW_IDS, []).extend(Written(row_id) for row_id in ids)


def take_new_ids(session: Session) -> list[int]:
    """The ids of rows added in the transaction just committed (and forget them)."""
    return [row.id for row in session.info.pop(NEW_IDS, [])]


@dataclass(slots=True)
class Claimed:
    """A row claimed by claim_due, read by its UPDATE … RETURNING (no ORM object): what
    the transport and choose_channel read of an Outbox row."""

    id: int
    to_openid: str
    channel: str
    purpose: str
    payload: dict
    ticket_id: int | None
    created_at: datetime
    # a fresh row (pending, never tried) with a later id was there when this one was claimed:
    # one the claim's batch left (a full batch), or one held back behind this row (the same
    # ticket's next message to the same person); a drain claims again only then
    later: bool = False
    spent: str | None = None  # the customer-service window choose_channel counted it against


def claim_due(session: Session, own_id: int | None, now: datetime, worker: str | None = None,
              limit: int = CLAIM_BATCH) -> list[Claimed]:
    """Mark rows as being delivered by `worker`, in one statement: the row `own_id` (a job's
    own: pending, or claimed by a try whose claim has run out) and up to `limit` fresh rows
    (pending, never tried: a row that failed a try waits for its own job's retry) — rows
    another worker is claiming at the same moment are skipped, not waited for. A row is not
    claimed while an earlier message about the same ticket to the same person is not out yet
    (a 居民补充 never overtakes its 新工单; the clock's requeue tries it again). Own row first,
    then oldest first."""
    rows = session.execute(_claim_due(session.bind.dialect.name), {
        "own": own_id, "now": now, "stale": now - CLAIM_TIMEOUT, "worker": worker,
        "limit": limit + 1}).all()
    claimed = sorted((Claimed(*row) for row in rows),
                     key=lambda row: (row.id != own_id, row.id))
    return claimed


@functools.cache
def _claim_due(dialect_name: str):
    """claim_due's UPDATE … RETURNING, built once per dialect (it runs once a delivery)."""
    table = Outbox.__table__
    c, earlier = table.c, table.alias("earlier")
    when = Outbox.claimed_at.type
    own = bindparam("own", type_=c.id.type)
    candidates = (select(c.id)
                  .where(or_(c.id == own, (c.status == "pending") & (c.attempts == 0)))
                  .order_by(case((c.id == own, 0), else_=1), c.id)
                  .limit(bindparam("limit")))
    if dialect_name == "postgresql":  # SQLite has one writer at a time: nothing to skip
        # Chosen once, in a CTE: as a subquery of the UPDATE PostgreSQL may scan it again
        # for each row it updates, and SKIP LOCKED then skips the rows this very statement
        # has just claimed and hands out the next ones (limit 1 claimed two rows, seen in a
        # test; a batch could grow past CLAIM_BATCH).
        candidates = select(candidates.with_for_update(skip_locked=True)
                            .cte("due").prefix_with("MATERIALIZED").c.id)
    return (update(table)
            .where(c.id.in_(candidates),
                   or_(c.status == "pending", (c.status == "sending")
                       & (c.claimed_at < bindparam("stale", type_=when))),
                   ~exists().where(earlier.c.ticket_id == c.ticket_id,
                                   earlier.c.to_openid == c.to_openid, earlier.c.id < c.id,
                                   earlier.c.status.in_(("pending", "sending"))))
            .values(status="sending", claimed_at=bindparam("now", type_=when),
                    claimed_by=bindparam("worker"), attempts=c.attempts + 1)
            .returning(c.id, c.to_openid, c.channel, c.purpose, c.payload, c.ticket_id,
                       c.created_at, _LATER_FRESH_ROW))


# claim_due's `later`, as SQL text: SQLAlchemy writes RETURNING's columns unqualified on SQLite,
# and `later.id > outbox.id` would become `id > id` there.
_LATER_FRESH_ROW = literal_column(
    "EXISTS (SELECT 1 FROM outbox AS later WHERE later.status = 'pending'"
    " AND later.attempts = 0 AND later.id > outbox.id)", Boolean)


def unclaim(session: Session, rows: list[Claimed]) -> None:
    """Give claimed rows back untried (a batch cut short): pending, the claim's try undone,
    and the customer-service allowance their channel counted given back (unsent, they must
    not use up a window that the next try needs)."""
    if not rows:
        return
    table = Outbox.__table__
    session.execute(update(table).where(table.c.id.in_([row.id for row in rows]),
                                        table.c.status == "sending")
                    .values(status="pending", attempts=table.c.attempts - 1,
                            claimed_at=None, claimed_by=None))
    spent = Counter((row.to_openid, row.spent) for row in rows if row.spent)
    for (openid, window), count in spent.items():
        column = getattr(SendAllowance, f"{window}_sends")
        session.execute(update(SendAllowance).where(SendAllowance.openid == openid)
                        .values({column: case((column > count, column - count), else_=0)}))


def claims_older_than(session: Session, now: datetime, age: timedelta) -> list[tuple[int, str]]:
    """(row id, worker name) of deliveries a named worker has held for longer than `age`."""
    return [tuple(row) for row in session.execute(
        select(Outbox.id, Outbox.claimed_by)
        .where(Outbox.status == "sending", Outbox.claimed_by.is_not(None),
               Outbox.claimed_at < now - age).order_by(Outbox.id))]


def hand_back(session: Session, claims: list[tuple[int, str]], why: str) -> list[int]:
    """Return the claims of workers that are gone to pending (the try counts: WeChat may have
    taken it before the worker died; that is the one at-least-once window, as with
    CLAIM_TIMEOUT, only shorter). Returns the ids handed back."""
    back = []
    for outbox_id, worker in claims:
        result = session.execute(update(Outbox).where(
            Outbox.id == outbox_id, Outbox.status == "sending", Outbox.claimed_by == worker)
            .values(status="pending", claimed_by=None, last_error=why[:2000]))
        if result.rowcount == 1:
            back.append(outbox_id)
    return back


def record_sent(session: Session | Database, outbox_id: int, now: datetime,
                channel: str) -> None:
    """Sent, by `channel` (the one it finally went by: a template after WeChat refused a
    text); a Core statement built once (it runs once a message). Given the Database rather
    than a session, it is a transaction of its own, in one round trip."""
    params = {"row": outbox_id, "now": now, "used": channel}
    if isinstance(session, Database):
        session.run_alone(_record_sent(), params)
    else:
        session.execute(_record_sent(), params)


@functools.cache
def _record_sent():
    table = Outbox.__table__
    return (update(table).where(table.c.id == bindparam("row"))
            .values(status="sent", sent_at=bindparam("now", type_=table.c.sent_at.type),
                    last_error=None, channel=bindparam("used")))


def record_sent_with(db: Database, write, params: dict, outbox_id: int, now: datetime,
                     channel: str) -> None:
    """A write that is the send itself (the local transport's record, an INSERT whose
    values are bound parameters named as in `params`) and the row's `sent`, as one
    transaction: both or neither, and one commit where there were two. On PostgreSQL one
    statement (the write as a CTE of the UPDATE) in one round trip; elsewhere two statements
    in one transaction."""
    sent = {"row": outbox_id, "now": now, "used": channel}
    if db.is_sqlite:
        with db.transaction() as session:
            connection = session.connection()
            connection.execute(write, params)
            connection.execute(_record_sent(), sent)
        return
    db.run_alone(_sent_with(write), {**params, **sent})


@functools.lru_cache(maxsize=8)
def _sent_with(write):
    return _record_sent().add_cte(write.cte("done"))


def mark_failed_try(session: Session, outbox_id: int, error: str) -> str:
    """Record a failed try; the row is retried unless it has used up its attempts."""
    row = session.get(Outbox, outbox_id, populate_existing=True)
    row.status = "failed" if row.attempts >= MAX_ATTEMPTS else "pending"
    row.last_error = error[:2000]
    return row.status


def stale_ids(session: Session, now: datetime, older_than: timedelta,
              limit: int = 1000) -> list[int]:
    """Rows that should have been delivered by now: their job was lost or is long overdue."""
    return list(session.scalars(
        select(Outbox.id)
        .where(or_((Outbox.status == "pending") & (Outbox.created_at < now - older_than),
                   (Outbox.status == "sending") & (Outbox.claimed_at < now - CLAIM_TIMEOUT)))
        .order_by(Outbox.id).limit(limit)))


def release(session: Session, outbox_id: int, error: str) -> None:
    """Give a claimed row back untouched by this try (it was never WeChat's fault to count)."""
    session.execute(update(Outbox).where(Outbox.id == outbox_id)
                    .values(status="pending", attempts=Outbox.attempts - 1,
                            last_error=error[:2000]))


def troubled(session: Session, limit: int = 200) -> list[Outbox]:
    """Messages given up on, and those still being retried after an error: newest first."""
    return list(session.scalars(
        select(Outbox).where(or_(Outbox.status == "failed",
                                 (Outbox.status == "pending") & Outbox.last_error.is_not(None)))
        .order_by(Outbox.id.desc()).limit(limit)))


def retry(session: Session, outbox_id: int) -> bool:
    """Try a given-up message again from scratch (after, say, a template was configured)."""
    result = session.execute(update(Outbox).where(Outbox.id == outbox_id,
                                                  Outbox.status.in_(("failed", "pending")))
                             .values(status="pending", attempts=0, claimed_at=None))
    return result.rowcount == 1


def user_acted(session: Session, openid: str, kind: str, now: datetime) -> None:
    """The user wrote (kind message) or clicked, followed or scanned (kind event): WeChat
    renews that allowance, and a user who acts is reachable again."""
    # Nothing reads the allowance before the commit: sent with the next batch (store.db).
    defer(session, _acted(session.bind.dialect.name, kind), {"who": openid, "now": now})


@functools.cache
def _acted(dialect_name: str, kind: str):
    """user_acted's upsert, built once per dialect and kind."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    at, sends = (("message_at", "message_sends") if kind == "message"
                 else ("event_at", "event_sends"))
    table = SendAllowance.__table__
    return (dialect.insert(table).values(openid=bindparam("who"), **{at: bindparam("now"),
                                                                      sends: 0})
            .on_conflict_do_update(index_elements=["openid"],
                                   set_={at: bindparam("now"), sends: 0, "unreachable": None}))


def mark_unreachable(session: Session, openid: str, reason: str) -> None:
    """WeChat said nothing can reach this openid (unsubscribed / invalid_openid)."""
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(SendAllowance).values(openid=openid, unreachable=reason)
                    .on_conflict_do_update(index_elements=["openid"],
                                           set_={"unreachable": reason}))


def allowances_for(session: Session, openids) -> dict[str, SendAllowance]:
    """What WeChat still allows each of a batch's recipients, locked until the delivery's
    claim commits (two workers never both spend a user's last customer-service message), in
    one statement and in openid order (two workers' batches never wait on each other
    crosswise)."""
    openids = sorted(set(openids))
    if not openids:
        return {}
    return {allowance.openid: allowance for allowance in session.scalars(
        select(SendAllowance).where(SendAllowance.openid.in_(openids))
        .order_by(SendAllowance.openid).with_for_update())}


def take_customer_service(allowance: SendAllowance | None, now: datetime) -> str | None:
    """Count one customer-service message against the open window with room left (the
    1-minute one first: it runs out first): "event" or "message"; None when none has room."""
    if allowance is None:
        return None
    if (allowance.event_at and now - allowance.event_at < EVENT_WINDOW
            and allowance.event_sends < EVENT_QUOTA):
        allowance.event_sends += 1
        return "event"
    if (allowance.message_at and now - allowance.message_at < REPLY_WINDOW
            and allowance.message_sends < MESSAGE_QUOTA):
        allowance.message_sends += 1
        return "message"
    return None


def window_used_up(session: Session, openid: str) -> None:
    """WeChat refused a customer-service message (45015 / 45047): believe it until the user
    acts again, so the next messages go as templates without asking."""
    session.execute(update(SendAllowance).where(SendAllowance.openid == openid)
                    .values(message_sends=MESSAGE_QUOTA, event_sends=EVENT_QUOTA))


def choose_channel(row: Claimed, allowance: SendAllowance | None, now: datetime, *,
                   template_ready: bool) -> str | None:
    """The channel a claimed row goes by now: a template when one is configured for it and
    the row was written as one (staff) or WeChat allows no more customer-service messages to
    this user; None when neither can reach them (no window left and no template). The window
    a customer-service row counted against is kept on it (`spent`, for unclaim)."""
    if row.channel == "template" and template_ready:
        return "template"
    row.spent = take_customer_service(allowance, now)
    if row.spent:
        row.channel = "customer_service"
    elif template_ready:
        row.channel = "template"
    else:
        return None
    return row.channel


def give_up(session: Session, outbox_id: int, error: str) -> None:
    """No try can succeed (the user left, WeChat forbids the API): failed, not retried."""
    session.execute(update(Outbox).where(Outbox.id == outbox_id)
                    .values(status="failed", last_error=error[:2000]))
