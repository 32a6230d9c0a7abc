"""RQ jobs. They take ids, never objects, and run inside the app context of a worker."""
from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import redis
from redis.commands.core import Script
from rq import Retry, Worker, get_current_job
from rq.job import Job
from wechatpy.exceptions import APILimitedException, WeChatClientException

from bot.metrics import count_delivery, instruments
from bot.services import DELIVERY_RETRY, drain_key, services
from bot.wechat.errors import (GIVE_UP, NOT_WHITELISTED, UNREACHABLE_CODES, UNREACHABLE_REASONS,
                               account_problem, deferred, quota_key, seconds_to_china_midnight)
from store import outbox

log = logging.getLogger(__name__)


# A job drains fresh rows for at most this many claims (batches of outbox.CLAIM_BATCH), so a
# job never holds its worker for long while a stop waits; the rest is left to later jobs.
DRAIN_ROUNDS = 10
# Set when the worker is asked to stop: a drain ends after the row being sent and gives the
# rest of its batch back at once (they are not left claimed by a worker about to go away).
stop_draining = threading.Event()


def drain_outbox() -> str:
    """Deliver every fresh row that is due (never tried: a row that failed a try waits for its
    own job's retry), a claim of up to outbox.CLAIM_BATCH at a time, and the rows committed
    while it runs: Services.wake_drain queues no job while it is noted as running, and nudges
    it instead; it waits up to DRAIN_LINGER_SECONDS for a nudge after each pass (for up to
    DRAIN_SECONDS in all), so at a steady rate one job delivers many messages (RQ's
    bookkeeping was two thirds of a lone delivery). Once the note is gone it looks once more:
    a row committed while it was noted is claimed by that last look. A row whose try fails
    gets a job of its own (fixed id, RQ's retries and failure registry) and the rest of its
    batch goes to a new drain. How it ended: "empty", "rounds", "stopped", "deferred" or
    "failed" (a row's try)."""
    svc = services()
    _note(svc, True)
    started = time.monotonic()
    try:
        if deferred(svc):
            return "deferred"  # over WeChat's daily quota, or not whitelisted: the clock re-queues
        while True:
            _, ended = _drain(svc, None)
            if (ended != "empty" or stop_draining.is_set()
                    or time.monotonic() - started > DRAIN_SECONDS or not _nudged(svc)):
                break
    finally:
        _note(svc, False)
    if ended == "empty":  # the last look: rows committed while this drain was noted (when
        _, ended = _drain(svc, None)  # stopping too: it ends after its first row then)
    if ended in ("rounds", "stopped", "failed"):  # rows may be left: another drain takes them
        svc.wake_drain()
    return ended


# A drain waits this long after a pass for rows committed meanwhile (a nudge wakes it at
# once), and runs for about DRAIN_SECONDS at most before it leaves the rest to a new job
# (other jobs in the queue get their turn; a stop is noticed after the row in flight or the
# wait).
DRAIN_LINGER_SECONDS = 0.25
DRAIN_SECONDS = 5.0
# How long a running drain stays noted if it is never forgotten (its worker died): new rows
# then queue a new drain after this long at most, and the clock's requeue takes what is
# older than OUTBOX_REQUEUE_AFTER_SECONDS. Renewed with every nudge.
DRAIN_NOTED_SECONDS = 30


def _note(svc, running: bool) -> None:
    """Note a drain as running, or not (and forget the nudges: its last look covers them)."""
    keys = [drain_key(svc.queue, "running"), drain_key(svc.queue, "nudged")]
    try:
        if running:
            svc.queue.connection.set(keys[0], 1, ex=DRAIN_NOTED_SECONDS)
        else:
            svc.queue.connection.delete(*keys)
    except redis.RedisError as error:  # more drains are queued than needed: no harm
        log.warning("could not note the drain (%s): %s", running, error)


