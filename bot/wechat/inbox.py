"""One inbound message, from stored raw to answered: record → dedupe → handle → enqueue."""
from __future__ import annotations

import logging
import time
import traceback

from rq import Retry
from sqlalchemy import update
from wechatpy import parse_message

import handlers
from bot.wechat import flood
from bot.metrics import count_message, instruments
from bot.services import Services
from bot.wechat.protocol import Callback
from handlers import replies
from store import inbound, outbox, photos
from store.models import InboundMessage

log = logging.getLogger(__name__)
DUPLICATE_WAIT_SECONDS = 3.0
REPROCESS_RETRY = Retry(max=3, interval=[30, 120, 600])
PHOTO_RETRY = Retry(max=5, interval=[10, 60, 300, 1800, 7200])  # a MediaId lives 3 days


def receive(svc: Services, callback: Callback) -> str | None:
    """Store the message, then answer it once; WeChat's retries get the first answer."""
    msg = callback.message
    row, is_new = inbound.record(svc.db, raw=callback.xml, dedupe_key=callback.dedupe_key,
                                 openid=msg.source, msg_type=_type_of(msg), now=svc.now())
    if not is_new:
        count_message(_type_of(msg), "duplicate")
        row = _wait_for_first(svc, row)
        if row.status != "received":
            return _answer_of(row)
        # Still not handled: the first try died after storing it (its process, or its
        # database connection). This retry takes it over; handle() locks the row, so a
        # first try that is only slow and this one cannot both open a ticket.
        return handle(svc, row.id, msg, passive=True)
    if msg.type != "event":
        verdict = flood.check(svc.redis, svc.settings.queue_name, msg.source,
                              svc.settings.flood_limit_per_minute)
        if not verdict.allowed:  # kept raw, opens nothing; the notice is said once a minute
            with svc.db.transaction() as session:
                inbound.finish(session, row.id, status="throttled", reply=verdict.notice)
            count_message(_type_of(msg), "throttled")
            return verdict.notice
    return handle(svc, row.id, msg, passive=True)


def process_stored(svc: Services, inbound_id: int) -> str:
    """Handle a stored message again (its first try failed); the answer goes by the outbox."""
    row = inbound.get(svc.db, inbound_id)
    if row is None or row.status == "processed":
        return "nothing to do"
    handle(svc, inbound_id, parse_message(row.raw), passive=False, raise_errors=True)
    return "processed"


def handle(svc: Services, inbound_id: int, msg, *, passive: bool,
           raise_errors: bool = False) -> str | None:
    later: list[tuple] = []
    started = time.perf_counter()
    photo_ids: list[int] = []
    try:
        with svc.db.transaction() as session:
            if not _take(session, inbound_id):
                raise AlreadyHandled
            ctx = handlers.Context(session=session, openid=msg.source, now=svc.now(),
                                   classify=svc.classify, policy=svc.settings.sla_policy,
                                   nearest_within_m=svc.settings.locate_nearest_meters,
                                   enqueue=lambda func, *args: later.append((func, args)))
            answer = handlers.dispatch(msg, ctx)
            if msg.type == "image":  # kept whatever the answer; downloaded by the worker
                photo_ids.append(photos.add(
                    session, inbound_id=inbound_id, ticket_id=answer.ticket_id,
                    media_id=msg.media_id, pic_url=msg.image, now=ctx.now).id)
            if answer.text and not passive:
                outbox.add(session, to_openid=msg.source, channel="customer_service",
                           purpose="reply", payload={"text": answer.text}, now=ctx.now,
                           ticket_id=answer.ticket_id)
            inbound.finish(session, inbound_id, status="processed", reply=answer.text,
                           ticket_id=answer.ticket_id)
    except AlreadyHandled:  # another try finished it while this one waited for the row
        return _answer_of(inbound.get(svc.db, inbound_id))
    except Exception:
        count_message(_type_of(msg), "failed")
        log.exception("inbound %s failed", inbound_id)
        with svc.db.transaction() as session:
            inbound.finish(session, inbound_id, status="failed",
                           error=traceback.format_exc(limit=5))
        if raise_errors:
            raise
        from bot.wechat.jobs import reprocess_inbound
        svc.enqueue(reprocess_inbound, inbound_id, retry=REPROCESS_RETRY)
        return replies.ACK_LATER if msg.type != "event" else None
    elapsed = time.perf_counter() - started
    instruments().handling_seconds.observe(elapsed)
    outcome = "handled" if passive else "handled_later"
    count_message(_type_of(msg), outcome)
    log.info("inbound %s handled in %.1f ms", inbound_id, elapsed * 1000, extra={
        "event": "message", "inbound_id": inbound_id, "type": _type_of(msg), "outcome": outcome,
        "ticket_id": answer.ticket_id, "ms": round(elapsed * 1000, 1)})
    svc.deliver_later(outbox.take_new_ids(session))
    for func, args in later:
        svc.enqueue(func, *args)
    if photo_ids:
        from bot.wechat.jobs import fetch_photo
        for photo_id in photo_ids:
            svc.enqueue(fetch_photo, photo_id, retry=PHOTO_RETRY)
    return answer.text


class AlreadyHandled(Exception):
    """The stored message was handled by another try (a retry, or the reprocess job)."""


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


def _wait_for_first(svc: Services, row) -> InboundMessage:
    """A retry of a message still being handled waits briefly for the first answer."""
    deadline = time.monotonic() + DUPLICATE_WAIT_SECONDS
    while row.status == "received" and time.monotonic() < deadline:
        time.sleep(0.05)
        row = inbound.get(svc.db, row.id)
    return row


def _answer_of(row) -> str | None:
    if row.status in ("processed", "throttled"):
        return row.reply
    return replies.ACK_LATER if row.status == "failed" else None


def _type_of(msg) -> str:
    return f"event:{msg.event}" if msg.type == "event" else str(msg.type)
