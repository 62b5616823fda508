"""Screening on the sample district: every planted case, verdicts with articles, areas, bad input."""

import subprocess
import sys
from collections import defaultdict

import numpy as np
import pyogrio
import pyogrio.raw
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import square, write_shapefile, write_vector
from green_shield.core import errors
from green_shield.core.rules import load_rulebook
from green_shield.core.sample_district import build_sample_district, zone_ref
from green_shield.core.screening import (
    FeatureSet,
    ScreeningOptions,
    UnknownZoneType,
    reproject,
    screen,
)
from green_shield.core.screening_io import load_projects, load_protected, write_results


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("district") / "sample.gpkg")
    build_sample_district(path)
    projects, _ = load_projects(path, None)
    protected, _ = load_protected(path)
    result = screen(projects, protected, load_rulebook())
    _, _, _, columns = pyogrio.raw.read(path, layer="sample_expectations")
    names = ["project_code", "zone_layer", "zone_ref", "zone_detail", "relation", "note"]
    expectations = [dict(zip(names, row)) for row in zip(*columns)]
    return path, projects, protected, result, expectations


def _hits(result, protected):
    """(project_code, zone_layer, zone_ref) → list of conflicts."""
    hits = defaultdict(list)
    for c in result.conflicts:
        ref = zone_ref(c.zone_type, protected[c.layer].row(c.zone))
        hits[(c.project_code, c.zone_type, ref)].append(c)
    return hits


def test_every_planted_case_comes_out_as_designed(district):
    _, projects, protected, result, expectations = district
    hits = _hits(result, protected)
    by_code = {p.code: p for p in result.projects}
    assert len(expectations) > 100
    for exp in expectations:
        rows = hits.get((exp["project_code"], exp["zone_layer"], exp["zone_ref"]), [])
        relations = {c.relation for c in rows}
        project = by_code[exp["project_code"]]
        where = f"{exp['project_code']} {exp['zone_ref']} {exp['relation']} ({exp['note']}): got {relations}"
        if exp["relation"] == "inside":
            # a neighbouring part of the same zone (water/land) may also be touched or within its setback
            assert relations & {"inside", "crossing"}, where
            dim = shapely.get_dimensions(project.geometry)
            if dim == 2:
                covered = shapely.area(shapely.union_all([c.geometry for c in rows if c.relation != "touching"]))
                assert covered == pytest.approx(shapely.area(project.geometry), rel=1e-6, abs=0.02), where
        elif exp["relation"] == "crossing":
            assert "crossing" in relations, where
            assert all(c.overlap_pct < 100 - 1e-9 for c in rows if c.relation == "crossing"), where
        elif exp["relation"] == "touching":
            assert "touching" in relations and not relations & {"inside", "crossing"}, where
        else:  # near: outside, 20–500 m
            assert not relations & {"inside", "crossing", "touching"}, where
            setback = [c.distance_m for c in rows if c.relation == "setback"]
            if setback:
                assert 20 <= min(setback) <= 500, where
            else:
                assert project.nearest_m is not None and project.nearest_m <= 500, where


def test_background_projects_are_clear(district):
    _, _, _, result, expectations = district
    planted = {e["project_code"] for e in expectations}
    background = [p for p in result.projects if p.code not in planted]
    assert len(background) > 150
    assert sum(p.verdict == "CLEAR" for p in background) > 150
    for p in background:  # background projects lie outside every zone: at most a setback review
        assert p.verdict in ("CLEAR", "REVIEW"), p
        assert all(r.startswith("缓冲距离内") for r in p.reasons), p.reasons
    assert len(result.projects) == 300
    assert sum(result.counts().values()) == 300


