"""OAuth2 web authorization (网页授权), snsapi_base: WeChat tells a page opened in its browser
whose it is, silently. The page redirects to open.weixin.qq.com/connect/oauth2/authorize
(WECHAT_OAUTH_BASE_URL), WeChat comes back to /m/oauth with a code, and the code is exchanged
once for the openid at sns/oauth2/access_token (beside WECHAT_API_BASE_URL's cgi-bin/).
"""
from __future__ import annotations

import logging
import re
import secrets
from urllib.parse import urljoin

import requests
from flask import abort, redirect, request, send_file, session
from wechatpy.oauth import WeChatOAuth
from wechatpy.exceptions import WeChatOAuthException

from bot.mobile import bp, refuse
from bot.mobile.auth import OAUTH_OPENID, absolute_url
from bot.services import services

log = logging.getLogger(__name__)
STATE = "m_oauth_state"  # session: {"state": ..., "next": the page to return to}
TIMEOUT = 5


def oauth_client(redirect_uri: str = "", state: str = "") -> WeChatOAuth:
    settings = services().settings
    client = WeChatOAuth(settings.wechat_app_id, settings.wechat_app_secret, redirect_uri,
                         scope="snsapi_base", state=state)
    client.OAUTH_BASE_URL = settings.wechat_oauth_base_url
    client.API_BASE_URL = urljoin(settings.wechat_api_base_url, "../")  # sns/ beside cgi-bin/
    client._http.request = _with_timeout(client._http.request)
    return client


def _with_timeout(send):
    def request_with_timeout(*args, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT)
        return send(*args, **kwargs)
    return request_with_timeout


def authorize_redirect(next_path: str):
    """Send the browser to WeChat's authorization page; it comes back to /m/oauth."""
    state = secrets.token_urlsafe(12)
    session[STATE] = {"state": state, "next": next_path}
    client = oauth_client(absolute_url("mobile.oauth_return"), state)
    return redirect(client.authorize_url)


@bp.get("/oauth")
def oauth_return():
    """WeChat's redirect back: the code is exchanged for the openid, then the page opens."""
    expected = session.pop(STATE, None) or {}
    code, state = request.args.get("code", ""), request.args.get("state", "")
    if not expected or not state or state != expected.get("state"):
        refuse(403, "请重新打开", "授权已失效，请从公众号消息中的链接重新打开。")
    if not code:  # the person declined, or WeChat sent no code
        refuse(403, "未获得授权", "需要微信授权才能打开这个页面，请在微信中重新打开。")
    try:
        answer = oauth_client().fetch_access_token(code)
    except WeChatOAuthException as error:
        log.info("OAuth code refused by WeChat: %s", error.errcode)
        refuse(403, "授权失败", "微信授权未通过（可能已过期），请从公众号消息中的链接重新打开。")
    except requests.RequestException as error:
        log.warning("OAuth code exchange failed: %s", error)
        refuse(503)
    session[OAUTH_OPENID] = answer["openid"]
    next_path = expected.get("next") or "/"
    if not next_path.startswith("/m/") or next_path.startswith("//"):
        next_path = "/m/"
    return redirect(next_path)


VERIFY_CODE = re.compile(r"^[A-Za-z0-9]{1,64}$")


def mp_verify(code: str):
    """/MP_verify_<code>.txt: the file WeChat asks an account to serve at its domain's root
    before it accepts the domain as 网页授权域名 or JS接口安全域名. Put the downloaded file in
    the instance folder (GRIDDESK_INSTANCE); nothing else is served from there."""
    from bot.config import instance_dir
    path = instance_dir() / f"MP_verify_{code}.txt"
    if not VERIFY_CODE.match(code) or not path.is_file():
        abort(404)
    return send_file(path, mimetype="text/plain", max_age=0)
