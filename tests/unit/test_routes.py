"""Route planning: budgets, priorities, every stop accounted for, tour quality, road networks, errors."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pyogrio
import pyogrio.raw
import pytest
import shapely

from builders import write_csv, write_vector
from green_shield.core import errors
from green_shield.core.cli import main
from green_shield.core.routes import (
    RoadGraph,
    RouteOptions,
    RoutesCanceled,
    Stop,
    check_options,
    improve_order,
    nearest_neighbour_order,
    order_stops,
    parse_service,
    plan_routes,
    polish_kicks,
    route_length,
    stops_from_file,
    stops_from_workspace,
    straight_distances,
)
from green_shield.core.sample_district import build_sample_district
from green_shield.core.workspace import create_workspace, write_features

GK = "EPSG:4544"  # CGCS2000 3° Gauss-Krüger CM 105°E: the planning CRS of points near x = 500 000
X0, Y0 = 500_000.0, 3_200_000.0
TYPES = ("project", "outfall", "plot", "enterprise", "lead")


def _stops(n: int, seed: int = 1, spread: float = 15_000.0, priorities=None) -> list[Stop]:
    """n stops in a few clusters around (X0, Y0), deterministic."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-spread, spread, (5, 2))
    stops = []
    for i in range(n):
        cx, cy = centres[i % 5]
        x, y = X0 + cx + rng.normal(0, 2000), Y0 + cy + rng.normal(0, 2000)
        prio = priorities[i] if priorities else ("high", "medium", "low")[i % 3]
        stops.append(Stop(f"S{i:03d}", shapely.Point(x, y), TYPES[i % 5], prio, f"点{i}"))
    return stops


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _planned_ids(plan) -> list[str]:
    return [s.stop.id for d in plan.days for s in d.stops]


# --- constraints ------------------------------------------------------------------------


def test_every_day_fits_the_budget_and_every_stop_is_accounted_for():
    stops = _stops(150)
    options = RouteOptions(teams=3, days=4, budget_min=480)
    plan = plan_routes(stops, (X0, Y0), GK, options)
    assert plan.days and plan.unscheduled  # 150 stops do not fit in 12 team-days
    speed = options.metres_per_minute()
    service = options.service()
    for day in plan.days:
        assert day.total_min <= 480 + 1e-6
        legs = sum(s.leg_m for s in day.stops) + day.return_m
        assert legs == pytest.approx(day.distance_m)
        assert day.travel_min == pytest.approx(day.distance_m / speed)
        assert day.service_min == pytest.approx(sum(service[s.stop.target_type] for s in day.stops))
        assert _minutes(day.stops[0].eta) >= _minutes("08:30")
        assert [s.sequence for s in day.stops] == list(range(1, len(day.stops) + 1))
    planned = _planned_ids(plan)
    left = [u.stop.id for u in plan.unscheduled]
    assert len(planned) == len(set(planned))
    assert sorted(planned + left) == sorted(s.id for s in stops)
    assert all(u.reason in ("no_capacity", "over_budget", "no_location") and u.detail for u in plan.unscheduled)
    assert len({(d.team, d.day) for d in plan.days}) == len(plan.days) <= 12


def test_high_priority_is_never_later_than_lower_priority():
    stops = _stops(120, seed=3)
    plan = plan_routes(stops, (X0, Y0), GK, RouteOptions(teams=2, days=6))
    assert plan.unscheduled  # capacity is short
    day_of = {s.stop.id: s.day for d in plan.days for s in d.stops}
    by_prio = {p: [day_of[s.id] for s in stops if s.priority == p and s.id in day_of]
               for p in ("high", "medium", "low")}
    assert max(by_prio["high"]) <= min(by_prio["medium"] + by_prio["low"], default=99)
    assert max(by_prio["medium"], default=0) <= min(by_prio["low"], default=99)
    assert min(by_prio["high"]) == 1 and len(by_prio["high"]) == 40  # every high-priority stop is planned
    left = {u.stop.priority for u in plan.unscheduled}
    assert "high" not in left and ("medium" not in left or not by_prio["low"])  # lowest priority left out first


