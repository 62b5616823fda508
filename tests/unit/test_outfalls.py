"""The outfall compliance check (core.outfalls): the sample district's planted outfalls, flow direction,
off-network outfalls, next steps, bad input, the report and the command line.

Along-river distances are checked against the sample district's construction (chainage differences on
its planar centre lines, table sample_outfall_expectations) within 1 m.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import shutil

import numpy as np
import pyogrio
import pyogrio.raw
import pytest
import shapely
from shapely.geometry import LineString, Point

from green_shield.core import outfalls as of
from green_shield.core import sample_district as sd
from green_shield.core.cases import build_cases, change_status, read_cases
from green_shield.core.cli import main
from green_shield.core.errors import (
    InvalidOutfallRules,
    InvalidOutfallSetting,
    NoOutfallInput,
    RiversNotLines,
    UnknownFlowField,
)
from green_shield.core.outfall_report import write_outfall_report
from green_shield.core.screening import FeatureSet, reproject

TODAY = _dt.date(2026, 12, 1)


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("outfalls") / "qingxi.gpkg")
    sd.build_sample_district(path)
    return path


@pytest.fixture(scope="module")
def result(district):
    return of.run_outfall_check(district, today=TODAY)


@pytest.fixture(scope="module")
def by_code(result):
    return {c.outfall_code: c for c in result.checks}


@pytest.fixture(scope="module")
def expectations(district):
    meta, _, geometry, columns = pyogrio.raw.read(district, layer=sd.OUTFALL_EXPECTATIONS_LAYER)
    assert geometry is None
    rows = [dict(zip(meta["fields"], values)) for values in zip(*columns)]
    return {r["outfall_code"]: r for r in rows}


def _nan(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


# --- the sample district -------------------------------------------------------------------------


def test_every_outfall_matches_the_construction(result, by_code, expectations):
    rules = of.load_rules()
    assert set(by_code) == set(expectations) and len(by_code) == 25
    for code, exp in expectations.items():
        check = by_code[code]
        assert check.snapped is bool(exp["snapped"]), code
        assert check.distance_to_channel_m == pytest.approx(exp["distance_to_channel_m"], abs=1.0), code
        if check.snapped:
            assert check.river == exp["river"], code
        if _nan(exp["downstream_intake_m"]):
            assert check.downstream_intake is None and check.downstream_intake_m is None, code
        else:
            assert check.downstream_source.split()[0] == exp["downstream_intake"], code
            assert check.downstream_intake_m == pytest.approx(exp["downstream_intake_m"], abs=1.0), code
        if _nan(exp["downstream_section_m"]):
            assert check.downstream_section is None, code
        else:
            assert exp["downstream_section"] in check.downstream_section, code
            assert check.downstream_section_m == pytest.approx(exp["downstream_section_m"], abs=1.0), code
        within = bool(not _nan(exp["downstream_intake_m"]) and exp["downstream_intake_m"] <= rules.upstream_of_intake_m)
        assert check.upstream_of_intake_within is within, code
        assert ("upstream_of_intake" in check.flags) is (within and check.status != "rejected"), code


def test_outfalls_in_water_source_zones_must_be_banned(by_code):
    for code, layer, _ref, _detail, note in sd.PLANTED_OUTFALLS:
        check = by_code[code]
        if layer != "water_source_zone":
            continue
        assert check.in_zone and "water_source_zone" in check.flags, code
        assert check.action == ("recheck" if check.status == "closed" else "ban"), code
        assert any("第六十四条" in basis for basis in check.legal_basis), code
        assert check.zones and note.startswith("已销号") or any(z in note for z in check.zones), (code, check.zones)
    assert by_code["500199-PK-001"].zones == ["大江青溪水厂水源地一级保护区"]
    assert by_code["500199-PK-006"].zones == ["白云水库水源地二级保护区"]
    outside = [c for c in by_code.values() if c.outfall_code not in {p[0] for p in sd.PLANTED_OUTFALLS}]
    assert not any(c.in_zone for c in outside)


def test_outfall_in_the_red_line_is_flagged(by_code):
    pk7 = by_code["500199-PK-007"]
    assert not pk7.in_zone and pk7.action == "flag" and pk7.flags == ["redline"]
    assert pk7.protected == [("redline", "大江湿地水源涵养生态保护红线（5001992020000006）")]


def test_planted_roles(by_code):
    up_main, up_trib = by_code["500199-PK-012"], by_code["500199-PK-020"]
    assert up_main.upstream_of_intake_within and up_main.downstream_intake == "石门场镇取水口"
    assert up_main.downstream_source == f"{sd.SOURCE_MAIN_B} 大江石门水源地"
    assert 3900 < up_main.downstream_intake_m < 4100 and up_main.action == "flag"
    assert up_trib.upstream_of_intake_within and up_trib.downstream_intake == "龙潭水厂取水口"
    assert up_trib.downstream_intake_m == pytest.approx(4200.0, abs=1.0)
    # downstream of an intake: the flow goes away from it, so it is not "upstream of the intake"
    down = by_code["500199-PK-009"]
    assert not down.upstream_of_intake_within and down.downstream_source.startswith(sd.SOURCE_MAIN_B)
    assert down.downstream_intake_m > 15000 and down.action == "none"
    assert by_code["500199-PK-004"].downstream_intake is None  # 200 m below the last intake on 大江
    # through the confluence: 1500 m down 清水河, then 大江 to 石门
    conf = by_code["500199-PK-021"]
    assert conf.river == "清水河" and conf.downstream_source.startswith(sd.SOURCE_MAIN_B)
    assert conf.downstream_section.startswith("清水河河口断面")
    assert conf.downstream_section_m == pytest.approx(1000, abs=1)
    # off the network
    off = by_code["500199-PK-011"]
    assert off.snapped is False and off.distance_to_channel_m == pytest.approx(240.0, abs=1.0)
    assert off.action == "locate" and off.flags == ["off_network"] and off.downstream_intake is None
    assert by_code["500199-PK-006"].snapped is False  # the reservoir's west shore, 1.5 km from 白云溪


def test_next_steps(by_code):
    expected = {
        "500199-PK-005": "verify",  # suspected, in a zone: verify first
        "500199-PK-002": "ban",  # traced, in a zone
        "500199-PK-004": "ban",  # verified, in a zone
        "500199-PK-006": "change_to_ban",  # regularising, but in a zone
        "500199-PK-001": "check_progress",  # already being banned
        "500199-PK-025": "recheck",  # closed, still in a zone
        "500199-PK-012": "plan",  # traced
        "500199-PK-020": "trace",  # monitored
        "500199-PK-009": "monitor",  # verified
        "500199-PK-010": "none",  # rejected
        "500199-PK-016": "patrol",  # closed
    }
    assert {code: by_code[code].next_step for code in expected} == expected
    assert by_code["500199-PK-025"].next_step_zh.startswith("复核")
    assert by_code["500199-PK-005"].next_step_zh == "现场核实"
    assert "ban_mismatch" in by_code["500199-PK-006"].flags


def test_overdue_rectification_is_supervised(district, tmp_path):
    ws = str(tmp_path / "ledger.gpkg")
    shutil.copy(district, ws)
    build_cases(ws, None, by="测试", today=TODAY)
    case = next(c for c in read_cases(ws) if c["target_id"] == "500199-PK-013")  # rectifying_ban, not in a zone
    change_status(ws, case["case_id"], "inspected", by="测试")
    change_status(ws, case["case_id"], "ordered", by="测试", fields={"rectify_due": "2026-10-31"})
    checks = {c.outfall_code: c for c in of.run_outfall_check(ws, today=TODAY).checks}
    assert checks["500199-PK-013"].overdue and checks["500199-PK-013"].next_step == "supervise"
    assert checks["500199-PK-013"].next_step_zh.startswith("督办")
    early = {c.outfall_code: c for c in of.run_outfall_check(ws, today=_dt.date(2026, 10, 1)).checks}
    assert not early["500199-PK-013"].overdue and early["500199-PK-013"].next_step == "check_progress"


def test_network_issues_and_notes(result):
    assert [i.kind for i in result.network_issues] == ["isolated"]  # 白云溪 ends in the reservoir
    assert any("白云水库取水口" in note for note in result.notes_zh)
    assert result.planar_crs == "EPSG:4544" and result.output_crs == "EPSG:4490"


def test_written_layer(result, tmp_path):
    out = str(tmp_path / "checks.gpkg")
    of.write_checks(result, out, str(tmp_path / "checks.csv"))
    layers = dict(pyogrio.list_layers(out))
    assert layers[of.OUTPUT_LAYER] == "Point" and of.ISSUES_LAYER in layers
    meta, _, geoms, columns = pyogrio.raw.read(out, layer=of.OUTPUT_LAYER)
    table = dict(zip(meta["fields"], columns))
    for name in ("outfall_code", "name", "status", "in_zone", "zone", "action_required", "flags", "snapped",
                 "distance_to_channel_m", "downstream_intake", "downstream_intake_m", "downstream_section",
                 "downstream_section_m", "upstream_of_intake_within", "next_step", "legal_basis"):
        assert name in table, name
    assert len(geoms) == 25 and meta["crs"] == "EPSG:4490"
    i = list(table["outfall_code"]).index("500199-PK-012")
    assert table["action_required"][i] == "flag" and table["upstream_of_intake_within"][i]
    assert 3900 < table["downstream_intake_m"][i] < 4100
    with open(tmp_path / "checks.csv", encoding="utf-8-sig") as fh:
        assert fh.readline().startswith("outfall_code,name,status")


# --- flow direction and bad input, on a small made-up river ----------------------------------------


def _layer(key: str, geoms, rows: dict, crs: str = "EPSG:4544") -> FeatureSet:
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = list(geoms)
    return FeatureSet(key, arr, rows, np.arange(1, len(geoms) + 1), crs, key)


X0, Y0 = 500_000.0, 3_200_000.0  # EPSG:4544 metres near 105°E 29°N


def _straight(reverse: bool = False, outfall_crs: str = "EPSG:4544"):
    coords = [(X0 - 10_000, Y0), (X0 + 10_000, Y0)]
    river = LineString(coords[::-1] if reverse else coords)
    points = [Point(X0 - 1000, Y0 + 50), Point(X0 + 1000, Y0 - 50), Point(X0, Y0 + 2000)]
    geoms = reproject(np.array(points, dtype=object), "EPSG:4544", outfall_crs)
    outfalls = _layer("sewage_outfall", geoms, {"outfall_code": ["UP", "DOWN", "FAR"], "name": ["上", "下", "远"],
                                                "status": ["verified", "verified", "suspected"]}, outfall_crs)
    rivers = _layer("river", [river], {"name": ["直河"]})
    intakes = _layer("water_intake", [Point(X0, Y0 + 30)], {"source_code": ["S1"], "name": ["直河取水口"],
                                                            "water_body_type": ["river"]})
    return of.OutfallInputs(outfalls, rivers=rivers, intakes=intakes)


def test_flow_direction_is_honoured():
    checks = {c.outfall_code: c for c in of.check_outfalls(_straight()).checks}
    assert checks["UP"].downstream_intake_m == pytest.approx(1000.0, abs=1e-6) and checks["UP"].action == "flag"
    assert checks["DOWN"].downstream_intake is None and not checks["DOWN"].upstream_of_intake_within
    flipped = {c.outfall_code: c for c in of.check_outfalls(_straight(reverse=True)).checks}
    assert flipped["DOWN"].downstream_intake_m == pytest.approx(1000.0, abs=1e-6)
    assert flipped["UP"].downstream_intake is None
    shorter = {c.outfall_code: c for c in of.check_outfalls(_straight(), upstream_m=900).checks}
    assert not shorter["UP"].upstream_of_intake_within


def test_outfalls_in_another_crs_are_reprojected():
    checks = {c.outfall_code: c for c in of.check_outfalls(_straight(outfall_crs="EPSG:4490")).checks}
    assert checks["UP"].downstream_intake_m == pytest.approx(1000.0, abs=0.5)
    assert checks["UP"].geometry.x == pytest.approx(105.0, abs=0.1)  # results stay in the outfalls' CRS


def test_far_outfall_is_reported_off_network():
    checks = {c.outfall_code: c for c in of.check_outfalls(_straight()).checks}
    far = checks["FAR"]
    assert far.snapped is False and far.distance_to_channel_m == pytest.approx(2000.0)
    assert far.next_step == "verify" and "off_network" in far.flags
    wider = {c.outfall_code: c for c in of.check_outfalls(_straight(), tolerance_m=2500).checks}
    assert wider["FAR"].snapped is True


def test_missing_rivers_skip_distances_with_a_note():
    inputs = _straight()
    inputs.rivers = None
    result = of.check_outfalls(inputs)
    assert all(c.snapped is None and c.downstream_intake is None for c in result.checks)
    assert any("No river centre lines" in n for n in result.notes)
    assert any("无河流中心线" in n for n in result.notes_zh)
    assert not result.distances_computed


def test_empty_outfalls_are_reported_not_an_error(tmp_path):
    inputs = _straight()
    inputs.outfalls = _layer("sewage_outfall", [], {"outfall_code": [], "name": [], "status": []})
    result = of.check_outfalls(inputs)
    assert result.checks == [] and any("No outfalls" in n for n in result.notes)
    write_outfall_report(result, str(tmp_path / "empty.html"))
    of.write_checks(result, str(tmp_path / "empty.gpkg"))


def test_outfall_files_in_another_crs(district, tmp_path, by_code):
    """The workspace's outfalls written to a file in EPSG:4544 give the same distances."""
    meta, _, geoms, columns = pyogrio.raw.read(district, layer="sewage_outfall")
    planar = reproject(shapely.from_wkb(geoms), "EPSG:4490", "EPSG:4544")
    path = str(tmp_path / "outfalls_4544.gpkg")
    pyogrio.raw.write(path, shapely.to_wkb(planar), list(columns), meta["fields"], crs="EPSG:4544",
                      geometry_type="Point", driver="GPKG")
    result = of.run_outfall_check(district, outfalls=path, today=TODAY)
    assert result.output_crs == "EPSG:4544"
    for check in result.checks:
        ref = by_code[check.outfall_code]
        assert check.action == ref.action and check.flags == ref.flags, check.outfall_code
        if ref.downstream_intake_m is not None:
            assert check.downstream_intake_m == pytest.approx(ref.downstream_intake_m, abs=0.01)
    empty = str(tmp_path / "empty.gpkg")
    pyogrio.raw.write(empty, np.array([], dtype=object), [np.array([], dtype=object)], ["outfall_code"],
                      crs="EPSG:4490", geometry_type="Point", driver="GPKG")
    nothing = of.run_outfall_check(district, outfalls=empty, today=TODAY)
    assert nothing.checks == [] and any("empty" in n for n in nothing.notes)


