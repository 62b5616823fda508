"""Default water-source protection zones: lengths along the channel, levels, lakes, wells, official zones."""

import sqlite3

import numpy as np
import pyogrio.raw
import pytest
import shapely
from shapely.geometry import LineString, Point, box

from green_shield.core import water_zones as wz
from green_shield.core.errors import NoIntakes, NoZoneOutput, UnknownFlowField
from green_shield.core.screening import reproject
from green_shield.core.workspace import read_layer

# Y-shaped river in metres: main stem west → east along y = 0, tributary from the south joining at x = 3000.
RIVERS = [wz.RiverLine(LineString([(0, 0), (3000, 0)]), "大江", 40.0),
          wz.RiverLine(LineString([(3000, 0), (8000, 0)]), "大江", 40.0),
          wz.RiverLine(LineString([(3000, -4000), (3000, 0)]), "清水河", 20.0)]


def generator(**kw):
    return wz.ZoneGenerator(wz.zone_defaults(), rivers=kw.pop("rivers", RIVERS), **kw)


def intake(x, y, kind="river", code="S1"):
    return wz.Intake(code, "取水口", kind, Point(x, y), daily_supply_t=1500.0, population_served=8000)


def test_level1_reach_is_1100_m_along_the_channel():
    result = wz.generate_zones([intake(6000, 15)], generator())
    assert result.reach("S1", "level1").length_m == pytest.approx(1100.0, abs=1.0)
    assert result.reach("S1", "level2").length_m == pytest.approx(3300.0, abs=1.0)
    water = result.zone("S1", "level1", "water").geometry
    assert water.area == pytest.approx(1100 * 40, rel=0.01)  # the reach buffered to the river width
    assert result.zone("S1", "level1", "water").record["delineation"] == "generated_default"
    assert result.zone("S1", "level1", "water").record["thousand_ton"] is True


def test_upstream_goes_into_both_branches_at_a_confluence():
    result = wz.generate_zones([intake(3500, 10)], generator())  # 500 m below the confluence
    assert result.reach("S1", "level1").length_m == pytest.approx(100 + 500 + 2 * 500, abs=1.0)
    # level 2: 3000 m up = 500 to the confluence + 2500 up each branch (the main stem above has 3000 m)
    assert result.reach("S1", "level2").length_m == pytest.approx(300 + 500 + 2500 + 2500, abs=1.0)
    water = result.zone("S1", "level1", "water").geometry
    assert water.intersects(Point(3000, -400)) and water.intersects(Point(2600, 0))
    assert not water.intersects(Point(3000, -600)) and not water.intersects(Point(3700, 0))


def test_levels_and_parts_do_not_overlap():
    result = wz.generate_zones([intake(3500, 10)], generator())
    parts = [z.geometry for z in result.zones]
    assert len(parts) == 4
    for i, a in enumerate(parts):
        for b in parts[i + 1:]:
            assert a.intersection(b).area < 1.0
    land1 = result.zone("S1", "level1", "land").geometry
    assert land1.distance(Point(6000, 0)) > 0  # land stays out of the water
    assert land1.intersects(Point(3400, 20 + 45)) and not land1.intersects(Point(3400, 20 + 60))


def test_river_polygon_clips_the_water_zone():
    river = box(-100, -30, 9000, 30)  # 60 m wide, wider than the lines say
    result = wz.generate_zones([intake(6000, 15)], generator(river_polygons=[river]))
    water = result.zone("S1", "level1", "water").geometry
    assert water.area == pytest.approx(1100 * 60, rel=0.01)
    assert water.within(river.buffer(0.01))


def test_lake_radius_and_land_ring():
    lake = Point(0, 0).buffer(1500, quad_segs=64)  # ~7 km²: medium
    result = wz.generate_zones([intake(1400, 0, "lake_reservoir")], generator(rivers=[], lakes=[lake]))
    w1 = result.zone("S1", "level1", "water").geometry
    assert w1.equals_exact(w1, 0) and w1.within(lake.buffer(0.01))
    assert w1.hausdorff_distance(Point(1400, 0)) == pytest.approx(300.0, abs=1.0)
    l1 = result.zone("S1", "level1", "land").geometry
    assert l1.hausdorff_distance(Point(1400, 0)) == pytest.approx(500.0, abs=2.0)  # 300 + 200 on the intake side
    assert l1.distance(Point(-1500, 0)) > 2000  # not around the whole lake
    assert result.zone("S1", "level2", "water").geometry.area == pytest.approx(lake.area - w1.area, rel=1e-6)
    large = wz.generate_zones([intake(1400, 0, "lake_reservoir")],
                              generator(rivers=[], lakes=[lake], lake_size="large"))
    assert large.zone("S1", "level1", "water").geometry.hausdorff_distance(Point(1400, 0)) == pytest.approx(
        500.0, abs=1.0)


