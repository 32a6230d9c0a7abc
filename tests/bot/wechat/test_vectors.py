"""Every WeChat test vector in ../shared/vectors/wechat goes through the real webhook.

The crypto vectors are official or wechatpy's own signature/AES cases; each one gets an app
configured with that vector's Token, EncodingAESKey and AppID. The 83 XML samples are real
inbound messages (and a few envelopes that are not messages); each is sent in plain mode and
in safe mode. The vectors are read from the shared folder, never copied into this repo.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path
from unittest import mock
from urllib.parse import urlencode

import pytest
import time_machine
import xmltodict
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from wechatpy.crypto import PrpCrypto

from bot import create_app
from bot.config import Settings
from bot.wechat.protocol import signed_request
from store.models import Base, InboundMessage

from tests.support import count, rows

VECTORS_PATH = Path(__file__).parents[4] / "shared/vectors/wechat/vectors.json"
if not VECTORS_PATH.exists():
    pytest.skip(f"WeChat test vectors not found at {VECTORS_PATH}", allow_module_level=True)
VECTORS = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
CRYPTO = {vector["id"]: vector for vector in VECTORS["crypto_vectors"]}
CJK = re.compile(r"[\u4e00-\u9fff]")


# --- the vectors' algorithm, written out from vectors.json["algorithm"] -------------------

def reference_encrypt(encoding_aes_key: str, random_prefix: str, plaintext: str,
                      app_id: str) -> str:
    """AES-256-CBC, IV = key[:16], random16 ‖ len_be32 ‖ msg ‖ appid, PKCS#7 to 32."""
    key = base64.b64decode(encoding_aes_key + "=")
    message = plaintext.encode()
    data = random_prefix.encode() + struct.pack(">I", len(message)) + message + app_id.encode()
    padding = 32 - len(data) % 32
    data += bytes([padding]) * padding
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode()


def reference_decrypt(encoding_aes_key: str, encrypt: str) -> tuple[str, str, str]:
    """(random prefix, message, app id)."""
    key = base64.b64decode(encoding_aes_key + "=")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    data = decryptor.update(base64.b64decode(encrypt)) + decryptor.finalize()
    data = data[:-data[-1]]
    (length,) = struct.unpack(">I", data[16:20])
    return data[:16].decode(), data[20:20 + length].decode(), data[20 + length:].decode()


def reference_signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


# The passive-reply envelope, as the deterministic vectors give it byte for byte.
ENVELOPE = ("<xml>\n<Encrypt><![CDATA[{encrypt}]]></Encrypt>\n"
            "<MsgSignature><![CDATA[{signature}]]></MsgSignature>\n"
            "<TimeStamp>{timestamp}</TimeStamp>\n<Nonce><![CDATA[{nonce}]]></Nonce>\n</xml>")


def deterministic_cases():
    """(id, vector, random prefix, plaintext, encrypt, msg_signature or None, exact output)."""
    whisper = CRYPTO["we_whisper-mp-encrypt-deterministic"]
    yield ("we_whisper", whisper, whisper["plaintext"], whisper["encrypt"],
           whisper["msg_signature"], whisper["wechatpy_encrypt_message_output"])
    java = CRYPTO["official-mp-java-aes-deterministic"]
    for n, case in enumerate(java["cases"], start=1):
        yield (f"java#{n}", java, case["plaintext"], case["encrypt"],
               case["msg_signature_computed_here"], None)
    work = CRYPTO["wechatpy-work-encrypt-deterministic"]
    output = xmltodict.parse(work["expected_xml"])["xml"]
    yield ("wechatpy-work", work, work["plaintext"], output["Encrypt"], output["MsgSignature"],
           work["expected_xml"])


@pytest.mark.parametrize("vector,plaintext,encrypt,msg_signature,output",
                         [pytest.param(*case[1:], id=case[0]) for case in deterministic_cases()])
def test_the_reference_algorithm_reproduces_every_deterministic_vector(
        vector, plaintext, encrypt, msg_signature, output):
    """The yardstick the reply tests below measure our webhook with."""
    assert reference_encrypt(vector["encoding_aes_key"], vector["random_prefix"], plaintext,
                             vector["app_id"]) == encrypt
    assert reference_signature(vector["token"], vector["timestamp"], vector["nonce"],
                               encrypt) == msg_signature
    if output is not None:
        assert ENVELOPE.format(encrypt=encrypt, signature=msg_signature,
                               timestamp=vector["timestamp"], nonce=vector["nonce"]) == output