def test_when_capacity_is_short_the_lowest_priority_is_left_out_first():
    # 40 identical enterprises, alternately high and low, close to the start: room for about half
    stops = _stops(40, seed=5, spread=3000, priorities=["high", "low"] * 20)
    stops = [Stop(s.id, s.geometry, "enterprise", s.priority) for s in stops]
    plan = plan_routes(stops, (X0, Y0), GK, RouteOptions(teams=2, days=3))
    left = [u for u in plan.unscheduled if u.reason == "no_capacity"]
    assert 0 < len(left) < 20
    assert all(u.stop.priority == "low" for u in left)
    assert sorted(_planned_ids(plan) + [u.stop.id for u in left]) == sorted(s.id for s in stops)


def test_a_stop_whose_round_trip_alone_exceeds_the_budget_is_unscheduled():
    far = Stop("FAR", shapely.Point(X0 + 45_000, Y0), "enterprise", "high")  # 2 × 58.5 km at 30 km/h ≈ 234 min
    near = Stop("NEAR", shapely.Point(X0 + 1000, Y0), "outfall", "low")
    plan = plan_routes([far, near], (X0, Y0), GK, RouteOptions(budget_min=300))
    assert [(u.stop.id, u.reason) for u in plan.unscheduled] == [("FAR", "over_budget")]
    assert "324 min > budget 300 min" in plan.unscheduled[0].detail
    assert _planned_ids(plan) == ["NEAR"]


def test_a_stop_without_location_is_reported():
    plan = plan_routes([Stop("A", shapely.Point(X0 + 100, Y0), "lead"), Stop("B", None, "lead")], (X0, Y0), GK)
    assert [(u.stop.id, u.reason) for u in plan.unscheduled] == [("B", "no_location")]


def test_etas_follow_distance_speed_and_time_on_site():
    options = RouteOptions(teams=2, days=3, speed_kmh=40, day_start="09:00", start_date=dt.date(2026, 12, 1),
                           service_min={"enterprise": 75})
    plan = plan_routes(_stops(30, seed=7), (X0, Y0), GK, options)
    speed = 40_000 / 60
    for day in plan.days:
        assert day.date == dt.date(2026, 12, 1) + dt.timedelta(days=day.day - 1)
        clock = 9 * 60.0
        for s in day.stops:
            clock += s.leg_m / speed
            assert s.arrive_min == pytest.approx(clock)
            assert s.eta == f"{int(round(clock)) // 60:02d}:{int(round(clock)) % 60:02d}"
            assert s.service_min == options.service()[s.stop.target_type]
            clock += s.service_min
        assert day.end_min == pytest.approx(clock + day.return_m / speed)
    assert any(s.service_min == 75 for d in plan.days for s in d.stops if s.stop.target_type == "enterprise")


def test_results_are_deterministic():
    def signature():
        plan = plan_routes(_stops(90, seed=11), (X0 + 500, Y0 - 800), GK, RouteOptions(teams=3, days=3))
        return [(d.team, d.day, [s.stop.id for s in d.stops]) for d in plan.days], [u.stop.id for u in plan.unscheduled]

    assert signature() == signature()


def test_a_team_named_on_a_stop_keeps_it():
    stops = [Stop(s.id, s.geometry, s.target_type, s.priority, team="一组" if i % 4 == 0 else None)
             for i, s in enumerate(_stops(24, seed=13))]
    plan = plan_routes(stops, (X0, Y0), GK, RouteOptions(teams=["一组", "二组"], days=5))
    team_of = {s.stop.id: s.team for d in plan.days for s in d.stops}
    assert all(team_of[s.id] == "一组" for s in stops if s.team == "一组" and s.id in team_of)
    assert {d.team for d in plan.days} == {"一组", "二组"}


def test_progress_is_reported_and_cancel_stops_the_plan():
    seen = []
    plan_routes(_stops(40, seed=19), (X0, Y0), GK, RouteOptions(teams=2), progress=seen.append)
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)
    calls = []
    with pytest.raises(RoutesCanceled):
        plan_routes(_stops(40, seed=19), (X0, Y0), GK, is_canceled=lambda: len(calls) > 2 or calls.append(1))


# --- tour quality -----------------------------------------------------------------------


