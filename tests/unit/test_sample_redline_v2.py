"""The 2021 sample red line: schema, determinism, validity and the geometric truth of every planted change.

Truths are recomputed independently with shapely in EPSG:4544 metres from what was written (EPSG:4490):
a piece of a difference between the versions counts as a real change unless it is noise (thinner than
1 m, i.e. empty after buffer(-0.5), or smaller than MIN_PIECE_M2).
"""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np
import pyogrio
import pyogrio.raw
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import box

from green_shield.core import sample_district as sd
from green_shield.core import sample_redline_v2 as v2
from green_shield.core.errors import WorkspaceExists
from green_shield.core.schema import LAYER_TYPES
from green_shield.core.workspace import read_layer

MIN_PIECE_M2 = 100.0
_TO_PLANAR = Transformer.from_crs("EPSG:4490", "EPSG:4544", always_xy=True)


def planar(geoms) -> list:
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = list(geoms)
    return list(shapely.transform(arr, lambda x, y: _TO_PLANAR.transform(x, y), interleaved=False))


def read(path: str, layer: str) -> tuple[list, list[dict], dict]:
    meta, _fids, geometry, field_data = pyogrio.raw.read(path, layer=layer)
    n = len(field_data[0]) if field_data else 0
    records = [{name: values[i] for name, values in zip(meta["fields"], field_data)} for i in range(n)]
    geoms = list(shapely.from_wkb(geometry)) if geometry is not None else []
    return geoms, records, meta


def real_pieces(geom) -> list:
    """The parts of a difference that are not alignment noise."""
    return [p for p in shapely.get_parts(geom)
            if p.area >= MIN_PIECE_M2 and not p.buffer(-0.5).is_empty]


def real_area(geom) -> float:
    return sum(p.area for p in real_pieces(geom))


def overlap(a, b) -> float:
    """Area of a ∩ b; 0 for disjoint geometries (GEOS warns on some empty intersections)."""
    return a.intersection(b).area if a.intersects(b) else 0.0


def empty_reason(value) -> bool:
    return value is None or str(value).strip() == ""


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("sample") / "qingxi.gpkg")
    sd.build_sample_district(path)
    return path


@pytest.fixture(scope="module")
def built(district, tmp_path_factory):
    out = str(tmp_path_factory.mktemp("v2") / "redline_2021.gpkg")
    start = time.perf_counter()
    result = v2.build_redline_v2(district, out)
    return out, result, time.perf_counter() - start


@pytest.fixture(scope="module")
def versions(built):
    """{'old'|'new': {bsm: (planar geometry, record)}} from the written file."""
    path = built[0]
    out = {}
    for key, layer in (("old", v2.OLD_LAYER), ("new", v2.NEW_LAYER)):
        geoms, records, _ = read(path, layer)
        out[key] = {r["bsm"]: (g, r) for g, r in zip(planar(geoms), records)}
    return out


@pytest.fixture(scope="module")
def unions(versions):
    return {key: shapely.union_all([g for g, _ in features.values()]) for key, features in versions.items()}


@pytest.fixture(scope="module")
def rows(built):
    _geoms, records, _ = read(built[0], v2.EXPECTATIONS_LAYER)
    return records


@pytest.fixture(scope="module")
def context(district):
    """Planar zones, projects and plots of the sample district."""
    def layer(key):
        geoms, columns, _ = read_layer(district, key)
        records = [{n: v[i] for n, v in columns.items()} for i in range(len(geoms))]
        return planar(geoms), records

    reserves, reserve_recs = layer("nature_reserve")
    ws, ws_recs = layer("water_source_zone")
    plots, plot_recs = layer("contaminated_plot")
    projects, project_recs = layer("project")
    district_geom = layer("district")[0][0]
    level1_by_source = defaultdict(list)
    for g, r in zip(ws, ws_recs):
        if r["level"] == "level1":
            level1_by_source[r["source_code"]].append(g)
    return {
        "legacy_core": shapely.union_all([g for g, r in zip(reserves, reserve_recs) if r["zone"] == "core"]),
        "core_zones": shapely.union_all([g for g, r in zip(reserves, reserve_recs)
                                         if r["zone"] in ("core", "core_protection")]),
        "level1": shapely.union_all([g for g, r in zip(ws, ws_recs) if r["level"] == "level1"]),
        "level1_by_source": {k: shapely.union_all(v) for k, v in level1_by_source.items()},
        "listed": [g for g, r in zip(plots, plot_recs) if r["list_status"] == "listed"],
        "projects": projects,
        "x_range": (district_geom.bounds[0], district_geom.bounds[2]),
    }


