"""Every open ticket has an owner who is told: a person with WeChat bound, who was pushed the
ticket, and whose place still holds it — whatever happens to tickets and people."""
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select, update

from store import ladder, orphans, owners, staffing, tickets
from store.models import Area, Outbox, Resident, Staff, Ticket, TicketEvent
from store.registry import OPEN_STATES

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # 10:00 in China
COMPLAINT = tickets.Triage(kind="complaint", domain="城市管理", category="环境卫生")
SOS = tickets.Triage(kind="help", category="紧急求助", urgency="emergency")
GRIDS = ("330199001001001", "330199001002001", "330199002001002", "330199002002003", None)
# Everyone but the district's duty officer may lose WeChat or be deactivated: with nobody
# bound at all in the district there is nobody to tell (the check reports that instead).
PEOPLE = ("worker01", "worker02", "worker04", "worker08", "worker12", "leader01", "leader02",
          "leader03", "leader04", "community001001", "community001002", "community002001",
          "street001", "street002", "dept01", "dept02")

operations = st.one_of(
    st.tuples(st.just("open"), st.sampled_from(GRIDS), st.booleans()),
    st.tuples(st.just("escalate"), st.integers(0, 20)),
    st.tuples(st.just("transfer"), st.integers(0, 20), st.sampled_from(("城管", "住建"))),
    st.tuples(st.just("unbind"), st.sampled_from(PEOPLE)),
    st.tuples(st.just("deactivate"), st.sampled_from(PEOPLE)),
    st.tuples(st.just("move"), st.sampled_from(PEOPLE[:5]), st.sampled_from(GRIDS[:4])),
    st.tuples(st.just("sweep"), st.integers(1, 30)),
)


def broken_promises(session) -> list[str]:
    """Open tickets without an owner who can be reached, holds it, and was pushed it."""
    broken = []
    for ticket in session.scalars(select(Ticket).where(Ticket.status.in_(OPEN_STATES))):
        owner = ticket.assignee
        if owner is None or not owners.reachable(owner) or not owners.covers(owner, ticket):
            broken.append(f"{ticket.number}: owner {owner and owner.username} unreachable")
            continue
        told = session.scalar(select(Outbox.id).where(Outbox.ticket_id == ticket.id,
                                                      Outbox.to_openid == owner.openid))
        if told is None:
            broken.append(f"{ticket.number}: {owner.username} was never told")
    return broken


def person(session, username) -> Staff:
    return session.scalar(select(Staff).where(Staff.username == username))


def apply(session, operation, opened: list[Ticket], now: datetime) -> None:
    name, *args = operation
    if name == "open":
        code, emergency = args
        grid = session.scalar(select(Area).where(Area.code == code)) if code else None
        resident = Resident(openid=f"o_r{len(opened)}", created_at=now, last_inbound_at=now)
        session.add(resident)
        opened.append(tickets.open_ticket(session, resident=resident, description="有事",
                                          triage=SOS if emergency else COMPLAINT, now=now,
                                          grid=grid))
    elif name in ("escalate", "transfer") and opened:
        ticket = opened[args[0] % len(opened)]
        try:
            if name == "escalate":
                ladder.escalate(session, ticket, now, reason="上报", by=person(session, "district"))
            else:
                ladder.transfer(session, ticket, args[1], now, by=person(session, "district"))
        except tickets.TicketError:
            pass  # at the top already: refused, nothing changed
    elif name == "unbind":
        staffing.unbind(session, person(session, args[0]), now)
    elif name in ("deactivate", "move"):
        staff = person(session, args[0])
        area = session.scalar(select(Area).where(Area.code == args[1])) if name == "move" \
            else staff.area
        staffing.update_staff(session, staff, role=staff.role, area=area,
                              on_duty=staff.on_duty, active=name == "move" and staff.active,
                              phone=staff.phone, now=now)
    elif name == "sweep":
        ladder.sweep(session, now + timedelta(minutes=args[0]))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(operations, min_size=1, max_size=14))
def test_no_sequence_of_changes_leaves_an_open_ticket_unheard(svc, demo, steps):
    with svc.db.sessions() as session:
        opened: list[Ticket] = []
        try:
            for n, operation in enumerate(steps):
                now = T0 + timedelta(minutes=n)
                apply(session, operation, opened, now)
                session.flush()
                assert broken_promises(session) == [], (operation, steps[:n + 1])
        finally:
            session.rollback()


