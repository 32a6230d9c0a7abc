"""The WeChat simulator: a resident's phone and a grid worker's phone, side by side.

The browser sends what a person would type; the server builds the XML WeChat would send,
signs it (plain or safe mode) with the account's token and posts it to /wechat through the
app itself, so the token never reaches the browser. What the local transport records
(LocalDelivery) is polled into the right phone.
"""
from __future__ import annotations

import itertools
import secrets
import threading
import time
from urllib.parse import urlencode

from flask import abort, current_app, jsonify, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from bot.console import bp, roles_required, simulator_enabled
from bot.services import services
from bot.wechat.templates import template_fields
from bot.wechat.protocol import event_xml, open_reply, signed_request, text_message_xml
from store import scope
from store.demo import DEMO_RESIDENT
from store.models import Area, InboundMessage, LocalDelivery, Outbox, Resident, Staff

_clock_lock = threading.Lock()
_last_second = [0]
_nonces = itertools.count(secrets.randbelow(10**6))
SAMPLE_LOCATION = {"lat": "30.274085", "lng": "120.155070", "label": "示范区幸福里小区3栋"}


CHANNEL_NAMES = {"template": "模板消息", "customer_service": "客服消息", "mass": "群发消息"}


def as_shown(row: LocalDelivery) -> str:
    """What the phone shows: a template only its configured fields, fitted as WeChat
    takes them (no first / remark since 2023-05-04)."""
    if row.channel != "template" or "fields" not in row.payload:
        return row.payload.get("text", "")
    fields = template_fields(services().settings, row.payload, row.at)
    return "\n".join(f"{name}：{value}" for _, name, value in fields)


def _create_time() -> int:
    """A distinct CreateTime per simulated event: WeChat's events dedupe on sender + time."""
    with _clock_lock:
        _last_second[0] = max(int(time.time()), _last_second[0] + 1)
        return _last_second[0]


def image_xml(openid: str, pic_url: str, *, msg_id: int, create_time: int) -> str:
    return ("<xml><ToUserName><![CDATA[gh_griddesk]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{create_time}"
            "</CreateTime><MsgType><![CDATA[image]]></MsgType>"
            f"<PicUrl><![CDATA[{pic_url}]]></PicUrl><MediaId><![CDATA[sim{msg_id}]]></MediaId>"
            f"<MsgId>{msg_id}</MsgId></xml>")


def location_xml(openid: str, *, lat: str, lng: str, label: str, msg_id: int,
                 create_time: int) -> str:
    return ("<xml><ToUserName><![CDATA[gh_griddesk]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{create_time}"
            "</CreateTime><MsgType><![CDATA[location]]></MsgType>"
            f"<Location_X>{lat}</Location_X><Location_Y>{lng}</Location_Y><Scale>15</Scale>"
            f"<Label><![CDATA[{label}]]></Label><MsgId>{msg_id}</MsgId></xml>")


def _guard() -> None:
    if current_user.role != "admin" or not simulator_enabled():
        abort(404)


def build_xml(payload: dict, openid: str) -> str:
    kind = payload.get("type", "text")
    now, msg_id = _create_time(), secrets.randbits(62)
    if kind == "text":
        text = (payload.get("text") or "").strip()
        if not text:
            abort(400, "empty text")
        return text_message_xml(openid, text[:2000], msg_id=msg_id, create_time=now)
    if kind == "image":
        return image_xml(openid, url_for("console.static", filename="sim/photo.svg",
                                         _external=True), msg_id=msg_id, create_time=now)
    if kind == "location":
        return location_xml(openid, msg_id=msg_id, create_time=now, **SAMPLE_LOCATION)
    if kind == "event":
        event = payload.get("event", "")
        if event not in ("CLICK", "SCAN", "subscribe", "unsubscribe"):
            abort(400, "unknown event")
        return event_xml(openid, event, payload.get("key") or None, create_time=now)
    abort(400, "unknown message type")


@bp.get("/simulator")
@login_required
def simulator():
    _guard()
    with services().db.sessions() as session:
        workers = list(session.scalars(
            select(Staff).where(Staff.openid.is_not(None), Staff.active.is_(True))
            .order_by(Staff.role != "grid_worker", Staff.id).limit(100)))
        grids = list(session.scalars(select(Area).where(Area.level == "grid")
                                     .order_by(Area.code).limit(200)))
        residents = list(session.scalars(select(Resident.openid).order_by(Resident.id.desc())
                                         .limit(20)))
        for w in workers:
            _ = w.area
    if DEMO_RESIDENT not in residents:
        residents.insert(0, DEMO_RESIDENT)
    return render_template("console/simulator.html", workers=workers, grids=grids,
                           residents=residents, transport=services().transport.name,
                           safe_mode=current_app.extensions["wechat_protocol"].safe_mode)


