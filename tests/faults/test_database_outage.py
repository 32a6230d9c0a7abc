"""The database goes away under the webhook, and comes back.

GridDesk relies on WeChat's retry rather than spooling: with no database nothing can be
stored, so the webhook answers 503 and says nothing; WeChat sends the message again (up to
three tries) and the try that finds the database back makes the one ticket. A resident is
never told a ticket number that was not committed.
"""
import re

from store.models import InboundMessage, Ticket
from tests.faults.conftest import WeChatSender
from tests.support import count, rows

NUMBER = re.compile(r"工单号 (\d+)")


def proxied(url: str, port: int) -> str:
    return url.replace("127.0.0.1:5432", f"127.0.0.1:{port}")


def test_with_the_database_gone_the_webhook_says_nothing_and_the_retry_makes_one_ticket(
        app, demo, svc, make_app, settings, database_proxy, redis_server, serve):
    web = make_app(database_url=proxied(settings.database_url, database_proxy.port),
                   redis_url=redis_server.url)
    wechat = WeChatSender(serve(web).url, web.extensions["wechat_protocol"])
    status, reply = wechat.send(demo.DEMO_RESIDENT, "3栋楼道灯坏了三天了", msg_id=770001)
    assert status == 200 and reply.startswith("已受理，工单号")  # through the proxy

    database_proxy.stop()
    for _ in range(3):  # WeChat's first try and its retries, all while the database is away
        status, body = wechat.send("o_neighbour", "小区门口垃圾堆放发臭没人清运", msg_id=770002)
        assert status == 503
        assert "工单" not in body and "已受理" not in body
    assert count(svc, Ticket) == 1 and count(svc, InboundMessage) == 1

    database_proxy.start()
    status, reply = wechat.send("o_neighbour", "小区门口垃圾堆放发臭没人清运", msg_id=770002)
    assert status == 200 and reply.startswith("已受理，工单号")
    [ticket] = rows(svc, Ticket, Ticket.description == "小区门口垃圾堆放发臭没人清运")
    assert NUMBER.search(reply)[1] == ticket.number  # the number told is the one committed
    assert count(svc, InboundMessage, InboundMessage.dedupe_key == "msg:770002") == 1


def test_a_database_lost_while_the_message_is_handled_commits_nothing_and_the_retry_makes_one_ticket(
        app, demo, svc, make_app, settings, database_proxy, redis_server, serve):
    """The raw message and its handling share one transaction: the database goes while the
    message is being handled, so nothing of it is committed — no ticket, no half-kept
    message — the webhook says nothing, and WeChat's retry handles it afresh."""
    web = make_app(database_url=proxied(settings.database_url, database_proxy.port),
                   redis_url=redis_server.url)
    web_svc = web.extensions["griddesk"]
    classify, cut = web_svc.classify, []

    def classify_then_lose_the_database(text):
        if not cut:
            cut.append(True)
            database_proxy.stop()
        return classify(text)

    web_svc.classify = classify_then_lose_the_database
    wechat = WeChatSender(serve(web).url, web.extensions["wechat_protocol"])
    status, body = wechat.send(demo.DEMO_RESIDENT, "5号楼电梯又坏了，老人下不了楼",
                               msg_id=770003)
    assert status == 503 and "工单" not in body
    assert count(svc, InboundMessage) == 0 and count(svc, Ticket) == 0

    database_proxy.start()
    status, reply = wechat.send(demo.DEMO_RESIDENT, "5号楼电梯又坏了，老人下不了楼",
                                msg_id=770003)  # WeChat's retry
    assert status == 200 and reply and reply.startswith("已受理，工单号"), reply
    [ticket] = rows(svc, Ticket)
    assert NUMBER.search(reply)[1] == ticket.number
    [stored] = rows(svc, InboundMessage)
    assert stored.status == "processed" and stored.ticket_id == ticket.id

    again = wechat.send(demo.DEMO_RESIDENT, "5号楼电梯又坏了，老人下不了楼", msg_id=770003)
    assert again == (200, reply) and count(svc, Ticket) == 1  # a third try changes nothing
