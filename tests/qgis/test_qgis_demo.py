"""The demo: the sample district opens styled in a QGIS project and prints to a map."""

import subprocess
import sys
from pathlib import Path

from qgis.core import QgsProject
from qgis.PyQt.QtGui import QImage

from green_shield.core.sample_district import build_sample_district


def test_demo_writes_project_and_map(qgis_app, tmp_path):
    from green_shield.layers.demo import write_demo

    workspace = str(tmp_path / "sample.gpkg")
    build_sample_district(workspace)
    paths = write_demo(workspace, str(tmp_path / "out"))
    image = QImage(paths["png"])
    assert image.width() > 1500 and image.height() > 1000  # A4 at 150 dpi
    colours = {image.pixel(x, y) for x in range(100, 1300, 7) for y in range(150, 1100, 7)}
    assert len(colours) > 50  # a drawn map, not a blank frame
    assert Path(paths["pdf"]).read_bytes()[:5] == b"%PDF-"
    assert Path(paths["report_pdf"]).read_bytes()[:5] == b"%PDF-"
    assert "建设项目生态保护空间审查报告" in Path(paths["report"]).read_text(encoding="utf-8")
    assert paths["counts"].startswith("PROHIBITED ")
    assert Path(paths["redline_report_pdf"]).read_bytes()[:5] == b"%PDF-"
    assert "flagged" in paths["redline_summary"]
    assert "应取缔 6 个" in Path(paths["outfall_report"]).read_text(encoding="utf-8")
    # five remote-sensing leads from the sample images, with thumbnails
    leads_html = Path(paths["change_leads"]).read_text(encoding="utf-8")
    assert paths["change_summary"].startswith("5 leads (2 禁止") and "遥感变化线索核查清单" in leads_html
    assert len(list(Path(paths["change_leads"]).with_name("change_leads_files").glob("*.png"))) == 10
    # the inspection round: 87 cases from screening, registers and leads + 33 drawn, all routed, 3 teams
    assert paths["inspection_summary"].startswith("cases 120 (87 from screening, registers and leads, 33 drawn); "
                                                  "120 stops in ")
    assert "3 field packages" in paths["inspection_summary"]
    assert len(list(Path(paths["field"]).glob("*/*.qgs"))) == 3
    sheets = sorted(Path(paths["sheets"]).glob("检查单_第一检查组_第*天.pdf"))
    assert sheets and all(p.read_bytes()[:5] == b"%PDF-" for p in sheets)
    assert "案件 120 件，未结 120 件" in Path(paths["ledger"]).read_text(encoding="utf-8")

    project = QgsProject.instance()
    project.clear()
    assert project.read(paths["project"])
    layers = {layer.name(): layer for layer in project.mapLayers().values()}
    assert layers["建设项目（面）"].featureCount() + layers["建设项目（线）"].featureCount() \
        + layers["建设项目（点）"].featureCount() == 300
    assert layers["饮用水水源保护区"].renderer().classAttribute() == "level"
    assert project.crs().authid() == "EPSG:4544"
    assert len(project.layoutManager().layouts()) == 1
    assert layers["检查路线"].featureCount() > 0 and layers["检查点"].featureCount() == 120
    assert layers["检查案件"].featureCount() == 120
    assert layers["遥感变化线索"].featureCount() == 5
    assert layers["遥感变化线索"].renderer().classAttribute() == "activity"
    project.clear()


def test_styles_can_be_stored_again(tmp_path):
    """Re-styling a workspace that already has stored styles finishes (QGIS 3.22 used to hang)."""
    workspace = str(tmp_path / "again.gpkg")
    build_sample_district(workspace)
    code = (
        "import os, sys\nos.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from qgis.core import QgsApplication\napp = QgsApplication([], False); app.initQgis()\n"
        "from green_shield.layers.workspace import store_default_styles\n"
        f"store_default_styles({workspace!r}); store_default_styles({workspace!r}); print('done')\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "done" in run.stdout, run.stderr
    import sqlite3

    with sqlite3.connect(workspace) as con:
        rows = con.execute("SELECT f_table_name, useAsDefault FROM layer_styles").fetchall()
    assert sorted(rows) == sorted((name, 1) for name in {r[0] for r in rows}) and len(rows) == 14