def rows_of(rows, change_class=None, **match) -> list[dict]:
    return [r for r in rows if (change_class is None or r["change_class"] == change_class)
            and all(r[k] == v for k, v in match.items())]


def added_pieces(versions, unions, bsm_new) -> list:
    return real_pieces(versions["new"][bsm_new][0].difference(unions["old"]))


def removed_pieces(versions, unions, bsm_old) -> list:
    return real_pieces(versions["old"][bsm_old][0].difference(unions["new"]))


# --- build, determinism, schema ----------------------------------------------------------------------


def test_build_is_fast_and_counts_match(built, versions, rows):
    _path, result, seconds = built
    assert seconds < 5.0
    assert result[v2.NEW_LAYER] == len(versions["new"])
    assert result[v2.OLD_LAYER] == len(versions["old"]) == 10
    assert result[v2.EXPECTATIONS_LAYER] == len(rows) == len(result["changes"])
    assert result["added_m2"] == pytest.approx(sum(r["area_m2"] for r in rows_of(rows, "added")))
    assert result["removed_m2"] == pytest.approx(sum(r["area_m2"] for r in rows_of(rows, "removed")))
    assert result["towns"][v2.NEW_VERSION] == {b: r["xzqmc"] for b, (_g, r) in versions["new"].items()}


def test_build_is_deterministic(district, built, tmp_path):
    again = str(tmp_path / "again.gpkg")
    v2.build_redline_v2(district, again)
    for layer in (v2.NEW_LAYER, v2.OLD_LAYER, v2.EXPECTATIONS_LAYER):
        m1, _f1, g1, d1 = pyogrio.raw.read(built[0], layer=layer)
        m2, _f2, g2, d2 = pyogrio.raw.read(again, layer=layer)
        assert list(m1["fields"]) == list(m2["fields"])
        if g1 is not None:
            assert list(g1) == list(g2), layer
        for name, a, b in zip(m1["fields"], d1, d2):
            np.testing.assert_array_equal(a, b, err_msg=f"{layer}.{name}")


def test_refuses_to_overwrite_without_permission(district, built, tmp_path):
    with pytest.raises(WorkspaceExists):
        v2.build_redline_v2(district, built[0])
    path = tmp_path / "twice.gpkg"
    path.write_text("not a geopackage")
    assert v2.build_redline_v2(district, str(path), overwrite=True)[v2.OLD_LAYER] == 10


def test_field_schema(built, rows):
    path = built[0]
    schema = LAYER_TYPES["redline"].field_names()
    layers = {name for name, _ in pyogrio.list_layers(path)}
    assert {v2.NEW_LAYER, v2.OLD_LAYER, v2.EXPECTATIONS_LAYER} <= layers
    for layer, fields, version in ((v2.NEW_LAYER, [*schema, "reason"], "2021"), (v2.OLD_LAYER, schema, "2020")):
        info = pyogrio.read_info(path, layer=layer)
        assert list(info["fields"]) == fields
        assert info["geometry_type"] == "MultiPolygon"
        assert "4490" in info["crs"]
        _g, records, _ = read(path, layer)
        assert {r["version"] for r in records} == {version}
        assert all(r["bsm"] and r["name"] and r["eco_function"] for r in records)
        assert {r["xzqmc"] for r in records} == {name for _, name in v2.TOWNS}
        assert all(r["xzqdm"] == v2.TOWN_CODES[r["xzqmc"]] for r in records)
    _g, new_records, _ = read(path, v2.NEW_LAYER)
    assert {r["reason"] for r in new_records} - {None, ""} == set(v2.REASONS)
    _g, _r, meta = read(path, v2.EXPECTATIONS_LAYER)
    assert list(meta["fields"]) == list(v2.EXPECTATION_FIELDS)
    assert pyogrio.read_info(path, layer=v2.EXPECTATIONS_LAYER)["geometry_type"] is None
    for r in rows:
        assert r["change_class"] in v2.CHANGE_CLASSES
        assert r["flag"] in ("", *v2.FLAGS)
        assert r["division"] in v2.TOWN_CODES
        assert r["note"]
        assert r["area_m2"] >= 0.0
        assert (r["area_m2"] == 0.0) == (r["change_class"] in ("modified", "noise"))


