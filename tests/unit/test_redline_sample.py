"""The red-line review on the sample district's two versions: every planted change is found."""

import subprocess
import sys

import pyogrio.raw
import pytest

from green_shield.core.cli import run_redline_diff
from green_shield.core.sample_district import build_sample_district
from green_shield.core.sample_landcover import build_sample_landcover
from green_shield.core.sample_redline_v2 import build_redline_v2


@pytest.fixture(scope="module")
def review(tmp_path_factory):
    folder = tmp_path_factory.mktemp("review")
    ws, v2, lc = str(folder / "district.gpkg"), str(folder / "v2.gpkg"), str(folder / "landcover.tif")
    build_sample_district(ws)
    build_redline_v2(ws, v2)
    build_sample_landcover(lc, ws)
    diff = run_redline_diff(f"{v2}:redline_2020", f"{v2}:redline", workspace=ws, landcover=lc)
    _, _, _, columns = pyogrio.raw.read(v2, layer="redline_change_expectations")
    names = ["change_class", "bsm_old", "bsm_new", "division", "area_m2", "flag", "note"]
    expectations = [dict(zip(names, row)) for row in zip(*columns)]
    return diff, expectations, (ws, v2, lc)


def test_every_planted_change_is_found(review):
    diff, expectations, _ = review
    for exp in expectations:
        kind = exp["change_class"]
        if kind in ("added", "removed"):
            key = "bsm_new" if kind == "added" else "bsm_old"
            pieces = [p for p in diff.of(kind) if getattr(p, key) == exp[key]]
            assert pieces, exp
            assert sum(p.area_m2 for p in pieces) == pytest.approx(float(exp["area_m2"]), rel=0.01), exp
            if exp["flag"]:
                assert exp["flag"] in {f for p in pieces for f in p.flags}, exp
        elif kind in ("modified", "split", "merged"):
            assert any(m.kind == kind and exp["bsm_old"] in m.bsm_old for m in diff.matches), exp
        elif kind == "noise":
            assert any(p.change == "noise" and exp["bsm_old"] in (p.bsm_old, p.bsm_new) for p in diff.pieces), exp
    # the patch that was only redrawn has noise and nothing else
    only_noise = {"5001992020000010"}
    assert not [p for p in diff.pieces if p.change in ("added", "removed") and p.bsm_old in only_noise]


def test_whole_patch_removed_without_a_record_needs_a_reason(review):
    diff, _, _ = review
    whole = next(p for p in diff.of("removed") if p.bsm_old == "5001992020000006")
    assert whole.flags == ["no_reason"]  # no 2021 record carries its reason (see README: a record without geometry)


def test_balance_adds_up_and_is_reported_per_town(review):
    diff, _, _ = review
    total = diff.total
    assert total.old_m2 + total.added_m2 - total.removed_m2 + total.noise_m2 == pytest.approx(total.new_m2, rel=1e-9)
    assert abs(total.noise_m2) < 100  # redrawing moved vertices by ≤ 0.3 m
    assert not diff.shrinks
    towns = {r.key for r in diff.balance if r.group == "division"}
    assert towns == {"青溪街道", "白云镇", "石门镇"}
    assert any("overlap" in w for w in diff.warnings)  # two 2020 patches overlap: reported, dissolved


def test_verdicts_that_change_and_land_cover(review):
    diff, _, _ = review
    newly = {v.project_code: v for v in diff.verdict_changes}
    assert "XM-2018-0091" in newly and newly["XM-2018-0091"].new_verdict == "PROHIBITED"
    assert set(diff.landcover) == {"added", "removed"}
    assert sum(diff.landcover["added"].values()) == pytest.approx(diff.total.added_m2, rel=0.05)
    assert diff.landcover["removed"][5] > 0  # the withdrawn 大江湿地 patch is wetland


def test_command_line_report(review, tmp_path):
    _, _, (ws, v2, lc) = review
    run = subprocess.run([sys.executable, "-m", "green_shield.core.cli", "redline-diff", f"{v2}:redline_2020",
                          f"{v2}:redline", "--workspace", ws, "--landcover", lc, "--out", str(tmp_path / "d.gpkg"),
                          "--report", str(tmp_path / "r.html")], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "flag removed 5001992020000001" in run.stdout and "core_zone" in run.stdout
    assert "project XM-2018-0091" in run.stdout
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "湿地" in html and "青溪街道" in html
