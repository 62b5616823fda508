"""greenshield:generatewaterzones through processing.run, on the sample district."""

import sqlite3

import pytest
from qgis.core import QgsProcessingException, QgsVectorLayer


@pytest.fixture
def district(tmp_path):
    from green_shield.core.sample_district import build_sample_district

    path = str(tmp_path / "sample.gpkg")
    build_sample_district(path)
    return path


def _without_zones(path: str, codes: tuple[str, ...]) -> None:
    with sqlite3.connect(path) as con:
        con.executemany("DELETE FROM water_source_zone WHERE source_code = ?", [(c,) for c in codes])


def test_algorithm_is_in_the_water_sources_group(provider):
    alg = provider.algorithm("generatewaterzones")
    assert alg is not None and alg.groupId() == "water"
    assert all(p.help() for p in alg.parameterDefinitions())


def test_generates_zones_for_sources_without_them(provider, project, district, tmp_path):
    import processing

    _without_zones(district, ("500199A0020001", "500199C0000001"))  # 清水河 intake and the well
    out = str(tmp_path / "zones.gpkg")
    result = processing.run("greenshield:generatewaterzones", {"WORKSPACE": district, "OUTPUT": out})
    assert result["SOURCES"] == 2 and result["ZONES"] == 6 and result["SKIPPED"] == 3
    layer = QgsVectorLayer(f"{out}|layername=water_source_zone", "zones", "ogr")
    assert layer.isValid() and layer.featureCount() == 6 and layer.crs().authid() == "EPSG:4490"
    rows = {(f["source_code"], f["level"], f["part"]): f for f in layer.getFeatures()}
    assert {r["delineation"] for r in rows.values()} == {"generated_default"}
    reaches = QgsVectorLayer(f"{out}|layername=reaches", "reaches", "ogr")
    lengths = sorted(round(f["length_m"]) for f in reaches.getFeatures())
    assert lengths == [1100, 3300]


def test_appends_to_the_workspace_once(provider, project, district):
    import processing

    _without_zones(district, ("500199B0030001",))
    before = QgsVectorLayer(f"{district}|layername=water_source_zone", "z", "ogr").featureCount()
    params = {"WORKSPACE": district, "APPEND": True, "OUTPUT": None, "LAKE_SIZE": 2}
    assert processing.run("greenshield:generatewaterzones", params)["ZONES"] == 4
    again = processing.run("greenshield:generatewaterzones", params)
    assert again["ZONES"] == 0 and again["SKIPPED"] == 5
    after = QgsVectorLayer(f"{district}|layername=water_source_zone", "z", "ogr").featureCount()
    assert after == before + 4


def test_input_layers_override_and_far_intakes_are_reported(provider, project, district, tmp_path):
    from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsVectorFileWriter

    import processing

    intakes = QgsVectorLayer("Point?crs=EPSG:4544&field=source_code:string&field=name:string"
                             "&field=water_body_type:string", "intakes", "memory")
    feature = QgsFeature(intakes.fields())
    feature.setAttributes(["X1", "远处取水口", "river"])
    feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(500000.0 + 19400.0, 3208000.0 + 9000.0)))
    intakes.dataProvider().addFeatures([feature])
    path = str(tmp_path / "intakes.gpkg")
    options = QgsVectorFileWriter.SaveVectorOptions()
    QgsVectorFileWriter.writeAsVectorFormatV3(intakes, path, project.transformContext(), options)
    result = processing.run("greenshield:generatewaterzones", {
        "WORKSPACE": district, "INTAKES": path, "OUTPUT": str(tmp_path / "z.gpkg")})
    assert result["ZONES"] == 0 and result["SKIPPED"] == 1
    issues = QgsVectorLayer(f"{tmp_path / 'z.gpkg'}|layername=issues", "issues", "ogr")
    assert "far_from_water" in {f["kind"] for f in issues.getFeatures()}


def test_no_output_is_a_clear_error(provider, project, district):
    import processing

    with pytest.raises(QgsProcessingException):
        processing.run("greenshield:generatewaterzones", {"WORKSPACE": district, "OUTPUT": None})


def test_output_replacing_an_input_is_refused_before_any_work(provider, project, district, tmp_path):
    from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsVectorFileWriter

    import processing

    rivers = QgsVectorLayer("LineString?crs=EPSG:4544&field=name:string", "rivers", "memory")
    feature = QgsFeature(rivers.fields())
    feature.setAttributes(["大江"])
    feature.setGeometry(QgsGeometry.fromPolylineXY([QgsPointXY(600000, 3200000), QgsPointXY(610000, 3200000)]))
    rivers.dataProvider().addFeatures([feature])
    path = str(tmp_path / "rv.gpkg")
    QgsVectorFileWriter.writeAsVectorFormatV3(rivers, path, project.transformContext(),
                                              QgsVectorFileWriter.SaveVectorOptions())
    before = open(path, "rb").read()
    with pytest.raises(QgsProcessingException):
        processing.run("greenshield:generatewaterzones", {"WORKSPACE": district, "RIVERS": path, "OUTPUT": path})
    assert open(path, "rb").read() == before
