"""Styling the outfall check by the action required.

取缔 red, 复核 orange, 重点关注 yellow, 核对位置 purple, 无 grey.
"""

from __future__ import annotations

from qgis.core import QgsCategorizedSymbolRenderer, QgsRendererCategory, QgsSymbol, QgsVectorLayer
from qgis.PyQt.QtGui import QColor

from ..core.outfalls import ACTIONS
from ..i18n import tr

ACTION_COLOURS = {"ban": "#d7191c", "recheck": "#f46d43", "flag": "#fecc5c", "locate": "#7b3294", "none": "#969696"}


def action_labels() -> dict[str, str]:
    return {"ban": tr("Ban"), "recheck": tr("Recheck"), "flag": tr("Flagged"), "locate": tr("Check location"),
            "none": tr("No action")}


def style_outfall_checks(layer: QgsVectorLayer) -> None:
    """A categorized renderer on action_required, labelled in Chinese and the interface language."""
    labels = action_labels()
    categories = []
    for action, label_zh in ACTIONS.items():
        symbol = QgsSymbol.defaultSymbol(layer.geometryType())
        colour = QColor(ACTION_COLOURS[action])
        symbol.setColor(colour)
        symbol.setSize(4.0 if action in ("ban", "recheck") else 3.0)
        symbol.symbolLayer(0).setStrokeColor(colour.darker(160))
        label = label_zh if labels[action] == label_zh else f"{label_zh}（{labels[action]}）"
        categories.append(QgsRendererCategory(action, symbol, label))
    layer.setRenderer(QgsCategorizedSymbolRenderer("action_required", categories))
    layer.triggerRepaint()
