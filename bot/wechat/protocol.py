"""WeChat's callback protocol: signatures, safe-mode crypto, parsing and passive replies.

wechatpy does the crypto and parsing; the comparisons are ours because wechatpy compares
signatures with `!=` (not constant-time).
"""
from __future__ import annotations

import hmac
import time
from dataclasses import dataclass

import xmltodict
from wechatpy import parse_message
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.replies import TextReply
from wechatpy.utils import WeChatSigner


class Forbidden(Exception):
    """The request is not from WeChat (bad or missing signature): 403."""


class BadRequest(Exception):
    """The request is from WeChat's side of the protocol but cannot be read: 400.

    `signed_body` is what was received when the signature had already been verified: it came
    from WeChat, so it is kept (a forged request's body is not).
    """

    def __init__(self, reason: str, signed_body: str | None = None):
        super().__init__(reason)
        self.signed_body = signed_body


def sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def signature_matches(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


@dataclass(frozen=True)
class Callback:
    """One verified, decrypted and parsed POST from WeChat."""

    xml: str
    message: object  # a wechatpy message or event
    encrypted: bool

    @property
    def dedupe_key(self) -> str:
        """WeChat retries carry the same MsgId; events have none, so sender + time + event.

        Built from the raw fields: wechatpy's converters raise on odd values (a CreateTime
        beyond year 9999), and a key must never fail.
        """
        raw = self.message._data
        if raw.get("MsgId"):
            return f"msg:{raw['MsgId']}"[:128]
        if raw.get("MsgID"):  # job reports (MASSSENDJOBFINISH): two may share a second
            return f"job:{raw.get('Event')}:{raw['MsgID']}"[:128]
        return f"ev:{raw.get('FromUserName')}:{raw.get('CreateTime')}:{raw.get('Event')}"[:128]


# Bounds on what a signed message may carry. WeChat's own openids are 28 characters and a
# resident's text is at most about 2,000; anything beyond is not a message a person typed.
MAX_OPENID = 64
MAX_FIELD = 4000


class Protocol:
    """The server side of one official account's callback URL.

    With an EncodingAESKey (safe mode) only encrypted POSTs with a valid `msg_signature` are
    WeChat's: a plain-mode signature covers token+timestamp+nonce, not the body, so one such
    signature seen anywhere would let anyone post any body. Plain mode is for accounts set up
    without a key. Timestamps further than `timestamp_tolerance` seconds from now are refused
    (0: not checked, for replaying recorded traffic).
    """

    def __init__(self, token: str, encoding_aes_key: str | None, app_id: str | None,
                 timestamp_tolerance: int = 300):
        self.token = token
        self.timestamp_tolerance = timestamp_tolerance
        self.crypto = (WeChatCrypto(token, encoding_aes_key, app_id)
                       if encoding_aes_key and app_id else None)

    @property
    def safe_mode(self) -> bool:
        return self.crypto is not None

    def check_fresh(self, args) -> None:
        """A signed request is only as good as its timestamp: a replay later is refused."""
        if not self.timestamp_tolerance:
            return
        try:
            timestamp = int(args.get("timestamp", ""))
        except ValueError:
            raise Forbidden("timestamp missing or not a number") from None
        if abs(time.time() - timestamp) > self.timestamp_tolerance:
            raise Forbidden(f"timestamp more than {self.timestamp_tolerance} s from now")

    def verify_url(self, args) -> str:
        """GET /wechat: the 公众号 echoes echostr verbatim when the plain signature matches.

        The 企业微信 flavour sends an encrypted echostr signed by `msg_signature` instead;
        with safe mode configured, that signature is checked and the plaintext is echoed.
        """
        self.check_fresh(args)
        if args.get("msg_signature") is not None and self.crypto is not None:
            return self._decrypt_echostr(args)
        self.check_plain(args)
        return args.get("echostr", "")

    def _decrypt_echostr(self, args) -> str:
        timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
        echostr = args.get("echostr", "")
        if not signature_matches(sign(self.token, timestamp, nonce, echostr),
                                 args.get("msg_signature")):
            raise Forbidden("msg_signature mismatch")
        try:
            return PrpCrypto(self.crypto.key).decrypt(echostr, self.crypto.app_id)
        except Exception as error:  # bad base64 or padding, or another AppID/CorpID
            # Signed with our token but not readable for our AppID: not meant for us.
            raise Forbidden(f"cannot decrypt echostr: {type(error).__name__}") from error

    def check_plain(self, args) -> None:
        expected = sign(self.token, args.get("timestamp", ""), args.get("nonce", ""))
        if not signature_matches(expected, args.get("signature")):
            raise Forbidden("signature mismatch")

    def open(self, args, body: bytes) -> Callback:
        """Verify, decrypt (safe and compatible mode) and parse a POSTed message."""
        encrypted = args.get("encrypt_type", "raw").lower() == "aes"
        if self.safe_mode and not encrypted:
            raise Forbidden("plain mode refused: this account has an EncodingAESKey")
        self.check_fresh(args)
        if encrypted:
            xml = self._decrypt(args, body)
        else:
            self.check_plain(args)
            xml = _text(body)
        try:
            message = parse_message(xml)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise BadRequest(f"unreadable message: {type(error).__name__}", xml) from error
        except Exception as error:  # xml.parsers.expat.ExpatError and its kin
            raise BadRequest(f"malformed XML: {error}", xml) from error
        if message is None:
            raise BadRequest("empty body", xml)
        _check_bounds(message._data, xml)
        if not message._data.get("FromUserName"):
            raise BadRequest("message without FromUserName", xml)
        if message.type == "text" and message._data.get("Content") is None:
            message._data["Content"] = ""  # an empty text is still a text, not a crash
        return Callback(xml=xml, message=message, encrypted=encrypted)

    def _decrypt(self, args, body: bytes) -> str:
        if self.crypto is None:
            raise BadRequest("safe mode is not configured (WECHAT_ENCODING_AES_KEY)")
        if args.get("signature") is not None:
            self.check_plain(args)
        timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
        try:
            envelope = xmltodict.parse(_text(body))["xml"]
            encrypt = envelope["Encrypt"]
        except Exception as error:
            raise BadRequest("no Encrypt element in a safe-mode body") from error
        if not signature_matches(sign(self.token, timestamp, nonce, encrypt),
                                 args.get("msg_signature")):
            raise Forbidden("msg_signature mismatch")
        try:
            return self.crypto.decrypt_message(envelope, args["msg_signature"], timestamp, nonce)
        except Exception as error:  # bad base64, padding or AppID
            raise BadRequest(f"cannot decrypt: {type(error).__name__}", encrypt) from error

    def reply(self, callback: Callback, text: str | None, nonce: str) -> str:
        """The passive reply body: `success` when there is nothing to say."""
        if not text:
            return "success"
        xml = TextReply(content=text, message=callback.message).render()
        if callback.encrypted:
            return self.crypto.encrypt_message(xml, nonce, str(int(time.time())))
        return xml


def _check_bounds(data: dict, xml: str) -> None:
    """One value per element, and no value longer than any person or WeChat would send."""
    for name, value in data.items():
        if isinstance(value, list):
            raise BadRequest(f"element <{name}> appears more than once", xml)
        limit = MAX_OPENID if name in ("FromUserName", "ToUserName") else MAX_FIELD
        if isinstance(value, str) and len(value) > limit:
            raise BadRequest(f"element <{name}> is longer than {limit} characters", xml)


def _text(body: bytes) -> str:
    """Called only once the signature is verified (plain mode signs the query, not the body)."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadRequest("body is not UTF-8", body.decode("utf-8", "replace")) from error


def text_message_xml(openid: str, text: str, *, to: str = "gh_griddesk", msg_id: int,
                     create_time: int) -> str:
    return ("<xml><ToUserName><![CDATA[{to}]]></ToUserName>"
            "<FromUserName><![CDATA[{openid}]]></FromUserName>"
            "<CreateTime>{time}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            "<Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId></xml>").format(
        to=to, openid=openid, time=create_time, msg_id=msg_id,
        text=text.replace("]]>", "]]]]><![CDATA[>"))


def event_xml(openid: str, event: str, key: str | None = None, *, to: str = "gh_griddesk",
              create_time: int) -> str:
    key_xml = f"<EventKey><![CDATA[{key}]]></EventKey>" if key is not None else ""
    return (f"<xml><ToUserName><![CDATA[{to}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[{event}]]></Event>{key_xml}</xml>")


def signed_request(protocol: Protocol, xml: str, *, encrypted: bool, openid: str,
                   timestamp: str, nonce: str) -> tuple[dict, str]:
    """What WeChat would send for this message: (query string args, body)."""
    args = {"signature": sign(protocol.token, timestamp, nonce), "timestamp": timestamp,
            "nonce": nonce, "openid": openid}
    if not encrypted:
        return args, xml
    envelope = xmltodict.parse(protocol.crypto.encrypt_message(xml, nonce, timestamp))["xml"]
    body = (f"<xml><ToUserName><![CDATA[gh_griddesk]]></ToUserName>"
            f"<Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>")
    args.update(encrypt_type="aes", msg_signature=envelope["MsgSignature"])
    return args, body


def open_reply(protocol: Protocol, body: str) -> str | None:
    """The text inside a passive reply (decrypting it if needed); None for `success`."""
    if body.strip() in ("", "success"):
        return None
    envelope = xmltodict.parse(body)["xml"]
    if "Encrypt" in envelope:
        xml = protocol.crypto.decrypt_message(envelope, envelope["MsgSignature"],
                                              envelope["TimeStamp"], envelope["Nonce"])
        envelope = xmltodict.parse(xml)["xml"]
    return envelope.get("Content")
