"""Red-line adjustment maps rendered by QGIS, embedded in the report, printed to PDF by Qt."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from qgis.PyQt.QtGui import QColor, QImage

from green_shield.core.redline_report import write_redline_report

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from test_redline_report import make_diff  # noqa: E402


def _colours(image: QImage, step: int = 3) -> set:
    return {image.pixel(x, y) for x in range(0, image.width(), step) for y in range(0, image.height(), step)}


def _near(colours: set, target: str, tol: int = 40) -> bool:
    t = QColor(target)
    return any(abs(QColor(c).red() - t.red()) + abs(QColor(c).green() - t.green()) + abs(QColor(c).blue() - t.blue())
               < tol for c in colours)


def test_redline_maps_report_and_pdf(qgis_app, project, tmp_path):
    from green_shield.core.sample_district import build_sample_district
    from green_shield.layers.redline_maps import render_redline_maps
    from green_shield.layers.report_maps import write_pdf_report

    diff = make_diff()
    workspace = str(tmp_path / "district.gpkg")
    build_sample_district(workspace)  # background layers (elsewhere: they must not break the render)
    maps = render_redline_maps(diff, str(tmp_path / "maps"), workspace=workspace, size_px=(800, 600))
    assert set(maps) == {"before", "after", "changes"}
    for name, path in maps.items():
        image = QImage(path)
        assert not image.isNull() and (image.width(), image.height()) == (800, 600)
        assert len(_colours(image)) > 8, f"{name} map looks blank"
    changes = _colours(QImage(maps["changes"]), 2)
    assert _near(changes, "#1a9641") and _near(changes, "#d7191c"), "added / removed not drawn"

    report = write_redline_report(diff, str(tmp_path / "redline.html"), map_images=maps)
    text = Path(report).read_text(encoding="utf-8")
    assert text.count("data:image/png;base64,") == 3 and '<svg class="map"' not in text
    data = Path(write_pdf_report(report, str(tmp_path / "redline.pdf"))).read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page(?![s\w])", data)) >= 2
    assert len(re.findall(rb"/Subtype\s*/Image", data)) >= 3

    # the SVG-only report prints too (SVG maps and chart rasterised by Qt)
    svg_report = write_redline_report(diff, str(tmp_path / "svg.html"))
    data = Path(write_pdf_report(svg_report, str(tmp_path / "svg.pdf"))).read_bytes()
    assert data.startswith(b"%PDF") and len(re.findall(rb"/Subtype\s*/Image", data)) >= 3
