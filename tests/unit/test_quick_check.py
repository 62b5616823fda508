"""Quick check: same verdicts and articles as screen(), saving, the one-page report, the CLI."""

from __future__ import annotations

import numpy as np
import pyogrio
import pytest
import shapely

from green_shield.core.cli import main
from green_shield.core.errors import QuickCheckGeometryEmpty, QuickCheckPointSyntax
from green_shield.core.quick_check import QuickChecker, parse_point, read_checks, save_check, write_check_report
from green_shield.core.rules import load_rulebook
from green_shield.core.sample_district import build_sample_district
from green_shield.core.screening import FeatureSet, ScreeningOptions, reproject, screen
from green_shield.core.screening_io import load_projects, load_protected
from green_shield.core.workspace import open_workspace


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("qc") / "district.gpkg")
    build_sample_district(path)
    return path


@pytest.fixture(scope="module")
def checker(district):
    return QuickChecker.from_workspace(district)


@pytest.fixture(scope="module")
def planted(district):
    projects, _ = load_projects(district, None)
    meta, _, _, values = pyogrio.raw.read(district, layer="sample_expectations", read_geometry=False)
    columns = dict(zip(meta["fields"], values))
    expected = [dict(zip(columns, row)) for row in zip(*columns.values())]
    codes = list(dict.fromkeys(columns["project_code"]))
    index = {code: i for i, code in enumerate(projects.attributes["project_code"])}
    return projects, [index[c] for c in codes if c in index], expected


def _one(projects: FeatureSet, i: int) -> FeatureSet:
    return FeatureSet("project", projects.geometries[i:i + 1], {k: v[i:i + 1] for k, v in projects.attributes.items()},
                      projects.fids[i:i + 1], projects.crs, projects.source)


def _strict(pairs):
    return {(t, f, v, b) for t, f, v, b in pairs if v != "CLEAR"}


def test_verdicts_and_articles_equal_screen(district, checker, planted):
    projects, rows, _ = planted
    protected, _ = load_protected(district)
    rulebook = load_rulebook()
    assert len(rows) >= 10
    for i in rows:
        attrs = projects.row(i)
        result = checker.check(projects.geometries[i], attrs=attrs)
        ref = screen(_one(projects, i), protected, rulebook, ScreeningOptions(planar_crs=checker.planar_crs))
        code = attrs["project_code"]
        assert result.verdict == ref.projects[0].verdict, code
        mine = _strict((h.zone_type, h.zone_fid, h.verdict, h.legal_basis) for h in result.hits)
        theirs = _strict((c.zone_type, c.zone_fid, c.verdict, c.legal_basis) for c in ref.conflicts)
        assert mine == theirs, code
        real = {(c.zone_type, c.zone_fid): c for c in ref.conflicts if c.relation in ("inside", "crossing")}
        for h in result.hits:
            if (h.zone_type, h.zone_fid) in real:
                c = real[(h.zone_type, h.zone_fid)]
                assert h.relation == c.relation, code
                assert h.overlap_m2 == pytest.approx(c.overlap_m2, rel=1e-9, abs=1e-6)
                assert h.overlap_pct == pytest.approx(c.overlap_pct, rel=1e-9, abs=1e-6)


def test_planted_relations_are_found(district, checker, planted):
    projects, rows, expected = planted
    for i in rows:
        code = projects.attributes["project_code"][i]
        result = checker.check(projects.geometries[i], attrs=projects.row(i))
        want = [r for r in expected if r["project_code"] == code and r["relation"] in ("inside", "crossing")]
        got = {(h.zone_type, h.relation) for h in result.hits}
        for row in want:
            # an "inside" site may straddle two parts (water/land) of one zone: crossing each
            allowed = {"inside", "crossing"} if row["relation"] == "inside" else {"crossing"}
            assert any((row["zone_layer"], r) in got for r in allowed), (code, row["zone_ref"])


def test_hits_are_ordered_worst_first(district, checker, planted):
    projects, rows, _ = planted
    rank = {"PROHIBITED": 0, "CONDITIONAL": 1, "REVIEW": 2, "CLEAR": 3}
    for i in rows:
        hits = checker.check(projects.geometries[i], attrs=projects.row(i)).hits
        assert [rank[h.verdict] for h in hits] == sorted(rank[h.verdict] for h in hits)


def test_point_inside_redline_is_prohibited_with_article(district, checker, planted):
    projects, _, expected = planted
    code = next(r["project_code"] for r in expected if r["zone_layer"] == "redline" and r["relation"] == "inside")
    i = list(projects.attributes["project_code"]).index(code)
    inside = shapely.point_on_surface(projects.geometries[i])
    result = checker.check(inside)
    red = [h for h in result.hits if h.zone_type == "redline" and h.relation == "inside"]
    assert red and red[0].verdict != "CLEAR" and red[0].legal_basis
    assert red[0].overlap_pct == 100.0 and red[0].zone_geometry is not None
    assert result.verdict == red[0].verdict or result.hits[0].verdict == result.verdict


