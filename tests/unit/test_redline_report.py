"""The red-line adjustment report (core.redline_report): balance, shrink banner, flags, escaping, a real browser."""

from __future__ import annotations

import html
import os
import shutil
import subprocess

import numpy as np
import pytest
import shapely

from green_shield.core.redline_diff import FLAG_ZH, diff_redlines
from green_shield.core.redline_report import SHRINK_ZH, write_redline_report
from green_shield.core.screening import FeatureSet

CHROMIUM = shutil.which("chromium")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync")
NASTY = '<script>alert("x")</script>扩建 & "调整"'


def _fs(boxes, bsm, reason=None, names=None) -> FeatureSet:
    attrs = {"bsm": bsm, "xzqmc": ["甲区", "乙区", "丙区"][:len(boxes)],
             "eco_function": ["water_conservation", "biodiversity", "water_conservation"][:len(boxes)],
             "name": names or ["n"] * len(boxes)}
    if reason:
        attrs["reason"] = reason
    geoms = np.array([shapely.MultiPolygon([shapely.box(*b)]) for b in boxes], dtype=object)
    return FeatureSet("redline", geoms, attrs, np.arange(len(boxes)), "EPSG:4544", "old.gpkg")


def make_diff(grow: bool = False):
    """Old: three 1 km² boxes. New: box 1 kept (renamed), box 2 cut by 200 m on the east with a 0.3 m
    noise sliver on top, box 3 removed and a new box added elsewhere (larger when ``grow``)."""
    old = _fs([(0, 0, 1000, 1000), (2000, 0, 3000, 1000), (5000, 0, 6000, 1000)], ["1", "2", "3"])
    added = (7000, 0, 8000, 1500) if grow else (7000, 0, 8000, 1000)
    new = _fs([(0, 0, 1000, 1000), (2000, 0, 2800, 1000.3), added], ["1", "2", "4"], ["", NASTY, "新增"],
              names=["改名", "n", "n"])
    new.source = "new.gpkg"
    diff = diff_redlines(old, new, planar_crs="EPSG:4544")
    removed = sorted(diff.of("removed"), key=lambda p: p.area_m2)
    removed[0].flags.append("no_reason")
    removed[1].flags += ["core_zone", "no_reason"]
    diff.of("added")[0].flags.append("project")
    diff.warnings.append("<b>warn</b> & check")
    return diff


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("redline_report")
    diff = make_diff()
    path = write_redline_report(diff, str(folder / "redline.html"))
    with open(path, encoding="utf-8") as fh:
        return diff, path, fh.read()


def test_balance_numbers_with_units(report):
    diff, _, text = report
    total = diff.total
    assert total.old_m2 == pytest.approx(3e6) and total.added_m2 == pytest.approx(1e6)
    assert total.removed_m2 == pytest.approx(1.2e6) and total.noise_m2 == pytest.approx(240, abs=0.1)
    assert "3,000,000.0 m²" in text and "300.0000 公顷" in text and "4,500.00 亩" in text
    assert "2,800,240.0 m²" in text  # new area: noise included
    assert "−200,000.0 m²" in text and "−20.0000 公顷" in text and "−300.00 亩" in text
    assert "−6.67%" in text and "−20.00%" in text  # total and division 乙区
    assert "+240.0 m²" in text  # noise net shown apart
    assert "3,000,000.0 + 1,000,000.0 − 1,200,000.0 + 240.0 = 2,800,240.0 m²" in text
    for label in ("甲区", "乙区", "丙区", "水源涵养", "生物多样性维护"):
        assert label in text
    assert "EPSG:4544" in text and "1 m" in text and "100.0 m²" in text and "<code>bsm</code>" in text
    assert "old.gpkg" in text and "new.gpkg" in text


def test_shrink_banner(report, tmp_path):
    diff, _, text = report
    assert diff.shrinks
    assert SHRINK_ZH in text and "不符合“面积不减少”的要求" in text
    grown = make_diff(grow=True)
    assert not grown.shrinks
    with open(write_redline_report(grown, str(tmp_path / "grown.html")), encoding="utf-8") as fh:
        other = fh.read()
    assert SHRINK_ZH not in other and "不符合" not in other
    assert 'class="banner ok"' in other and "符合“面积不减少”的要求" in other


def test_flagged_rows_violations_first(report):
    _, _, text = report
    table = text[text.index("四、问题图斑"):text.index("五、图斑变更")]
    assert table.count("<tr class=") == 3
    assert table.index(html.escape(FLAG_ZH["core_zone"])) < table.index(html.escape(FLAG_ZH["project"]))
    assert "1,000,000.0 m²" in table and "200,000.0 m²" in table
    assert "违规" in table and "需复核" in table
    assert "丙区" in table and "3 / —" in table  # BSM old / new
    matches = text[text.index("五、图斑变更"):]
    assert "属性变更" in matches and "改名" in matches


def test_user_text_is_escaped(report):
    _, _, text = report
    assert "<script>" not in text and html.escape(NASTY) in text
    assert "<b>warn</b>" not in text and "&lt;b&gt;warn&lt;/b&gt; &amp; check" in text


def test_svg_maps_and_self_contained(report):
    _, _, text = report
    assert text.count('<svg class="map"') == 3
    assert text.count('<g class="sb">') == 3 and text.count('<g class="na">') == 3  # scale bar, north arrow
    assert '<svg class="chart"' in text and "#1a9641" in text and "#d7191c" in text
    assert "<script" not in text.replace(html.escape("<script>"), "") and "http://" not in text.replace(
        "http://www.w3.org/2000/svg", "")


def test_map_images_and_landcover(tmp_path):
    diff = make_diff()
    diff.landcover = {"added": {1: 600000.0, 2: 400000.0}, "removed": {1: 1200000.0}}
    png = tmp_path / "x.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    maps = {k: str(png) for k in ("before", "after", "changes")}
    classes = {1: ("林地", "Forest"), 2: "<草地>"}
    path = write_redline_report(diff, str(tmp_path / "r.html"), map_images=maps, classes=classes)
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    assert '<svg class="map"' not in text and text.count("data:image/png;base64,") == 3
    assert "林地（1）" in text and "&lt;草地&gt;（2）" in text and "60.0%" in text


def _chromium(tmp_path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    return subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=180)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed; cannot render the report in a browser")
def test_renders_in_headless_chromium(report, tmp_path):
    _, path, _ = report
    url = "file://" + os.path.abspath(path)
    shot = tmp_path / "redline_report.png"
    run = _chromium(tmp_path, "--enable-logging=stderr", "--v=0", "--hide-scrollbars", f"--screenshot={shot}",
                    "--window-size=1200,1600", url)
    assert shot.exists() and shot.stat().st_size > 10_000, run.stderr[-2000:]
    assert [line for line in run.stderr.splitlines() if "Uncaught" in line or ":CONSOLE" in line] == []
    try:
        from PIL import Image
    except ImportError:
        pass
    else:
        image = Image.open(shot).convert("RGB")
        colours = {image.getpixel((x, y)) for x in range(0, image.width, 3) for y in range(0, image.height, 3)}
        assert image.size == (1200, 1600) and len(colours) > 200, "the screenshot looks blank"
    if os.environ.get("GS_SCREENSHOT_DIR"):
        shutil.copy(shot, os.path.join(os.environ["GS_SCREENSHOT_DIR"], "redline_report.png"))
    pdf = tmp_path / "redline.pdf"
    _chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", url)
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
