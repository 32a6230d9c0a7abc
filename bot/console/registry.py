"""Console pages of the registry: the grids of one's area, each grid's QR code and poster."""
from __future__ import annotations

from flask import Blueprint, Flask, Response, abort, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import func, select

from bot.console import qr
from bot.services import services
from store.models import Area, Staff
from store.scope import SEES_EVERYTHING

bp = Blueprint("registry", __name__, url_prefix="/console/grids")
PAGE_SIZE = 100


@bp.before_request
def not_for_members():
    """A service team member's login opens their service orders only (console.orders)."""
    if current_user.is_authenticated and current_user.role == "member":
        abort(403)


def _me(session) -> Staff:
    return session.get(Staff, current_user.staff_id)


def _may_see(me: Staff, area: Area) -> bool:
    """Staff see the grids of their own area and below it; admin and district see all; a
    department none (it sees the tickets transferred to it, not the grids)."""
    if me.role == "department":
        return False
    return me.role in SEES_EVERYTHING or any(a.id == me.area_id for a in area.ancestors())


def _grid_or_404(session, code: str) -> Area:
    grid = session.scalar(select(Area).where(Area.code == code, Area.level == "grid"))
    if grid is None or not _may_see(_me(session), grid):
        abort(404)
    return grid


@bp.get("/")
@login_required
def grids():
    page = max(1, request.args.get("page", 1, type=int))
    with services().db.sessions() as session:
        me = _me(session)
        under = request.args.get("under", "").strip()
        base = "" if me.role in SEES_EVERYTHING else me.area.code
        prefix = under if under.startswith(base) else base
        workers = (select(Staff.area_id, func.count().label("n"))
                   .where(Staff.role == "grid_worker", Staff.active.is_(True))
                   .group_by(Staff.area_id).subquery())
        rows = session.execute(
            select(Area, func.coalesce(workers.c.n, 0))
            .outerjoin(workers, workers.c.area_id == Area.id)
            .where(Area.level == "grid", Area.code.startswith(prefix),
                   me.role != "department")
            .order_by(Area.code).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return render_template("console/grids.html", rows=rows, page=page, page_size=PAGE_SIZE,
                           under=prefix)


@bp.get("/<code>/poster.png")
@login_required
def poster(code: str):
    svc = services()
    with svc.db.transaction() as session:  # a WeChat QR URL made now is kept
        grid = _grid_or_404(session, code)
        try:
            png = qr.grid_poster(svc, session, grid)
        except qr.PosterError as error:
            return Response(f"无法生成公示牌：{error}", status=503,
                            mimetype="text/plain")
    return Response(png, mimetype="image/png", headers={
        "Content-Disposition": f'attachment; filename="grid-{code}.png"'})


@bp.get("/<code>/qr.png")
@login_required
def qr_code(code: str):
    svc = services()
    with svc.db.transaction() as session:
        grid = _grid_or_404(session, code)
        content = qr.qr_content(svc, grid)
    return Response(qr.qr_png(content), mimetype="image/png")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