def test_well_radii_default_and_from_hydrogeology():
    result = wz.generate_zones([intake(0, 0, "groundwater")], generator(rivers=[]))
    l1, l2 = result.zone("S1", "level1", "land").geometry, result.zone("S1", "level2", "land").geometry
    assert l1.area == pytest.approx(np.pi * 30**2, rel=0.01)
    assert l2.area == pytest.approx(np.pi * (300**2 - 30**2), rel=0.01)
    hydro = wz.Hydrogeology(alpha=1.5, k_m_per_day=10.0, gradient=0.002, porosity=0.2)  # R = 0.15 m/d × T
    result = wz.generate_zones([intake(0, 0, "groundwater")], generator(rivers=[], hydrogeology=hydro))
    assert result.zone("S1", "level1", "land").geometry.area == pytest.approx(np.pi * 15**2, rel=0.01)
    outer = shapely.union(result.zone("S1", "level1", "land").geometry, result.zone("S1", "level2", "land").geometry)
    assert outer.area == pytest.approx(np.pi * 150**2, rel=0.01)


def test_intake_far_from_water_is_reported_and_skipped():
    result = wz.generate_zones([intake(6000, 900)], generator())
    assert result.zones == [] and result.skipped_sources == ["S1"]
    issue = result.issues[0]
    assert issue.kind == "far_from_water" and (issue.x, issue.y) == (6000, 900)
    assert "100 m" in issue.message and "100 米" in issue.message_zh


def test_existing_zones_are_never_duplicated():
    status = wz.existing_zone_status(["S1", "S2", "S3", "S3"], ["official", None, "generated_default", "official"])
    assert status == {"s1": "official", "s2": "official", "s3": "official"}  # keys are trimmed, case-folded
    assert wz.existing_zone_status(["S4"], ["generated_default"]) == {"s4": "generated"}
    result = wz.generate_zones([intake(6000, 15, code="S1"), intake(1000, 10, code="S4")], generator(),
                               {"S1": "official", "S4": "generated"})
    assert result.zones == []
    assert [i.kind for i in result.issues] == ["has_official_zones", "has_generated_zones"]


def test_network_gap_reported_as_an_input_issue():
    rivers = [wz.RiverLine(LineString([(0, 0), (3000, 0)]), "大江", 40.0),
              wz.RiverLine(LineString([(3030, 0), (8000, 0)]), "大江", 40.0)]
    result = wz.generate_zones([intake(3500, 10)], generator(rivers=rivers))
    assert [i.kind for i in result.issues] == ["network:gap", "short_reach"]
    assert result.issues[0].x == pytest.approx(3015.0)
    assert result.reach("S1", "level1").length_m == pytest.approx(100 + 470, abs=1.0)  # stops at the gap
    short = result.issues[1]
    assert short.source_code == "S1" and (short.x, short.y) == (3500, 10)
    assert "level1: 570 m of 1100 m" in short.message and "一级保护区 570 米，应为 1100 米" in short.message_zh


# --- the sample district -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from green_shield.core.sample_district import build_sample_district

    folder = tmp_path_factory.mktemp("water")
    path = str(folder / "sample.gpkg")
    build_sample_district(path)
    blank = str(folder / "no_zones.gpkg")
    with open(path, "rb") as src, open(blank, "wb") as dst:
        dst.write(src.read())
    with sqlite3.connect(blank) as con:
        con.execute("DELETE FROM water_source_zone")
    return path, blank


def test_sample_district_zones_match_its_drawn_zones(sample):
    path, blank = sample
    result, _notes = wz.run_water_zones(workspace=blank)
    assert len(result.generated_sources) == 5 and len(result.zones) == 18
    for code in ("500199A0010001", "500199A0010002", "500199A0020001"):
        assert result.reach(code, "level1").length_m == pytest.approx(1100.0, abs=1.0)
        assert result.reach(code, "level2").length_m == pytest.approx(3300.0, abs=1.0)
    geoms, cols, _ = read_layer(path, "water_source_zone")
    planar = result.planar_crs
    ref = dict(zip(zip(cols["source_code"], cols["level"], cols["part"]),
                   reproject(np.asarray(geoms, dtype=object), "EPSG:4490", planar)))
    for zone in result.zones:
        mine = zone.record["_planar"]
        theirs = ref[(zone.source_code, zone.level, zone.part)]
        assert mine.intersection(theirs).area / mine.union(theirs).area > 0.99, (zone.source_code, zone.level)
    assert [i.kind for i in result.issues] == ["network:isolated"]  # 白云溪 ends in the reservoir


