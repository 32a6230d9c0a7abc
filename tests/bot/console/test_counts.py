"""The inbox's tab counts read a scope in disjoint parts (its grids' tickets, and its tickets
held away from their grid), each from its own index: the parts must add up to exactly the
tickets the scope sees — escalated and pool tickets included, other scopes' left out."""
from datetime import timedelta

from sqlalchemy import func, select

from bot.console.inbox import COUNT_CAP, Filters, counts
from store import scope
from store.models import Area, Staff, Ticket


def _ticket(n, *, grid, area, status, now):
    created = now - timedelta(days=n % 40, minutes=n)
    return Ticket(number=f"T{n:07d}", grid=grid, area=area, tier="grid" if area is grid else
                  area.level, kind="complaint", domain="城市管理", category="环境卫生",
                  urgency="normal", keywords={}, description="楼道垃圾没人清运", status=status,
                  channel="wechat", created_at=created, accept_by=created + timedelta(minutes=15),
                  first_reply_by=created + timedelta(minutes=30),
                  resolve_by=created + timedelta(hours=24), reopen_count=0,
                  escalation_level=0 if area is grid else 2, urge_count=0)


def test_tab_counts_of_a_scope_are_its_tickets_counted_in_parts(svc, demo):
    now = svc.now()
    statuses = ("assigned", "accepted", "resolved", "closed", "cancelled", "closed")
    with svc.db.transaction() as session:
        areas = {a.code: a for a in session.scalars(select(Area))}
        mine = areas["330199001001"]  # 幸福里社区 and its grids
        other = areas["330199001002"]  # 和平社区
        my_grids = [a for a in areas.values() if a.parent is mine]
        other_grid = next(a for a in areas.values() if a.parent is other)
        district, street = areas["330199"], areas["330199001"]
        n = 0
        for grid, held_by in [(g, g) for g in my_grids] + [
                (my_grids[0], mine),        # escalated to the community: counted
                (None, mine),               # a pool ticket placed at the community: counted
                (other_grid, other_grid),   # another community's: not counted
                (other_grid, mine),         # held here though its grid is not (moved grid)
                (my_grids[1], street),      # escalated above: counted by its grid
                (None, district)]:          # the district pool: not counted
            for status in statuses:
                n += 1
                session.add(_ticket(n, grid=grid, area=held_by, status=status, now=now))
    with svc.db.sessions() as session:
        agent = session.scalar(select(Staff).where(Staff.username == "community001001"))
        seen = dict(session.execute(
            scope.visible_tickets(session, agent).with_only_columns(Ticket.status, func.count())
            .group_by(Ticket.status)).all())
        parts = [dict(session.execute(part.with_only_columns(Ticket.status, func.count())
                                      .group_by(Ticket.status)).all())
                 for part in scope.visible_ticket_parts(session, agent)]
        shown = counts(session, agent, Filters(), now)
    assert len(parts) == 2
    assert {s: sum(p.get(s, 0) for p in parts) for s in seen} == seen  # disjoint, complete
    # 3 grids + escalated + pool + the moved grid's + escalated above = 7 tickets a status
    assert seen == {"assigned": 7, "accepted": 7, "resolved": 7, "closed": 14, "cancelled": 7}
    assert (shown["resolved"], shown["closed"], shown["cancelled"]) == (7, 14, 7)
    assert shown["open"] == 14 and shown["all"] == 42 and COUNT_CAP > 42


def test_overdue_emergency_and_mine_are_counted_with_the_open_tabs(svc, demo):
    """超时, 特急 and 我的 come from the same read as the open tabs: each must equal what its
    own filter shows, open tickets only."""
    from bot.console.inbox import filtered
    now = svc.now()
    with svc.db.transaction() as session:
        areas = {a.code: a for a in session.scalars(select(Area))}
        grid = next(a for a in areas.values() if a.parent is areas["330199001001"])
        worker = session.scalar(select(Staff).where(Staff.area_id == grid.id,
                                                    Staff.role == "grid_worker"))
        for n, status in enumerate(("new", "assigned", "accepted", "reopened", "resolved",
                                    "closed") * 3):
            ticket = _ticket(n, grid=grid, area=grid, status=status, now=now)
            ticket.urgency = "emergency" if n % 4 == 0 else "normal"
            ticket.assignee_id = worker.id if n % 3 == 0 else None
            if n % 5 == 0:  # accept-by long past but resolve-by to come: late only unaccepted
                ticket.accept_by, ticket.resolve_by = now - timedelta(hours=1), \
                    now + timedelta(hours=5)
            elif n % 2:
                ticket.resolve_by = now + timedelta(hours=3)
                ticket.accept_by = now + timedelta(hours=1)
            session.add(ticket)
    with svc.db.sessions() as session:
        agent = session.scalar(select(Staff).where(Staff.id == worker.id))
        shown = counts(session, agent, Filters(), now)

        def number(**chosen):
            query = filtered(session, agent, Filters(tab="open", **chosen), now)
            return session.scalar(query.with_only_columns(func.count()).order_by(None))
        expected = {"overdue": number(overdue=True), "emergency": number(urgency="emergency"),
                    "mine": number(assignee="me"), "open": number()}
    assert {key: shown[key] for key in expected} == expected
    assert 0 < expected["overdue"] < expected["open"] and 0 < expected["emergency"]
    assert 0 < expected["mine"] < expected["open"]


def test_a_search_counts_its_finished_matches_up_to_its_own_cap(svc, demo, monkeypatch):
    """A common word matches finished tickets all through a district's history: the tabs say
    "n+" past the search cap, while open matches are counted exactly."""
    import bot.console.inbox as inbox
    now = svc.now()
    with svc.db.transaction() as session:
        grid = session.scalar(select(Area).where(Area.level == "grid").order_by(Area.id))
        for n, status in enumerate(("assigned", "closed", "closed", "resolved") * 3):
            ticket = _ticket(n, grid=grid, area=grid, status=status, now=now)
            if n >= 8:
                ticket.description = "小区门口有人摆摊"
            session.add(ticket)
    monkeypatch.setattr(inbox, "SEARCH_COUNT_CAP", 3)
    with svc.db.sessions() as session:
        admin = session.scalar(select(Staff).where(Staff.username == "admin"))
        searched = counts(session, admin, Filters(q="垃圾"), now)
        few = counts(session, admin, Filters(q="摆摊"), now)
        whole = counts(session, admin, Filters(), now)
    finished = [searched[tab] for tab in ("resolved", "closed", "cancelled")]
    assert searched["open"] == 2 and all(str(shown).endswith("+") for shown in finished)
    assert sum(int(str(shown).rstrip("+")) for shown in finished) == 4  # the cap, and one
    assert searched["all"] == "6+"  # lower bounds, and said so
    assert few["open"] == 1 and few["closed"] == 2 and few["all"] == 4
    assert whole["closed"] == 6 and whole["all"] == 12  # no search: the usual cap
