"""Outbound WeChat: the real API through wechatpy, or a local record for the simulator."""
from __future__ import annotations

import functools
import io
import json
import logging
import time
from datetime import datetime, timezone
from urllib.parse import urlsplit

import requests
from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite
from wechatpy import WeChatClient
from wechatpy.constants import WeChatErrorCode
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.redisstorage import RedisStorage

from bot.wechat.templates import template_fields, template_id
from store import Database, outbox
from store.models import LocalDelivery, Outbox, utcnow
from store.photos import MAX_BYTES

log = logging.getLogger(__name__)
# The answers that mean "this access_token is no good": fetch a new one and try once more.
TOKEN_ERRORS = frozenset({WeChatErrorCode.INVALID_CREDENTIAL.value,      # 40001
                          WeChatErrorCode.INVALID_ACCESS_TOKEN.value,    # 40014
                          WeChatErrorCode.EXPIRED_ACCESS_TOKEN.value})   # 42001
# Customer-service text refused: outside every window (45015) or over its count (45047).
WINDOW_CLOSED = frozenset({45015, 45047})
QUOTA_REACHED = 45009   # the day's quota of this API is used up
MASS_REPEATED = 45065   # a mass send with this clientmsgid was made already
# A PicUrl is fetched only from WeChat's own image hosts: never a URL anyone else chose.
WECHAT_IMAGE_HOSTS = ("mmbiz.qpic.cn", "mmbiz.qlogo.cn", "mmsns.qpic.cn")


class MediaUnavailable(Exception):
    """A picture could not be downloaded (expired MediaId, refused URL, not a picture)."""


def wechat_image_url(url: str | None) -> bool:
    parts = urlsplit(url or "")
    return parts.scheme in ("http", "https") and parts.hostname in WECHAT_IMAGE_HOSTS


def read_bounded(response) -> bytes:
    """At most MAX_BYTES of a streamed response; more is refused, not truncated."""
    data = io.BytesIO()
    for chunk in response.iter_content(64 * 1024):
        data.write(chunk)
        if data.tell() > MAX_BYTES:
            raise MediaUnavailable(f"larger than {MAX_BYTES} bytes")
    return data.getvalue()


@functools.cache
def sample_photo() -> bytes:
    """The picture the simulator's residents send (the demo has no WeChat to download from)."""
    from PIL import Image, ImageDraw
    image = Image.new("RGB", (480, 320), "#dfe8f0")
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 60, 440, 260), outline="#5a7896", width=6)
    draw.line((40, 260, 200, 140, 300, 220, 360, 170, 440, 260), fill="#5a7896", width=6)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


class LocalTransport:
    """No WeChat credentials: record each message where the console and simulator show it."""

    name = "local"
    # send() marks the row sent itself, in the transaction that records it (the record is
    # the send): one commit a delivery where a record and a `sent` were two.
    marks_sent = True

    def __init__(self, db: Database, settings=None):
        self.db = db
        self.settings = settings

    def send(self, row: Outbox) -> str:
        """Recorded as WeChat would show it: a text ending with its phone page's link, a
        template with its url."""
        from bot.mobile.links import linked
        text, url = linked(row)
        payload = {**row.payload, **({"url": url} if url else {})}
        if url and row.channel != "template":
            payload["text"] = text
        # recorded and marked sent in one transaction (one statement on PostgreSQL); a row
        # recorded by an earlier version's try whose `sent` was lost is kept as it is
        at = utcnow()
        outbox.record_sent_with(self.db, _record_delivery(self.db.engine.dialect.name), {
            "d_outbox_id": row.id, "d_to_openid": row.to_openid, "d_channel": row.channel,
            "d_payload": payload, "d_at": at}, row.id, at, row.channel)
        return row.channel

    def template_ready(self, payload: dict) -> bool:
        return True  # the simulator shows any notice in its template form

    def send_mass_text(self, openids: list[str], text: str, client_msg_id: str) -> str:
        """Record a mass send per recipient for the simulator; its job id is the client's."""
        with self.db.transaction() as session:
            session.add_all(LocalDelivery(to_openid=openid, channel="mass",
                                          payload={"text": text}) for openid in openids)
        return client_msg_id

    def download_media(self, media_id: str, pic_url: str | None) -> bytes:
        """The simulator's pictures: its sample, stored like any resident's picture."""
        return sample_photo()


@functools.cache
def _record_delivery(dialect_name: str):
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    table = LocalDelivery.__table__
    return (dialect.insert(table)
            .values({name: bindparam(f"d_{name}", type_=table.c[name].type)
                     for name in ("outbox_id", "to_openid", "channel", "payload", "at")})
            .on_conflict_do_nothing(index_elements=["outbox_id"]))


