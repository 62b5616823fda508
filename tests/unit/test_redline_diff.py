"""Red-line version comparison on hand-made versions: classes, noise, balance, matching, bad input."""

import subprocess
import sys

import numpy as np
import pyogrio
import pytest
import shapely

from builders import write_vector
from green_shield.core import errors
from green_shield.core.redline_diff import EmptyVersion, diff_redlines, write_diff
from green_shield.core.screening import FeatureSet, reproject

GK = "EPSG:4544"
X0, Y0 = 600000.0, 3200000.0


def box(x, y, w=1000.0, h=1000.0):
    return shapely.MultiPolygon([shapely.box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h)])


def version(geoms, bsm, crs=GK, **extra):
    n = len(geoms)
    attrs = {"bsm": list(bsm), "name": [f"红线{b}" for b in bsm], "eco_function": ["water_conservation"] * n,
             "xzqmc": extra.pop("xzqmc", ["青溪街道"] * n)}
    attrs.update(extra)
    geoms = np.array(geoms, dtype=object)
    if crs != GK:
        geoms = reproject(geoms, GK, crs)
    return FeatureSet("redline", geoms, attrs, np.arange(1, n + 1), crs, f"v-{len(bsm)}")


@pytest.fixture
def pair():
    old = version([box(0, 0), box(2000, 0), box(5000, 0), box(8000, 0)], ["A", "B", "C", "D"],
                  xzqmc=["青溪街道", "石门镇", "石门镇", "白云镇"])
    jittered = shapely.MultiPolygon([shapely.Polygon([(X0 + 8000, Y0), (X0 + 9000.3, Y0), (X0 + 9000.2, Y0 + 1000),
                                                      (X0 + 8000, Y0 + 1000)])])
    new = version([box(0, 0), box(2000, 0, w=800), box(11000, 0), jittered, shapely.MultiPolygon()],
                  ["A", "B", "E", "D", "C"], xzqmc=["青溪街道", "石门镇", "白云镇", "白云镇", "石门镇"],
                  reason=["", "边界修正", "新增", "", "退出"])
    return old, new


def test_classes_areas_and_noise(pair):
    diff = diff_redlines(*pair, planar_crs=GK)
    added, removed, noise = diff.of("added"), diff.of("removed"), diff.of("noise")
    assert [(p.bsm_new, round(p.area_m2)) for p in added] == [("E", 1_000_000)]
    assert sorted((p.bsm_old, round(p.area_m2)) for p in removed) == [("B", 200_000), ("C", 1_000_000)]
    assert [p.noise_of for p in noise] == ["added"] and noise[0].area_m2 == pytest.approx(250.0)
    reasons = {p.bsm_old: p.reason for p in removed}
    assert reasons == {"B": "边界修正", "C": "退出"}  # C's reason is on its record without geometry
    kept = {p.bsm_old: round(p.area_m2) for p in diff.of("kept")}
    assert kept == {"A": 1_000_000, "B": 800_000, "D": 1_000_000}


def test_balance_adds_up_and_shrink_is_reported(pair):
    diff = diff_redlines(*pair, planar_crs=GK)
    total = diff.total
    assert total.old_m2 + total.added_m2 - total.removed_m2 + total.noise_m2 == pytest.approx(total.new_m2, rel=1e-9)
    assert total.net_m2 == pytest.approx(-200_000)
    assert diff.shrinks
    by_division = {r.key: r for r in diff.balance if r.group == "division"}
    assert by_division["石门镇"].removed_m2 == pytest.approx(1_200_000)
    assert by_division["白云镇"].added_m2 == pytest.approx(1_000_000)
    assert by_division["石门镇"].pct == pytest.approx(-60.0)
    grown = diff_redlines(pair[0], version([*pair[1].geometries[:4], box(20000, 0, 1500, 1000)],
                                           ["A", "B", "E", "D", "F"]), planar_crs=GK)
    assert not grown.shrinks


