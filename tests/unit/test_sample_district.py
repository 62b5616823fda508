"""The sample district: counts, determinism, codes, geometry types and the planted expectations.

Geometric truths are recomputed independently in EPSG:4544 metres from what was written to the
GeoPackage (EPSG:4490).
"""

from __future__ import annotations

import itertools
import math
import subprocess
import sys
from collections import defaultdict

import numpy as np
import pyogrio.raw
import pytest
import shapely
from pyproj import Transformer

from green_shield.core import sample_district as sd
from green_shield.core.errors import WorkspaceExists
from green_shield.core.schema import CODE_LISTS, LAYER_TYPES
from green_shield.core.workspace import open_workspace, read_layer

ZONE_LAYERS = ("redline", "nature_reserve", "water_source_zone", "contaminated_plot")
_TO_PLANAR = Transformer.from_crs("EPSG:4490", "EPSG:4544", always_xy=True)


def planar(geoms) -> list:
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = list(geoms)
    return list(shapely.transform(arr, lambda x, y: _TO_PLANAR.transform(x, y), interleaved=False))


def is_null(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, np.datetime64) and np.isnat(value)


def records(columns: dict[str, np.ndarray]) -> list[dict]:
    n = len(next(iter(columns.values())))
    return [{name: values[i] for name, values in columns.items()} for i in range(n)]


def read_expectations(path: str) -> list[dict]:
    meta, _fids, geometry, field_data = pyogrio.raw.read(path, layer=sd.EXPECTATIONS_LAYER)
    assert geometry is None
    return records(dict(zip(meta["fields"], field_data)))


def measure(geom) -> float:
    return geom.area if geom.area > 0 else geom.length


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("sample") / "qingxi.gpkg")
    counts = sd.build_sample_district(path)
    return path, counts


@pytest.fixture(scope="module")
def layers(district):
    path, _ = district
    out = {}
    for key in LAYER_TYPES:
        geoms, columns, _fids = read_layer(path, key)
        out[key] = (list(geoms), records(columns))
    return out


@pytest.fixture(scope="module")
def metres(layers):
    return {key: planar(geoms) for key, (geoms, _) in layers.items()}


@pytest.fixture(scope="module")
def expectations(district):
    return read_expectations(district[0])


@pytest.fixture(scope="module")
def zones(layers, metres):
    """(layer, zone_ref) → planar union of the zone's features."""
    parts = defaultdict(list)
    for key in ZONE_LAYERS:
        for geom, record in zip(metres[key], layers[key][1]):
            parts[(key, sd.zone_ref(key, record))].append(geom)
    return {ref: shapely.union_all(geoms) for ref, geoms in parts.items()}


@pytest.fixture(scope="module")
def projects(layers, metres):
    """project_code → (planar geometry, record)."""
    return {r["project_code"]: (g, r) for g, r in zip(metres["project"], layers["project"][1])}


def primary(rows: list[dict]) -> list[dict]:
    return [r for r in rows if not r["note"].startswith(sd.DERIVED_NOTE_PREFIX)]


# --- counts, determinism, attributes --------------------------------------------------------


def test_counts(district, layers):
    path, counts = district
    assert set(counts) == set(LAYER_TYPES)
    # cases come from screening (make demo builds them); leads from imagery (core.sample_change)
    ledger = ("inspection_case", "case_history", "change_lead")
    assert all(counts[key] > 0 for key in LAYER_TYPES if key not in ledger), counts
    assert all(counts[key] == 0 for key in ledger), counts
    assert 280 <= counts["project"] <= 320
    assert 8 <= counts["redline"] <= 12
    assert counts["water_intake"] == 5
    assert 20 <= counts["sewage_outfall"] <= 30
    assert 6 <= counts["contaminated_plot"] <= 10
    assert counts["nature_reserve"] == 5
    assert counts["district"] == 1 and counts["river"] == 3 and counts["water_body"] == 3
    assert open_workspace(path).layers == counts
    assert {key: len(geoms) for key, (geoms, _) in layers.items()} == counts


