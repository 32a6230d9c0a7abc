"""Import and export of the registry: areas, buildings and staff as CSV, grid polygons as GeoJSON.

Every import is all or nothing: the whole file is read and checked first, and a file with
any bad row raises ImportFailed (each error with its line number and reason) before a single
row is written. A file that passes is applied as an upsert keyed by code (username for
staff): new rows are created, changed rows updated, identical rows left alone, so importing
the same file twice changes nothing. Rows absent from a file are never deleted, and a
column absent from a file's header is left as it is in the database.

Codes follow the national pattern: district 6 digits + street 3 + community 3 + grid 3
(15 digits); a building adds 3 digits to its grid's code and a unit 2 to its building's.
Written for a province (28,142 grids, ~75,000 staff): each file costs a handful of queries
and bulk statements, not one per row.
"""
from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass, field
from typing import IO, Iterable, Iterator

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from store.models import STAFF_ROLES, Area, Building, BuildingUnit, Staff

LEVEL_BY_LENGTH = {6: "district", 9: "street", 12: "community", 15: "grid"}
LEVEL_ORDER = ("district", "street", "community", "grid")
GRID_KINDS = {"base": "base", "基础": "base", "基础网格": "base",
              "special": "special", "专属": "special", "专属网格": "special",
              "专项": "special", "专项网格": "special"}
# Which level of area each role belongs to (admin and department may sit anywhere).
ROLE_LEVEL = {"district": "district", "street": "street", "community": "community",
              "grid_leader": "grid", "grid_worker": "grid"}
PHONE = re.compile(r"^\+?[0-9][0-9\-]{5,19}$")
BUILDING_NUMBER = re.compile(r"^[0-9A-Za-z\-]{1,16}$")
MAX_UNITS = 99
SHOWN_ERRORS = 50

AREA_COLUMNS = ("code", "name", "level", "kind", "households", "center_lng", "center_lat")
BUILDING_COLUMNS = ("code", "estate", "number", "units", "address", "households", "lng", "lat")
STAFF_COLUMNS = ("username", "name", "role", "area_code", "phone", "department", "active")


@dataclass(frozen=True)
class RowError:
    line: int | str  # the CSV line (1 is the header), or "feature 3" in GeoJSON
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" if isinstance(self.line, int) else str(self.line)
        return f"{where}: {self.reason}"


class ImportFailed(Exception):
    """A file with bad rows: nothing of it was imported."""

    def __init__(self, source: str, errors: list[RowError]):
        self.source = source
        self.errors = errors
        shown = "\n".join(f"  {error}" for error in errors[:SHOWN_ERRORS])
        more = (f"\n  ... and {len(errors) - SHOWN_ERRORS} more"
                if len(errors) > SHOWN_ERRORS else "")
        super().__init__(f"{source}: {len(errors)} bad row(s), nothing imported\n{shown}{more}")


@dataclass
class ImportReport:
    what: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    details: dict = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return self.created + self.updated

    def __str__(self) -> str:
        extra = "".join(f", {key} {value}" for key, value in self.details.items())
        return (f"{self.what}: {self.created} created, {self.updated} updated, "
                f"{self.unchanged} unchanged{extra}")


# --- reading -------------------------------------------------------------------------------

class _Rows:
    """The rows of a CSV file as (line number, {column: stripped text}), header checked."""

    def __init__(self, stream: IO[str], source: str, required: tuple, known: tuple):
        self.source = source
        self.reader = csv.reader(stream)
        self.errors: list[RowError] = []
        try:
            header = next(self.reader)
        except StopIteration:
            raise ImportFailed(source, [RowError(1, "empty file: no header")]) from None
        header = [name.strip().lstrip("\ufeff").lower() for name in header]
        missing = [name for name in required if name not in header]
        unknown = [name for name in header if name and name not in known]
        dupes = sorted({name for name in header if header.count(name) > 1})
        problems = []
        if missing:
            problems.append(f"missing column(s): {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown column(s): {', '.join(unknown)} "
                            f"(known: {', '.join(known)})")
        if dupes:
            problems.append(f"repeated column(s): {', '.join(dupes)}")
        if problems:
            raise ImportFailed(source, [RowError(1, "; ".join(problems))])
        self.header = header

    def __iter__(self) -> Iterator[tuple[int, dict]]:
        width = len(self.header)
        try:
            for cells in self.reader:
                line = self.reader.line_num
                if not any(cell.strip() for cell in cells):
                    continue  # blank lines are allowed
                if len(cells) != width:
                    self.errors.append(RowError(
                        line, f"{len(cells)} cells where the header has {width}"))
                    continue
                yield line, {name: cell.strip() for name, cell in zip(self.header, cells)}
        except csv.Error as error:
            self.errors.append(RowError(self.reader.line_num, f"unreadable CSV: {error}"))

    def fail_if_errors(self, more: list[RowError] = ()) -> None:
        errors = sorted([*self.errors, *more],
                        key=lambda e: e.line if isinstance(e.line, int) else 0)
        if errors:
            raise ImportFailed(self.source, errors)


