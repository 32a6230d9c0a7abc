"""Service teams and their members: who serves where, who may claim what, who is told.

A team belongs to a street or community (the area whose staff manage it) and covers areas
(that area itself, or some of its grids); it serves a grid when a covered area is the grid
or above it. Members are staff accounts (role `member`, or staff who also serve) linked by
TeamMember; they bind WeChat with the same one-time codes as staff (store.registry).
"""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import Session, selectinload

from store import owners, scope
from store.models import Area, Staff
from store.service_models import TEAM_KINDS, ServiceTeam, ServiceTeamArea, TeamMember
from store.tickets import TicketError

TEAM_LEVELS = ("street", "community")
CODE = re.compile(r"^[A-Za-z0-9_\-]{1,32}$")
KIND_BY_NAME = {**{k: k for k in TEAM_KINDS}, **{v: k for k, v in TEAM_KINDS.items()},
                "党员队": "party", "志愿队": "volunteer", "后盾": "backing", "社会组织队": "social"}


class TeamError(TicketError):
    """A change to a team that is not allowed; the message is Chinese and safe to show."""


def kind_of(text: str) -> str:
    kind = KIND_BY_NAME.get((text or "").strip())
    if kind is None:
        raise TeamError(f"服务队类型应为：{'、'.join(TEAM_KINDS.values())}")
    return kind


def check_coverage(home: Area, coverage: list[Area]) -> list[Area]:
    """The areas a team serves: its home itself by default, else areas inside its home."""
    if home.level not in TEAM_LEVELS:
        raise TeamError("服务队应属于一个街道或社区")
    if not coverage:
        return [home]
    for area in coverage:
        if not any(a.id == home.id for a in area.ancestors()):
            raise TeamError(f"{area.name}不在{home.name}辖区内")
    return list({a.id: a for a in coverage}.values())


def save_team(session: Session, *, code: str, name: str, kind: str, area: Area,
              coverage: list[Area], phone: str | None, now: datetime,
              team: ServiceTeam | None = None, active: bool = True) -> ServiceTeam:
    """Create a team, or change one (`team`); its coverage is replaced."""
    code, name = (code or "").strip(), (name or "").strip()
    if not CODE.match(code):
        raise TeamError("服务队编码为 1 到 32 位字母、数字、下划线或短横线")
    if not name or len(name) > 100:
        raise TeamError("请填写服务队名称（100 字以内）")
    other = session.scalar(select(ServiceTeam).where(ServiceTeam.code == code))
    if other is not None and other is not team:
        raise TeamError(f"服务队编码 {code} 已存在")
    areas = check_coverage(area, coverage)
    if team is None:
        team = ServiceTeam(created_at=now)
        session.add(team)
    team.code, team.name, team.kind, team.area = code, name, kind_of(kind), area
    team.phone, team.active = (phone or "").strip()[:20] or None, active
    wanted = {a.id for a in areas}
    team.coverage = [c for c in team.coverage if c.area_id in wanted] + [
        ServiceTeamArea(area=a) for a in areas if a.id not in {c.area_id for c in team.coverage}]
    session.flush()
    return team


def add_member(session: Session, team: ServiceTeam, staff: Staff, now: datetime, *,
               leader: bool = False) -> TeamMember:
    """Put a staff member in a team (again, if they had left it)."""
    if not staff.active:
        raise TeamError(f"{staff.name}的账号已停用")
    member = session.scalar(select(TeamMember).where(TeamMember.team_id == team.id,
                                                     TeamMember.staff_id == staff.id))
    if member is None:
        member = TeamMember(team=team, staff=staff, joined_at=now)
        session.add(member)
    member.active, member.leader = True, leader
    session.flush()
    return member


def new_member(session: Session, team: ServiceTeam, *, username: str, name: str,
               phone: str | None, now: datetime, leader: bool = False) -> TeamMember:
    """A person who serves only in teams: an account of role `member` in the team's area,
    with no password (they bind WeChat with a code; a manager may give them a login)."""
    from store.staffing import create_staff
    staff = create_staff(session, username=username, name=name, role="member", area=team.area,
                         password_hash=None, phone=phone, department=None, now=now)
    return add_member(session, team, staff, now, leader=leader)


def remove_member(member: TeamMember) -> None:
    """Leaving a team keeps the claims and hours already logged."""
    member.active = False


def serving(session: Session, grid: Area, within: Area | None = None) -> list[ServiceTeam]:
    """The active teams serving a grid (a covered area is the grid or above it); `within`:
    also every team serving any area inside that one (a community widens the net)."""
    places = [a.id for a in grid.ancestors()]
    query = select(ServiceTeamArea.team_id).where(ServiceTeamArea.area_id.in_(places))
    if within is not None:
        query = query.union(select(ServiceTeamArea.team_id).where(
            ServiceTeamArea.area_id.in_(scope.area_ids_under(session, within.id))))
    ids = set(session.scalars(query))
    return list(session.scalars(select(ServiceTeam).where(ServiceTeam.id.in_(ids),
                                                          ServiceTeam.active.is_(True))
                                .order_by(ServiceTeam.id))) if ids else []


def reachable_members(session: Session, teams: list[ServiceTeam]) -> list[tuple[Staff, int]]:
    """(member, team id) of everyone a push reaches in these teams, each person once."""
    if not teams:
        return []
    seen, found = set(), []
    for member in session.scalars(
            select(TeamMember).where(TeamMember.team_id.in_([t.id for t in teams]),
                                     TeamMember.active.is_(True))
            .options(selectinload(TeamMember.staff)).order_by(TeamMember.id)):
        if owners.reachable(member.staff) and member.staff_id not in seen:
            seen.add(member.staff_id)
            found.append((member.staff, member.team_id))
    return found


def memberships(session: Session, staff: Staff) -> list[TeamMember]:
    """The teams a person serves in now (active membership of an active team)."""
    return list(session.scalars(
        select(TeamMember).join(ServiceTeam).where(TeamMember.staff_id == staff.id,
                                                   TeamMember.active.is_(True),
                                                   ServiceTeam.active.is_(True))
        .options(selectinload(TeamMember.team)).order_by(TeamMember.id)))


def visible_teams(session: Session, staff: Staff) -> Select:
    """The teams a staff member sees: those belonging to their area or below it, and those
    serving their area from above (a grid worker sees the teams serving the grid)."""
    query = select(ServiceTeam)
    if staff.role in scope.SEES_EVERYTHING:
        return query
    if staff.role == "member":
        return query.where(ServiceTeam.id.in_(
            select(TeamMember.team_id).where(TeamMember.staff_id == staff.id,
                                             TeamMember.active.is_(True))))
    if staff.role == "department":
        return query.where(false())
    above = [a.id for a in staff.area.ancestors()]
    return query.where(or_(
        ServiceTeam.area_id.in_(scope.area_ids_under(session, staff.area_id)),
        ServiceTeam.id.in_(select(ServiceTeamArea.team_id)
                           .where(ServiceTeamArea.area_id.in_(above)))))


def manages(session: Session, staff: Staff, team: ServiceTeam) -> bool:
    """Whether a manager may change the team: it belongs to their area or below it."""
    return staff.role in scope.SEES_EVERYTHING or (
        staff.role not in ("member", "department")
        and team.area_id in scope.area_ids_under(session, staff.area_id))


def by_code(session: Session, code: str) -> ServiceTeam | None:
    return session.scalar(select(ServiceTeam).where(ServiceTeam.code == code.strip()))
