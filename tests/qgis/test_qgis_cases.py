"""The case ledger in QGIS: greenshield:buildcases, and editing cases in the attribute table."""

from __future__ import annotations

import shutil

import pytest
from qgis.core import QgsApplication, QgsVectorLayer

from builders import screened_district
from green_shield.core import cases
from green_shield.layers.workspace import add_workspace_to_project


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    return screened_district(tmp_path_factory.mktemp("qgis_ledger"))


@pytest.fixture
def workspace(district, tmp_path):
    ws = str(tmp_path / "ws.gpkg")
    shutil.copy(district[0], ws)
    return ws


def test_build_cases_algorithm(provider, project, workspace, district):
    import processing

    params = {"WORKSPACE": workspace, "SCREENING": district[1], "REGISTERS": True}
    result = processing.run("greenshield:buildcases", params)
    assert (result["CREATED"], result["UPDATED"], result["UNCHANGED"]) == (82, 0, 0)
    again = processing.run("greenshield:buildcases", params)
    assert (again["CREATED"], again["UNCHANGED"]) == (0, 82)
    only_screening = processing.run("greenshield:buildcases", {**params, "REGISTERS": False})
    assert only_screening["UNCHANGED"] == 60
    prohibited = [c for c in cases.read_cases(workspace) if c["target_type"] == "project" and c["priority"] == "high"]
    assert len(prohibited) == 28 and all("禁止" in c["problem"] for c in prohibited)


def test_build_cases_refuses_a_file_that_is_not_a_screening(provider, workspace):
    from qgis.core import QgsProcessingException

    import processing

    with pytest.raises(QgsProcessingException, match="screening"):
        processing.run("greenshield:buildcases", {"WORKSPACE": workspace, "SCREENING": workspace})


def _case_layer(workspace, project) -> QgsVectorLayer:
    layers = add_workspace_to_project(workspace, project)
    return next(layer for layer in layers if layer.customProperty("green_shield/layer_type") == "inspection_case")


def test_editing_in_qgis_follows_the_chain_and_records_history(provider, project, workspace, district):
    cases.build_cases(workspace, district[1], by="王科长")
    layer = _case_layer(workspace, project)
    assert layer.featureCount() == 82
    fields = layer.fields()
    status = fields.indexFromName("status")
    setup = layer.editorWidgetSetup(status)
    assert setup.type() == "ValueMap"
    labels = [list(item)[0] for item in setup.config()["map"]]
    assert labels == ["待核查", "已检查", "责令整改", "已整改", "销号", "排除"]
    assert layer.attributeAlias(status) == "案件状态"
    assert layer.editFormConfig().readOnly(fields.indexFromName("rev"))
    feature = next(f for f in layer.getFeatures() if f["target_id"] == "XM-2019-0013")
    case_id = feature["case_id"]

    # 待核查 → 销号 skips the inspection: the GeoPackage refuses, QGIS keeps the edit buffer
    assert layer.startEditing()
    assert layer.changeAttributeValue(feature.id(), status, "closed")
    assert not layer.commitChanges()
    assert any("gs_case_status" in e for e in layer.commitErrors())
    assert layer.rollBack()
    assert cases.read_cases(workspace, case_ids=[case_id])[0]["status"] == "pending"

    # 待核查 → 已检查 with a note: saved, counted, recorded in the history under the QGIS user
    assert layer.startEditing()
    layer.changeAttributeValue(feature.id(), status, "inspected")
    layer.changeAttributeValue(feature.id(), fields.indexFromName("status_note"), "现场核查属实")
    assert layer.commitChanges(), layer.commitErrors()
    saved = cases.read_cases(workspace, case_ids=[case_id])[0]
    assert saved["status"] == "inspected" and saved["rev"] == 2
    last = cases.case_history(workspace, case_id)[-1]
    assert (last["from_status"], last["to_status"], last["changed_by"], last["note"], last["channel"]) == (
        "pending", "inspected", QgsApplication.userFullName(), "现场核查属实", "edit")


def test_a_case_added_in_qgis_gets_the_next_number(provider, project, workspace, district):
    from qgis.core import QgsFeature, QgsGeometry, QgsPointXY

    cases.build_cases(workspace, district[1])
    layer = _case_layer(workspace, project)
    highest = max(f["case_id"] for f in layer.getFeatures())
    assert layer.startEditing()
    feature = QgsFeature(layer.fields())
    context = layer.createExpressionContext()
    for i in range(layer.fields().count()):
        if layer.defaultValueDefinition(i).isValid():
            feature.setAttribute(i, layer.defaultValue(i, feature, context))
    feature["target_type"], feature["target_id"], feature["target_name"] = "lead", "RS-2026-001", "疑似采砂点"
    feature["source"], feature["priority"] = "rs_lead", "high"
    feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(106.21, 29.02)))
    assert layer.addFeature(feature)
    assert layer.commitChanges(), layer.commitErrors()
    added = cases.read_cases(workspace, case_ids=[f"AJ{highest[2:6]}{int(highest[6:]) + 1:05d}"])
    assert len(added) == 1 and added[0]["status"] == "pending" and added[0]["target_id"] == "RS-2026-001"
    import datetime as dt

    # due when the form opened (priority still the default 中): 30 days
    assert added[0]["check_due"] == (dt.date.today() + dt.timedelta(days=30)).isoformat()
    assert cases.case_history(workspace, added[0]["case_id"])[0]["channel"] == "created"
