"""Printable inspection sheets (现场检查记录表): a QGIS print layout atlas, one page per stop.

The coverage layer holds the stops (from a route plan, or the team's open cases from the
ledger), sorted by team, day and sequence. Each A4 page has the team, day, date, sequence and
ETA, a map of the stop with the protected zones around it and a scale bar, the case's target,
problem and legal basis, and the checklist the inspectors fill in and sign. One PDF per
team-day, so each team prints the day's sheets in visiting order.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Sequence
from typing import Any

from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeature,
    QgsField,
    QgsFillSymbol,
    QgsGeometry,
    QgsLayoutExporter,
    QgsLayoutItemLabel,
    QgsLayoutItemMap,
    QgsLayoutItemPicture,
    QgsLayoutItemScaleBar,
    QgsLayoutItemShape,
    QgsLayoutPoint,
    QgsLayoutSize,
    QgsMarkerSymbol,
    QgsPrintLayout,
    QgsProject,
    QgsRuleBasedRenderer,
    QgsScaleBarSettings,
    QgsTextFormat,
    QgsUnitTypes,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import Qt, QVariant
from qgis.PyQt.QtGui import QColor, QFont

from ..core import field_merge
from ..core.workspace import open_workspace
from .field_package import display_crs, sequence_labels, stop_rows
from .workspace import layer_uri, style_layer

FONT = "Noto Sans CJK SC"
# Lines with case numbers, dates and coordinates: Qt's PDF writer gives the proportional digits
# Noto Sans CJK uses after Latin letters no text mapping, so "AJ2026…" would not copy or search.
DATA_FONT = "Noto Sans Mono CJK SC"
MM = QgsUnitTypes.LayoutUnit.LayoutMillimeters
MAP_LAYERS = ("contaminated_plot", "water_source_zone", "nature_reserve", "redline", "river", "water_body")
COVERAGE_FIELDS = (("case_id", QVariant.String), ("team", QVariant.String), ("day", QVariant.Int),
                   ("date", QVariant.String), ("sequence", QVariant.Int), ("eta", QVariant.String),
                   ("header", QVariant.String), ("case_line", QVariant.String), ("details", QVariant.String),
                   ("group", QVariant.String), ("sort_key", QVariant.String))
NORTH_ARROW = "/usr/share/qgis/svg/arrows/NorthArrow_02.svg"


def coverage_layer(rows: Sequence[dict[str, Any]], crs: str) -> QgsVectorLayer:
    """The atlas coverage: one point per stop with the page's texts."""
    layer = QgsVectorLayer(f"Point?crs={crs}", "检查点", "memory")
    layer.dataProvider().addAttributes([QgsField(name, kind) for name, kind in COVERAGE_FIELDS])
    layer.updateFields()
    features = []
    for row in rows:
        feature = QgsFeature(layer.fields())
        geom = row.get("geometry")
        if geom is not None and not geom.is_empty:
            feature.setGeometry(QgsGeometry.fromWkt(geom.wkt))
        feature.setAttributes([row.get(name) for name, _ in COVERAGE_FIELDS])
        features.append(feature)
    ok, _ = layer.dataProvider().addFeatures(features)
    if not ok:
        raise RuntimeError("cannot fill the inspection sheet coverage layer")
    layer.updateExtents()
    _style_stops(layer)
    return layer


def _style_stops(layer: QgsVectorLayer) -> None:
    """The page's stop large and red, the team's other stops small; labelled by sequence."""
    current = QgsMarkerSymbol.createSimple({"name": "star", "color": "#e31a1c", "outline_color": "#ffffff",
                                            "outline_width": "0.5", "size": "7"})
    other = QgsMarkerSymbol.createSimple({"name": "circle", "color": "#2166ac", "outline_color": "#ffffff",
                                          "outline_width": "0.3", "size": "3"})
    root = QgsRuleBasedRenderer.Rule(None)
    root.appendChild(QgsRuleBasedRenderer.Rule(current, 0, 0, "@atlas_featureid = $id", "本站"))
    root.appendChild(QgsRuleBasedRenderer.Rule(other, 0, 0, "@atlas_featureid <> $id", "其他检查点"))
    layer.setRenderer(QgsRuleBasedRenderer(root))
    sequence_labels(layer, "to_string(\"sequence\")", 1.5)


