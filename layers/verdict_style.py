"""Styling screening results by verdict: red 禁止, orange 有条件准入, yellow 需复核, green 无冲突."""

from __future__ import annotations

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsRendererCategory,
    QgsSymbol,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtGui import QColor

from ..core.rules import VERDICT_ZH, VERDICTS

VERDICT_COLOURS = {"PROHIBITED": "#d7191c", "CONDITIONAL": "#fd8d3c", "REVIEW": "#fecc5c", "CLEAR": "#1a9641"}


def style_by_verdict(layer: QgsVectorLayer) -> None:
    """A categorized renderer on `verdict` with Chinese labels, for any geometry type."""
    categories = []
    for verdict in VERDICTS:
        symbol = QgsSymbol.defaultSymbol(layer.geometryType())
        colour = QColor(VERDICT_COLOURS[verdict])
        symbol.setColor(colour)
        if layer.geometryType() == QgsWkbTypes.PolygonGeometry:
            symbol.setOpacity(0.75)
            symbol.symbolLayer(0).setStrokeColor(colour.darker(150))
            symbol.symbolLayer(0).setStrokeWidth(0.4)
        elif layer.geometryType() == QgsWkbTypes.LineGeometry:
            symbol.setWidth(1.0)
        else:
            symbol.setSize(3.0)
            symbol.symbolLayer(0).setStrokeColor(colour.darker(150))
        categories.append(QgsRendererCategory(verdict, symbol, f"{VERDICT_ZH[verdict]}（{verdict}）"))
    layer.setRenderer(QgsCategorizedSymbolRenderer("verdict", categories))
    layer.triggerRepaint()
