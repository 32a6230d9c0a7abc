"""Import and export of buildings (楼栋, with their units) and staff, as CSV.

See store/areas_io.py for the rules every import follows."""
from __future__ import annotations

import re
from typing import IO

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from store.import_rows import (
    BUILDING_COLUMNS,
    BUILDING_NUMBER,
    MAX_UNITS,
    ROLE_LEVEL,
    STAFF_COLUMNS,
    ImportReport,
    RowError,
    Rows,
    bulk_update,
    chunks,
    format_number,
    parse_flag,
    parse_int,
    parse_phone,
    parse_point,
)
from store import csvfile
from store.models import STAFF_ROLES, Area, Building, BuildingUnit, Staff

# --- buildings and units -------------------------------------------------------------------

def import_buildings(session: Session, stream: IO[str],
                     source: str = "buildings.csv") -> ImportReport:
    """Buildings from CSV: code,estate,number[,units,address,households,lng,lat].

    The code is the grid's 15 digits + 3; `units` is how many units (单元) it has, and
    units 1..N get the building's code + 2 digits.
    """
    rows = Rows(stream, source, ("code", "estate", "number"), BUILDING_COLUMNS)
    given = set(rows.header)
    grids = dict(session.execute(select(Area.code, Area.id).where(Area.level == "grid")).all())
    existing = {b.code: b for b in session.execute(
        select(Building.id, Building.code, Building.grid_id, Building.estate, Building.number,
               Building.address, Building.households, Building.lng, Building.lat)).all()}
    unit_numbers: dict[int, set[int]] = {}
    for building_id, number in session.execute(select(BuildingUnit.building_id,
                                                      BuildingUnit.number)):
        unit_numbers.setdefault(building_id, set()).add(number)
    parsed, first_line, errors = {}, {}, []
    for line, row in rows:
        try:
            code = row["code"]
            if not code.isascii() or not code.isdigit() or len(code) != 18:
                raise ValueError(f"code {code!r} is not 18 digits (grid code + 3)")
            if code in first_line:
                raise ValueError(f"code {code} repeats line {first_line[code]}")
            if code[:15] not in grids:
                raise ValueError(f"grid {code[:15]} of building {code} is not registered")
            if not row["estate"] or len(row["estate"]) > 64:
                raise ValueError("estate must be 1 to 64 characters")
            number = row["number"].removesuffix("栋").removesuffix("幢").removesuffix("号楼")
            if not BUILDING_NUMBER.match(number):
                raise ValueError(f"number {row['number']!r} is not a building number like 3")
            values = {"code": code, "grid_id": grids[code[:15]], "estate": row["estate"],
                      "number": number}
            if "address" in given:
                if len(row["address"]) > 128:
                    raise ValueError("address is longer than 128 characters")
                values["address"] = row["address"] or None
            if "households" in given:
                values["households"] = (parse_int(row["households"], "households")
                                        if row["households"] else None)
            if "lng" in given or "lat" in given:
                values["lng"], values["lat"] = parse_point(row, "lng", "lat")
            units = None
            if "units" in given:
                units = parse_int(row["units"] or "0", "units", 0, MAX_UNITS)
        except ValueError as error:
            errors.append(RowError(line, str(error)))
            continue
        first_line[code] = line
        parsed[code] = (values, units)
    rows.fail_if_errors(errors)

    report = ImportReport("buildings")
    creates, updates, ids = [], [], {}
    for code, (values, _units) in parsed.items():
        old = existing.get(code)
        if old is None:
            creates.append(values)
            continue
        ids[code] = old.id
        changes = {key: value for key, value in values.items()
                   if key != "code" and getattr(old, key) != value}
        if changes.get("active") is False:  # deactivated: every session of theirs ends
            changes["session_version"] = (old.session_version or 0) + 1
        if changes:
            updates.append({"id": old.id, **changes})
    for chunk in chunks(creates, 5000):
        for new_id, code in session.execute(insert(Building).returning(Building.id,
                                                                       Building.code), chunk):
            ids[code] = new_id
    bulk_update(session, Building, updates)
    unit_rows, unit_drops, touched = [], [], set()
    for code, (_values, units) in parsed.items():
        if units is None:
            continue
        have = unit_numbers.get(ids[code], set())
        want = set(range(1, units + 1))
        for number in sorted(want - have):
            unit_rows.append({"code": f"{code}{number:02d}", "building_id": ids[code],
                              "number": number})
        drops = have - want
        if drops:
            unit_drops.append((ids[code], drops))
        if want != have:
            touched.add(code)
    for building_id, drops in unit_drops:
        session.execute(delete(BuildingUnit).where(BuildingUnit.building_id == building_id,
                                                   BuildingUnit.number.in_(drops)))
    for chunk in chunks(unit_rows, 5000):
        session.execute(insert(BuildingUnit), chunk)
    report.created = len(creates)
    updated = {row["id"] for row in updates} | {ids[code] for code in touched
                                                if existing.get(code) is not None}
    report.updated = len(updated)
    report.unchanged = len(parsed) - report.created - report.updated
    report.details["units created"] = len(unit_rows)
    session.flush()
    return report


