"""POST/GET /wechat: the callback URL configured in the official account's settings."""
from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, current_app, request
from sqlalchemy.exc import OperationalError

from bot.wechat import inbox
from bot.services import services
from bot.wechat.protocol import MAX_OPENID, BadRequest, Forbidden, Protocol
from store import inbound

log = logging.getLogger(__name__)
bp = Blueprint("webhook", __name__)
MAX_BODY = 1024 * 1024  # WeChat's messages are a few KB; anything near this is not WeChat


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
    try:
        text = inbox.receive(services(), callback)
    except OperationalError:
        # The database is down, so nothing was stored: say nothing and let WeChat retry.
        log.exception("database unavailable; WeChat will retry")
        return _plain("service unavailable", 503)
    nonce = request.args.get("nonce", "")
    return Response(protocol().reply(callback, text, nonce), mimetype="application/xml"
                    if text else "text/plain")


def init_app(app: Flask) -> None:
    settings = services(app).settings
    app.extensions["wechat_protocol"] = Protocol(
        settings.wechat_token, settings.wechat_encoding_aes_key, settings.wechat_app_id,
        settings.wechat_timestamp_tolerance_seconds)
    app.register_blueprint(bp)