def _int(text: str, what: str, low: int = 0, high: int = 10**7) -> int:
    if not re.fullmatch(r"[0-9]+", text):
        raise ValueError(f"{what} must be a whole number, not {text!r}")
    value = int(text)
    if not low <= value <= high:
        raise ValueError(f"{what} must be between {low} and {high}, not {value}")
    return value


def _coordinate(text: str, what: str, limit: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{what} must be a number, not {text!r}") from None
    if not math.isfinite(value) or not -limit <= value <= limit:
        raise ValueError(f"{what} must be between {-limit} and {limit}, not {text}")
    return value


def _point(row: dict, lng_key: str, lat_key: str) -> tuple[float | None, float | None]:
    lng, lat = row.get(lng_key, ""), row.get(lat_key, "")
    if bool(lng) != bool(lat):
        raise ValueError(f"give both {lng_key} and {lat_key}, or neither")
    if not lng:
        return None, None
    return _coordinate(lng, lng_key, 180), _coordinate(lat, lat_key, 90)


# --- areas ---------------------------------------------------------------------------------

def import_areas(session: Session, stream: IO[str], source: str = "areas.csv") -> ImportReport:
    """Areas from CSV: code,name[,level,kind,households,center_lng,center_lat].

    The level follows from the code's length; the parent is the code less its last 3 digits
    and must be in the file or already in the registry.
    """
    rows = _Rows(stream, source, ("code", "name"), AREA_COLUMNS)
    given = set(rows.header)
    existing = {a.code: a for a in session.execute(
        select(Area.id, Area.code, Area.name, Area.level, Area.kind, Area.households,
               Area.center_lng, Area.center_lat)).all()}
    parsed: dict[str, dict] = {}
    first_line: dict[str, int] = {}
    errors: list[RowError] = []
    for line, row in rows:
        try:
            code = row["code"]
            if not code.isascii() or not code.isdigit() or len(code) not in LEVEL_BY_LENGTH:
                raise ValueError(f"code {code!r} is not 6, 9, 12 or 15 digits")
            if code in first_line:
                raise ValueError(f"code {code} repeats line {first_line[code]}")
            level = LEVEL_BY_LENGTH[len(code)]
            if row.get("level") and row["level"] != level:
                raise ValueError(f"level {row['level']!r} does not fit a {len(code)}-digit "
                                 f"code ({level})")
            name = row["name"]
            if not name or len(name) > 100:
                raise ValueError("name must be 1 to 100 characters")
            values = {"code": code, "name": name, "level": level}
            if "kind" in given:
                kind = row["kind"] or "base"
                if kind not in GRID_KINDS:
                    raise ValueError(f"kind {kind!r} is not base or special")
                if level != "grid" and GRID_KINDS[kind] != "base":
                    raise ValueError(f"only grids can be special, not a {level}")
                values["kind"] = GRID_KINDS[kind]
            if "households" in given:
                values["households"] = (_int(row["households"], "households")
                                        if row["households"] else None)
            if "center_lng" in given or "center_lat" in given:
                values["center_lng"], values["center_lat"] = _point(row, "center_lng",
                                                                    "center_lat")
        except ValueError as error:
            errors.append(RowError(line, str(error)))
            continue
        first_line[code] = line
        parsed[code] = values
    for code, values in parsed.items():
        parent = code[:-3] if len(code) > 6 else None
        if parent and parent not in parsed and parent not in existing:
            errors.append(RowError(first_line[code], f"parent area {parent} of {code} is "
                                                     "neither in this file nor registered"))
        elif parent in existing and existing[parent].level != LEVEL_BY_LENGTH[len(parent)]:
            errors.append(RowError(first_line[code], f"parent {parent} is a "
                                                     f"{existing[parent].level}"))
    rows.fail_if_errors(errors)

    report = ImportReport("areas")
    ids = {code: row.id for code, row in existing.items()}
    updates = []
    for level in LEVEL_ORDER:
        creates = []
        for code, values in parsed.items():
            if values["level"] != level:
                continue
            old = existing.get(code)
            if old is None:
                parent = code[:-3] if len(code) > 6 else None
                creates.append({"kind": "base", **values,
                                "parent_id": ids[parent] if parent else None})
                continue
            changes = {key: value for key, value in values.items()
                       if key != "code" and getattr(old, key) != value}
            if changes:
                updates.append({"id": old.id, **changes})
            else:
                report.unchanged += 1
        for chunk in _chunks(creates, 5000):
            for new_id, code in session.execute(insert(Area).returning(Area.id, Area.code),
                                                chunk):
                ids[code] = new_id
        report.created += len(creates)
    _bulk_update(session, Area, updates)
    report.updated = len(updates)
    session.flush()
    return report


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _bulk_update(session: Session, model, rows: list[dict]) -> None:
    """Update by primary key; rows that change the same columns go in one executemany."""
    by_columns: dict[tuple, list[dict]] = {}
    for row in rows:
        by_columns.setdefault(tuple(sorted(row)), []).append(row)
    for group in by_columns.values():
        for chunk in _chunks(group, 5000):
            session.execute(update(model), chunk)


def export_areas(session: Session, stream: IO[str], under: str | None = None) -> int:
    """Write the areas (all, or those under a code) as CSV that import_areas reads back."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(AREA_COLUMNS)
    query = select(Area).order_by(Area.code)
    if under:
        query = query.where(Area.code.startswith(under))
    written = 0
    for area in session.scalars(query.execution_options(yield_per=2000)):
        writer.writerow([area.code, area.name, area.level,
                         area.kind if area.level == "grid" else "",
                         "" if area.households is None else area.households,
                         _number(area.center_lng), _number(area.center_lat)])
        written += 1
    return written


def _number(value: float | None) -> str:
    return "" if value is None else repr(value)


# --- grid polygons (GeoJSON) ---------------------------------------------------------------

def import_geojson(session: Session, stream: IO[str],
                   source: str = "grids.geojson") -> ImportReport:
    """Grid boundaries from a GeoJSON FeatureCollection: each feature's properties.code names
    a registered grid, its geometry is a Polygon or MultiPolygon in lng-lat."""
    from shapely.geometry import shape
    from shapely.validation import explain_validity

    try:
        document = json.load(stream)
    except json.JSONDecodeError as error:
        raise ImportFailed(source, [RowError(error.lineno, f"not JSON: {error.msg}")]) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection" \
            or not isinstance(document.get("features"), list):
        raise ImportFailed(source, [RowError(1, "not a GeoJSON FeatureCollection")])
    grids = {row.code: row for row in session.execute(
        select(Area.id, Area.code, Area.geometry).where(Area.level == "grid")).all()}
    errors, seen, parsed = [], {}, []
    for number, feature in enumerate(document["features"], start=1):
        where = f"feature {number}"
        try:
            if not isinstance(feature, dict) or feature.get("type") != "Feature":
                raise ValueError("not a GeoJSON Feature")
            properties = feature.get("properties") or {}
            code = str(properties.get("code") or properties.get("grid_code") or "")
            where = f"feature {number} ({code or 'no code'})"
            if code not in grids:
                raise ValueError(f"properties.code {code!r} is not a registered grid"
                                 if code else "properties.code is missing")
            if code in seen:
                raise ValueError(f"grid {code} repeats feature {seen[code]}")
            geometry = feature.get("geometry")
            if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon",
                                                                             "MultiPolygon"):
                raise ValueError("geometry must be a Polygon or MultiPolygon")
            try:
                polygon = shape(geometry)
            except Exception as error:  # shapely's own message names what is malformed
                raise ValueError(f"malformed geometry: {error}") from None
            if polygon.is_empty:
                raise ValueError("empty geometry")
            min_lng, min_lat, max_lng, max_lat = polygon.bounds
            if not (-180 <= min_lng <= max_lng <= 180 and -90 <= min_lat <= max_lat <= 90):
                raise ValueError("coordinates outside lng -180..180 / lat -90..90 "
                                 "(GeoJSON is longitude first)")
            if not polygon.is_valid:
                raise ValueError(f"invalid polygon: {explain_validity(polygon)}")
        except ValueError as error:
            errors.append(RowError(where, str(error)))
            continue
        seen[code] = number
        centre = polygon.centroid
        parsed.append((code, {"geometry": geometry, "min_lng": min_lng, "min_lat": min_lat,
                              "max_lng": max_lng, "max_lat": max_lat,
                              "center_lng": centre.x, "center_lat": centre.y}))
    if errors:
        raise ImportFailed(source, errors)
    report = ImportReport("grid polygons")
    updates = []
    for code, values in parsed:
        if grids[code].geometry == values["geometry"]:
            report.unchanged += 1
        else:
            updates.append({"id": grids[code].id, **values})
    _bulk_update(session, Area, updates)
    report.updated = len(updates)
    session.flush()
    return report


def export_geojson(session: Session, stream: IO[str], under: str | None = None) -> int:
    query = (select(Area.code, Area.name, Area.kind, Area.geometry)
             .where(Area.level == "grid", Area.geometry.is_not(None)).order_by(Area.code))
    if under:
        query = query.where(Area.code.startswith(under))
    features = [{"type": "Feature", "geometry": geometry,
                 "properties": {"code": code, "name": name, "kind": kind}}
                for code, name, kind, geometry in session.execute(query)]
    json.dump({"type": "FeatureCollection", "features": features}, stream, ensure_ascii=False)
    return len(features)


# --- buildings and units -------------------------------------------------------------------

def import_buildings(session: Session, stream: IO[str],
                     source: str = "buildings.csv") -> ImportReport:
    """Buildings from CSV: code,estate,number[,units,address,households,lng,lat].

    The code is the grid's 15 digits + 3; `units` is how many units (单元) it has, and
    units 1..N get the building's code + 2 digits.
    """
    rows = _Rows(stream, source, ("code", "estate", "number"), BUILDING_COLUMNS)
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
                values["households"] = (_int(row["households"], "households")
                                        if row["households"] else None)
            if "lng" in given or "lat" in given:
                values["lng"], values["lat"] = _point(row, "lng", "lat")
            units = None
            if "units" in given:
                units = _int(row["units"] or "0", "units", 0, MAX_UNITS)
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
        if changes:
            updates.append({"id": old.id, **changes})
    for chunk in _chunks(creates, 5000):
        for new_id, code in session.execute(insert(Building).returning(Building.id,
                                                                       Building.code), chunk):
            ids[code] = new_id
    _bulk_update(session, Building, updates)
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
    for chunk in _chunks(unit_rows, 5000):
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
    writer = csv.writer(stream, lineterminator="\n")
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
                         _number(building.lng), _number(building.lat)])
        written += 1
    return written


# --- staff ---------------------------------------------------------------------------------

def import_staff(session: Session, stream: IO[str], source: str = "staff.csv",
                 now=None) -> ImportReport:
    """Staff from CSV: username,name,role,area_code[,phone,department,active].

    Passwords and WeChat bindings are never imported: a console account gets its password
    from `griddesk create-user` or an admin; a worker binds WeChat with a one-time code.
    """
    rows = _Rows(stream, source, ("username", "name", "role", "area_code"), STAFF_COLUMNS)
    given = set(rows.header)
    areas = {row.code: row for row in session.execute(select(Area.id, Area.code, Area.level))}
    existing = {s.username: s for s in session.execute(
        select(Staff.id, Staff.username, Staff.name, Staff.role, Staff.area_id, Staff.phone,
               Staff.department, Staff.active)).all()}
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
                if row["phone"] and not PHONE.match(row["phone"]):
                    raise ValueError(f"phone {row['phone']!r} is not a phone number")
                values["phone"] = row["phone"] or None
            if "department" in given:
                if len(row["department"]) > 32:
                    raise ValueError("department is longer than 32 characters")
                values["department"] = row["department"] or None
            if role == "department" and not values.get("department") and \
                    (username not in existing or "department" in given):
                raise ValueError("a department account needs its department")
            if "active" in given:
                flag = row["active"].lower() or "yes"
                if flag not in ("yes", "no", "true", "false", "1", "0", "是", "否"):
                    raise ValueError(f"active {row['active']!r} is not yes or no")
                values["active"] = flag in ("yes", "true", "1", "是")
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
        if changes:
            updates.append({"id": old.id, **changes})
        else:
            report.unchanged += 1
    for chunk in _chunks(creates, 5000):
        session.execute(insert(Staff), chunk)
    _bulk_update(session, Staff, updates)
    report.created, report.updated = len(creates), len(updates)
    session.flush()
    return report


def export_staff(session: Session, stream: IO[str], under: str | None = None) -> int:
    writer = csv.writer(stream, lineterminator="\n")
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


IMPORTERS = {"areas": import_areas, "buildings": import_buildings, "staff": import_staff,
             "geojson": import_geojson}
EXPORTERS = {"areas": export_areas, "buildings": export_buildings, "staff": export_staff,
             "geojson": export_geojson}
