"""greenshield:createworkspace and greenshield:importlayer through processing, in real QGIS."""

import pytest
from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsFieldConstraints,
    QgsProcessingException,
    QgsVectorLayer,
    QgsWkbTypes,
)

from builders import bow_tie, square, write_shapefile, write_vector
from green_shield.core.schema import CODE_LISTS, LAYER_TYPES

EXPECTED_LAYERS = [
    "检查案件", "遥感变化线索", "建设项目（点）", "建设项目（线）", "建设项目（面）", "入河排污口", "取水口",
    "考核断面", "监管对象", "污染地块", "饮用水水源保护区", "自然保护地", "生态保护红线", "河流", "水面",
    "行政区", "案件状态记录",
]


def _create(tmp_path, name="ws"):
    import processing

    path = str(tmp_path / f"{name}.gpkg")
    result = processing.runAndLoadResults("greenshield:createworkspace", {"OUTPUT": path, "CRS": "EPSG:4490"})
    return path, result


def _check_form(layer, key):
    lt = LAYER_TYPES[key]
    fields = layer.fields()
    for fd in lt.fields:
        idx = fields.indexFromName(fd.name)
        assert layer.attributeAlias(idx) == fd.alias_zh, (key, fd.name)
        setup = layer.editorWidgetSetup(idx)
        if fd.codelist:
            assert setup.type() == "ValueMap"
            pairs = {k: v for entry in setup.config()["map"] for k, v in entry.items()}
            assert pairs == {i.zh: i.code for i in CODE_LISTS[fd.codelist].items}
        elif fd.type == "date":
            assert setup.type() == "DateTime"
        elif fd.type == "bool":
            assert setup.type() == "CheckBox"
        not_null = bool(fields.at(idx).constraints().constraints() & QgsFieldConstraints.ConstraintNotNull)
        assert not_null == fd.required, (key, fd.name)


def test_create_workspace_adds_styled_group(provider, project, tmp_path):
    path, result = _create(tmp_path)
    assert result["LAYERS"] == len(LAYER_TYPES)
    group = project.layerTreeRoot().findGroup("绿盾工作空间：ws")
    assert group is not None
    layers = [node.layer() for node in group.findLayers()]
    assert [layer.name() for layer in layers] == EXPECTED_LAYERS
    by_name = {layer.name(): layer for layer in layers}
    assert all(layer.crs().authid() == "EPSG:4490" for layer in layers if layer.isSpatial())
    assert not by_name["案件状态记录"].isSpatial()  # the history is a table
    assert by_name["检查案件"].renderer().classAttribute() == "status"
    assert QgsWkbTypes.displayString(by_name["建设项目（点）"].wkbType()) == "Point"
    assert QgsWkbTypes.displayString(by_name["建设项目（面）"].wkbType()) == "MultiPolygon"

    wsz = by_name["饮用水水源保护区"]
    renderer = wsz.renderer()
    assert isinstance(renderer, QgsCategorizedSymbolRenderer) and renderer.classAttribute() == "level"
    assert [c.label() for c in renderer.categories()][:3] == ["一级保护区", "二级保护区", "准保护区"]
    outfalls = by_name["入河排污口"].renderer()
    assert outfalls.classAttribute() == "status"
    assert {c.value() for c in outfalls.categories()} >= set(CODE_LISTS["outfall_status"].codes())
    plots = by_name["污染地块"].renderer()
    assert plots.classAttribute() == "list_status"
    redline_fill = by_name["生态保护红线"].renderer().symbol()
    assert any(sl.layerType() == "LinePatternFill" for sl in redline_fill.symbolLayers())  # hatched
    for layer in layers:
        _check_form(layer, layer.customProperty("green_shield/layer_type"))
    assert by_name["入河排污口"].defaultValueDefinition(
        by_name["入河排污口"].fields().indexFromName("status")).expression() == "'suspected'"


def test_workspace_opens_styled_without_the_plugin(provider, project, tmp_path):
    """The default style saved in the GeoPackage gives forms and symbols on a plain drag-and-drop."""
    path, _ = _create(tmp_path)
    layer = QgsVectorLayer(f"{path}|layername=water_source_zone", "plain", "ogr")
    assert layer.isValid()
    assert isinstance(layer.renderer(), QgsCategorizedSymbolRenderer)
    _check_form(layer, "water_source_zone")


def test_existing_workspace_is_not_overwritten(provider, project, tmp_path):
    import processing

    path, _ = _create(tmp_path)
    with pytest.raises(QgsProcessingException, match="already exists"):
        processing.run("greenshield:createworkspace", {"OUTPUT": path})
    processing.run("greenshield:createworkspace", {"OUTPUT": path, "OVERWRITE": True})


def test_open_workspace_twice_does_not_duplicate(provider, project, tmp_path):
    from green_shield.layers.workspace import add_workspace_to_project

    path, _ = _create(tmp_path, "again")
    add_workspace_to_project(path, project)
    add_workspace_to_project(path, project)
    group = project.layerTreeRoot().findGroup("绿盾工作空间：again")
    assert [n.layer().name() for n in group.findLayers()] == EXPECTED_LAYERS
    assert len(project.mapLayers()) == len(EXPECTED_LAYERS)


def test_import_gbk_shapefile_through_processing(provider, project, tmp_path):
    import processing

    path, _ = _create(tmp_path)
    shp = write_shapefile(tmp_path / "hx.shp", [square(106.2, 29.0), bow_tie(106.3, 29.0), None], {
        "BSM": ["H1", "H2", "H3"], "名称": ["缙云山红线", "蝴蝶结红线", "空"],
        "功能": ["水源涵养", "水土保持", "水源涵养"],
    }, encoding="GBK", keep_cpg=False)
    assert "缙云山红线".encode("gbk") in (tmp_path / "hx.dbf").read_bytes()  # really GBK, no .cpg
    assert not (tmp_path / "hx.cpg").exists()
    report = str(tmp_path / "report.csv")
    result = processing.run("greenshield:importlayer", {
        "INPUT": shp, "WORKSPACE": path, "TARGET": list(LAYER_TYPES).index("redline"),
        "FIELD_MAP": "eco_function=功能", "CONSTANTS": "version=2020", "REPORT": report,
    })
    assert (result["IMPORTED"], result["REJECTED"], result["REPAIRED"]) == (2, 1, 1)
    layer = QgsVectorLayer(f"{path}|layername=redline", "r", "ogr")
    features = list(layer.getFeatures())
    assert [f["name"] for f in features] == ["缙云山红线", "蝴蝶结红线"]
    assert [f["eco_function"] for f in features] == ["water_conservation", "soil_conservation"]
    assert all(f.geometry().isGeosValid() for f in features)
    assert "几何为空或缺失" in open(report, encoding="utf-8-sig").read()


def test_import_refusals_are_processing_errors(provider, project, tmp_path):
    import processing

    path, _ = _create(tmp_path)
    points = write_vector(tmp_path / "pts.geojson", [square(106.2, 29.0).centroid], {"BSM": ["x"], "名称": ["y"]},
                          driver="GeoJSON")
    with pytest.raises(QgsProcessingException, match="holds point geometries"):
        processing.run("greenshield:importlayer", {
            "INPUT": points, "WORKSPACE": path, "TARGET": list(LAYER_TYPES).index("redline"),
            "CONSTANTS": "version=2020"})
    assert QgsVectorLayer(f"{path}|layername=redline", "r", "ogr").featureCount() == 0