def test_sample_district_official_zones_are_kept(sample, tmp_path):
    path, _blank = sample
    result, _ = wz.run_water_zones(workspace=path)
    assert result.zones == [] and len(result.skipped_sources) == 5
    assert {i.kind for i in result.issues} == {"has_official_zones", "network:isolated"}


def test_cli_writes_the_schema_and_appends_only_new_sources(sample, tmp_path):
    from green_shield.core.cli import main

    _path, blank = sample
    work = str(tmp_path / "work.gpkg")
    with open(blank, "rb") as src, open(work, "wb") as dst:
        dst.write(src.read())
    out = str(tmp_path / "zones.gpkg")
    assert main(["water-zones", "-w", work, "-o", out, "--append"]) == 0
    meta, _fids, _geom, fields = pyogrio.raw.read(out, layer="water_source_zone", return_fids=True)
    cols = dict(zip(meta["fields"], fields))
    assert meta["crs"] == "EPSG:4490" and len(cols["source_code"]) == 18
    assert set(cols["delineation"]) == {"generated_default"}
    assert set(cols["notes"]) == {wz.NOTE}
    _g, ws_cols, _ = read_layer(work, "water_source_zone")
    assert len(ws_cols["source_code"]) == 18
    # a second run finds the generated zones and adds nothing
    assert main(["water-zones", "-w", work, "--append"]) == 0
    assert len(read_layer(work, "water_source_zone")[1]["source_code"]) == 18
    reaches = pyogrio.raw.read(out, layer="reaches")
    assert sorted(np.round(reaches[3][4]).tolist()) == [1100.0] * 3 + [3300.0] * 3


def test_reprojected_inputs_and_a_reversed_field(sample, tmp_path):
    """River lines in another CRS and drawn backwards, with a field that says so."""
    _path, blank = sample
    geoms, cols, _ = read_layer(blank, "river")
    moved = reproject(np.asarray(geoms, dtype=object), "EPSG:4490", "EPSG:4544")
    backwards = [shapely.reverse(g) for g in moved]
    rivers = str(tmp_path / "rivers.gpkg")
    wkb = np.array(shapely.to_wkb(np.asarray(backwards, dtype=object)), dtype=object)
    pyogrio.raw.write(rivers, wkb, [np.array(cols["name"], dtype=object), np.array(cols["width_m"]),
                                    np.array(["是"] * len(cols["name"]), dtype=object)],
                      ["name", "width_m", "fanxiang"], layer="rivers", driver="GPKG",
                      geometry_type="MultiLineString", crs="EPSG:4544")
    result, _ = wz.run_water_zones(workspace=blank, rivers=rivers, reversed_field="fanxiang")
    assert result.reach("500199A0020001", "level1").length_m == pytest.approx(1100.0, abs=1.0)
    with pytest.raises(UnknownFlowField):
        wz.run_water_zones(workspace=blank, rivers=rivers, reversed_field="nope")


def test_no_intakes_and_no_output_are_clear_errors(tmp_path):
    from green_shield.core.cli import main
    from green_shield.core.workspace import create_workspace

    empty = str(tmp_path / "empty.gpkg")
    create_workspace(empty)
    with pytest.raises(NoIntakes) as err:
        wz.run_water_zones(workspace=empty)
    assert "water_intake" in str(err.value) and "取水口" in err.value.message_zh
    with pytest.raises(NoZoneOutput):
        wz.cmd_water_zones(type("A", (), {"out": None, "append": False, "workspace": empty})())
    assert main(["water-zones", "-w", empty, "-o", str(tmp_path / "x.gpkg")]) == 2


# --- review fixes (synthetic lines in EPSG:4544) ---------------------------------------------------------

X0, Y0 = 600000.0, 3200000.0


def _write(path, geoms, columns: dict, crs="EPSG:4544", layer="data"):
    wkb = np.array(shapely.to_wkb(np.asarray(geoms, dtype=object)), dtype=object)
    pyogrio.raw.write(path, wkb, [np.array(v, dtype=object) for v in columns.values()], list(columns),
                      layer=layer, driver="GPKG", crs=crs, geometry_type=geoms[0].geom_type)
    return path


@pytest.fixture
def synthetic(tmp_path):
    intakes = _write(str(tmp_path / "in.gpkg"), [Point(X0 + 5000, Y0 + 10)],
                     {"source_code": ["S1"], "name": ["取水口"], "water_body_type": ["river"]})
    rivers = _write(str(tmp_path / "rv.gpkg"), [LineString([(X0, Y0), (X0 + 10000, Y0)])], {"name": ["大江"]})
    return tmp_path, intakes, rivers


