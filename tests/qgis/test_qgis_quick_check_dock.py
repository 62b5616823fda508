"""The quick-check dock with real widgets (offscreen): map tools feeding the dock, results, highlight, save."""

import os

import pyogrio
import pytest
import shapely
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeature,
    QgsGeometry,
    QgsPointXY,
    QgsProject,
    QgsRectangle,
    QgsSettings,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.gui import QgsMapCanvas, QgsMapMouseEvent
from qgis.PyQt.QtCore import QEvent, QPoint, Qt

from green_shield.core.sample_district import build_sample_district

CANVAS_CRS = QgsCoordinateReferenceSystem("EPSG:4544")  # the canvas in metres, the workspace in EPSG:4490
WORKSPACE_CRS = QgsCoordinateReferenceSystem("EPSG:4490")


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("quick") / "sample.gpkg")
    build_sample_district(path)
    return path


@pytest.fixture
def canvas(qgis_app):
    canvas = QgsMapCanvas()
    canvas.resize(800, 600)
    canvas.setDestinationCrs(CANVAS_CRS)
    canvas.show()
    yield canvas
    canvas.close()
    canvas.deleteLater()


@pytest.fixture
def dock(canvas):
    from green_shield.ui.quick_check_dock import QuickCheckDock

    dock = QuickCheckDock(canvas)
    yield dock
    dock.close()
    dock.deleteLater()


@pytest.fixture
def engine():
    return pytest.importorskip("green_shield.core.quick_check")


def _to_canvas(x, y):
    transform = QgsCoordinateTransform(WORKSPACE_CRS, CANVAS_CRS, QgsProject.instance())
    return transform.transform(QgsPointXY(x, y))


def _click(canvas, tool, point: QgsPointXY, button=Qt.LeftButton):
    """A real mouse press and release at the pixel of a map point, sent to the tool as the canvas would
    (QgsMapToolEmitPoint answers the press, the sketch tool the release)."""
    pixel = canvas.getCoordinateTransform().transform(point)
    pos = QPoint(round(pixel.x()), round(pixel.y()))
    tool.canvasPressEvent(QgsMapMouseEvent(canvas, QEvent.MouseButtonPress, pos, button, button, Qt.NoModifier))
    tool.canvasReleaseEvent(QgsMapMouseEvent(canvas, QEvent.MouseButtonRelease, pos, button, Qt.NoButton,
                                             Qt.NoModifier))


def _centre_on(canvas, point: QgsPointXY, half_width=100.0):
    canvas.setExtent(QgsRectangle(point.x() - half_width, point.y() - half_width,
                                  point.x() + half_width, point.y() + half_width))


def _redline_point(sample):
    """A point well inside a red-line patch, in the workspace CRS."""
    geoms = shapely.from_wkb(pyogrio.raw.read(sample, layer="redline")[2])
    patch = max(geoms, key=lambda g: g.area)
    inner = patch.buffer(-0.002)  # about 200 m in, so the buffer test stays inside
    point = (inner if not inner.is_empty else patch).representative_point()
    return point.x, point.y


# Without the engine -------------------------------------------------------------------------------
def test_dock_title_columns_and_saved_workspace(canvas, qgis_app, sample):
    from green_shield.ui.quick_check_dock import WORKSPACE_SETTING, QuickCheckDock

    settings = QgsSettings()
    before = settings.value(WORKSPACE_SETTING, None)
    settings.setValue(WORKSPACE_SETTING, sample)
    try:
        dock = QuickCheckDock(canvas)
        assert dock.objectName() == "GreenShieldQuickCheck"
        assert dock.windowTitle() == "选址快速研判 Quick check"
        assert dock.workspace() == sample
        assert dock.table.columnCount() == 10
        assert not dock.save_button.isEnabled()
        dock.deleteLater()
    finally:
        if before is None:
            settings.remove(WORKSPACE_SETTING)
        else:
            settings.setValue(WORKSPACE_SETTING, before)


