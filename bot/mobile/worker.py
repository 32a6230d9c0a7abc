"""The grid worker's phone pages (/m/w/): one ticket with everything needed to act on it where
they stand, their list (待办), and the photos those pages show.

Opened from every staff push and from the reply to `查看 <号>`. Who may look and act is the
console's rule: the ticket's handler, or a staff member whose scope holds it (store.scope);
anyone else gets a Chinese refusal. Every action goes through the console's own dispatcher
(bot.console.ticket.perform → store.tickets / store.ladder); the phone adds resolving with
photo evidence and 申请延期 for those who may not extend themselves.
"""
from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.console import ticket as console_ticket
from bot.console.inbox import clocks, humanize
from bot.headers import inert_picture
from bot.mobile import bp, refuse
from bot.mobile.auth import load_staff, opened_by, page_link, proved_openids
from bot.mobile.outline import draw
from bot.services import services
from store import ladder, owners, photos, scope, tickets
from store.models import Photo, Staff, Ticket, TicketEvent
from store.registry import OPEN_STATES, TO_ACCEPT
from store.vocab import mask_phones

RESOLVING = ("assigned", "accepted", "reopened")
SHARED_ACTIONS = ("accept", "reply", "escalate", "transfer", "extend")  # as the console's
# Photos are larger than MAX_CONTENT_LENGTH (1 MB): the pages that take them accept up to
# 9 pictures of WeChat's size limit each.
UPLOAD_LIMIT = photos.MAX_PER_ACTION * photos.MAX_BYTES + 1024 * 1024
UPLOAD_PAGES = ("mobile.worker_ticket", "mobile.patrol", "mobile.member_order")
MEDIA_ID = re.compile(r"^[A-Za-z0-9_\-]{1,128}$")  # a JS-SDK uploadImage serverId


@bp.url_value_preprocessor
def room_for_photos(endpoint, values) -> None:
    """Runs before any before_request, so before the CSRF check reads the form."""
    if endpoint in UPLOAD_PAGES and request.method == "POST":
        request.max_content_length = UPLOAD_LIMIT


@bp.app_template_filter("mask_phones")
def _mask_phones(text: str) -> str:
    return mask_phones(text or "")


def may_see(session, staff: Staff, ticket: Ticket) -> bool:
    return ticket.assignee_id == staff.id or scope.can_see(session, staff, ticket)


def scoped(session, staff_id: int, number: str) -> tuple[Staff, Ticket]:
    staff, ticket = session.get(Staff, staff_id), tickets.by_number(session, number)
    if ticket is None or not may_see(session, staff, ticket):  # outside: as if there were none
        refuse(404, "工单不存在", f"没有找到工单 {number}，请核对工单号。")
    return staff, ticket


def next_due(ticket: Ticket, now) -> tuple[bool, object]:
    """(overdue, the earliest running deadline) for the list's order and its labels."""
    running = [c for c in clocks(ticket, now) if c["running"]]
    if not running:
        return False, None
    first = min(running, key=lambda c: c["due"])
    return any(c["due"] < now for c in running), first


@bp.get("/w/")
@opened_by("staff")
def worker_todo(viewer):
    """待办: the tickets this person holds, overdue first, then by the nearest deadline."""
    svc = services()
    now = svc.now()
    with svc.db.sessions() as session:
        mine = list(session.scalars(
            select(Ticket).where(Ticket.assignee_id == viewer.staff.id,
                                 Ticket.status.in_(OPEN_STATES))
            .order_by(Ticket.due_at, Ticket.id)  # the 200 due soonest, of a long list
            .options(selectinload(Ticket.grid)).limit(200)))
        rows = []
        for ticket in mine:
            late, clock = next_due(ticket, now)
            rows.append({"ticket": ticket, "late": late, "clock": clock,
                         "link": page_link(viewer.openid, "mobile.worker_ticket",
                                           number=ticket.number)})
        rows.sort(key=lambda r: (not r["late"], r["clock"] is None,
                                 r["clock"]["due"] if r["clock"] else now))
        return render_template("mobile/worker_todo.html", rows=rows, humanize=humanize,
                               patrol_link=page_link(viewer.openid, "mobile.patrol"))


@bp.route("/w/tickets/<number>", methods=["GET", "POST"])
@opened_by("staff")
def worker_ticket(number: str, viewer):
    if request.method == "POST":
        return act(number, viewer)
    svc = services()
    now = svc.now()
    with svc.db.sessions() as session:
        staff, ticket = scoped(session, viewer.staff.id, number)
        return render_template("mobile/worker_ticket.html",
                               **page_context(session, staff, ticket, now, viewer.openid))


