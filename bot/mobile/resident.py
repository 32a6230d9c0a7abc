"""The resident's pages: 我的工单 and one ticket's public progress — the timeline a resident
may see (the same public events `查询 <号>` answers with), the worker's result photos, the
rating (1–5 and a comment), 未解决 and 取消, through the same store functions as the WeChat
conversation (handlers/followup.py, handlers/commands.py)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request
from sqlalchemy import select

from bot.headers import inert_picture
from bot.mobile import bp, refuse
from bot.mobile.auth import opened_by
from bot.services import services
from handlers.replies import EVENT_NAMES, rated, reopened
from store import photos, ratings, tickets
from store.models import Photo, Resident, Ticket, TicketEvent
from store.vocab import STATUS_NAMES, china_time, holder_name

LIST_LIMIT = 30
COMMENT_MAX = 200


def _resident(session, openid: str) -> Resident | None:
    return session.scalar(select(Resident).where(Resident.openid == openid))


def _own_ticket(session, openid: str, number: str) -> Ticket:
    """The resident's own ticket; anyone else's is a 404 (it does not exist for them)."""
    resident = _resident(session, openid)
    ticket = tickets.by_number(session, number)
    if resident is None or ticket is None or ticket.resident_id != resident.id:
        refuse(404, "没有找到这张工单", "只能查看您自己反映的工单。")
    return ticket


@bp.get("/my")
@opened_by("resident")
def my_tickets(viewer):
    with services().db.sessions() as session:
        resident = _resident(session, viewer.openid)
        mine = [] if resident is None else list(session.scalars(
            select(Ticket).where(Ticket.resident_id == resident.id)
            .order_by(Ticket.id.desc()).limit(LIST_LIMIT)))
        return render_template("mobile/my_tickets.html", tickets=mine, viewer=viewer,
                               STATUS_NAMES=STATUS_NAMES, when=china_time)


@bp.route("/my/<number>", methods=["GET", "POST"])
@opened_by("resident")
def resident_ticket(number, viewer):
    svc = services()
    if request.method == "POST":
        with svc.changing() as session:
            ticket = _own_ticket(session, viewer.openid, number)
            act(session, ticket, request.form, svc)
        return redirect(request.full_path)
    with svc.db.sessions() as session:
        ticket = _own_ticket(session, viewer.openid, number)
        events = list(session.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                      TicketEvent.public.is_(True))
            .order_by(TicketEvent.at.desc(), TicketEvent.id.desc())))
        return render_template(
            "mobile/resident_ticket.html", ticket=ticket, events=events, viewer=viewer,
            holder=holder_name(ticket), STATUS_NAMES=STATUS_NAMES, EVENT_NAMES=EVENT_NAMES,
            when=china_time, result_photos=result_photos(events),
            can_rate=ticket.status == "resolved",
            can_reopen=ticket.status in ("resolved", "closed"),
            can_cancel=ticket.status in ("new", "assigned"))


def act(session, ticket: Ticket, form, svc) -> None:
    """One of the page's three actions, as the conversation would do it; the answer the
    conversation would give is shown on the page."""
    action, now = form.get("action"), svc.now()
    try:
        if action == "rate":
            score = form.get("score", "")
            if score not in ("1", "2", "3", "4", "5"):
                flash("请先选择 1 到 5 颗星。", "error")
                return
            comment = (form.get("comment") or "").strip()[:COMMENT_MAX] or None
            ratings.rate(session, ticket, int(score), now, comment)
            flash(rated(int(score), ticket.number))
        elif action == "reopen":
            reason = (form.get("reason") or "").strip()[:COMMENT_MAX] or None
            tickets.reopen(session, ticket, now, reason, svc.settings.sla_policy)
            flash(reopened(ticket))
        elif action == "cancel":
            tickets.cancel(session, ticket, now)
            flash(f"已取消工单 {ticket.number}。")
        else:
            flash("不支持的操作。", "error")
    except tickets.TicketError as refusal:
        flash(str(refusal), "error")


def result_photos(events: list[TicketEvent]) -> list[int]:
    """The photos a worker attached to the result (办结), newest result first."""
    return [photo_id for event in events if event.action == "resolved"
            for photo_id in (event.data or {}).get("photo_ids", [])]


@bp.get("/my/<number>/photos/<int:photo_id>")
@opened_by("resident")
def resident_photo(number, photo_id, viewer):
    """A result photo of the resident's own ticket (its thumbnail with ?size=thumb); other
    pictures of the ticket (what staff keep internally) are not the resident's to see."""
    with services().db.transaction() as session:  # a thumbnail is made once and kept
        ticket = _own_ticket(session, viewer.openid, number)
        events = session.scalars(select(TicketEvent).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.public.is_(True),
            TicketEvent.action == "resolved"))
        found = session.get(Photo, photo_id)
        if (photo_id not in result_photos(list(events)) or found is None
                or found.ticket_id != ticket.id or found.status != "stored"):
            refuse(404, "照片不存在", "没有找到这张照片。")
        if request.args.get("size") == "thumb":
            data, kind = photos.thumbnail(session, photo_id), "image/jpeg"
        else:
            data, kind = found.data, found.content_type
    if data is None:
        refuse(404, "照片无法显示", "这张照片暂时无法显示。")
    return inert_picture(data, kind)