def test_build_is_deterministic(district, tmp_path):
    first = district[0]
    second = str(tmp_path / "again.gpkg")
    sd.build_sample_district(second)
    for key in LAYER_TYPES:
        g1, c1, _ = read_layer(first, key)
        g2, c2, _ = read_layer(second, key)
        assert list(shapely.to_wkb(g1)) == list(shapely.to_wkb(g2)), key
        assert list(c1) == list(c2)
        for name in c1:
            np.testing.assert_array_equal(c1[name], c2[name], err_msg=f"{key}.{name}")
    assert read_expectations(first) == read_expectations(second)


def test_refuses_to_overwrite_without_permission(district, tmp_path):
    with pytest.raises(WorkspaceExists):
        sd.build_sample_district(district[0])
    path = str(tmp_path / "twice.gpkg")
    sd.build_sample_district(path)
    assert sd.build_sample_district(path, overwrite=True)["project"] == district[1]["project"]


def test_codes_are_in_their_lists_and_required_fields_are_filled(layers):
    for key, lt in LAYER_TYPES.items():
        rows = layers[key][1]
        for fd in lt.fields:
            values = [row[fd.name] for row in rows]
            if fd.required:
                assert not any(is_null(v) or (isinstance(v, str) and not v.strip()) for v in values), (key, fd.name)
            if fd.codelist:
                allowed = set(CODE_LISTS[fd.codelist].codes())
                used = {v for v in values if not is_null(v)}
                assert used <= allowed, (key, fd.name, used - allowed)


def test_code_lists_are_well_covered(layers):
    outfalls = layers["sewage_outfall"][1]
    assert {r["outfall_type"] for r in outfalls} == set(CODE_LISTS["outfall_type"].codes())
    assert {r["status"] for r in outfalls} == set(CODE_LISTS["outfall_status"].codes())
    plots = layers["contaminated_plot"][1]
    assert {r["list_status"] for r in plots} == set(CODE_LISTS["plot_status"].codes())
    assert {"residential", "public_service"} <= {r["planned_land_use"] for r in plots}
    assert {True, False} <= {bool(r["investigation_done"]) for r in plots if not is_null(r["investigation_done"])}
    zones = {r["zone"] for r in layers["nature_reserve"][1]}
    assert zones == set(CODE_LISTS["reserve_zone"].codes())
    project_rows = layers["project"][1]
    assert {r["action"] for r in project_rows} == set(CODE_LISTS["project_action"].codes())
    assert len({r["category"] for r in project_rows}) >= 9
    assert len({r["project_code"] for r in project_rows}) == len(project_rows)
    assert all(r["project_code"].startswith("XM-20") and len(r["project_code"]) == 12 for r in project_rows)
    assert {r["water_body_type"] for r in layers["water_intake"][1]} == {"river", "lake_reservoir", "groundwater"}


def test_geometry_types(layers):
    expected = {"polygon": {"MultiPolygon"}, "line": {"MultiLineString"}, "point": {"Point"}}
    for key, lt in LAYER_TYPES.items():
        if lt.geometry == "none" or key in ("inspection_case", "change_lead"):
            continue
        types = {g.geom_type for g in layers[key][0]}
        if lt.geometry == "any":
            assert types == {"Point", "MultiLineString", "MultiPolygon"}, key
        else:
            assert types == expected[lt.geometry], key
    for key in ("redline", "nature_reserve", "water_source_zone", "contaminated_plot", "district", "water_body"):
        assert all(g.is_valid for g in layers[key][0]), key


def test_district_sits_near_origin(layers, metres):
    (boundary,) = layers["district"][0]
    centre = boundary.centroid
    assert abs(centre.x - 106.2) < 0.05 and abs(centre.y - 29.0) < 0.05
    minx, miny, maxx, maxy = metres["district"][0].bounds
    assert 27_000 < maxx - minx < 33_000 and 22_000 < maxy - miny < 28_000
    assert layers["district"][1][0]["xzqdm"] == "500199" and layers["district"][1][0]["xzqmc"] == "青溪区"
    area = metres["district"][0].buffer(1.0)  # rivers are clipped to the boundary
    for key in LAYER_TYPES:
        if key != "district":
            assert all(area.covers(shapely.make_valid(g)) for g in metres[key]), key


