"""River network: along-channel distances, flow direction, confluences, gaps and reversed segments."""

import pytest
from shapely.geometry import LineString, Point

from green_shield.core.river_network import RiverNetwork

# A Y-shaped river: the main stem flows west → east along y = 0 from x = 0 to x = 6000; the tributary
# flows north from (3000, -3000) and joins the main stem at (3000, 0).
MAIN_UP = LineString([(0, 0), (3000, 0)])
MAIN_DOWN = LineString([(3000, 0), (6000, 0)])
TRIB = LineString([(3000, -3000), (3000, 0)])


def y_network(**kw):
    return RiverNetwork.build([MAIN_UP, MAIN_DOWN, TRIB], names=["大江", "大江", "清水河"], **kw)


def at(net, x, y):
    pos = net.locate(Point(x, y), 10.0)
    assert pos is not None
    return pos


def test_distances_through_the_confluence():
    net = y_network()
    assert net.issues == []
    a, b, t = at(net, 1000, 0), at(net, 4000, 0), at(net, 3000, -500)
    assert net.downstream_distance(a, b) == pytest.approx(3000.0, abs=1.0)
    assert net.downstream_distance(t, b) == pytest.approx(1500.0, abs=1.0)
    assert net.upstream_distance(b, t) == pytest.approx(1500.0, abs=1.0)
    assert net.downstream_distance(a, a) == 0.0


def test_flow_direction_is_honoured():
    net = y_network()
    a, b, t = at(net, 1000, 0), at(net, 4000, 0), at(net, 3000, -500)
    assert net.downstream_distance(b, a) is None  # a is upstream of b
    assert net.downstream_distance(a, t) is None  # the tributary is not downstream of the main stem
    assert net.downstream_distance(t, a) is None
    assert net.upstream_distance(a, b) is None


def test_reversed_flags_flip_the_flow():
    backwards = [LineString(list(g.coords)[::-1]) for g in (MAIN_UP, MAIN_DOWN, TRIB)]
    net = RiverNetwork.build(backwards, reversed_flags=[True, True, True])
    assert net.issues == []
    assert net.downstream_distance(at(net, 1000, 0), at(net, 4000, 0)) == pytest.approx(3000.0, abs=1.0)


def test_locate_reports_offset_distance_and_point():
    net = y_network()
    pos = net.locate(Point(1000, 7), 10.0)
    assert pos.distance_m == pytest.approx(7.0)
    assert pos.offset_m == pytest.approx(1000.0)
    assert (pos.point.x, pos.point.y) == pytest.approx((1000.0, 0.0))
    assert net.locate(Point(1000, 50), 10.0) is None


def test_reach_goes_up_every_tributary_and_down_through_the_confluence():
    net = y_network()
    below = at(net, 3500, 0)  # 500 m below the confluence
    reach = net.reach(below, 1000, 100)
    # 100 down + 500 up to the confluence + 500 up each branch
    assert reach.length == pytest.approx(100 + 500 + 500 + 500, abs=1.0)
    above = at(net, 3000, -600)  # on the tributary, 600 m above the confluence
    assert net.reach(above, 1000, 1000).length == pytest.approx(2000.0, abs=1.0)  # down the main stem, not up it


def test_reach_stops_at_the_network_ends():
    net = y_network()
    assert net.reach(at(net, 200, 0), 1000, 100).length == pytest.approx(300.0, abs=1.0)
    assert net.reach(at(net, 5950, 0), 0, 100).length == pytest.approx(50.0, abs=1.0)


def test_tributary_ending_near_the_main_stem_interior_is_a_confluence():
    net = RiverNetwork.build([LineString([(0, 0), (6000, 0)]), LineString([(3000, -3000), (3000, -3)])])
    assert [i.kind for i in net.issues] == ["gap_closed"]
    assert (net.issues[0].x, net.issues[0].y) == pytest.approx((3000.0, 0.0))
    t, b = at(net, 3000, -500), at(net, 4000, 0)
    assert net.downstream_distance(t, b) == pytest.approx(500.0 + 1000.0, abs=1.0)  # the end moves onto the stem


def test_small_gap_closed_and_reported():
    net = RiverNetwork.build([LineString([(0, 0), (1000, 0)]), LineString([(1004, 0), (3000, 0)])], snap_m=5.0)
    assert [i.kind for i in net.issues] == ["gap_closed"]
    assert net.issues[0].x == pytest.approx(1002.0)
    assert net.downstream_distance(at(net, 500, 0), at(net, 2500, 0)) == pytest.approx(2000.0, abs=1.0)


def test_bigger_gap_reported_with_location():
    net = RiverNetwork.build([LineString([(0, 0), (1000, 0)]), LineString([(1030, 0), (3000, 0)])], snap_m=5.0)
    gaps = [i for i in net.issues if i.kind == "gap"]
    assert len(gaps) == 1
    assert (gaps[0].x, gaps[0].y) == pytest.approx((1015.0, 0.0))
    assert "30.0 m" in gaps[0].detail and "30.0 米" in gaps[0].detail_zh
    assert net.downstream_distance(at(net, 500, 0), at(net, 2500, 0)) is None
    # a larger snap tolerance closes it
    closed = RiverNetwork.build([LineString([(0, 0), (1000, 0)]), LineString([(1030, 0), (3000, 0)])], snap_m=40.0)
    assert [i.kind for i in closed.issues] == ["gap_closed"]