def test_bad_settings_and_rules(tmp_path):
    with pytest.raises(NoOutfallInput):
        of.load_inputs(None)
    with pytest.raises(InvalidOutfallSetting):
        of.check_outfalls(_straight(), tolerance_m=0)
    bad = tmp_path / "rules.yaml"
    bad.write_text("snap_tolerance_m: -1\n", encoding="utf-8")
    with pytest.raises(InvalidOutfallRules, match="snap_tolerance_m"):
        of.load_rules(str(bad))
    text = open(of.RULES_FILE, encoding="utf-8").read().replace("{status: [suspected]}", "{colour: [red]}")
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidOutfallRules, match="colour") as info:
        of.load_rules(str(bad))
    assert "未知条件" in info.value.message_zh
    rules = of.load_rules()
    assert rules.verified is False and rules.upstream_of_intake_m == 5000 and rules.snap_tolerance_m == 200


# --- report and command line ---------------------------------------------------------------------------


def test_report(result, tmp_path):
    path = str(tmp_path / "outfalls.html")
    counts = write_outfall_report(result, path)
    html = open(path, encoding="utf-8").read()
    assert counts["ban"] == 6 and counts["recheck"] == 1 and counts["off_network"] == 2
    ban_part = html[html.index("二、位于饮用水水源保护区内的排污口"):html.index("三、取水口上游")]
    # the title counts what the section lists: 6 to ban and PK-025 (closed, still in a zone) to recheck
    assert "二、位于饮用水水源保护区内的排污口（应取缔 6 个，复核 1 个）" in ban_part
    assert ban_part.count('class="a-ban nw">取缔') == 6 and ban_part.count('class="a-recheck nw">复核') == 1
    for code in ("500199-PK-001", "500199-PK-002", "500199-PK-003", "500199-PK-004", "500199-PK-005",
                 "500199-PK-006", "500199-PK-025"):
        assert code in ban_part, code
    assert "第六十四条" in ban_part and "大江青溪水厂水源地一级保护区" in ban_part
    up_part = html[html.index("三、取水口上游"):html.index("四、未接入河网")]
    assert "500199-PK-012" in up_part and "4,010" in up_part and "石门场镇取水口" in up_part
    assert "500199-PK-020" in up_part and "4,200" in up_part
    assert "500199-PK-009" not in up_part and "500199-PK-021" not in up_part
    off_part = html[html.index("四、未接入河网"):html.index("五、各排污口")]
    assert "500199-PK-011" in off_part and "240" in off_part and "500199-PK-006" in off_part
    assert "EPSG:4544" in html and "孤立河段" in html and "<script" not in html


