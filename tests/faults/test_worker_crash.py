"""An RQ worker killed with SIGKILL while WeChat is answering its request.

What is recorded decides what is sent again: a message whose acceptance was recorded (sent)
is never sent again; the message in flight when the worker died stays claimed (`sending`)
for CLAIM_TIMEOUT (5 minutes), then goes again. That second send is the one at-least-once
window: WeChat may have accepted the first request before the worker died.
"""
import json
import signal
import threading
import uuid
from datetime import timedelta

import pytest
import time_machine
from werkzeug.wrappers import Request, Response

from bot.wechat.jobs import deliver_outbox, requeue_stale_outbox
from store.models import Outbox, Ticket
from store.outbox import CLAIM_TIMEOUT
from tests.fake_wechat import FakeWeChat
from tests.faults.conftest import complaint, residents_of_first_grid
from tests.support import Chat, rows, run_worker, wait_for


class StallingWeChat(FakeWeChat):
    """Holds the n-th message request open (accepted, not yet answered) until released."""

    def __init__(self, stall_on: int):
        super().__init__()
        self.stall_on = stall_on
        self.stalled = threading.Event()
        self.release = threading.Event()

    def __call__(self, environ, start_response):
        request = Request(environ)
        if not request.path.endswith("/send"):
            return super().__call__(environ, start_response)
        with self.lock:
            answer, _ = self.answer(request)
            stall = len(self.calls) == self.stall_on
        if stall:
            self.stalled.set()
            self.release.wait(30)
        return Response(json.dumps(answer), mimetype="application/json")(environ,
                                                                          start_response)


@pytest.fixture
def wechat(serve):
    fake = StallingWeChat(stall_on=2)
    fake.base_url = serve(fake).url + "/cgi-bin/"
    yield fake
    fake.release.set()


def test_a_worker_killed_mid_delivery_loses_nothing_and_resends_only_the_unrecorded(
        app, demo, make_app, redis_server, wechat, worker_process):
    app_id = f"wx{uuid.uuid4().hex[:16]}"  # its own access-token key in Redis
    web = make_app(redis_url=redis_server.url, wechat_app_id=app_id, wechat_app_secret="s",
                   wechat_api_base_url=wechat.base_url, wechat_template_ticket="TPL")
    svc = web.extensions["griddesk"]
    for n, openid in enumerate(residents_of_first_grid(svc, demo, 2)):
        assert Chat(web.test_client(), openid).send(complaint(n)).startswith("已受理")
    first, second = rows(svc, Outbox)

    worker = worker_process(web).start()
    assert wechat.stalled.wait(30), worker.output()  # the second request is at WeChat
    worker.kill(signal.SIGKILL)
    wechat.release.set()  # WeChat answers, to nobody
    assert [row.status for row in rows(svc, Outbox)] == ["sent", "sending"]

    # A restarted worker, with duplicate jobs for both (a requeue, RQ's own retry): the
    # recorded one is never sent again, the claimed one is left to its claim for now.
    worker = worker_process(web).start()
    jobs = [svc.queue.enqueue(deliver_outbox, row.id) for row in (first, second)]
    with web.app_context():
        assert requeue_stale_outbox() == 0  # the claim has not run out yet
    assert wait_for(lambda: all(job.get_status(refresh=True) == "finished" for job in jobs),
                    30), worker.output()
    assert [job.return_value() for job in jobs] == ["skipped", "skipped"]
    assert len(wechat.messages()) == 2
    worker.kill(signal.SIGTERM)

    with time_machine.travel(svc.now() + CLAIM_TIMEOUT + timedelta(minutes=1), tick=False):
        with web.app_context():
            assert requeue_stale_outbox() == 1  # the clock finds the abandoned claim
        run_worker(web)  # the worker, restarted six minutes later

    first, second = rows(svc, Outbox)
    assert first.status == "sent" and first.attempts == 1
    assert second.status == "sent" and second.attempts == 2
    sent = [json.dumps(call.body, ensure_ascii=False) for call in wechat.messages()]
    numbers = [ticket.number for ticket in rows(svc, Ticket)]
    assert [first.ticket_id, second.ticket_id] == [t.id for t in rows(svc, Ticket)]
    assert [sum(number in body for body in sent) for number in numbers] == [1, 2]


def test_a_dead_workers_claim_is_handed_back_within_a_minute(app, demo, svc, chat):
    """An emergency's accept clock is 5 minutes: a delivery must not wait out CLAIM_TIMEOUT
    because the worker holding it died. A live worker's claim is left alone."""
    from rq import SimpleWorker
    chat.send("小区门口路灯坏了")
    chat.send("新问题 楼下垃圾好几天没人清运")
    dead_row, live_row = rows(svc, Outbox)
    alive = SimpleWorker([svc.queue], connection=svc.redis, name=f"alive-{uuid.uuid4().hex}")
    alive.register_birth()  # in Redis, as a running worker is
    try:
        with svc.db.transaction() as session:
            from store import outbox
            assert outbox.claim_due(session, dead_row.id, svc.now(), worker="gone-worker",
                                    limit=0)
            assert outbox.claim_due(session, live_row.id, svc.now(), worker=alive.name,
                                    limit=0)
        with app.app_context():
            assert requeue_stale_outbox() == 0  # a claim this fresh may be a slow send
        with time_machine.travel(svc.now() + timedelta(seconds=40), tick=False):
            with app.app_context():
                assert requeue_stale_outbox() == 1
        dead_row, live_row = rows(svc, Outbox)
        assert (dead_row.status, dead_row.claimed_by) == ("pending", None)
        assert "died" in dead_row.last_error
        assert (live_row.status, live_row.claimed_by) == ("sending", alive.name)
    finally:
        alive.register_death()