# --- fixtures ----------------------------------------------------------------------------

def empty_quickly(app) -> None:
    """conftest's emptying, by DELETE: ~3 ms instead of TRUNCATE's ~100 ms, for 200 tests.

    Redis is shared with other runs and never flushed; each app has a queue of its own.
    """
    svc = app.extensions["griddesk"]
    with svc.db.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    svc.queue.empty()


@pytest.fixture
def fresh_app(make_app):
    """An app with some settings changed, on an empty database and an empty queue."""
    built = []

    def build(**settings):
        app = make_app(**settings)
        empty_quickly(app)
        built.append(app)
        return app
    yield build
    for app in built:
        app.extensions["griddesk"].queue.empty()


@pytest.fixture(scope="module")
def sample_apps(schema, redis_url):
    """Two apps for all 166 sample runs (emptied each time): the demo account (safe mode, its
    EncodingAESKey) and an account set up without a key (plain mode). The samples carry
    recorded timestamps, so the age check is off (WECHAT_TIMESTAMP_TOLERANCE_SECONDS=0)."""
    apps = {encrypted: create_app(Settings(
        database_url=schema, redis_url=redis_url, secret_key="test",
        queue_name=f"griddesk-test-{os.getpid()}-vectors-{encrypted}",
        wechat_timestamp_tolerance_seconds=0,
        **({} if encrypted else {"wechat_encoding_aes_key": ""}), extra={"TESTING": True}))
        for encrypted in (False, True)}
    yield apps
    for app in apps.values():
        app.extensions["griddesk"].queue.empty()
        app.extensions["griddesk"].db.dispose()


@pytest.fixture
def vector_app(fresh_app):
    """An app configured for one vector's account, replaying its recorded timestamps."""
    def build(vector):
        settings = {"wechat_token": vector["token"], "wechat_timestamp_tolerance_seconds": 0,
                    "wechat_encoding_aes_key": ""}  # plain-signature vectors have a Token only
        if "encoding_aes_key" in vector:
            settings.update(wechat_encoding_aes_key=vector["encoding_aes_key"],
                            wechat_app_id=vector["app_id"])
        return fresh_app(**settings)
    return build


def get(app, **args):
    return app.test_client().get("/wechat?" + urlencode(args))


def post(app, args: dict, body: str):
    return app.test_client().post("/wechat?" + urlencode(args), data=body.encode(),
                                  content_type="text/xml")


# --- plain signatures: GET /wechat with echostr ------------------------------------------

PLAIN_CASES = [(vector["id"], vector["token"], case)
               for vector in VECTORS["crypto_vectors"] if vector["kind"] == "plain_signature"
               for case in vector["cases"]]


@pytest.mark.parametrize("token,case", [(t, c) for _, t, c in PLAIN_CASES],
                         ids=[f"{i}-{'valid' if c['valid'] else 'invalid'}"
                              for i, _, c in PLAIN_CASES])
def test_url_verification_with_a_plain_signature(vector_app, token, case):
    app = vector_app({"token": token})
    response = get(app, signature=case["signature"], timestamp=case["timestamp"],
                   nonce=case["nonce"], echostr="echo-5927782489")
    if case["valid"]:
        assert response.status_code == 200
        assert response.get_data(as_text=True) == "echo-5927782489"
    else:
        assert response.status_code == 403
        assert "echo-5927782489" not in response.get_data(as_text=True)


def test_a_plain_signature_vector_also_signs_a_plain_post(vector_app):
    vector = CRYPTO["wechatpy-check-signature"]
    app = vector_app(vector)
    [good, bad] = vector["cases"]
    xml = ("<xml><ToUserName><![CDATA[gh_vector]]></ToUserName><FromUserName><![CDATA[o_vec]]>"
           "</FromUserName><CreateTime>1410685589</CreateTime><MsgType><![CDATA[text]]>"
           "</MsgType><Content><![CDATA[你好]]></Content><MsgId>1410685589001</MsgId></xml>")
    query = {"timestamp": good["timestamp"], "nonce": good["nonce"]}
    assert post(app, {**query, "signature": bad["signature"]}, xml).status_code == 403
    response = post(app, {**query, "signature": good["signature"]}, xml)
    assert response.status_code == 200 and "<Content><![CDATA[" in response.get_data(True)
    [stored] = rows(app.extensions["griddesk"], InboundMessage)
    assert stored.raw == xml


# --- 企业微信-style URL verification: encrypted echostr signed by msg_signature ------------

