"""The callback URL as WeChat uses it: signatures, modes, retries, failures."""
import threading
import time
from datetime import datetime, timezone
from urllib.parse import urlencode

import pytest
import time_machine

from bot.wechat.protocol import open_reply, sign, signed_request, text_message_xml
from handlers import replies
from store.models import InboundMessage, LocalDelivery, Outbox, Ticket

from tests.support import Chat, count, rows


def test_url_verification_echoes_echostr_only_when_signed_and_recent(client):
    now = str(int(time.time()))
    args = {"timestamp": now, "nonce": "42", "echostr": "hello-wechat"}
    good = client.get("/wechat?" + urlencode({**args, "signature": sign("griddesk", now, "42")}))
    assert good.status_code == 200 and good.get_data(as_text=True) == "hello-wechat"
    assert client.get("/wechat?" + urlencode({**args, "signature": "0" * 40})).status_code == 403
    assert client.get("/wechat?" + urlencode(args)).status_code == 403
    old = {**args, "timestamp": "1700000000", "signature": sign("griddesk", "1700000000", "42")}
    assert client.get("/wechat?" + urlencode(old)).status_code == 403


@pytest.fixture
def plain_client(make_app, demo):
    """An account configured without an EncodingAESKey (WECHAT_ENCODING_AES_KEY=): plain mode."""
    return make_app(wechat_encoding_aes_key="").test_client()


@pytest.fixture
def plain_chat(plain_client, demo):
    return Chat(plain_client, demo.DEMO_RESIDENT, encrypted=False)


def _request(chat, text, *, encrypted, msg_id=7001, timestamp=None):
    timestamp = timestamp or int(time.time())
    xml = text_message_xml(chat.openid, text, msg_id=msg_id, create_time=timestamp)
    return signed_request(chat.protocol, xml, encrypted=encrypted, openid=chat.openid,
                          timestamp=str(timestamp), nonce="12345")


def test_a_forged_plain_message_is_refused_and_not_stored(plain_client, plain_chat, svc):
    args, body = _request(plain_chat, "楼道灯坏了", encrypted=False)
    args["signature"] = "f" * 40
    response = plain_client.post("/wechat?" + urlencode(args), data=body)
    assert response.status_code == 403
    assert count(svc, InboundMessage) == 0 and count(svc, Ticket) == 0


def test_a_plain_signature_seen_once_carries_no_other_body(plain_client, plain_chat, svc):
    """Plain mode signs token+timestamp+nonce only: whoever saw one request's query string
    could post any body under it for five minutes, as anyone (a grid worker's `办结 …`)."""
    args, body = _request(plain_chat, "楼道灯坏了", encrypted=False, msg_id=7101)
    first = plain_client.post("/wechat?" + urlencode(args), data=body)
    assert "已受理" in first.get_data(as_text=True)
    forged = text_message_xml("o_worker_01", "办结 这件事已经处理好了", msg_id=7102,
                              create_time=int(time.time()))
    refused = plain_client.post("/wechat?" + urlencode(args), data=forged)
    assert refused.status_code == 403 and refused.get_data(as_text=True) == "invalid signature"
    retry = plain_client.post("/wechat?" + urlencode(args), data=body)  # WeChat's own retry
    assert retry.get_data(as_text=True) == first.get_data(as_text=True)
    assert count(svc, InboundMessage) == 1 and count(svc, Ticket) == 1


def test_a_plain_mode_message_to_an_account_with_a_key_is_refused(client, chat, svc):
    """A plain signature covers token+timestamp+nonce, not the body: one seen in a log would
    let anyone post `办结` as a grid worker. With an EncodingAESKey only safe mode counts."""
    args, body = _request(chat, "楼道灯坏了", encrypted=False)
    response = client.post("/wechat?" + urlencode(args), data=body)
    assert response.status_code == 403
    # Nor does a valid plain signature help an encrypted-looking request without msg_signature.
    safe_args, safe_body = _request(chat, "楼道灯坏了", encrypted=True)
    del safe_args["msg_signature"]
    assert client.post("/wechat?" + urlencode(safe_args), data=safe_body).status_code == 403
    assert count(svc, InboundMessage) == 0 and count(svc, Ticket) == 0


def test_a_replayed_callback_is_answered_once_and_refused_once_it_is_stale(client, chat, svc):
    moment = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)
    with time_machine.travel(moment, tick=False):
        args, body = _request(chat, "楼道灯坏了", encrypted=True,
                              timestamp=int(moment.timestamp()))
        first = client.post("/wechat?" + urlencode(args), data=body)
        again = client.post("/wechat?" + urlencode(args), data=body)  # WeChat's own retry
    assert open_reply(chat.protocol, first.get_data(as_text=True)).startswith("已受理")
    assert open_reply(chat.protocol, again.get_data(as_text=True)) == open_reply(
        chat.protocol, first.get_data(as_text=True))
    with time_machine.travel(moment.timestamp() + 301, tick=False):
        late = client.post("/wechat?" + urlencode(args), data=body)
    assert late.status_code == 403
    assert count(svc, Ticket) == 1 and count(svc, InboundMessage) == 1