def test_improved_order_is_never_longer_than_nearest_neighbour():
    for seed in range(30):
        xy = np.random.default_rng(seed).uniform(0, 20_000, (13, 2))
        dist = straight_distances(xy, 1.0)
        stops = list(range(1, 13))
        nn = nearest_neighbour_order(dist, stops)
        assert route_length(dist, improve_order(dist, nn)) <= route_length(dist, nn) + 1e-9
        assert route_length(dist, order_stops(dist, stops)) <= route_length(dist, nn) + 1e-9


def test_improved_order_beats_nearest_neighbour_where_it_zigzags():
    # stops on a line either side of the start: nearest neighbour crosses the start again and again
    xs = [0.0, 1.0, -1.2, 3.5, -6.0, 13.5]
    xy = np.array([[x * 1000, 0.0] for x in xs])
    dist = straight_distances(xy, 1.0)
    stops = list(range(1, len(xs)))
    nn = nearest_neighbour_order(dist, stops)
    assert nn == [1, 2, 3, 4, 5]
    assert route_length(dist, nn) == pytest.approx(1000 * (1 + 2.2 + 4.7 + 9.5 + 19.5 + 13.5))
    best = order_stops(dist, stops)
    assert route_length(dist, best) == pytest.approx(2 * (13_500 + 6000))  # out to one end, back by the other
    assert route_length(dist, improve_order(dist, nn)) < route_length(dist, nn)


@pytest.mark.parametrize("seed", range(12))
def test_seven_stops_are_ordered_optimally(seed):
    xy = np.random.default_rng(100 + seed).uniform(0, 10_000, (8, 2))
    dist = straight_distances(xy, 1.3)
    stops = list(range(1, 8))
    optimum = min(route_length(dist, p) for p in itertools.permutations(stops))
    assert route_length(dist, order_stops(dist, stops, kicks=polish_kicks(7))) == pytest.approx(optimum)


def test_the_plan_orders_each_day_no_worse_than_nearest_neighbour():
    stops = _stops(60, seed=17)
    plan = plan_routes(stops, (X0, Y0), GK, RouteOptions(teams=2, days=4))
    xy = np.array([[X0, Y0]] + [[s.stop.geometry.x, s.stop.geometry.y] for d in plan.days for s in d.stops])
    dist = straight_distances(xy, plan.options.detour)
    k = 1
    for day in plan.days:
        idx = list(range(k, k + len(day.stops)))
        k += len(day.stops)
        assert day.distance_m == pytest.approx(route_length(dist, idx))
        assert day.distance_m <= route_length(dist, nearest_neighbour_order(dist, idx)) + 1e-6


# --- road network -----------------------------------------------------------------------


def _river_roads():
    """A river along y = 0 with one bridge at x = 1000: a U-shaped road in three pieces; the bridge
    stops 0.5 m short of the south road (joined by the 1 m snapping tolerance)."""
    north = shapely.LineString([(X0 - 100, Y0 + 100), (X0 + 1000, Y0 + 100)])
    bridge = shapely.LineString([(X0 + 1000, Y0 + 100), (X0 + 1000, Y0 - 99.5)])
    south = shapely.LineString([(X0 + 1000, Y0 - 100), (X0 + 500, Y0 - 100), (X0 - 100, Y0 - 100)])
    return np.array([north, bridge, south], dtype=object)


def test_road_distances_follow_the_detour_over_the_bridge():
    a = Stop("A", shapely.Point(X0, Y0 + 120), "outfall")  # 20 m north of the north road
    b = Stop("B", shapely.Point(X0, Y0 - 120), "outfall")  # 20 m south of the south road, 240 m from A
    options = RouteOptions(detour=1.3)
    plan = plan_routes([a, b], (X0 - 100, Y0 + 100), GK, options, roads=_river_roads(), roads_crs=GK)
    assert plan.metric == "road"
    (day,) = plan.days
    legs = {s.stop.id: s.leg_m for s in day.stops}
    first = day.stops[0].stop.id
    assert first == "A"  # both orders are the same length; the tie goes the insertion way
    assert legs["A"] == pytest.approx(100 + 20 * 1.3)
    assert legs["B"] == pytest.approx(20 * 1.3 + 1000 + 199.5 + 1000 + 20 * 1.3, abs=0.6)
    assert day.return_m == pytest.approx(20 * 1.3 + 1000 + 199.5 + 1100, abs=0.6)
    line = day.geometry
    assert line.distance(shapely.Point(X0 + 1000, Y0)) < 1.0  # the route crosses the river on the bridge
    assert line.length == pytest.approx(day.distance_m - 4 * 20 * 0.3, abs=1.0)  # off-road legs drawn straight
    assert shapely.get_num_coordinates(line) > 6


