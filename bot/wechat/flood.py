"""Flood control per resident: past N messages a minute, messages are kept but open nothing.

A fixed-window counter in Redis (INCR, and EXPIRE on the window's first message, in one
script: one command and one round trip), keyed by openid and minute. Not Flask-Limiter: it limits *requests* before the view runs and answers 429, while
here the raw message must be stored first (nothing lost), WeChat must still get a 200 with a
polite passive reply (a 429 makes WeChat retry and show the resident an error), WeChat's own
retries must not count (the check runs after deduplication), and the notice goes out exactly
once per window, which needs the exact count INCR returns (limits' `hit` gives a yes/no).

If Redis is unreachable the check lets every message through (fails open): a resident is
never blocked by our outage. After a failure the check is skipped for a few seconds, so a hung
Redis costs one timeout, not one per message.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import redis
from redis.commands.core import Script

log = logging.getLogger(__name__)
WINDOW_SECONDS = 60
SKIP_AFTER_FAILURE_SECONDS = 5.0
NOTICE = ("您在一分钟内发送的消息较多。为避免重复登记，后面的消息我们已保存，暂不逐条生成工单；"
          "请稍等一分钟后把问题合并成一条发送，工作人员也会查看您已发来的内容。"
          "如遇危险，请立即拨打 110、119 或 120。")


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    notice: str | None = None  # said once per window, on the first message over the limit


ALLOWED = Verdict(True)
_skip_until: dict[int, float] = {}  # per Redis connection: when to try Redis again
COUNT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""
# Sent by its hash (EVALSHA); redis-py loads it again when a restarted Redis lacks it.
_count_script = Script(None, COUNT.encode())
_lock = threading.Lock()


def check(connection: redis.Redis, namespace: str, openid: str | None, limit: int,
          now: float | None = None) -> Verdict:
    """Count one new (deduplicated) message from `openid`; may it open a ticket?"""
    if not openid or limit <= 0:
        return ALLOWED
    key_of_connection = id(connection)
    if time.monotonic() < _skip_until.get(key_of_connection, 0.0):
        return ALLOWED
    window = int((time.time() if now is None else now) // WINDOW_SECONDS)
    key = f"griddesk:flood:{namespace}:{openid}:{window}"
    try:
        count = _count(connection, key)
    except redis.RedisError as error:
        with _lock:
            _skip_until[key_of_connection] = time.monotonic() + SKIP_AFTER_FAILURE_SECONDS
        log.warning("flood control skipped, Redis unreachable (messages let through): %s",
                    error)
        return ALLOWED
    if count <= limit:
        return ALLOWED
    return Verdict(False, NOTICE if count == limit + 1 else None)


def _count(connection: redis.Redis, key: str) -> int:
    """The window's count with this message."""
    return _count_script(keys=[key], args=[WINDOW_SECONDS * 2], client=connection)