def _label(layout: QgsPrintLayout, text: str, x: float, y: float, w: float, h: float, size: float,
           bold: bool = False, align=Qt.AlignmentFlag.AlignLeft, family: str = FONT) -> QgsLayoutItemLabel:
    label = QgsLayoutItemLabel(layout)
    layout.addLayoutItem(label)
    label.setText(text)
    font = QFont(family)
    font.setPointSizeF(size)
    font.setBold(bold)
    label.setFont(font)
    label.setHAlign(align)
    label.setVAlign(Qt.AlignmentFlag.AlignTop)
    label.attemptMove(QgsLayoutPoint(x, y, MM))
    label.attemptResize(QgsLayoutSize(w, h, MM))
    return label


def _box(layout: QgsPrintLayout, x: float, y: float, w: float, h: float) -> QgsLayoutItemShape:
    shape = QgsLayoutItemShape(layout)
    layout.addLayoutItem(shape)
    shape.setShapeType(QgsLayoutItemShape.Shape.Rectangle)
    shape.setSymbol(QgsFillSymbol.createSimple({"style": "no", "outline_color": "#404040", "outline_width": "0.3"}))
    shape.attemptMove(QgsLayoutPoint(x, y, MM))
    shape.attemptResize(QgsLayoutSize(w, h, MM))
    return shape


def build_sheet_layout(project: QgsProject, coverage: QgsVectorLayer, map_layers: Sequence[QgsVectorLayer],
                       crs: QgsCoordinateReferenceSystem, scale: float) -> QgsPrintLayout:
    """An A4 portrait atlas layout: header, map with scale bar, case details, checklist, signatures."""
    text = field_merge.SHEET_TEXT
    layout = QgsPrintLayout(project)
    layout.initializeDefaults()
    layout.setName(text["title"])
    page = layout.pageCollection().page(0)
    page.setPageSize("A4", page.Orientation.Portrait)

    _label(layout, text["title"], 10, 8, 190, 9, 15, bold=True, align=Qt.AlignmentFlag.AlignHCenter)
    _label(layout, '[% "header" %]\n[% "case_line" %]', 10, 18, 190, 11, 9, family=DATA_FONT)

    map_item = QgsLayoutItemMap(layout)
    layout.addLayoutItem(map_item)
    map_item.attemptMove(QgsLayoutPoint(10, 30, MM))
    map_item.attemptResize(QgsLayoutSize(190, 88, MM))
    map_item.setCrs(crs)
    map_item.setLayers([coverage, *map_layers])
    map_item.setKeepLayerSet(True)
    first = QgsCoordinateTransform(coverage.crs(), crs, project).transformBoundingBox(coverage.extent())
    first.grow(500)
    # A new map has an empty extent: give it one (this reshapes the item), size it again, then fit.
    map_item.setExtent(first)
    map_item.attemptResize(QgsLayoutSize(190, 88, MM))
    map_item.zoomToExtent(first)
    map_item.setScale(scale)
    map_item.setFrameEnabled(True)
    map_item.setAtlasDriven(True)
    map_item.setAtlasScalingMode(QgsLayoutItemMap.AtlasScalingMode.Fixed)

    bar = QgsLayoutItemScaleBar(layout)
    layout.addLayoutItem(bar)
    bar.setLinkedMap(map_item)
    bar.setStyle("Single Box")
    bar.setUnits(QgsUnitTypes.DistanceUnit.DistanceMeters)
    bar.setUnitLabel("米")
    bar.setNumberOfSegments(2)
    bar.setNumberOfSegmentsLeft(0)
    bar.setSegmentSizeMode(QgsScaleBarSettings.SegmentSizeMode.SegmentSizeFitWidth)
    bar.setMinimumBarWidth(30)
    bar.setMaximumBarWidth(60)
    fmt = QgsTextFormat()
    fmt.setFont(QFont(FONT))
    fmt.setSize(7)
    bar.setTextFormat(fmt)
    bar.setBackgroundEnabled(True)  # drawn inside the map's lower left corner
    bar.setBackgroundColor(QColor(255, 255, 255, 210))
    bar.attemptMove(QgsLayoutPoint(12, 104, MM))
    if os.path.exists(NORTH_ARROW):
        arrow = QgsLayoutItemPicture(layout)
        layout.addLayoutItem(arrow)
        arrow.setPicturePath(NORTH_ARROW)
        arrow.attemptMove(QgsLayoutPoint(188, 32, MM))
        arrow.attemptResize(QgsLayoutSize(10, 10, MM))
    _label(layout, f"比例尺 1:{scale:,.0f}".replace(",", ""), 150, 120, 50, 5, 7, align=Qt.AlignmentFlag.AlignRight)

    _label(layout, '[% "details" %]', 10, 128, 190, 70, 8, family=DATA_FONT)

    _box(layout, 10, 200, 190, 82)
    _label(layout, text["checklist_title"], 13, 202, 184, 7, 11, bold=True)
    _label(layout, field_merge.checklist_text(), 13, 210, 184, 26, 9)
    for i in range(4):  # ruled lines for the finding
        line = _box(layout, 13, 244 + 7 * i, 184, 0.01)
        line.setSymbol(QgsFillSymbol.createSimple({"style": "no", "outline_color": "#909090",
                                                   "outline_width": "0.2"}))
    _label(layout, text["signatures"], 13, 273, 184, 6, 8.5)

    written = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    footer = text["footer"].format(page="[% @atlas_featurenumber %]", pages="[% @atlas_totalfeatures %]",
                                   written=written)
    _label(layout, footer, 10, 286, 190, 5, 7, align=Qt.AlignmentFlag.AlignHCenter, family=DATA_FONT)

    atlas = layout.atlas()
    atlas.setCoverageLayer(coverage)
    atlas.setEnabled(True)
    atlas.setSortFeatures(True)
    atlas.setSortExpression('"sort_key"')
    atlas.setPageNameExpression('"case_id"')
    return layout