def test_modified_split_merged():
    old = version([box(0, 0), box(3000, 0), box(6000, 0), box(7100, 0)], ["A", "B", "C", "D"])
    new = version([box(0, 0), box(3000, 0, w=450), box(3550, 0, w=450), box(6000, 0, w=2100)],
                  ["A", "B1", "B2", "CD"], reason=["", "退出", "退出", "新增"])
    new.attributes["eco_function"][0] = "biodiversity"
    diff = diff_redlines(old, new, planar_crs=GK)
    kinds = {(m.kind, m.bsm_old, m.bsm_new) for m in diff.matches}
    assert ("modified", "A", "A") in kinds
    assert ("split", "B", "B1,B2") in kinds
    assert ("merged", "C,D", "CD") in kinds
    modified = next(m for m in diff.matches if m.kind == "modified")
    assert modified.changes == {"eco_function": ("water_conservation", "biodiversity")}
    corridor = next(p for p in diff.of("removed") if p.bsm_old == "B")
    assert corridor.area_m2 == pytest.approx(100 * 1000) and corridor.reason == "退出"


def test_versions_in_different_crs(pair):
    old, new = pair
    geographic = FeatureSet("redline", reproject(new.geometries, GK, "EPSG:4490"), new.attributes, new.fids,
                            "EPSG:4490", "new-4490")
    a = diff_redlines(old, new, planar_crs=GK)
    b = diff_redlines(old, geographic, planar_crs=GK)
    assert any("reprojected from EPSG:4490" in w for w in b.warnings)
    assert b.total.added_m2 == pytest.approx(a.total.added_m2, rel=1e-6)
    assert b.total.removed_m2 == pytest.approx(a.total.removed_m2, rel=1e-6)


def test_invalid_and_overlapping_polygons_are_reported():
    bow = shapely.MultiPolygon([shapely.Polygon([(X0, Y0), (X0 + 1000, Y0 + 1000), (X0 + 1000, Y0),
                                                 (X0, Y0 + 1000)])])
    old = version([bow, box(2000, 0), box(2500, 0)], ["A", "B", "C"])
    new = version([box(0, 0), box(2000, 0), box(2500, 0)], ["A", "B", "C"])
    diff = diff_redlines(old, new, planar_crs=GK)
    assert any("1 invalid polygons repaired" in w for w in diff.warnings)
    assert any("pairs of patches overlap" in w for w in diff.warnings)
    assert diff.total.old_m2 == pytest.approx(500_000 + 1_500_000)  # dissolved: the overlap counts once


def test_missing_match_field_falls_back_to_geometry(pair):
    old, new = pair
    del new.attributes["bsm"]
    diff = diff_redlines(old, new, planar_crs=GK)
    assert diff.match_field is None and any("matched by geometry" in w for w in diff.warnings)
    assert diff.total.added_m2 == pytest.approx(1_000_000)


def test_empty_version_is_refused(pair):
    old, _ = pair
    empty = FeatureSet("redline", np.array([], dtype=object), {"bsm": []}, np.array([]), GK, "empty.gpkg")
    with pytest.raises(EmptyVersion, match="no polygons"):
        diff_redlines(old, empty, planar_crs=GK)
    with pytest.raises(errors.EmptyInput):
        diff_redlines(empty, old, planar_crs=GK)


def test_output_and_command_line(pair, tmp_path):
    old, new = pair
    diff = diff_redlines(old, new, planar_crs=GK)
    out = write_diff(diff, str(tmp_path / "diff.gpkg"), crs=GK)
    layers = dict(pyogrio.list_layers(out))
    assert set(layers) == {"changes", "balance", "matches", "verdict_changes", "diff_run"}
    info = pyogrio.read_info(out, layer="changes")
    assert info["features"] == len(diff.pieces) and "area_mu" in info["fields"]
    # the command line on files
    old_path = write_vector(tmp_path / "old.gpkg", list(old.geometries),
                           {"BSM": old.attributes["bsm"], "XZQMC": old.attributes["xzqmc"], "版本": ["2020"] * 4},
                           crs=GK, driver="GPKG")
    new_path = write_vector(tmp_path / "new.gpkg", [g if not g.is_empty else None for g in new.geometries],
                           {"BSM": new.attributes["bsm"], "XZQMC": new.attributes["xzqmc"],
                            "reason": new.attributes["reason"]}, crs=GK, driver="GPKG")
    run = subprocess.run([sys.executable, "-m", "green_shield.core.cli", "redline-diff", old_path, new_path,
                          "--out", str(tmp_path / "cli.gpkg")], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "WARNING: the red line shrinks overall" in run.stdout
    assert "removed 120.00 ha (2)" in run.stdout