def test_expectations_cover_every_class_and_flag(rows):
    assert {r["change_class"] for r in rows} == set(v2.CHANGE_CLASSES)
    assert {r["flag"] for r in rows} - {""} == set(v2.FLAGS)
    assert len(rows_of(rows, "split")) == 2 and len(rows_of(rows, "merged")) == 2


def test_old_version_is_the_workspace_red_line_with_towns(district, built):
    geoms, columns, _ = read_layer(district, "redline")
    old_geoms, old_records, _ = read(built[0], v2.OLD_LAYER)
    assert list(shapely.to_wkb(geoms)) == list(shapely.to_wkb(old_geoms))
    for i, record in enumerate(old_records):
        for name in LAYER_TYPES["redline"].field_names():
            if name not in ("xzqdm", "xzqmc"):
                assert record[name] == columns[name][i], name


def test_towns_by_thirds(versions, context):
    for features in versions.values():
        geoms = [g for g, _ in features.values()]
        assert v2.assign_towns(geoms, context["x_range"]) == [r["xzqmc"] for _, r in features.values()]
    a, b, c = box(0, 0, 10, 10), box(40, 0, 50, 10), box(90, 0, 100, 10)
    assert v2.assign_towns([a, b, c]) == ["青溪街道", "白云镇", "石门镇"]
    assert v2.assign_towns([a], (-100.0, 0.0)) == ["石门镇"]


def test_geometries_valid_and_2021_patches_disjoint(built, versions):
    for layer in (v2.NEW_LAYER, v2.OLD_LAYER):
        geoms, _r, _ = read(built[0], layer)
        assert all(g.geom_type == "MultiPolygon" and g.is_valid and not g.is_empty for g in geoms)
    new = [g for g, _ in versions["new"].values()]
    assert all(g.is_valid for g in new)
    for i in range(len(new)):
        for j in range(i + 1, len(new)):
            assert not new[i].intersects(new[j])


def test_other_crs(district, built, versions, tmp_path):
    out = str(tmp_path / "metres.gpkg")
    v2.build_redline_v2(district, out, crs="EPSG:4544")
    assert "4544" in pyogrio.read_info(out, layer=v2.NEW_LAYER)["crs"]
    geoms, records, _ = read(out, v2.NEW_LAYER)
    for g, r in zip(geoms, records):
        assert g.is_valid
        assert g.area == pytest.approx(versions["new"][r["bsm"]][0].area, rel=1e-6)


# --- geometric truth of the expectations ---------------------------------------------------------------


def test_added_areas_match(versions, unions, rows):
    for bsm in versions["new"]:
        expected = sum(r["area_m2"] for r in rows_of(rows, "added", bsm_new=bsm))
        measured = real_area(versions["new"][bsm][0].difference(unions["old"]))
        assert measured == pytest.approx(expected, rel=0.01, abs=1.0), bsm


def test_removed_areas_match(versions, unions, rows):
    for bsm in versions["old"]:
        expected = sum(r["area_m2"] for r in rows_of(rows, "removed", bsm_old=bsm))
        measured = real_area(versions["old"][bsm][0].difference(unions["new"]))
        assert measured == pytest.approx(expected, rel=0.01, abs=1.0), bsm


