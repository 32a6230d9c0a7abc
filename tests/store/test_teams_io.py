"""Service teams and members from CSV: all or nothing, idempotent, read back as written,
and the month's figures drawn with the bar (后盾单位: 2 visits and 4 hours a month)."""
import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from store import areas_io, service_figures, teams
from store.areas_io import ImportFailed
from store.models import Staff, Ticket
from store.service_models import ServiceClaim, ServiceOrder, ServiceTeam
from store.tickets import Triage, open_ticket

from tests.support import count

TEAMS = """code,name,kind,area_code,coverage,phone
Q1,区民政局后盾单位,后盾单位,330199001002,330199001002001;330199001002003,13600000001
Q2,和平社区党员先锋队,party,330199001002,,
"""
MEMBERS = """team_code,username,name,phone,leader
Q1,mz01,陈立,13600000011,yes
Q1,mz02,黄丽,,no
Q2,mz01,陈立,13600000011,no
Q2,worker05,陈静,,no
"""


def load(svc, kind, text):
    with svc.db.transaction() as session:
        return areas_io.IMPORTERS[kind](session, io.StringIO(text), f"{kind}.csv",
                                        now=svc.now())


def export(svc, kind) -> str:
    out = io.StringIO()
    with svc.db.sessions() as session:
        areas_io.EXPORTERS[kind](session, out, "330199001002")
    return out.getvalue()


def test_teams_and_members_import_once_and_read_back_as_written(svc, demo):
    assert str(load(svc, "teams", TEAMS)).startswith("teams: 2 created")
    report = load(svc, "members", MEMBERS)
    assert (report.created, report.details["member accounts created"]) == (4, 2)
    assert (load(svc, "teams", TEAMS).unchanged, load(svc, "members", MEMBERS).unchanged) == (2, 4)
    with svc.db.sessions() as session:
        chen = session.scalar(select(Staff).where(Staff.username == "mz01"))
        assert (chen.role, chen.area.name, chen.password_hash) == ("member", "和平社区", None)
        worker = session.scalar(select(Staff).where(Staff.username == "worker05"))
        assert worker.role == "grid_worker"  # an existing account joins, keeps its role
        grid = session.scalar(select(ServiceTeam).where(ServiceTeam.code == "Q1")).coverage
        assert sorted(c.area.name for c in grid) == ["和平第1网格", "和平第3网格"]
    written = export(svc, "teams")
    assert "Q1,区民政局后盾单位,backing,330199001002,330199001002001 330199001002003" in written
    assert load(svc, "teams", written).unchanged == 3  # with the demo's T003
    assert load(svc, "members", export(svc, "members")).changed == 0


def test_a_bad_file_names_every_bad_line_and_imports_nothing(svc, demo):
    bad = ("code,name,kind,area_code,coverage\n"
           "Q9,好队,后盾单位,330199001002,330199001001001\n"  # a grid of another community
           "Q8,坏类型,cleaners,330199001002,\n"
           "Q7,网格不是社区,party,330199001002001,\n")
    with pytest.raises(ImportFailed) as failure:
        load(svc, "teams", bad)
    text = str(failure.value)
    assert "line 2: coverage '330199001001001' is not an area inside 330199001002" in text
    assert "line 3: kind 'cleaners'" in text and "line 4: area '330199001002001'" in text
    with pytest.raises(ImportFailed, match="line 2: team 'NOPE' is not registered"):
        load(svc, "members", "team_code,username,name\nNOPE,x1,某某\n")
    assert count(svc, ServiceTeam) == 4  # the demo's only


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour - 8, 0, tzinfo=timezone.utc)  # China time


def test_the_bar_is_two_visits_and_four_hours_in_the_month(svc, demo):
    """孙红: 2 visits of 2 h (on the bar); 钱程: 2 visits, 3 h 50 min (under); 周敏: none;
    a visit in October counts for October."""
    with svc.db.transaction() as session:
        team = teams.by_code(session, "T002")
        staff = {m.staff.name: m.staff for m in team.members}
        def order(day):  # one order a visit (a member takes an order once)
            ticket = open_ticket(session, resident=None, description="代办", now=at(day, 8),
                                 triage=Triage(kind="help"), grid=team.coverage[0].area)
            return ServiceOrder(ticket=ticket, kind="paperwork", status="done",
                                created_at=at(day, 8))
        for name, visits in (("孙红", ((3, 120), (20, 120))), ("钱程", ((4, 120), (21, 110)))):
            for day, minutes in visits:
                session.add(ServiceClaim(order=order(day), staff=staff[name], team=team,
                                         claimed_at=at(day, 8), check_in_at=at(day, 9),
                                         check_out_at=at(day, 9) + timedelta(minutes=minutes),
                                         minutes=minutes))
        october = at(1, 8) - timedelta(days=2)
        session.add(ServiceClaim(order=order(1), staff=staff["周敏"], team=team,
                                 claimed_at=october, check_in_at=october, minutes=300))
    with svc.db.sessions() as session:
        team = teams.by_code(session, "T002")
        start, end, label = service_figures.month_bounds("2026-11", at(1, 9).date())
        month = service_figures.figures(session, [team], select(Ticket), start, end,
                                        bar_visits=2, bar_hours=4)
    people = {p.name: (p.visits, p.minutes, p.below) for p in month.people}
    assert people == {"孙红": (2, 240, False), "钱程": (2, 230, True), "周敏": (0, 0, True)}
    [unit] = month.units
    assert (unit.members, unit.visits, unit.hours, unit.below) == (3, 4, 7.8, 2)
    assert label == "2026-11" and [p.name for p in month.below] == ["钱程", "周敏"]
