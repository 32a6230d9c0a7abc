"""未受理留言: residents' messages that opened no ticket, for an agent to open as a ticket,
answer, or dismiss (many at once, with a reason). Scoped like the inbox."""
from __future__ import annotations

from functools import cache

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from bot.console import bp, changing, me
from bot.services import services
from store import held, scope, tickets
from store.models import HeldMessage, Resident
from store.vocab import KIND_NAMES

HANDLED_SHOWN = 50
QUICK_REASONS = ("问候或闲聊，无需处理", "重复留言", "无具体诉求", "广告或无关内容", "已电话联系居民")


@cache
def category_routes() -> dict[str, tuple[str, str]]:
    """Each category's (domain, department), as the classifier routes it."""
    from nlp.lexicon import rows
    routes = {cells[0]: (cells[1], cells[2]) for _, cells in rows("categories.tsv", 4)}
    return {**routes, "紧急求助": ("公共安全", "应急管理/消防"), "其他": ("其他", "街道/社区")}


@bp.app_context_processor
def held_badge():
    """held_waiting(): how many messages wait for this agent (computed only where shown)."""
    def held_waiting() -> int:
        if not current_user.is_authenticated:
            return 0
        if "held_waiting" not in g:  # the menu and the inbox both show it: counted once
            with services().db.sessions() as session:
                g.held_waiting = held.waiting_count(session, me(session))
        return g.held_waiting
    return {"held_waiting": held_waiting}


@bp.get("/held")
@login_required
def held_list():
    handled = request.args.get("tab") == "handled"
    with services().db.sessions() as session:
        staff = me(session)
        if handled:
            query = (scope.visible_held(session, staff).where(HeldMessage.status != "waiting")
                     .order_by(HeldMessage.handled_at.desc()).limit(HANDLED_SHOWN))
        else:
            query = held.waiting(session, staff).limit(200)
        messages = list(session.scalars(query.options(
            selectinload(HeldMessage.resident).selectinload(Resident.grid),
            selectinload(HeldMessage.area), selectinload(HeldMessage.handled_by),
            selectinload(HeldMessage.ticket))))
        phones = held.phones_known(session, staff, (m.resident_id for m in messages))
        photos = held.photos_of(session, messages)
    return render_template("console/held.html", messages=messages, handled=handled,
                           phones=phones, photos=photos,
                           kinds={k: v for k, v in KIND_NAMES.items() if k != "other"},
                           categories=list(category_routes()), reasons=QUICK_REASONS,
                           summary=held.summary)


def _scoped(session, held_id: int) -> HeldMessage:
    found = held.scoped(session, me(session), held_id)
    if found is None:
        abort(404)
    return found


@bp.post("/held/<int:held_id>/open")
@login_required
def held_open(held_id: int):
    svc = services()
    form = request.form
    kind, category = form.get("kind", ""), form.get("category", "")
    urgency = form.get("urgency", "normal")
    if kind not in KIND_NAMES or kind == "other" or category not in category_routes() \
            or urgency not in ("normal", "urgent", "emergency"):
        flash("请选择类型和类别", "error")
        return redirect(url_for("console.held_list"))
    domain, department = category_routes()[category]
    triage = tickets.Triage(kind=kind, domain=domain, category=category,
                            department=department, urgency=urgency)
    try:
        with changing() as session:
            found = _scoped(session, held_id)
            ticket = held.open_as_ticket(session, found, me(session), triage=triage,
                                         description=form.get("description", ""),
                                         now=svc.now(), policy=svc.settings.sla_policy)
            number = ticket.number
    except tickets.TicketError as refusal:
        flash(str(refusal), "error")
        return redirect(url_for("console.held_list"))
    flash(f"已转为工单 {number}，居民会收到受理通知", "ok")
    return redirect(url_for("console.ticket", number=number))


@bp.post("/held/<int:held_id>/reply")
@login_required
def held_reply(held_id: int):
    try:
        with changing() as session:
            held.reply(session, _scoped(session, held_id), me(session),
                       request.form.get("text", ""), services().now())
    except tickets.TicketError as refusal:
        flash(str(refusal), "error")
    else:
        flash("已回复居民（通过微信发送）", "ok")
    return redirect(url_for("console.held_list"))


@bp.post("/held/dismiss")
@login_required
def held_dismiss():
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()]
    if not ids:
        flash("请先勾选要处理的留言", "error")
        return redirect(url_for("console.held_list"))
    try:
        with changing() as session:
            done = held.dismiss(session, ids, me(session), request.form.get("reason", ""),
                                services().now())
    except tickets.TicketError as refusal:
        flash(str(refusal), "error")
    else:
        flash(f"已将 {done} 条留言标记为不予受理", "ok")
    return redirect(url_for("console.held_list"))
