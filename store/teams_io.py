"""Import and export of service teams and their members, as CSV, by the registry's rules
(store/areas_io.py): all or nothing with every bad line named, an upsert keyed by code
(teams) or team and username (members), idempotent, absent rows and columns left alone.

teams.csv:   code,name,kind,area_code[,coverage,phone,active]
             kind: party/volunteer/backing/social or 党员先锋队/志愿服务队/后盾单位/社会组织;
             area_code: the street or community the team belongs to; coverage: the areas it
             serves inside it, separated by spaces or semicolons (empty: the whole area).
members.csv: team_code,username,name[,phone,leader,active]
             a new username is an account of role `member` in the team's area (no password:
             they bind WeChat with a code); an existing staff account simply joins the team.
"""
from __future__ import annotations

import re
from typing import IO, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from store import csvfile
from store.import_rows import ImportReport, RowError, Rows, parse_flag, parse_phone
from store.models import Area, Staff
from store.service_models import TEAM_KINDS, ServiceTeam, ServiceTeamArea, TeamMember
from store.teams import CODE, KIND_BY_NAME, TEAM_LEVELS
from store.vocab import mask_phone

TEAM_COLUMNS = ("code", "name", "kind", "area_code", "coverage", "phone", "active")
MEMBER_COLUMNS = ("team_code", "username", "name", "phone", "leader", "active")
USERNAME = re.compile(r"^[A-Za-z0-9_.@\-]{1,64}$")


def import_teams(session: Session, stream: IO[str], source: str = "teams.csv",
                 now=None) -> ImportReport:
    rows = Rows(stream, source, ("code", "name", "kind", "area_code"), TEAM_COLUMNS)
    given = set(rows.header)
    areas = {a.code: a for a in session.execute(select(Area.id, Area.code, Area.level))}
    existing = {t.code: t for t in session.scalars(
        select(ServiceTeam).options(selectinload(ServiceTeam.coverage)))}
    parsed, first_line, errors = {}, {}, []
    for line, row in rows:
        try:
            code = row["code"]
            if not CODE.match(code):
                raise ValueError(f"code {code!r} must be 1 to 32 letters, digits, _ or -")
            if code in first_line:
                raise ValueError(f"code {code} repeats line {first_line[code]}")
            if not row["name"] or len(row["name"]) > 100:
                raise ValueError("name must be 1 to 100 characters")
            if row["kind"] not in KIND_BY_NAME:
                raise ValueError(f"kind {row['kind']!r} is not one of "
                                 f"{', '.join(TEAM_KINDS)} ({'/'.join(TEAM_KINDS.values())})")
            home = areas.get(row["area_code"])
            if home is None or home.level not in TEAM_LEVELS:
                raise ValueError(f"area {row['area_code']!r} is not a registered street or "
                                 "community")
            values = {"name": row["name"], "kind": KIND_BY_NAME[row["kind"]],
                      "area_id": home.id}
            if "coverage" in given:
                codes = [c for c in re.split(r"[\s;；,，]+", row["coverage"]) if c]
                for covered in codes:
                    if covered not in areas or not covered.startswith(home.code):
                        raise ValueError(f"coverage {covered!r} is not an area inside "
                                         f"{home.code}")
                values["coverage"] = sorted({areas[c].id for c in codes} or {home.id})
            if "phone" in given:
                values["phone"] = parse_phone(row)
            if "active" in given:
                values["active"] = parse_flag(row, "active", True)
        except ValueError as error:
            errors.append(RowError(line, str(error)))
            continue
        first_line[code] = line
        parsed[code] = values
    rows.fail_if_errors(errors)
    report = ImportReport("teams")
    for code, values in parsed.items():
        team = existing.get(code)
        coverage = values.pop("coverage", None)
        if team is None:
            team = ServiceTeam(code=code, active=True, **values,
                               **({"created_at": now} if now else {}))
            session.add(team)
            coverage = coverage or [values["area_id"]]
            report.created += 1
        else:
            changed = any(getattr(team, key) != value for key, value in values.items())
            for key, value in values.items():
                setattr(team, key, value)
            if coverage is not None and sorted(c.area_id for c in team.coverage) == coverage:
                coverage = None
            report.updated += changed or coverage is not None
            report.unchanged += not (changed or coverage is not None)
        if coverage is not None:
            team.coverage = [ServiceTeamArea(area_id=area_id) for area_id in coverage]
    session.flush()
    return report


