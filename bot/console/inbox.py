"""The inbox: filters, search, counts, keyset pagination, live refresh, CSV export."""
from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from datetime import date, datetime, time as dtime, timedelta

from flask import Response, g, render_template, request
from flask_login import login_required
from sqlalchemy import case, func, literal, or_, select, tuple_, union_all
from sqlalchemy.orm import selectinload

from bot.console import area_ids_in_scope, areas_in_scope, bp, me
from bot.services import services
from store import csvfile, held, scope
from store.metrics import overdue as overdue_clause
from store.models import Staff, Ticket, UTCDateTime
from store.registry import OPEN_STATES, TO_ACCEPT
from store.vocab import CHINA, KIND_NAMES, STATUS_NAMES, URGENCY_NAMES

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000
# The status tabs: name → the states it covers.
TABS = {"open": OPEN_STATES, "new": ("new",), "assigned": ("assigned",),
        "accepted": ("accepted",), "reopened": ("reopened",), "resolved": ("resolved",),
        "closed": ("closed",), "cancelled": ("cancelled",), "all": None}
TAB_NAMES = {"open": "待办", **{k: STATUS_NAMES[k] for k in STATUS_NAMES}, "all": "全部"}


@functools.cache
def categories() -> list[str]:
    """The category filter's choices (read once: the lexicon changes with a deploy)."""
    from nlp.lexicon import rows
    names = [cells[0] for _, cells in rows("categories.tsv", 4)]
    return list(dict.fromkeys(names + ["紧急求助", "其他"]))


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@dataclass
class Filters:
    tab: str = "open"
    kind: str = ""
    category: str = ""
    urgency: str = ""
    area: int | None = None
    assignee: str = ""  # staff id, "me" or "none"
    overdue: bool = False
    since: date | None = None
    until: date | None = None
    q: str = ""
    sort: str = ""  # due: due time first; new: newest first; "": as suits the tab (order)
    after: str = ""  # the keyset cursor

    @classmethod
    def from_args(cls, args) -> Filters:
        # A search covers every tab unless one is chosen (a closed ticket is found too).
        default = "all" if args.get("q", "").strip() else "open"
        tab = args.get("tab") or default
        return cls(tab=tab if tab in TABS else default, kind=args.get("kind", ""),
                   category=args.get("category", ""), urgency=args.get("urgency", ""),
                   area=args.get("area", type=int), assignee=args.get("assignee", ""),
                   overdue=args.get("overdue") == "1", since=_day(args.get("since")),
                   until=_day(args.get("until")), q=args.get("q", "").strip()[:64],
                   sort=args.get("sort") if args.get("sort") in ("due", "new") else "",
                   after=args.get("after", ""))

    @property
    def order(self) -> str:
        """The order chosen, or by default: open tickets by due time (what is late first);
        a tab holding finished tickets, and a search, newest first (a due time long past
        says nothing there, and sorting every match of a common word by it reads them all)."""
        if self.sort:
            return self.sort
        states = TABS[self.tab]
        return "due" if states is not None and set(states) <= set(OPEN_STATES) else "new"

    def args(self, **changes) -> dict:
        """These filters as query arguments (the cursor dropped unless given)."""
        values = {"tab": self.tab, "kind": self.kind, "category": self.category,
                  "urgency": self.urgency, "area": self.area or "", "assignee": self.assignee,
                  "overdue": "1" if self.overdue else "", "since": self.since or "",
                  "until": self.until or "", "q": self.q, "sort": self.sort, "after": ""}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None)}


def filtered(session, staff: Staff, f: Filters, now: datetime, *, with_tab: bool = True,
             within=None):
    """The scope's tickets narrowed by every filter (and by the status tab unless told not);
    `within`: one of scope.visible_ticket_parts instead of the whole scope."""
    query = scope.visible_tickets(session, staff) if within is None else within
    if with_tab and TABS[f.tab] is not None:
        query = query.where(Ticket.status.in_(TABS[f.tab]))
    if f.kind:
        query = query.where(Ticket.kind == f.kind)
    if f.category:
        query = query.where(Ticket.category == f.category)
    if f.urgency:
        query = query.where(Ticket.urgency == f.urgency)
    if f.area:
        ids = scope.area_ids_under(session, f.area)
        query = query.where(or_(Ticket.grid_id.in_(ids), Ticket.area_id.in_(ids)))
    if f.assignee == "me":
        query = query.where(Ticket.assignee_id == staff.id)
    elif f.assignee == "none":
        query = query.where(Ticket.assignee_id.is_(None))
    elif f.assignee.isdigit():
        query = query.where(Ticket.assignee_id == int(f.assignee))
    if f.overdue:
        query = query.where(overdue_clause(now))
    if f.since:
        query = query.where(Ticket.created_at >= datetime.combine(f.since, dtime(), CHINA))
    if f.until:
        query = query.where(Ticket.created_at < datetime.combine(f.until + timedelta(days=1),
                                                                  dtime(), CHINA))
    if f.q:
        query = query.where(search_clause(f.q))
    return query


