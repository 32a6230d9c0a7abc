"""Login with hashed passwords, sessions that expire (idle and absolute) and that end for
every device of a person at logout, a password change or reset and deactivation."""
from __future__ import annotations

import functools
import secrets
import time

from flask import (Flask, flash, g, redirect, render_template, request, session, url_for)
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import (LoginManager, UserMixin, current_user, login_required, login_user,
                         logout_user)
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from bot.console import bp
from bot.services import services
from store import staffing
from store.models import Staff

login_manager = LoginManager()
login_manager.login_view = "console.login"
login_manager.login_message = "请先登录"
MIN_PASSWORD = 8
# Requests a page makes by itself (htmx polling sends HX-Request; the simulator's feed polls
# with fetch): they show the console is open, not that anyone is at it.
BACKGROUND_ENDPOINTS = ("console.inbox_poll", "console.simulator_feed", "console.dispatch_acks")


class StaffUser(UserMixin):
    """The logged-in staff member, detached from any session.

    The id Flask-Login keeps in the cookie is "<staff id>.<session version>": raising the
    version (store.staffing.end_sessions) makes every cookie issued before it worthless.
    """

    def __init__(self, staff: Staff):
        self.id = f"{staff.id}.{staff.session_version or 0}"
        self.staff_id = staff.id
        self.name = staff.name
        self.role = staff.role
        self.must_change_password = bool(staff.must_change_password)


@login_manager.user_loader
def load_user(user_id: str):
    staff_id, _, version = user_id.partition(".")
    if not staff_id.isdigit() or not version.isdigit():
        return None
    with services().db.sessions() as db_session:
        staff = db_session.get(Staff, int(staff_id))
        if staff is None or not staff.active or (staff.session_version or 0) != int(version):
            return None
        return StaffUser(staff)


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=64)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=256)])


class PasswordForm(FlaskForm):
    current = PasswordField("当前密码", validators=[DataRequired("请输入当前密码")])
    new = PasswordField("新密码", validators=[
        DataRequired("请输入新密码"),
        Length(min=MIN_PASSWORD, max=256, message=f"新密码至少 {MIN_PASSWORD} 位")])
    again = PasswordField("再输一次", validators=[EqualTo("new", "两次输入的新密码不一致")])


def is_background_request() -> bool:
    return (request.headers.get("HX-Request") == "true"
            or request.endpoint in BACKGROUND_ENDPOINTS)


@bp.before_request
def expire_idle_sessions():
    """Log out after CONSOLE_IDLE_MINUTES without a request, or CONSOLE_SESSION_HOURS in all;
    a person whose password was reset changes it before anything else."""
    if not current_user.is_authenticated:
        return None
    settings, now = services().settings, time.time()
    idle = now - session.get("seen_at", now) > settings.console_idle_minutes * 60
    old = now - session.get("login_at", now) > settings.console_session_hours * 3600
    if idle or old:
        logout_user()
        session.clear()
        flash("登录已过期，请重新登录")
        return redirect(url_for("console.login", next=request.path))
    if not is_background_request():
        session["seen_at"] = now  # polling alone does not keep an unattended console open
    if current_user.must_change_password and request.endpoint not in (
            "console.change_password", "console.logout", "console.static"):
        return redirect(url_for("console.change_password"))
    return None


LOGIN_ATTEMPTS = "10 per minute"  # per client address, on the login form's POSTs
LOGIN_FAILURES_PER_USERNAME = "10 per 10 minutes"  # per name, from any address
# Wrong current passwords on 修改密码, per account: a session left open on a shared desk
# must not be a way to guess the password and keep the account after that session ends.
PASSWORD_FAILURES_PER_ACCOUNT = "5 per 10 minutes"


def _account_key() -> str:
    return "account:" + str(getattr(current_user, "staff_id", ""))


def _username_key() -> str:
    return "user:" + (request.form.get("username") or "").strip().lower()[:64]