@bp.post("/simulator/send")
@login_required
def simulator_send():
    """Sign the message as WeChat would and post it to /wechat; return the passive reply."""
    _guard()
    payload = request.get_json(silent=True) or {}
    openid = (payload.get("openid") or "").strip()[:64]
    if not openid:
        abort(400, "openid required")
    xml = build_xml(payload, openid)
    protocol = current_app.extensions["wechat_protocol"]
    encrypted = protocol.safe_mode  # the account's configured mode: WeChat uses nothing else
    args, body = signed_request(protocol, xml, encrypted=encrypted, openid=openid,
                                timestamp=str(int(time.time())), nonce=str(next(_nonces)))
    started = time.monotonic()
    response = current_app.test_client().post(f"/wechat?{urlencode(args)}", data=body,
                                              content_type="text/xml")
    elapsed = round((time.monotonic() - started) * 1000)
    text = response.get_data(as_text=True)
    reply = open_reply(protocol, text) if response.status_code == 200 else None
    return jsonify(status=response.status_code, reply=reply, ms=elapsed,
                   mode="安全模式" if encrypted else "明文模式",
                   error=None if response.status_code == 200 else text[:200])


@bp.get("/simulator/feed")
@login_required
def simulator_feed():
    """Messages the local transport recorded for one openid after a given id."""
    _guard()
    openid, after = request.args.get("openid", ""), request.args.get("after", 0, type=int)
    with services().db.sessions() as session:
        rows = list(session.scalars(
            select(LocalDelivery).where(LocalDelivery.to_openid == openid,
                                        LocalDelivery.id > after)
            .order_by(LocalDelivery.id).limit(50)))
        pending = session.scalar(select(func.count()).select_from(Outbox).where(
            Outbox.to_openid == openid, Outbox.status.in_(("pending", "sending"))))
    return jsonify(pending=pending, messages=[
        {"id": r.id, "text": as_shown(r), "at": r.at.isoformat(),
         "channel": CHANNEL_NAMES.get(r.channel, "客服消息")} for r in rows])


@bp.get("/simulator/history")
@login_required
def simulator_history():
    """The last exchanges of one openid: what they sent, the passive replies, what they got."""
    _guard()
    import xmltodict
    openid = request.args.get("openid", "")
    items = []
    with services().db.sessions() as session:
        for row in session.scalars(select(InboundMessage).where(InboundMessage.openid == openid)
                                   .order_by(InboundMessage.id.desc()).limit(20)):
            try:
                data = xmltodict.parse(row.raw)["xml"]
            except Exception:
                continue
            items.append({"at": row.received_at.isoformat(), "who": "me",
                          "text": describe(data)})
            if row.reply:
                items.append({"at": row.received_at.isoformat(), "who": "them",
                              "text": row.reply, "channel": "被动回复"})
        last = 0
        for row in session.scalars(select(LocalDelivery).where(LocalDelivery.to_openid == openid)
                                   .order_by(LocalDelivery.id.desc()).limit(20)):
            last = max(last, row.id)
            items.append({"at": row.at.isoformat(), "who": "them",
                          "text": as_shown(row),
                          "channel": CHANNEL_NAMES.get(row.channel, "客服消息")})
    items.sort(key=lambda item: item["at"])
    return jsonify(items=items[-40:], last=last)


def describe(data: dict) -> str:
    kind = data.get("MsgType")
    if kind == "text":
        return data.get("Content", "")
    if kind == "image":
        return "[图片]"
    if kind == "location":
        return f"[位置] {data.get('Label', '')}"
    if kind == "event":
        names = {"REPORT": "报事件", "SOS": "一键求助", "MY_TICKETS": "我的工单", "GUIDE": "办事指南"}
        key = data.get("EventKey") or ""
        if data.get("Event") == "CLICK":
            return f"[点击菜单] {names.get(key, key)}"
        return f"[{data.get('Event')}] {key}"
    return f"[{kind}]"


@bp.get("/messages")
@roles_required(*scope.SEES_EVERYTHING)
def messages():
    """What the local transport recorded (no WeChat credentials): the demo's 'sent' box.
    It holds every resident's messages, so only those who see everything may read it."""
    with services().db.sessions() as session:
        rows = list(session.scalars(select(LocalDelivery).order_by(LocalDelivery.id.desc())
                                    .limit(200)))
    return render_template("console/messages.html", rows=rows,
                           transport=services().transport.name)