def search_clause(q: str):
    """A ticket number (or its start), a phone number, or words of the description."""
    if q.isdigit() and len(q) >= 6:
        phones = select(Staff.id).where(Staff.phone == q)
        return or_(Ticket.number.startswith(q), Ticket.description.contains(q),
                   Ticket.assignee_id.in_(phones))
    return or_(Ticket.number == q, Ticket.description.contains(q),
               Ticket.category == q)


def page_of(session, query, f: Filters) -> tuple[list[Ticket], str | None]:
    """One page by keyset: (the deadline that applies now, id) ascending — the accept
    deadline until a ticket is taken, the resolve deadline after — or id descending.
    Index-backed (ix_ticket_open_due)."""
    if f.order == "new":
        if f.after.isdigit():
            query = query.where(Ticket.id < int(f.after))
        query = query.order_by(Ticket.id.desc())
    else:
        due, _, last_id = f.after.partition("_")
        if last_id.isdigit():
            try:
                moment = datetime.fromtimestamp(float(due), CHINA)
                query = query.where(tuple_(Ticket.due_at, Ticket.id)
                                    > tuple_(literal(moment, UTCDateTime()),
                                             literal(int(last_id))))
            except (ValueError, OverflowError):
                pass
        query = query.order_by(Ticket.due_at, Ticket.id)
    rows = list(session.scalars(query.options(selectinload(Ticket.assignee),
                                              selectinload(Ticket.grid))
                                .limit(PAGE_SIZE + 1)))
    if len(rows) <= PAGE_SIZE:
        return rows, None
    rows = rows[:PAGE_SIZE]
    last = rows[-1]
    cursor = str(last.id) if f.order == "new" else f"{last.due_at.timestamp():.6f}_{last.id}"
    return rows, cursor


COUNT_CAP = 20_000  # finished tickets pile up forever; past this tabs show "n+"
# A search for a common word (楼道灯: one ticket in twelve) matches finished tickets all
# through the table: its finished tabs stop counting sooner ("1000+" says enough to an agent).
SEARCH_COUNT_CAP = 1_000


def counts(session, staff: Staff, f: Filters, now: datetime) -> dict[str, int | str]:
    """How many tickets each status tab, 超时, 特急 and 我的 would show with the other filters.

    Open states are counted exactly, with 超时, 特急 and 我的, by one read of the scope's open
    tickets (a few thousand rows, index-backed); finished states are counted up to
    COUNT_CAP together (SEARCH_COUNT_CAP for a search), so the inbox stays fast at millions
    of tickets.
    """
    cap = SEARCH_COUNT_CAP if f.q else COUNT_CAP
    base = filtered(session, staff, f, now, with_tab=False).order_by(None)
    by_status, result = {}, {"overdue": 0, "emergency": 0, "mine": 0}
    for status, number, late, emergency, mine in session.execute(
            base.where(Ticket.status.in_(OPEN_STATES))
            .with_only_columns(Ticket.status, func.count(), _tally(overdue_clause(now)),
                               _tally(Ticket.urgency == "emergency"),
                               _tally(Ticket.assignee_id == staff.id))
            .select_from(Ticket).group_by(Ticket.status)):
        by_status[status] = number
        result["overdue"] += late or 0
        result["emergency"] += emergency or 0
        result["mine"] += mine or 0
    # Per disjoint part of the scope, each read from its own index (the OR of the whole scope
    # reads the table until the cap: every ticket of a grid worker's, among a million).
    parts = [filtered(session, staff, f, now, with_tab=False, within=part).order_by(None)
             .where(Ticket.status.in_(("resolved", "closed", "cancelled")))
             .with_only_columns(Ticket.status).select_from(Ticket).limit(cap + 1)
             .subquery() for part in scope.visible_ticket_parts(session, staff)]
    finished = union_all(*(select(part.c.status) for part in parts)).subquery()
    finished = select(finished.c.status).limit(cap + 1).subquery()
    by_status.update(session.execute(select(finished.c.status, func.count())
                                     .group_by(finished.c.status)).all())
    capped = sum(by_status.get(s, 0) for s in ("resolved", "closed", "cancelled")) > cap
    result.update({tab: (sum(by_status.values()) if states is None
                         else sum(by_status.get(s, 0) for s in states))
                   for tab, states in TABS.items()})
    if capped:  # one capped scan: the finished tabs are lower bounds
        for tab in ("resolved", "closed", "cancelled", "all"):
            result[tab] = f"{result[tab]}+"
    return result


def _tally(condition):
    """How many of a group's rows meet `condition` (a CASE sum: the same on both databases)."""
    return func.sum(case((condition, 1), else_=0))