class _TimeoutSession(requests.Session):
    """Every request gets a timeout, the access-token fetch included (wechatpy gives it none)."""

    def __init__(self, timeout: float):
        super().__init__()
        self.default_timeout = timeout

    def request(self, method, url, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        return super().request(method, url, **kwargs)


class _Client(WeChatClient):
    """wechatpy's client, fetching its token from API_BASE_URL too.

    wechatpy 2.0.0a26 fetches the token from a hard-coded https://api.weixin.qq.com, whatever
    API_BASE_URL says (a proxy, a regional endpoint, a test double).
    """

    token_lock = None  # a Redis lock shared by every process using this AppID

    def fetch_access_token(self, refused: str | None = None):
        """One fetch for all processes: under the shared lock, a token that another process
        fetched while this one waited is used as it is (WeChat allows 2,000 fetches a day,
        and each fetch invalidates the token every other process holds)."""
        with self.token_lock:
            current = self.session.get(self.access_token_key)
            expires_at = self.expires_at
            if (current and current != refused and expires_at
                    and float(expires_at) - time.time() > 60):
                return {"access_token": current}
            return self._fetch_access_token(
                url=f"{self.API_BASE_URL}token",
                params={"grant_type": "client_credential", "appid": self.appid,
                        "secret": self.secret})


class WeChatTransport:
    """The real API. The access token lives in Redis so every process shares one."""

    name = "wechat"

    def __init__(self, settings, connection, timeout: float = 5):
        self.settings = settings
        self.connection = connection
        # auto_retry=False: on a token error wechatpy fetches a new token and retries without
        # any limit (a revoked AppSecret means a token fetch per try, on a quota of 2000 a
        # day, until the stack overflows). One fresh token and one retry is done here instead.
        self.client = _Client(
            settings.wechat_app_id, settings.wechat_app_secret,
            session=RedisStorage(connection, prefix="griddesk:wechatpy"), timeout=timeout,
            auto_retry=False)
        self.client._http = _TimeoutSession(timeout)
        self.client.API_BASE_URL = settings.wechat_api_base_url
        self.client.token_lock = connection.lock(
            f"griddesk:wechatpy:{settings.wechat_app_id}_token_lock", timeout=30,
            blocking_timeout=30)

    def template_ready(self, payload: dict) -> bool:
        return bool(template_id(self.settings, payload))

    def jsapi_ticket(self) -> str:
        """The JS-SDK's jsapi_ticket (ticket/getticket), shared by every process through Redis
        like the access token and fetched under a Redis lock by one of them (it lives 7200 s;
        WeChat limits the fetches a day)."""
        key = f"griddesk:wechatpy:{self.settings.wechat_app_id}_jsapi_ticket"
        ticket = self.connection.get(key)
        if ticket:
            return ticket.decode()
        with self.connection.lock(f"{key}_lock", timeout=30, blocking_timeout=30):
            ticket = self.connection.get(key)
            if ticket:
                return ticket.decode()
            answer = self._call(self.client.jsapi.get_ticket, "jsapi")
            lifetime = int(answer.get("expires_in") or 7200)
            self.connection.set(key, answer["ticket"], ex=max(lifetime - 300, 60))
            return answer["ticket"]

    def send(self, row: Outbox) -> str:
        """Send one row by its channel; the channel it went by (a template when WeChat
        refused the customer-service text: outside the window, 45015, or over its count,
        45047)."""
        from bot.mobile.links import linked
        payload = row.payload
        text, url = linked(row)  # the phone page it opens, made for its recipient now
        if row.channel == "template" and template_id(self.settings, payload):
            self._send_template(row, payload, url)
            return "template"
        try:
            self._call(self.client.message.send_text, row.to_openid, text)
            return "customer_service"
        except WeChatClientException as error:
            if error.errcode not in WINDOW_CLOSED or not template_id(self.settings, payload):
                raise
            log.info("outbox %s: WeChat allows no more text (%s), sent as a template",
                     row.id, error.errcode)
        self._send_template(row, as_template(payload), url)
        return "template"

    def _send_template(self, row: Outbox, payload: dict, url: str | None) -> None:
        """A template opens its phone page (url): what the fields cannot hold is one tap
        away."""
        data = {key: {"value": value} for key, _, value
                in template_fields(self.settings, payload, datetime.now(timezone.utc))}
        self._call(self.client.message.send_template, row.to_openid,
                   template_id(self.settings, payload), data, url)

    def send_mass_text(self, openids: list[str], text: str, client_msg_id: str) -> str:
        """message/mass/send to up to 10,000 openids; WeChat's msg_id of the job. The same
        clientmsgid again is refused with 45065 and the first job's msg_id: sent already."""
        try:
            result = self._call(self.client.message.send_mass_text, text, openids, False,
                                False, 0, client_msg_id)
        except WeChatClientException as error:
            if error.errcode != MASS_REPEATED:
                raise
            result = json.loads(error.response.text) if error.response is not None else {}
        return str(result.get("msg_id", ""))

    def download_media(self, media_id: str, pic_url: str | None) -> bytes:
        """A resident's picture: by MediaId through media/get, else from its PicUrl when that
        is on WeChat's own image hosts."""
        failure = "no MediaId"
        if media_id:
            try:
                response = self._call(self.client.media.download, media_id)
                if not isinstance(response, dict):
                    return read_bounded(response)
                failure = f"media/get answered {response}"[:200]
            except (WeChatClientException, requests.RequestException) as error:
                failure = f"media/get: {error}"[:200]
        if not wechat_image_url(pic_url):
            raise MediaUnavailable(f"{failure}; PicUrl not on a WeChat image host")
        with self.client._http.get(pic_url, stream=True, allow_redirects=False) as response:
            if response.status_code != 200:
                raise MediaUnavailable(f"{failure}; PicUrl answered {response.status_code}")
            return read_bounded(response)

    def _call(self, api, *args):
        used = self.client.access_token
        try:
            return api(*args)
        except WeChatClientException as error:
            if error.errcode not in TOKEN_ERRORS:
                raise
            log.info("WeChat refused the access token (%s); fetching a new one", error.errcode)
        self.client.fetch_access_token(refused=used)
        return api(*args)


def as_template(payload: dict) -> dict:
    """A plain reply in the progress template's shape (工单号, 处理进度, 说明)."""
    if "fields" in payload:
        return payload
    return {"title": "您有一条新消息", "fields": [["工单号", "—"], ["处理进度", "回复"],
                                                ["说明", payload["text"][:200]]],
            "remark": "回复“我的工单”查看进度。", "template": "progress",
            "text": payload["text"]}