def test_a_request_signed_with_a_timestamp_from_2001_is_refused_unless_checks_are_off(
        make_app, chat, svc, demo):
    args, body = _request(chat, "楼道灯坏了", encrypted=True, timestamp=1000000000)
    assert chat.client.post("/wechat?" + urlencode(args), data=body).status_code == 403
    assert count(svc, InboundMessage) == 0
    replaying = make_app(wechat_timestamp_tolerance_seconds=0).test_client()
    assert replaying.post("/wechat?" + urlencode(args), data=body).status_code == 200
    assert count(svc, Ticket) == 1


def test_a_safe_mode_message_with_a_wrong_msg_signature_is_refused(client, chat, svc):
    args, body = _request(chat, "楼道灯坏了", encrypted=True)
    args["msg_signature"] = "0" * 40
    assert client.post("/wechat?" + urlencode(args), data=body).status_code == 403
    assert count(svc, Ticket) == 0


def test_plain_mode_gets_a_plain_reply_and_safe_mode_an_encrypted_one(client, chat,
                                                                     plain_client, plain_chat):
    plain_args, plain_body = _request(plain_chat, "垃圾桶满了没人清运", encrypted=False, msg_id=1)
    plain = plain_client.post("/wechat?" + urlencode(plain_args), data=plain_body)
    assert "<Content><![CDATA[已受理" in plain.get_data(as_text=True)

    safe_args, safe_body = _request(chat, "路灯不亮", encrypted=True, msg_id=2)
    safe = client.post("/wechat?" + urlencode(safe_args), data=safe_body).get_data(as_text=True)
    assert "<Encrypt>" in safe and "已受理" not in safe
    assert open_reply(chat.protocol, safe).startswith("已受理")


def test_compatible_mode_body_is_decrypted(client, chat, svc):
    """Compatible mode sends the plaintext fields and <Encrypt> together."""
    args, encrypted_body = _request(chat, "楼道垃圾堆放没人清运", encrypted=True)
    body = encrypted_body.replace(
        "</xml>", "<FromUserName><![CDATA[o_demo_resident]]></FromUserName>"
                  "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[楼道垃圾堆放没人清运]]>"
                  "</Content><MsgId>7001</MsgId></xml>")
    response = client.post("/wechat?" + urlencode(args), data=body)
    assert open_reply(chat.protocol, response.get_data(as_text=True)).startswith("已受理")
    assert rows(svc, Ticket)[0].description == "楼道垃圾堆放没人清运"


