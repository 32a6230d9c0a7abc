"""Fresh outbox rows are delivered by drain jobs (bot.wechat.jobs.drain_outbox): one job for
whatever is due, queued only when no other drain will claim after the rows' commit."""
from rq.job import Job

from bot.wechat import jobs
from store.models import LocalDelivery, Outbox

from tests.bot.wechat.test_delivery import stop_while_sending
from tests.support import count, rows


def test_a_message_written_while_a_drain_sends_is_sent_by_the_same_drain(app, chat, svc,
                                                                          monkeypatch):
    """The drain is noted as running, so the second message queues no job of its own: it
    nudges the drain, which claims again."""
    chat.send("三单元楼道灯坏了")
    svc.queue.empty()  # the drain job is taken by a worker (below, as it would run it)
    send, arrived = svc.transport.send, []

    def send_while_a_message_arrives(row):
        if not arrived:
            arrived.append(chat.send("新问题 楼下垃圾好几天没人清运"))
        return send(row)
    monkeypatch.setattr(svc.transport, "send", send_while_a_message_arrives)
    with app.app_context():
        assert jobs.drain_outbox() == "empty"
    assert arrived[0].startswith("已受理") and svc.queue.count == 0  # no job queued for it
    assert [(row.status, row.attempts) for row in rows(svc, Outbox)] == [("sent", 1)] * 2
    assert count(svc, LocalDelivery) == 2


def test_a_message_written_as_a_drain_stops_waiting_is_sent_by_its_last_look(
        app, chat, svc, monkeypatch):
    """A message committed after the drain's wait for nudges ran out, while it is still
    noted as running: its nudge finds nobody waiting, and the drain's last look, after the
    note is gone, claims it."""
    chat.send("三单元楼道灯坏了")
    svc.queue.empty()
    arrived = []

    def gave_up_waiting(svc_):
        arrived.append(chat.send("新问题 楼下垃圾好几天没人清运"))
        return False  # the wait ran out just before the message was committed
    monkeypatch.setattr(jobs, "_nudged", gave_up_waiting)
    with app.app_context():
        assert jobs.drain_outbox() == "empty"
    assert len(arrived) == 1 and svc.queue.count == 0
    assert [row.status for row in rows(svc, Outbox)] == ["sent"] * 2
    assert count(svc, LocalDelivery) == 2


def test_a_drain_job_lost_off_the_queue_is_queued_again_by_the_next_message(
        app, chat, svc, worker):
    chat.send("三单元楼道灯坏了")
    assert svc.queue.count == 1
    svc.queue.empty()  # as a Redis restart loses it
    chat.send("新问题 楼下垃圾好几天没人清运")
    assert svc.queue.count == 1
    worker()
    assert [row.status for row in rows(svc, Outbox)] == ["sent"] * 2
    chat.send("新问题 小区门口路面有大坑")  # the drain has ended: a new one is queued
    assert svc.queue.count == 1
    worker()
    assert count(svc, LocalDelivery) == 3


def test_a_drain_whose_one_row_fails_retries_that_row_and_sends_the_others_once(
        app, chat, svc, worker, monkeypatch):
    chat.send("三单元楼道灯坏了")
    for text in ("新问题 楼下垃圾好几天没人清运", "新问题 小区门口路面有大坑"):
        chat.send(text)
    first, failing, third = rows(svc, Outbox)
    send = svc.transport.send

    def failing_once(row):
        if row.id == failing.id and not failing_once.failed:
            failing_once.failed = True
            raise ConnectionError("WeChat unreachable")
        return send(row)
    failing_once.failed = False
    monkeypatch.setattr(svc.transport, "send", failing_once)
    worker()  # the drain: the first goes, the second fails, the rest goes by a new drain
    first, failing, third = rows(svc, Outbox)
    assert (first.status, failing.status, third.status) == ("sent", "pending", "sent")
    assert failing.attempts == 1 and "unreachable" in failing.last_error
    # its own job, RQ's retries at DELIVERY_RETRY's backoff (the drain's try was the first)
    [retry_id] = svc.queue.scheduled_job_registry.get_job_ids()
    retry = Job.fetch(retry_id, connection=svc.redis)
    assert retry_id == jobs.delivery_job_id(failing.id) and retry.retries_left == 4
    chat.send("新问题 楼上噪音太大")  # later drains leave the failed row to its retry
    worker()
    assert rows(svc, Outbox)[1].status == "pending"
    with app.app_context():
        assert retry.perform() == "sent"  # as RQ's scheduler runs it when it is due
    assert [row.status for row in rows(svc, Outbox)] == ["sent"] * 4
    assert rows(svc, Outbox)[1].attempts == 2
    deliveries = rows(svc, LocalDelivery)
    assert sorted(d.outbox_id for d in deliveries) == [row.id for row in rows(svc, Outbox)]


