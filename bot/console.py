"""The agent console: login, the inbox of one's scope, a ticket's timeline, sent messages."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_login import (LoginManager, UserMixin, current_user, login_required, login_user,
                         logout_user)
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from bot.services import services
from store import scope
from store.models import LocalDelivery, Staff, Ticket
from store.tickets import by_number
from store.vocab import (KIND_NAMES, LEVEL_NAMES, ROLE_NAMES, STATUS_NAMES, URGENCY_NAMES,
                         china_time, mask_phone)

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates")
login_manager = LoginManager()
login_manager.login_view = "console.login"
login_manager.login_message = "请先登录"
csrf = CSRFProtect()
PAGE_SIZE = 50


class StaffUser(UserMixin):
    """The logged-in staff member, detached from any session."""

    def __init__(self, staff: Staff):
        self.id = str(staff.id)
        self.staff_id = staff.id
        self.name = staff.name
        self.role = staff.role


@login_manager.user_loader
def load_user(user_id: str):
    with services().db.sessions() as session:
        staff = session.get(Staff, int(user_id)) if user_id.isdigit() else None
        return StaffUser(staff) if staff is not None and staff.active else None


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名")])
    password = PasswordField("密码", validators=[DataRequired("请输入密码")])


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        with services().db.sessions() as session:
            staff = session.scalar(select(Staff).where(Staff.username == form.username.data))
            if (staff is not None and staff.active and staff.password_hash
                    and check_password_hash(staff.password_hash, form.password.data)):
                login_user(StaffUser(staff))
                return redirect(url_for("console.inbox"))
        flash("用户名或密码错误")
    return render_template("console/login.html", form=form), 200 if not form.errors else 400


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    return redirect(url_for("console.login"))


def _me(session) -> Staff:
    return session.get(Staff, current_user.staff_id)


@bp.get("/")
@login_required
def inbox():
    page = max(1, request.args.get("page", 1, type=int))
    with services().db.sessions() as session:
        query = (scope.visible_tickets(session, _me(session))
                 .options(selectinload(Ticket.assignee), selectinload(Ticket.grid))
                 .order_by(Ticket.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
        tickets = list(session.scalars(query))
    return render_template("console/inbox.html", tickets=tickets, page=page,
                           page_size=PAGE_SIZE)


@bp.get("/tickets/<number>")
@login_required
def ticket(number: str):
    with services().db.sessions() as session:
        found = by_number(session, number)
        if found is None or not scope.can_see(session, _me(session), found):
            abort(404)  # another scope's ticket does not exist, as far as this user knows
        events = list(found.events)
        for event in events:
            _ = event.staff
        _ = (found.resident, found.grid, found.area, found.assignee)
    return render_template("console/ticket.html", ticket=found, events=events)


@bp.get("/messages")
@login_required
def messages():
    """What the local transport recorded (no WeChat credentials): the demo's 'sent' box."""
    with services().db.sessions() as session:
        rows = list(session.scalars(select(LocalDelivery).order_by(LocalDelivery.id.desc())
                                    .limit(200)))
    return render_template("console/messages.html", rows=rows,
                           transport=services().transport.name)


def init_app(app: Flask) -> None:
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", timedelta(hours=8))
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    login_manager.init_app(app)
    csrf.init_app(app)
    csrf.exempt("bot.webhook.receive")  # WeChat signs its callbacks instead
    app.jinja_env.globals.update(
        KIND_NAMES=KIND_NAMES, STATUS_NAMES=STATUS_NAMES, URGENCY_NAMES=URGENCY_NAMES,
        ROLE_NAMES=ROLE_NAMES, LEVEL_NAMES=LEVEL_NAMES, mask_phone=mask_phone)
    app.jinja_env.filters["cst"] = china_time
    app.register_blueprint(bp)

    @app.get("/")
    def home():
        return redirect(url_for("console.inbox"))
