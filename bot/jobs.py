"""RQ jobs. They take ids, never objects, and run inside the app context of a worker."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from wechatpy.exceptions import APILimitedException

from bot.metrics import count_delivery, instruments
from bot.services import services
from store import outbox
from store.vocab import CHINA

log = logging.getLogger(__name__)


def quota_key(svc) -> str:
    return f"griddesk:wechat:{svc.settings.wechat_app_id}:quota_exhausted"


def seconds_to_china_midnight(now: datetime) -> int:
    """WeChat's daily API quotas start again at midnight, China time."""
    local = now.astimezone(CHINA)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=5, microsecond=0)
    return max(60, int((midnight - local).total_seconds()))


def deliver_outbox(outbox_id: int) -> str:
    """Hand one outbox row to the transport; raise on failure so RQ retries it."""
    svc = services()
    if svc.redis.exists(quota_key(svc)):
        return "deferred"  # over WeChat's daily quota: the clock re-queues it tomorrow
    with svc.db.transaction() as session:
        row = outbox.claim(session, outbox_id, svc.now())
    if row is None:
        return "skipped"  # already sent, given up, or being sent by another worker
    channel, owed_at = row.channel, row.created_at
    try:
        svc.transport.send(row)
    except APILimitedException as error:
        with svc.db.transaction() as session:
            outbox.release(session, outbox_id, f"45009 quota reached, waiting for midnight: "
                                                f"{error}")
        svc.redis.set(quota_key(svc), 1, ex=seconds_to_china_midnight(svc.now()))
        log.warning("WeChat quota reached; deliveries wait until midnight China time")
        count_delivery(channel, "deferred")
        return "deferred"
    except Exception as error:
        with svc.db.transaction() as session:
            state = outbox.mark_failed_try(session, outbox_id, f"{type(error).__name__}: {error}")
        log.warning("delivery of outbox %s failed (%s): %s", outbox_id, state, error)
        count_delivery(channel, "failed" if state == "failed" else "retrying")
        raise
    with svc.db.transaction() as session:
        outbox.mark_sent(session, outbox_id, svc.now())
    count_delivery(channel, "sent", (svc.now() - owed_at).total_seconds())
    return "sent"


def requeue_stale_outbox() -> int:
    """Re-enqueue rows whose delivery job was lost (Redis restart, crash, outage)."""
    svc = services()
    if svc.redis.exists(quota_key(svc)):
        return 0
    older_than = timedelta(seconds=svc.settings.outbox_requeue_after_seconds)
    with svc.db.sessions() as session:
        ids = outbox.stale_ids(session, svc.now(), older_than)
    svc.deliver_later(ids)
    if ids:
        log.info("re-enqueued %d stale outbox rows", len(ids))
    return len(ids)


def reprocess_stuck_inbound() -> int:
    """Hand stored-but-unhandled messages to reprocess_inbound (the row lock keeps a late
    first try and this one from both acting); the answer then goes out by the outbox."""
    from bot.inbox import REPROCESS_RETRY
    from store import inbound
    svc = services()
    with svc.db.sessions() as session:
        ids = inbound.stuck_ids(session, svc.now(), timedelta(minutes=1))
    for inbound_id in ids:
        svc.enqueue(reprocess_inbound, inbound_id, retry=REPROCESS_RETRY)
    return len(ids)


def reprocess_inbound(inbound_id: int) -> str:
    """Handle a stored message whose first handling failed; the reply goes out by the outbox."""
    from bot.inbox import process_stored
    return process_stored(services(), inbound_id)


def sweep_sla() -> int:
    """Escalate tickets whose clocks ran out, one batch per transaction until none is left."""
    from store import ladder
    svc = services()
    total = 0
    while True:
        with svc.changing() as session:
            done = ladder.sweep(session, svc.now())
        total += done
        instruments().sla_breaches.inc(done)
        if done == 0:
            return total


def close_and_revisit() -> dict:
    """Close resolved tickets left unrated for 72 h; ask low raters whether it is fixed now."""
    from store import tickets
    svc = services()
    with svc.changing() as session:
        closed = tickets.close_unrated(session, svc.now())
        visited = tickets.return_visits(
            session, svc.now(), after=timedelta(hours=svc.settings.return_visit_after_hours))
    return {"closed": closed, "visited": visited}


def fetch_photo(photo_id: int) -> str:
    """Download a resident's picture into the database (in the worker, never in the 5-second
    webhook path). Raises while WeChat cannot be reached, so RQ retries; a picture that is
    gone or not a picture is marked failed."""
    from bot.transport import MediaUnavailable
    from store import photos
    from store.models import Photo
    svc = services()
    with svc.db.sessions() as session:
        photo = session.get(Photo, photo_id)
        if photo is None or photo.status == "stored":
            return "nothing to do"
        media_id, pic_url = photo.media_id, photo.pic_url
    try:
        data = svc.transport.download_media(media_id, pic_url)
    except MediaUnavailable as error:
        with svc.db.transaction() as session:
            photos.fail(session, photo_id, str(error))
        log.warning("photo %s not kept: %s", photo_id, error)
        return "failed"
    with svc.db.transaction() as session:
        return photos.keep(session, photo_id, data, svc.now())


def fetch_pending_photos() -> int:
    """Queue the download of pictures whose job was lost (Redis down when they arrived)."""
    from bot.inbox import PHOTO_RETRY
    from store import photos
    svc = services()
    with svc.db.sessions() as session:
        ids = photos.pending_ids(session, svc.now(), timedelta(minutes=15), timedelta(days=3))
    for photo_id in ids:
        svc.enqueue(fetch_photo, photo_id, retry=PHOTO_RETRY)
    return len(ids)
