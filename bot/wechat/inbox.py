"""One inbound message, from raw to answered: store → dedupe → handle → enqueue.

One transaction per message. The raw message is inserted first (its dedupe key makes a
retry of WeChat's wait until this try has committed or died), then handled under a
SAVEPOINT: if handling fails, the savepoint is rolled back — nothing of the handling stays —
and the raw message is committed as `failed`, answered with "received, the result follows"
and handled again by a job. The passive reply is sent only after the commit, so it names
only a committed ticket. If the database itself goes away mid-message nothing is committed,
the webhook answers 503, and WeChat's retry brings the message again.
"""
from __future__ import annotations

import functools
import logging
import time
import traceback
from dataclasses import dataclass, field

from rq import Retry
from sqlalchemy import update
from sqlalchemy.exc import InterfaceError, OperationalError
from wechatpy import parse_message

import handlers
from bot.wechat import flood
from bot.metrics import count_message, instruments
from bot.mobile.links import page_or_none
from bot.services import Services
from bot.wechat.protocol import Callback
from handlers import replies
from store import inbound, outbox, photos
from store.db import savepoint_deferred
from store.models import InboundMessage

log = logging.getLogger(__name__)
REPROCESS_RETRY = Retry(max=3, interval=[30, 120, 600])
PHOTO_RETRY = Retry(max=5, interval=[10, 60, 300, 1800, 7200])  # a MediaId lives 3 days


@dataclass
class Outcome:
    """What handling one stored message came to, for what follows its commit."""

    inbound_id: int
    text: str | None = None
    ticket_id: int | None = None
    error: BaseException | None = None  # handling failed: its savepoint was rolled back
    jobs: list[tuple] = field(default_factory=list)  # (func, args, options) after commit
    outbox_ids: list[int] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)


def receive(svc: Services, callback: Callback) -> str | None:
    """Store the message and answer it once; WeChat's retries get the first answer."""
    msg = callback.message
    with svc.db.transaction() as session:
        # the savepoint the handling runs under is opened with the raw message's INSERT
        inbound_id, nested = inbound.add_then_savepoint(
            session, raw=callback.xml, dedupe_key=callback.dedupe_key, openid=msg.source,
            msg_type=_type_of(msg), now=svc.now())
        if inbound_id is None:  # a retry: the first try has committed (or died) by now
            nested.rollback()
            first = inbound.by_key(session, callback.dedupe_key)
        else:
            first = None
            verdict = (flood.check(svc.redis, svc.settings.queue_name, msg.source,
                                   svc.settings.flood_limit_per_minute)
                       if msg.type != "event" else flood.ALLOWED)
            if verdict.allowed:
                outcome = handle_in(svc, session, inbound_id, msg, passive=True, nested=nested)
            else:  # kept raw, opens nothing; the notice is said once a minute
                nested.rollback()
                inbound.finish(session, inbound_id, status="throttled", reply=verdict.notice)
    if first is not None:
        count_message(_type_of(msg), "duplicate")
        if first.status != "received":
            return _answer_of(first)
        # Stored but never handled (by a version that committed the raw message on its
        # own, before handling it): this retry takes it over, under the row lock.
        return handle(svc, first.id, msg, passive=True)
    if not verdict.allowed:
        count_message(_type_of(msg), "throttled")
        return verdict.notice
    return after_commit(svc, outcome, msg, passive=True)


def process_stored(svc: Services, inbound_id: int) -> str:
    """Handle a stored message again (its first try failed); the answer goes by the outbox."""
    row = inbound.get(svc.db, inbound_id)
    if row is None or row.status == "processed":
        return "nothing to do"
    handle(svc, inbound_id, parse_message(row.raw), passive=False, raise_errors=True)
    return "processed"


def handle(svc: Services, inbound_id: int, msg, *, passive: bool,
           raise_errors: bool = False) -> str | None:
    """Handle a message stored earlier, in a transaction of its own."""
    with svc.db.transaction() as session:
        if not _take(session, inbound_id):
            outcome = None  # another try finished it while this one waited for the row
        else:
            outcome = handle_in(svc, session, inbound_id, msg, passive=passive)
    if outcome is None:
        return _answer_of(inbound.get(svc.db, inbound_id))
    return after_commit(svc, outcome, msg, passive=passive, raise_errors=raise_errors)