def test_command_line(district, tmp_path, capsys):
    out, report = str(tmp_path / "cli.gpkg"), str(tmp_path / "cli.html")
    assert main(["outfalls", "-w", district, "--out", out, "--report", report, "--today", "2026-12-01"]) == 0
    printed = capsys.readouterr().out
    assert "应取缔 ban 6" in printed and "500199-PK-012" in printed and "off-network 2" in printed
    assert os.path.exists(report) and of.OUTPUT_LAYER in dict(pyogrio.list_layers(out))
    assert main(["outfalls", "--out", out]) == 2
    assert "no_outfall_input" in capsys.readouterr().err
    assert main(["--lang", "zh", "outfalls", "-w", district, "--tolerance", "-5"]) == 2
    assert "无效" in capsys.readouterr().err


# --- outputs never overwrite the workspace, an input or each other ------------------------------------------


def _is_workspace(path: str) -> bool:
    return "sewage_outfall" in dict(pyogrio.list_layers(path))


def test_csv_may_not_overwrite_the_workspace(district, tmp_path, capsys):
    ws = str(tmp_path / "w.gpkg")
    shutil.copy(district, ws)
    o1 = str(tmp_path / "o1.gpkg")
    assert main(["outfalls", "-w", ws, "-o", o1, "--csv", ws]) == 2
    assert "output_is_a_workspace" in capsys.readouterr().err
    assert _is_workspace(ws) and not os.path.exists(o1)  # refused before any work
    for args in (["--report", ws], ["--csv", str(tmp_path / "w.csv"), "--report", ws]):
        assert main(["outfalls", "-w", ws, "-o", o1, *args]) == 2
        assert _is_workspace(ws) and not os.path.exists(o1)
    # the GeoPackage named after --csv when there is no --out
    assert main(["outfalls", "-w", ws, "--csv", str(tmp_path / "w.csv")]) == 2
    assert _is_workspace(ws) and not os.path.exists(tmp_path / "w.csv")
    capsys.readouterr()


