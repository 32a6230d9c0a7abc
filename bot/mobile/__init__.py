"""The phone pages opened from a push (/m/): the grid worker's ticket page, list and patrol
report (worker.py, patrol.py), a service team member's orders (member.py) and the resident's
tickets and progress (resident.py).

Who is opening a page is settled by bot.mobile.auth (OAuth2 snsapi_base in real WeChat, the
link's signed token otherwise); every action goes through store.tickets like the console's.
"""
from __future__ import annotations

from flask import Blueprint, Flask, render_template

bp = Blueprint("mobile", __name__, url_prefix="/m", template_folder="../templates",
               static_folder="../static", static_url_path="/static")

# The policy of the console (bot/headers.py), except that the simulator may show these pages
# inside its phone frames (same origin only) and that real WeChat's JS-SDK is loaded from
# WeChat's own host (https://res.wx.qq.com) when the account is configured.
POLICY = ("default-src 'self'; script-src 'self' 'nonce-{nonce}'{sdk}; "
          "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; "
          "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'")
SDK_HOSTS = " https://res.wx.qq.com https://res2.wx.qq.com"

ERRORS = {400: ("请求有误", "提交的内容不完整或有误，请返回重试。"),
          403: ("无法打开", "您没有权限查看这个页面。"),
          404: ("页面不存在", "没有找到这个页面或工单。"),
          405: ("不支持的操作", "这个页面不接受这种请求。"),
          410: ("链接已过期", "这个链接已过期，请从公众号的最新消息重新打开。"),
          500: ("系统出错了", "服务器处理时出错，已记录，请稍后重试。"),
          503: ("暂时无法访问", "微信或服务器暂时无法访问，请稍后重新打开。")}


def phone_error(code: int, title: str | None = None, text: str | None = None):
    """A Chinese error page sized for a phone, as a (body, status) pair."""
    default_title, default_text = ERRORS.get(code, ERRORS[500])
    return render_template("mobile/error.html", code=code, title=title or default_title,
                           text=text or default_text), code


def refuse(code: int, title: str | None = None, text: str | None = None):
    """Stop the request with the phone-styled error page (403 / 404 / 410 …)."""
    from flask import abort, make_response
    abort(make_response(*phone_error(code, title, text)))


@bp.after_request
def phone_headers(response):
    from bot.headers import csp_nonce
    from bot.services import services
    sdk = SDK_HOSTS if services().settings.uses_real_wechat else ""
    response.headers.setdefault("Content-Security-Policy",
                                POLICY.format(nonce=csp_nonce(), sdk=sdk))
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers.setdefault("Cache-Control", "no-store")  # personal pages
    return response


def _error_handler(error):
    from flask_wtf.csrf import CSRFError
    from werkzeug.exceptions import HTTPException
    if isinstance(error, CSRFError) and any(
            why in (error.description or "") for why in ("expired", "session token")):
        # a form older than its session: say what to do
        return phone_error(400, "页面已过期", "这个页面打开太久了，请从公众号消息中的链接重新打开后再提交。")
    code = error.code if isinstance(error, HTTPException) else 500
    return phone_error(code if code in ERRORS else 500)


for _code in ERRORS:
    bp.register_error_handler(_code, _error_handler)


def init_app(app: Flask) -> None:
    from bot.mobile import auth, oauth, resident  # noqa: F401  (register their routes)
    # --- the worker's pages (branch mobile-worker) register their routes here: ---
    from bot.mobile import patrol, worker  # noqa: F401
    # --- end of the worker's pages ---
    from bot.mobile import member  # noqa: F401  (a service team member's orders)
    auth.init_app(app)
    app.register_blueprint(bp)
    # WeChat's domain check (网页授权域名, JS接口安全域名) fetches a file at the site's root
    app.add_url_rule("/MP_verify_<code>.txt", "mp_verify", oauth.mp_verify)
