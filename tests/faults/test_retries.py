"""WeChat's retries over real HTTP: sequential and from three connections at once."""
import re
import threading
import time

from store.models import InboundMessage, LocalDelivery, Outbox, Ticket
from tests.faults.conftest import WeChatSender, residents_of_first_grid
from tests.support import count, rows, wait_for


def test_a_message_sent_three_times_and_three_at_once_makes_one_ticket_each(
        app, demo, make_app, redis_server, serve, worker_process):
    web = make_app(redis_url=redis_server.url)
    svc = web.extensions["griddesk"]
    classify = svc.classify

    def slow_classify(text):  # slow enough that retries arrive while the first is handled
        time.sleep(0.4)
        return classify(text)

    svc.classify = slow_classify
    [neighbour] = residents_of_first_grid(svc, demo, 1, prefix="o_neighbour")
    wechat = WeChatSender(serve(web).url, web.extensions["wechat_protocol"])

    # one after another, as WeChat retries when an answer is late or lost
    sequential = [wechat.send(demo.DEMO_RESIDENT, "3栋楼道灯坏了三天了", msg_id=880001)
                  for _ in range(3)]
    # three connections at once (WeChat's retry racing the first try)
    barrier, concurrent = threading.Barrier(3), []

    def send():
        barrier.wait()
        concurrent.append(wechat.send(neighbour, "小区门口垃圾堆放发臭没人清运",
                                      msg_id=880002))

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    for answers in (sequential, concurrent):
        assert len(answers) == 3 and len(set(answers)) == 1, answers
        status, reply = answers[0]
        assert status == 200 and reply.startswith("已受理，工单号")
    tickets = rows(svc, Ticket)
    assert len(tickets) == 2 and count(svc, InboundMessage) == 2
    number = re.compile(r"工单号 (\d+)")
    assert {t.number for t in tickets} == {number.search(sequential[0][1])[1],
                                           number.search(concurrent[0][1])[1]}

    worker = worker_process(web).start("--burst")
    assert wait_for(lambda: not worker.alive(), 30), worker.output()
    notices = rows(svc, LocalDelivery)
    outbox = rows(svc, Outbox)
    assert len(outbox) == len(notices) == 2  # one set of outbound messages, not three
    assert all(row.status == "sent" and row.attempts == 1 for row in outbox)
    for ticket in tickets:  # each ticket announced to the grid worker exactly once
        assert [n.to_openid for n in notices if ticket.number in n.payload["text"]] == [
            "o_worker_01"]