def test_the_clock_repairs_an_owner_unbound_behind_its_back(app, svc, demo):
    """An openid cleared outside the console (a database edit, another account's binding):
    the clock's check hands the ticket on and the timeline says who was told and why."""
    from bot.checks import repair_unreachable_owners
    with svc.db.transaction() as session:
        grid = session.scalar(select(Area).where(Area.code == demo.FIRST_GRID))
        number = tickets.open_ticket(session, resident=None, description="路灯坏了",
                                     triage=COMPLAINT, now=T0, grid=grid).number
    with svc.db.transaction() as session:
        session.execute(update(Staff).where(Staff.username == "worker01").values(openid=None))
    with app.app_context():
        assert repair_unreachable_owners() == {"repaired": 1, "unreachable": 0}
        assert repair_unreachable_owners() == {"repaired": 0, "unreachable": 0}
    with svc.db.sessions() as session:
        ticket = tickets.by_number(session, number)
        lines = [(e.action, e.body) for e in ticket.events][-3:]
        owner = (ticket.assignee.username, ticket.tier)
        pushed = session.scalars(select(Outbox.to_openid).where(Outbox.ticket_id == ticket.id)
                                 .order_by(Outbox.id)).all()
    assert owner == ("leader01", "grid_leader")
    assert lines == [("owner_unreachable", "原处理人网格员张伟未绑定微信"),
                     ("passed_over", "网格员张伟未绑定微信，已推送给网格长周建国"),
                     ("assigned", None)]
    assert pushed == ["o_worker_01", "o_leader_01"]


def test_a_ladder_with_nobody_bound_is_reported_once_not_on_every_check(app, svc, demo):
    from bot.checks import repair_unreachable_owners
    with svc.db.transaction() as session:
        session.execute(update(Staff).values(openid=None))
        ticket = tickets.open_ticket(session, resident=None, description="路灯坏了",
                                     triage=COMPLAINT, now=T0)
        assert ticket.assignee is None and ticket.status == "new"
    with app.app_context():
        for _ in range(3):
            assert repair_unreachable_owners() == {"repaired": 0, "unreachable": 1}
    with svc.db.sessions() as session:
        notes = session.scalars(select(TicketEvent.body).where(
            TicketEvent.action == "passed_over")).all()
    assert notes == ["区中心值班员未绑定微信，没有可推送的工作人员，请尽快安排值班"]


def test_duty_hours_choose_who_is_on_duty_now(svc, demo):
    with svc.db.transaction() as session:
        day = person(session, "district")
        day.duty_hours = owners.parse_duty_hours("8:00－20:00")
        night = Staff(username="night", name="夜班值班员", role="district", area=day.area,
                      openid="o_night", duty_hours=owners.parse_duty_hours("20:00-08:00"))
        session.add(night)
        session.flush()
        at_ten = tickets.open_ticket(session, resident=None, description="井盖丢了",
                                     triage=COMPLAINT, now=T0)
        at_midnight = tickets.open_ticket(session, resident=None, description="井盖丢了",
                                          triage=COMPLAINT, now=T0 + timedelta(hours=14))
        held = (at_ten.assignee.name, at_midnight.assignee.name)
        assert day.duty_hours == "08:00-20:00"
        session.rollback()
    assert held == ("区中心值班员", "夜班值班员")


def test_the_clock_hands_on_a_moved_workers_ticket_and_leaves_well_held_ones(app, svc, demo):
    """worker01 moved to another grid behind the console's back: the check hands their
    ticket on; tickets held by a community's grid leader or a department are left alone."""
    from bot.checks import repair_unreachable_owners
    with svc.db.transaction() as session:
        grid = session.scalar(select(Area).where(Area.code == demo.FIRST_GRID))
        moved = tickets.open_ticket(session, resident=None, description="路灯坏了",
                                    triage=COMPLAINT, now=T0, grid=grid)
        held = tickets.open_ticket(session, resident=None, description="垃圾没人清运",
                                   triage=COMPLAINT, now=T0, grid=grid)
        ladder.escalate(session, held, T0, reason="需要网格长协调")
        sent = tickets.open_ticket(session, resident=None, description="占道经营",
                                   triage=COMPLAINT, now=T0, grid=grid)
        ladder.transfer(session, sent, "城管", T0, by=person(session, "district"))
        numbers = moved.number, held.number, sent.number
    with svc.db.transaction() as session:
        elsewhere = session.scalar(select(Area.id).where(Area.code == "330199002002003"))
        session.execute(update(Staff).where(Staff.username == "worker01")
                        .values(area_id=elsewhere))
    with app.app_context():
        assert repair_unreachable_owners() == {"repaired": 1, "unreachable": 0}
    with svc.db.sessions() as session:
        holders = [tickets.by_number(session, n).assignee.username for n in numbers]
        [why] = session.scalars(select(TicketEvent.body).where(
            TicketEvent.action == "owner_unreachable")).all()
    assert holders == ["leader01", "leader01", "dept01"]  # grid 1 has no worker left
    assert why == "原处理人网格员张伟已调离"
