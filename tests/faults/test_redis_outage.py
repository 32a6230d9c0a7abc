"""Redis killed in the middle of a load of messages, then started again (empty)."""
import re
import threading
import time

from rq import Worker

from bot.wechat.jobs import requeue_stale_outbox
from store.models import InboundMessage, LocalDelivery, Outbox, Ticket
from tests.faults.conftest import WeChatSender, complaint, residents_of_first_grid
from tests.support import count, rows, wait_for

MESSAGES = 60


def test_redis_killed_under_load_loses_no_message_and_doubles_no_ticket(
        app, demo, make_app, redis_server, serve, worker_process):
    web = make_app(redis_url=redis_server.url, outbox_requeue_after_seconds=1)
    svc = web.extensions["griddesk"]
    residents = residents_of_first_grid(svc, demo, MESSAGES)
    wechat = WeChatSender(serve(web).url, web.extensions["wechat_protocol"])
    worker = worker_process(web).start()
    assert wait_for(lambda: Worker.all(queue=svc.queue), 30), worker.output()

    answers: dict[int, tuple] = {}
    sent = threading.Semaphore(0)

    def resident(n: int) -> None:
        answers[n] = wechat.send(residents[n], complaint(n), msg_id=660000 + n)
        sent.release()

    def load() -> None:  # four connections, like WeChat's servers calling in parallel
        for first in range(0, MESSAGES, 4):
            batch = [threading.Thread(target=resident, args=(n,))
                     for n in range(first, min(first + 4, MESSAGES))]
            for thread in batch:
                thread.start()
            for thread in batch:
                thread.join(20)
            time.sleep(0.02)

    loader = threading.Thread(target=load)
    loader.start()
    for _ in range(20):
        sent.acquire(timeout=20)
    redis_server.kill()  # mid-load: queued jobs die with it (no persistence)
    for _ in range(20):
        sent.acquire(timeout=20)
    # what Redis's death stranded, taken before it is back: the jobs of later messages drain
    # the fresh rows that are due with their own, and could leave nothing to see afterwards
    delivered_before = count(svc, Outbox, Outbox.status == "sent")
    stranded = [row.id for row in rows(svc, Outbox, Outbox.status != "sent")]
    redis_server.start()  # back, empty
    loader.join(60)

    assert len(answers) == MESSAGES
    for n, (status, reply) in answers.items():  # every resident was answered with a ticket
        assert status == 200 and reply.startswith("已受理，工单号"), (n, reply)
    assert count(svc, Ticket) == count(svc, InboundMessage) == MESSAGES
    numbers = {re.search(r"工单号 (\d+)", reply)[1] for _, reply in answers.values()}
    assert numbers == {t.number for t in rows(svc, Ticket)}  # no ticket doubled

    assert delivered_before > 0 and stranded  # delivery worked, then jobs were lost

    assert worker.alive(), worker.output()  # it waited for Redis instead of exiting
    assert wait_for(lambda: Worker.all(queue=svc.queue), 30), worker.output()
    time.sleep(1.1)  # older than OUTBOX_REQUEUE_AFTER_SECONDS
    with web.app_context():
        # the clock's periodic job re-enqueues what is left: the jobs of messages that came
        # after the restart may have delivered some or all of the stranded rows already
        # (a delivery job takes the fresh rows that are due with its own)
        requeue_stale_outbox()

    assert wait_for(lambda: count(svc, Outbox, Outbox.status == "sent") == MESSAGES, 40), (
        count(svc, Outbox, Outbox.status != "sent"), worker.output()[-3000:])
    assert {row.id for row in rows(svc, Outbox, Outbox.id.in_(stranded),
                                   Outbox.status == "sent")} == set(stranded)
    notices = rows(svc, LocalDelivery)
    assert len(notices) == MESSAGES  # one notice per ticket to the grid worker
    assert len({n.outbox_id for n in notices}) == MESSAGES
    for ticket in rows(svc, Ticket):
        assert sum(ticket.number in n.payload["text"] for n in notices) == 1