def _nudged(svc) -> bool:
    """Wait for rows committed after the last claim (a nudge from wake_drain); True when one
    came (the nudges are then forgotten: the next pass claims after them)."""
    connection = svc.queue.connection
    nudged, running = drain_key(svc.queue, "nudged"), drain_key(svc.queue, "running")
    try:
        if not connection.blpop([nudged], timeout=DRAIN_LINGER_SECONDS):
            return False
        with connection.pipeline() as pipeline:
            pipeline.delete(nudged).expire(running, DRAIN_NOTED_SECONDS).execute()
        return True
    except redis.RedisError as error:
        log.warning("a drain could not wait for more rows: %s", error)
        return False


def deliver_outbox(outbox_id: int) -> str:
    """Hand outbox row `outbox_id` to the transport, and with it the fresh rows that are due.
    The job of a row the clock re-queued (bot.services.deliver_each) or that failed a try in
    a drain. Returns this row's outcome; raises when this row failed a try so RQ retries it
    (only where another try can succeed: every WeChat error code has its own behaviour
    here)."""
    svc = services()
    if deferred(svc):
        return "deferred"  # over WeChat's daily quota, or not whitelisted: the clock re-queues
    own, ended = _drain(svc, outbox_id)
    if ended == "rounds":  # fresh rows may be left
        svc.wake_drain()
    return own


def _drain(svc, own_id: int | None) -> tuple[str, str]:
    """Claim and send batches (the row `own_id` first, when given) until a claim comes back
    empty, at most DRAIN_ROUNDS. Returns the own row's outcome ("skipped":
    already sent, given up, or in other hands) and how the drain ended; raises when the own
    row failed a try. Another row's failed try gets a job of its own, and ends the drain."""
    worker, own = current_worker(), "skipped"
    for round_ in range(DRAIN_ROUNDS):
        batch, claimed, own_given_up, later = _claim(svc, own_id if round_ == 0 else None,
                                                     worker)
        if own_given_up:
            own = "failed"
        done = []  # other rows settled here: their own jobs (if any) have nothing left to do
        try:
            for n, (row, channel) in enumerate(batch):
                rest = [other for other, _ in batch[n + 1:]]
                try:
                    outcome = _deliver(svc, row, channel)
                except Exception:
                    _unclaim(svc, rest)
                    if row.id == own_id:
                        raise  # RQ tries this row again later
                    _retry_later(svc, row.id)
                    return own, "failed"
                if row.id == own_id:
                    own = outcome
                elif outcome != "deferred":
                    done.append(row.id)
                if outcome == "deferred":  # WeChat takes nothing more for now
                    _unclaim(svc, rest)
                    return ("deferred" if row.id == own_id else own), "deferred"
                if stop_draining.is_set():
                    _unclaim(svc, rest)
                    return own, "stopped"
        finally:
            if own_id is not None:
                _drop_jobs(svc, done)
        if not claimed or (own_id is None and not later):
            # nothing fresh is left — a claim short of a full batch is not enough: a message
            # about the same ticket to the same person is not claimed with the one before it
            # (it never overtakes it), and is due once that one is out. A drain claims again
            # only when its claim saw a fresh row after one it took (`later`): what was
            # committed since that claim nudges it (Services.wake_drain), and its last look
            # claims after its note is gone. A row's own job, which nothing nudges, claims
            # until a claim comes back empty.
            return own, "empty"
    return own, "rounds"


def _retry_later(svc, outbox_id: int) -> None:
    """A job of its own for a row whose try failed in another row's batch: RQ's retries, at
    the backoff of DELIVERY_RETRY (its first try was this one), and RQ's failure registry
    once they are used up."""
    first, *later = DELIVERY_RETRY.intervals
    try:
        svc.queue.enqueue_in(timedelta(seconds=first), deliver_outbox, outbox_id,
                             job_id=delivery_job_id(outbox_id),
                             retry=Retry(max=DELIVERY_RETRY.max - 1, interval=later))
    except redis.RedisError as error:  # requeue_stale_outbox finds it
        log.warning("could not queue the retry of outbox %s: %s", outbox_id, error)


