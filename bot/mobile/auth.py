"""Who is opening a phone page, and whether they may act on it.

Every page is reached by a link made with `page_link(openid, endpoint, **values)`: it carries a
token signed with SECRET_KEY, bound to the openid the link was made for, the page (endpoint)
and its values (the ticket number), and issued at a known time.

- Real WeChat (WECHAT_APP_ID and WECHAT_APP_SECRET set): WeChat says who is opening the page,
  through OAuth2 web authorization (snsapi_base, silent; bot/mobile/oauth.py). The token's
  openid must be that person's; an old link still opens for the person it was made for
  (WeChat vouches for them), never for anyone else.
- Without WeChat (the demo, the simulator): the token is the only proof. It opens the page
  within MOBILE_LINK_TTL_SECONDS of being made, and only on the first browser that opened it
  (a forwarded link that its owner opened already is refused on any other phone).

The browser remembers in its session which openids it has proved (each for
MOBILE_LINK_TTL_SECONDS after its last use). An action (POST) is taken only for an openid the
page was opened by in this same browser: a link alone, posted from elsewhere, acts for nobody.
Forms carry Flask-WTF's CSRF token like the console's (the CSRFProtect is app-wide).
"""
from __future__ import annotations

import functools
import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import redis
from flask import current_app, has_request_context, request, session
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from bot.mobile import refuse
from bot.services import services
from store.models import Staff

log = logging.getLogger(__name__)
SALT = "griddesk.mobile.link"
TOKEN_ARG = "t"
PROVED = "m_who"  # session: {openid: last use, epoch seconds} of the openids this browser proved
DEVICE = "m_dev"  # session: this browser's random id (a token is claimed by the first one)
OAUTH_OPENID = "m_oauth"  # session: the openid WeChat's OAuth named (real mode)
ROLES = ("staff", "resident")


@dataclass(frozen=True)
class Viewer:
    """The person a page was opened by: their openid and, on staff pages, their Staff row
    (detached: its columns are loaded; load relationships again in your own session)."""

    openid: str
    staff: Staff | None = None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _ttl() -> int:
    return services().settings.mobile_link_ttl_seconds


def _bound(values: dict) -> dict[str, str]:
    return {key: str(value) for key, value in values.items()}


def page_link(openid: str, endpoint: str, **values) -> str:
    """The absolute URL of a phone page for this openid (PUBLIC_BASE_URL, else this request's
    host, else http://127.0.0.1:PORT), carrying its signed token. Needs an app context."""
    # n: each link its own (a claim is per link, not per page)
    token = _serializer().dumps({"o": openid, "e": endpoint, "v": _bound(values),
                                 "n": secrets.token_urlsafe(6)})
    return absolute_url(endpoint, **values, **{TOKEN_ARG: token})


def absolute_url(endpoint: str, **values) -> str:
    settings = services().settings
    base = settings.public_base_url.rstrip("/")
    if base:
        parts = urlsplit(base)
        adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/",
                                           url_scheme=parts.scheme or "https")
    elif has_request_context():
        adapter = current_app.create_url_adapter(request)
    else:
        adapter = current_app.url_map.bind(f"127.0.0.1:{settings.port}", url_scheme="http")
    return adapter.build(endpoint, values, force_external=True)


def read_token(token: str | None) -> tuple[dict, float]:
    """(the token's content, its age in seconds) if it is ours and was made for this page and
    these values; refuses with a Chinese page otherwise."""
    if not token:
        refuse(403, "请从消息中的链接打开", "这个页面需要从公众号消息中的链接打开。")
    try:
        content, made = _serializer().loads(token, return_timestamp=True)
    except BadSignature:
        refuse(403, "链接无效", "这个链接不完整或已被改动，请从公众号消息中重新打开。")
    values = content.get("v") or {}
    bound = _bound(request.view_args or {})
    if (content.get("e") != request.endpoint or not isinstance(content.get("o"), str)
            or any(values.get(key) != value for key, value in bound.items())
            or any(request.args.get(key, bound.get(key)) != value
                   for key, value in values.items())):
        refuse(403, "链接无效", "这个链接不是打开本页面的，请从公众号消息中重新打开。")
    return content, time.time() - made.timestamp()


