"""Who owns an open ticket: a person with a WeChat binding, who is told.

The ladder, from the level a ticket is at: grid worker (0) → grid leader (1) → community
station (2) → street centre (3) → district duty officer 区中心值班员 (4). A person counts at a
level when active, on duty now (the 值班 flag and, when set, its hours) and bound to WeChat;
a level with nobody like that is passed over, and why is kept for the timeline. Never the
admin account: it is nobody's phone. This module only chooses; store.tickets and store.ladder
record the choice and push the notice.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Area, Staff, Ticket
from store.registry import pick_worker, root_area
from store.vocab import CHINA, CONDUCT, ROLE_NAMES

# level → (tier name, how many steps up from the grid, roles that handle it there)
TIERS = {0: ("grid", 0, ("grid_worker",)), 1: ("grid_leader", 0, ("grid_leader",)),
         2: ("community", 1, ("community",)), 3: ("street", 2, ("street",)),
         4: ("district", 3, ("district",))}
TOP = max(TIERS)
ROLES = tuple(sorted({role for _, _, roles in TIERS.values() for role in roles}))
ROLE_LEVEL = {"grid_worker": 0, "grid_leader": 1, "community": 2, "street": 3, "district": 4,
              "admin": 4, "department": 4}
DUTY_ROLES = ("district", "street", "community")  # the levels that keep a 值班 roster
HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


def parse_duty_hours(text: str | None) -> str | None:
    """"8:00-20:00" / "08:00－20:00" → "08:00-20:00"; blank → None (all day); else ValueError."""
    text = (text or "").strip().replace("－", "-").replace("—", "-").replace("：", ":")
    if not text:
        return None
    text = re.sub(r"\b(\d):", r"0\1:", text.replace(" ", ""))
    match = HOURS.match(text)
    if match is None or text[:5] == text[6:]:
        raise ValueError("值班时间格式应为 08:00-20:00（跨夜可写 20:00-08:00）")
    return text


def within_hours(hours: str | None, now: datetime) -> bool:
    if not hours:
        return True
    local = now.astimezone(CHINA).strftime("%H:%M")
    start, end = hours[:5], hours[6:]
    return start <= local < end if start < end else (local >= start or local < end)


def on_duty_now(staff: Staff, now: datetime) -> bool:
    return bool(staff.active and staff.on_duty and within_hours(staff.duty_hours, now))


def reachable(staff: Staff | None) -> bool:
    """Someone a push reaches: an active account with WeChat bound."""
    return staff is not None and bool(staff.active) and bool(staff.openid)


def covers(staff: Staff, ticket: Ticket) -> bool:
    """The staff member's place still holds the ticket (they have not moved elsewhere)."""
    if staff.role in ("district", "admin"):
        return True
    if staff.role == "department":
        return ticket.tier == "department" and staff.department == ticket.department
    places = {a.id for a in ticket.grid.ancestors()} if ticket.grid is not None else set()
    return staff.area_id in places | {ticket.area_id}


def who(staff: Staff) -> str:
    """网格长周建国 / 幸福里社区工作站 / 区城管, for a timeline line."""
    role = ROLE_NAMES.get(staff.role, "") if staff.role != "department" else ""
    return staff.name if role in staff.name else f"{role}{staff.name}"


def why_not(staff: Staff) -> str:
    return "账号已停用" if not staff.active else "未绑定微信"


@dataclass
class Owner:
    """The choice: who is told (None: nobody reachable at all), at which level and area, the
    other reachable duty officers (an emergency tells them all), and who was passed over."""

    level: int
    area: Area | None
    staff: Staff | None
    others: list[Staff] = field(default_factory=list)
    passed_over: list[str] = field(default_factory=list)

    @property
    def tier(self) -> str:
        return TIERS[self.level][0]

    @property
    def why(self) -> str | None:
        """The timeline's reason when the owner is not the first one asked."""
        if not self.passed_over:
            return None
        told = f"已推送给{who(self.staff)}" if self.staff else "没有可推送的工作人员，请尽快安排值班"
        return "；".join(self.passed_over) + f"，{told}"