def delivery_job_id(outbox_id: int) -> str:
    """The id of a row's delivery job (Services.deliver_each): known without asking Redis,
    so a job that delivered the row can take its job off the queue."""
    return f"deliver-outbox-{outbox_id}"


# KEYS[1] the queue, ARGV job ids, KEYS[1 + n] their hashes: each job still waiting in the
# queue is taken off it and its hash deleted; a job no longer in the queue is in a worker's
# hands (dequeued, maybe running), and its hash, which that worker still reads and writes, is
# left alone. One script: nothing can take a job between its LREM and its DEL.
DROP_WAITING = """
local dropped = 0
for n, job_id in ipairs(ARGV) do
  if redis.call('LREM', KEYS[1], 1, job_id) == 1 then
    redis.call('DEL', KEYS[n + 1])
    dropped = dropped + 1
  end
end
return dropped
"""
_drop_waiting = Script(None, DROP_WAITING.encode())  # EVALSHA; loaded when Redis lacks it


def _drop_jobs(svc, outbox_ids: list[int]) -> int:
    """Take the still-waiting jobs of rows this job delivered off the queue, in one round
    trip: each would only find its row sent. How many were taken off."""
    if not outbox_ids:
        return 0
    job_ids = [delivery_job_id(outbox_id) for outbox_id in outbox_ids]
    try:
        return _drop_waiting(keys=[svc.queue.key, *(Job.key_for(job_id) for job_id in job_ids)],
                             args=job_ids, client=svc.redis)
    except redis.RedisError as error:  # they run and skip
        log.warning("could not drop %d delivered rows' jobs: %s", len(outbox_ids), error)
        return 0


def _claim(svc, own_id: int | None, worker: str | None) -> tuple[list, int, bool, bool]:
    """Claim a batch: ([(row, channel)] to send, own row first; how many rows were claimed;
    whether the own row was given up; whether a fresh row after one of them was left).
    Rows no channel can reach are given up in the same transaction."""
    now = svc.now()
    own_given_up = False
    with svc.db.transaction() as session:
        rows = outbox.claim_due(session, own_id, now, worker=worker)
        if not rows:
            return [], 0, False, False
        # Every row is checked for a user WeChat said is unreachable; customer-service rows
        # spend an allowance, locked until this claim commits.
        allowances = outbox.allowances_for(session, (row.to_openid for row in rows))
        batch = []
        for row in rows:
            allowance = allowances.get(row.to_openid)
            reason = allowance.unreachable if allowance else None
            channel = None if reason else outbox.choose_channel(
                row, allowance, now, template_ready=svc.transport.template_ready(row.payload))
            if channel is None:
                outbox.give_up(session, row.id, (
                    f"{UNREACHABLE_CODES[reason]} {reason}: not sent" if reason else
                    "45015 no customer-service window left and no template configured "
                    "(WECHAT_TEMPLATE_PROGRESS / WECHAT_TEMPLATE_TICKET)"))
                count_delivery(row.channel, "failed")
                own_given_up = own_given_up or row.id == own_id
                continue
            batch.append((row, channel))
    return batch, len(rows), own_given_up, any(row.later for row in rows)


def _unclaim(svc, rows: list) -> None:
    """Give a cut-short batch's untried rows back, for a drain to take (a new one, or the one
    this is part of when it ends: it then queues a new one)."""
    if not rows:
        return
    with svc.db.transaction() as session:
        outbox.unclaim(session, rows)
    svc.wake_drain()