def test_sizes_of_planted_changes(versions, rows):
    flagged = {r["flag"]: r for r in rows if r["flag"]}
    assert flagged["core_zone"]["area_m2"] >= 5000.0
    assert flagged["no_reason"]["area_m2"] >= 5000.0
    assert flagged["project"]["area_m2"] > 2000.0 and flagged["listed_plot"]["area_m2"] > 2000.0
    new_patches = [r for r in rows_of(rows, "added", bsm_old="") if r["bsm_new"] not in versions["old"]]
    assert max(r["area_m2"] for r in new_patches) >= 1e6


def test_removal_flags_are_true(versions, unions, rows, context):
    by_old = defaultdict(set)
    for r in rows_of(rows, "removed"):
        by_old[r["bsm_old"]].add(r["flag"])
    for bsm, flags in by_old.items():
        pieces = removed_pieces(versions, unions, bsm)
        assert pieces, bsm
        for piece in pieces:
            if "core_zone" in flags:
                assert piece.difference(context["legacy_core"]).area < 0.01 * piece.area, bsm
            else:
                assert overlap(piece, context["core_zones"]) < 1.0, bsm
            if "level1_water" in flags:
                assert piece.difference(context["level1"]).area < 0.01 * piece.area, bsm
            else:
                assert overlap(piece, context["level1"]) < 1.0, bsm
        successors = [b for b in [bsm, *(r["bsm_new"] for r in rows_of(rows, "split", bsm_old=bsm))]
                      if b in versions["new"]]
        if "no_reason" in flags:
            assert successors and all(empty_reason(versions["new"][b][1]["reason"]) for b in successors)
        elif successors:
            assert all(not empty_reason(versions["new"][b][1]["reason"]) for b in successors), bsm
        else:  # withdrawn entirely: the reason is only in the note
            assert "退出" in rows_of(rows, "removed", bsm_old=bsm)[0]["note"]


def test_addition_flags_are_true(versions, unions, rows, context):
    projects = shapely.STRtree(context["projects"])
    listed = shapely.STRtree(context["listed"])
    by_new = defaultdict(set)
    for r in rows_of(rows, "added"):
        by_new[r["bsm_new"]].add(r["flag"])
    for bsm, flags in by_new.items():
        pieces = added_pieces(versions, unions, bsm)
        assert pieces, bsm
        whole = shapely.union_all(pieces)
        project_overlap = sum(whole.intersection(context["projects"][int(i)]).area
                              for i in projects.query(whole, predicate="intersects"))
        listed_overlap = sum(whole.intersection(context["listed"][int(i)]).area
                             for i in listed.query(whole, predicate="intersects"))
        if "project" in flags:
            assert project_overlap > 500.0, bsm
        else:
            assert len(projects.query(whole, predicate="dwithin", distance=1.0)) == 0, bsm
        if "listed_plot" in flags:
            assert listed_overlap > 500.0, bsm
        else:
            assert len(listed.query(whole, predicate="intersects")) == 0, bsm


def test_level1_zone_brought_into_red_line(versions, rows, context):
    row = next(r for r in rows_of(rows, "added") if "一级保护区划入红线" in r["note"])
    patch = versions["new"][row["bsm_new"]][0]
    coverage = max(overlap(patch, z) / z.area for z in context["level1_by_source"].values())
    assert coverage > 0.98
    assert row["area_m2"] == pytest.approx(patch.area, rel=0.01)


def test_noise_is_thin(versions, rows):
    noise_only = {r["bsm_old"] for r in rows_of(rows, "noise")} - {
        r["bsm_old"] for r in rows if r["change_class"] != "noise"}
    assert noise_only
    for bsm in {r["bsm_old"] for r in rows_of(rows, "noise")}:
        old, new = versions["old"][bsm][0], versions["new"][bsm][0]
        assert new.area == pytest.approx(old.area - sum(r["area_m2"] for r in rows_of(rows, "removed", bsm_old=bsm)),
                                         abs=5.0)
        if bsm in noise_only:
            diff = old.symmetric_difference(new)
            assert diff.area > 0  # re-digitised, not copied
            assert diff.buffer(-0.5).is_empty
            assert shapely.hausdorff_distance(old, new) <= v2.JITTER_M + 0.01
            assert new.area == pytest.approx(old.area, abs=1.0)


