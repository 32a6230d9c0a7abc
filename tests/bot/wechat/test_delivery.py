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
    svc.deliver_each([row.id])  # a duplicate job, e.g. from the stale sweep
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
    with svc.db.transaction() as session:  # not before its 新工单
        assert rows_owed.claim_due(session, follow_up, svc.now(), limit=0) == []
        assert [row.id for row in rows_owed.claim_due(session, new, svc.now(), limit=0)] == [new]
    with svc.db.transaction() as session:
        rows_owed.record_sent(session, new, svc.now(), "template")
    with svc.db.transaction() as session:
        assert [row.id for row in rows_owed.claim_due(session, follow_up, svc.now(),
                                                      limit=0)] == [follow_up]


def test_a_queue_built_up_under_load_is_one_drain_job_that_sends_each_once(
        app, chat, svc, worker):
    """Messages written faster than they are sent: the first queues a drain job, the next
    ones find it waiting and queue nothing; it sends each message once."""
    chat.send("三单元楼道灯坏了")
    for text in ("新问题 楼下垃圾好几天没人清运", "新问题 小区门口路面有大坑"):
        chat.send(text)
    owed = rows(svc, Outbox)
    assert len(owed) == 3 and svc.queue.count == 1
    worker()
    assert [(row.status, row.attempts) for row in rows(svc, Outbox)] == [("sent", 1)] * 3
    assert sorted(d.outbox_id for d in rows(svc, LocalDelivery)) == [row.id for row in owed]


def test_a_rows_own_job_delivers_the_fresh_rows_and_takes_their_jobs_off(app, chat, svc):
    """Rows re-queued one job each (the clock's requeue after Redis lost their drain): the
    first job to run takes the fresh rows that are due with its own, each sent once, and
    the jobs it made redundant are gone."""
    from bot.wechat.jobs import deliver_outbox, delivery_job_id
    chat.send("三单元楼道灯坏了")
    for text in ("新问题 楼下垃圾好几天没人清运", "新问题 小区门口路面有大坑"):
        chat.send(text)
    owed = rows(svc, Outbox)
    svc.queue.empty()  # Redis lost the drain job
    svc.deliver_each([row.id for row in owed])
    assert svc.queue.count == 3
    with app.app_context():
        assert deliver_outbox(owed[0].id) == "sent"
    assert [row.status for row in rows(svc, Outbox)] == ["sent"] * 3
    assert [row.attempts for row in rows(svc, Outbox)] == [1] * 3
    assert sorted(d.outbox_id for d in rows(svc, LocalDelivery)) == [row.id for row in owed]
    # (called here as its job would be) the other two rows' jobs would only find them sent
    assert svc.queue.job_ids == [delivery_job_id(owed[0].id)]
    with app.app_context():
        assert deliver_outbox(owed[1].id) == "skipped"  # a duplicate job, say from a requeue
    assert count(svc, LocalDelivery) == 3


def test_a_job_a_worker_has_taken_keeps_its_hash_when_another_delivers_its_row(
        app, chat, svc):
    """A drain that delivered a row takes that row's job off the queue only while it waits
    there: a job already taken by a worker (dequeued, maybe running) keeps its hash, which
    its worker goes on reading and writing (RQ would otherwise record its end on a job
    that no longer exists)."""
    from rq.job import Job

    from bot.wechat.jobs import deliver_outbox, delivery_job_id
    chat.send("三单元楼道灯坏了")
    for text in ("新问题 楼下垃圾好几天没人清运", "新问题 小区门口路面有大坑"):
        chat.send(text)
    first, taken, waiting = rows(svc, Outbox)
    svc.queue.empty()
    svc.deliver_each([first.id, taken.id, waiting.id])  # the clock's requeue
    # another worker has dequeued `taken`'s job (as RQ's LPOP does) but not yet run it
    assert svc.redis.lrem(svc.queue.key, 1, delivery_job_id(taken.id)) == 1
    with app.app_context():
        assert deliver_outbox(first.id) == "sent"
    assert [row.status for row in rows(svc, Outbox)] == ["sent"] * 3
    assert Job.exists(delivery_job_id(taken.id), connection=svc.redis)  # its worker's
    assert not Job.exists(delivery_job_id(waiting.id), connection=svc.redis)
    assert svc.queue.job_ids == [delivery_job_id(first.id)]
    job = Job.fetch(delivery_job_id(taken.id), connection=svc.redis)
    with app.app_context():
        assert job.perform() == "skipped"  # its worker runs it: the row is sent already
    assert count(svc, LocalDelivery) == 3


def test_a_claim_takes_its_own_row_and_no_more_than_its_batch(app, chat, svc):
    """claim_due claims the job's own row and at most `limit` fresh ones, however the
    database plans it (PostgreSQL rescanned a subquery, and SKIP LOCKED skipped the rows
    the statement itself had just claimed: limit 0 claimed two rows)."""
    from store import outbox as rows_owed
    chat.send("三单元楼道灯坏了")
    for text in ("新问题 楼下垃圾好几天没人清运", "新问题 小区门口路面有大坑",
                 "新问题 楼上噪音太大"):
        chat.send(text)
    first, second, third, fourth = rows(svc, Outbox)
    with svc.db.transaction() as session:
        assert [row.id for row in rows_owed.claim_due(session, third.id, svc.now(),
                                                      limit=0)] == [third.id]
        assert [row.id for row in rows_owed.claim_due(session, second.id, svc.now(),
                                                      limit=1)] == [second.id, first.id]
    assert [row.status for row in rows(svc, Outbox)] == ["sending"] * 3 + ["pending"]