def _device() -> str:
    if DEVICE not in session:
        session[DEVICE] = secrets.token_urlsafe(16)
    return session[DEVICE]


def _proved() -> dict[str, float]:
    now, ttl = time.time(), _ttl()
    return {openid: used for openid, used in (session.get(PROVED) or {}).items()
            if now - used < ttl}


def _remember(openid: str) -> None:
    proved = _proved()
    proved[openid] = time.time()
    session[PROVED] = proved


def proved_openids() -> list[str]:
    """The openids this browser opened a page for, within MOBILE_LINK_TTL_SECONDS of their
    last use: for what a page loads by itself (its photos), which carries no link token."""
    return list(_proved())


def _claim(token: str) -> bool:
    """The first browser to open a token owns it (a forwarded copy opens nowhere else)."""
    key = "griddesk:mobile:claim:" + hashlib.sha256(token.encode()).hexdigest()[:32]
    device = _device()
    try:
        connection = services().redis
        connection.set(key, device, nx=True, ex=_ttl())
        owner = connection.get(key)
    except redis.RedisError as error:  # like flood control: no Redis, no claim check
        log.warning("mobile link claim not checked (Redis): %s", error)
        return True
    return owner is None or owner.decode() == device


def _who_opened() -> str:
    """The openid this request acts for, or a refusal (or, in real WeChat, the OAuth
    redirect that comes back here)."""
    token = request.args.get(TOKEN_ARG)
    acting = request.method not in ("GET", "HEAD")
    if services().settings.uses_real_wechat:
        content, _ = read_token(token)  # its age does not matter: WeChat names the person
        known = session.get(OAUTH_OPENID)
        if not known:
            if acting:
                refuse(403, "请重新打开", "请从公众号消息中的链接重新打开本页面后再操作。")
            from bot.mobile.oauth import authorize_redirect
            return authorize_redirect(request.full_path)
        if content["o"] != known:
            refuse(403, "这不是您的链接", "这个链接是发给别人的，不能由您打开或操作。")
        _remember(known)
        return known
    content, age = read_token(token)
    openid = content["o"]
    if openid not in _proved():
        if age > _ttl():  # a browser that opened it already may go on using it
            refuse(410)
        if acting:  # an action needs a page this browser opened, not a link alone
            refuse(403, "请先打开页面", "请从公众号消息中的链接打开本页面后再操作。")
        if not _claim(token):
            refuse(403, "链接已在别的手机上打开",
                   "这个链接已在另一部手机上打开过，请从您自己收到的消息中打开。")
    _remember(openid)
    return openid


def load_staff(openid: str) -> Staff | None:
    with services().db.sessions() as db_session:
        return db_session.scalar(select(Staff).where(Staff.openid == openid,
                                                     Staff.active.is_(True)))


def opened_by(role: str):
    """Decorate a phone page: the view gets `viewer=Viewer(openid, staff)` of the person who
    opened it; role "staff" pages open only for an active staff member bound to that openid."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")

    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            openid = _who_opened()
            if not isinstance(openid, str):
                return openid  # the OAuth redirect
            staff = None
            if role == "staff":
                staff = load_staff(openid)
                if staff is None:
                    refuse(403, "仅限工作人员", "这个页面只对已绑定微信的网格工作人员开放。")
            return view(*args, viewer=Viewer(openid, staff), **kwargs)
        return wrapped
    return decorate


def init_app(app) -> None:
    from bot.mobile.jssdk import SDK_URL, wx_config
    app.jinja_env.globals.update(page_link=page_link, wx_config=wx_config, WX_SDK_URL=SDK_URL)