def _deliver(svc, row, channel: str) -> str:
    """Send one claimed row; its outcome ("sent", "failed", "deferred"); raises after
    recording a failed try that another try may fix."""
    try:
        used = svc.transport.send(row)
    except APILimitedException as error:  # 45009
        with svc.db.transaction() as session:
            outbox.release(session, row.id, f"45009 quota reached, waiting for midnight: "
                                            f"{error}")
        svc.redis.set(quota_key(svc), 1, ex=seconds_to_china_midnight(svc.now()))
        log.warning("WeChat quota reached; deliveries wait until midnight China time")
        count_delivery(channel, "deferred")
        return "deferred"
    except WeChatClientException as error:
        if error.errcode not in GIVE_UP and error.errcode != NOT_WHITELISTED:
            _failed_try(svc, row.id, error, channel)
            raise  # -1 (busy) and the rest: RQ tries again later
        outcome = _refused(svc, row, error)
        count_delivery(channel, outcome)
        return outcome
    except Exception as error:
        _failed_try(svc, row.id, error, channel)
        raise
    if channel == "customer_service" and used != channel:
        with svc.db.transaction() as session:
            outbox.window_used_up(session, row.to_openid)  # WeChat said 45015 / 45047
            outbox.record_sent(session, row.id, svc.now(), used)
    elif not getattr(svc.transport, "marks_sent", False):  # the local one marks it itself
        outbox.record_sent(svc.db, row.id, svc.now(), used)  # one round trip
    count_delivery(used, "sent", (svc.now() - row.created_at).total_seconds())
    return "sent"


def _failed_try(svc, outbox_id: int, error: Exception, channel: str) -> None:
    with svc.db.transaction() as session:
        state = outbox.mark_failed_try(session, outbox_id, f"{type(error).__name__}: {error}")
    log.warning("delivery of outbox %s failed (%s): %s", outbox_id, state, error)
    count_delivery(channel, "failed" if state == "failed" else "retrying")


def _refused(svc, row, error: WeChatClientException) -> str:
    """An answer no retry can change: the user is gone, or the account must be fixed."""
    code, text = error.errcode, f"{type(error).__name__}: {error}"
    with svc.db.transaction() as session:
        if code == NOT_WHITELISTED:  # every call fails until an admin adds this server
            outbox.release(session, row.id, text)
        else:
            outbox.give_up(session, row.id, text)
        if code in UNREACHABLE_REASONS:
            outbox.mark_unreachable(session, row.to_openid, UNREACHABLE_REASONS[code])
    account_problem(svc, error)
    return "deferred" if code == NOT_WHITELISTED else "failed"


def deliver_mass_send(mass_id: int) -> str:
    """One message/mass/send call of a notice; WeChat reports its outcome later
    (MASSSENDJOBFINISH, handlers.events.MassSendFinished). Idempotent by clientmsgid."""
    from store import command
    svc = services()
    if deferred(svc):
        return "deferred"
    with svc.db.transaction() as session:
        mass = command.claim_mass(session, mass_id)
        if mass is None:
            return "skipped"
        openids, text, client_msg_id = mass.openids, mass.text, mass.client_msg_id
    try:
        msg_id = svc.transport.send_mass_text(openids, text, client_msg_id)
    except WeChatClientException as error:
        final = error.errcode in GIVE_UP
        with svc.db.transaction() as session:
            command.mass_failed(session, mass_id, f"{type(error).__name__}: {error}",
                                final=final)
        if account_problem(svc, error) or final:
            return "failed" if final else "deferred"  # 40164: the clock's requeue retries
        raise
    except Exception as error:
        with svc.db.transaction() as session:
            command.mass_failed(session, mass_id, f"{type(error).__name__}: {error}",
                                final=False)
        raise
    with svc.db.transaction() as session:
        command.mass_submitted(session, mass_id, msg_id, svc.now())
    if svc.transport.name == "local":  # no WeChat to report back: every one received it
        with svc.db.transaction() as session:
            command.mass_finished(session, msg_id, result="send success", total=len(openids),
                                  kept=len(openids), sent=len(openids), errors=0,
                                  now=svc.now())
    return "submitted"


# A delivery takes well under a second; a claim this old whose worker has left Redis is dead.
# (Workers beat every WORKER_TTL - 15 s and drop out WORKER_TTL s after their last beat.)
ABANDONED_AFTER = timedelta(seconds=20)


