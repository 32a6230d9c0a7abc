"""Locating a matter's grid: bound grid, point in polygon, nearest centre, building text."""
import io
import json

import pytest
from sqlalchemy import select

from store import areas_io
from store.locate import (LatLng, chinese_number, distance_m, gcj02_of_wgs84, locate,
                          record_place)
from store.models import Area, Resident
from store.tickets import Triage, open_ticket

GRID_A, GRID_B, SCHOOL = "330199001001001", "330199001001002", "330199001001003"


def square(west, south, size=0.01):
    return {"type": "Polygon", "coordinates": [[[west, south], [west + size, south],
                                                [west + size, south + size],
                                                [west, south + size], [west, south]]]}


@pytest.fixture
def registry(svc, demo):
    """The demo district with polygons: A and B side by side, a school inside A; buildings."""
    features = [{"type": "Feature", "properties": {"code": code}, "geometry": geometry}
                for code, geometry in ((GRID_A, square(120.00, 30.00)),
                                       (GRID_B, square(120.01, 30.00)),
                                       (SCHOOL, square(120.002, 30.002, 0.002)))]
    buildings = ("code,estate,number,units,address\n"
                 f"{GRID_A}003,幸福小区,3,2,文三路259号\n"
                 f"{GRID_A}004,幸福小区,4,2,文三路261号\n"
                 f"{GRID_B}001,和平家园,1,3,教工路88号\n"
                 f"{GRID_B}002,幸福小区,12,1,\n"  # one estate name, two grids: a 12栋 in B
                 "330199001002001001,同名花园,1,1,\n"
                 "330199002001001001,同名花园,1,1,\n")
    with svc.db.transaction() as session:
        session.scalar(select(Area).where(Area.code == SCHOOL)).kind = "special"
        areas_io.import_geojson(session, io.StringIO(json.dumps(
            {"type": "FeatureCollection", "features": features})))
        areas_io.import_buildings(session, io.StringIO(buildings))
    return svc


def where(svc, **kwargs):
    with svc.db.sessions() as session:
        found = locate(session, **kwargs)
        return (found.grid.code if found.grid else None, found.how,
                found.place_name, found.distance_m)


def test_the_bound_grid_comes_first(registry, demo):
    with registry.db.sessions() as session:
        resident = session.scalar(select(Resident).where(Resident.openid == demo.DEMO_RESIDENT))
        found = locate(session, resident=resident, text="和平家园1栋",
                       point=(30.005, 120.015))
        assert (found.grid.code, found.how) == (demo.FIRST_GRID, "bound")
        stranger = Resident(openid="o_stranger")
        assert locate(session, resident=stranger, text="教工路88号").how == "address"


@pytest.mark.parametrize("point, expected", [
    ((30.005, 120.005), (GRID_A, "point")),
    ((30.005, 120.015), (GRID_B, "point")),
    ((30.003, 120.003), (SCHOOL, "point")),  # the special grid inside A wins
    ((30.0, 120.01), (GRID_A, "point")),  # on the shared edge: covered by both, A is first
    (LatLng(lat=30.005, lng=120.025), (GRID_B, "nearest")),  # 1 km east of B's centre
    ((30.2, 120.2), (None, "none")),  # far from every grid
    ((95.0, 120.0), (None, "none")),  # not a place on Earth
])
def test_a_point_lands_in_its_polygon_or_the_nearest_grid(registry, point, expected):
    code, how, _, distance = where(registry, point=point)
    assert (code, how) == expected
    if how == "nearest":
        assert distance == pytest.approx(distance_m(30.005, 120.025, 30.005, 120.015), abs=1)


@pytest.mark.parametrize("text, expected", [
    ("幸福小区3栋2单元楼道灯坏了", (GRID_A, "building", "幸福小区3栋2单元")),
    ("我住幸福小区 4 号楼，电梯坏了", (GRID_A, "building", "幸福小区4栋")),
    ("幸福小区三幢门口垃圾没人清", (GRID_A, "building", "幸福小区3栋")),
    ("幸福小区１２栋漏水", (GRID_B, "building", "幸福小区12栋")),  # full-width digits
    ("和平家园1栋9单元", (GRID_B, "building", "和平家园1栋")),  # no unit 9: the building
    ("文三路259号门口有人摆摊", (GRID_A, "address", "幸福小区3栋")),
    ("和平家园门口停车太乱", (GRID_B, "estate", None)),
    ("幸福小区门口停车太乱", (None, "none", None)),  # its buildings lie in two grids
    ("同名花园1栋漏水", (None, "none", None)),  # the same name in two grids: no guess
    ("楼道灯坏了三天了", (None, "none", None)),
    ("文三路999号", (None, "none", None)),
])
def test_a_building_or_address_in_the_text_finds_its_grid(registry, text, expected):
    assert where(registry, text=text)[:3] == expected


def test_a_point_outside_every_grid_falls_back_to_the_text(registry):
    assert where(registry, point=(31.0, 121.0), text="和平家园1栋")[:2] == (GRID_B, "building")


def test_chinese_numbers():
    assert [chinese_number(t) for t in ("3", "十", "十二", "二十", "二十三", "两", "一百零五",
                                        "栋")] == [3, 10, 12, 20, 23, 2, 105, None]


def test_the_place_is_recorded_on_the_ticket(registry):
    with registry.db.transaction() as session:
        found = locate(session, text="幸福小区3栋2单元楼道灯坏了")
        ticket = open_ticket(session, resident=None, description="楼道灯坏了",
                             triage=Triage(kind="complaint"), now=registry.now(),
                             grid=found.grid, channel="open311")
        record_place(ticket, found, point=(30.005, 120.005))
        number = ticket.number
    with registry.db.sessions() as session:
        from store.tickets import by_number
        ticket = by_number(session, number)
        assert (ticket.grid.code, ticket.address, ticket.building.code, ticket.lat) == (
            GRID_A, "幸福小区3栋2单元", f"{GRID_A}003", 30.005)
        assert ticket.assignee is not None  # the grid's worker got it


@pytest.mark.parametrize("wgs, gcj", [
    # the published reference points of the WGS-84 → GCJ-02 offset (googollee/eviltransform)
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),    # Shanghai
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),     # Shenzhen
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),     # Beijing
    ((48.8566, 2.3522), (48.8566, 2.3522)),                                 # outside China
])
def test_a_browser_point_is_moved_onto_the_map_the_grids_are_drawn_on(wgs, gcj):
    moved = gcj02_of_wgs84(*wgs)
    assert distance_m(*moved, *gcj) < 0.01