def test_outputs_may_not_overwrite_inputs_or_each_other(district, tmp_path, capsys):
    ws = str(tmp_path / "w.gpkg")
    shutil.copy(district, ws)
    rivers = str(tmp_path / "rivers.gpkg")
    meta, _, geoms, columns = pyogrio.raw.read(district, layer="river")
    pyogrio.raw.write(rivers, geoms, list(columns), meta["fields"], crs="EPSG:4490",
                      geometry_type="MultiLineString", driver="GPKG")
    rules = str(tmp_path / "rules.yaml")
    shutil.copy(of.RULES_FILE, rules)
    before = {p: open(p, "rb").read() for p in (rivers, rules)}
    out = str(tmp_path / "o.gpkg")
    cases = [
        (["--rivers", f"{rivers}:river", "--out", rivers], "river file"),  # FILE:LAYER is the file
        (["--rivers", rivers, "--out", out, "--csv", rivers], "--rivers"),
        (["--rivers", rivers, "--out", out, "--report", rivers], "--rivers"),
        (["--rules", rules, "--out", out, "--report", rules], "--rules"),
        (["--out", out, "--csv", out], "--out"),
        (["--out", out, "--csv", str(tmp_path / "t.csv"), "--report", str(tmp_path / "t.csv")], "--csv"),
    ]
    for args, role in cases:
        assert main(["outfalls", "-w", ws, *args]) == 2, args
        err = capsys.readouterr().err
        assert "outfall_output_is_an_input" in err and role in err, (args, err)
        assert not os.path.exists(out) and not os.path.exists(tmp_path / "t.csv")
    assert main(["--lang", "zh", "outfalls", "-w", ws, "--rivers", rivers, "--out", rivers]) == 2
    assert "输入的河流中心线文件" in capsys.readouterr().err
    assert {p: open(p, "rb").read() for p in before} == before and _is_workspace(ws)


