"""巡查上报 (/m/w/patrol): a problem a grid worker found — category, words, photos and the
phone's location — opened as a ticket of channel "patrol" in their grid (store.patrol);
"即报即办" opens and resolves it in one step, with at least one photo as evidence."""
from __future__ import annotations

import math

from flask import flash, redirect, render_template, request
from sqlalchemy import select

from bot.console.held import category_routes
from bot.mobile import bp
from bot.mobile.auth import opened_by, page_link
from bot.mobile.worker import MEDIA_ID, fetch_later, pending_ids
from bot.services import services
from store import patrol as store_patrol
from store import photos, tickets
from store.locate import gcj02_of_wgs84
from store.models import Staff, Ticket


def point_of(form) -> tuple[float, float] | None:
    """(lat, lng) in GCJ-02 from the form's location fields, or None when absent or not a
    place. The page says which datum it located in: WeChat's getLocation gives GCJ-02 (as
    the grid outlines), a browser's geolocation WGS-84 (datum=wgs84), which is moved."""
    try:
        lat, lng = float(form.get("lat", "")), float(form.get("lng", ""))
    except ValueError:
        return None
    if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90
            and -180 <= lng <= 180):
        return None
    if form.get("datum") == "wgs84":
        return tuple(gcj02_of_wgs84(lat, lng))
    return lat, lng


def triage_of(form) -> tickets.Triage:
    routes = category_routes()
    category = form.get("category", "")
    if category not in routes:
        raise tickets.TicketError("请选择问题类别")
    domain, department = routes[category]
    return tickets.Triage(kind=store_patrol.KIND, domain=domain, category=category, department=department,
                          urgency="urgent" if form.get("urgent") else "normal")


@bp.route("/w/patrol", methods=["GET", "POST"])
@opened_by("staff")
def patrol(viewer):
    if request.method == "POST":
        return report(viewer)
    return form_page(viewer, {})


def form_page(viewer, values: dict, status: int = 200):
    svc = services()
    with svc.db.sessions() as session:
        staff = session.get(Staff, viewer.staff.id)
        recent = list(session.scalars(
            select(Ticket).where(Ticket.found_by_id == staff.id)
            .order_by(Ticket.id.desc()).limit(5)))
        return render_template(
            "mobile/patrol.html", values=values, me=staff,
            grid=staff.area if staff.area.level == "grid" else None,
            categories=[c for c in category_routes() if c != "紧急求助"],
            max_photos=photos.MAX_PER_ACTION,
            recent=[(t, page_link(viewer.openid, "mobile.worker_ticket", number=t.number))
                    for t in recent],
            todo_link=page_link(viewer.openid, "mobile.worker_todo")), status


def report(viewer):
    """Open (and with 即报即办 resolve) the patrol ticket, then show its page; a refusal shows
    the form again with everything typed kept (photos must be chosen again)."""
    svc = services()
    form = request.form
    resolve_now = form.get("resolve_now") == "1"
    uploads = [f.read(photos.MAX_BYTES + 1) for f in request.files.getlist("photos")
               if f and f.filename]
    media_ids = [m for m in form.getlist("media_id") if MEDIA_ID.match(m)]
    try:
        with svc.changing() as session:
            staff = session.get(Staff, viewer.staff.id)
            ticket, added = store_patrol.report(
                session, staff, words=form.get("words", ""), triage=triage_of(form),
                now=svc.now(), policy=svc.settings.sla_policy, point=point_of(form),
                uploads=uploads, media_ids=media_ids,
                resolve_note=form.get("result", "") if resolve_now else None)
            number, pending = ticket.number, pending_ids(added)
    except (tickets.TicketError, photos.NotAPicture) as refusal:
        flash(str(refusal) + ("（照片需重新选择）" if uploads else ""), "error")
        return form_page(viewer, form.to_dict(), 400)
    fetch_later(pending)
    flash(f"已即报即办，工单 {number} 已办结" if resolve_now else
          f"已上报，工单号 {number}，由您负责办理", "ok")
    return redirect(page_link(viewer.openid, "mobile.worker_ticket", number=number))