def test_verdicts_carry_article_and_phrase(district):
    _, projects, protected, result, expectations = district
    by_code = {p.code: p for p in result.projects}
    category = {str(c): projects.attributes["category"][i] for i, c in enumerate(projects.attributes["project_code"])}
    hits = _hits(result, protected)
    seen = set()
    for exp in expectations:
        if exp["relation"] != "inside" or exp["zone_layer"] != "water_source_zone" or exp["zone_detail"] != "level1":
            continue
        code = exp["project_code"]
        rows = hits[(code, "water_source_zone", exp["zone_ref"])]
        if category[code] == "water_supply":
            assert by_code[code].verdict == "CONDITIONAL"
            seen.add("supply")
        elif category[code] in ("industry", "real_estate"):
            assert by_code[code].verdict == "PROHIBITED"
            assert any("第六十五条" in c.legal_basis and "一级保护区" in c.legal_basis for c in rows)
            assert any("第六十五条" in r for r in by_code[code].reasons)
            seen.add("industry")
    assert seen == {"supply", "industry"}
    listed = [e for e in expectations if e["zone_layer"] == "contaminated_plot" and e["relation"] == "inside"]
    verdicts = {category[e["project_code"]]: by_code[e["project_code"]].verdict for e in listed}
    assert verdicts.get("risk_control") == "CONDITIONAL"
    assert "PROHIBITED" in {v for k, v in verdicts.items() if k != "risk_control"}
    for c in result.conflicts:
        if c.verdict != "CLEAR":
            assert c.legal_basis and c.rule_ids, c


def test_overlapping_zones_are_not_counted_twice(district):
    _, projects, protected, result, _ = district
    checked = 0
    for p in result.projects:
        red = [c for c in result.conflicts if c.project == p.index and c.zone_type == "redline"
               and c.relation in ("inside", "crossing")]
        if len(red) < 2:
            continue
        summed = sum(c.overlap_m2 for c in red)
        union = shapely.area(shapely.union_all([c.geometry for c in red]))
        assert p.overlap_by_type["redline"] == pytest.approx(union, rel=1e-9)
        assert p.overlap_m2 <= shapely.area(p.geometry) * (1 + 1e-9)
        assert summed > union * 1.01  # the patches really overlap here
        checked += 1
    assert checked >= 1


def test_invalid_project_is_repaired_and_screened(district):
    _, projects, _, result, _ = district
    invalid = [i for i, g in enumerate(projects.geometries) if g is not None and not g.is_valid]
    assert invalid
    for i in invalid:
        assert any(f"project {projects.fids[i]}:" in w for w in result.warnings)
        assert result.projects[i].verdict != "CLEAR"
        assert result.projects[i].overlap_m2 > 0


def test_points_and_lines(district):
    _, _, _, result, _ = district
    kinds = defaultdict(set)
    for p in result.projects:
        if p.verdict != "CLEAR":
            kinds[p.geometry.geom_type].add(p.verdict)
    assert {"Point", "MultiLineString", "MultiPolygon"} <= set(kinds)
    lines = [p for p in result.projects if p.geometry.geom_type == "MultiLineString" and p.overlap_m > 0]
    assert lines and all(0 < p.overlap_pct <= 100 + 1e-9 for p in lines)
    assert all(p.overlap_m2 == 0 for p in lines)


def test_method_is_named_and_ellipsoidal_is_close(district):
    _, projects, protected, result, _ = district
    assert result.planar_crs == "EPSG:4544"
    assert "Gauss-Kruger CM 105E" in result.method_text("en") and "EPSG:4544" in result.method_text("zh")
    ellipsoidal = screen(projects, protected, load_rulebook(), ScreeningOptions(method="ellipsoidal"))
    assert "椭球" in ellipsoidal.method_text("zh")
    for a, b in zip(result.projects, ellipsoidal.projects):
        assert a.verdict == b.verdict
        if a.overlap_m2 > 100:
            # 106.2°E is 1.2° from the zone's central meridian: planar areas are ~0.04 % larger
            assert b.overlap_m2 == pytest.approx(a.overlap_m2, rel=2e-3)
            assert b.overlap_m2 != a.overlap_m2


