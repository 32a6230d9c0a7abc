"""The SLA sweep escalates a whole batch at once: each ticket still climbs exactly as if it
were escalated alone (tiers with nobody on duty skipped, the same timeline and messages)."""
import threading
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from store import ladder, notices, outbox, tickets
from store.models import Area, Outbox, Resident, Staff, Ticket, TicketEvent
from store.registry import OPEN_STATES, on_duty, root_area
from store.tickets import notify_resident, notify_staff, record_event

T0 = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)
COMPLAINT = tickets.Triage(kind="complaint", domain="城市管理", category="环境卫生")


def opened(session, grid_code, *, resident=None, last_inbound=None, text="垃圾没人清运"):
    grid = session.scalar(select(Area).where(Area.code == grid_code)) if grid_code else None
    if resident is not None:
        resident = Resident(openid=resident, last_inbound_at=last_inbound, created_at=T0)
        session.add(resident)
    return tickets.open_ticket(session, resident=resident, description=text, triage=COMPLAINT,
                               now=T0, grid=grid)


def off_duty(session, *usernames):
    session.execute(update(Staff).where(Staff.username.in_(usernames)).values(on_duty=False))


def scenario(session) -> dict[str, int]:
    """Tickets across grids and communities, some of whose tiers have nobody on duty."""
    made = {
        # 幸福里: the community's grid leader 周建国 takes it; the resident wrote an hour ago.
        "leader": opened(session, "330199001001001", resident="o_r1",
                         last_inbound=T0 - timedelta(hours=1)),
        # the same grid, a resident silent for three days: the template form.
        "silent": opened(session, "330199001001001", resident="o_r2",
                         last_inbound=T0 - timedelta(days=3)),
        # 和平社区's leader is off duty: straight to its community station.
        "no_leader": opened(session, "330199001002001", resident="o_r3"),
        # 翠苑社区: leader and station off duty: to 西溪街道分中心.
        "to_street": opened(session, "330199002001002"),
        # a grid of 文新社区 whose worker is off duty: it waits unassigned ("new").
        "new": opened(session, "330199002002003"),
        # no grid: opened in the district pool, already at the top: only "overdue".
        "pool": opened(session, None, resident="o_r4"),
    }
    off_duty(session, "leader02", "leader03", "community002001", "worker12")
    session.flush()
    made["new"].assignee, made["new"].status = None, "new"
    # at the street already: the district's first on duty is the admin, with no WeChat.
    made["street"] = opened(session, "330199001002002")
    made["street"].escalation_level, made["street"].tier = 3, "street"
    made["dept"] = opened(session, "330199001001002")  # transferred: not climbed, "overdue"
    made["dept"].tier, made["dept"].department = "department", "城管"
    made["new_street"] = opened(session, "330199002002001")
    made["new_street"].escalation_level, made["new_street"].tier = 2, "community"
    session.flush()
    return {name: ticket.id for name, ticket in made.items()}


def snapshot(session, ids: dict[str, int]) -> dict:
    """What the sweep changed, per ticket: where it is, its new events, its new messages."""
    seen = {}
    for name, ticket_id in ids.items():
        ticket = session.get(Ticket, ticket_id)
        events = session.scalars(select(TicketEvent).where(
            TicketEvent.ticket_id == ticket_id, TicketEvent.at > T0).order_by(TicketEvent.id))
        messages = session.scalars(select(Outbox).where(
            Outbox.ticket_id == ticket_id, Outbox.created_at > T0).order_by(Outbox.id))
        seen[name] = {
            "ticket": (ticket.escalation_level, ticket.tier, ticket.area.name, ticket.status,
                       ticket.assignee.username if ticket.assignee else None),
            # who was passed over and why: asserted on its own (test_owners)
            "events": [(e.action, e.actor, e.staff_id, e.body, e.public, e.data) for e in events
                       if e.action != "passed_over"],
            "messages": [(o.to_openid, o.channel, o.purpose, o.payload, o.status, o.attempts)
                         for o in messages]}
    return seen


