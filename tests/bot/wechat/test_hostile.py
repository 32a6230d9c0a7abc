"""Hostile input at the webhook (property-based, hypothesis) and flood control per resident.

Whatever arrives at /wechat — forged, unsigned, malformed, a DTD, an entity bomb, bytes
that are not UTF-8, a megabyte and more, an unknown MsgType, absurd field values — the answer
is a 4xx with a reason, or a polite reply to a signed message; never a 500, never a stack
trace, and a signed body is always kept. The number of cases that ran is printed at the end.
"""
from __future__ import annotations

import itertools
import re
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings, strategies as st

from bot.wechat import flood
from bot.wechat.protocol import event_xml, open_reply, sign, signed_request, text_message_xml
from store.models import InboundMessage, Ticket

from tests.support import Chat, count, rows

TOKEN = "griddesk"
CJK = re.compile(r"[\u4e00-\u9fff]")
LEAKS = ("Traceback", 'File "', "sqlalchemy", "psycopg", "site-packages")
_serial = itertools.count(int(time.time()))
CASES = {"ran": 0}
HYPOTHESIS = settings(max_examples=120, deadline=None, database=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module", autouse=True)
def report_cases(request):
    yield
    line = f"hostile input: {CASES['ran']} generated webhook requests ran"
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if capture is not None and reporter is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"\n{line}")
    else:
        print(line)


# --- what may arrive ------------------------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
              for n in range(1, 10))
    + ']><xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1'
      '</CreateTime><MsgType>text</MsgType><Content>&lol9;</Content><MsgId>1</MsgId></xml>')
EXTERNAL_ENTITY = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                   '<xml><MsgType>text</MsgType><Content>&xxe;</Content></xml>')
QUADRATIC = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "' + "A" * 5000 + '">]><xml>'
             '<MsgType>text</MsgType><Content>' + "&a;" * 2000 + "</Content></xml>")

KNOWN_TYPES = ["text", "image", "voice", "video", "shortvideo", "location", "link", "event",
               "file", "miniprogrampage", "transfer_customer_service"]
EVENTS = ["subscribe", "unsubscribe", "SCAN", "CLICK", "VIEW", "LOCATION",
          "TEMPLATESENDJOBFINISH", "view_miniprogram", "kf_create_session"]
odd_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
long_text = st.tuples(st.text(min_size=1, max_size=8), st.integers(1, 40_000)).map(
    lambda pair: (pair[0] * pair[1])[:200_000])
numbers = st.one_of(st.integers(-10**30, 10**30), st.just(2**63), st.just(-1),
                    st.just(10**20), st.floats(allow_nan=True).map(str))
field_values = st.one_of(odd_text, numbers.map(str), long_text, st.just(""))


def cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