# --- zones -------------------------------------------------------------------------------------


def test_water_sources(layers, metres):
    intakes = {r["source_code"]: g for g, r in zip(metres["water_intake"], layers["water_intake"][1])}
    by_source = defaultdict(list)
    for geom, record in zip(metres["water_source_zone"], layers["water_source_zone"][1]):
        by_source[record["source_code"]].append((geom, record))
    assert set(by_source) == set(intakes)
    thousand = set()
    for code, parts in by_source.items():
        assert len(code) == 14 and code.startswith("500199")
        for (g1, r1), (g2, r2) in itertools.combinations(parts, 2):
            assert g1.intersection(g2).area < 0.01, (code, r1["level"], r1["part"], r2["level"], r2["part"])
        level1 = shapely.union_all([g for g, r in parts if r["level"] == "level1"])
        assert level1.contains(intakes[code])
        record = parts[0][1]
        big = record["daily_supply_t"] >= 1000 or record["population_served"] >= 10000
        assert bool(record["thousand_ton"]) == big
        if record["thousand_ton"]:
            thousand.add(code)
        levels = {r["level"] for _, r in parts}
        assert {"level1", "level2"} <= levels
    assert thousand and len(thousand) < len(by_source)
    assert sum("quasi" in {r["level"] for _, r in parts} for parts in by_source.values()) == 1
    # river level 1 water: 1000 m upstream + 100 m downstream of a 300 m wide river
    a_water = [g for g, r in by_source[sd.SOURCE_MAIN_A] if r["level"] == "level1" and r["part"] == "water"]
    assert 0.9 * 1100 * 300 < a_water[0].area < 1.1 * 1100 * 300
    a_land = [g for g, r in by_source[sd.SOURCE_MAIN_A] if r["level"] == "level1" and r["part"] == "land"]
    assert 0.9 * 1100 * 100 < a_land[0].area < 1.1 * 1100 * 100
    # groundwater well: level 1 radius 30 m, level 2 radius 300 m
    well = {r["level"]: g for g, r in by_source[sd.SOURCE_WELL]}
    assert well["level1"].area == pytest.approx(math.pi * 30**2, rel=0.01)
    assert (well["level1"].area + well["level2"].area) == pytest.approx(math.pi * 300**2, rel=0.01)
    # reservoir level 1 water: the reservoir within 300 m of the intake
    reservoir = {(r["level"], r["part"]): g for g, r in by_source[sd.SOURCE_RESERVOIR]}
    assert reservoir[("level1", "water")].hausdorff_distance(intakes[sd.SOURCE_RESERVOIR]) <= 300.5


def test_redlines(layers, metres, zones):
    rows = layers["redline"][1]
    assert len({r["bsm"] for r in rows}) == len(rows)
    assert all(len(r["bsm"]) == 16 and r["bsm"].startswith("5001992020") and r["version"] == "2020" for r in rows)
    assert all(shapely.get_num_coordinates(g) >= 200 for g in metres["redline"])
    assert any(len(g.geoms) >= 2 for g in layers["redline"][0])
    overlaps = [(i, j) for i, j in itertools.combinations(range(len(rows)), 2)
                if metres["redline"][i].intersection(metres["redline"][j]).area > 10_000]
    assert overlaps
    reserve = shapely.union_all([g for g, r in zip(metres["nature_reserve"], layers["nature_reserve"][1])
                                 if r["name"] == sd.LEGACY_RESERVE])
    assert any(g.contains(reserve) for g in metres["redline"])
    reservoir_level1 = zones[("water_source_zone", f"{sd.SOURCE_RESERVOIR}:level1")]
    assert any(g.contains(reservoir_level1) for g in metres["redline"])