def limit_logins(app: Flask) -> None:
    """Flood control on the login form, counted in Redis so every web process shares it:
    per client address (every POST) and per username (failed ones, from any address, so
    many addresses cannot take turns guessing one password).

    A Limiter per app (its storage lives on the Limiter); if Redis is down, logins are not
    blocked (errors are swallowed): an outage must not lock agents out of the console.
    """
    settings = services(app).settings
    limiter = Limiter(get_remote_address, app=app, storage_uri=settings.redis_url,
                      key_prefix=f"griddesk:{settings.queue_name}:login",
                      swallow_errors=True, strategy="fixed-window")
    view = app.view_functions["console.login"]
    view = limiter.limit(LOGIN_FAILURES_PER_USERNAME, key_func=_username_key, methods=["POST"],
                         deduct_when=lambda response: response.status_code != 302,
                         error_message="该账号登录失败次数过多，请 10 分钟后再试。")(view)
    view = limiter.limit(LOGIN_ATTEMPTS, methods=["POST"],
                         error_message="登录尝试过于频繁，请 1 分钟后再试。")(view)
    app.view_functions["console.login"] = view
    app.view_functions["console.change_password"] = limiter.limit(
        PASSWORD_FAILURES_PER_ACCOUNT, key_func=_account_key, methods=["POST"],
        deduct_when=lambda response: g.get("wrong_current_password", False),
        error_message="当前密码错误次数过多，请 10 分钟后再试。")(
        app.view_functions["console.change_password"])
    _not_on_the_webhook(app, limiter)
    # An unknown name is checked against this hash, so it costs what a real name costs.
    app.extensions["griddesk_dummy_password_hash"] = generate_password_hash(
        secrets.token_urlsafe(16))

    @app.errorhandler(429)
    def too_many(error):
        if request.endpoint == "console.change_password":
            return render_template("console/password.html", form=PasswordForm(),
                                   too_many=error.description,
                                   forced=current_user.must_change_password), 429
        return render_template("console/login.html", form=LoginForm(),
                               too_many=error.description), 429


# Requests no limit of the Limiter's applies to, whose hooks it need not run: WeChat's
# callback (every resident's message; its own flood control is bot/wechat/flood.py).
UNLIMITED_ENDPOINTS = frozenset({"webhook.receive"})


def _not_on_the_webhook(app: Flask, limiter: Limiter) -> None:
    """Flask-Limiter hooks itself into every request of the app (before, after, teardown),
    though only the login form is limited: on the webhook they cost ~0.08 ms a message and
    decide nothing. There they are skipped; on every other request they run as before."""
    def ours(hook) -> bool:
        return getattr(hook, "__self__", None) is limiter or (
            isinstance(hook, functools.partial) and hook.args[:1] == (limiter,))

    def before(hook):
        @functools.wraps(hook)
        def unless_webhook():
            if request.endpoint not in UNLIMITED_ENDPOINTS:
                return hook()
        return unless_webhook

    def after(hook):
        def unless_webhook(response):
            return response if request.endpoint in UNLIMITED_ENDPOINTS else hook(response)
        return unless_webhook

    def teardown(hook):
        @functools.wraps(hook)
        def unless_webhook(error=None):
            if request.endpoint not in UNLIMITED_ENDPOINTS:
                hook(error)
        return unless_webhook

    for hooks, wrap in ((app.before_request_funcs, before), (app.after_request_funcs, after),
                        (app.teardown_request_funcs, teardown)):
        funcs = hooks.get(None, [])
        funcs[:] = [wrap(hook) if ours(hook) else hook for hook in funcs]


def password_matches(staff: Staff | None, password: str) -> bool:
    """Constant work whether or not the name exists (no timing tells names apart)."""
    from flask import current_app
    usable = staff is not None and staff.active and bool(staff.password_hash)
    hashed = staff.password_hash if usable else current_app.extensions[
        "griddesk_dummy_password_hash"]
    return check_password_hash(hashed, password) and usable


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        with services().db.sessions() as db_session:
            staff = db_session.scalar(select(Staff).where(Staff.username == form.username.data))
            if password_matches(staff, form.password.data):
                start_session(staff)
                target = request.args.get("next", "")
                if not target.startswith("/console/") or target.startswith("//"):
                    target = url_for("console.inbox")
                return redirect(target)
        flash("用户名或密码错误")
    return render_template("console/login.html", form=form), 200 if not form.errors else 400


def start_session(staff: Staff) -> None:
    session.clear()
    login_user(StaffUser(staff))
    session.permanent = True
    session["login_at"] = session["seen_at"] = time.time()


@bp.post("/logout")
def logout():
    """Logging out ends this person's sessions on every device, not only this cookie."""
    if current_user.is_authenticated:
        with services().db.transaction() as db_session:
            staff = db_session.get(Staff, current_user.staff_id)
            if staff is not None:
                staffing.end_sessions(staff)
    logout_user()
    session.clear()
    return redirect(url_for("console.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Staff change their own password (the current one is required); other sessions end."""
    form = PasswordForm()
    if form.validate_on_submit():
        with services().db.transaction() as db_session:
            staff = db_session.get(Staff, current_user.staff_id)
            if check_password_hash(staff.password_hash or "", form.current.data):
                staffing.set_password(staff, generate_password_hash(form.new.data))
                db_session.flush()
                start_session(staff)  # this device stays logged in, under the new version
                flash("密码已修改，其他设备上的登录已退出", "ok")
                return redirect(url_for("console.inbox"))
            g.wrong_current_password = True  # counted (PASSWORD_FAILURES_PER_ACCOUNT)
            form.current.errors = ["当前密码不正确"]
    return render_template("console/password.html", form=form,
                           forced=current_user.must_change_password), \
        400 if form.errors else 200