def export_buildings(session: Session, stream: IO[str], under: str | None = None) -> int:
    writer = csvfile.writer(stream, lineterminator="\n")
    writer.writerow(BUILDING_COLUMNS)
    counts = dict(session.execute(select(BuildingUnit.building_id, func.count())
                                  .group_by(BuildingUnit.building_id)).all())
    query = select(Building).order_by(Building.code)
    if under:
        query = query.where(Building.code.startswith(under))
    written = 0
    for building in session.scalars(query.execution_options(yield_per=2000)):
        writer.writerow([building.code, building.estate, building.number,
                         counts.get(building.id, 0), building.address or "",
                         "" if building.households is None else building.households,
                         format_number(building.lng), format_number(building.lat)])
        written += 1
    return written


# --- staff ---------------------------------------------------------------------------------

def import_staff(session: Session, stream: IO[str], source: str = "staff.csv",
                 now=None) -> ImportReport:
    """Staff from CSV: username,name,role,area_code[,phone,department,active].

    Passwords and WeChat bindings are never imported: a console account gets its password
    from `griddesk create-user` or an admin; a worker binds WeChat with a one-time code.
    """
    rows = Rows(stream, source, ("username", "name", "role", "area_code"), STAFF_COLUMNS)
    given = set(rows.header)
    areas = {row.code: row for row in session.execute(select(Area.id, Area.code, Area.level))}
    existing = {s.username: s for s in session.execute(
        select(Staff.id, Staff.username, Staff.name, Staff.role, Staff.area_id, Staff.phone,
               Staff.department, Staff.active, Staff.session_version)).all()}
    parsed, first_line, errors = {}, {}, []
    for line, row in rows:
        try:
            username = row["username"]
            if not re.fullmatch(r"[A-Za-z0-9_.@\-]{1,64}", username):
                raise ValueError(f"username {username!r} must be 1 to 64 letters, digits "
                                 "or _.@-")
            if username in first_line:
                raise ValueError(f"username {username} repeats line {first_line[username]}")
            if not row["name"] or len(row["name"]) > 64:
                raise ValueError("name must be 1 to 64 characters")
            role = row["role"]
            if role not in STAFF_ROLES:
                raise ValueError(f"role {role!r} is not one of {', '.join(STAFF_ROLES)}")
            area = areas.get(row["area_code"])
            if area is None:
                raise ValueError(f"area {row['area_code']!r} is not registered")
            if ROLE_LEVEL.get(role, area.level) != area.level:
                raise ValueError(f"a {role} belongs to a {ROLE_LEVEL[role]}, and "
                                 f"{area.code} is a {area.level}")
            values = {"username": username, "name": row["name"], "role": role,
                      "area_id": area.id}
            if "phone" in given:
                values["phone"] = parse_phone(row)
            if "department" in given:
                if len(row["department"]) > 32:
                    raise ValueError("department is longer than 32 characters")
                values["department"] = row["department"] or None
            if role == "department" and not values.get("department") and \
                    (username not in existing or "department" in given):
                raise ValueError("a department account needs its department")
            if "active" in given:
                values["active"] = parse_flag(row, "active")
        except ValueError as error:
            errors.append(RowError(line, str(error)))
            continue
        first_line[username] = line
        parsed[username] = values
    rows.fail_if_errors(errors)

    report = ImportReport("staff")
    creates, updates = [], []
    for username, values in parsed.items():
        old = existing.get(username)
        if old is None:
            creates.append({"active": True, "on_duty": True, **values,
                            **({"created_at": now} if now else {})})
            continue
        changes = {key: value for key, value in values.items()
                   if key != "username" and getattr(old, key) != value}
        if changes.get("active") is False:  # deactivated: every session of theirs ends
            changes["session_version"] = (old.session_version or 0) + 1
        if changes:
            updates.append({"id": old.id, **changes})
        else:
            report.unchanged += 1
    for chunk in chunks(creates, 5000):
        session.execute(insert(Staff), chunk)
    bulk_update(session, Staff, updates)
    report.created, report.updated = len(creates), len(updates)
    session.flush()
    return report


def export_staff(session: Session, stream: IO[str], under: str | None = None) -> int:
    writer = csvfile.writer(stream, lineterminator="\n")
    writer.writerow(STAFF_COLUMNS)
    query = (select(Staff.username, Staff.name, Staff.role, Area.code, Staff.phone,
                    Staff.department, Staff.active)
             .join(Area, Staff.area_id == Area.id).order_by(Staff.username))
    if under:
        query = query.where(Area.code.startswith(under))
    written = 0
    for username, name, role, code, phone, department, active in session.execute(query):
        writer.writerow([username, name, role, code, phone or "", department or "",
                         "yes" if active else "no"])
        written += 1
    return written
