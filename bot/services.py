"""The shared parts of one app: settings, database, Redis, queue, outbound transport."""
from __future__ import annotations

import contextlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

import redis
from redis.commands.core import Script
from flask import Flask, current_app
from rq import Queue, Retry

from bot.config import Settings
from bot.wechat.transport import LocalTransport, WeChatTransport
from store import Database, outbox

log = logging.getLogger(__name__)
KEY = "griddesk"
DELIVERY_RETRY = Retry(max=5, interval=[10, 30, 120, 600, 1800])


@dataclass
class Services:
    settings: Settings
    db: Database
    redis: redis.Redis
    queue: Queue
    transport: LocalTransport | WeChatTransport
    classify: Callable  # nlp.classify; a service so a test can make it fail

    @staticmethod
    def now() -> datetime:
        return datetime.now(timezone.utc)

    def enqueue(self, func, *args, **options) -> bool:
        """Queue a job; False when Redis is unreachable (the periodic sweep catches up)."""
        try:
            self.queue.enqueue(func, *args, **options)
            return True
        except redis.RedisError as error:
            log.warning("enqueue of %s%r failed: %s", func.__name__, args, error)
            return False

    @contextlib.contextmanager
    def changing(self):
        """A transaction whose outbox rows are queued for delivery once it has committed."""
        with self.db.transaction() as session:
            yield session
        self.deliver_later(outbox.take_new_ids(session))

    def deliver_later(self, outbox_ids: list[int]) -> None:
        """Have fresh rows (never tried) delivered, by a drain job (wake_drain)."""
        if outbox_ids:
            self.wake_drain()

    def wake_drain(self) -> None:
        """Make sure a drain job (bot.wechat.jobs.drain_outbox) claims after now: it takes
        every fresh row that is due, so when one is already waiting in the queue, or running
        and not yet past its last look (it is nudged), nothing is queued — one Redis round
        trip, where a job per row cost the webhook RQ's Job and a 20-field HSET a message,
        and the worker RQ's bookkeeping (about 47 Redis commands) a message."""
        from bot.wechat.jobs import drain_outbox
        job_id = str(uuid.uuid4())
        keys = [drain_key(self.queue, "running"), drain_key(self.queue, "waiting"),
                self.queue.key, drain_key(self.queue, "nudged")]
        try:
            if _drain_needed(keys=keys, args=[job_id], client=self.queue.connection):
                self.queue.enqueue(drain_outbox, job_id=job_id)
        except redis.RedisError as error:  # the rows wait; requeue_stale_outbox catches up
            log.warning("queueing a drain of the outbox failed: %s", error)

    def deliver_each(self, outbox_ids: list[int]) -> None:
        """One delivery job per row (fixed id, RQ's retries): for rows that may have failed a
        try (the clock's requeue), which a drain leaves to their own retries. Queued in one
        Redis round trip (the clock may owe hundreds). (Not result_ttl=0: RQ then deletes
        the finished job from every registry, which cost the worker more than storing its
        result, 8.2–8.5 against 9.0–9.5 ms a job.)"""
        from bot.wechat.jobs import deliver_outbox, delivery_job_id
        if not outbox_ids:
            return
        try:
            self.queue.enqueue_many([Queue.prepare_data(deliver_outbox, (outbox_id,),
                                                        retry=DELIVERY_RETRY,
                                                        job_id=delivery_job_id(outbox_id))
                                     for outbox_id in outbox_ids])
        except redis.RedisError as error:  # the rows wait; requeue_stale_outbox catches up
            log.warning("queueing %d deliveries failed: %s", len(outbox_ids), error)


def drain_key(queue: Queue, which: str) -> str:
    """Where a queue's drain job is noted: "waiting" holds the id of the last one queued;
    "running" exists while one runs and has not yet started its last look; "nudged" is a
    list a running drain waits on for rows committed after its last claim."""
    return f"griddesk:drain:{queue.name}:{which}"


# KEYS: the running key, the waiting key, the queue, the nudged list; ARGV[1]: the id of a
# drain job about to be queued. 0: a drain job will claim after now — one is running before
# its last look (nudged: it claims again at once if it is waiting for rows) or one still
# waits in the queue; 1: none will, so the caller queues one (noted as waiting first: two
# callers at once may both queue one, which is harmless; a job lost by Redis or emptied off
# the queue is no longer in the list, so the next caller queues another).
DRAIN_NEEDED = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('RPUSH', KEYS[4], 1)
  redis.call('EXPIRE', KEYS[4], 60)
  return 0
end
local waiting = redis.call('GET', KEYS[2])
if waiting and redis.call('LPOS', KEYS[3], waiting) then return 0 end
redis.call('SET', KEYS[2], ARGV[1], 'EX', 86400)
return 1
"""
_drain_needed = Script(None, DRAIN_NEEDED.encode())  # EVALSHA; loaded when Redis lacks it


def connect_redis(url: str) -> redis.Redis:
    # Short timeouts: a dead Redis must never hold a WeChat callback near its 5 s limit.
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=1)


def init_app(app: Flask, settings: Settings) -> Services:
    import nlp
    db = Database(settings.database_url)
    connection = connect_redis(settings.redis_url)
    transport = (WeChatTransport(settings, connection) if settings.uses_real_wechat
                 else LocalTransport(db, settings))
    services = Services(settings=settings, db=db, redis=connection,
                        queue=Queue(settings.queue_name, connection=connection),
                        transport=transport, classify=nlp.classify)
    app.extensions[KEY] = services
    return services


def services(app: Flask | None = None) -> Services:
    return (app or current_app).extensions[KEY]