def test_a_row_that_failed_a_try_waits_for_its_own_retry(app, chat, svc):
    """Another row's job never takes a row whose try failed: WeChat's errors get the backoff
    of the row's own retries, not a try with every new message."""
    from sqlalchemy import update

    from bot.wechat.jobs import deliver_outbox
    chat.send("三单元楼道灯坏了")
    chat.send("新问题 楼下垃圾好几天没人清运")
    failed, fresh = rows(svc, Outbox)
    with svc.db.transaction() as session:
        session.execute(update(Outbox).where(Outbox.id == failed.id)
                        .values(attempts=1, last_error="-1 system error"))
    with app.app_context():
        assert deliver_outbox(fresh.id) == "sent"
    failed, fresh = rows(svc, Outbox)
    assert (failed.status, failed.attempts, fresh.status) == ("pending", 1, "sent")
    with app.app_context():
        assert deliver_outbox(failed.id) == "sent"  # its own retry
    assert rows(svc, Outbox)[0].attempts == 2


def test_a_batch_cut_short_gives_the_untried_rows_back_untouched(app, chat, svc, worker,
                                                                  monkeypatch):
    import pytest
    from rq.job import Job

    from bot.wechat.jobs import deliver_outbox, delivery_job_id
    chat.send("三单元楼道灯坏了")
    for text in ("新问题 楼下垃圾好几天没人清运", "新问题 小区门口路面有大坑"):
        chat.send(text)
    own, second, third = rows(svc, Outbox)
    send = svc.transport.send

    def failing(row):
        if row.id == second.id:
            raise ConnectionError("WeChat unreachable")
        return send(row)
    monkeypatch.setattr(svc.transport, "send", failing)
    with app.app_context():
        assert deliver_outbox(own.id) == "sent"  # its own row went; the failure is another's
    own, second, third = rows(svc, Outbox)
    assert (own.status, second.status, third.status) == ("sent", "pending", "pending")
    assert "unreachable" in second.last_error and second.attempts == 1
    assert (third.attempts, third.claimed_by, third.last_error) == (0, None, None)
    # the failed row has a job of its own, with RQ's retries at DELIVERY_RETRY's backoff
    assert svc.queue.scheduled_job_registry.get_job_ids() == [delivery_job_id(second.id)]
    retry = Job.fetch(delivery_job_id(second.id), connection=svc.redis)
    assert retry.retries_left == 4 and retry.retry_intervals == [30, 120, 600, 1800]

    monkeypatch.setattr(svc.transport, "send", lambda row: (_ for _ in ()).throw(
        ConnectionError("still unreachable")))
    with app.app_context(), pytest.raises(ConnectionError):
        deliver_outbox(third.id)  # its own row failed: RQ retries this job later
    assert rows(svc, Outbox)[2].attempts == 1


def test_a_stop_ends_a_drain_after_the_row_being_sent(app, chat, svc, monkeypatch):
    """A worker told to stop (SIGTERM) finishes the message in flight and gives the rest of
    its batch back at once, for the next worker, instead of sending a whole queue first."""
    from bot.wechat import jobs
    chat.send("三单元楼道灯坏了")
    for text in ("新问题 楼下垃圾好几天没人清运", "新问题 小区门口路面有大坑"):
        chat.send(text)
    own, second, third = rows(svc, Outbox)
    stop_while_sending(monkeypatch, svc)
    with app.app_context():
        assert jobs.deliver_outbox(own.id) == "sent"
    assert [(row.status, row.attempts, row.claimed_by) for row in rows(svc, Outbox)] == [
        ("sent", 1, None), ("pending", 0, None), ("pending", 0, None)]
    assert count(svc, LocalDelivery) == 1


def test_a_batch_cut_short_gives_back_the_allowance_and_the_queue_its_untried_rows(
        app, chat, svc, worker, monkeypatch):
    """Rows handed back untried must not have used up the resident's customer-service
    window (5 texts after a message, WeChat's rule): the next try still goes as a text."""
    from bot.wechat import jobs
    from store import outbox
    from store.models import SendAllowance
    chat.send("你好")  # the resident wrote: a window of customer-service texts is open
    svc.queue.empty()
    with svc.db.transaction() as session:
        for n in range(4):
            outbox.add(session, to_openid=chat.openid, channel="customer_service",
                       purpose="reply", payload={"text": f"进度 {n}"}, now=svc.now())
    first, *rest = rows(svc, Outbox, Outbox.to_openid == chat.openid)
    stop_while_sending(monkeypatch, svc)
    with app.app_context():
        assert jobs.deliver_outbox(first.id) == "sent"
    [allowance] = rows(svc, SendAllowance, SendAllowance.openid == chat.openid,
                       order_by=SendAllowance.openid)
    assert allowance.message_sends + allowance.event_sends == 1  # only the text that went
    assert [row.status for row in rows(svc, Outbox, Outbox.id.in_([r.id for r in rest]))] == \
        ["pending"] * 3
    jobs.stop_draining.clear()
    worker()  # the drain queued for them
    assert [row.status for row in rows(svc, Outbox, Outbox.id.in_([r.id for r in rest]))] == \
        ["sent"] * 3
    assert count(svc, LocalDelivery, LocalDelivery.outbox_id.in_([r.id for r in rest])) == 3


def stop_while_sending(monkeypatch, svc):
    """A stop signal arrives while the first row is being sent; returns the real send."""
    from bot.wechat import jobs
    monkeypatch.setattr(jobs, "stop_draining", jobs.threading.Event())
    send = svc.transport.send

    def send_then_stop(row):
        jobs.stop_draining.set()
        return send(row)
    monkeypatch.setattr(svc.transport, "send", send_then_stop)
    return send