def test_route_lines_are_the_same_when_paths_are_searched_again(monkeypatch):
    """Large networks do not keep the shortest-path trees of the distance pass; the lines must not change."""
    a = Stop("A", shapely.Point(X0, Y0 + 120), "outfall")
    b = Stop("B", shapely.Point(X0 + 500, Y0 - 120), "outfall")
    kept = plan_routes([a, b], (X0 - 100, Y0 + 100), GK, roads=_river_roads(), roads_crs=GK)
    monkeypatch.setattr(RoadGraph, "KEEP_PATHS", 0)
    again = plan_routes([a, b], (X0 - 100, Y0 + 100), GK, roads=_river_roads(), roads_crs=GK)
    assert kept.days[0].geometry.equals_exact(again.days[0].geometry, 1e-9)
    assert kept.distance_m == again.distance_m


def test_a_line_ending_on_the_side_of_another_joins_it():
    main_road = shapely.LineString([(X0, Y0), (X0 + 1000, Y0)])
    branch = shapely.LineString([(X0 + 500, Y0 + 0.4), (X0 + 500, Y0 + 800)])  # no shared vertex
    stop = Stop("S", shapely.Point(X0 + 500, Y0 + 800), "lead")
    plan = plan_routes([stop], (X0, Y0), GK, roads=np.array([main_road, branch], dtype=object), roads_crs=GK)
    assert plan.days[0].stops[0].leg_m == pytest.approx(1299.6, abs=0.5)


def test_unreachable_stops_are_an_error_naming_them():
    island = shapely.LineString([(X0 + 5000, Y0), (X0 + 5500, Y0)])
    crossing = shapely.LineString([(X0 + 300, Y0 - 500), (X0 + 300, Y0 - 300)])
    roads = np.r_[_river_roads(), np.array([island, crossing], dtype=object)]
    stops = [Stop("OK", shapely.Point(X0, Y0 + 110), "plot"), Stop("ISLAND", shapely.Point(X0 + 5200, Y0 + 5), "plot"),
             Stop("FIELD", shapely.Point(X0 + 300, Y0 - 400), "plot")]
    with pytest.raises(errors.UnreachableStops) as caught:
        plan_routes(stops, (X0 - 100, Y0 + 100), GK, roads=roads, roads_crs=GK)
    assert "ISLAND" in caught.value.message and "FIELD" in caught.value.message
    assert "OK" not in caught.value.message.split(":")[1]
    assert "ISLAND" in caught.value.message_zh and caught.value.code == "unreachable_stops"


def test_roads_in_lon_lat_are_measured_in_metres(tmp_path):
    stops = [Stop("A", shapely.Point(106.21, 29.0), "outfall"), Stop("B", shapely.Point(106.22, 29.01), "outfall")]
    road = shapely.LineString([(106.19, 29.0), (106.21, 29.0), (106.22, 29.0), (106.22, 29.01)])
    straight = plan_routes(stops, (106.2, 29.0), "EPSG:4490", RouteOptions(detour=1.0))
    roads = plan_routes(stops, (106.2, 29.0), "EPSG:4490", RouteOptions(detour=1.0),
                        roads=np.array([road], dtype=object), roads_crs="EPSG:4490")
    assert straight.planar_crs == roads.planar_crs == "EPSG:4544"  # 3° zone 35, central meridian 105°E
    assert 5500 < roads.distance_m < 6500  # along the road and back: about 2 × (1.95 + 1.11) km
    assert 4000 < straight.distance_m < roads.distance_m
    assert roads.days[0].geometry.coords[0] == pytest.approx((106.2, 29.0))


# --- bad input --------------------------------------------------------------------------


