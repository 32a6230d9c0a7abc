"""The grid's outline and the point, drawn by us: where the dot lands is where it happened."""
from bot.mobile.outline import draw

SQUARE = {"type": "Polygon", "coordinates": [[[120.10, 30.27], [120.105, 30.27],
                                              [120.105, 30.275], [120.10, 30.275],
                                              [120.10, 30.27]]]}


def test_a_point_lands_where_it_is_in_the_grid():
    south_west = draw(SQUARE, (30.2701, 120.1001))
    north_east = draw(SQUARE, (30.2749, 120.1049))
    assert south_west.inside and north_east.inside
    x1, y1 = south_west.point
    x2, y2 = north_east.point
    assert x1 < x2 and y1 > y2  # east is right, north is up
    assert 0 <= x1 <= south_west.width and 0 <= y1 <= south_west.height
    # ~480 m wide and ~556 m tall at 30°N: drawn taller than wide, in that proportion,
    # in the middle of the picture
    xs = [float(v) for v in south_west.paths[0][1:-2].replace(" L", " ").split()[0::2]]
    ys = [float(v) for v in south_west.paths[0][1:-2].replace(" L", " ").split()[1::2]]
    ratio = (max(ys) - min(ys)) / (max(xs) - min(xs))
    assert abs(ratio - 0.005 / (0.005 * 0.8643)) < 0.02
    assert abs((min(xs) + max(xs)) / 2 - south_west.width / 2) < 1
    assert south_west.paths[0].startswith("M") and south_west.paths[0].endswith("Z")


def test_a_point_outside_the_grid_still_shows_and_is_said_to_be_outside():
    outside = draw(SQUARE, (30.2800, 120.1025))
    assert not outside.inside
    x, y = outside.point
    assert 0 <= y <= outside.height and 0 <= x <= outside.width


def test_the_scale_bar_says_how_far_it_is():
    drawn = draw(SQUARE, None)
    metres_per_unit = drawn.scale_m / drawn.scale_px
    width_m = 0.005 * 111_320 * 0.8643  # cos(30.2725°)
    xs = [float(v) for v in drawn.paths[0][1:-2].replace(" L", " ").split()[0::2]]
    assert abs((max(xs) - min(xs)) * metres_per_unit - width_m) / width_m < 0.01


def test_nothing_to_draw_without_an_outline_or_a_point():
    assert draw(None, None) is None
    assert draw({"type": "Point", "coordinates": [120.1, 30.27]}, None) is None
    alone = draw(None, (30.27, 120.1))
    assert alone.paths == () and alone.point is not None
    multi = {"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"],
                                                     SQUARE["coordinates"]]}
    assert len(draw(multi, None).paths) == 2
