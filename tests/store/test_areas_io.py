"""Registry import and export: a whole province, all or nothing, idempotent."""
import io
import time

import pytest
from sqlalchemy import select

from store import areas_io
from store.areas_io import ImportFailed
from store.models import Area, Building, BuildingUnit, Staff

from store.locate import locate
from tests.registry_data import CELL, PROVINCE_GRIDS, WORDS, cell, estate_name, generate
from tests.support import count

AREAS = """code,name,kind,households
330100,样例区,,
330100001,一号街道,,
330100001001,一号社区,,
330100001001001,幸福小区网格,base,420
330100001001002,实验学校网格,专属网格,
"""


def load(svc, importer, text, source="file.csv"):
    with svc.db.transaction() as session:
        return importer(session, io.StringIO(text), source)


def test_a_small_registry_imports_once_and_exports_what_it_imported(svc):
    report = load(svc, areas_io.import_areas, AREAS)
    assert (report.created, report.updated, report.unchanged) == (5, 0, 0)
    again = load(svc, areas_io.import_areas, AREAS)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    with svc.db.sessions() as session:
        school = session.scalar(select(Area).where(Area.code == "330100001001002"))
        assert (school.level, school.kind, school.parent.code) == ("grid", "special",
                                                                   "330100001001")
        out = io.StringIO()
        assert areas_io.export_areas(session, out) == 5
    assert load(svc, areas_io.import_areas, out.getvalue()).changed == 0


def test_a_changed_row_is_updated_and_nothing_else(svc):
    load(svc, areas_io.import_areas, AREAS)
    report = load(svc, areas_io.import_areas, AREAS.replace("一号社区", "幸福里社区"))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 4)
    assert count(svc, Area, Area.name == "幸福里社区") == 1


@pytest.mark.parametrize("bad_line, reason", [
    ("33010000100100X,坏网格,base,", "is not 6, 9, 12 or 15 digits"),
    ("330100001001003,,base,", "name must be 1 to 100 characters"),
    ("330100001001003,某网格,huge,", "kind 'huge' is not base or special"),
    ("330100001001003,某网格,base,many", "households must be a whole number"),
    ("330100009001003,某网格,base,", "parent area 330100009001 of 330100009001003 is neither"),
    ("330100001001001,重复网格,base,", "code 330100001001001 repeats line 5"),
    ("330100001001003,某网格,base", "3 cells where the header has 4"),
])
def test_a_bad_row_is_reported_with_its_line_and_nothing_is_imported(svc, bad_line, reason):
    text = AREAS + bad_line + "\n" + "330100001001004,最后网格,base,\n"
    with pytest.raises(ImportFailed) as failure:
        load(svc, areas_io.import_areas, text, "areas.csv")
    assert [(e.line, reason in e.reason) for e in failure.value.errors] == [(7, True)], \
        failure.value.errors
    assert "areas.csv: 1 bad row(s), nothing imported" in str(failure.value)
    assert "line 7:" in str(failure.value)
    assert count(svc, Area) == 0  # not even the good rows before and after it


def test_a_bad_header_is_reported_on_line_1(svc):
    with pytest.raises(ImportFailed) as failure:
        load(svc, areas_io.import_areas, "code,nmae\n330100,样例区\n")
    assert str(failure.value.errors[0]).startswith("line 1: missing column(s): name")


def test_buildings_get_codes_under_their_grid_and_units_under_the_building(svc):
    load(svc, areas_io.import_areas, AREAS)
    text = ("code,estate,number,units,address\n"
            "330100001001001003,幸福小区,3栋,2,文三路259号\n"
            "330100001001001004,幸福小区,4,1,\n")
    report = load(svc, areas_io.import_buildings, text)
    assert (report.created, report.details["units created"]) == (2, 3)
    assert load(svc, areas_io.import_buildings, text).changed == 0
    assert {u.code for u in rows_of(svc, BuildingUnit)} == {
        "33010000100100100301", "33010000100100100302", "33010000100100100401"}
    fewer = load(svc, areas_io.import_buildings, text.replace("3栋,2", "3栋,1"))
    assert fewer.updated == 1 and count(svc, BuildingUnit) == 2
    with pytest.raises(ImportFailed) as failure:
        load(svc, areas_io.import_buildings,
             "code,estate,number\n330100001001009001,某小区,1\n")
    assert "grid 330100001001009 of building 330100001001009001 is not registered" in str(
        failure.value)


def rows_of(svc, model):
    with svc.db.sessions() as session:
        return list(session.scalars(select(model)))


