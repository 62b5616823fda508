"""QGIS maps for the red-line adjustment report: before, after and the changes, as PNGs.

``render_redline_maps`` builds memory layers from the pieces of a ``RedlineDiff`` (in its
planar CRS): the old red line (kept + removed) and the new one (kept + added) with the
workspace red-line style, and the changes categorised (added green, removed red, noise grey,
kept light pink); the workspace's district, rivers and water bodies go underneath when given.
The PNGs are meant for ``core.redline_report.write_redline_report(map_images=...)``.
"""

from __future__ import annotations

import os

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsCoordinateReferenceSystem,
    QgsFillSymbol,
    QgsRectangle,
    QgsRendererCategory,
    QgsVectorLayer,
)

from ..core.redline_diff import CHANGE_ZH, RedlineDiff
from .report_maps import _add, _memory_layer, _multi, map_settings, paint_map
from .workspace import layer_uri, style_layer

BACKGROUND = ("district", "water_body", "river")  # bottom first
CHANGE_COLOURS = {"added": ("#1a9641", "#005a32", "0.4"), "removed": ("#d7191c", "#67000d", "0.4"),
                  "noise": ("#969696", "#525252", "0.5"), "kept": ("#fbb4b9", "#c51b7d", "0.2")}


def _change_renderer() -> QgsCategorizedSymbolRenderer:
    categories = []
    for change in ("added", "removed", "noise", "kept"):
        fill, outline, width = CHANGE_COLOURS[change]
        symbol = QgsFillSymbol.createSimple({"color": fill, "outline_color": outline, "outline_width": width,
                                             "joinstyle": "miter"})
        if change == "kept":
            symbol.setOpacity(0.7)
        categories.append(QgsRendererCategory(change, symbol, CHANGE_ZH[change]))
    return QgsCategorizedSymbolRenderer("change", categories)


def style_changes(layer) -> None:
    """The `changes` layer of a comparison, by class: 调入 green, 调出 red, 边界噪声 grey, 保留 pink."""
    layer.setRenderer(_change_renderer())
    layer.triggerRepaint()


def _extent(diff: RedlineDiff, size_px: tuple[int, int]) -> QgsRectangle:
    import shapely

    xmin, ymin, xmax, ymax = shapely.total_bounds([p.geometry for p in diff.pieces])
    margin = 0.06 * max(xmax - xmin, ymax - ymin, 1.0) + 20.0
    xmin, ymin, xmax, ymax = xmin - margin, ymin - margin, xmax + margin, ymax + margin
    w, h, aspect = xmax - xmin, ymax - ymin, size_px[0] / size_px[1]
    if w / h < aspect:
        xmin, xmax = xmin - (h * aspect - w) / 2, xmax + (h * aspect - w) / 2
    else:
        ymin, ymax = ymin - (w / aspect - h) / 2, ymax + (w / aspect - h) / 2
    return QgsRectangle(xmin, ymin, xmax, ymax)


def render_redline_maps(diff: RedlineDiff, out_dir: str, workspace: str | None = None,
                        size_px: tuple[int, int] = (1000, 750), dpi: float = 110.0) -> dict[str, str]:
    """{"before", "after", "changes": PNG path} (empty when the diff has no pieces)."""
    pieces = [p for p in diff.pieces if p.geometry is not None and not p.geometry.is_empty]
    if not pieces:
        return {}
    os.makedirs(out_dir, exist_ok=True)
    crs_text = diff.planar_crs
    crs = QgsCoordinateReferenceSystem(crs_text)
    if not crs.isValid():
        raise ValueError(f"invalid planar CRS {crs_text}")

    def rows(changes):
        return [(k, _multi(p.geometry, 2), {"bsm": p.bsm_new or p.bsm_old, "change": p.change,
                                            "xzqmc": p.division, "eco_function": p.eco_function})
                for k, p in enumerate(pieces) if p.change in changes]

    layers = {}
    for name, changes in (("before", ("kept", "removed")), ("after", ("kept", "added"))):
        layer = _memory_layer("redline", "MultiPolygon", crs_text, extra=("change",))
        _add(layer, rows(changes))
        style_layer(layer, "redline")
        layers[name] = layer
    layer = _memory_layer("redline", "MultiPolygon", crs_text, extra=("change",))
    _add(layer, rows(("kept", "removed", "added", "noise")))
    layer.setRenderer(_change_renderer())
    layers["changes"] = layer

    background = []
    if workspace:
        for key in reversed(BACKGROUND):  # top first
            bg = QgsVectorLayer(layer_uri(workspace, key), key, "ogr")
            if bg.isValid():
                style_layer(bg, key)
                background.append(bg)

    extent = _extent(diff, size_px)
    out: dict[str, str] = {}
    for name in ("before", "after", "changes"):
        settings = map_settings(crs, size_px, dpi)
        settings.setLayers([layers[name]] + background)
        settings.setExtent(extent)
        out[name] = paint_map(settings, size_px, crs_text, os.path.join(out_dir, f"redline_{name}.png"))
    return out


__all__ = ["render_redline_maps"]