@st.composite
def message_xml(draw) -> str:
    """A message as WeChat might send it, with any field odd, missing or unknown."""
    n = next(_serial)
    msg_type = draw(st.one_of(st.sampled_from(KNOWN_TYPES), odd_text))
    fields = {
        "ToUserName": draw(st.one_of(st.just("gh_griddesk"), field_values)),
        # a unique sender per case: no case is a retry of another, none trips flood control
        "FromUserName": draw(st.one_of(st.just(f"o_fuzz_{n}"),
                                       odd_text.map(lambda t: f"o_fuzz_{n}_{t}"),
                                       long_text.map(lambda t: f"o_fuzz_{n}_{t}"))),
        "CreateTime": draw(st.one_of(st.just(str(int(time.time()))), numbers.map(str),
                                     odd_text)),
        "MsgType": msg_type,
        # unique too (n leads, or ends after a #), so no case is deduplicated against another
        "MsgId": draw(st.one_of(st.just(str(n)), odd_text.map(lambda t: f"{t}#{n}"),
                                st.integers(0, 10**25).map(lambda i: f"{n}{i}"))),
    }
    if msg_type == "event" or draw(st.booleans()):
        fields["Event"] = draw(st.one_of(st.sampled_from(EVENTS), odd_text, long_text))
        fields["EventKey"] = draw(st.one_of(st.just("qrscene_grid:330199001001001"),
                                            field_values))
    extra = draw(st.dictionaries(
        st.sampled_from(["Content", "Recognition", "PicUrl", "MediaId", "Location_X",
                         "Location_Y", "Scale", "Label", "Title", "Url", "Format",
                         "ThumbMediaId", "Latitude", "Longitude", "Precision", "Status",
                         "Unknown_Field"]),
        st.one_of(field_values, st.sampled_from(["楼道灯坏了三天了", "3 分 很好", "转人工",
                                                 "查询 2611230001", "取消 1", "新问题 井盖没了"])),
        max_size=5))
    fields.update(extra)
    drop = draw(st.sets(st.sampled_from(sorted(fields)), max_size=3))
    if "FromUserName" in drop:
        drop.discard("MsgId")  # keep one unique key: both gone, two cases could collide
    body = "".join(f"<{k}>{cdata(v) if draw(st.booleans()) else _escape(v)}</{k}>"
                   for k, v in fields.items() if k not in drop)
    return f"<xml>{body}</xml>"


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@st.composite
def entity_xml(draw) -> str:
    name = draw(st.from_regex(r"[a-z]{1,8}", fullmatch=True))
    value = draw(st.one_of(odd_text.map(_escape), st.just("x" * 1000)))
    uses = draw(st.integers(1, 500))
    return (f'<!DOCTYPE xml [<!ENTITY {name} "{value.replace(chr(34), "")}">]><xml><MsgType>'
            f"text</MsgType><Content>{f'&{name};' * uses}</Content><FromUserName>o</FromUserName>"
            "<MsgId>1</MsgId></xml>")


