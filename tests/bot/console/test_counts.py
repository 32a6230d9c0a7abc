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