def import_members(session: Session, stream: IO[str], source: str = "members.csv",
                   now=None) -> ImportReport:
    rows = Rows(stream, source, ("team_code", "username", "name"), MEMBER_COLUMNS)
    given = set(rows.header)
    team_ids = dict(session.execute(select(ServiceTeam.code, ServiceTeam.id)).all())
    team_areas = dict(session.execute(select(ServiceTeam.id, ServiceTeam.area_id)).all())
    parsed, first_line, errors = [], {}, []
    for line, row in rows:
        try:
            key = (row["team_code"], row["username"])
            if row["team_code"] not in team_ids:
                raise ValueError(f"team {row['team_code']!r} is not registered (import teams "
                                 "first)")
            if not USERNAME.match(row["username"]):
                raise ValueError(f"username {row['username']!r} must be 1 to 64 letters, "
                                 "digits or _.@-")
            if key in first_line:
                raise ValueError(f"{key[1]} in {key[0]} repeats line {first_line[key]}")
            if not row["name"] or len(row["name"]) > 64:
                raise ValueError("name must be 1 to 64 characters")
            values = {"team_id": team_ids[row["team_code"]], "username": row["username"],
                      "name": row["name"]}
            if "phone" in given:
                values["phone"] = parse_phone(row)
            if "leader" in given:
                values["leader"] = parse_flag(row, "leader", False)
            if "active" in given:
                values["active"] = parse_flag(row, "active", True)
        except ValueError as error:
            errors.append(RowError(line, str(error)))
            continue
        first_line[key] = line
        parsed.append(values)
    rows.fail_if_errors(errors)
    report = ImportReport("members")
    names = {v["username"] for v in parsed}
    staff = {s.username: s for s in session.scalars(select(Staff).where(
        Staff.username.in_(names)))} if names else {}
    memberships = {(m.team_id, m.staff_id): m for m in session.scalars(select(TeamMember))}
    accounts = 0
    for values in parsed:
        person = staff.get(values["username"])
        changed = False
        if person is None:
            person = Staff(username=values["username"], name=values["name"], role="member",
                           area_id=team_areas[values["team_id"]], phone=values.get("phone"),
                           active=True, on_duty=True, **({"created_at": now} if now else {}))
            session.add(person)
            session.flush()
            staff[person.username], accounts, changed = person, accounts + 1, True
        elif person.role == "member":  # other staff keep their own name and phone
            for key in ("name", "phone"):
                if key in values and getattr(person, key) != values[key]:
                    setattr(person, key, values[key])
                    changed = True
        member = memberships.get((values["team_id"], person.id))
        if member is None:
            member = TeamMember(team_id=values["team_id"], staff_id=person.id,
                                leader=False, active=True, **({"joined_at": now} if now else {}))
            session.add(member)
            memberships[(values["team_id"], person.id)] = member
            report.created += 1
        for key in ("leader", "active"):
            if key in values and getattr(member, key) != values[key]:
                setattr(member, key, values[key])
                changed = True
        if member in session.new:
            continue
        report.updated += changed
        report.unchanged += not changed
    report.details["member accounts created"] = accounts
    session.flush()
    return report


def export_teams(session: Session, stream: IO[str], under: str | None = None) -> int:
    writer = csvfile.writer(stream, lineterminator="\n")
    writer.writerow(TEAM_COLUMNS)
    codes = dict(session.execute(select(Area.id, Area.code)).all())
    query = (select(ServiceTeam).join(Area, ServiceTeam.area_id == Area.id)
             .options(selectinload(ServiceTeam.coverage)).order_by(ServiceTeam.code))
    if under:
        query = query.where(Area.code.startswith(under))
    written = 0
    for team in session.scalars(query):
        coverage = sorted(codes[c.area_id] for c in team.coverage)
        writer.writerow([team.code, team.name, team.kind, codes[team.area_id],
                         "" if coverage == [codes[team.area_id]] else " ".join(coverage),
                         team.phone or "", "yes" if team.active else "no"])
        written += 1
    return written


def export_members(session: Session, stream: IO[str], under: str | None = None, *,
                   whole_phones: Callable[[int, int], bool] | None = None) -> int:
    """Members of the teams under an area code. `whole_phones(staff_id, area_id)` says whose
    phone the reader may see whole (None: everyone's, the CLI); the rest read 135****0001."""
    writer = csvfile.writer(stream, lineterminator="\n")
    writer.writerow(MEMBER_COLUMNS)
    query = (select(ServiceTeam.code, Staff.username, Staff.name, Staff.phone,
                    TeamMember.leader, TeamMember.active, Staff.id, Staff.area_id)
             .join(ServiceTeam, TeamMember.team_id == ServiceTeam.id)
             .join(Staff, TeamMember.staff_id == Staff.id)
             .join(Area, ServiceTeam.area_id == Area.id)
             .order_by(ServiceTeam.code, TeamMember.id))
    if under:
        query = query.where(Area.code.startswith(under))
    written = 0
    for code, username, name, phone, leader, active, staff_id, area_id in session.execute(query):
        if phone and whole_phones is not None and not whole_phones(staff_id, area_id):
            phone = mask_phone(phone)
        writer.writerow([code, username, name, phone or "", "yes" if leader else "no",
                         "yes" if active else "no"])
        written += 1
    return written