def handle_in(svc: Services, session, inbound_id: int, msg, *, passive: bool,
              nested=None) -> Outcome:
    """Dispatch the message under a savepoint of the caller's transaction (`nested`, when
    the caller opened it) and mark it processed; on any error roll the savepoint back and
    mark it failed instead."""
    outcome = Outcome(inbound_id)
    nested = nested if nested is not None else session.begin_nested()
    try:
        with nested:  # rolled back on any error, as session.begin_nested() is
            _dispatch(svc, session, outcome, msg, passive=passive)
            with savepoint_deferred(session):  # RELEASE goes with the outcome and the COMMIT
                nested.commit()
    except (OperationalError, InterfaceError):
        raise  # the database itself failed: nothing is committed, and the try comes again
    except Exception as error:  # the raw message stays; nothing else of this try does
        outcome.error, outcome.jobs = error, []
        outbox.take_new_ids(session)  # rolled back with the savepoint: nothing to deliver
        log.exception("inbound %s failed", inbound_id)
        inbound.finish(session, inbound_id, status="failed",
                       error=traceback.format_exc(limit=5))
        return outcome
    # Recorded and committed in one round trip on PostgreSQL (with the writes deferred by
    # the handling, store.db.defer); the caller's commit then has nothing left to send.
    inbound.finish(session, inbound_id, status="processed", reply=outcome.text,
                   ticket_id=outcome.ticket_id, commit=True)
    return outcome


def _dispatch(svc: Services, session, outcome: Outcome, msg, *, passive: bool) -> None:
    ctx = handlers.Context(session=session, openid=msg.source, now=svc.now(),
                           classify=svc.classify, policy=svc.settings.sla_policy,
                           nearest_within_m=svc.settings.locate_nearest_meters,
                           enqueue=lambda func, *args: outcome.jobs.append((func, args, {})),
                           page=functools.partial(page_or_none, msg.source))
    answer = handlers.dispatch(msg, ctx)
    outcome.text, outcome.ticket_id = answer.text, answer.ticket_id
    if msg.type == "image":  # kept whatever the answer; downloaded by the worker
        from bot.wechat.jobs import fetch_photo
        photo = photos.add(session, inbound_id=outcome.inbound_id, ticket_id=answer.ticket_id,
                           media_id=msg.media_id, pic_url=msg.image, now=ctx.now)
        outcome.jobs.append((fetch_photo, (photo.id,), {"retry": PHOTO_RETRY}))
    if answer.text and not passive:
        outbox.add(session, to_openid=msg.source, channel="customer_service",
                   purpose="reply", payload={"text": answer.text}, now=ctx.now,
                   ticket_id=answer.ticket_id)
    session.flush()  # inside the savepoint: a write that fails is this try's failure
    outcome.outbox_ids = outbox.take_new_ids(session)


def after_commit(svc: Services, outcome: Outcome, msg, *, passive: bool,
                 raise_errors: bool = False) -> str | None:
    """Count, log and queue what the committed transaction owes; the passive reply."""
    if outcome.error is not None:
        count_message(_type_of(msg), "failed")
        if raise_errors:
            raise outcome.error
        from bot.wechat.jobs import reprocess_inbound
        svc.enqueue(reprocess_inbound, outcome.inbound_id, retry=REPROCESS_RETRY)
        return replies.ACK_LATER if msg.type != "event" else None
    elapsed = time.perf_counter() - outcome.started
    instruments().handling_seconds.observe(elapsed)
    kind, result = _type_of(msg), "handled" if passive else "handled_later"
    count_message(kind, result)
    log.info("inbound %s handled in %.1f ms", outcome.inbound_id, elapsed * 1000, extra={
        "event": "message", "inbound_id": outcome.inbound_id, "type": kind, "outcome": result,
        "ticket_id": outcome.ticket_id, "ms": round(elapsed * 1000, 1)})
    svc.deliver_later(outcome.outbox_ids)
    for func, args, options in outcome.jobs:
        svc.enqueue(func, *args, **options)
    return outcome.text


def _take(session, inbound_id: int) -> bool:
    """Lock the stored message for this try, unless another try has finished it.

    The row lock is held until this try commits or dies (PostgreSQL ends a dead client's
    transaction), so a concurrent try waits here and then sees the outcome.
    """
    result = session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == inbound_id,
               InboundMessage.status.in_(("received", "failed")))
        .values(status=InboundMessage.status))
    return result.rowcount == 1


def _answer_of(row) -> str | None:
    if row.status in ("processed", "throttled"):
        return row.reply
    return replies.ACK_LATER if row.status == "failed" else None


def _type_of(msg) -> str:
    return f"event:{msg.event}" if msg.type == "event" else str(msg.type)
