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

import json
from typing import IO

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from store.import_rows import (
    AREA_COLUMNS,
    GRID_KINDS,
    LEVEL_BY_LENGTH,
    LEVEL_ORDER,
    ImportFailed,
    ImportReport,
    RowError,
    Rows,
    bulk_update,
    chunks,
    format_number,
    parse_int,
    parse_point,
)
from store import csvfile
from store.models import Area
from store.people_io import (
    export_buildings,
    export_staff,
    import_buildings,
    import_staff,
)
from store.teams_io import export_members, export_teams, import_members, import_teams

__all__ = ["ImportFailed", "ImportReport", "IMPORTERS", "EXPORTERS", "import_areas",
           "import_geojson", "import_buildings", "import_staff", "export_areas",
           "export_geojson", "export_buildings", "export_staff"]

# --- areas ---------------------------------------------------------------------------------

def import_areas(session: Session, stream: IO[str], source: str = "areas.csv") -> ImportReport:
    """Areas from CSV: code,name[,level,kind,households,center_lng,center_lat].

    The level follows from the code's length; the parent is the code less its last 3 digits
    and must be in the file or already in the registry.
    """
    rows = Rows(stream, source, ("code", "name"), AREA_COLUMNS)
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
                values["households"] = (parse_int(row["households"], "households")
                                        if row["households"] else None)
            if "center_lng" in given or "center_lat" in given:
                values["center_lng"], values["center_lat"] = parse_point(row, "center_lng",
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
        for chunk in chunks(creates, 5000):
            for new_id, code in session.execute(insert(Area).returning(Area.id, Area.code),
                                                chunk):
                ids[code] = new_id
        report.created += len(creates)
    bulk_update(session, Area, updates)
    report.updated = len(updates)
    session.flush()
    return report



def export_areas(session: Session, stream: IO[str], under: str | None = None) -> int:
    """Write the areas (all, or those under a code) as CSV that import_areas reads back."""
    writer = csvfile.writer(stream, lineterminator="\n")
    writer.writerow(AREA_COLUMNS)
    query = select(Area).order_by(Area.code)
    if under:
        query = query.where(Area.code.startswith(under))
    written = 0
    for area in session.scalars(query.execution_options(yield_per=2000)):
        writer.writerow([area.code, area.name, area.level,
                         area.kind if area.level == "grid" else "",
                         "" if area.households is None else area.households,
                         format_number(area.center_lng), format_number(area.center_lat)])
        written += 1
    return written


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
    bulk_update(session, Area, updates)
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


IMPORTERS = {"areas": import_areas, "buildings": import_buildings, "staff": import_staff,
             "geojson": import_geojson, "teams": import_teams, "members": import_members}
EXPORTERS = {"areas": export_areas, "buildings": export_buildings, "staff": export_staff,
             "geojson": export_geojson, "teams": export_teams, "members": export_members}
TIMED = ("staff", "teams", "members")  # importers that stamp what they create with `now`