def assignee_choices(session, staff: Staff) -> list[Staff]:
    ids = area_ids_in_scope(session, staff)
    query = (select(Staff).where(Staff.active.is_(True), Staff.role != "admin")
             .order_by(Staff.area_id, Staff.id).limit(300))
    if ids is not None:
        query = query.where(Staff.area_id.in_(ids))
    return list(session.scalars(query))


def clocks(ticket: Ticket, now: datetime) -> list[dict]:
    """The three SLA clocks of a ticket: due, done at, and the minutes left (negative: late).
    Praise (表扬) runs none."""
    result = []
    if ticket.kind == "praise":
        return result
    for name, due, done in (("接单", ticket.accept_by, ticket.accepted_at),
                            ("首次回复", ticket.first_reply_by, ticket.first_reply_at),
                            ("办结", ticket.resolve_by, ticket.resolved_at)):
        stopped = done is not None or ticket.status in ("cancelled", "closed")
        end = done or ticket.closed_at or now
        result.append({"name": name, "due": due, "done": done, "running": not stopped,
                       "late": (end > due), "left": round((due - now).total_seconds() / 60)})
    return result


def humanize(minutes: int) -> str:
    sign, minutes = ("超时 " if minutes < 0 else "剩 "), abs(minutes)
    if minutes < 60:
        return f"{sign}{minutes} 分钟"
    if minutes < 48 * 60:
        return f"{sign}{minutes // 60} 小时 {minutes % 60} 分"
    return f"{sign}{minutes // 1440} 天"


def row_state(ticket: Ticket, now: datetime) -> str:
    if ticket.status not in OPEN_STATES or ticket.kind == "praise":
        return ""
    late = ticket.resolve_by < now or (ticket.status in TO_ACCEPT and ticket.accept_by < now)
    return "late" if late else ("soon" if ticket.resolve_by - now < timedelta(hours=2) else "")


@bp.get("/")
@login_required
def inbox():
    return _render("console/inbox.html")


@bp.get("/inbox/poll")
@login_required
def inbox_poll():
    """The results part of the inbox, fetched every few seconds by htmx."""
    return _render("console/_inbox_results.html")


def _render(template: str):
    svc = services()
    now = svc.now()
    f = Filters.from_args(request.args)
    with svc.db.sessions() as session:
        session.info[scope.AREA_IDS] = {}  # the scope's areas, read once for the whole page
        staff = me(session)
        tickets, cursor = page_of(session, filtered(session, staff, f, now), f)
        tab_counts = counts(session, staff, f, now)
        areas = areas_in_scope(session, staff) if template.endswith("inbox.html") else []
        people = assignee_choices(session, staff) if areas else []
        # the 未受理留言 count both inbox templates show (held_badge), in this session
        g.held_waiting = held.waiting_count(session, staff)
    return render_template(template, tickets=tickets, cursor=cursor, f=f, counts=tab_counts,
                           tabs=TAB_NAMES, areas=areas, people=people, now=now,
                           categories=categories() if areas else [], row_state=row_state,
                           humanize=humanize, kinds=KIND_NAMES, urgencies=URGENCY_NAMES)


@bp.get("/export/tickets.csv")
@login_required
def export_tickets():
    """The inbox's filtered tickets as CSV (UTF-8 with BOM, so Excel reads the Chinese)."""
    svc = services()
    now = svc.now()
    f = Filters.from_args(request.args)
    f.sort, f.after = "new", ""
    with svc.db.sessions() as session:
        staff = me(session)
        query = (filtered(session, staff, f, now).order_by(Ticket.id.desc())
                 .options(selectinload(Ticket.assignee), selectinload(Ticket.grid))
                 .limit(EXPORT_LIMIT))
        out = io.StringIO()
        out.write("\ufeff")
        writer = csvfile.writer(out)
        writer.writerow(["工单号", "类型", "领域", "类别", "紧急程度", "状态", "网格", "处理人",
                         "层级", "主管部门", "内容", "受理时间", "接单时间", "办结时间",
                         "办结时限", "按期办结", "评分", "返工次数", "督办次数"])
        for t in session.scalars(query):
            on_time = "" if t.resolved_at is None else ("是" if t.resolved_at <= t.resolve_by
                                                        else "否")
            writer.writerow([
                t.number, KIND_NAMES.get(t.kind, t.kind), t.domain, t.category,
                URGENCY_NAMES.get(t.urgency, t.urgency), STATUS_NAMES.get(t.status, t.status),
                t.grid.name if t.grid else "", t.assignee.name if t.assignee else "", t.tier,
                t.department or "", t.description, _t(t.created_at), _t(t.accepted_at),
                _t(t.resolved_at), _t(t.resolve_by), on_time, t.rating or "", t.reopen_count,
                t.urge_count])
    return Response(out.getvalue(), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f"attachment; filename=tickets-{now:%Y%m%d}.csv"})


def _t(moment: datetime | None) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if moment else ""

