"""A generated province-sized registry, written as the CSV and GeoJSON files an importer reads.

Never committed: tests write it into tmp_path. The shape follows the figures GridDesk was
built from: 28,142 grids, 24,363 full-time + 49,383 part-time grid workers (plus a street
centre account each). Grid n is a 0.005° square on a lattice (COLUMNS wide), so a test can
compute which grid a point falls in.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

PROVINCE_GRIDS = 28_142
FULL_TIME, PART_TIME = 24_363, 49_383
CITIES, DISTRICTS, STREETS, COMMUNITIES = 11, 9, 12, 8
COLUMNS = 200
WEST, SOUTH, CELL = 118.0, 28.0, 0.005
WORDS = ("幸福", "和平", "翠苑", "文新", "东湖", "西溪", "丰收", "阳光", "金色", "绿洲", "桂花",
         "紫荆", "香樟", "玉泉", "明珠", "锦绣", "春晖", "秋实", "长青", "新华", "同心", "康乐",
         "安居", "祥和", "望江", "临湖", "枫林", "竹园", "兰亭", "荷塘")
SUFFIXES = ("小区", "花园", "家园", "新村", "苑")


def estate_name(grid_index: int) -> str:
    n = len(WORDS)
    return (WORDS[grid_index % n] + WORDS[(grid_index // n) % n]
            + SUFFIXES[(grid_index // (n * n)) % len(SUFFIXES)])


def cell(grid_index: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) of grid n's square."""
    row, col = divmod(grid_index, COLUMNS)
    west, south = WEST + col * CELL, SOUTH + row * CELL
    return west, south, west + CELL, south + CELL


@dataclass
class Province:
    grids: list[str] = field(default_factory=list)  # grid codes in lattice order
    areas: int = 0
    staff: int = 0
    buildings: int = 0


def generate(folder: Path, grids: int = PROVINCE_GRIDS, workers: int = FULL_TIME + PART_TIME,
             building_grids: int = 300) -> Province:
    """Write areas.csv, grids.geojson, staff.csv and buildings.csv into folder.

    Buildings are written for the first `building_grids` grids (four buildings each, two or
    three units, a street address): enough to locate addresses without a province of flats.
    """
    communities = CITIES * DISTRICTS * STREETS * COMMUNITIES
    two_grid_communities = 3 * communities - grids
    assert 0 <= two_grid_communities <= communities
    province = Province()
    area_rows, street_codes, features = [], [], []
    index = 0
    for city in range(1, CITIES + 1):
        for district in range(1, DISTRICTS + 1):
            d_code = f"33{city:02d}{district:02d}"
            area_rows.append((d_code, f"第{city}市第{district}区", ""))
            for street in range(1, STREETS + 1):
                s_code = f"{d_code}{street:03d}"
                street_codes.append(s_code)
                area_rows.append((s_code, f"{street}号街道", ""))
                for community in range(1, COMMUNITIES + 1):
                    c_code = f"{s_code}{community:03d}"
                    area_rows.append((c_code, f"{community}号社区", ""))
                    many = 2 if two_grid_communities > 0 else 3
                    two_grid_communities -= many == 2
                    for grid in range(1, many + 1):
                        g_code = f"{c_code}{grid:03d}"
                        kind = "special" if index % 10 == 9 else "base"
                        area_rows.append((g_code, f"{estate_name(index)}网格", kind))
                        west, south, east, north = cell(index)
                        features.append({
                            "type": "Feature", "properties": {"code": g_code},
                            "geometry": {"type": "Polygon", "coordinates": [[
                                [west, south], [east, south], [east, north], [west, north],
                                [west, south]]]}})
                        province.grids.append(g_code)
                        index += 1
    assert index == grids, index
    province.areas = len(area_rows)
    with open(folder / "areas.csv", "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(("code", "name", "kind"))
        writer.writerows(area_rows)
    with open(folder / "grids.geojson", "w", encoding="utf-8") as stream:
        json.dump({"type": "FeatureCollection", "features": features}, stream)
    with open(folder / "staff.csv", "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(("username", "name", "role", "area_code", "phone"))
        for n in range(workers):
            grid = province.grids[n % grids]
            writer.writerow((f"gw{n:06d}", f"网格员{n:06d}", "grid_worker", grid,
                             f"139{n:08d}"))
        for n, street in enumerate(street_codes):
            writer.writerow((f"st{street}", f"街道分中心{n}", "street", street,
                             f"138{n:08d}"))
    province.staff = workers + len(street_codes)
    with open(folder / "buildings.csv", "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(("code", "estate", "number", "units", "address", "lng", "lat"))
        for n in range(min(building_grids, grids)):
            west, south, _, _ = cell(n)
            for b in range(1, 5):
                writer.writerow((f"{province.grids[n]}{b:03d}", estate_name(n), str(b),
                                 2 + b % 2, f"{WORDS[n % len(WORDS)]}路{n * 10 + b}号",
                                 west + CELL * b / 5, south + CELL / 2))
                province.buildings += 1
    return province