def test_nature_reserves_are_nested_rings(layers, metres):
    by_name = defaultdict(dict)
    for geom, record in zip(metres["nature_reserve"], layers["nature_reserve"][1]):
        by_name[record["name"]][record["zone"]] = geom
    assert set(by_name[sd.LEGACY_RESERVE]) == {"core", "buffer", "experimental"}
    assert set(by_name[sd.NEW_RESERVE]) == {"core_protection", "general_control"}
    for zones_of_reserve in by_name.values():
        for g1, g2 in itertools.combinations(zones_of_reserve.values(), 2):
            assert g1.intersection(g2).area < 0.01
        whole = shapely.union_all(list(zones_of_reserve.values()))
        assert len(whole.geoms if hasattr(whole, "geoms") else [whole]) == 1
        assert not list(shapely.get_parts(whole)[0].interiors)
    legacy = by_name[sd.LEGACY_RESERVE]
    assert len(list(legacy["buffer"].geoms[0].interiors)) == 1
    assert len(list(legacy["experimental"].geoms[0].interiors)) == 1


def test_outfalls_as_planned(layers, metres, zones):
    outfalls = {r["outfall_code"]: g for g, r in zip(metres["sewage_outfall"], layers["sewage_outfall"][1])}
    planted = {code for code, *_ in sd.PLANTED_OUTFALLS}
    details = set()
    for code, layer, ref, detail, _note in sd.PLANTED_OUTFALLS:
        assert zones[(layer, ref)].contains(outfalls[code]), code
        details.add((layer, detail))
    assert {("water_source_zone", "level1"), ("water_source_zone", "level2"), ("redline", "redline")} <= details
    protected = shapely.union_all([g for (layer, _), g in zones.items() if layer in ("water_source_zone", "redline")])
    for code, point in outfalls.items():
        if code not in planted:
            assert not protected.intersects(point), code
    water = shapely.union_all(metres["water_body"])
    rivers = shapely.union_all(metres["river"])
    assert all(water.distance(p) < 100 or rivers.distance(p) < 100 for p in outfalls.values())


# --- planted projects ------------------------------------------------------------------------


def _check_relation(row: dict, shape, zone, strict: bool) -> None:
    shape = shape if shape.is_valid else shapely.make_valid(shape)
    distance = shape.distance(zone)
    relation = row["relation"]
    if relation == "inside":
        if strict or shape.geom_type == "Point":
            assert shape.within(zone)
        else:
            assert distance == 0 and measure(shape.difference(zone)) < 0.01
    elif relation == "crossing":
        assert shape.intersects(zone) and not shape.within(zone)
        assert measure(shape.intersection(zone)) > 1 and measure(shape.difference(zone)) > 1
    elif relation == "touching":
        assert distance < 0.01 and shape.intersection(zone).area < 0.01
        if shape.area == 0:  # a line may meet the zone but not run inside it
            assert shape.intersection(zone).length < 0.01
    elif relation == "near":
        assert 20.0 <= distance <= 500.0
    else:
        raise AssertionError(f"unknown relation {relation}")


def test_expectations_hold(expectations, projects, zones):
    assert expectations
    layers_seen = set()
    for row in expectations:
        assert set(row) == set(sd.EXPECTATION_FIELDS)
        assert row["relation"] in sd.RELATIONS
        shape, _record = projects[row["project_code"]]
        zone = zones[(row["zone_layer"], row["zone_ref"])]
        strict = not row["note"].startswith(sd.DERIVED_NOTE_PREFIX)
        try:
            _check_relation(row, shape, zone, strict)
        except AssertionError as exc:
            raise AssertionError(f"{row}: {exc}") from None
        layers_seen.add(row["zone_layer"])
    assert layers_seen == set(ZONE_LAYERS)


def test_zone_details_match_the_zone_layers(expectations, layers):
    details = {}
    for key in ZONE_LAYERS:
        for record in layers[key][1]:
            details[(key, sd.zone_ref(key, record))] = sd.zone_detail(key, record)
    for row in expectations:
        assert details[(row["zone_layer"], row["zone_ref"])] == row["zone_detail"]


def test_every_zone_kind_has_all_four_relations(expectations):
    seen = {(r["zone_layer"], r["zone_detail"], r["relation"]) for r in primary(expectations)}
    missing = [(layer, detail, rel) for layer, detail in sd.PLANTED_ZONE_KINDS for rel in sd.RELATIONS
               if (layer, detail, rel) not in seen]
    assert not missing