text_bodies = st.one_of(
    message_xml(),
    entity_xml(),
    st.sampled_from([BILLION_LAUGHS, EXTERNAL_ENTITY, QUADRATIC, "", "<xml/>", "<xml></xml>",
                     "<xml><MsgType>text</MsgType></xml>", "<xml>" * 5000,
                     '<?xml version="1.0" encoding="GBK"?><xml><MsgType>text</MsgType></xml>',
                     "<a><b></a>", "<xml><![CDATA[", "null", "{}", "\ufeff<xml></xml>"]),
    odd_text,
    message_xml().map(lambda xml: xml[: len(xml) // 2]),  # cut short
)
bodies = st.one_of(
    text_bodies.map(lambda text: text.encode("utf-8")),
    st.binary(max_size=3000),
    text_bodies.map(lambda text: text.encode("utf-16")),
    st.just("<xml><Content>楼道灯坏了</Content></xml>".encode("gbk")),
    message_xml().map(lambda xml: xml.encode("utf-8") + b"\xff\xfe\x80"),
)
query_keys = st.sampled_from(["signature", "timestamp", "nonce", "openid", "encrypt_type",
                              "msg_signature", "echostr"])
queries = st.dictionaries(st.one_of(query_keys, odd_text), st.one_of(
    odd_text, st.just("aes"), st.just("raw"), st.from_regex(r"[0-9a-f]{40}", fullmatch=True)),
    max_size=7)


def signed_args(args: dict) -> dict:
    """Plain-mode signed query args (for an account without an EncodingAESKey), signed now,
    each with a nonce of its own as WeChat's are (a signature vouches for one body only)."""
    timestamp, nonce = str(int(time.time())), f"{args.get('nonce', '')}{next(_serial)}"
    return {**args, "timestamp": timestamp, "nonce": nonce,
            "signature": sign(TOKEN, timestamp, nonce)}


def check_answer(response, *, signed: bool) -> None:
    CASES["ran"] += 1
    text = response.get_data(as_text=True)
    assert response.status_code != 500 and response.status_code < 500, text[:300]
    for leak in LEAKS:
        assert leak not in text, text[:300]
    if not signed:
        assert response.status_code in (400, 403, 413), (response.status_code, text[:200])
        return
    assert response.status_code in (200, 400, 413), (response.status_code, text[:200])
    if response.status_code == 200:
        assert text == "success" or "<xml>" in text, text[:200]


def wechat_reply(protocol, response) -> str | None:
    return open_reply(protocol, response.get_data(as_text=True))


# --- forged and missing signatures ----------------------------------------------------------

@HYPOTHESIS
@given(args=queries, body=st.one_of(bodies, message_xml().map(str.encode)))
def test_a_forged_or_unsigned_request_is_refused_and_nothing_is_kept(client, svc, args, body):
    before = count(svc, InboundMessage)
    response = client.post("/wechat?" + urlencode(args), data=body, content_type="text/xml")
    check_answer(response, signed=False)
    assert count(svc, InboundMessage) == before and count(svc, Ticket) == 0


@HYPOTHESIS
@given(args=queries, xml=message_xml())
def test_a_well_formed_message_with_a_forged_signature_is_403(client, svc, args, xml):
    args = {**args, "signature": args.get("signature", "") + "0"}
    args.pop("encrypt_type", None)
    response = client.post("/wechat?" + urlencode(args), data=xml.encode(),
                           content_type="text/xml")
    check_answer(response, signed=False)
    assert response.status_code == 403
    assert count(svc, Ticket) == 0


@HYPOTHESIS
@given(args=queries)
def test_url_verification_never_echoes_without_a_signature(client, args):
    args = {**args, "echostr": "ECHO-ME"}
    args.pop("signature", None)
    response = client.get("/wechat?" + urlencode(args))
    CASES["ran"] += 1
    assert response.status_code == 403 and "ECHO-ME" not in response.get_data(as_text=True)


# --- signed but hostile -----------------------------------------------------------------------

@pytest.fixture
def plain_client(make_app):
    """An account configured without an EncodingAESKey: plain mode, where the body is unsigned."""
    return make_app(wechat_encoding_aes_key="").test_client()


@HYPOTHESIS
@given(body=bodies, query=queries)
def test_a_signed_hostile_body_gets_a_4xx_or_a_polite_reply_and_is_kept(plain_client, svc, demo,
                                                                        body, query):
    client = plain_client
    args = signed_args({k: v for k, v in query.items()
                        if k not in ("signature", "encrypt_type", "msg_signature")})
    before = count(svc, InboundMessage)
    response = client.post("/wechat?" + urlencode(args), data=body, content_type="text/xml")
    check_answer(response, signed=True)
    if response.status_code in (200, 400):  # kept, even when unreadable
        if count(svc, InboundMessage) == before:  # or a retry of one kept before
            text = body.decode("utf-8", "replace").replace("\x00", "\ufffd")
            assert count(svc, InboundMessage, InboundMessage.raw == text) >= 1
        else:
            assert count(svc, InboundMessage) == before + 1
    if response.status_code == 200 and response.get_data(as_text=True) != "success":
        reply = wechat_reply(client.application.extensions["wechat_protocol"], response)
        assert reply and CJK.search(reply), reply  # the resident is answered in Chinese


@HYPOTHESIS
@given(xml=message_xml())
def test_a_safe_mode_message_with_odd_fields_gets_a_polite_encrypted_reply(client, svc, demo,
                                                                          xml):
    protocol = client.application.extensions["wechat_protocol"]
    args, body = signed_request(protocol, xml, encrypted=True, openid="o_fuzz",
                                timestamp=str(int(time.time())), nonce=str(next(_serial)))
    before = count(svc, InboundMessage)
    response = client.post("/wechat?" + urlencode(args), data=body, content_type="text/xml")
    check_answer(response, signed=True)
    if response.status_code == 413:  # a long Content grows by a third in base64
        assert len(body.encode()) >= 1024 * 1024
        return
    assert count(svc, InboundMessage) == before + 1
    text = response.get_data(as_text=True)
    if response.status_code == 200 and text != "success":
        assert "<Encrypt>" in text  # a safe-mode sender is never answered in plain text
        assert CJK.search(open_reply(protocol, text))


@settings(max_examples=8, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(extra=st.integers(1, 200_000), signed=st.booleans(), declared=st.booleans())
def test_a_body_over_one_megabyte_is_413_and_never_read_as_a_message(client, svc, extra,
                                                                     signed, declared):
    body = b"<xml><Content>" + b"a" * (1024 * 1024 + extra) + b"</Content></xml>"
    args = signed_args({}) if signed else {}
    if declared:
        response = client.post("/wechat?" + urlencode(args), data=body)
    else:  # no Content-Length: a chunked upload, read until the end of the stream
        import io
        response = client.post("/wechat?" + urlencode(args), input_stream=io.BytesIO(body),
                               environ_overrides={"wsgi.input_terminated": True},
                               headers={"Transfer-Encoding": "chunked"})
    CASES["ran"] += 1
    assert response.status_code == 413 if signed or declared else response.status_code in (
        403, 413)
    assert count(svc, InboundMessage) == 0 and count(svc, Ticket) == 0


# --- flood control ----------------------------------------------------------------------------

MINUTE = datetime(2026, 3, 2, 1, 0, 5, tzinfo=timezone.utc)  # 09:00:05 in China


def new_matters(chat, first: int, last: int) -> list[str | None]:
    """Each one a new matter: without flood control, each would open a ticket."""
    return [chat.send(f"新问题 {n}号楼楼道灯坏了") for n in range(first, last + 1)]


def test_more_than_twenty_messages_a_minute_get_one_notice_and_open_no_more_tickets(
        chat, svc, app):
    with time_machine.travel(MINUTE, tick=True):
        first_twenty = new_matters(chat, 1, 20)
        assert all(reply.startswith("已受理，工单号") for reply in first_twenty)
        assert count(svc, Ticket) == 20

        over = new_matters(chat, 21, 30)
        assert over[0] == flood.NOTICE and "稍等一分钟" in over[0]
        assert over[1:] == [None] * 9  # said once a minute, not once a message
        assert count(svc, Ticket) == 20  # no ticket storm

        kept = rows(svc, InboundMessage, InboundMessage.openid == chat.openid)
        assert len(kept) == 30  # every message is stored raw, nothing lost
        assert [m.status for m in kept[20:]] == ["throttled"] * 10
        assert "30号楼" in kept[-1].raw and kept[-1].ticket_id is None

        other = Chat(app.test_client(), "o_another_resident")
        assert other.send("小区门口垃圾桶满了没人清运").startswith("已受理")  # per resident

    with time_machine.travel(MINUTE + timedelta(minutes=1), tick=True):
        assert new_matters(chat, 31, 31)[0].startswith("已受理，工单号")  # a new minute


def test_wechat_retries_of_a_throttled_message_get_the_same_notice_and_do_not_count(
        chat, svc):
    with time_machine.travel(MINUTE, tick=True):
        new_matters(chat, 1, 20)
        notice = chat.send("新问题 井盖没了", msg_id=990021)
        again = chat.send("新问题 井盖没了", msg_id=990021)  # WeChat's retry of it
        assert notice == again == flood.NOTICE
        assert count(svc, InboundMessage, InboundMessage.openid == chat.openid) == 21


def test_with_redis_down_flood_control_lets_residents_through(make_app, demo, svc):
    down = make_app(redis_url="redis://127.0.0.1:1/0")  # nothing listens on port 1
    chat = Chat(down.test_client(), demo.DEMO_RESIDENT)
    with time_machine.travel(MINUTE, tick=True):
        started = time.monotonic()
        replies = new_matters(chat, 1, 22)
        elapsed = time.monotonic() - started
    assert all(reply.startswith("已受理，工单号") for reply in replies)  # fails open
    assert count(svc, Ticket) == 22
    assert elapsed < 10  # a dead Redis costs no per-message timeout