def test_a_drain_stopped_by_a_signal_leaves_the_rest_to_a_new_drain(app, chat, svc, worker,
                                                                     monkeypatch):
    chat.send("三单元楼道灯坏了")
    chat.send("新问题 楼下垃圾好几天没人清运")
    svc.queue.empty()
    send = stop_while_sending(monkeypatch, svc)
    with app.app_context():
        assert jobs.drain_outbox() == "stopped"
    assert [(row.status, row.claimed_by) for row in rows(svc, Outbox)] == [
        ("sent", None), ("pending", None)]
    assert svc.queue.count == 1  # for another worker
    jobs.stop_draining.clear()
    monkeypatch.setattr(svc.transport, "send", send)
    worker()
    assert [row.status for row in rows(svc, Outbox)] == ["sent"] * 2
    assert count(svc, LocalDelivery) == 2


def counting_claims(monkeypatch) -> list[int]:
    """How many rows each claim of the drain took, in order."""
    from store import outbox as rows_owed
    claims, claim_due = [], rows_owed.claim_due

    def counted(*args, **kwargs):
        claimed = claim_due(*args, **kwargs)
        claims.append(len(claimed))
        return claimed
    monkeypatch.setattr(rows_owed, "claim_due", counted)
    return claims


def test_a_drain_claims_again_only_when_its_claim_saw_a_fresh_row_left(app, chat, svc,
                                                                        monkeypatch):
    """A pass that took every fresh row ends without a claim that finds nothing (the rows
    committed since are nudged in, or taken by the last look); a row held back behind one
    it took (the same ticket's next message to the same person) is claimed at once."""
    chat.send("三单元楼道灯坏了")
    svc.queue.empty()
    claims = counting_claims(monkeypatch)
    monkeypatch.setattr(jobs, "_nudged", lambda svc_: False)
    with app.app_context():
        assert jobs.drain_outbox() == "empty"
    assert claims == [1, 0]  # the pass, then the last look after the note is gone
    assert [row.status for row in rows(svc, Outbox)] == ["sent"]

    chat.send("新问题 楼下垃圾好几天没人清运")
    chat.send("垃圾桶都满出来了")  # its 居民补充 to the same grid worker: held back at first
    svc.queue.empty()
    claims.clear()
    with app.app_context():
        assert jobs.drain_outbox() == "empty"
    assert claims == [1, 1, 0]
    assert [row.status for row in rows(svc, Outbox)] == ["sent"] * 3
    assert count(svc, LocalDelivery) == 3


def test_the_local_transport_marks_a_row_sent_with_its_record(app, chat, svc):
    """The local record is the send: the row's `sent` is written in the same transaction."""
    from store import outbox as rows_owed
    chat.send("三单元楼道灯坏了")
    [row] = rows(svc, Outbox)
    with svc.db.transaction() as session:
        [claimed] = rows_owed.claim_due(session, row.id, svc.now(), limit=0)
    with app.app_context():
        assert svc.transport.send(claimed) == "template"
    [row] = rows(svc, Outbox)
    [record] = rows(svc, LocalDelivery)
    assert (row.status, row.channel, row.last_error) == ("sent", "template", None)
    assert row.sent_at is not None and record.outbox_id == row.id
