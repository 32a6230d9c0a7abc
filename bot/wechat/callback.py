"""POST/GET /wechat: the callback URL configured in the official account's settings."""
from __future__ import annotations

import hashlib
import logging

import redis
from flask import Blueprint, Flask, Response, current_app, request
from sqlalchemy.exc import InterfaceError, OperationalError

from bot.wechat import inbox
from bot.services import services
from bot.wechat.protocol import MAX_OPENID, BadRequest, Forbidden, Protocol
from store import inbound

log = logging.getLogger(__name__)
bp = Blueprint("webhook", __name__)
MAX_BODY = 1024 * 1024  # WeChat's messages are a few KB; anything near this is not WeChat
SIGNATURE_MEMORY_SECONDS = 300  # a plain signature's first body is kept twice this or the
#                                  timestamp tolerance, whichever is longer


def protocol() -> Protocol:
    return current_app.extensions["wechat_protocol"]


def _plain(text: str, status: int = 200) -> Response:
    return Response(text, status=status, mimetype="text/plain")


@bp.get("/wechat")
def verify():
    try:
        return _plain(protocol().verify_url(request.args))
    except Forbidden:
        return _plain("invalid signature", 403)


@bp.post("/wechat")
def receive():
    if (request.content_length or 0) > MAX_BODY:
        return _plain("request body too large", 413)
    body = request.get_data(cache=False)  # not request.data: curl -d sends a form
    # A chunked body (no Content-Length) is cut at MAX_CONTENT_LENGTH by werkzeug without an
    # error, so a body that reaches the limit is refused rather than read as a truncated one.
    if len(body) >= MAX_BODY:
        return _plain("request body too large", 413)
    try:
        callback = protocol().open(request.args, body)
    except Forbidden as error:
        log.info("rejected callback: %s", error)
        return _plain("invalid signature", 403)
    except BadRequest as error:
        log.info("unreadable callback: %s", error)
        if error.signed_body is not None:  # from WeChat: keep it, so nothing is lost
            inbound.record(services().db, raw=error.signed_body, dedupe_key=None,
                           openid=request.args.get("openid", "")[:MAX_OPENID] or None, msg_type="unreadable",
                           now=services().now(), status="rejected", error=str(error))
        return _plain(f"bad request: {error}", 400)
    if not callback.encrypted and not _first_body_of_its_signature(request.args, body):
        log.info("rejected callback: a plain signature seen before, with another body")
        return _plain("invalid signature", 403)
    try:
        text = inbox.receive(services(), callback)
    except (OperationalError, InterfaceError):
        # The database is down (or went away mid-message), so nothing was committed: say
        # nothing and let WeChat retry.
        log.exception("database unavailable; WeChat will retry")
        return _plain("service unavailable", 503)
    nonce = request.args.get("nonce", "")
    return Response(protocol().reply(callback, text, nonce), mimetype="application/xml"
                    if text else "text/plain")


def _first_body_of_its_signature(args, body: bytes) -> bool:
    """Plain mode signs token+timestamp+nonce, not the body: a signature seen once (a proxy's
    log, a shared capture) would carry any body as anyone until its timestamp is stale. It
    vouches only for the body it first came with (WeChat's retries repeat that body); another
    body under it is refused. Not checked with the timestamp check off (replaying recorded
    traffic: every signature is old) or with Redis unreachable (as flood control)."""
    settings, tolerance = services().settings, protocol().timestamp_tolerance
    if not tolerance:
        return True
    signed = "|".join(args.get(name, "") for name in ("signature", "timestamp", "nonce"))
    key = (f"griddesk:{settings.queue_name}:plain-signature:"
           + hashlib.sha256(signed.encode()).hexdigest()[:32])
    digest = hashlib.sha256(body).hexdigest()
    try:
        connection = services().redis
        connection.set(key, digest, nx=True,
                       ex=2 * max(tolerance, SIGNATURE_MEMORY_SECONDS))
        first = connection.get(key)
    except redis.RedisError as error:
        log.warning("plain signature not bound to its body (Redis): %s", error)
        return True
    return first is None or first.decode() == digest


def init_app(app: Flask) -> None:
    settings = services(app).settings
    app.extensions["wechat_protocol"] = Protocol(
        settings.wechat_token, settings.wechat_encoding_aes_key, settings.wechat_app_id,
        settings.wechat_timestamp_tolerance_seconds)
    app.register_blueprint(bp)