def encrypted_echostr_cases():
    work = CRYPTO["wechatpy-work-verify-url"]
    for n, case in enumerate(work["cases"], start=1):
        yield pytest.param(work, case, case.get("expected_echo_plaintext"),
                           id=f"wechatpy-work-verify-url#{n}-"
                              f"{'valid' if case['valid'] else 'invalid'}")
    sample = CRYPTO["official-work-sample"]
    yield pytest.param(sample, sample["verify_url"], sample["verify_url"][
        "expected_echo_plaintext"], id="official-work-sample-valid")


@pytest.mark.parametrize("vector,case,expected", list(encrypted_echostr_cases()))
def test_url_verification_with_an_encrypted_echostr(vector_app, vector, case, expected):
    response = get(vector_app(vector), msg_signature=case["msg_signature"],
                   timestamp=case["timestamp"], nonce=case["nonce"], echostr=case["echostr"])
    if expected is not None:
        assert response.status_code == 200
        assert response.get_data(as_text=True) == expected
    else:
        assert response.status_code == 403


def test_an_encrypted_echostr_for_another_corp_is_refused(vector_app):
    vector = CRYPTO["official-work-sample"]
    case = vector["verify_url"]
    app = vector_app({**vector, "app_id": "wx0000000000000000"})
    response = get(app, msg_signature=case["msg_signature"], timestamp=case["timestamp"],
                   nonce=case["nonce"], echostr=case["echostr"])
    assert response.status_code == 403
    assert case["expected_echo_plaintext"] not in response.get_data(as_text=True)


def test_a_tampered_encrypted_echostr_is_refused(vector_app):
    vector = CRYPTO["official-work-sample"]
    case = vector["verify_url"]
    response = get(vector_app(vector), msg_signature=case["msg_signature"],
                   timestamp=case["timestamp"], nonce=case["nonce"],
                   echostr=case["echostr"].replace("P9n", "P9m"))
    assert response.status_code == 403


# --- encrypted POSTs: every vector that carries an Encrypt and a msg_signature ------------