def test_output_geopackage(district, tmp_path):
    _, _, _, result, _ = district
    out = str(tmp_path / "screened.gpkg")
    write_results(result, out)
    layers = dict(pyogrio.list_layers(out))
    assert set(layers) == {"conflicts", "flagged_projects", "screening_run"}
    info = pyogrio.read_info(out, layer="conflicts")
    for name in ("project_fid", "project_code", "zone_type", "zone_fid", "zone_name", "zone_level", "relation",
                 "overlap_m2", "overlap_pct", "distance_m", "rule_id", "verdict", "legal_basis"):
        assert name in info["fields"]
    assert info["features"] == len(result.conflicts)
    flagged = pyogrio.read_info(out, layer="flagged_projects")
    for name in ("project_fid", "project_code", "verdict", "verdict_zh", "n_conflicts", "overlap_m2", "overlap_pct",
                 "reasons"):
        assert name in flagged["fields"]
    assert flagged["features"] == 300 and flagged["crs"] == "EPSG:4490"
    _, _, _, (keys, values) = pyogrio.raw.read(out, layer="screening_run")
    meta = dict(zip(keys, values))
    assert meta["rulebook_sha256"] == result.rulebook.checksum and meta["planar_crs"] == "EPSG:4544"
    assert int(meta["count_PROHIBITED"]) == result.counts()["PROHIBITED"]


def test_projects_in_another_crs_give_the_same_answers(district, tmp_path):
    path, projects, protected, result, _ = district
    moved = reproject(projects.geometries, projects.crs, "EPSG:4544")
    other = FeatureSet("project", moved, projects.attributes, projects.fids, "EPSG:4544", "moved")
    again = screen(other, protected, load_rulebook())
    for a, b in zip(result.projects, again.projects):
        assert a.verdict == b.verdict
        assert b.overlap_m2 == pytest.approx(a.overlap_m2, rel=1e-6, abs=1e-3)


def test_null_geometry_is_reviewed_not_dropped(district):
    _, projects, protected, _, _ = district
    geoms = projects.geometries.copy()
    geoms[0] = None
    holed = FeatureSet("project", geoms, projects.attributes, projects.fids, projects.crs, "holed")
    result = screen(holed, protected, load_rulebook())
    assert len(result.projects) == 300
    assert result.projects[0].verdict == "REVIEW" and "几何为空" in result.projects[0].reasons[0]


def test_bad_inputs(district, tmp_path):
    path, projects, protected, _, _ = district
    noprj = write_shapefile(tmp_path / "p.shp", [square(106.2, 29.0)], {"XMDM": ["X1"], "XMMC": ["厂"]}, crs=None)
    with pytest.raises(errors.MissingCRS):
        load_projects(None, noprj)
    empty = write_vector(tmp_path / "empty.gpkg", [], {"XMDM": []}, driver="GPKG", geometry_type="Polygon")
    with pytest.raises(errors.EmptyInput):
        load_projects(None, empty)
    points = write_vector(tmp_path / "pts.geojson", [shapely.Point(106.2, 29.0)], {"BSM": ["1"]}, driver="GeoJSON")
    with pytest.raises(errors.WrongGeometryType, match="polygon"):
        load_protected(path, [f"{points}=redline"])
    with pytest.raises(UnknownZoneType, match="water_source_zone"):
        load_protected(path, [f"{points}=rivers"])


def test_protected_file_replaces_workspace_layer(district, tmp_path):
    path, projects, _, result, _ = district
    redline = load_protected(path)[0][0]
    assert redline.key == "redline"
    src = write_vector(tmp_path / "hx.gpkg", list(redline.geometries[:1]),
                       {"BSM": [redline.attributes["bsm"][0]], "名称": ["只留一块"], "版本": ["2021"]}, driver="GPKG")
    layers, notes = load_protected(path, [f"{src}=redline"])
    assert [layer.key for layer in layers].count("redline") == 1
    assert len(next(layer for layer in layers if layer.key == "redline")) == 1
    fewer = screen(projects, layers, load_rulebook())
    assert sum(1 for c in fewer.conflicts if c.zone_type == "redline") < \
        sum(1 for c in result.conflicts if c.zone_type == "redline")