def test_split_merge_modified(versions, rows):
    old, new = versions["old"], versions["new"]
    for r in rows_of(rows, "split"):
        assert r["bsm_old"] not in new
        piece = new[r["bsm_new"]][0]
        assert piece.difference(old[r["bsm_old"]][0]).area < 1.0
        assert r["area_m2"] == pytest.approx(piece.area, rel=0.01)
    first, second = (new[r["bsm_new"]][0] for r in rows_of(rows, "split"))
    assert first.distance(second) >= 30.0
    merged = rows_of(rows, "merged")
    assert len({r["bsm_new"] for r in merged}) == 1
    for r in merged:
        assert r["bsm_old"] not in new
        assert old[r["bsm_old"]][0].difference(new[r["bsm_new"]][0]).area < 1.0
        assert r["area_m2"] == pytest.approx(old[r["bsm_old"]][0].area, rel=0.01)
    assert rows_of(rows, "added", bsm_new=merged[0]["bsm_new"])  # the bridge
    (modified,) = rows_of(rows, "modified")
    (g_old, r_old), (g_new, r_new) = old[modified["bsm_old"]], new[modified["bsm_new"]]
    assert shapely.equals_exact(g_old, g_new, tolerance=0.0)
    assert r_old["name"] != r_new["name"] and r_old["eco_function"] != r_new["eco_function"]
    for bsm in set(old) & set(new) - {modified["bsm_old"]}:
        assert (old[bsm][1]["name"], old[bsm][1]["eco_function"]) == (new[bsm][1]["name"], new[bsm][1]["eco_function"])


def test_withdrawn_and_new_patches(versions, unions, rows):
    for r in rows_of(rows, "removed", bsm_new=""):
        if not rows_of(rows, "split", bsm_old=r["bsm_old"]):
            assert r["bsm_old"] not in versions["new"]
            assert r["area_m2"] == pytest.approx(versions["old"][r["bsm_old"]][0].area, rel=0.001)
    for r in rows_of(rows, "added", bsm_old=""):
        if r["bsm_new"] not in versions["old"] and not rows_of(rows, "merged", bsm_new=r["bsm_new"]):
            patch = versions["new"][r["bsm_new"]][0]
            assert not patch.intersects(unions["old"])
            assert r["area_m2"] == pytest.approx(patch.area, rel=0.001)


def test_balance(versions, unions, rows):
    added = sum(r["area_m2"] for r in rows_of(rows, "added"))
    removed = sum(r["area_m2"] for r in rows_of(rows, "removed"))
    change = unions["new"].area - unions["old"].area
    assert change == pytest.approx(added - removed, rel=0.001)
    # per division: added pieces count for the new feature's town, removed ones for the old feature's
    measured, expected = defaultdict(float), defaultdict(float)
    for geom, record in versions["new"].values():
        measured[record["xzqmc"]] += real_area(geom.difference(unions["old"]))
    for geom, record in versions["old"].values():
        measured[record["xzqmc"]] -= real_area(geom.difference(unions["new"]))
    for r in rows:
        expected[r["division"]] += {"added": 1.0, "removed": -1.0}.get(r["change_class"], 0.0) * r["area_m2"]
    assert len(expected) == 3
    for town, value in expected.items():
        assert measured[town] == pytest.approx(value, rel=0.01, abs=10.0), town


def test_divisions_follow_features(versions, rows):
    for r in rows:
        if r["change_class"] == "removed":
            assert r["division"] == versions["old"][r["bsm_old"]][1]["xzqmc"]
        else:
            assert r["division"] == versions["new"][r["bsm_new"]][1]["xzqmc"]