def test_csv_without_out_keeps_an_unrelated_geopackage(district, tmp_path, capsys):
    """--csv mine.csv alone writes mine.gpkg: refused when mine.gpkg exists and is not an earlier outfall check."""
    mine_csv, mine_gpkg = str(tmp_path / "mine.csv"), str(tmp_path / "mine.gpkg")
    meta, _, geoms, columns = pyogrio.raw.read(district, layer="river")
    pyogrio.raw.write(mine_gpkg, geoms, list(columns), meta["fields"], layer="my_rivers", crs="EPSG:4490",
                      geometry_type="MultiLineString", driver="GPKG")
    before = open(mine_gpkg, "rb").read()
    assert main(["outfalls", "-w", district, "--csv", mine_csv]) == 2
    assert "outfall_output_exists" in capsys.readouterr().err
    assert open(mine_gpkg, "rb").read() == before and not os.path.exists(mine_csv)
    # not a GeoPackage at all: refused too
    (tmp_path / "notes.gpkg").write_text("my notes", encoding="utf-8")
    assert main(["outfalls", "-w", district, "--csv", str(tmp_path / "notes.csv")]) == 2
    assert (tmp_path / "notes.gpkg").read_text(encoding="utf-8") == "my notes"
    # with --out it is the user's explicit choice; an earlier check of ours is replaced
    assert main(["outfalls", "-w", district, "--csv", str(tmp_path / "ours.csv")]) == 0
    assert main(["outfalls", "-w", district, "--csv", str(tmp_path / "ours.csv")]) == 0
    assert of.OUTPUT_LAYER in dict(pyogrio.list_layers(str(tmp_path / "ours.gpkg")))
    capsys.readouterr()


