"""Outbound messages: written with the change, delivered by a real RQ worker, never lost."""
from datetime import timedelta

import redis
import time_machine

from bot.wechat.jobs import requeue_stale_outbox
from store.models import LocalDelivery, Outbox, Ticket

from tests.support import count, rows


def test_the_grid_worker_is_notified_through_a_real_worker(chat, svc, worker):
    chat.send("三单元楼道灯坏了")
    [pending] = rows(svc, Outbox)
    assert pending.status == "pending"

    worker()

    [sent] = rows(svc, Outbox)
    assert sent.status == "sent" and sent.attempts == 1
    [delivered] = rows(svc, LocalDelivery)
    ticket = rows(svc, Ticket)[0]
    assert delivered.to_openid == "o_worker_01"
    assert f"新工单 {ticket.number}" in delivered.payload["text"]
    assert "三单元楼道灯坏了" in delivered.payload["text"]


def test_running_a_delivery_twice_sends_once(chat, svc, app, worker):
    chat.send("小区道路路面有大坑")
    [row] = rows(svc, Outbox)
    svc.deliver_later([row.id])  # a duplicate job, e.g. from the stale sweep
    worker()
    assert count(svc, LocalDelivery) == 1


def test_messages_written_while_redis_is_down_are_delivered_by_the_sweep(
        make_app, demo, chat, svc, app, worker):
    svc.queue.connection = redis.Redis(port=1, socket_connect_timeout=0.2)  # Redis gone
    reply = chat.send("路边垃圾没人收")
    assert reply.startswith("已受理")  # the resident is answered anyway
    svc.queue.connection = svc.redis  # Redis is back, the job was never queued
    worker()
    assert count(svc, LocalDelivery) == 0

    with time_machine.travel(svc.now() + timedelta(minutes=2), tick=False):
        with app.app_context():
            assert requeue_stale_outbox() == 1
        worker()
    assert count(svc, LocalDelivery) == 1
    assert rows(svc, Outbox)[0].status == "sent"


def test_fresh_rows_are_left_to_their_own_jobs(chat, svc, app):
    chat.send("楼下噪音太大")
    with app.app_context():
        assert requeue_stale_outbox() == 0


def test_a_follow_up_never_overtakes_its_new_ticket(app, chat, svc, worker):
    """Two delivery workers may take two messages at once: the 居民补充 waits until the 新工单
    about the same ticket to the same person is out."""
    from sqlalchemy import select

    from store import outbox as rows_owed
    chat.send("三单元楼道灯坏了")
    chat.send("灯还一闪一闪的")
    with svc.db.sessions() as session:
        new, follow_up = session.scalars(
            select(Outbox.id).where(Outbox.to_openid == "o_worker_01").order_by(Outbox.id))
    with svc.db.transaction() as session:
        assert rows_owed.claim(session, follow_up, svc.now()) is None  # not before its 新工单
        assert rows_owed.claim(session, new, svc.now()) is not None
    with svc.db.transaction() as session:
        rows_owed.mark_sent(session, new, svc.now())
    with svc.db.transaction() as session:
        assert rows_owed.claim(session, follow_up, svc.now()) is not None