def write_inspection_sheets(workspace: str, out_dir: str, *, stops: QgsVectorLayer | None = None,
                            teams: Sequence[str] | None = None, scale: float = 10000.0,
                            feedback=None) -> list[dict[str, Any]]:
    """One PDF per team-day in `out_dir`; returns [{team, day, path, pages}]."""
    rows = field_merge.sheet_rows(workspace, stop_rows(stops), teams)
    crs_id = open_workspace(workspace).crs
    project = QgsProject()
    coverage = coverage_layer(rows, crs_id)
    map_layers = []
    for key in MAP_LAYERS:
        layer = QgsVectorLayer(layer_uri(workspace, key), key, "ogr")
        if layer.isValid():
            style_layer(layer, key)
            map_layers.append(layer)
    project.addMapLayers([coverage, *map_layers])
    crs = display_crs(coverage)
    project.setCrs(crs)
    layout = build_sheet_layout(project, coverage, map_layers, crs, scale)
    os.makedirs(out_dir, exist_ok=True)
    settings = QgsLayoutExporter.PdfExportSettings()
    settings.textRenderFormat = Qgis.TextRenderFormat.AlwaysText
    settings.dpi = 200
    groups: dict[str, dict[str, Any]] = {}
    for row in rows:
        groups.setdefault(row["group"], {"team": row["team"], "day": row["day"], "pages": 0})["pages"] += 1
    written = []
    atlas = layout.atlas()
    atlas.setFilterFeatures(True)
    for n, (group, info) in enumerate(groups.items()):
        if feedback is not None and feedback.isCanceled():
            break
        path = os.path.join(out_dir, field_merge.sheet_file_name(info["team"], info["day"]))
        atlas.setFilterExpression(f"\"group\" = '{group.replace(chr(39), chr(39) * 2)}'")
        result, error = QgsLayoutExporter.exportToPdf(atlas, path, settings)
        if result != QgsLayoutExporter.ExportResult.Success:
            raise RuntimeError(f"could not write {path}: {error}")
        written.append({**info, "path": path})
        if feedback is not None:
            feedback.setProgress(100.0 * (n + 1) / len(groups))
    # The layout refers to the project: it must go first (a project freed under a live layout
    # corrupts the heap, and the crash only comes later).
    del atlas, layout
    project.clear()
    del project
    return written
