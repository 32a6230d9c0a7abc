"""Which grid a resident's matter belongs to (以网管人、以房管人).

In this order:
1. the grid the resident is bound to (by scanning the grid's QR code);
2. a point (a WeChat location message or LOCATION event): the grid whose polygon holds it;
3. a building or address in the text, matched against the building registry:
   幸福小区3栋2单元, 幸福小区3号楼, 文三路259号, or an estate (幸福小区) whose buildings all
   lie in one grid;
4. the grid whose centre is nearest the point, within `nearest_within_m` (a guess, so
   after anything the resident named);
5. else no grid: the ticket goes to the community's / district's unassigned pool and the
   reply should ask the resident for the address or location.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload, undefer

from store.models import Area, Building, BuildingUnit, Resident, Ticket

NEAREST_WITHIN_M = 3000.0
EARTH_RADIUS_M = 6_371_008.8
LOOKBACK = 20  # characters before "3栋" or "259号" searched for the estate or road name

HOW = ("bound", "point", "nearest", "building", "address", "estate", "none")


class LatLng(NamedTuple):
    """A WeChat location: wechatpy's LocationMessage.location is (Location_X, Location_Y),
    i.e. (latitude, longitude); a LOCATION event has .latitude and .longitude."""

    lat: float
    lng: float


@dataclass(frozen=True)
class Located:
    grid: Area | None
    how: str  # one of HOW; "none" means the unassigned pool
    building: Building | None = None
    unit: BuildingUnit | None = None
    distance_m: float | None = None  # for "nearest": how far the grid's centre is

    @property
    def found(self) -> bool:
        return self.grid is not None

    @property
    def place_name(self) -> str | None:
        """幸福小区3栋2单元, for a reply or a ticket's address."""
        if self.building is None:
            return None
        return self.building.name + (f"{self.unit.number}单元" if self.unit else "")


NOWHERE = Located(None, "none")


def locate(session: Session, *, resident: Resident | None = None, text: str | None = None,
           point: tuple[float, float] | None = None,
           nearest_within_m: float = NEAREST_WITHIN_M) -> Located:
    """The grid for a matter: see the module's docstring for the order. `point` is
    (lat, lng)."""
    if resident is not None and resident.grid is not None:
        return Located(resident.grid, "bound")
    near = NOWHERE
    if point is not None:
        near = locate_point(session, LatLng(*point), nearest_within_m)
        if near.how == "point":
            return near
    if text:
        found = locate_text(session, text)
        if found.found:
            return found
    # A nearest-centre guess is weaker than a building the resident named.
    return near


# --- points --------------------------------------------------------------------------------

def locate_point(session: Session, point: LatLng,
                 nearest_within_m: float = NEAREST_WITHIN_M) -> Located:
    """The grid whose polygon holds the point; else the nearest grid centre within reach."""
    from shapely.geometry import Point, shape

    lat, lng = float(point.lat), float(point.lng)
    if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90
            and -180 <= lng <= 180):
        return NOWHERE
    candidates = session.scalars(select(Area).options(undefer(Area.geometry)).where(
        Area.level == "grid", Area.min_lat <= lat, Area.max_lat >= lat,
        Area.min_lng <= lng, Area.max_lng >= lng))
    here, inside = Point(lng, lat), []
    for grid in candidates:
        polygon = shape(grid.geometry) if grid.geometry else None
        if polygon is not None and polygon.covers(here):
            inside.append((grid.kind != "special", polygon.area, grid.code, grid))
    if inside:
        # A special grid (school, hospital, park) lies inside a base grid: it wins, and of
        # overlapping grids the smallest does.
        return Located(min(inside)[-1], "point")
    return nearest_centre(session, lat, lng, nearest_within_m)


def nearest_centre(session: Session, lat: float, lng: float, within_m: float) -> Located:
    dlat = math.degrees(within_m / EARTH_RADIUS_M)
    dlng = dlat / max(math.cos(math.radians(lat)), 0.01)
    rows = session.execute(select(Area.id, Area.center_lat, Area.center_lng).where(
        Area.level == "grid", Area.center_lat.between(lat - dlat, lat + dlat),
        Area.center_lng.between(lng - dlng, lng + dlng))).all()
    best = min(((distance_m(lat, lng, c_lat, c_lng), area_id)
                for area_id, c_lat, c_lng in rows), default=None)
    if best is None or best[0] > within_m:
        return NOWHERE
    return Located(session.get(Area, best[1]), "nearest", distance_m=round(best[0], 1))


# GCJ-02, the datum of WeChat's locations and of every Chinese map the grid outlines are drawn
# on, is WGS-84 (a phone browser's geolocation) moved by a published non-linear offset of
# 100–700 m within China; outside China's box the two are the same.
KRASOVSKY_A = 6378245.0
KRASOVSKY_EE = 0.00669342162296594323