def test_a_batch_climbs_tier_by_tier_skipping_nobody_on_duty(svc, demo):
    with svc.db.transaction() as session:
        ids = scenario(session)
    with svc.db.transaction() as session:
        assert ladder.sweep(session, T0 + timedelta(minutes=16)) == 9
        queued = set(outbox.take_new_ids(session))
        seen = snapshot(session, ids)
        all_new = set(session.scalars(select(Outbox.id).where(Outbox.created_at > T0)))
    assert queued == all_new  # every new message is handed to delivery after commit
    where = {name: s["ticket"] for name, s in seen.items()}
    assert where == {
        "leader": (1, "grid_leader", "幸福里第1网格", "assigned", "leader01"),
        "silent": (1, "grid_leader", "幸福里第1网格", "assigned", "leader01"),
        "no_leader": (2, "community", "和平社区", "assigned", "community001002"),
        "to_street": (3, "street", "西溪街道", "assigned", "street002"),
        "new": (1, "grid_leader", "文新第3网格", "assigned", "leader04"),
        # the pool went to the district's duty officer when it opened; never to the admin
        "pool": (4, "district", "示范区", "assigned", "district"),
        "street": (4, "district", "示范区", "assigned", "district"),
        "dept": (0, "department", "幸福里第2网格", "assigned", "worker02"),
        "new_street": (3, "street", "西溪街道", "assigned", "street002"),
    }
    escalated = seen["to_street"]["events"]
    assert escalated == [("escalated", "system", None, "超过接单时限", True,
                          {"tier": "street", "area": "西溪街道", "assignee": "西溪街道分中心"})]
    for name in ("pool", "dept"):
        assert seen[name]["events"] == [("overdue", "system", None, "超过接单时限", False, {})]
        assert seen[name]["messages"] == []
    # whoever held a ticket before hears it is no longer theirs (test_handed_away)
    away = {name: [o[0] for o in s["messages"] if o[2] == "handed_away"]
            for name, s in seen.items()}
    assert away["leader"] == away["silent"] == ["o_worker_01"]
    assert away["no_leader"] == ["o_worker_04"] and away["pool"] == away["dept"] == []
    told = {name: [(o[0], o[1]) for o in s["messages"] if o[2] != "handed_away"]
            for name, s in seen.items()}
    assert told["leader"] == [("o_leader_01", "template"), ("o_r1", "customer_service")]
    # Residents' messages are written as text; delivery sends the template form when WeChat
    # allows no more text (store.outbox.choose_channel, tests/bot/wechat/test_rules.py).
    assert told["silent"] == [("o_leader_01", "template"), ("o_r2", "customer_service")]
    assert told["no_leader"] == [("o_community_001002", "template"),
                                 ("o_r3", "customer_service")]
    assert told["to_street"] == [("o_street_002", "template")]  # no resident to tell
    assert told["street"] == [("o_district", "template")]  # the duty officer, not the admin
    leader_notice = seen["leader"]["messages"][0][3]
    assert leader_notice["title"].startswith("【上报】超过接单时限")
    assert "已提交网格长督办" in seen["leader"]["messages"][2][3]["text"]
    assert all(m[4:] == ("pending", 0) for s in seen.values() for m in s["messages"])

    with svc.db.transaction() as session:  # each clock escalates once
        assert ladder.sweep(session, T0 + timedelta(minutes=17)) == 0


@pytest.mark.parametrize("district_on_duty", [True, False])
def test_the_batch_does_exactly_what_one_ticket_at_a_time_did(svc, demo, district_on_duty):
    """Over every clock at once (25 h late: accept, reply and resolve, so tickets climb up to
    three tiers in one transaction), the batch equals the former per-ticket code; also when
    nobody is on duty at the top."""
    with svc.db.transaction() as session:
        ids = scenario(session)
        if not district_on_duty:
            off_duty(session, "admin", "district")
    late = T0 + timedelta(hours=25)
    results = []
    for sweep in (ladder.sweep, one_at_a_time):
        with svc.db.sessions() as session:
            assert sweep(session, late) == 27
            results.append(snapshot(session, ids))
            session.rollback()
    assert results[0] == results[1]
    assert results[0]["leader"]["ticket"][:2] == (3, "street")  # 1, then 2, then 3
    # nobody on duty at the district: its officer with WeChat is still told, never the admin
    assert results[0]["street"]["ticket"][4] == "district"