def test_output_may_not_replace_an_input(synthetic):
    from green_shield.core.cli import main
    from green_shield.core.errors import ZoneOutputIsAnInput

    folder, intakes, rivers = synthetic
    before = open(rivers, "rb").read()
    args = ["water-zones", "--intakes", intakes, "--rivers", rivers, "-o"]
    assert main(args + [rivers]) == 2 and main(args + [intakes]) == 2
    assert open(rivers, "rb").read() == before
    with pytest.raises(ZoneOutputIsAnInput) as err:
        wz.check_output(rivers + "", rivers=f"{rivers}:data")
    assert "river centre lines" in str(err.value) and "河流中心线" in err.value.message_zh
    assert main(args + [str(folder / "zones.gpkg")]) == 0


def test_existing_file_and_append_still_respect_the_workspace_zones(sample, tmp_path):
    from green_shield.core.cli import main

    path, _blank = sample
    work = str(tmp_path / "work.gpkg")
    with open(path, "rb") as src, open(work, "wb") as dst:
        dst.write(src.read())
    other = _write(str(tmp_path / "other.gpkg"), [box(0, 0, 1, 1)], {"source_code": ["X"]}, crs="EPSG:4490")
    before = len(read_layer(work, "water_source_zone")[1]["source_code"])
    assert main(["water-zones", "-w", work, "--existing", other, "--append"]) == 0
    assert len(read_layer(work, "water_source_zone")[1]["source_code"]) == before  # official zones kept alone


def test_codes_compare_trimmed_and_case_folded_and_intakes_inside_zones_are_skipped():
    zone = box(5800, -200, 6200, 200)
    result = wz.generate_zones([intake(6000, 15, code="s1 "), intake(6100, 10, code="OTHER")], generator(),
                               {"S1": "official"}, [("S1", zone)])
    assert result.zones == [] and result.skipped_sources == ["s1 ", "OTHER"]
    assert [i.kind for i in result.issues] == ["has_official_zones", "inside_existing_zone"]
    assert "S1" in result.issues[1].message and "S1" in result.issues[1].message_zh


def test_short_reach_at_a_line_end_and_no_river_lines_once():
    short = [wz.RiverLine(LineString([(5500, 0), (8000, 0)]), "大江", 40.0)]
    result = wz.generate_zones([intake(6000, 15)], generator(rivers=short))
    issue = next(i for i in result.issues if i.kind == "short_reach")
    assert "level1: 600 m of 1100 m (500 of 1000 m upstream" in issue.message
    result = wz.generate_zones([intake(6000, 15), intake(7000, 15, code="S2"), intake(0, 0, "groundwater", "W")],
                               generator(rivers=[]))
    kinds = [i.kind for i in result.issues]
    assert kinds == ["no_river_lines"] and "S1, S2" in result.issues[0].message
    assert "S1、S2" in result.issues[0].message_zh and result.generated_sources == ["W"]


def test_river_polygons_given_as_rivers_are_a_clear_error(synthetic):
    from green_shield.core.cli import main
    from green_shield.core.errors import ZoneRiversNotLines

    folder, intakes, _rivers = synthetic
    polys = _write(str(folder / "polys.gpkg"), [box(X0, Y0 - 20, X0 + 10000, Y0 + 20)], {"name": ["大江"]})
    with pytest.raises(ZoneRiversNotLines) as err:
        wz.run_water_zones(intakes=intakes, rivers=polys)
    assert polys in str(err.value) and "Polygon" in str(err.value) and "--river-polygons" in err.value.message_zh
    assert main(["water-zones", "--intakes", intakes, "--rivers", polys, "-o", str(folder / "z.gpkg")]) == 2


def test_source_crs_for_inputs_without_one(synthetic):
    from green_shield.core.cli import main

    folder, intakes, _rivers = synthetic
    bare = str(folder / "bare.shp")  # no .prj
    pyogrio.raw.write(bare, np.array([shapely.to_wkb(LineString([(X0, Y0), (X0 + 10000, Y0)]))], dtype=object),
                      [np.array(["dajiang"], dtype=object)], ["name"], driver="ESRI Shapefile",
                      geometry_type="LineString")
    out = str(folder / "z.gpkg")
    args = ["water-zones", "--intakes", intakes, "--rivers", bare, "-o", out]
    assert main(args) == 2  # missing CRS
    assert main(args + ["--source-crs", "EPSG:4544"]) == 0
    assert len(pyogrio.raw.read(out, layer="water_source_zone")[3][0]) == 4


def test_chinese_summary(synthetic, capsys):
    from green_shield.core.cli import main

    folder, intakes, rivers = synthetic
    assert main(["--lang", "zh", "water-zones", "--intakes", intakes, "--rivers", rivers, "-o",
                 str(folder / "z.gpkg")]) == 0
    out = capsys.readouterr().out
    assert "一级保护区/陆域" in out and "公顷" in out and "1 个水源共 4 个保护区分区" in out
    assert " ha" not in out and "zone parts" not in out