def gcj02_of_wgs84(lat: float, lng: float) -> LatLng:
    """A WGS-84 point (a browser's geolocation) as GCJ-02, where the grids are drawn."""
    if not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271):
        return LatLng(lat, lng)
    x, y = lng - 105.0, lat - 35.0
    waves = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    d_lat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
             + waves + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
             + (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2 / 3)
    d_lng = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
             + waves + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
             + (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3)
    rad = math.radians(lat)
    magic = 1 - KRASOVSKY_EE * math.sin(rad) ** 2
    d_lat = d_lat * 180.0 / ((KRASOVSKY_A * (1 - KRASOVSKY_EE)) / (magic * math.sqrt(magic))
                             * math.pi)
    d_lng = d_lng * 180.0 / (KRASOVSKY_A / math.sqrt(magic) * math.cos(rad) * math.pi)
    return LatLng(lat + d_lat, lng + d_lng)


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


# --- text ----------------------------------------------------------------------------------

FULL_WIDTH = str.maketrans("０１２３４５６７８９＃", "0123456789#")
NUMERAL = "零〇一二两三四五六七八九十百"
BUILDING = re.compile(rf"([0-9]{{1,4}}|[{NUMERAL}]{{1,4}})\s*(?:号楼|号栋|栋|幢|座|#楼?)"
                      rf"(?:\s*([0-9]{{1,2}}|[{NUMERAL}]{{1,3}})\s*单元)?")
ADDRESS = re.compile(r"([0-9]{1,5})\s*号(?![楼栋院])")
ROAD_ENDINGS = ("路", "街", "道", "巷", "弄", "里", "村", "组")
ESTATE_ENDINGS = re.compile(r"小区|花园|家园|新村|新城|公寓|大厦|广场|园区|苑|庭|府|城|园")


def chinese_number(text: str) -> int | None:
    """3, 十二, 二十三, 两 → int (up to 999); None if it is not a number."""
    if text.isdigit():
        return int(text)
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
    total, current = 0, 0
    for char in text:
        if char in digits:
            current = digits[char]
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


def _suffixes(before: str) -> list[str]:
    """Every tail of the text before a match, longest first: the estate or road name is one."""
    before = re.sub(r"\s+", "", before[-LOOKBACK:])
    return [before[i:] for i in range(len(before) - 1)]


def locate_text(session: Session, text: str) -> Located:
    """A building (幸福小区3栋2单元), a street address (文三路259号) or an estate named in the
    text. An estate name shared by grids far apart matches nothing rather than a guess."""
    text = text.translate(FULL_WIDTH)
    for match in BUILDING.finditer(text):
        number = chinese_number(match.group(1))
        estates = _suffixes(text[:match.start()])
        if number is None or not estates:
            continue
        buildings = list(session.scalars(
            select(Building).where(Building.estate.in_(estates),
                                   Building.number == str(number))
            .options(selectinload(Building.grid), selectinload(Building.units))))
        building = _one(buildings, key=lambda b: len(b.estate))
        if building is not None:
            unit = None
            if match.group(2):
                wanted = chinese_number(match.group(2))
                unit = next((u for u in building.units if u.number == wanted), None)
            return Located(building.grid, "building", building, unit)
    for match in ADDRESS.finditer(text):
        before = text[:match.start()]
        if not before.rstrip().endswith(ROAD_ENDINGS):
            continue
        addresses = [tail + match.group(1) + "号" for tail in _suffixes(before)]
        buildings = list(session.scalars(
            select(Building).where(Building.address.in_(addresses))
            .options(selectinload(Building.grid))))
        building = _one(buildings, key=lambda b: len(b.address))
        if building is not None:
            return Located(building.grid, "address", building)
    for match in ESTATE_ENDINGS.finditer(text):
        estates = _suffixes(text[:match.end()])
        if not estates:
            continue
        rows = session.execute(select(Building.estate, Building.grid_id).distinct()
                               .where(Building.estate.in_(estates))).all()
        if rows:
            longest = max(len(estate) for estate, _ in rows)
            grids = {grid_id for estate, grid_id in rows if len(estate) == longest}
            if len(grids) == 1:
                return Located(session.get(Area, grids.pop()), "estate")
    return NOWHERE


def named_estate(session: Session, text: str) -> str | None:
    """The longest estate of the building registry named in the text (幸福小区), whether or
    not its buildings lie in one grid."""
    text = text.translate(FULL_WIDTH)
    names = set()
    for match in ESTATE_ENDINGS.finditer(text):
        names.update(_suffixes(text[:match.end()]))
    if not names:
        return None
    return session.scalar(select(Building.estate).where(Building.estate.in_(names))
                          .order_by(func.length(Building.estate).desc()).limit(1))


def _one(buildings: list[Building], key) -> Building | None:
    """The building the longest matching name points at, if that names one grid only."""
    if not buildings:
        return None
    longest = max(key(b) for b in buildings)
    best = [b for b in buildings if key(b) == longest]
    return best[0] if len({b.grid_id for b in best}) == 1 else None


# --- recording -----------------------------------------------------------------------------

def record_place(ticket: Ticket, located: Located, *, point: tuple[float, float] | None = None,
                 address: str | None = None) -> None:
    """Write where a new ticket happened onto it (call in the transaction that opened it)."""
    if point is not None:
        ticket.lat, ticket.lng = float(point[0]), float(point[1])
    if located.building is not None:
        ticket.building = located.building
    place = address or located.place_name
    if place:
        ticket.address = place[:255]
