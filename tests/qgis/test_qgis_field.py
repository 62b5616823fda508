"""Field work in QGIS: the QField package, the round trip back into the ledger, and the printed sheets."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import unicodedata

import numpy as np
import pyogrio.raw
import pytest
import shapely
from qgis.core import QgsProcessingException, QgsProcessingFeedback, QgsProject, QgsVectorLayer

from builders import screened_district
from green_shield.core import cases, field_merge, gpkg
from green_shield.core.workspace import read_layer, read_meta

STOP_COLUMNS = ("case_id", "team", "day", "date", "sequence", "eta", "service_min", "leg_km", "target_type",
                "priority", "name")


@pytest.fixture(scope="module")
def district_with_cases(tmp_path_factory):
    ws, screening = screened_district(tmp_path_factory.mktemp("qgis_field"))
    cases.build_cases(ws, screening, by="王科长")
    return ws


@pytest.fixture
def workspace(district_with_cases, tmp_path):
    ws = str(tmp_path / "ws.gpkg")
    shutil.copy(district_with_cases, ws)
    return ws


def write_stops(ws: str, path: str) -> tuple[str, list[dict]]:
    """A route plan's stops layer, as greenshield:planroutes writes it: two teams of nearby cases."""
    rows = cases.read_cases(ws)
    seed = rows[0]["geometry"]
    near = sorted(rows, key=lambda r: r["geometry"].distance(seed))
    far_seed = near[-1]["geometry"]
    far = [r for r in sorted(rows, key=lambda r: r["geometry"].distance(far_seed)) if r not in near[:5]]
    stops = []
    for i, row in enumerate(near[:5]):
        stops.append((row, "一组", 1 + i // 3, f"2026-12-0{1 + i // 3}", i % 3 + 1))
    for i, row in enumerate(far[:3]):
        stops.append((row, "二组", 1, "", i + 1))
    records = [{"case_id": r["case_id"], "team": team, "day": day, "date": date, "sequence": seq,
                "eta": f"{9 + seq:02d}:15", "service_min": 30.0, "leg_km": 1.2, "target_type": r["target_type"],
                "priority": r["priority"], "name": r["target_name"]} for r, team, day, date, seq in stops]
    kinds = {"day": "int64", "sequence": "int64", "service_min": "float64", "leg_km": "float64"}
    arrays = [np.array([rec[c] for rec in records], dtype=kinds.get(c, object)) for c in STOP_COLUMNS]
    wkb = np.array([shapely.to_wkb(r["geometry"]) for r, *_ in stops], dtype=object)
    pyogrio.raw.write(path, wkb, arrays, list(STOP_COLUMNS), layer="stops", driver="GPKG", geometry_type="Point",
                      crs="EPSG:4490")
    return f"{path}|layername=stops", records


def _layer(path: str, table: str) -> QgsVectorLayer:
    layer = QgsVectorLayer(f"{path}|layername={table}", table, "ogr")
    assert layer.isValid(), table
    return layer


def test_export_field_package_for_qfield(provider, project, workspace, tmp_path):
    import processing

    stops_uri, records = write_stops(workspace, str(tmp_path / "plan.gpkg"))
    out = str(tmp_path / "packages")
    result = processing.run("greenshield:exportfieldpackage", {
        "WORKSPACE": workspace, "STOPS": stops_uri, "BUFFER": 2000, "OUTPUT": out})
    assert result["PACKAGES"] == 2 and result["CASES"] == 8
    qgs = os.path.join(out, "一组", "一组.qgs")
    assert result["PROJECTS"].split("\n") == [qgs, os.path.join(out, "二组", "二组.qgs")]
    assert os.path.isdir(os.path.join(out, "一组", "DCIM"))
    with open(qgs, encoding="utf-8") as fh:
        text = fh.read()
    assert "./一组.gpkg|layername=inspection_case" in text and str(tmp_path) not in text  # relative paths only

    team = QgsProject()
    assert team.read(qgs)
    layers = {layer.name(): layer for layer in team.mapLayers().values()}
    assert all(layer.isValid() for layer in layers.values())
    assert set(layers) == {"检查案件", "生态保护红线", "自然保护地", "饮用水水源保护区", "污染地块"}
    case_layer = layers["检查案件"]
    features = list(case_layer.getFeatures())
    wanted = [r for r in records if r["team"] == "一组"]
    assert sorted(f["case_id"] for f in features) == sorted(r["case_id"] for r in wanted)
    assert [(f["day"], f["sequence"], f["eta"]) for f in features][:3] == [(1, 1, "10:15"), (1, 2, "11:15"),
                                                                          (1, 3, "12:15")]
    # the form
    fields = case_layer.fields()

    def widget(name):
        return case_layer.editorWidgetSetup(fields.indexFromName(name))

    assert widget("visit_time").type() == "DateTime"
    assert widget("visit_time").config()["field_format"] == "yyyy-MM-ddTHH:mm:ss"
    assert widget("finding").type() == "TextEdit" and widget("finding").config()["IsMultiline"]
    assert widget("notes").config()["IsMultiline"]
    assert widget("rectification_required").type() == "CheckBox"
    assert widget("photos").type() == "ExternalResource" and widget("photos").config()["RelativeStorage"] == 1
    for name, label, code in (("violation_type", "保护区内违法建设", "construction_in_zone"),
                              ("status", "责令整改", "ordered")):
        setup = widget(name)
        assert setup.type() == "ValueMap"
        assert {label: code} in setup.config()["map"], name
    # the field may not close a case (销号 is the office's decision after review): the form does not offer it
    assert widget("status").config()["map"] == [{"待核查": "pending"}, {"已检查": "inspected"},
                                                {"责令整改": "ordered"}, {"已整改": "rectified"}, {"排除": "excluded"}]
    form = case_layer.editFormConfig()
    for name in ("case_id", "target_type", "target_name", "problem", "legal_basis", "sequence"):
        assert form.readOnly(fields.indexFromName(name)), name
    for name in ("status", "visit_time", "finding", "violation_type", "rectification_required", "photos", "notes"):
        assert not form.readOnly(fields.indexFromName(name)), name
    tabs = [tab.name() for tab in form.tabs()]
    assert tabs == ["现场检查", "案件信息"]
    assert [c.name() for c in form.tabs()[0].children()][:3] == ["status", "visit_time", "finding"]
    assert case_layer.attributeAlias(fields.indexFromName("finding")) == "检查情况"
    assert case_layer.attributeAlias(fields.indexFromName("sequence")) == "顺序号"
    assert case_layer.labelsEnabled() and '"sequence"' in case_layer.labeling().settings().fieldName
    assert case_layer.renderer().classAttribute() == "status"
    assert "photos" in case_layer.customProperty("QFieldSync/attachment_naming")
    assert layers["生态保护红线"].readOnly()
    # zones: clipped to the team's area (smaller than the originals, inside the buffered extent)
    package = os.path.join(out, "一组", "一组.gpkg")
    with sqlite3.connect(package) as con:  # the workspace is recorded by its id
        record = dict(con.execute("SELECT key, value FROM gs_field_export").fetchall())
    assert record["workspace_id"] == read_meta(workspace)["workspace_id"] != ""
    points = [r["geometry"] for r in cases.read_cases(workspace, case_ids=[r["case_id"] for r in wanted])]
    area = field_merge.team_area(points, "EPSG:4490", 2000).buffer(1e-9)
    for key in field_merge.ZONE_KEYS:
        clipped, _, _ = read_layer(package, key)
        original, _, _ = read_layer(workspace, key)
        assert all(g.within(area) for g in clipped), key
        assert sum(g.area for g in clipped) < sum(g.area for g in original), key
    team.clear()

    with pytest.raises(QgsProcessingException, match="already exists"):
        processing.run("greenshield:exportfieldpackage", {"WORKSPACE": workspace, "STOPS": stops_uri,
                                                           "OUTPUT": out})


def test_export_from_the_ledger_alone(provider, project, workspace, tmp_path):
    import processing

    with pytest.raises(QgsProcessingException, match="No cases to export"):
        processing.run("greenshield:exportfieldpackage", {"WORKSPACE": workspace, "OUTPUT": str(tmp_path / "x")})
    ids = [r["case_id"] for r in cases.read_cases(workspace)][:4]
    for case_id in ids:
        cases.change_status(workspace, case_id, "pending", by="内业", fields={"team": "三组"})
    result = processing.run("greenshield:exportfieldpackage", {"WORKSPACE": workspace, "TEAMS": "三组",
                                                                "OUTPUT": str(tmp_path / "y")})
    assert result["PACKAGES"] == 1 and result["CASES"] == 4
    layer = _layer(str(tmp_path / "y" / "三组" / "三组.gpkg"), "inspection_case")
    assert sorted(f["case_id"] for f in layer.getFeatures()) == sorted(ids)


def test_field_round_trip_with_a_planted_conflict(provider, project, workspace, tmp_path):
    import processing

    stops_uri, records = write_stops(workspace, str(tmp_path / "plan.gpkg"))
    ids = [r["case_id"] for r in records if r["team"] == "一组"]
    applied, chained, conflicted, rejected, untouched = ids
    cases.change_status(workspace, rejected, "inspected", by="内业")  # exported as 已检查
    out = str(tmp_path / "packages")
    processing.run("greenshield:exportfieldpackage", {"WORKSPACE": workspace, "STOPS": stops_uri, "OUTPUT": out})
    package = os.path.join(out, "一组", "一组.gpkg")

    # in the field: one case edited through QGIS's own editing (as QField does), others with SQLite
    layer = _layer(package, "inspection_case")
    feature = next(f for f in layer.getFeatures() if f["case_id"] == applied)
    assert layer.startEditing()
    for name, value in (("status", "inspected"), ("finding", "未发现违法建设"), ("violation_type", "none"),
                        ("visit_time", "2026-12-01T10:20:00"), ("rectification_required", False)):
        assert layer.changeAttributeValue(feature.id(), layer.fields().indexFromName(name), value)
    assert layer.commitChanges(), layer.commitErrors()
    del layer
    con = gpkg.connect(package)
    con.execute("UPDATE inspection_case SET status = 'rectified', finding = '排口已封堵', violation_type = "
                "'outfall_illegal', rectification_required = 1 WHERE case_id = ?", (chained,))
    con.execute("UPDATE inspection_case SET status = 'inspected', finding = '现场核实' WHERE case_id = ?",
                (conflicted,))
    con.execute("UPDATE inspection_case SET status = 'pending', finding = '复查' WHERE case_id = ?", (rejected,))
    con.commit()
    con.close()
    # meanwhile in the office: the same case edited → conflict
    cases.change_status(workspace, conflicted, "excluded", by="内业", note="误报")

    report = str(tmp_path / "merge.csv")
    result = processing.run("greenshield:importfieldresults", {"PACKAGE": package, "WORKSPACE": workspace,
                                                               "REPORT": report})
    assert (result["APPLIED"], result["CONFLICTS"], result["REJECTED"], result["UNCHANGED"]) == (2, 1, 1, 1)
    assert os.path.exists(report)
    by_id = {c["case_id"]: c for c in cases.read_cases(workspace, case_ids=ids)}
    assert by_id[applied]["status"] == "inspected" and by_id[applied]["finding"] == "未发现违法建设"
    assert by_id[applied]["visit_time"] == "2026-12-01T10:20:00"
    assert by_id[chained]["status"] == "rectified" and by_id[chained]["violation_type"] == "outfall_illegal"
    chain = [(h["from_status"], h["to_status"], h["channel"]) for h in cases.case_history(workspace, chained)][1:]
    assert chain == [("pending", "inspected", "field"), ("inspected", "ordered", "field"),
                     ("ordered", "rectified", "field")]
    assert by_id[conflicted]["status"] == "excluded" and by_id[conflicted]["finding"] is None  # the office version
    kept = {k["case_id"]: k for k in field_merge.conflicts(workspace)}
    assert kept[conflicted]["kind"] == "conflict"
    assert kept[conflicted]["field_values"]["finding"] == "现场核实"
    assert kept[conflicted]["office_values"]["status"] == "excluded"
    assert kept[rejected]["kind"] == "rejected" and by_id[rejected]["status"] == "inspected"
    assert by_id[untouched]["rev"] == 1
    with sqlite3.connect(workspace) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM gpkg_contents")}
    assert {"gs_field_import", "gs_field_conflict"} <= tables
    assert _layer(workspace, "gs_field_conflict").featureCount() == 2  # visible to QGIS

    with pytest.raises(QgsProcessingException, match="already imported"):
        processing.run("greenshield:importfieldresults", {"PACKAGE": package, "WORKSPACE": workspace})


def test_import_failure_leaves_the_workspace_byte_identical(provider, project, workspace, tmp_path, monkeypatch):
    import processing

    stops_uri, records = write_stops(workspace, str(tmp_path / "plan.gpkg"))
    out = str(tmp_path / "packages")
    processing.run("greenshield:exportfieldpackage", {"WORKSPACE": workspace, "STOPS": stops_uri, "OUTPUT": out})
    package = os.path.join(out, "一组", "一组.gpkg")
    con = gpkg.connect(package)
    con.execute("UPDATE inspection_case SET status = 'ordered', finding = '已核实'")
    con.commit()
    con.close()
    before = open(workspace, "rb").read()
    real = cases.change_status
    calls = []

    def refuse_one_write(*args, **kwargs):
        calls.append(args[1])
        if len(calls) == 3:  # the second case's first step
            raise RuntimeError("the ledger refused a write (simulated)")
        return real(*args, **kwargs)

    monkeypatch.setattr(cases, "change_status", refuse_one_write)
    with pytest.raises(QgsProcessingException):
        processing.run("greenshield:importfieldresults", {"PACKAGE": package, "WORKSPACE": workspace})
    assert len(calls) == 3
    assert open(workspace, "rb").read() == before


class WarningsKept(QgsProcessingFeedback):
    def __init__(self):
        super().__init__()
        self.warnings = []

    def pushWarning(self, warning):  # noqa: N802
        self.warnings.append(warning)
        super().pushWarning(warning)


def test_import_rejects_a_closed_case_and_warns_of_missing_photos(provider, project, workspace, tmp_path):
    import processing

    stops_uri, records = write_stops(workspace, str(tmp_path / "plan.gpkg"))
    closing, photographed, *_ = [r["case_id"] for r in records if r["team"] == "一组"]
    out = str(tmp_path / "packages")
    processing.run("greenshield:exportfieldpackage", {"WORKSPACE": workspace, "STOPS": stops_uri, "OUTPUT": out})
    package = os.path.join(out, "一组", "一组.gpkg")
    with open(os.path.join(out, "一组", "DCIM", "here.jpg"), "wb") as fh:
        fh.write(b"jpeg")
    con = gpkg.connect(package)
    con.execute("UPDATE inspection_case SET status = 'closed', finding = '未发现问题' WHERE case_id = ?", (closing,))
    con.execute("UPDATE inspection_case SET status = 'inspected', photos = 'DCIM/here.jpg;DCIM/gone.jpg' "
                "WHERE case_id = ?", (photographed,))
    con.commit()
    con.close()
    params = {"PACKAGE": package, "WORKSPACE": workspace, "DRY_RUN": True, "REPORT": str(tmp_path / "dry.csv")}
    feedback = WarningsKept()
    before = open(workspace, "rb").read()
    result = processing.run("greenshield:importfieldresults", params, feedback=feedback)
    assert (result["APPLIED"], result["REJECTED"]) == (1, 1)
    assert open(workspace, "rb").read() == before
    warned = "\n".join(feedback.warnings)
    assert closing in warned and "closing is an office decision" in warned
    assert photographed in warned and "DCIM/gone.jpg" in warned and "DCIM/here.jpg" not in warned

    processing.run("greenshield:importfieldresults", dict(params, DRY_RUN=False, REPORT=str(tmp_path / "m.csv")))
    by_id = {c["case_id"]: c for c in cases.read_cases(workspace, case_ids=[closing, photographed])}
    assert by_id[closing]["status"] == "pending" and by_id[closing]["finding"] is None
    assert by_id[photographed]["status"] == "inspected"
    kept = {k["case_id"]: k for k in field_merge.conflicts(workspace)}
    assert kept[closing]["kind"] == "rejected" and "销号须由内业审核后办理" in kept[closing]["reason"]


def test_import_refuses_what_is_not_a_field_package(provider, workspace, tmp_path):
    import processing

    with pytest.raises(QgsProcessingException, match="not a Green Shield field package"):
        processing.run("greenshield:importfieldresults", {"PACKAGE": workspace, "WORKSPACE": workspace})


def _pdf_text(path: str) -> str:
    text = subprocess.run(["pdftotext", "-layout", path, "-"], check=True, capture_output=True).stdout.decode()
    # Qt's PDF writer maps some CJK glyphs to their Kangxi-radical twins (⼈ for 人); NFKC folds them back.
    return unicodedata.normalize("NFKC", text)


def _pages(path: str) -> int:
    info = subprocess.run(["pdfinfo", path], check=True, capture_output=True).stdout.decode()
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def test_inspection_sheets_one_pdf_per_team_day(provider, project, workspace, tmp_path):
    import processing

    stops_uri, records = write_stops(workspace, str(tmp_path / "plan.gpkg"))
    out = str(tmp_path / "sheets")
    result = processing.run("greenshield:inspectionsheets", {"WORKSPACE": workspace, "STOPS": stops_uri,
                                                              "OUTPUT": out})
    pdfs = result["PDFS"].split("\n")
    assert [os.path.basename(p) for p in pdfs] == ["检查单_一组_第1天.pdf", "检查单_一组_第2天.pdf",
                                                   "检查单_二组_第1天.pdf"]
    assert result["PAGES"] == len(records) == sum(_pages(p) for p in pdfs)
    text = _pdf_text(pdfs[0])
    for words in ("绿盾现场检查记录表", "现场检查记录", "是否发现问题", "□是", "□否", "问题类型", "□保护区内违法建设",
                  "需整改", "检查人员签字", "被检查单位签字", "日期", "问题描述", "法律依据", "检查组:一组",
                  "比例尺 1:10000"):
        assert words in text.replace("：", ":") or words in text, words
    day1 = [r for r in records if r["team"] == "一组" and r["day"] == 1]
    positions = [text.index(r["case_id"]) for r in sorted(day1, key=lambda r: r["sequence"])]
    assert positions == sorted(positions) and _pages(pdfs[0]) == len(day1)  # a page per stop, in sequence
    assert all(r["case_id"] not in text for r in records if r not in day1)
    assert "第 1 / 3" in text and "第 3 / 3" in text  # page numbers (页 may extract as its radical twin ⻚)


def test_inspection_sheets_from_the_ledger_alone(provider, project, workspace, tmp_path):
    import processing

    ids = [r["case_id"] for r in cases.read_cases(workspace)][:2]
    for case_id in ids:
        cases.change_status(workspace, case_id, "pending", by="内业", fields={"team": "三组"})
    result = processing.run("greenshield:inspectionsheets", {"WORKSPACE": workspace, "OUTPUT": str(tmp_path)})
    assert result["PAGES"] == 2 and os.path.basename(result["PDFS"]) == "检查单_三组.pdf"
    text = _pdf_text(result["PDFS"])
    assert all(case_id in text for case_id in ids)
