"""The agent console: inbox, ticket, dashboard, command, staff, grids and QR posters
(registry, qr) and the WeChat simulator.

Every view and every action loads what it shows through the staff member's scope
(store.scope) and changes tickets only through store.tickets / store.ladder.
"""
from __future__ import annotations

import functools
from datetime import timedelta

from flask import Blueprint, Flask, abort, redirect, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFProtect

from bot.services import services
from store import scope
from store.models import Area, Staff, Ticket
from store.tickets import by_number
from store.vocab import (KIND_NAMES, LEVEL_NAMES, PURPOSE_NAMES, ROLE_NAMES, STATUS_NAMES,
                         TIER_NAMES, URGENCY_NAMES, china_time, mask_phone, percent,
                         resident_label)

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="../templates",
               static_folder="../static", static_url_path="/static")
csrf = CSRFProtect()
MANAGERS = ("admin", "district", "street", "community")
COMMANDERS = ("admin", "district")


def me(session) -> Staff:
    staff = session.get(Staff, current_user.staff_id)
    if staff is None or not staff.active:
        abort(403)
    return staff


def scoped_ticket(session, number: str, staff: Staff) -> Ticket:
    """The ticket, if this staff member may see it; otherwise 404 (it does not exist for them)."""
    ticket = by_number(session, number)
    if ticket is None or not scope.can_see(session, staff, ticket):
        abort(404)
    return ticket


def area_ids_in_scope(session, staff: Staff) -> list[int] | None:
    """The areas a staff member sees; None means all of them. A department sees no area:
    only the tickets transferred to it (no grids, staff lists, QR codes or posters)."""
    if staff.role in scope.SEES_EVERYTHING:
        return None
    if staff.role == "department":
        return []
    return scope.area_ids_under(session, staff.area_id)


def areas_in_scope(session, staff: Staff) -> list[Area]:
    """The area tree a staff member sees, in tree order (for selects and the tree view)."""
    from sqlalchemy import select
    ids = area_ids_in_scope(session, staff)
    query = select(Area).order_by(Area.code)
    if ids is not None:
        query = query.where(Area.id.in_(ids))
    return list(session.scalars(query))


def roles_required(*roles: str):
    def decorate(view):
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorate


def changing():
    """A transaction whose outbox rows are queued for delivery once it has committed."""
    return services().changing()


def simulator_enabled() -> bool:
    setting = services().settings.simulator.lower()
    if setting in ("1", "true", "on", "yes"):
        return True
    if setting in ("0", "false", "off", "no"):
        return False
    return services().transport.name == "local"  # auto: on in the demo (no WeChat secret)


ERROR_PAGES = {400: ("请求无效", "提交的表单已过期或不完整（例如页面打开太久，或来自别的网站）。"
                     "请返回并刷新页面后重试。"),
               403: ("无权访问", "您没有权限查看这个页面。"),
               404: ("页面不存在", "没有找到这个页面或工单，请检查地址，或从工单列表进入。"),
               405: ("不支持的操作", "这个页面不接受这种请求。"),
               500: ("系统出错了", "服务器处理时出错，已记录。请稍后重试；如一直出错，请联系管理员。")}


def error_page(error):
    """People read Chinese error pages; the machine edges (WeChat, Open311) keep their own."""
    from flask import request
    from werkzeug.exceptions import HTTPException, InternalServerError
    if not isinstance(error, HTTPException):
        error = InternalServerError()
    if request.path.startswith(("/wechat", "/open311", "/healthz", "/metrics")):
        return error
    title, text = ERROR_PAGES.get(error.code, ERROR_PAGES[500])
    page = (f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>{title}</title>'
            f'<body style="font-family:sans-serif;margin:3rem"><h1>{error.code} {title}</h1>'
            f'<p>{text}</p><p><a href="/console/">返回工作台</a></p></body></html>')
    return page, error.code


def init_app(app: Flask) -> None:
    from bot.console import (apikeys, auth, command, dashboard, deliveries, duty,  # noqa: F401
                             held, inbox, orders, photos, registry, simulator, staff, teams,
                             ticket)
    settings = services(app).settings
    secure = bool(settings.secure_cookies)  # on behind HTTPS
    # Flask defines these keys already (31-day sessions, no SameSite), so set, don't default;
    # a test's explicit settings.extra still wins.
    cookies = {"PERMANENT_SESSION_LIFETIME": timedelta(hours=settings.console_session_hours),
               "SESSION_COOKIE_HTTPONLY": True, "SESSION_COOKIE_SAMESITE": "Lax",
               "SESSION_COOKIE_SECURE": secure, "REMEMBER_COOKIE_HTTPONLY": True,
               "REMEMBER_COOKIE_SECURE": secure,
               # A form's token lives as long as its session may (Flask-WTF's default is an
               # hour): a worker who opens a ticket's page, goes to fix the matter and taps 办结
               # two hours later is not refused. Sessions end by themselves (auth.py).
               "WTF_CSRF_TIME_LIMIT": settings.console_session_hours * 3600}
    app.config.update({k: v for k, v in cookies.items() if k not in settings.extra})
    auth.login_manager.init_app(app)
    csrf.init_app(app)
    csrf.exempt("bot.wechat.callback.receive")  # WeChat signs its callbacks instead
    app.jinja_env.globals.update(
        KIND_NAMES=KIND_NAMES, STATUS_NAMES=STATUS_NAMES, URGENCY_NAMES=URGENCY_NAMES,
        ROLE_NAMES=ROLE_NAMES, LEVEL_NAMES=LEVEL_NAMES, TIER_NAMES=TIER_NAMES,
        PURPOSE_NAMES=PURPOSE_NAMES,
        mask_phone=mask_phone, resident_label=resident_label,
        MANAGERS=MANAGERS, COMMANDERS=COMMANDERS, simulator_enabled=simulator_enabled)
    app.jinja_env.filters["cst"] = china_time
    app.jinja_env.filters["pct"] = percent  # the one way a share is shown (store.vocab)
    app.register_blueprint(bp)
    auth.limit_logins(app)
    for code in ERROR_PAGES:
        app.register_error_handler(code, error_page)

    @app.get("/")
    def home():
        return redirect(url_for("console.inbox"))

    registry.init_app(app)  # /console/grids/: the grids of one's area, QR codes and posters