def test_write_checks_refuses_a_workspace_as_csv(result, district, tmp_path):
    from green_shield.core.errors import OutputIsAWorkspace

    ws = str(tmp_path / "w.gpkg")
    shutil.copy(district, ws)
    with pytest.raises(OutputIsAWorkspace):
        of.write_checks(result, str(tmp_path / "x.gpkg"), ws)
    assert _is_workspace(ws)


# --- rivers drawn against the flow, marked by a field -----------------------------------------------------


@pytest.mark.parametrize("value", ["是", "1", "true", "TRUE", "yes", "Y", "反向", 1, 1.0, True])
def test_reversed_values(value):
    assert of.is_reversed(value)


@pytest.mark.parametrize("value", ["否", "0", "false", "no", "", None, 0, float("nan"), False])
def test_not_reversed_values(value):
    assert not of.is_reversed(value)


def test_reversed_field_flips_marked_lines():
    inputs = _straight(reverse=True)  # drawn east → west, but the water flows west → east
    inputs.rivers.attributes["rev"] = ["是"]
    inputs.reversed_field = "rev"
    checks = {c.outfall_code: c for c in of.check_outfalls(inputs).checks}
    assert checks["UP"].downstream_intake_m == pytest.approx(1000.0, abs=1e-6) and checks["UP"].action == "flag"
    assert checks["DOWN"].downstream_intake is None
    inputs.rivers.attributes["rev"] = ["否"]
    unmarked = {c.outfall_code: c for c in of.check_outfalls(inputs).checks}
    assert unmarked["DOWN"].downstream_intake_m == pytest.approx(1000.0, abs=1e-6)
    inputs.reversed_field = "missing"
    with pytest.raises(UnknownFlowField, match="missing"):
        of.check_outfalls(inputs)


def _write(path, geoms, columns: dict, geometry_type: str, crs: str = "EPSG:4544") -> str:
    arrays = [np.array(v, dtype=object) for v in columns.values()]
    pyogrio.raw.write(path, shapely.to_wkb(np.array(geoms, dtype=object)), arrays, list(columns), crs=crs,
                      geometry_type=geometry_type, driver="GPKG")
    return path


def _straight_files(tmp_path, river_geom, geometry_type="LineString"):
    inputs = _straight()
    outfalls = _write(str(tmp_path / "outfalls.gpkg"), list(inputs.outfalls.geometries),
                      {k: list(v) for k, v in inputs.outfalls.attributes.items()}, "Point")
    intakes = _write(str(tmp_path / "intakes.gpkg"), list(inputs.intakes.geometries),
                     {k: list(v) for k, v in inputs.intakes.attributes.items()}, "Point")
    rivers = _write(str(tmp_path / "rivers.gpkg"), [river_geom], {"name": ["直河"], "rev": ["是"]}, geometry_type)
    return ["--outfalls", outfalls, "--intakes", intakes, "--rivers", rivers]