def test_point_tool_emits_the_clicked_point(dock, canvas):
    centre = _to_canvas(106.2, 29.0)
    _centre_on(canvas, centre)
    dock.activate_tool("point")
    assert canvas.mapTool() is dock.tools["point"] and dock.tool_buttons["point"].isChecked()
    got = []
    dock.tools["point"].captured.connect(got.append)
    _click(canvas, dock.tools["point"], centre)
    assert len(got) == 1 and got[0].type() == QgsWkbTypes.PointGeometry
    assert got[0].asPoint().distance(centre) < 1.0  # within a pixel (0.25 m here)
    dock.deactivate_tool()
    assert canvas.mapTool() is None and not dock.tool_buttons["point"].isChecked()


@pytest.mark.parametrize("key, kind, clicks", [("line", QgsWkbTypes.LineGeometry, 2),
                                                ("polygon", QgsWkbTypes.PolygonGeometry, 3)])
def test_sketch_tools_collect_clicks_and_finish_on_right_click(dock, canvas, key, kind, clicks):
    centre = _to_canvas(106.2, 29.0)
    _centre_on(canvas, centre)
    tool = dock.tools[key]
    dock.activate_tool(key)
    got = []
    tool.captured.connect(got.append)
    corners = [QgsPointXY(centre.x() - 50, centre.y() - 50), QgsPointXY(centre.x() + 50, centre.y() - 50),
               QgsPointXY(centre.x() + 50, centre.y() + 50)][:clicks]
    _click(canvas, tool, corners[0])
    _click(canvas, tool, corners[0], Qt.RightButton)  # too few vertices: nothing
    assert got == []
    for corner in corners:
        _click(canvas, tool, corner)
    assert tool.band.numberOfVertices() >= clicks
    _click(canvas, tool, corners[-1], Qt.RightButton)
    assert len(got) == 1 and got[0].type() == kind
    if kind == QgsWkbTypes.PolygonGeometry:
        assert got[0].area() == pytest.approx(50 * 100, rel=0.02)
    else:
        assert got[0].length() == pytest.approx(100, rel=0.02)
    assert tool.points == []


def test_without_a_workspace_the_dock_says_so(dock, canvas):
    assert dock.check_geometry(QgsGeometry.fromPointXY(QgsPointXY(0, 0)), CANVAS_CRS) is None
    assert "workspace" in dock.verdict_label.text()


# With the engine (core/quick_check.py) ------------------------------------------------------------
def test_click_in_a_red_line_lists_the_hit_worst_first(engine, dock, canvas, sample):
    dock.set_workspace(sample)
    point = _to_canvas(*_redline_point(sample))
    _centre_on(canvas, point)
    dock.activate_tool("point")
    _click(canvas, dock.tools["point"], point)
    result = dock.result
    assert result is not None and result.hits
    assert any(h.zone_type == "redline" for h in result.hits)
    assert result.hits[0].verdict == result.verdict
    assert result.verdict_zh in dock.verdict_label.text()
    assert dock.table.rowCount() == len(result.hits)
    verdicts = [dock.table.item(r, 7).text() for r in range(dock.table.rowCount())]
    assert verdicts[0] == result.verdict_zh and verdicts[0] in ("禁止", "需复核", "有条件准入")
    redline_row = next(i for i, h in enumerate(result.hits) if h.zone_type == "redline")
    assert dock.table.item(redline_row, 3).text() == engine.RELATION_ZH[result.hits[redline_row].relation]
    assert dock.save_button.isEnabled()
    # the click went through the canvas CRS into the workspace CRS
    x, y = _redline_point(sample)
    assert shapely.distance(result.geometry, shapely.Point(x, y)) < 1e-5


def test_checker_is_built_once_per_workspace(engine, dock, sample, tmp_path):
    dock.set_workspace(sample)
    first = dock.quick_checker()
    assert dock.quick_checker() is first
    other = str(tmp_path / "other.gpkg")
    build_sample_district(other)
    dock.set_workspace(other)
    assert dock.quick_checker() is not first