class Ladder:
    """Everyone on duty at every level above a batch of tickets, read in one query (the SLA
    sweep lifts hundreds at once), and the first reachable person from any level up.

    Read when first needed: a new ticket whose grid worker is reachable (nearly every one)
    needs nobody above them, and costs no query here."""

    def __init__(self, session: Session, tickets: list[Ticket], now: datetime):
        self.session, self.now, self.tickets = session, now, tickets

    @cached_property
    def root(self) -> Area | None:
        return root_area(self.session)

    @cached_property
    def staff(self) -> dict[int, list[Staff]]:
        areas = {self.root.id} if self.root is not None else set()
        for grid in {ticket.grid for ticket in self.tickets if ticket.grid is not None}:
            node = grid
            while node is not None and node.id not in areas:
                areas.add(node.id)
                node = node.parent
        staff: dict[int, list[Staff]] = defaultdict(list)
        for person in self.session.scalars(
                select(Staff).where(Staff.area_id.in_(areas), Staff.role.in_(ROLES),
                                    Staff.active.is_(True)).order_by(Staff.id)):
            staff[person.area_id].append(person)
        return staff

    def on_duty(self, area: Area | None, roles: tuple[str, ...]) -> list[Staff]:
        return [s for s in self.staff.get(area.id, ()) if s.role in roles
                and on_duty_now(s, self.now)] if area is not None else []

    def area_at(self, grid: Area | None, level: int) -> Area:
        if grid is None or level == TOP:
            return self.root
        area = grid
        for _ in range(TIERS[level][1]):
            area = area.parent or area
        return area

    def at(self, grid: Area | None, level: int) -> tuple[Area, list[Staff]]:
        """The area that holds a grid's ticket at a level, and who is on duty there (for the
        grid leader: of the grid, or else of its community)."""
        area = self.area_at(grid, level)
        if level == 1 and grid is not None:
            return area, (self.on_duty(grid, ("grid_leader",)) or
                          self.on_duty(grid.parent, ("grid_leader",)))
        return area, self.on_duty(area, TIERS[level][2])

    def owner(self, grid: Area | None, level: int, *, first: Staff | None = None,
              passed_over: list[str] | None = None) -> Owner:
        """`first` (the person chosen, if any) when reachable, else the first reachable person
        from `level` up; the district's officers off duty are the very last resort."""
        passed = list(passed_over or [])
        if first is not None:
            if reachable(first):
                return Owner(ROLE_LEVEL.get(first.role, level), None, first, [], passed)
            passed.append(f"{who(first)}{why_not(first)}")
        if grid is None:
            level = TOP
        for step in range(level, TOP + 1):
            area, staff = self.at(grid, step)
            bound = [s for s in staff if reachable(s)]
            if bound:
                return Owner(step, area, bound[0], bound[1:] if step == TOP else [], passed)
            names = "、".join(f"{who(s)}{why_not(s)}" for s in staff if s is not first)
            if names or first not in staff:
                passed.append(names or f"{_tier_name(step)}无人值班")
        spare = [s for s in self.staff.get(self.root.id, ()) if s.role == "district"
                 and reachable(s)] if self.root is not None else []
        return Owner(TOP, self.root, spare[0] if spare else None, [], passed)


CONDUCT_NOTE = "作风投诉不交网格员本人办理，由网格长办理"


def find_owner(session: Session, ticket: Ticket, now: datetime, *,
               first: Staff | None = None) -> Owner:
    """The owner of a ticket from the level it is at: `first` (a person an agent chose) when
    reachable; at the grid, its least busy bound worker; else the first reachable up."""
    ladder = Ladder(session, [ticket], now)
    if first is not None:
        return ladder.owner(ticket.grid, ROLE_LEVEL.get(first.role, TOP), first=first)
    if ticket.tier == "department":
        return ladder.owner(ticket.grid, TOP, first=department_handler(session,
                                                                        ticket.department))
    if ticket.grid is None or ticket.escalation_level > 0:
        return ladder.owner(ticket.grid, ticket.escalation_level)
    if ticket.category == CONDUCT and ticket.kind == "complaint":
        # A complaint about how staff work may be about the grid's own worker: it starts
        # with the grid leader, who answers for the worker; one that names the grid leader
        # (or someone above) starts with the tier above the one named.
        named = staff_named(session, ticket.description or "")
        level = ROLE_LEVEL.get(named.role, 0) + 1 if named is not None else 1
        if level > 1:
            return ladder.owner(ticket.grid, min(level, TOP),
                                passed_over=[f"作风投诉涉及{who(named)}，由上一级办理"])
        return ladder.owner(ticket.grid, 1, passed_over=[CONDUCT_NOTE])
    worker = pick_worker(session, ticket.grid)
    if worker is None:
        return ladder.owner(ticket.grid, 1, passed_over=["网格员无人在岗"])
    return ladder.owner(ticket.grid, 0, first=worker)


