"""greenshield:changeleads through processing.run on the sample district with the planted change pair."""

from __future__ import annotations

import os
import re
import shutil

import numpy as np
import pytest
import rasterio
import shapely
from qgis.core import (
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputLayerDefinition,
    QgsVectorLayer,
)

from green_shield.core import sample_district as sd
from green_shield.core.sample_change import build_sample_change_pair
from green_shield.core.screening import reproject

ACTIVITY_LABELS = ["采矿采石", "工业", "能源设施", "旅游设施", "交通设施", "养殖", "其他人类活动"]
ACTIVITY_CODES = ["mining", "industry", "energy", "tourism", "transport", "aquaculture", "other"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The sample district and its before/after pair with planted changes (never modified)."""
    folder = tmp_path_factory.mktemp("qgis_change_leads")
    workspace = str(folder / "qingxi.gpkg")
    sd.build_sample_district(workspace)
    pair = build_sample_change_pair(str(folder / "pair"), workspace)
    pair["planted"] = {p["name"]: p for p in pair["planted"]}
    return {"workspace": workspace, **pair}


@pytest.fixture
def workspace(sample, tmp_path):
    """A fresh copy of the sample district, so that saving leads never leaks between tests."""
    path = str(tmp_path / "ws.gpkg")
    shutil.copy(sample["workspace"], path)
    return path


def _run(params, context=None, feedback=None):
    import processing

    return processing.run("greenshield:changeleads", params, context=context or QgsProcessingContext(),
                          feedback=feedback or QgsProcessingFeedback())


def _lead_layer(workspace: str) -> QgsVectorLayer:
    layer = QgsVectorLayer(f"{workspace}|layername=change_lead", "change_lead", "ogr")
    assert layer.isValid()
    return layer


def _lead_at(layer: QgsVectorLayer, planted):
    """The lead features covering most of a planted change (compared in the rasters' EPSG:4544)."""
    target = planted["polygon"]
    found = []
    for feature in layer.getFeatures():
        geom = shapely.from_wkb(bytes(feature.geometry().asWkb()))
        planar = reproject(np.array([geom], dtype=object), layer.crs().authid(), "EPSG:4544")[0]
        if planar.intersects(target) and planar.intersection(target).area > 0.5 * target.area:
            found.append(feature)
    return found


def _write_tif(path, array, transform, crs):
    profile = {"driver": "GTiff", "width": array.shape[1], "height": array.shape[0], "count": 1,
               "dtype": array.dtype.name, "transform": transform, "nodata": 0}
    if crs is not None:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(array, 1)
    return str(path)


def test_algorithm_is_registered_with_documented_parameters(provider):
    alg = provider.algorithm("changeleads")
    assert alg is not None and alg.groupId() == "remotesensing" and alg.group()
    names = [p.name() for p in alg.parameterDefinitions()]
    assert {"WORKSPACE", "BEFORE", "AFTER", "MODE", "CLASSES", "AFTER_CLASSES", "TRANSITIONS", "MIN_AREA",
            "DISTANCE", "DROP", "SPECKLE", "SAVE", "REPORT", "OUTPUT"} <= set(names)
    assert all(p.help() for p in alg.parameterDefinitions())
    assert len(alg.parameterDefinition("MODE").options()) == 2
    assert len(alg.parameterDefinition("SPECKLE").options()) == 4
    assert alg.parameterDefinition("SAVE").defaultValue() is True
    # empty thresholds mean "the transition table's value", which the help names
    assert alg.parameterDefinition("MIN_AREA").defaultValue() is None
    assert "666.67" in alg.parameterDefinition("MIN_AREA").help()
    assert {"LEADS", "PATCHES", "DROPPED_FAR", "SAVED", "PROHIBITED", "CONDITIONAL", "REVIEW", "CLEAR"} <= {
        o.name() for o in alg.outputDefinitions()}
    assert "变化" in alg.shortHelpString() or "change" in alg.shortHelpString().lower()


def test_leads_in_the_sample_district(provider, project, sample, workspace, tmp_path):
    report = str(tmp_path / "leads.html")
    context = QgsProcessingContext()
    context.setProject(project)
    result = _run({"WORKSPACE": workspace, "BEFORE": sample["before"], "AFTER": sample["after"], "REPORT": report},
                  context)
    planted = sample["planted"]
    expected = [p for p in planted.values() if p["expect_lead"]]
    assert result["LEADS"] == len(expected) == 5 and result["SAVED"] == 5
    assert result["DROPPED_FAR"] == 1  # far_outside; tiny_in_reserve is below the minimum area
    assert sum(result[v] for v in ("PROHIBITED", "CONDITIONAL", "REVIEW", "CLEAR")) == 5
    assert result["PROHIBITED"] >= 1 and result["REPORT"] == report

    layer = _lead_layer(workspace)
    assert layer.featureCount() == 5
    # the mining patch deep inside the nature reserve is a prohibited lead with its legal basis
    [mining] = _lead_at(layer, planted["mining_in_reserve"])
    assert mining["activity"] == "mining" and mining["verdict"] == "PROHIBITED"
    assert mining["legal_basis"] and "《" in mining["legal_basis"]
    assert mining["zone_name"] == planted["mining_in_reserve"]["zone_name"]
    assert re.fullmatch(r"RS-[0-9A-F]+-[0-9A-F]+", mining["lead_id"])
    assert "林地" in mining["transition"] and mining["area_m2"] > 10000
    assert mining["run_id"] and mining["before_image"] == os.path.basename(sample["before"])
    # every planted lead is found with its activity; the far and the tiny changes are not leads
    for p in expected:
        [found] = _lead_at(layer, p)
        assert found["activity"] == p["activity"], p["name"]
    assert _lead_at(layer, planted["far_outside"]) == []
    assert _lead_at(layer, planted["tiny_in_reserve"]) == []

    # the report lists the leads with before/after thumbnails that exist
    with open(report, encoding="utf-8") as fh:
        html = fh.read()
    assert mining["lead_id"] in html
    images = re.findall(r'<img[^>]+src="([^"]+\.png)"', html)
    assert len(images) >= 10
    assert all(os.path.exists(os.path.join(os.path.dirname(report), src)) for src in images)

    # the workspace's layers are loaded into the project (it had none), the change_lead layer among them
    uris = context.layersToLoadOnCompletion()
    assert f"{os.path.abspath(workspace)}|layername=change_lead" in uris


def test_the_workspace_layer_is_styled_by_activity(provider, project, sample, workspace):
    from green_shield.layers.workspace import add_workspace_to_project

    _run({"WORKSPACE": workspace, "BEFORE": sample["before"], "AFTER": sample["after"]})
    layers = add_workspace_to_project(workspace, project)
    [layer] = [lyr for lyr in layers if lyr.customProperty("green_shield/layer_type") == "change_lead"]
    assert layer.name() == "遥感变化线索" and layer.featureCount() == 5
    renderer = layer.renderer()
    assert renderer.type() == "categorizedSymbol" and renderer.classAttribute() == "activity"
    categories = renderer.categories()
    assert [c.value() for c in categories[:7]] == ACTIVITY_CODES
    assert [c.label() for c in categories[:7]] == ACTIVITY_LABELS
    assert all(c.symbol().symbolLayerCount() >= 2 for c in categories)  # tint + outline
    assert layer.labelsEnabled() and layer.labeling().settings().fieldName == "lead_id"
    # forms from the schema: Chinese aliases and the activity value map
    fields = layer.fields()
    assert layer.attributeAlias(fields.indexFromName("activity")) == "活动类型"
    assert layer.editorWidgetSetup(fields.indexFromName("verdict")).type() == "ValueMap"
    # the layer sits in the workspace group just below the case ledger
    group = project.layerTreeRoot().findGroups()[0]
    names = [child.name() for child in group.children()]
    assert names.index("遥感变化线索") == names.index("检查案件") + 1


def test_a_run_reloads_a_workspace_already_shown(provider, project, sample, workspace):
    from green_shield.layers.workspace import add_workspace_to_project

    layers = add_workspace_to_project(workspace, project)
    [layer] = [lyr for lyr in layers if lyr.customProperty("green_shield/layer_type") == "change_lead"]
    assert layer.featureCount() == 0
    context = QgsProcessingContext()
    context.setProject(project)
    _run({"WORKSPACE": workspace, "BEFORE": sample["before"], "AFTER": sample["after"]}, context)
    assert layer.featureCount() == 5  # reloaded, not added again
    assert context.layersToLoadOnCompletion() == {}

    # a project made before change leads existed gets just the change_lead layer
    project.removeMapLayer(layer.id())
    context = QgsProcessingContext()
    context.setProject(project)
    _run({"WORKSPACE": workspace, "BEFORE": sample["before"], "AFTER": sample["after"]}, context)
    assert list(context.layersToLoadOnCompletion()) == [f"{os.path.abspath(workspace)}|layername=change_lead"]


def test_running_again_replaces_the_leads_and_build_cases_takes_them(provider, sample, workspace):
    import processing

    params = {"WORKSPACE": workspace, "BEFORE": sample["before"], "AFTER": sample["after"]}
    first = _run(params)
    again = _run(params)
    assert first["LEADS"] == again["LEADS"] == 5
    assert _lead_layer(workspace).featureCount() == 5  # the same run replaced, never duplicated

    cases = QgsVectorLayer(f"{workspace}|layername=inspection_case", "cases", "ogr")
    before_cases = cases.featureCount()
    without = processing.run("greenshield:buildcases", {"WORKSPACE": workspace, "LEADS": False})
    with_leads = processing.run("greenshield:buildcases", {"WORKSPACE": workspace})
    assert with_leads["CREATED"] == 5
    cases = QgsVectorLayer(f"{workspace}|layername=inspection_case", "cases", "ogr")
    assert cases.featureCount() == before_cases + without["CREATED"] + 5
    lead_cases = [f for f in cases.getFeatures() if f["source"] == "rs_lead"]
    assert len(lead_cases) == 5
    ids = {f["lead_id"] for f in _lead_layer(workspace).getFeatures()}
    assert {f["target_id"] for f in lead_cases} == ids
    high = [f for f in lead_cases if f["priority"] == "high"]
    assert len(high) == first["PROHIBITED"] and all(f["legal_basis"] for f in high)


def test_without_saving_the_output_layer_has_the_leads_styled(provider, project, sample, workspace, tmp_path):
    out = str(tmp_path / "leads.gpkg")
    context = QgsProcessingContext()
    context.setProject(project)
    output = QgsProcessingOutputLayerDefinition(out, project)  # as the dialog asks: load the result
    result = _run({"WORKSPACE": workspace, "BEFORE": sample["before"], "AFTER": sample["after"], "SAVE": False,
                   "MIN_AREA": 9000, "OUTPUT": output}, context)
    assert result["SAVED"] == 0 and _lead_layer(workspace).featureCount() == 0
    # a larger minimum area leaves only the big patches (mining 1.52 ha, industry 0.99 ha)
    assert result["LEADS"] == 2
    layer = QgsVectorLayer(result["OUTPUT"], "leads", "ogr")
    assert layer.isValid() and layer.featureCount() == 2
    assert {f["activity"] for f in layer.getFeatures()} == {"mining", "industry"}
    assert all(f["verdict"] == "PROHIBITED" and f["legal_basis"] for f in layer.getFeatures())
    assert layer.crs().authid() == "EPSG:4490"
    # the output is styled by activity when it is loaded
    details = context.layerToLoadOnCompletionDetails(result["OUTPUT"])
    assert details.postProcessor() is not None
    details.postProcessor().postProcessLayer(layer, context, QgsProcessingFeedback())
    assert layer.renderer().classAttribute() == "activity"
    assert [c.label() for c in layer.renderer().categories()[:7]] == ACTIVITY_LABELS
    # no workspace layers to load: the workspace did not change
    assert not any("layername=change_lead" in uri for uri in context.layersToLoadOnCompletion())


def test_distance_and_speckle_options(provider, sample, workspace):
    base = {"WORKSPACE": workspace, "BEFORE": sample["before"], "AFTER": sample["after"], "SAVE": False}
    inside_only = _run({**base, "DISTANCE": 0})
    assert inside_only["LEADS"] == 4  # near_reserve (100–300 m outside) is no lead
    wide = _run({**base, "DISTANCE": 5000})
    assert wide["LEADS"] == 6 and wide["DROPPED_FAR"] == 0  # far_outside is within 5 km
    # opening (3×3) removes strips narrower than three pixels: the 12 m road goes, the blobs stay
    opened = _run({**base, "SPECKLE": 1, "OUTPUT": "TEMPORARY_OUTPUT"})
    assert opened["LEADS"] == 4
    assert sorted(f["activity"] for f in opened["OUTPUT"].getFeatures()) == [
        "aquaculture", "industry", "industry", "mining"]


def test_index_mode(provider, sample, workspace, tmp_path):
    """A vegetation index that drops inside the reserve becomes a lead of activity 'other'."""
    planted = sample["planted"]["mining_in_reserve"]["polygon"]
    with rasterio.open(sample["before"]) as src:
        transform, crs, shape = src.transform, src.crs, src.shape
    ndvi = np.full(shape, 0.8, dtype="float32")
    mask = rasterio.features.geometry_mask([planted], shape, transform, invert=True)
    after = ndvi.copy()
    after[mask] = 0.1
    before_path = _write_tif(tmp_path / "ndvi_before.tif", ndvi, transform, crs)
    after_path = _write_tif(tmp_path / "ndvi_after.tif", after, transform, crs)
    result = _run({"WORKSPACE": workspace, "BEFORE": before_path, "AFTER": after_path, "MODE": 1})
    assert result["LEADS"] == 1 and result["PROHIBITED"] == 1
    [lead] = list(_lead_layer(workspace).getFeatures())
    assert lead["activity"] == "other" and "指数" in lead["transition"]
    # a drop threshold above the drop finds nothing
    assert _run({"WORKSPACE": workspace, "BEFORE": before_path, "AFTER": after_path, "MODE": 1, "DROP": 0.8,
                 "SAVE": False})["LEADS"] == 0


class _CancelAfterStart(QgsProcessingFeedback):
    def __init__(self) -> None:
        super().__init__()
        self.progress_seen = 0

    def setProgress(self, progress):  # noqa: N802 (QGIS API)
        super().setProgress(progress)
        self.progress_seen += 1
        if progress > 0:
            self.cancel()


def test_cancel_saves_nothing(provider, sample, workspace, tmp_path):
    report = str(tmp_path / "canceled.html")
    feedback = _CancelAfterStart()
    with pytest.raises(QgsProcessingException, match="(?i)cancel"):
        _run({"WORKSPACE": workspace, "BEFORE": sample["before"], "AFTER": sample["after"], "REPORT": report},
             feedback=feedback)
    assert feedback.progress_seen >= 1
    assert _lead_layer(workspace).featureCount() == 0
    assert not os.path.exists(report)


def test_bad_inputs_give_clear_messages(provider, sample, workspace, tmp_path):
    with rasterio.open(sample["before"]) as src:
        data, transform, crs = src.read(1), src.transform, src.crs
    # a raster without a coordinate reference system
    no_crs = _write_tif(tmp_path / "no_crs.tif", data, transform, None)
    with pytest.raises(QgsProcessingException, match="(?i)coordinate reference system"):
        _run({"WORKSPACE": workspace, "BEFORE": no_crs, "AFTER": sample["after"]})
    # two rasters of different places
    far = rasterio.Affine(transform.a, transform.b, transform.c + 200_000, transform.d, transform.e, transform.f)
    elsewhere = _write_tif(tmp_path / "elsewhere.tif", data, far, crs)
    with pytest.raises(QgsProcessingException, match="do not overlap"):
        _run({"WORKSPACE": workspace, "BEFORE": sample["before"], "AFTER": elsewhere})
    # a broken transition table names the file
    table = tmp_path / "broken.yaml"
    table.write_text("transitions:\n  - {from: 林地, to: 其他土地, activity: volcano}\n", encoding="utf-8")
    with pytest.raises(QgsProcessingException, match="broken.yaml"):
        _run({"WORKSPACE": workspace, "BEFORE": sample["before"], "AFTER": sample["after"], "TRANSITIONS": str(table)})
    # the report may not replace an input
    with pytest.raises(QgsProcessingException, match="(?i)input"):
        _run({"WORKSPACE": workspace, "BEFORE": sample["before"], "AFTER": sample["after"],
              "REPORT": workspace})
    assert _lead_layer(workspace).featureCount() == 0


def test_bad_input_messages_in_chinese(provider, sample, workspace, tmp_path):
    from qgis.core import QgsSettings

    with rasterio.open(sample["before"]) as src:
        data, transform = src.read(1), src.transform
    no_crs = _write_tif(tmp_path / "no_crs.tif", data, transform, None)
    settings = QgsSettings()
    saved = (settings.value("locale/overrideFlag"), settings.value("locale/userLocale"))
    settings.setValue("locale/overrideFlag", True)
    settings.setValue("locale/userLocale", "zh_CN")
    try:
        with pytest.raises(QgsProcessingException, match="坐标"):
            _run({"WORKSPACE": workspace, "BEFORE": no_crs, "AFTER": sample["after"]})
    finally:
        for key, value in zip(("locale/overrideFlag", "locale/userLocale"), saved):
            if value is None:
                settings.remove(key)
            else:
                settings.setValue(key, value)


class _CancelWhileReporting(QgsProcessingFeedback):
    """Cancels once the report is being written (after detection and attribution)."""

    def pushInfo(self, info):  # noqa: N802 (Qt API)
        super().pushInfo(info)
        if "thumbnail" in info or "缩略图" in info:
            self.cancel()


def test_report_problems_and_cancel_while_reporting_leave_the_workspace_unchanged(provider, sample, workspace,
                                                                                   tmp_path):
    for report in (str(tmp_path), str(tmp_path / "missing" / "r.html")):
        with pytest.raises(QgsProcessingException):
            _run({"WORKSPACE": workspace, "BEFORE": sample["before"], "AFTER": sample["after"], "REPORT": report})
    with pytest.raises(QgsProcessingException, match="(?i)cancel"):
        _run({"WORKSPACE": workspace, "BEFORE": sample["before"], "AFTER": sample["after"],
              "REPORT": str(tmp_path / "late.html")}, feedback=_CancelWhileReporting())
    assert _lead_layer(workspace).featureCount() == 0
    assert not os.path.exists(tmp_path / "late.html")