def test_planted_projects_have_notes(expectations, projects):
    for code in {r["project_code"] for r in expectations}:
        assert projects[code][1]["notes"], code


def test_planted_special_cases(expectations, projects, layers, zones):
    rows = primary(expectations)

    def planted(layer, detail, relation):
        return [(projects[r["project_code"]], r) for r in rows
                if r["zone_layer"] == layer and r["zone_detail"] == detail and r["relation"] == relation]

    inside_level1 = planted("water_source_zone", "level1", "inside")
    assert any(g.geom_type == "Point" for (g, _), _ in inside_level1)
    categories = {rec["category"] for (_, rec), _ in inside_level1}
    assert {"water_supply", "industry"} <= categories
    assert any(g.geom_type == "MultiLineString" for (g, _), _ in planted("redline", "redline", "crossing"))
    assert any(g.geom_type == "MultiLineString" and rec["category"] == "linear_infrastructure"
               for layer in ("level1", "level2", "quasi")
               for (g, rec), _ in planted("water_source_zone", layer, "crossing"))
    on_listed = {(rec["category"], rec["planned_land_use"]) for (_, rec), _ in
                 planted("contaminated_plot", "listed", "inside")}
    assert ("real_estate", "residential") in on_listed
    assert "risk_control" in {c for c, _ in on_listed}
    # a project inside two overlapping red-line patches
    refs_by_project = defaultdict(set)
    for r in rows:
        if r["zone_layer"] == "redline" and r["relation"] == "inside":
            refs_by_project[r["project_code"]].add(r["zone_ref"])
    doubles = [refs for refs in refs_by_project.values() if len(refs) >= 2]
    assert doubles
    a, b = sorted(doubles[0])[:2]
    assert zones[("redline", a)].intersection(zones[("redline", b)]).area > 10_000
    # zones of different types overlapping: a project inside the reservoir level 1 zone and inside a red line
    reservoir_ref = f"{sd.SOURCE_RESERVOIR}:level1"
    in_reservoir = {r["project_code"] for r in expectations if r["zone_ref"] == reservoir_ref
                    and r["relation"] == "inside"}
    in_redline = {r["project_code"] for r in expectations if r["zone_layer"] == "redline" and r["relation"] == "inside"}
    assert in_reservoir & in_redline
    # every planted geometry type
    types = {projects[r["project_code"]][0].geom_type for r in rows}
    assert types == {"Point", "MultiLineString", "MultiPolygon"}


def test_invalid_and_multipart_projects(expectations, layers):
    geoms, rows = layers["project"]
    invalid = [(g, r) for g, r in zip(geoms, rows) if not g.is_valid]
    assert invalid
    inside_redline = {r["project_code"] for r in expectations
                      if r["zone_layer"] == "redline" and r["relation"] == "inside"}
    assert all(r["project_code"] in inside_redline for _, r in invalid)
    assert all(g.geom_type == "MultiPolygon" and len(g.geoms) == 1 for g, _ in invalid)
    multipart = [g for g in geoms if g.geom_type == "MultiPolygon" and len(g.geoms) >= 2]
    assert len(multipart) >= 3
    planted_codes = {r["project_code"] for r in expectations}
    assert any(g.geom_type == "MultiPolygon" and len(g.geoms) >= 2 and r["project_code"] in planted_codes
               for g, r in zip(geoms, rows))


def test_background_projects_stay_out_of_every_zone(expectations, projects, zones):
    planted_codes = {r["project_code"] for r in expectations}
    background = [g for code, (g, _) in projects.items() if code not in planted_codes]
    assert len(background) >= 200
    tree = shapely.STRtree(list(zones.values()))
    assert all(len(tree.query(g, predicate="intersects")) == 0 for g in background)


def test_module_is_qgis_free():
    code = ("import sys, green_shield.core.sample_district; "
            "sys.exit(any(m.split('.')[0] == 'qgis' for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