def current_worker() -> str | None:
    """The name of the RQ worker running this job (None when called directly)."""
    job = get_current_job()
    return job.worker_name if job is not None else None


def worker_alive(svc, name: str) -> bool:
    return bool(svc.redis.exists(Worker.redis_worker_namespace_prefix + name))


def requeue_stale_outbox() -> int:
    """Re-enqueue rows whose delivery job was lost (Redis restart, crash, outage)."""
    svc = services()
    if deferred(svc):
        return 0
    older_than = timedelta(seconds=svc.settings.outbox_requeue_after_seconds)
    with svc.db.transaction() as session:
        dead = [(row_id, name) for row_id, name in
                outbox.claims_older_than(session, svc.now(), ABANDONED_AFTER)
                if not worker_alive(svc, name)]
        handed_back = outbox.hand_back(session, dead, "the delivery worker died mid-send")
    if handed_back:
        log.warning("handed back %d deliveries of workers that died", len(handed_back))
    with svc.db.sessions() as session:
        ids = outbox.stale_ids(session, svc.now(), older_than)
    ids = sorted(set(ids) | set(handed_back))
    svc.deliver_each(ids)
    if ids:
        log.info("re-enqueued %d stale outbox rows", len(ids))
    from store import command
    with svc.db.sessions() as session:
        masses = command.stale_mass_ids(session)
    for mass_id in masses:
        svc.enqueue(deliver_mass_send, mass_id)
    return len(ids)


def reprocess_stuck_inbound() -> int:
    """Hand stored-but-unhandled messages to reprocess_inbound (the row lock keeps a late
    first try and this one from both acting); the answer then goes out by the outbox."""
    from bot.wechat.inbox import REPROCESS_RETRY
    from store import inbound
    svc = services()
    with svc.db.sessions() as session:
        ids = inbound.stuck_ids(session, svc.now(), timedelta(minutes=1))
    for inbound_id in ids:
        svc.enqueue(reprocess_inbound, inbound_id, retry=REPROCESS_RETRY)
    return len(ids)


def reprocess_inbound(inbound_id: int) -> str:
    """Handle a stored message whose first handling failed; the reply goes out by the outbox."""
    from bot.wechat.inbox import process_stored
    return process_stored(services(), inbound_id)


def sweep_sla() -> int:
    """Escalate tickets whose clocks ran out, and service orders nobody took in time (to the
    community), one batch per transaction until none is left."""
    from store import ladder, service_orders
    svc = services()
    total = 0
    while True:
        with svc.changing() as session:
            done = ladder.sweep(session, svc.now())
            done += service_orders.sweep_unclaimed(session, svc.now())
        total += done
        instruments().sla_breaches.inc(done)
        if done == 0:
            return total


def close_and_revisit() -> dict:
    """Close resolved tickets left unrated for 72 h; ask low raters whether it is fixed now;
    once it is day, send the pushes that waited for it (store/daytime)."""
    from store import daytime, ratings
    svc = services()
    with svc.changing() as session:
        closed = ratings.close_unrated(session, svc.now())
        visited = ratings.return_visits(
            session, svc.now(), after=timedelta(hours=svc.settings.return_visit_after_hours))
        morning = daytime.send_in_the_morning(session, svc.now())
    return {"closed": closed, "visited": visited, "sent_in_the_morning": morning}


def fetch_photo(photo_id: int) -> str:
    """Download a resident's picture into the database (in the worker, never in the 5-second
    webhook path). Raises while WeChat cannot be reached, so RQ retries; a picture that is
    gone or not a picture is marked failed."""
    from bot.wechat.transport import MediaUnavailable
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
    from bot.wechat.inbox import PHOTO_RETRY
    from store import photos
    svc = services()
    with svc.db.sessions() as session:
        ids = photos.pending_ids(session, svc.now(), timedelta(minutes=15), timedelta(days=3))
    for photo_id in ids:
        svc.enqueue(fetch_photo, photo_id, retry=PHOTO_RETRY)
    return len(ids)