def test_cli_screen(district, tmp_path):
    path = district[0]
    out = str(tmp_path / "cli.gpkg")
    cli = [sys.executable, "-m", "green_shield.core.cli"]
    run = subprocess.run(cli + ["screen", "-w", path, "--out", out], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    counts = district[3].counts()
    assert f"PROHIBITED {counts['PROHIBITED']}" in run.stdout and "sha256" in run.stdout
    assert pyogrio.read_info(out, layer="flagged_projects")["features"] == 300
    run = subprocess.run(cli + ["--lang", "zh", "screen", "-w", path, "--out", out, "--protected", "x.shp=rivers"],
                         capture_output=True, text=True)
    assert run.returncode == 2 and "不是受保护图层类型" in run.stderr


# --- property: per-type overlap is the area of the project ∩ union of that type's zones ----------

_box = st.tuples(st.floats(0, 900), st.floats(0, 900), st.floats(5, 300), st.floats(5, 300))


@settings(max_examples=60, deadline=None)
@given(project=_box, zones=st.lists(_box, min_size=1, max_size=5))
def test_dissolved_overlap_equals_direct_computation(project, zones):
    x, y, w, h = project
    pgeom = shapely.box(x, y, x + w, y + h)
    zgeoms = [shapely.box(a, b, a + c, b + d) for a, b, c, d in zones]
    attrs = {"bsm": [str(i) for i in range(len(zgeoms))], "name": ["z"] * len(zgeoms), "version": ["1"] * len(zgeoms)}
    zoneset = FeatureSet("redline", np.array(zgeoms, dtype=object), attrs, np.arange(len(zgeoms)), "EPSG:4544", "z")
    projects = FeatureSet("project", np.array([pgeom], dtype=object),
                          {"project_code": ["P"], "category": ["industry"], "action": ["new"]},
                          np.array([1]), "EPSG:4544", "p")
    result = screen(projects, [zoneset], load_rulebook(), ScreeningOptions(planar_crs="EPSG:4544", near_m=0))
    expected = shapely.area(shapely.intersection(pgeom, shapely.union_all(zgeoms)))
    got = result.projects[0]
    if expected >= 1.0 and all(c.relation != "touching" or c.overlap_m2 == 0 for c in result.conflicts):
        big = [shapely.area(shapely.intersection(pgeom, z)) for z in zgeoms]
        if min((a for a in big if a > 0), default=1.0) >= 1.0:  # no piece below the sliver threshold
            assert got.overlap_m2 == pytest.approx(expected, rel=1e-9, abs=1e-6)
            assert got.verdict == "PROHIBITED"
    if expected == 0 and not shapely.intersects(pgeom, shapely.union_all(zgeoms)):
        assert got.overlap_m2 == 0 and not [c for c in result.conflicts if c.relation in ("inside", "crossing")]


def test_cancel_stops_and_writes_nothing(district, tmp_path):
    from green_shield.core.screening import ScreeningCanceled

    _, projects, protected, _, _ = district
    calls = []

    def cancel_after_start():
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(ScreeningCanceled):
        screen(projects, protected, load_rulebook(), is_canceled=cancel_after_start)
    assert not list(tmp_path.iterdir())


def test_a_generated_default_zone_says_so_in_the_reasons():
    from green_shield.core.screening import _zone_label_zh

    attrs = {"source_name": "龙潭水源地", "level": "level1", "delineation": "generated_default"}
    assert _zone_label_zh("water_source_zone", attrs) == "饮用水水源保护区·一级保护区（龙潭水源地，默认生成待正式划定）"
    assert _zone_label_zh("water_source_zone", {**attrs, "delineation": "official"}).endswith("（龙潭水源地）")


def test_row_order_does_not_change_a_verdict(district):
    """A database returns rows in no particular order: shuffling projects and zones changes nothing."""
    _, projects, protected, result, _ = district

    def shuffled(fs, order):
        return FeatureSet(fs.key, fs.geometries[order], {k: [v[i] for i in order] for k, v in fs.attributes.items()},
                          fs.fids[order], fs.crs, fs.source)

    rng = np.random.default_rng(11)
    again = screen(shuffled(projects, rng.permutation(len(projects))),
                   [shuffled(fs, rng.permutation(len(fs))) for fs in protected], load_rulebook())
    key = {p.fid: (p.verdict, round(p.overlap_m2, 3), tuple(sorted(p.reasons))) for p in result.projects}
    assert {p.fid: (p.verdict, round(p.overlap_m2, 3), tuple(sorted(p.reasons))) for p in again.projects} == key
