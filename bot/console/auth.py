"""Login with hashed passwords, sessions that expire (idle and absolute), logout."""
from __future__ import annotations

import time

from flask import Flask, flash, redirect, render_template, request, session, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.security import check_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from bot.console import bp
from bot.services import services
from store.models import Staff

login_manager = LoginManager()
login_manager.login_view = "console.login"
login_manager.login_message = "请先登录"


class StaffUser(UserMixin):
    """The logged-in staff member, detached from any session."""

    def __init__(self, staff: Staff):
        self.id = str(staff.id)
        self.staff_id = staff.id
        self.name = staff.name
        self.role = staff.role


@login_manager.user_loader
def load_user(user_id: str):
    with services().db.sessions() as db_session:
        staff = db_session.get(Staff, int(user_id)) if user_id.isdigit() else None
        return StaffUser(staff) if staff is not None and staff.active else None


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名")])
    password = PasswordField("密码", validators=[DataRequired("请输入密码")])


@bp.before_request
def expire_idle_sessions():
    """Log out after CONSOLE_IDLE_MINUTES without a request, or CONSOLE_SESSION_HOURS in all."""
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
    if request.endpoint not in ("console.inbox_poll", "console.simulator_feed"):
        session["seen_at"] = now  # polling alone does not keep an unattended console open
    return None


LOGIN_ATTEMPTS = "10 per minute"  # per client address, on the login form's POSTs


def limit_logins(app: Flask) -> None:
    """Flood control on the login form, counted in Redis so every web process shares it.

    A Limiter per app (its storage lives on the Limiter); if Redis is down, logins are not
    blocked (errors are swallowed): an outage must not lock agents out of the console.
    """
    settings = services(app).settings
    limiter = Limiter(get_remote_address, app=app, storage_uri=settings.redis_url,
                      key_prefix=f"griddesk:{settings.queue_name}:login",
                      swallow_errors=True, strategy="fixed-window")
    app.view_functions["console.login"] = limiter.limit(
        LOGIN_ATTEMPTS, methods=["POST"], error_message="登录尝试过于频繁，请 1 分钟后再试。")(
        app.view_functions["console.login"])

    @app.errorhandler(429)
    def too_many(error):
        return render_template("console/login.html", form=LoginForm(),
                               too_many=error.description), 429


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        with services().db.sessions() as db_session:
            staff = db_session.scalar(select(Staff).where(Staff.username == form.username.data))
            if (staff is not None and staff.active and staff.password_hash
                    and check_password_hash(staff.password_hash, form.password.data)):
                session.clear()
                login_user(StaffUser(staff))
                session.permanent = True
                session["login_at"] = session["seen_at"] = time.time()
                target = request.args.get("next", "")
                if not target.startswith("/console/") or target.startswith("//"):
                    target = url_for("console.inbox")
                return redirect(target)
        flash("用户名或密码错误")
    return render_template("console/login.html", form=form), 200 if not form.errors else 400


@bp.post("/logout")
def logout():
    logout_user()
    session.clear()
    return redirect(url_for("console.login"))