def page_context(session, staff: Staff, ticket: Ticket, now, openid: str) -> dict:
    events = list(session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
        .options(selectinload(TicketEvent.staff)).order_by(TicketEvent.at.desc(), TicketEvent.id.desc())))
    kept = list(session.execute(select(Photo.id, Photo.media_id, Photo.status)
                                .where(Photo.ticket_id == ticket.id)))
    owner = ticket.assignee_id == staff.id
    try:  # lifted above them (上报, the clock, 转办): not theirs to take or resolve any more
        tickets.require_hand(ticket, staff, "接单或办结")
        away = None
    except tickets.TicketError as held_above:
        away = str(held_above)
    building = ticket.building
    point = ((ticket.lat, ticket.lng) if ticket.lat is not None and ticket.lng is not None
             else (building.lat, building.lng) if building is not None
             and building.lat is not None and building.lng is not None else None)
    return dict(
        ticket=ticket, events=events, me=staff, owner=owner,
        # the resident's words and phone as the pushes give them: whole to the handler only
        words=ticket.description if owner else mask_phones(ticket.description),
        phone=ticket.resident_phone if owner else None,
        clocks=clocks(ticket, now), humanize=humanize,
        outline=draw(ticket.grid.geometry if ticket.grid else None, point), point=point,
        by_media={media: (pid, status) for pid, media, status in kept if media},
        status_of={pid: status for pid, _, status in kept},
        accepting=ticket.status in TO_ACCEPT and not away, away=away,
        resolving=ticket.status in RESOLVING and not away,
        open=ticket.status in OPEN_STATES, supervisor=staff.role in ladder.SUPERVISORS,
        departments=owners.departments(session) if ticket.status in OPEN_STATES
        else [], action_names=console_ticket.ACTION_NAMES,
        todo_link=page_link(openid, "mobile.worker_todo"), max_photos=photos.MAX_PER_ACTION)


def act(number: str, viewer):
    """One action from the ticket page."""
    action, text = request.form.get("action", ""), request.form.get("text", "").strip()

    def change(session, now):
        staff, ticket = scoped(session, viewer.staff.id, number)
        return perform(session, ticket, staff, action, text, now)
    return changed_then_back(change)


def changed_then_back(change):
    """Run change(session, now) -> (what was done, photo ids to download) in one transaction;
    its answer (or its refusal) is flashed on the page the form came from."""
    svc = services()
    try:
        with svc.changing() as session:
            done, pending = change(session, svc.now())
    except (tickets.TicketError, photos.NotAPicture) as refusal:
        flash(str(refusal), "error")
    else:
        flash(done, "ok")
        fetch_later(pending)
    return redirect(request.full_path)  # the same page, with the token it was opened by


def perform(session, ticket: Ticket, staff: Staff, action: str, text: str,
            now) -> tuple[str, list[int]]:
    """(what was done, in Chinese; photo ids still to download)."""
    if action == "resolve":
        added = attach_photos(session, ticket.id, now)
        sent = photos.sent_by(session, ticket.id, staff.openid)  # in WeChat, before
        tickets.resolve(session, ticket, staff, text, now,
                        evidence=sent + [p.id for p in added])
        told = "，居民将收到办结通知和评价邀请" if ticket.resident_id else ""
        photographed = f"（{len(added)} 张照片）" if added else ""
        return f"已办结{photographed}{told}", pending_ids(added)
    if action == "extend" and staff.role not in ladder.SUPERVISORS:
        hours = request.form.get("hours", 24, type=int)
        asked = ladder.request_extension(session, ticket, now, by=staff, reason=text,
                                         hours=hours)
        return f"已申请延期 {hours} 小时，等待{asked.name if asked else '上级'}批准", []
    if action in SHARED_ACTIONS:
        return console_ticket.perform(session, ticket, staff, action, text, now), []
    abort(400)


def attach_photos(session, ticket_id: int, now) -> list[Photo]:
    """The form's pictures: files from <input type=file> (the browser's own picker) and
    MediaIds from the JS-SDK's uploadImage (real WeChat), kept like a resident's."""
    uploads = [f.read(photos.MAX_BYTES + 1) for f in request.files.getlist("photos")
               if f and f.filename]
    media_ids = [m for m in request.form.getlist("media_id") if m]
    if any(not MEDIA_ID.match(m) for m in media_ids):
        abort(400)
    return photos.attach(session, ticket_id, uploads=uploads, media_ids=media_ids, now=now)


def pending_ids(added: list[Photo]) -> list[int]:
    return [photo.id for photo in added if photo.status == "pending"]


def fetch_later(photo_ids: list[int]) -> None:
    """MediaIds are downloaded by the worker, like a resident's pictures."""
    from bot.wechat.inbox import PHOTO_RETRY
    from bot.wechat.jobs import fetch_photo
    for photo_id in photo_ids:
        services().enqueue(fetch_photo, photo_id, retry=PHOTO_RETRY)


@bp.get("/photos/<int:photo_id>")
def photo(photo_id: int):
    """A ticket's photo for a staff member who opened a page in this browser and whose scope
    holds the ticket: the thumbnail, or the picture itself with ?full=1. The address is the
    same every time, so the phone keeps it in its cache."""
    svc = services()
    people = [s for s in map(load_staff, proved_openids()) if s is not None]
    if not people:
        refuse(403, "请从消息中的链接打开", "请先从公众号消息中的链接打开工单页面。")
    with svc.db.transaction() as session:
        found = session.get(Photo, photo_id)
        ticket = session.get(Ticket, found.ticket_id) if found and found.ticket_id else None
        if ticket is None or not any(may_see(session, session.get(Staff, s.id), ticket)
                                     for s in people):
            refuse(404)
        if found.status != "stored":
            refuse(404, "照片还在保存中", "照片正在从微信下载，请稍后刷新。")
        full = request.args.get("full") == "1"
        data = found.data if full else photos.thumbnail(session, photo_id)
        kind = found.content_type if full else "image/jpeg"
    if data is None:
        refuse(404, "无法显示照片", "这张照片无法生成缩略图，请在工作台查看原图。")
    return inert_picture(data, kind)
