"""The ticket lifecycle's first steps: numbering, assignment, clocks, one transaction."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from store import tickets
from store.models import Area, Outbox, Staff, Ticket, TicketEvent
from store.registry import resident_for

from tests.support import count

COMPLAINT = tickets.Triage(kind="complaint", domain="城乡建设", category="路灯/井盖/道路",
                           department="住建")
NOON = datetime(2026, 11, 23, 4, 0, tzinfo=timezone.utc)  # 12:00 in China


def open_for(session, openid="o_demo_resident", now=NOON, triage=COMPLAINT, text="路灯坏了"):
    return tickets.open_ticket(session, resident=resident_for(session, openid, now),
                               description=text, triage=triage, now=now)


def test_numbers_follow_the_china_date_and_restart_each_day(svc, demo):
    with svc.db.transaction() as session:
        first = open_for(session).number
        second = open_for(session).number
        # 23:30 UTC on the 23rd is already the 24th in China.
        next_day = open_for(session, now=datetime(2026, 11, 23, 16, 30, tzinfo=timezone.utc))
    assert (first, second, next_day.number) == ("2611230001", "2611230002", "2611240001")


def test_work_goes_to_the_least_loaded_on_duty_worker(svc, demo):
    with svc.db.transaction() as session:
        grid = session.scalar(select(Area).where(Area.code == demo.FIRST_GRID))
        second = Staff(username="w2", name="第二网格员", role="grid_worker", area=grid,
                       openid="o_w2")
        session.add(second)
        session.flush()
        assignees = [open_for(session).assignee.name for _ in range(4)]
    assert sorted(assignees) == ["张伟", "张伟", "第二网格员", "第二网格员"]


def test_a_grid_with_nobody_on_duty_falls_to_its_leader_then_its_community(svc, demo):
    with svc.db.transaction() as session:
        grid = session.scalar(select(Area).where(Area.code == demo.FIRST_GRID))
        for worker in session.scalars(select(Staff).where(Staff.area_id == grid.id)):
            worker.on_duty = False
        leader = Staff(username="leader", name="网格长老李", role="grid_leader", area=grid,
                       openid="o_li")
        session.add(leader)
        session.flush()
        assert open_for(session).assignee.name == "网格长老李"  # the grid's own leader
        leader.active = False
        community_leader = open_for(session).assignee
        assert community_leader.name == "周建国"  # the community's 总网格长
        community_leader.on_duty = False
        assert open_for(session).assignee.name == "幸福里社区工作站"


def test_emergencies_run_on_the_short_clock(svc, demo):
    fire = tickets.Triage(kind="help", urgency="emergency")
    with svc.db.transaction() as session:
        normal, urgent = open_for(session), open_for(session, triage=fire, text="着火了")
    assert normal.accept_by - NOON == timedelta(minutes=15)
    assert normal.first_reply_by - NOON == timedelta(minutes=30)
    assert normal.resolve_by - NOON == timedelta(hours=24)
    assert urgent.accept_by - NOON == timedelta(minutes=5)
    assert urgent.resolve_by - NOON == timedelta(hours=2)


def test_the_ticket_its_timeline_and_its_messages_commit_or_vanish_together(svc, demo):
    with pytest.raises(RuntimeError):
        with svc.db.transaction() as session:
            open_for(session)
            raise RuntimeError("crash after opening")
    assert count(svc, Ticket) == count(svc, TicketEvent) == count(svc, Outbox) == 0

    with svc.db.transaction() as session:
        ticket = open_for(session)
        actions = [e.action for e in ticket.events]
    assert actions == ["created", "assigned"]
    assert count(svc, Outbox, Outbox.ticket_id == ticket.id) == 1


def test_a_worker_without_wechat_is_passed_over_for_the_grid_leader_who_is_told(svc, demo):
    with svc.db.transaction() as session:
        worker = session.scalar(select(Staff).where(Staff.username == "worker01"))
        worker.openid = None
        ticket = open_for(session)
        why = [e.body for e in ticket.events if e.action == "passed_over"]
        owner = (ticket.assignee.name, ticket.tier)
    assert owner == ("周建国", "grid_leader")
    assert why == ["网格员张伟未绑定微信，已推送给网格长周建国"]
    assert count(svc, Outbox, Outbox.to_openid == "o_leader_01") == count(svc, Outbox) == 1


def test_assigning_a_resolved_ticket_is_refused(svc, demo):
    with svc.db.transaction() as session:
        ticket = open_for(session)
        ticket.status = "resolved"
        with pytest.raises(tickets.TicketError, match="不能分派"):
            tickets.assign(session, ticket, ticket.assignee, NOON)


def test_a_resident_who_writes_gets_the_least_loaded_worker_even_after_a_change(svc, demo):
    """On PostgreSQL the worker is read with the resident's row when they write
    (store.arrival): the same choice as the query it saves, and a change flushed in between
    (here: that worker goes off duty) is taken into account."""
    from store.registry import resident_wrote
    with svc.db.transaction() as session:
        grid = session.scalar(select(Area).where(Area.code == demo.FIRST_GRID))
        session.add(Staff(username="w2", name="第二网格员", role="grid_worker", area=grid,
                          openid="o_w2"))
    assignees = []
    for _ in range(4):
        with svc.db.transaction() as session:
            resident, _ = resident_wrote(session, "o_demo_resident", NOON)
            assignees.append(tickets.open_ticket(session, resident=resident, triage=COMPLAINT,
                                                 description="路灯坏了", now=NOON).assignee.name)
    assert sorted(assignees) == ["张伟", "张伟", "第二网格员", "第二网格员"]
    with svc.db.transaction() as session:
        resident, _ = resident_wrote(session, "o_demo_resident", NOON)  # 2 and 2: 张伟 first
        session.scalar(select(Staff).where(Staff.name == "张伟")).on_duty = False
        session.flush()
        ticket = tickets.open_ticket(session, resident=resident, triage=COMPLAINT,
                                     description="路灯坏了", now=NOON)
        assert ticket.assignee.name == "第二网格员"