def test_buffer_reaches_zones_near_a_point(engine, dock, canvas, sample):
    dock.set_workspace(sample)
    x, y = _redline_point(sample)
    geometry = QgsGeometry.fromPointXY(QgsPointXY(x, y))
    plain = dock.check_geometry(geometry, WORKSPACE_CRS)
    dock.buffer_spin.setValue(1000.0)
    buffered = dock.check_geometry(geometry, WORKSPACE_CRS)
    assert buffered.buffer_m == 1000.0
    assert len(buffered.hits) >= len(plain.hits)


def test_selected_features_mode(engine, dock, canvas, sample):
    dock.set_workspace(sample)
    x, y = _redline_point(sample)
    layer = QgsVectorLayer("Polygon?crs=EPSG:4544", "sites", "memory")
    feature = QgsFeature()
    centre = _to_canvas(x, y)
    feature.setGeometry(QgsGeometry.fromRect(QgsRectangle(centre.x() - 20, centre.y() - 20,
                                                          centre.x() + 20, centre.y() + 20)))
    layer.dataProvider().addFeatures([feature])
    assert dock.check_selected_features(layer) is None  # nothing selected yet
    layer.selectAll()
    canvas.setLayers([layer])
    canvas.setCurrentLayer(layer)
    result = dock.check_selected_features()
    assert result is not None and any(h.zone_type == "redline" for h in result.hits)
    assert result.geometry.geom_type in ("Polygon", "MultiPolygon")


def test_row_click_highlights_and_zooms(engine, dock, canvas, sample):
    dock.set_workspace(sample)
    x, y = _redline_point(sample)
    result = dock.check_geometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)), WORKSPACE_CRS)
    row = next(i for i, h in enumerate(result.hits) if h.zone_type == "redline")
    _centre_on(canvas, _to_canvas(106.0, 28.8), 10)
    dock.table.cellClicked.emit(row, 0)
    assert dock.highlight is not None and dock.highlight.numberOfVertices() > 3
    zone = QgsGeometry.fromWkt(result.hits[row].zone_geometry.wkt)
    zone.transform(QgsCoordinateTransform(WORKSPACE_CRS, CANVAS_CRS, QgsProject.instance()))
    assert canvas.extent().contains(zone.boundingBox())


def test_save_writes_the_workspace_row_and_the_html(engine, dock, sample, tmp_path):
    dock.set_workspace(sample)
    x, y = _redline_point(sample)
    result = dock.check_geometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)), WORKSPACE_CRS)
    layers_before = {name: pyogrio.read_info(sample, layer=name)["features"]
                     for name, _ in pyogrio.list_layers(sample)}
    check_id, path = dock.save_check(str(tmp_path))
    assert check_id is not None
    html = open(path, encoding="utf-8").read()
    assert result.verdict_zh in html
    grown = [name for name, _ in pyogrio.list_layers(sample)
             if pyogrio.read_info(sample, layer=name)["features"] > layers_before.get(name, 0)]
    assert grown == [engine.TABLE]
    saved = engine.read_checks(sample)[-1]
    assert saved["check_id"] == check_id and saved["verdict"] == result.verdict
    assert "<svg" in html  # an empty canvas: the report draws its own map
    assert open(path[:-len(".html")] + ".pdf", "rb").read(5) == b"%PDF-"  # and the printable one-pager


def test_save_with_layers_on_the_canvas_embeds_the_canvas_picture(engine, dock, canvas, sample, tmp_path):
    dock.set_workspace(sample)
    layer = QgsVectorLayer(f"{sample}|layername=redline", "redline", "ogr")
    assert layer.isValid()
    canvas.setLayers([layer])
    x, y = _redline_point(sample)
    _centre_on(canvas, _to_canvas(x, y), 2000)
    dock.check_geometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)), WORKSPACE_CRS)
    _, path = dock.save_check(str(tmp_path))
    png = path[:-len(".html")] + ".png"
    assert open(png, "rb").read(4) == b"\x89PNG"
    assert os.path.basename(png) in open(path, encoding="utf-8").read()