def test_buffer_and_other_crs(checker, planted):
    projects, rows, _ = planted
    geom = projects.geometries[rows[0]]
    plain = checker.check(geom)
    planar = reproject(np.array([geom], dtype=object), checker.crs, checker.planar_crs)[0]
    again = checker.check(planar, crs=checker.planar_crs)
    assert [(h.zone_fid, h.verdict) for h in again.hits] == [(h.zone_fid, h.verdict) for h in plain.hits]
    wide = checker.check(geom, buffer_m=3000)
    assert len(wide.hits) >= len(plain.hits) and wide.buffer_m == 3000
    assert all(h.distance_m <= 3000 for h in wide.hits)


def test_far_away_is_clear(checker):
    result = checker.check(shapely.Point(120.0, 40.0))
    assert result.verdict == "CLEAR" and result.hits == [] and result.method_text


def test_empty_geometry_is_refused(checker):
    with pytest.raises(QuickCheckGeometryEmpty):
        checker.check(shapely.Point())
    with pytest.raises(QuickCheckPointSyntax):
        parse_point("106.2;29")


def test_save_round_trip(tmp_path, checker, planted):
    import shutil

    ws = str(tmp_path / "ws.gpkg")
    shutil.copy(checker.layers[0].features.source.split(":")[0], ws)
    projects, rows, _ = planted
    result = checker.check(projects.geometries[rows[0]], attrs=projects.row(rows[0]))
    first = save_check(ws, result, by="张三", note="电话咨询")
    second = save_check(ws, result, by="李四")
    assert first.startswith("QC") and first != second
    saved = read_checks(ws)
    assert [s["check_id"] for s in saved] == [first, second]
    assert saved[0]["checked_by"] == "张三" and saved[0]["note"] == "电话咨询"
    assert saved[0]["verdict"] == result.verdict and saved[0]["rulebook_sha256"] == result.rulebook_sha256
    assert [h["zone_fid"] for h in saved[0]["hits"]] == [h.zone_fid for h in result.hits]
    assert saved[0]["geom"].equals_exact(result.geometry, 1e-9)
    info = pyogrio.read_info(ws, layer="gs_quick_check")  # GDAL sees a features table
    assert info["features"] == 2 and str(info["crs"]).endswith("4490")
    open_workspace(ws)  # still a valid workspace


def test_report_content(tmp_path, checker, planted):
    projects, rows, _ = planted
    result = checker.check(projects.geometries[rows[0]], attrs=projects.row(rows[0]))
    path = write_check_report(result, str(tmp_path / "check.html"))
    text = open(path, encoding="utf-8").read()
    assert "选址快速研判" in text and result.verdict_zh in text and "<svg" in text
    assert result.rulebook_sha256 in text and result.method_text in text
    for h in result.hits:
        assert h.zone_type_zh in text
        if h.legal_basis:
            assert h.legal_basis.split("：")[0] in text
    with_image = write_check_report(result, str(tmp_path / "img.html"), map_image="map.png")
    assert 'src="map.png"' in open(with_image, encoding="utf-8").read()


def test_cli(tmp_path, district, capsys, checker, planted):
    import shutil

    ws = str(tmp_path / "cli.gpkg")
    shutil.copy(district, ws)
    projects, rows, _ = planted
    wkt = shapely.to_wkt(projects.geometries[rows[0]])
    report = str(tmp_path / "r.html")
    assert main(["check", "-w", ws, "--wkt", wkt, "--save", "--by", "cli", "--report", report]) == 0
    out = capsys.readouterr().out
    assert "saved QC" in out and read_checks(ws)[0]["checked_by"] == "cli"
    assert main(["check", "-w", ws, "--point", "120,40"]) == 0
    assert "无冲突" in capsys.readouterr().out
    assert main(["check", "-w", ws, "--point", "oops"]) == 2


def test_a_site_far_from_all_data_is_called_out(checker, capsys, district):
    beijing = checker.check(shapely.Point(116.4, 39.9))
    assert beijing.verdict == "CLEAR" and beijing.notes and "swapped" in beijing.notes[0]
    assert "经纬度是否颠倒" in beijing.notes_zh[0]
    assert checker.check(shapely.Point(106.2, 29.0)).notes == []  # inside the district: nothing to say
    assert main(["--lang", "zh", "check", "-w", district, "--point", "106.2,39.0"]) == 0  # 1 100 km north
    assert "注意：该位置距工作空间保护区数据范围" in capsys.readouterr().out
    assert main(["--lang", "zh", "check", "-w", district, "--point", "29.0,106.2"]) == 2  # swapped: latitude 106°
    assert "经纬度可能颠倒" in capsys.readouterr().err
