"""greenshield:checkoutfalls through processing.run on the sample district, and its styling."""

from __future__ import annotations

import numpy as np
import pytest
from qgis.core import QgsProcessingContext, QgsProcessingException, QgsProcessingFeedback, QgsVectorLayer

from green_shield.core import sample_district as sd


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("qgis_outfalls") / "qingxi.gpkg")
    sd.build_sample_district(path)
    return path


def test_algorithm_is_registered_in_the_water_group(provider):
    alg = provider.algorithm("checkoutfalls")
    assert alg is not None and alg.groupId() == "water" and alg.group()
    names = {p.name() for p in alg.parameterDefinitions()}
    assert {"WORKSPACE", "OUTFALLS", "RIVERS", "REVERSED_FIELD", "INTAKES", "SECTIONS", "TOLERANCE", "UPSTREAM_M",
            "OUTPUT", "REPORT"} <= names
    assert all(p.help() for p in alg.parameterDefinitions())


def test_check_on_the_sample_district(provider, project, district, tmp_path):
    import processing

    out, report = str(tmp_path / "checks.gpkg"), str(tmp_path / "checks.html")
    context = QgsProcessingContext()
    context.setProject(project)
    result = processing.run("greenshield:checkoutfalls", {"WORKSPACE": district, "OUTPUT": out, "REPORT": report},
                            context=context, feedback=QgsProcessingFeedback())
    assert result["OUTFALL_COUNT"] == 25 and result["BAN"] == 6 and result["OFF_NETWORK"] == 2
    assert result["UPSTREAM"] >= 2
    layer = QgsVectorLayer(f"{out}|layername=outfall_checks", "checks", "ogr")
    assert layer.isValid() and layer.featureCount() == 25
    rows = {f["outfall_code"]: f for f in layer.getFeatures()}
    assert rows["500199-PK-012"]["upstream_of_intake_within"] and rows["500199-PK-012"]["action_required"] == "flag"
    assert abs(rows["500199-PK-020"]["downstream_intake_m"] - 4200.0) < 1.0
    assert not rows["500199-PK-009"]["upstream_of_intake_within"]
    assert rows["500199-PK-011"]["snapped"] is False or rows["500199-PK-011"]["snapped"] == 0
    assert rows["500199-PK-001"]["action_required"] == "ban" and "第六十四条" in rows["500199-PK-001"]["legal_basis"]
    assert "应予取缔" in open(report, encoding="utf-8").read()
    # the layer loads styled by action
    details = context.layersToLoadOnCompletion()
    assert any("outfall_checks" in uri for uri in details)


def test_style_by_action(district, tmp_path, qgis_app):
    from green_shield.core.outfalls import run_outfall_check, write_checks
    from green_shield.layers.outfall_style import style_outfall_checks

    out = str(tmp_path / "styled.gpkg")
    write_checks(run_outfall_check(district), out)
    layer = QgsVectorLayer(f"{out}|layername=outfall_checks", "checks", "ogr")
    style_outfall_checks(layer)
    renderer = layer.renderer()
    assert renderer.classAttribute() == "action_required"
    assert [c.value() for c in renderer.categories()] == ["ban", "recheck", "flag", "locate", "none"]
    assert renderer.categories()[0].label().startswith("取缔")


def test_reprojected_outfall_layer_and_no_input(provider, district, tmp_path):
    import pyogrio.raw
    import shapely

    import processing
    from green_shield.core.screening import reproject

    meta, _, geoms, columns = pyogrio.raw.read(district, layer="sewage_outfall")
    planar = reproject(shapely.from_wkb(geoms), "EPSG:4490", "EPSG:4544")
    path = str(tmp_path / "outfalls_4544.gpkg")
    pyogrio.raw.write(path, shapely.to_wkb(planar), list(columns), meta["fields"], crs="EPSG:4544",
                      geometry_type="Point", driver="GPKG")
    outfalls = QgsVectorLayer(path, "outfalls", "ogr")
    result = processing.run("greenshield:checkoutfalls", {"WORKSPACE": district, "OUTFALLS": outfalls,
                                                          "OUTPUT": str(tmp_path / "r.gpkg")})
    assert result["BAN"] == 6 and result["OFF_NETWORK"] == 2
    with pytest.raises(QgsProcessingException, match="outfall"):
        processing.run("greenshield:checkoutfalls", {"OUTPUT": str(tmp_path / "none.gpkg")})


def test_outputs_may_not_overwrite_the_workspace_or_an_input(provider, district, tmp_path):
    import shutil

    import pyogrio
    import pyogrio.raw

    import processing

    ws = str(tmp_path / "w.gpkg")
    shutil.copy(district, ws)
    with pytest.raises(QgsProcessingException, match="workspace"):
        processing.run("greenshield:checkoutfalls", {"WORKSPACE": ws, "OUTPUT": str(tmp_path / "o.gpkg"),
                                                     "REPORT": ws})
    meta, _, geoms, columns = pyogrio.raw.read(district, layer="river")
    path = str(tmp_path / "rivers.gpkg")
    pyogrio.raw.write(path, geoms, list(columns), meta["fields"], crs=meta["crs"],
                      geometry_type=meta["geometry_type"], driver="GPKG")
    before = open(path, "rb").read()
    rivers = QgsVectorLayer(path, "rivers", "ogr")
    with pytest.raises(QgsProcessingException, match="input"):
        processing.run("greenshield:checkoutfalls", {"WORKSPACE": ws, "RIVERS": rivers,
                                                     "OUTPUT": str(tmp_path / "o.gpkg"), "REPORT": path})
    report = str(tmp_path / "o.html")
    with pytest.raises(QgsProcessingException, match="output"):
        processing.run("greenshield:checkoutfalls", {"WORKSPACE": ws, "OUTPUT": report, "REPORT": report})
    assert open(path, "rb").read() == before
    assert "sewage_outfall" in dict(pyogrio.list_layers(ws))


def test_reversed_field_parameter(provider, district, tmp_path):
    """Every river marked reversed: the flow runs the other way, so the planted upstream outfalls are not."""
    import pyogrio.raw

    import processing

    meta, _, geoms, columns = pyogrio.raw.read(district, layer="river")
    path = str(tmp_path / "rivers_rev.gpkg")
    rev = np.array(["是"] * len(geoms), dtype=object)
    pyogrio.raw.write(path, geoms, [*columns, rev], [*meta["fields"], "rev"], crs=meta["crs"],
                      geometry_type=meta["geometry_type"], driver="GPKG")
    rivers = QgsVectorLayer(path, "rivers", "ogr")
    params = {"WORKSPACE": district, "RIVERS": rivers, "OUTPUT": str(tmp_path / "plain.gpkg")}
    plain = processing.run("greenshield:checkoutfalls", params)
    flipped = processing.run("greenshield:checkoutfalls", {**params, "REVERSED_FIELD": "rev",
                                                           "OUTPUT": str(tmp_path / "flipped.gpkg")})
    layer = QgsVectorLayer(f"{tmp_path / 'flipped.gpkg'}|layername=outfall_checks", "f", "ogr")
    rows = {f["outfall_code"]: f for f in layer.getFeatures()}
    assert not rows["500199-PK-012"]["upstream_of_intake_within"]
    assert plain["UPSTREAM"] >= 2 and flipped["OUTFALL_COUNT"] == 25
    with pytest.raises(QgsProcessingException, match="flow"):
        processing.run("greenshield:checkoutfalls", {**params, "REVERSED_FIELD": "flow"})