def test_reversed_field_on_the_command_line(tmp_path, capsys):
    args = _straight_files(tmp_path, LineString([(X0 + 10_000, Y0), (X0 - 10_000, Y0)]))
    assert main(["outfalls", *args, "--reversed-field", "rev"]) == 0
    lines = {line.split("\t")[0]: line for line in capsys.readouterr().out.splitlines() if "\t" in line}
    assert "1000 m → 直河取水口" in lines["UP"] and "DOWN" not in lines
    assert main(["outfalls", *args]) == 0  # without the field the drawn direction is the flow
    lines = {line.split("\t")[0]: line for line in capsys.readouterr().out.splitlines() if "\t" in line}
    assert "1000 m → 直河取水口" in lines["DOWN"] and "UP" not in lines
    assert main(["--lang", "zh", "outfalls", *args, "--reversed-field", "flow"]) == 2
    assert "没有用于标记反向的字段“flow”" in capsys.readouterr().err


# --- polygons given as rivers ------------------------------------------------------------------------


def test_polygons_as_rivers_are_a_clear_error(tmp_path, capsys):
    polygon = shapely.box(X0 - 10_000, Y0 - 100, X0 + 10_000, Y0 + 100)
    inputs = _straight()
    inputs.rivers = _layer("river", [polygon], {"name": ["直河"]})
    with pytest.raises(RiversNotLines) as info:
        of.check_outfalls(inputs)
    assert "Polygon" in info.value.message and "--rivers" in info.value.message
    assert "面" in info.value.message_zh and "河流中心线" in info.value.message_zh
    args = _straight_files(tmp_path, polygon, "Polygon")
    assert main(["outfalls", *args]) == 2
    err = capsys.readouterr().err
    assert "rivers_not_lines" in err and "rivers.gpkg" in err and "Polygon" in err and "TypeError" not in err
    assert main(["--lang", "zh", "outfalls", *args]) == 2
    assert "rivers.gpkg 中含有面" in capsys.readouterr().err


# --- Chinese output -------------------------------------------------------------------------------------


def test_chinese_output_has_no_english_notes(district, capsys):
    assert main(["--lang", "zh", "outfalls", "-w", district, "--today", "2026-12-01"]) == 0
    printed = capsys.readouterr().out
    assert "note:" not in printed and "river network:" not in printed
    assert "说明：" in printed and "河网问题：孤立河段" in printed
    assert main(["--lang", "en", "outfalls", "-w", district, "--today", "2026-12-01"]) == 0
    printed = capsys.readouterr().out
    assert "note: " in printed and "river network: isolated" in printed


# --- which zone levels mean 取缔 is data (outfall_rules.yaml ban_in_levels) ---------------------------------


def test_ban_levels_are_configurable(district, tmp_path, by_code):
    rules = of.load_rules()
    assert rules.ban_in_levels == ("level1", "level2", "quasi")  # the default keeps 准保护区 → 取缔
    assert by_code["500199-PK-003"].action == "ban" and by_code["500199-PK-003"].in_zone
    text = open(of.RULES_FILE, encoding="utf-8").read()
    assert "ban_in_levels: [level1, level2, quasi]" in text
    path = tmp_path / "rules.yaml"
    path.write_text(text.replace("ban_in_levels: [level1, level2, quasi]", "ban_in_levels: [level1, level2]"),
                    encoding="utf-8")
    result = of.run_outfall_check(district, rules_path=str(path), today=TODAY)
    checks = {c.outfall_code: c for c in result.checks}
    pk3 = checks["500199-PK-003"]
    assert not pk3.in_zone and pk3.action == "flag" and pk3.flags[0] == "zone_not_banned"
    assert pk3.protected == [("zone_not_banned", "大江青溪水厂水源地准保护区")]
    assert any("第六十七条" in b for b in pk3.legal_basis) and "准保护区" in pk3.row()["flags_zh"]
    assert result.counts()["ban"] == by_code_count(by_code, "ban") - 1
    assert checks["500199-PK-001"].action == "ban"  # level 1 still banned
    html = str(tmp_path / "r.html")
    write_outfall_report(result, html)
    assert "（应取缔 5 个，复核 1 个）" in open(html, encoding="utf-8").read()
    path.write_text(text.replace("ban_in_levels: [level1, level2, quasi]", "ban_in_levels: [level3]"),
                    encoding="utf-8")
    with pytest.raises(InvalidOutfallRules, match="ban_in_levels"):
        of.load_rules(str(path))


def by_code_count(by_code, action: str) -> int:
    return sum(c.action == action for c in by_code.values())