def test_a_curl_form_post_is_read_from_the_raw_body(client, chat, svc):
    args, body = _request(chat, "电梯困人了", encrypted=True)
    response = client.post("/wechat?" + urlencode(args), data=body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and count(svc, Ticket) == 1


def test_unreadable_bodies_get_a_4xx_with_a_reason_and_are_kept(plain_client, plain_chat, svc):
    client = plain_client
    args, _ = _request(plain_chat, "x", encrypted=False)
    url = "/wechat?" + urlencode(args)
    bodies = (b"<xml><Content>unclosed", b"\xff\xfe not utf-8", b"",
              b'<!DOCTYPE x [<!ENTITY a "b">]><xml><MsgType>text</MsgType></xml>')
    for body in bodies:
        response = client.post(url, data=body)
        assert response.status_code == 400, body
        assert "bad request" in response.get_data(as_text=True)
    kept = rows(svc, InboundMessage)
    assert [k.status for k in kept] == ["rejected"] * 4
    assert kept[0].raw == "<xml><Content>unclosed" and "malformed XML" in kept[0].error
    huge = client.post(url, data=b"<xml>" + b"a" * (1024 * 1024 + 1) + b"</xml>")
    assert huge.status_code == 413


def test_wechat_retries_make_one_ticket_and_get_the_same_answer(chat, svc):
    first = chat.send("小区门口垃圾堆放发臭", msg_id=555)
    again = chat.send("小区门口垃圾堆放发臭", msg_id=555)
    third = chat.send("小区门口垃圾堆放发臭", msg_id=555)
    assert first == again == third and first.startswith("已受理")
    assert count(svc, Ticket) == 1 and count(svc, InboundMessage) == 1
    assert count(svc, Outbox) == 1  # one notice to the grid worker, not three


def test_concurrent_retries_from_three_connections_make_one_ticket(app, demo, svc):
    answers = []

    def send():
        answers.append(Chat(app.test_client(), demo.DEMO_RESIDENT).send("井盖松动了", msg_id=777))

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert count(svc, Ticket) == 1 and count(svc, Outbox) == 1
    assert len(answers) == 3 and len(set(answers)) == 1 and answers[0].startswith("已受理")


def test_a_message_that_fails_to_be_handled_is_kept_and_answered_later(chat, svc, worker):
    classify = svc.classify

    def broken(text):
        raise RuntimeError("classifier down")

    svc.classify = broken
    reply = chat.send("楼上漏水到我家了")
    assert reply == replies.ACK_LATER  # no ticket number promised: none was committed
    [stored] = rows(svc, InboundMessage)
    assert stored.status == "failed" and "楼上漏水" in stored.raw
    assert count(svc, Ticket) == 0

    svc.classify = classify
    worker()  # the reprocess job runs, and then the deliveries it queued
    [ticket] = rows(svc, Ticket)
    assert rows(svc, InboundMessage)[0].status == "processed"
    to_resident = rows(svc, LocalDelivery, LocalDelivery.to_openid == chat.openid)
    assert [d.payload["text"] for d in to_resident][0].startswith(
        f"已受理，工单号 {ticket.number}")
    assert count(svc, LocalDelivery, LocalDelivery.to_openid == "o_worker_01") == 1


def test_a_message_arriving_with_the_database_down_is_left_for_wechat_to_retry(
        make_app, demo, chat, svc):
    down = make_app(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    args, body = _request(chat, "路灯坏了", encrypted=True)
    response = down.test_client().post("/wechat?" + urlencode(args), data=body)
    assert response.status_code == 503
    assert "工单" not in response.get_data(as_text=True)
    assert count(svc, Ticket) == 0


def test_an_empty_text_gets_guidance_and_a_message_without_sender_is_refused(chat, client, svc):
    empty = ("<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[o_demo_resident]]>"
             "</FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]>"
             "</MsgType><MsgId>8801</MsgId></xml>")
    assert "请直接描述" in chat.send_xml(empty)
    assert count(svc, Ticket) == 0 and rows(svc, InboundMessage)[0].status == "processed"

    nobody = empty.replace("<FromUserName><![CDATA[o_demo_resident]]></FromUserName>", "")
    args, body = signed_request(chat.protocol, nobody, encrypted=True, openid="",
                                timestamp=str(int(time.time())), nonce="1")
    response = client.post("/wechat?" + urlencode(args), data=body)
    assert response.status_code == 400 and "FromUserName" in response.get_data(as_text=True)
    assert rows(svc, InboundMessage)[-1].status == "rejected"  # kept, as it came signed


def test_a_message_whose_handling_died_unanswered_is_picked_up_by_the_clock(
        app, chat, svc, worker):
    from datetime import timedelta

    from bot.wechat.jobs import reprocess_stuck_inbound
    from store import inbound
    xml = text_message_xml(chat.openid, "小区路灯坏了好几天", msg_id=9911, create_time=1700000000)
    inbound.record(svc.db, raw=xml, dedupe_key="msg:9911", openid=chat.openid, msg_type="text",
                   now=svc.now() - timedelta(minutes=5))  # stored, then the process died
    with app.app_context():
        assert reprocess_stuck_inbound() == 1
    worker()
    [ticket] = rows(svc, Ticket)
    assert rows(svc, InboundMessage)[0].status == "processed"
    told = rows(svc, LocalDelivery, LocalDelivery.to_openid == chat.openid)
    assert told[0].payload["text"].startswith(f"已受理，工单号 {ticket.number}")
    with app.app_context():
        assert reprocess_stuck_inbound() == 0


def _signed(chat, xml):
    args, body = signed_request(chat.protocol, xml, encrypted=True, openid=chat.openid,
                                timestamp=str(int(time.time())), nonce="777")
    return chat.client.post("/wechat?" + urlencode(args), data=body)


@pytest.mark.parametrize("field,reason", [
    ("<FromUserName><![CDATA[o_demo_resident]]></FromUserName>"
     "<FromUserName><![CDATA[o_worker_01]]></FromUserName>", "more than once"),
    ("<FromUserName><![CDATA[" + "o" * 100_000 + "]]></FromUserName>", "longer than 64"),
    ("<FromUserName><![CDATA[o_demo_resident]]></FromUserName>"
     "<Content><![CDATA[" + "楼道灯坏了" * 1000 + "]]></Content>", "longer than"),
], ids=["two-senders", "100-KB-openid", "5000-character-text"])
def test_duplicate_or_oversized_fields_are_a_400_and_kept_raw(chat, svc, field, reason):
    xml = ("<xml><ToUserName><![CDATA[gh]]></ToUserName>" + field +
           "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
           + ("" if "<Content>" in field else "<Content><![CDATA[办结 2611230001]]></Content>")
           + "<MsgId>4242</MsgId></xml>")
    response = _signed(chat, xml)
    assert response.status_code == 400
    assert reason in response.get_data(as_text=True)
    [kept] = rows(svc, InboundMessage)
    assert kept.status == "rejected" and kept.raw == xml and kept.ticket_id is None
    assert count(svc, Ticket) == 0