def test_bad_input_gives_clear_errors():
    stops = _stops(5)
    with pytest.raises(errors.NoStops):
        plan_routes([], (X0, Y0), GK)
    with pytest.raises(errors.StopsWithoutCRS):
        plan_routes(stops, (X0, Y0), None)
    with pytest.raises(errors.StartFarFromStops) as caught:
        plan_routes(stops, (X0 + 400_000, Y0), GK)
    assert "km outside the stops' extent" in caught.value.message and "公里" in caught.value.message_zh
    lonlat = [Stop(s.id, shapely.Point(106.2 + i / 100, 29.0), s.target_type) for i, s in enumerate(stops)]
    with pytest.raises(errors.StartFarFromStops):
        plan_routes(lonlat, (29.0, 106.2), "EPSG:4490")  # latitude and longitude swapped
    for setting in ({"speed_kmh": 0}, {"budget_min": -5}, {"days": 0}, {"teams": 0}, {"detour": 0.8},
                    {"day_start": "25:00"}):
        with pytest.raises(errors.InvalidRouteSetting):
            plan_routes(stops, (X0, Y0), GK, RouteOptions(**setting))
    with pytest.raises(errors.UnknownTargetType) as caught:
        check_options(RouteOptions(service_min={"factory": 60}))
    assert "factory" in caught.value.message and "enterprise" in caught.value.message
    with pytest.raises(errors.UnknownTargetType):
        parse_service(["factory=60"])
    assert parse_service(["enterprise=120,排污口=20"]) == {"enterprise": 120.0, "outfall": 20.0}
    with pytest.raises(errors.UnknownTargetType):
        plan_routes([Stop("X", shapely.Point(X0, Y0), "shop")], (X0, Y0), GK)
    with pytest.raises(errors.DuplicateStopIds):
        plan_routes([stops[0], stops[0]], (X0, Y0), GK)


def test_errors_are_bilingual_with_codes():
    for exc in (errors.NoStops("x"), errors.StopsWithoutCRS("x"), errors.StartFarFromStops("1,2", GK, 99.0),
                errors.UnreachableStops(["a"], 1.0), errors.InvalidRouteSetting("speed_kmh", 0, "positive", "正数"),
                errors.UnknownTargetType("x", "y", ["a"]), errors.UnknownPriority("x", "y"),
                errors.DuplicateStopIds(["a"], "f")):
        assert exc.code and exc.message and exc.message_zh and exc.message != exc.message_zh


# --- inputs: files and the workspace -----------------------------------------------------


def test_stops_from_a_point_file(tmp_path):
    path = write_vector(tmp_path / "pts.gpkg", [shapely.Point(106.2, 29.01), shapely.Point(106.21, 29.0), None],
                        {"code": ["P1", "P2", "P3"], "kind": ["企业", "outfall", "lead"], "priority": ["高", None, "3"],
                         "name": ["甲厂", "乙口", "丙"]}, driver="GPKG", layer="pts")
    stops, crs = stops_from_file(f"{path}:pts", id_field="code", type_field="kind")
    assert crs == "EPSG:4490"
    assert [(s.id, s.target_type, s.priority, s.name) for s in stops] == [
        ("P1", "enterprise", "high", "甲厂"), ("P2", "outfall", "medium", "乙口"), ("P3", "lead", "low", "丙")]
    assert stops[2].geometry is None
    with pytest.raises(errors.FieldMappingError):
        stops_from_file(path, id_field="nope")
    with pytest.raises(errors.UnknownTargetType):
        stops_from_file(path, id_field="code")  # no target_type field and no default type
    nocrs = write_csv(tmp_path / "nocrs.csv", ["id", "lon", "lat"], [["a", 106.2, 29.0]])
    with pytest.raises(errors.StopsWithoutCRS):
        stops_from_file(nocrs, target_type="lead")
    assert stops_from_file(nocrs, target_type="lead", crs="EPSG:4490")[0][0].id == "a"