def inbound_cases():
    """(vector, query, body, expected plaintext; None when the plaintext is not XML)."""
    for key in ("wechatpy-work-decrypt",):
        vector = CRYPTO[key]
        yield pytest.param(vector, vector["query"], vector["request_body"],
                           vector["expected_plaintext"], id=key)
    sample = CRYPTO["official-work-sample"]
    yield pytest.param(sample, sample["decrypt"]["query"], sample["decrypt"]["request_body"],
                       sample["decrypt"]["expected_plaintext"], id="official-work-sample")
    for name, vector, plaintext, encrypt, msg_signature, _ in deterministic_cases():
        query = {"timestamp": vector["timestamp"], "nonce": vector["nonce"],
                 "msg_signature": msg_signature}
        body = (f"<xml><ToUserName><![CDATA[gh_vector]]></ToUserName>"
                f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>")
        is_xml = plaintext.lstrip().startswith("<xml>")
        yield pytest.param(vector, query, body, plaintext if is_xml else None, id=name)


INBOUND_CASES = list(inbound_cases())


@pytest.mark.parametrize("vector,query,body,expected", INBOUND_CASES)
def test_an_encrypted_message_is_decrypted_and_stored_verbatim(vector_app, vector, query,
                                                               body, expected):
    app = vector_app(vector)
    svc = app.extensions["griddesk"]
    response = post(app, {**query, "encrypt_type": "aes"}, body)
    if expected is None:  # the official Java sample's plaintext is not XML at all
        assert response.status_code == 400
        assert "bad request" in response.get_data(as_text=True)
        return
    assert response.status_code == 200
    [stored] = rows(svc, InboundMessage)
    assert stored.raw == expected
    sender = xmltodict.parse(expected)["xml"]["FromUserName"]
    assert stored.openid == sender


@pytest.mark.parametrize("vector,query,body,expected", INBOUND_CASES)
def test_an_encrypted_message_with_a_wrong_nonce_is_refused(vector_app, vector, query, body,
                                                            expected):
    app = vector_app(vector)
    response = post(app, {**query, "nonce": query["nonce"] + "1", "encrypt_type": "aes"}, body)
    assert response.status_code == 403
    assert count(app.extensions["griddesk"], InboundMessage) == 0


@pytest.mark.parametrize("vector,query,body,expected", INBOUND_CASES)
def test_an_encrypted_message_for_another_app_id_is_a_client_error(vector_app, vector, query,
                                                                   body, expected):
    app = vector_app({**vector, "app_id": "wx0000000000000000"})
    response = post(app, {**query, "encrypt_type": "aes"}, body)
    assert response.status_code == 400
    assert "bad request" in response.get_data(as_text=True)


# --- our encrypted passive reply, byte for byte ---------------------------------------

REPLY_CASES = [pytest.param(vector, query, body, expected, id=param.id)
               for param in INBOUND_CASES
               for vector, query, body, expected in [param.values]
               if "random_prefix" in vector and expected is not None]


@pytest.mark.parametrize("vector,query,body,expected", REPLY_CASES)
def test_the_encrypted_reply_is_exactly_what_the_vector_algorithm_gives(
        vector_app, vector, query, body, expected):
    app = vector_app(vector)
    sender = xmltodict.parse(expected)["xml"]
    with mock.patch.object(PrpCrypto, "get_random_string", return_value=vector["random_prefix"]), \
            time_machine.travel(int(vector["timestamp"]), tick=False):
        response = post(app, {**query, "encrypt_type": "aes"}, body)
    assert response.status_code == 200
    reply = response.get_data(as_text=True)

    encrypt = xmltodict.parse(reply)["xml"]["Encrypt"]
    prefix, plaintext, app_id = reference_decrypt(vector["encoding_aes_key"], encrypt)
    assert (prefix, app_id) == (vector["random_prefix"], vector["app_id"])
    expected_encrypt = reference_encrypt(vector["encoding_aes_key"], vector["random_prefix"],
                                         plaintext, vector["app_id"])
    assert reply == ENVELOPE.format(
        encrypt=expected_encrypt, timestamp=vector["timestamp"], nonce=query["nonce"],
        signature=reference_signature(vector["token"], vector["timestamp"], query["nonce"],
                                      expected_encrypt))

    answer = xmltodict.parse(plaintext)["xml"]
    assert answer["ToUserName"] == sender["FromUserName"]
    assert answer["FromUserName"] == sender["ToUserName"]
    assert answer["MsgType"] == "text" and CJK.search(answer["Content"])


# --- every XML sample, in plain mode and in safe mode -----------------------------------

def sample_id(sample: dict) -> str:
    """wechatpy:test_parser.py:ParseMessageTestCase.test_parse_text_message#1 → parser:…"""
    if not sample["id"].startswith("wechatpy:"):
        return sample["id"]
    _, path, test = sample["id"].split(":", 2)
    test_name = test.split(".", 1)[1].removeprefix("test_")
    return f"{Path(path).stem.removeprefix('test_')}:{test_name}"


SAMPLES = VECTORS["xml_samples"] + VECTORS["doc_samples"]


def test_every_sample_is_here_once():
    assert len(SAMPLES) == 83
    assert len({sample_id(s) for s in SAMPLES}) == len(SAMPLES)


def root_of(xml: str) -> ET.Element:
    return ET.fromstring(xml.strip())


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "safe"])
@pytest.mark.parametrize("sample", [pytest.param(s, id=sample_id(s)) for s in SAMPLES])
def test_every_xml_sample_gets_an_answer_and_never_a_500(sample_apps, sample, encrypted):
    app = sample_apps[encrypted]
    empty_quickly(app)
    protocol = app.extensions["wechat_protocol"]
    sent = root_of(sample["xml"])
    nonce = "5927782489"
    args, body = signed_request(protocol, sample["xml"], encrypted=encrypted,
                                openid=sent.findtext("FromUserName") or "", nonce=nonce,
                                timestamp="1700000000")
    response = app.test_client().post("/wechat?" + urlencode(args), data=body.encode(),
                                      content_type="text/xml")

    if sent.find("MsgType") is None:  # a reply envelope or pay XML: not a message to us
        assert response.status_code == 400
        assert "bad request" in response.get_data(as_text=True)
        return
    assert response.status_code == 200
    [stored] = rows(app.extensions["griddesk"], InboundMessage)
    assert stored.raw == sample["xml"]
    reply = response.get_data(as_text=True)
    if reply == "success":
        return
    envelope = xmltodict.parse(reply)["xml"]
    if encrypted:
        assert "Content" not in envelope and envelope["Nonce"] == nonce
        reply = protocol.crypto.decrypt_message(envelope, envelope["MsgSignature"],
                                                envelope["TimeStamp"], envelope["Nonce"])
        envelope = xmltodict.parse(reply)["xml"]
    assert envelope["ToUserName"] == sent.findtext("FromUserName")
    assert envelope["FromUserName"] == sent.findtext("ToUserName")
    assert envelope["MsgType"] == "text" and CJK.search(envelope["Content"])