# The people a resident may praise by name: those who serve in the grids and above, not a
# department's or the administrator's account.
PRAISED_ROLES = ("grid_worker", "grid_leader", "community", "street", "district")


def staff_named(session: Session, words: str) -> Staff | None:
    """The one active staff member whose full name the words carry ("给网格员王芳点个赞"),
    the longest name first; None when none or several different people are named."""
    named = [staff for staff in session.scalars(select(Staff).where(
        Staff.role.in_(PRAISED_ROLES), Staff.active.is_(True)))
        if len(staff.name) >= 2 and staff.name in words]
    names = {staff.name for staff in named if not any(
        staff.name != other.name and staff.name in other.name for other in named)}
    if len(names) != 1:
        return None
    [name] = names
    return min((staff for staff in named if staff.name == name),
               key=lambda staff: (not reachable(staff), staff.id))


def departments(session: Session) -> list[str]:
    """The functional departments a ticket can be handed to (转办), by name."""
    return list(session.scalars(select(Staff.department).where(
        Staff.role == "department", Staff.active.is_(True)).distinct().order_by(Staff.department)))


# What a worker calls a department (物业 is not a government department: property firms are
# overseen by 住建), used only where the named department exists.
DEPARTMENT_WORDS = {"物业": "住建", "房管": "住建", "建设": "住建", "环保": "生态环境",
                    "环境": "生态环境", "工商": "市场监管", "食药": "市场监管", "市监": "市场监管",
                    "交通": "交警", "供电": "水电气", "电力": "水电气", "自来水": "水电气",
                    "供水": "水电气", "燃气": "水电气", "水务": "水电气"}
_SEPARATORS = " \t\u3000,，:：;；。、"
_OFFICE = re.compile(r"^(?:局|部门|大队|中队|科|委|办|所|站|公司)")


def department_named(session: Session, words: str) -> tuple[str, str] | None:
    """(department, reason) of a worker's "转 物业 楼上漏水属物业维修范围": the department named
    first (its exact name, a name it starts with, or a common word for it), then why."""
    words = words.strip(_SEPARATORS)
    known = departments(session)
    said = [(name, name) for name in known] + [
        (word, name) for word, name in DEPARTMENT_WORDS.items() if name in known]
    for word, name in sorted(said, key=lambda pair: len(pair[0]), reverse=True):
        if words.startswith(word):
            reason = _OFFICE.sub("", words[len(word):]).strip(_SEPARATORS)
            return name, reason
    return None


def department_handler(session: Session, department: str | None) -> Staff | None:
    """The department's account that receives its tickets: one with WeChat bound first."""
    return session.scalar(select(Staff).where(Staff.role == "department",
                                              Staff.department == department,
                                              Staff.active.is_(True))
                          .order_by(Staff.openid.is_(None), Staff.id))


def _tier_name(level: int) -> str:
    return {0: "网格员", 1: "网格长", 2: "社区工作站", 3: "街道分中心", 4: "区中心"}[level]


def duty_roster(session: Session, now: datetime) -> list[tuple[Area, list[Staff], list[Staff]]]:
    """Each district, street and community area with its duty staff: (area, on duty now and
    reachable, everyone of its duty role). The console warns where the first list is empty."""
    areas = list(session.scalars(select(Area).where(Area.level.in_(DUTY_ROLES))
                                 .order_by(Area.code)))
    staff: dict[int, list[Staff]] = defaultdict(list)
    for person in session.scalars(select(Staff).where(Staff.role.in_(DUTY_ROLES),
                                                      Staff.active.is_(True))
                                  .order_by(Staff.id)):
        if person.role == person.area.level:
            staff[person.area_id].append(person)
    return [(area, [s for s in staff[area.id] if on_duty_now(s, now) and reachable(s)],
             staff[area.id]) for area in areas]
