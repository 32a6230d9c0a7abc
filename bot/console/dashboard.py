"""Analysis and assessment (研判分析、考核评价): the dashboard of a scope and period, the
per-grid and per-worker assessment table, and their CSV exports."""
from __future__ import annotations

import io
from datetime import date, datetime, time as dtime, timedelta

from flask import Response, render_template, request
from flask_login import login_required
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from bot.console import areas_in_scope, bp, me
from bot.console import charts, orders
from bot.services import services
from store import csvfile, metrics, scope
from store.models import Area, Staff, Ticket
from store.vocab import CHINA, KIND_NAMES, ROLE_NAMES, percent

TIER_NAMES = {"grid": "网格员", "grid_leader": "网格长", "community": "社区", "street": "街道",
              "district": "区中心"}


def period(args) -> tuple[date, date]:
    today = datetime.now(CHINA).date()
    try:
        until = date.fromisoformat(args.get("until", "")) if args.get("until") else today
        since = (date.fromisoformat(args.get("since", "")) if args.get("since")
                 else until - timedelta(days=29))
    except ValueError:
        until, since = today, today - timedelta(days=29)
    return min(since, until), until


def scoped_query(session, staff: Staff, area_id: int | None):
    query = scope.visible_tickets(session, staff)
    if area_id:
        ids = scope.area_ids_under(session, area_id)
        query = query.where(or_(Ticket.grid_id.in_(ids), Ticket.area_id.in_(ids)))
    return query


def load(session, staff: Staff, args):
    since, until = period(args)
    start = datetime.combine(since, dtime(), CHINA)
    end = datetime.combine(until + timedelta(days=1), dtime(), CHINA)
    area_id = args.get("area", type=int)
    query = scoped_query(session, staff, area_id)
    return since, until, start, end, area_id, query


def assessment(session, per_grid: dict, per_staff: dict) -> tuple[list[dict], list[dict]]:
    """Per grid and per handler: the same figures as the dashboard, worst closure first."""
    grids = {a.id: a for a in session.scalars(select(Area).where(Area.id.in_(
        [g for g in per_grid if g])))}
    people = {s.id: s for s in session.scalars(
        select(Staff).where(Staff.id.in_([s for s in per_staff if s]))
        .options(selectinload(Staff.area)))}
    grid_rows = [{"name": grids[g].name if g in grids else "（待定位）",
                  "code": grids[g].code if g in grids else "", **values}
                 for g, values in per_grid.items()]
    staff_rows = [{"name": people[s].name if s in people else "（未分派）",
                   "role": ROLE_NAMES.get(people[s].role, "") if s in people else "",
                   "area": people[s].area.name if s in people else "", **values}
                  for s, values in per_staff.items()]
    order = (lambda x: (x["closure"] if x["closure"] is not None else 2, -x["total"], x["name"]))
    return sorted(grid_rows, key=order), sorted(staff_rows, key=order)


@bp.get("/dashboard")
@login_required
def dashboard():
    with services().db.sessions() as session:
        metrics.prepare(session)
        staff = me(session)
        since, until, start, end, area_id, query = load(session, staff, request.args)
        period = metrics.in_period(query, start, end)
        whole, by_grid, by_staff = metrics.figures(session, period)
        per_grid, per_staff = assessment(session, by_grid, by_staff)
        grid_names = {g: name for g, name in session.execute(select(Area.id, Area.name).where(
            Area.id.in_([g for g in by_grid if g])))}
        counts = charts.tallies(session, period)
        escalations = charts.escalations(session, query, start, end)
        areas = areas_in_scope(session, staff)
        service, service_month = (None, "") if staff.role == "department" else \
            orders.month_figures(session, staff, f"{until:%Y-%m}")
    grids = sorted(((grid_names.get(g, "（待定位）"), x["total"]) for g, x in by_grid.items()),
                   key=lambda x: (-x[1], x[0]))[:15]
    cells = counts["cells"]
    data = {
        "trend": charts.trend(counts, start, end),
        "kinds": [{"name": KIND_NAMES.get(k, k), "value": v} for k, v in charts.kinds(cells)],
        "categories": charts.categories(cells), "grids": grids,
        "hot": charts.hot_spots(cells, grid_names),
        "escalations": [[TIER_NAMES.get(t, t), e["auto"], e["manual"]]
                        for t, e in sorted(escalations.items(),
                                           key=lambda x: list(TIER_NAMES).index(x[0])
                                           if x[0] in TIER_NAMES else 9)],
        "keywords": charts.top_keywords(counts),
    }
    return render_template("console/dashboard.html", f=whole, charts=data,
                           per_grid=per_grid, per_staff=per_staff, since=since, until=until,
                           area_id=area_id, areas=areas, service=service,
                           service_month=service_month,
                           args={k: v for k, v in request.args.items() if v})


def _num(value, digits: int = 1) -> str:
    """As the dashboard shows it: — when there was nothing to measure."""
    return "—" if value is None else f"{value:.{digits}f}"


@bp.get("/export/assessment.csv")
@login_required
def export_assessment():
    """The assessment table (per grid and per handler) of the dashboard's scope and period."""
    with services().db.sessions() as session:
        metrics.prepare(session)
        staff = me(session)
        since, until, start, end, _, query = load(session, staff, request.args)
        _, by_grid, by_staff = metrics.figures(session, metrics.in_period(query, start, end))
        per_grid, per_staff = assessment(session, by_grid, by_staff)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csvfile.writer(out)
    head = ["受理量", "办结量", "在办", "办结率", "按期办结率", "满意率", "平均评分", "评价数",
            "返工率", "接单用时中位数(分钟)", "接单用时P95(分钟)", "办结用时中位数(小时)",
            "办结用时P95(小时)", "主动发现数"]

    def figures(x):
        return [x["total"], x["done"], x["open"], percent(x["closure"]), percent(x["on_time"]),
                percent(x["satisfaction"]), _num(x["rating"], 2), x["rated"], percent(x["rework"]),
                _num(x["accept_median"]), _num(x["accept_p95"]), _num(x["resolve_median"]),
                _num(x["resolve_p95"]), x["found"]]
    writer.writerow([f"考核期 {since} 至 {until}"])
    writer.writerow(["对象", "网格", "编码", "角色", *head])
    for x in per_grid:
        writer.writerow(["网格", x["name"], x["code"], "", *figures(x)])
    for x in per_staff:
        writer.writerow(["人员", x["name"], x["area"], x["role"], *figures(x)])
    return Response(out.getvalue(), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f"attachment; filename=assessment-{since}-{until}.csv"})