def test_sweeps_running_at_once_escalate_each_clock_once(svc, demo):
    """Two clock processes sweeping together in small batches: every breached ticket climbs
    once, with one event and one message to its new handler (SKIP LOCKED + the marker)."""
    if svc.db.is_sqlite:
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    grids = ["330199001001001", "330199001002001", "330199002001002", "330199002002003"]
    with svc.db.transaction() as session:
        off_duty(session, "leader02")
        ids = [opened(session, grids[n % 4]).id for n in range(80)]
    start, done, errors = threading.Barrier(2), Counter(), []

    def sweeper(name):
        try:
            start.wait(10)
            while True:
                with svc.db.transaction() as session:
                    swept = ladder.sweep(session, T0 + timedelta(minutes=16), batch=7)
                done[name] += swept
                if swept == 0:
                    return
        except Exception as error:  # reported below: a thread's failure must fail the test
            errors.append(error)

    threads = [threading.Thread(target=sweeper, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors and sum(done.values()) == 80
    with svc.db.sessions() as session:
        escalated = Counter(session.scalars(select(TicketEvent.ticket_id).where(
            TicketEvent.action == "escalated")))
        told = Counter(session.scalars(select(Outbox.ticket_id).where(
            Outbox.purpose == "escalated")))
        levels = set(session.scalars(select(Ticket.escalation_level)))
    assert escalated == told == Counter(ids) and levels == {1, 2}


def test_escalating_by_hand_still_goes_one_tier_and_refuses_at_the_top(svc, demo):
    with svc.db.transaction() as session:
        ticket = opened(session, "330199001001001")
        boss = session.scalar(select(Staff).where(Staff.username == "leader01"))
        assert [e.action for e in ticket.events] == ["created", "assigned"]
        ladder.escalate(session, ticket, T0, reason="需要社区协调", by=boss)
        assert (ticket.tier, ticket.area.name, ticket.assignee.name) == (
            "grid_leader", "幸福里第1网格", "周建国")
        assert [e.action for e in ticket.events][-1] == "escalated"  # the timeline is fresh
        for _ in range(3):
            ladder.escalate(session, ticket, T0, reason="再上报", by=boss)
        with pytest.raises(tickets.TicketError, match="已在最高层级"):
            ladder.escalate(session, ticket, T0, reason="再上报", by=boss)
        event = ticket.events[-1]
        assert (event.actor, event.staff_id, event.body) == ("staff", boss.id, "再上报")


# --- the per-ticket code the batch replaced, kept as the reference it must match ---------------

def one_at_a_time(session, now, batch=500):
    done = 0
    for marker, due, states, name in ladder.CLOCKS:
        marker_col, due_col = getattr(Ticket, marker), getattr(Ticket, due)
        candidates = select(Ticket.id).where(Ticket.status.in_(states), due_col < now,
                                             marker_col.is_(None)).order_by(due_col).limit(batch)
        if marker == "reply_breached_at":
            candidates = candidates.where(Ticket.first_reply_at.is_(None))
        ids = list(session.scalars(candidates))
        claimed = session.scalars(update(Ticket).where(Ticket.id.in_(ids), marker_col.is_(None))
                                  .values({marker: now}).returning(Ticket.id)).all()
        for ticket in session.scalars(select(Ticket).where(Ticket.id.in_(claimed))):
            if ticket.escalation_level < ladder.TOP and ticket.tier != "department":
                _escalate(session, ticket, now, reason=f"超过{name}时限")
            else:
                record_event(session, ticket, "overdue", now, body=f"超过{name}时限",
                             public=False)
            done += 1
    return done


def _escalate(session, ticket, now, *, reason):
    assert ticket.status in OPEN_STATES
    level, handler = ticket.escalation_level, None
    while handler is None and level < ladder.TOP:
        level += 1
        if ticket.grid is None or level == ladder.TOP:
            area = root_area(session)
        else:
            area = ticket.grid
            for _ in range(ladder.TIERS[level][1]):
                area = area.parent or area
        if level == 1 and ticket.grid is not None:
            staff = [s for s in (on_duty(session, ticket.grid, ("grid_leader",)) or
                                 on_duty(session, ticket.grid.parent, ("grid_leader",)))]
        else:
            staff = on_duty(session, area, ladder.TIERS[level][2])
        bound = [s for s in staff if s.openid]
        handler = bound[0] if bound else None
    if handler is None:  # the last resort: the district's officer off duty, never the admin
        spare = session.scalars(select(Staff).where(Staff.role == "district",
                                                    Staff.openid.is_not(None)))
        handler = next(iter(spare), None)
    ticket.escalation_level, ticket.tier, ticket.area = level, ladder.TIERS[level][0], area
    before = ticket.assignee
    if handler is not None:
        ticket.assignee = handler
    if ticket.status == "new" and handler is not None:
        ticket.status = "assigned"
    record_event(session, ticket, "escalated", now, body=reason, tier=ticket.tier,
                 area=area.name, assignee=handler.name if handler else None)

    notify_staff(session, ticket, handler, "escalated",
                 notices.assigned(ticket, now, reason=f"【上报】{reason}", owner=True), now)
    if before not in (None, handler) and before.openid and before.active:
        notify_staff(session, ticket, before, "handed_away",
                     notices.handed_away(ticket, "已上报给"), now)
    notify_resident(session, ticket, "escalated", notices.escalated(ticket), now)
