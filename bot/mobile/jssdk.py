"""WeChat's JS-SDK on the phone pages: `wx.config` signed with the account's jsapi_ticket, so
a page opened in WeChat may call chooseImage / uploadImage / getLocation.

Signature (WeChat's JS-SDK documentation, 附录1): the fields noncestr, jsapi_ticket, timestamp
and url (the page's full address without its #fragment), sorted by name, joined as
`name=value` with `&`, SHA-1 in hex. Without WeChat credentials (the demo) there is no config
and pages fall back to the browser's own file and location inputs.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
import time

import redis
import requests
from flask import request
from wechatpy.exceptions import WeChatClientException

from bot.services import services

log = logging.getLogger(__name__)
SDK_URL = "https://res.wx.qq.com/open/js/jweixin-1.6.0.js"
PHOTO_AND_PLACE = ("chooseImage", "uploadImage", "getLocation")


def jsapi_signature(ticket: str, noncestr: str, timestamp: int | str, url: str) -> str:
    fields = {"noncestr": noncestr, "jsapi_ticket": ticket, "timestamp": str(timestamp),
              "url": url.split("#", 1)[0]}
    text = "&".join(f"{name}={fields[name]}" for name in sorted(fields))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def page_url() -> str:
    """This page's address as the phone sees it (PUBLIC_BASE_URL's scheme and host when set)."""
    base = services().settings.public_base_url.rstrip("/")
    path = request.full_path.rstrip("?")
    return f"{base}{path}" if base else request.url


def wx_config(apis=PHOTO_AND_PLACE) -> dict | None:
    """The argument of wx.config for this page, or None without WeChat (or when WeChat cannot
    be reached now: the page still works, with the browser's own inputs)."""
    svc = services()
    if not svc.settings.uses_real_wechat or not hasattr(svc.transport, "jsapi_ticket"):
        return None
    try:
        ticket = svc.transport.jsapi_ticket()
    except (WeChatClientException, requests.RequestException, redis.RedisError) as error:
        log.warning("no jsapi_ticket for wx.config: %s", error)
        return None
    nonce, timestamp = secrets.token_hex(8), int(time.time())
    return {"debug": False, "appId": svc.settings.wechat_app_id, "timestamp": timestamp,
            "nonceStr": nonce, "signature": jsapi_signature(ticket, nonce, timestamp, page_url()),
            "jsApiList": list(apis)}
