"""Styling a route plan: stops and route lines in one colour per team, stops numbered by sequence."""

from __future__ import annotations

import re

from qgis.core import (
    Qgis,
    QgsCategorizedSymbolRenderer,
    QgsLineSymbol,
    QgsMarkerSymbol,
    QgsPalLayerSettings,
    QgsRendererCategory,
    QgsSingleSymbolRenderer,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtGui import QColor, QFont

# Qualitative, tells apart on a map and in print (ColorBrewer Set1 without yellow, then Dark2).
TEAM_COLOURS = ("#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#1b9e77",
                "#7570b3", "#666666")


def _natural(text: str):
    """'T2' before 'T10'."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def team_colours(layer: QgsVectorLayer) -> dict[str, QColor]:
    """Colour of each team in the layer; teams in natural order, so the stops and routes of a
    plan get the same colours."""
    index = layer.fields().indexFromName("team")
    teams = sorted((str(v) for v in layer.uniqueValues(index) if v is not None and str(v) != "NULL"), key=_natural)
    return {team: QColor(TEAM_COLOURS[i % len(TEAM_COLOURS)]) for i, team in enumerate(teams)}


def style_stops(layer: QgsVectorLayer) -> None:
    """Circles coloured by team with the sequence number inside."""
    categories = []
    for team, colour in team_colours(layer).items():
        symbol = QgsMarkerSymbol.createSimple({"name": "circle", "color": colour.name(), "outline_color": "#ffffff",
                                               "outline_width": "0.4", "size": "4.6"})
        categories.append(QgsRendererCategory(team, symbol, team))
    layer.setRenderer(QgsCategorizedSymbolRenderer("team", categories))
    settings = QgsPalLayerSettings()
    settings.fieldName = "sequence"
    settings.enabled = True
    placement = getattr(Qgis, "LabelPlacement", None)  # QGIS ≥ 3.26; before, an enum of QgsPalLayerSettings
    settings.placement = placement.OverPoint if placement else QgsPalLayerSettings.OverPoint
    fmt = QgsTextFormat()
    font = QFont()
    font.setBold(True)
    fmt.setFont(font)
    fmt.setSize(7)
    fmt.setColor(QColor("#ffffff"))
    buffer = QgsTextBufferSettings()
    buffer.setEnabled(True)
    buffer.setSize(0.4)
    buffer.setColor(QColor("#333333"))
    buffer.setOpacity(0.5)
    fmt.setBuffer(buffer)
    settings.setFormat(fmt)
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)
    layer.triggerRepaint()


def style_routes(layer: QgsVectorLayer) -> None:
    """Lines coloured by team, drawn under the stops."""
    categories = []
    for team, colour in team_colours(layer).items():
        symbol = QgsLineSymbol.createSimple({"line_color": colour.name(), "line_width": "0.8",
                                             "capstyle": "round", "joinstyle": "round"})
        symbol.setOpacity(0.85)
        categories.append(QgsRendererCategory(team, symbol, team))
    layer.setRenderer(QgsCategorizedSymbolRenderer("team", categories))
    layer.triggerRepaint()


def style_unscheduled(layer: QgsVectorLayer) -> None:
    """Grey crosses: the stops the plan could not fit."""
    symbol = QgsMarkerSymbol.createSimple({"name": "cross2", "color": "#636363", "outline_color": "#636363",
                                           "outline_width": "0.6", "size": "3.5"})
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    layer.triggerRepaint()


STYLES = {"stops": style_stops, "routes": style_routes, "unscheduled": style_unscheduled}
