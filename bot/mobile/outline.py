"""A grid's outline with the ticket's point on it, drawn by us as inline SVG: no map tiles
from outside (nothing to download on 4G, no third party told where a resident lives).

Lng-lat are projected equirectangularly around the middle latitude, which at a grid's size
(hundreds of metres) is as good as any map projection.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

WIDTH, MAX_HEIGHT, PAD = 320.0, 220.0, 14.0
SCALE_STRIP = 16.0  # below the drawing: the scale bar
METRES_PER_DEGREE = 111_320.0
NICE_METRES = (10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000)


@dataclass(frozen=True)
class Outline:
    width: float
    height: float
    paths: tuple[str, ...]  # SVG path data of the grid's rings
    point: tuple[float, float] | None  # where it happened, in SVG units
    inside: bool  # the point lies within the drawn outline's box
    scale_px: float  # a scale bar: this many SVG units …
    scale_m: int  # … are this many metres


def rings(geometry: dict | None) -> list[list[tuple[float, float]]]:
    """The (lng, lat) rings of a GeoJSON Polygon or MultiPolygon; [] for anything else."""
    if not geometry:
        return []
    kind, coordinates = geometry.get("type"), geometry.get("coordinates") or []
    polygons = [coordinates] if kind == "Polygon" else coordinates if kind == "MultiPolygon" \
        else []
    return [[(float(x), float(y)) for x, y, *_ in ring] for polygon in polygons
            for ring in polygon if len(ring) >= 3]


def draw(geometry: dict | None, point: tuple[float, float] | None) -> Outline | None:
    """The outline of a grid and a (lat, lng) point; None when there is nothing to draw."""
    shapes = rings(geometry)
    spot = (float(point[1]), float(point[0])) if point is not None else None
    if not shapes and spot is None:
        return None
    if not shapes:  # a point and no outline: a small square of about 200 m around it
        d = 0.001
        shapes_box = [(spot[0] - d, spot[1] - d), (spot[0] + d, spot[1] + d)]
    else:
        shapes_box = [p for ring in shapes for p in ring]
    lngs = [p[0] for p in shapes_box]
    lats = [p[1] for p in shapes_box]
    inside = spot is not None and min(lngs) <= spot[0] <= max(lngs) \
        and min(lats) <= spot[1] <= max(lats)
    if spot is not None:  # a point outside the grid still shows, and the box grows to it
        lngs.append(spot[0])
        lats.append(spot[1])
    west, east, south, north = min(lngs), max(lngs), min(lats), max(lats)
    squeeze = math.cos(math.radians((south + north) / 2))
    span_x = max((east - west) * squeeze, 1e-6)
    span_y = max(north - south, 1e-6)
    scale = min((WIDTH - 2 * PAD) / span_x, (MAX_HEIGHT - 2 * PAD) / span_y)
    height = round(span_y * scale + 2 * PAD, 1)
    left = (WIDTH - span_x * scale) / 2  # a tall grid stands in the middle

    def project(lng: float, lat: float) -> tuple[float, float]:
        return (round(left + (lng - west) * squeeze * scale, 1),
                round(PAD + (north - lat) * scale, 1))
    paths = tuple("M" + " L".join("%s %s" % project(*p) for p in ring) + " Z"
                  for ring in shapes)
    metres_per_px = METRES_PER_DEGREE / scale
    target = metres_per_px * WIDTH / 4
    metres = max([m for m in NICE_METRES if m <= target] or [NICE_METRES[0]])
    return Outline(WIDTH, height + SCALE_STRIP, paths, project(*spot) if spot else None, inside,
                   round(metres / metres_per_px, 1), metres)