def test_reversed_segment_reported_with_location_and_routed_through():
    lines = [LineString([(0, 0), (1000, 0)]), LineString([(2000, 0), (1000, 0)]), LineString([(2000, 0), (3000, 0)])]
    net = RiverNetwork.build(lines, names=["大江", "大江", "大江"])
    rev = [i for i in net.issues if i.kind == "reversed"]
    assert len(rev) == 1
    assert (rev[0].x, rev[0].y) == pytest.approx((1500.0, 0.0))
    assert "大江" in rev[0].detail_zh
    assert net.downstream_distance(at(net, 500, 0), at(net, 2500, 0)) == pytest.approx(2000.0, abs=1.0)


def test_reversed_last_segment_reported_at_the_node():
    lines = [LineString([(0, 0), (1000, 0)]), LineString([(2000, 0), (1000, 0)])]
    net = RiverNetwork.build(lines)
    rev = [i for i in net.issues if i.kind == "reversed"]
    assert len(rev) == 1
    assert (rev[0].x, rev[0].y) == pytest.approx((1000.0, 0.0))


def test_isolated_piece_reported():
    net = RiverNetwork.build([LineString([(0, 0), (5000, 0)]), LineString([(0, 5000), (500, 5000)])])
    assert [i.kind for i in net.issues] == ["isolated"]


def test_multilinestrings_and_empty_input():
    from shapely.geometry import MultiLineString

    net = RiverNetwork.build([MultiLineString([[(0, 0), (1000, 0)], [(1000, 0), (2000, 0)]])])
    assert net.downstream_distance(at(net, 100, 0), at(net, 1900, 0)) == pytest.approx(1800.0, abs=1.0)
    empty = RiverNetwork.build([])
    assert empty.locate(Point(0, 0), 100) is None


# --- review fixes: reversed tributaries, overshoots, non-line input (EPSG:4544 metres) -------------

X0, Y0 = 600000.0, 3200000.0
MAIN = LineString([(X0, Y0), (X0 + 10000, Y0)])


def test_tributary_drawn_from_its_mouth_is_reported_and_routed_as_flipped():
    backwards = LineString([(X0 + 5000, Y0), (X0 + 5000, Y0 + 3000)])  # starts on the main line's interior
    net = RiverNetwork.build([MAIN, backwards], names=["大江", "清水河"])
    issues = [i for i in net.issues if i.kind == "reversed"]
    assert len(issues) == 1 and (issues[0].x, issues[0].y) == pytest.approx((X0 + 5000, Y0))
    assert "清水河" in issues[0].detail and "清水河" in issues[0].detail_zh
    assert not [i for i in net.issues if i.kind == "multiple_outlets"]
    pos = at(net, X0 + 5500, Y0)
    assert net.reach(pos, 1000, 100).length == pytest.approx(100 + 500 + 2 * 500, abs=1.0)  # up the tributary


def test_tributary_drawn_from_its_mouth_at_a_line_end_is_reported():
    up, down = LineString([(X0, Y0), (X0 + 5000, Y0)]), LineString([(X0 + 5000, Y0), (X0 + 10000, Y0)])
    backwards = LineString([(X0 + 5000, Y0), (X0 + 5000, Y0 + 3000)])
    net = RiverNetwork.build([up, down, backwards], names=["大江", "大江", "清水河"])
    assert [i.kind for i in net.issues] == ["reversed"]
    assert net.upstream_distance(at(net, X0 + 5500, Y0), at(net, X0 + 5000, Y0 + 1000)) == pytest.approx(1500.0)


def test_ambiguous_dead_end_branch_and_several_outlets_are_warned():
    a = LineString([(X0, Y0), (X0 + 5000, Y0)])
    b = LineString([(X0 + 5000, Y0), (X0 + 10000, Y0 + 10)])
    c = LineString([(X0 + 5000, Y0), (X0 + 9000, Y0 - 3000)])  # no names: nothing tells which goes on
    net = RiverNetwork.build([a, b, c])
    kinds = [i.kind for i in net.issues]
    assert "reversed" in kinds
    outlets = [i for i in net.issues if i.kind == "multiple_outlets"]
    assert len(outlets) == 1 and "2 outlets" in outlets[0].detail and "2 个出口" in outlets[0].detail_zh


def test_tributary_overshooting_the_main_line_joins_at_the_crossing():
    trib = LineString([(X0 + 5000, Y0 + 3000), (X0 + 5000, Y0 - 10)])  # 10 m past the main line, no vertex
    net = RiverNetwork.build([MAIN, trib], names=["大江", "清水河"])
    over = [i for i in net.issues if i.kind == "overshoot"]
    assert len(over) == 1 and (over[0].x, over[0].y) == pytest.approx((X0 + 5000, Y0))
    assert "10.0 m" in over[0].detail and "10.0 米" in over[0].detail_zh
    assert not [i for i in net.issues if i.kind in ("reversed", "isolated", "gap", "multiple_outlets")]
    pos = at(net, X0 + 5500, Y0)
    assert net.reach(pos, 1000, 100).length == pytest.approx(100 + 500 + 2 * 500, abs=1.0)


def test_crossing_lines_in_their_middles_are_not_joined():
    canal = LineString([(X0 + 5000, Y0 + 3000), (X0 + 5000, Y0 - 3000)])
    net = RiverNetwork.build([MAIN, canal])
    assert not [i for i in net.issues if i.kind == "overshoot"]


def test_polygons_as_river_lines_are_a_clear_error():
    from green_shield.core.errors import ZoneRiversNotLines

    with pytest.raises(ZoneRiversNotLines) as err:
        RiverNetwork.build([MAIN.buffer(20)], source="rivers.gpkg")
    assert "rivers.gpkg" in str(err.value) and "Polygon" in str(err.value) and "--river-polygons" in str(err.value)
    assert "河流中心线" in err.value.message_zh