def test_open_cases_from_the_workspace(tmp_path):
    ws = str(tmp_path / "ws.gpkg")
    create_workspace(ws)
    points = [shapely.Point(106.20 + i * 0.01, 29.0 + (i % 2) * 0.01) for i in range(4)]
    base = {"target_id": "T", "source": "random_draw"}
    write_features(ws, "inspection_case", points, [
        {**base, "case_id": "AJ1", "target_type": "enterprise", "priority": "high", "status": "pending",
         "team": "一组"},
        {**base, "case_id": "AJ2", "target_type": "outfall", "priority": "low", "status": "pending"},
        {**base, "case_id": "AJ3", "target_type": "plot", "priority": "medium", "status": "closed"},
        {**base, "case_id": "AJ4", "target_type": "lead", "priority": "medium", "status": "inspected",
         "target_name": "线索4"}])
    stops, crs = stops_from_workspace(ws)
    assert crs == "EPSG:4490" and [s.id for s in stops] == ["AJ1", "AJ2"]
    assert stops[0].team == "一组" and stops[0].target_type == "enterprise"
    assert [s.id for s in stops_from_workspace(ws, ["pending", "已检查"])[0]] == ["AJ1", "AJ2", "AJ4"]
    assert [s.id for s in stops_from_workspace(ws, None, case_ids=["AJ3"])[0]] == ["AJ3"]
    assert [s.id for s in stops_from_workspace(ws, teams=["一组"])[0]] == ["AJ1"]
    with pytest.raises(errors.NoStops):
        stops_from_workspace(ws, ["rectified"])


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("routes") / "d.gpkg")
    build_sample_district(path)
    return path


def test_command_line_on_the_sample_district(district, tmp_path, capsys):
    out = str(tmp_path / "routes.gpkg")
    assert main(["routes", "--stops", f"{district}:sewage_outfall", "--id-field", "outfall_code",
                 "--target-type", "outfall", "--start", "106.2,29.0", "--teams", "2", "--days", "3",
                 "--service", "outfall=40", "--start-date", "2026-12-01", "--out", out]) == 0
    printed = capsys.readouterr().out
    assert "T1" in printed and "2026-12-01" in printed and "unscheduled 0" in printed
    layers = [name for name, _ in pyogrio.list_layers(out)]
    assert {"stops", "routes", "unscheduled"} <= set(layers)
    meta, _, _, fields = pyogrio.raw.read(out, layer="stops")
    stops = dict(zip(meta["fields"], fields))
    assert len(stops["case_id"]) == 25 and set(stops["service_min"]) == {40.0}
    assert meta["crs"] == "EPSG:4490"
    meta, _, geoms, fields = pyogrio.raw.read(out, layer="routes")
    routes = dict(zip(meta["fields"], fields))
    assert sum(routes["n_stops"]) == 25 and max(routes["total_min"]) <= 480
    assert all(shapely.from_wkb(g).geom_type == "LineString" for g in geoms)


def test_command_line_in_chinese_and_its_errors(district, tmp_path, capsys):
    out = str(tmp_path / "r.gpkg")
    assert main(["--lang", "zh", "routes", "--stops", f"{district}:sewage_outfall", "--id-field", "outfall_code",
                 "--target-type", "outfall", "--start", "106.2,29.0", "--teams", "一组,二组", "--out", out]) == 0
    assert "一组" in capsys.readouterr().out
    assert main(["routes", "--stops", f"{district}:sewage_outfall", "--id-field", "outfall_code",
                 "--target-type", "outfall", "--start", "29.0,106.2", "--out", out]) == 2
    assert "start_far_from_stops" in capsys.readouterr().err
    assert main(["routes", "-w", district, "--start", "106.2,29.0", "--out", out]) == 2  # no cases yet
    assert "no_stops" in capsys.readouterr().err
    assert main(["routes", "--stops", f"{district}:sewage_outfall", "--target-type", "outfall", "--id-field",
                 "outfall_code", "--start", "106.2,29.0", "--speed-kmh", "0", "--out", out]) == 2
    assert "invalid_route_setting" in capsys.readouterr().err


def test_team_days_fall_on_working_days():
    from green_shield.core.routes import RouteOptions

    friday = dt.date(2026, 12, 4)
    options = RouteOptions(start_date=friday)
    assert [options.date_of(d) for d in range(3)] == [friday, dt.date(2026, 12, 7), dt.date(2026, 12, 8)]
    assert RouteOptions(start_date=dt.date(2026, 12, 5)).date_of(0) == dt.date(2026, 12, 7)  # Saturday → Monday
    assert RouteOptions(start_date=friday, weekends=True).date_of(1) == dt.date(2026, 12, 5)
