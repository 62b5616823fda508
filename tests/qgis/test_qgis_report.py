"""Report maps rendered by QGIS with the plugin's styles, embedded in the report, printed to PDF by Qt."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from qgis.PyQt.QtGui import QColor, QImage

from green_shield.core.report import write_html_report
from green_shield.core.rules import load_rulebook
from green_shield.core.sample_district import build_sample_district
from green_shield.core.screening import screen
from green_shield.core.screening_io import load_projects, load_protected


@pytest.fixture(scope="module")
def screened(tmp_path_factory):
    folder = tmp_path_factory.mktemp("qgis_report")
    path = str(folder / "sample_district.gpkg")
    build_sample_district(path)
    projects, _ = load_projects(path, None)
    protected, _ = load_protected(path)
    return path, folder, screen(projects, protected, load_rulebook()), protected


def _distinct_colours(image: QImage, step: int = 4) -> set:
    return {image.pixel(x, y) for x in range(0, image.width(), step) for y in range(0, image.height(), step)}


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def test_maps_report_and_pdf(qgis_app, project, screened):
    from green_shield.layers.report_maps import render_project_maps, write_pdf_report

    path, folder, result, protected = screened
    flagged = [p for p in result.projects if p.verdict != "CLEAR"]
    out = folder / "report"
    started = time.perf_counter()
    maps = render_project_maps(result, protected, str(out / "maps"), size_px=(900, 600), workspace=path)
    seconds = time.perf_counter() - started
    assert set(maps) == {p.index for p in flagged}
    orange = QColor("#fdae61")
    for index in list(maps)[:12]:
        image = QImage(maps[index])
        assert not image.isNull() and (image.width(), image.height()) == (900, 600)
        assert len(_distinct_colours(image)) > 8, f"map of project {index} looks blank"
        # a project is drawn: its orange (under the hatches and at any opacity) shows somewhere
        polygon = result.projects[index].geometry.geom_type.endswith("Polygon")
        if polygon:
            near = [c for c in _distinct_colours(image, 2)
                    if abs(QColor(c).hue() - orange.hue()) < 12 and QColor(c).saturation() > 60]
            assert near, f"project {index} not visible on its map"

    report = write_html_report(result, str(out / "report.html"), protected, map_images=maps)
    with open(report, encoding="utf-8") as fh:
        text = fh.read()
    assert text.count("data:image/png;base64,") == len(flagged)
    assert '<svg class="map"' not in text

    pdf = write_pdf_report(report, str(out / "report.pdf"))
    data = Path(pdf).read_bytes()
    assert data.startswith(b"%PDF")
    assert _pages(data) > len(flagged)  # a page per flagged project, plus summary and appendix
    assert len(re.findall(rb"/Subtype\s*/Image", data)) >= len(flagged)
    print(f"\n{len(maps)} maps in {seconds:.1f} s; HTML {os.path.getsize(report) / 1e6:.1f} MB; "
          f"PDF {len(data) / 1e6:.1f} MB, {_pages(data)} pages")


def test_pdf_with_linked_images_and_svg(qgis_app, screened, tmp_path):
    """Maps as files next to the HTML (relative paths), and a report with inline SVG maps only."""
    from green_shield.layers.report_maps import render_project_maps, write_pdf_report

    _, _, result, protected = screened
    first = [p.index for p in result.projects if p.verdict != "CLEAR"][:3]
    maps = render_project_maps(result, protected, str(tmp_path / "maps"), indices=first)
    linked = write_html_report(result, str(tmp_path / "linked.html"), protected, map_images=maps,
                               embed_images=False)
    with open(linked, encoding="utf-8") as fh:
        text = fh.read()
    assert text.count('src="maps/map_') == 3
    data = Path(write_pdf_report(linked, str(tmp_path / "linked.pdf"))).read_bytes()
    assert data.startswith(b"%PDF") and _pages(data) > 3
    assert len(re.findall(rb"/Subtype\s*/Image", data)) >= 3

    svg_only = write_html_report(result, str(tmp_path / "svg.html"), protected)
    data = Path(write_pdf_report(svg_only, str(tmp_path / "svg.pdf"))).read_bytes()
    assert data.startswith(b"%PDF") and _pages(data) > 3
    # every inline SVG (chart, maps) was rasterised for Qt
    assert len(re.findall(rb"/Subtype\s*/Image", data)) >= 1 + len(first)