def test_staff_must_sit_at_their_role_level(svc):
    load(svc, areas_io.import_areas, AREAS)
    text = ("username,name,role,area_code,phone\n"
            "w1,张伟,grid_worker,330100001001001,13900000001\n"
            "w2,王芳,grid_worker,330100001001,13900000002\n"
            "w3,李娜,boss,330100001001001,\n"
            "w4,刘洋,grid_worker,330100001001001,call me\n")
    with pytest.raises(ImportFailed) as failure:
        load(svc, areas_io.import_staff, text)
    assert [e.line for e in failure.value.errors] == [3, 4, 5]
    assert "a grid_worker belongs to a grid, and 330100001001 is a community" in str(
        failure.value)
    good = "\n".join(text.splitlines()[:2]) + "\n"
    assert load(svc, areas_io.import_staff, good).created == 1
    assert load(svc, areas_io.import_staff, good).changed == 0


def test_a_bad_polygon_fails_the_whole_geojson_file(svc):
    load(svc, areas_io.import_areas, AREAS)
    square = {"type": "Polygon", "coordinates": [[[120, 30], [120.01, 30], [120.01, 30.01],
                                                  [120, 30.01], [120, 30]]]}
    bowtie = {"type": "Polygon", "coordinates": [[[120, 30], [120.01, 30.01], [120.01, 30],
                                                  [120, 30.01], [120, 30]]]}
    import json
    document = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "330100001001001"}, "geometry": square},
        {"type": "Feature", "properties": {"code": "330100001001002"}, "geometry": bowtie}]}
    with pytest.raises(ImportFailed) as failure:
        load(svc, areas_io.import_geojson, json.dumps(document), "grids.geojson")
    assert "feature 2 (330100001001002): invalid polygon: Self-intersection" in str(
        failure.value)
    assert count(svc, Area, Area.geometry.is_not(None)) == 0
    document["features"].pop()
    assert load(svc, areas_io.import_geojson, json.dumps(document)).updated == 1
    with svc.db.sessions() as session:
        grid = session.scalar(select(Area).where(Area.code == "330100001001001"))
        assert (grid.min_lng, grid.max_lat) == (120, 30.01)
        assert grid.center_lng == pytest.approx(120.005)


def test_a_province_imports_in_minutes_and_again_changes_nothing(svc, tmp_path, capsys):
    province = generate(tmp_path)
    files = (("areas", "areas.csv"), ("geojson", "grids.geojson"), ("staff", "staff.csv"),
             ("buildings", "buildings.csv"))
    timings = {}
    for round_ in ("first", "again"):
        started = time.perf_counter()
        for kind, name in files:
            with svc.db.transaction() as session, open(tmp_path / name,
                                                       encoding="utf-8") as stream:
                report = areas_io.IMPORTERS[kind](session, stream, name)
            if round_ == "again":
                assert report.changed == 0, report
        timings[round_] = time.perf_counter() - started
    assert count(svc, Area, Area.level == "grid") == PROVINCE_GRIDS == 28_142
    assert count(svc, Area) == province.areas
    assert count(svc, Staff) == province.staff and province.staff > 74_000
    assert count(svc, Building) == province.buildings
    assert timings["first"] < 300, timings  # minutes at most, on a 2-core machine
    check_locating(svc, province)
    with capsys.disabled():
        print(f"\nprovince import ({svc.db.engine.dialect.name}): first "
              f"{timings['first']:.1f} s, again {timings['again']:.1f} s")


def check_locating(svc, province):
    """Points and addresses across the whole province land in the right grid."""
    import random
    picks = random.Random(6).sample(range(PROVINCE_GRIDS), 200)
    with svc.db.sessions() as session:
        for n in picks:
            west, south, east, north = cell(n)
            found = locate(session, point=(south + CELL * 0.3, west + CELL * 0.7))
            assert (found.grid.code, found.how) == (province.grids[n], "point")
        # the lattice's last row is short: east of its last grid lies no polygon
        last = PROVINCE_GRIDS - 1
        west, south, east, north = cell(last)
        found = locate(session, point=((south + north) / 2, east + CELL * 0.4))
        assert (found.grid.code, found.how) == (province.grids[last], "nearest")
        for n in (0, 7, 123, 299):
            found = locate(session, text=f"{estate_name(n)}2栋1单元门口垃圾没人清")
            assert (found.grid.code, found.how, found.place_name) == (
                province.grids[n], "building", f"{estate_name(n)}2栋1单元")
            found = locate(session, text=f"{WORDS[n % len(WORDS)]}路{n * 10 + 3}号路灯坏了")
            assert (found.grid.code, found.how) == (province.grids[n], "address")
