"""QGIS side of the screening report: map PNGs rendered with the plugin's styles, and the PDF.

``render_project_maps`` draws, for every flagged project, the project (highlighted), the
overlap and the zones it hits, with the .qml styles of the workspace layers, plus a scale bar
and a north arrow; the PNGs go to ``write_html_report(map_images=...)``.

``write_pdf_report`` prints the HTML report to an A4 PDF with QTextDocument (QtWebKit and
QtWebEngine are missing from QGIS on Debian). QTextDocument knows neither inline SVG nor
modern CSS, so the HTML is adapted on the way: SVGs are rasterised with QtSvg, data-URI
images decoded, and a stylesheet QTextDocument understands replaces the browser one.
"""

from __future__ import annotations

import base64
import html
import math
import os
import re
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import shapely
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsField,
    QgsFillSymbol,
    QgsGeometry,
    QgsLineSymbol,
    QgsMapRendererCustomPainterJob,
    QgsMapSettings,
    QgsMarkerSymbol,
    QgsProject,
    QgsRectangle,
    QgsSingleSymbolRenderer,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QByteArray, QMarginsF, QPointF, QRectF, QSize, QSizeF, Qt, QUrl, QVariant
from qgis.PyQt.QtGui import (
    QColor,
    QFont,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPen,
    QPolygonF,
    QTextDocument,
)
from qgis.PyQt.QtPrintSupport import QPrinter

from ..core.report import REAL, map_window
from ..core.schema import LAYER_TYPES
from ..core.screening import FeatureSet, ScreeningResult, reproject
from .workspace import layer_uri, style_layer

# Zones are drawn bottom to top in this order (the workspace's drawing order reversed).
ZONE_ORDER = ("redline", "nature_reserve", "water_source_zone", "contaminated_plot")
CONTEXT_LAYERS = ("water_body", "river")
FONT = "Noto Sans CJK SC"


def _memory_layer(key: str, geometry: str, crs: str, extra: Sequence[str] = ()) -> QgsVectorLayer:
    """A memory layer with the schema fields of ``key`` as text (what the styles categorise on)."""
    layer = QgsVectorLayer(f"{geometry}?crs={crs}", key, "memory")
    if not layer.isValid():
        raise RuntimeError(f"cannot create a memory layer for {key}")
    fields = [QgsField("gs_ref", QVariant.Int)]
    fields += [QgsField(name, QVariant.String) for name in extra]
    if key in LAYER_TYPES:
        fields += [QgsField(f.name, QVariant.String) for f in LAYER_TYPES[key].fields]
    layer.dataProvider().addAttributes(fields)
    layer.updateFields()
    return layer


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    return str(value)


def _add(layer: QgsVectorLayer, rows: list[tuple[int, object, dict]]) -> None:
    names = layer.fields().names()
    features = []
    for ref, geom, attrs in rows:
        if geom is None or shapely.is_empty(geom):
            continue
        f = QgsFeature(layer.fields())
        g = QgsGeometry()
        g.fromWkb(shapely.to_wkb(geom, output_dimension=2))
        f.setGeometry(g)
        f.setAttributes([ref] + [_text(attrs.get(n)) for n in names[1:]])
        features.append(f)
    ok, _ = layer.dataProvider().addFeatures(features)
    if not ok:
        raise RuntimeError(f"cannot add features to the memory layer {layer.name()}")
    layer.updateExtents()


def _multi(geom, dim: int):
    """The parts of ``geom`` of dimension ``dim`` as one multi-geometry (what the memory layers hold)."""
    if geom is None:
        return None
    parts = [q for q in shapely.get_parts(geom) if not q.is_empty and shapely.get_dimensions(q) == dim]
    parts = [r for q in parts for r in shapely.get_parts(q)]
    if not parts:
        return None
    return {2: shapely.multipolygons, 1: shapely.multilinestrings, 0: shapely.multipoints}[dim](parts)


def _highlight_symbol(dim: int):
    if dim == 2:
        return QgsFillSymbol.createSimple({"style": "no", "outline_color": "#ffffff", "outline_width": "1.6",
                                           "joinstyle": "round"}), \
            QgsFillSymbol.createSimple({"style": "no", "outline_color": "#252525", "outline_width": "0.7",
                                        "joinstyle": "round"})
    return None, None


def _overlap_symbol():
    symbol = QgsFillSymbol.createSimple({"style": "no", "outline_color": "#000000", "outline_width": "0.25",
                                         "outline_style": "dash"})
    from qgis.core import QgsLinePatternFillSymbolLayer

    hatch = QgsLinePatternFillSymbolLayer()
    hatch.setLineAngle(-45)
    hatch.setDistance(1.4)
    hatch.setLineWidth(0.25)
    line = QgsLineSymbol.createSimple({"line_color": "#000000", "line_width": "0.25"})
    hatch.setSubSymbol(line)
    symbol.insertSymbolLayer(0, hatch)
    return symbol


def _gap_symbol():
    symbol = QgsLineSymbol.createSimple({"line_color": "#ffffff", "line_width": "1.1"})
    dash = QgsLineSymbol.createSimple({"line_color": "#000000", "line_width": "0.4", "line_style": "dash",
                                       "capstyle": "flat"})
    symbol.appendSymbolLayer(dash.symbolLayer(0).clone())
    return symbol


def _gap_labeling():
    from qgis.core import QgsPalLayerSettings, QgsTextBackgroundSettings, QgsTextFormat, QgsVectorLayerSimpleLabeling

    fmt = QgsTextFormat()
    fmt.setFont(QFont(FONT))
    fmt.setSize(9)
    fmt.setColor(QColor("#000000"))
    background = QgsTextBackgroundSettings()
    background.setEnabled(True)
    background.setType(QgsTextBackgroundSettings.ShapeRectangle)
    background.setSizeType(QgsTextBackgroundSettings.SizeBuffer)
    background.setSize(QSizeF(1.0, 0.6))
    background.setFillColor(QColor("#ffffff"))
    background.setStrokeColor(QColor("#000000"))
    background.setStrokeWidth(0.2)
    fmt.setBackground(background)
    settings = QgsPalLayerSettings()
    settings.fieldName = "label"
    settings.enabled = True
    settings.placement = QgsPalLayerSettings.Line
    settings.setFormat(fmt)
    return QgsVectorLayerSimpleLabeling(settings)


def _window(geom, reach: float, size: tuple[int, int]) -> QgsRectangle:
    return QgsRectangle(*map_window(geom, reach, size[0] / size[1]))


def _nice_length(target: float) -> float:
    exp = 10 ** math.floor(math.log10(max(target, 1e-9)))
    for step in (5, 2, 1):
        if step * exp <= target:
            return step * exp
    return exp


def _decorate(painter: QPainter, width: int, height: int, extent: QgsRectangle, crs_label: str) -> None:
    """Scale bar (bottom left), north arrow (top right), CRS note and frame."""
    scale = width / extent.width()  # px per metre
    unit = max(1.0, height / 600.0)
    font = QFont(FONT)
    font.setPixelSize(int(13 * unit))
    painter.setFont(font)
    length = _nice_length(width / 4.5 / scale)
    px = length * scale
    x0, y0 = 22 * unit, height - 30 * unit
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    mid = f"{length / 2000:g}" if length >= 1000 else f"{length / 2:g}"
    painter.setPen(QPen(QColor("#888888"), 0.8))
    painter.setBrush(QColor(255, 255, 255, 220))
    painter.drawRect(QRectF(x0 - 12 * unit, y0 - 26 * unit, px + 70 * unit, 46 * unit))
    painter.setPen(QPen(QColor("#000000"), 1.2))
    painter.setBrush(QColor("#000000"))
    painter.drawRect(QRectF(x0, y0, px / 2, 8 * unit))
    painter.setBrush(QColor("#ffffff"))
    painter.drawRect(QRectF(x0 + px / 2, y0, px / 2, 8 * unit))
    metrics = painter.fontMetrics()
    for x, text, align in ((x0, "0", "c"), (x0 + px / 2, mid, "c"), (x0 + px, label, "l")):
        w = metrics.horizontalAdvance(text)
        painter.drawText(int(x - (w / 2 if align == "c" else 0)), int(y0 - 6 * unit), text)
    # north arrow
    cx, cy, r = width - 38 * unit, 44 * unit, 26 * unit
    painter.setPen(QPen(QColor("#888888"), 0.8))
    painter.setBrush(QColor(255, 255, 255, 220))
    painter.drawEllipse(QRectF(cx - r, cy - r, 2 * r, 2 * r))
    top, bottom, notch = cy - 18 * unit, cy + 18 * unit, cy + 10 * unit
    right = QPolygonF([QPointF(cx, top), QPointF(cx + 10 * unit, bottom), QPointF(cx, notch)])
    left = QPolygonF([QPointF(cx, top), QPointF(cx - 10 * unit, bottom), QPointF(cx, notch)])
    painter.setPen(QPen(QColor("#000000"), 1.0))
    painter.setBrush(QColor("#000000"))
    painter.drawPolygon(right)
    painter.setBrush(QColor("#ffffff"))
    painter.drawPolygon(left)
    bold = QFont(font)
    bold.setBold(True)
    painter.setFont(bold)
    w = painter.fontMetrics().horizontalAdvance("N")
    painter.setPen(QColor("#000000"))
    painter.drawText(int(cx - w / 2), int(cy - r - 3 * unit), "N")
    # CRS note and frame
    small = QFont(font)
    small.setPixelSize(int(11 * unit))
    painter.setFont(small)
    w = painter.fontMetrics().horizontalAdvance(crs_label)
    painter.setPen(QColor("#444444"))
    painter.drawText(int(width - w - 10 * unit), int(height - 10 * unit), crs_label)
    painter.setPen(QPen(QColor("#333333"), 2 * unit))
    painter.setBrush(Qt.NoBrush)
    painter.drawRect(QRectF(unit, unit, width - 2 * unit, height - 2 * unit))


def map_settings(crs, size_px: tuple[int, int], dpi: float, labels: bool = False) -> QgsMapSettings:
    """The report maps' common frame: CRS, pixel size, dpi, paper-white background, antialiasing."""
    settings = QgsMapSettings()
    settings.setDestinationCrs(crs)
    settings.setOutputSize(QSize(*size_px))
    settings.setOutputDpi(dpi)
    settings.setBackgroundColor(QColor("#fbfbf8"))
    settings.setFlag(QgsMapSettings.Antialiasing, True)
    if labels:
        settings.setFlag(QgsMapSettings.DrawLabeling, True)
    settings.setTransformContext(QgsProject.instance().transformContext())
    return settings


def paint_map(settings: QgsMapSettings, size_px: tuple[int, int], crs_text: str, path: str) -> str:
    """Render the map settings into a PNG with the scale bar, north arrow and CRS note; returns path."""
    visible = settings.visibleExtent()
    image = QImage(QSize(*size_px), QImage.Format_ARGB32_Premultiplied)
    image.fill(QColor("#fbfbf8"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.Antialiasing, True)
    painter.setRenderHint(QPainter.TextAntialiasing, True)
    job = QgsMapRendererCustomPainterJob(settings, painter)
    job.renderSynchronously()
    _decorate(painter, size_px[0], size_px[1], visible, crs_text)
    painter.end()
    if not image.convertToFormat(QImage.Format_RGB32).save(path, "PNG"):
        raise OSError(f"cannot write {path}")
    return path


def render_project_maps(result: ScreeningResult, protected: Sequence[FeatureSet] | None, out_dir: str,
                        size_px: tuple[int, int] = (900, 600), workspace: str | None = None,
                        indices: Sequence[int] | None = None, dpi: float = 110.0) -> dict[int, str]:
    """One PNG per flagged project (or per project in ``indices``): {project index: PNG path}.

    The zones each project hits come from ``protected`` (the FeatureSets passed to ``screen``),
    styled with the workspace styles; ``workspace`` (a GeoPackage) adds rivers, water bodies
    and the district boundary as context. Drawn in ``result.planar_crs``.
    """
    os.makedirs(out_dir, exist_ok=True)
    crs_text = result.planar_crs
    crs = QgsCoordinateReferenceSystem(crs_text)
    if not crs.isValid():
        raise ValueError(f"invalid planar CRS {crs_text}")
    wanted = list(indices) if indices is not None else [p.index for p in result.projects if p.verdict != "CLEAR"]
    wanted = [i for i in wanted if result.projects[i].geometry is not None]
    if not wanted:
        return {}
    want = set(wanted)
    by_project: dict[int, list] = defaultdict(list)
    for c in result.conflicts:
        if c.project in want:
            by_project[c.project].append(c)

    # zone layers: every zone some wanted project hits, keyed by a running reference
    zone_layers: dict[str, QgsVectorLayer] = {}
    zone_ref: dict[tuple[int, int], tuple[str, int]] = {}
    zone_geom: dict[tuple[int, int], object] = {}
    if protected:
        rows: dict[str, list] = defaultdict(list)
        needed: dict[int, set[int]] = defaultdict(set)
        for conflicts in by_project.values():
            for c in conflicts:
                if c.layer < len(protected):
                    needed[c.layer].add(c.zone)
        for li, zones in needed.items():
            fs = protected[li]
            idx = np.array(sorted(zones), dtype=int)
            planar = reproject(np.asarray(fs.geometries, dtype=object)[idx], fs.crs, crs_text)
            for k, g in zip(idx, planar):
                ref = len(zone_ref) + 1
                zone_ref[(li, int(k))] = (fs.key, ref)
                rows[fs.key].append((ref, _multi(g, 2), fs.row(int(k))))
                zone_geom[(li, int(k))] = g
        for key in ZONE_ORDER:
            if rows.get(key):
                layer = _memory_layer(key, "MultiPolygon", crs_text)
                _add(layer, rows[key])
                style_layer(layer, key)
                zone_layers[key] = layer

    # project layers (by dimension), overlap pieces, highlight outline
    project_rows: dict[int, list] = defaultdict(list)
    for i in wanted:
        p = result.projects[i]
        dim = int(shapely.get_dimensions(p.geometry))
        project_rows[dim].append((i, p.geometry, {"project_code": p.code, "name": p.name, "category": p.category}))
    project_layers: dict[int, QgsVectorLayer] = {}
    for dim, geometry, style in ((2, "MultiPolygon", "project_polygon"), (1, "MultiLineString", "project_line"),
                                 (0, "MultiPoint", "project_point")):
        if project_rows.get(dim):
            layer = _memory_layer("project", geometry, crs_text)
            _add(layer, [(i, _multi(g, dim), a) for i, g, a in project_rows[dim]])
            style_layer(layer, "project", style)
            project_layers[dim] = layer
    if 1 in project_layers:  # a white casing under the orange line
        symbol = project_layers[1].renderer().symbol().clone()
        casing = QgsLineSymbol.createSimple({"line_color": "#ffffff", "line_width": "1.8", "capstyle": "round"})
        symbol.insertSymbolLayer(0, casing.symbolLayer(0).clone())
        project_layers[1].setRenderer(QgsSingleSymbolRenderer(symbol))
    overlap_rows = []
    for i in wanted:
        pieces = [c.geometry for c in by_project.get(i, []) if c.relation in REAL
                  and c.geometry is not None and shapely.get_dimensions(c.geometry) == 2]
        if pieces:
            overlap_rows.append((i, shapely.union_all(pieces), {}))
    overlap_layer = None
    if overlap_rows:
        overlap_layer = _memory_layer("overlap", "MultiPolygon", crs_text)
        _add(overlap_layer, [(i, _multi(g, 2), a) for i, g, a in overlap_rows])
        overlap_layer.setRenderer(QgsSingleSymbolRenderer(_overlap_symbol()))
    gap_rows = []
    for i in wanted:
        geom = result.projects[i].geometry
        for c in by_project.get(i, []):
            zone = zone_geom.get((c.layer, c.zone))
            if c.relation == "setback" and zone is not None and c.distance_m > 0:
                line = shapely.shortest_line(geom, zone)
                if line is not None and not line.is_empty:
                    gap_rows.append((i, shapely.multilinestrings([line]), {"label": f"{c.distance_m:,.1f} m"}))
    gap_layer = None
    if gap_rows:
        gap_layer = _memory_layer("gap", "MultiLineString", crs_text, extra=("label",))
        _add(gap_layer, gap_rows)
        gap_layer.setRenderer(QgsSingleSymbolRenderer(_gap_symbol()))
        gap_layer.setLabeling(_gap_labeling())
        gap_layer.setLabelsEnabled(True)
    highlight_layers = []
    if 2 in project_layers:
        casing, line = _highlight_symbol(2)
        for symbol in (casing, line):
            layer = _memory_layer("project", "MultiPolygon", crs_text)
            _add(layer, [(i, _multi(g, 2), a) for i, g, a in project_rows[2]])
            layer.setRenderer(QgsSingleSymbolRenderer(symbol))
            highlight_layers.append(layer)
    if 0 in project_layers:  # a ring around point projects
        layer = _memory_layer("project", "MultiPoint", crs_text)
        _add(layer, [(i, _multi(g, 0), a) for i, g, a in project_rows[0]])
        layer.setRenderer(QgsSingleSymbolRenderer(QgsMarkerSymbol.createSimple(
            {"name": "circle", "color": "0,0,0,0", "outline_color": "#252525", "outline_width": "0.5", "size": "7"})))
        highlight_layers.append(layer)

    context = []
    if workspace:
        for key in CONTEXT_LAYERS:
            layer = QgsVectorLayer(layer_uri(workspace, key), key, "ogr")
            if layer.isValid():
                style_layer(layer, key)
                context.append(layer)

    # top first, as QgsMapSettings wants
    stack = ([gap_layer] + highlight_layers[::-1] + [overlap_layer] + [project_layers.get(d) for d in (0, 1, 2)]
             + [zone_layers.get(k) for k in reversed(ZONE_ORDER)] + context)
    stack = [layer for layer in stack if layer is not None]
    settings = map_settings(crs, size_px, dpi, labels=True)
    settings.setLayers(stack)

    filtered = list(zone_layers.values()) + list(project_layers.values()) + highlight_layers + [
        layer for layer in (overlap_layer, gap_layer) if layer is not None]
    out: dict[int, str] = {}
    try:
        for i in wanted:
            p = result.projects[i]
            refs = [zone_ref[(c.layer, c.zone)][1] for c in by_project.get(i, []) if (c.layer, c.zone) in zone_ref]
            for layer in filtered:
                if layer in zone_layers.values():
                    layer.setSubsetString(f'"gs_ref" IN ({",".join(map(str, refs))})' if refs else "FALSE")
                else:
                    layer.setSubsetString(f'"gs_ref" = {i}')
            reach = max([c.distance_m for c in by_project.get(i, []) if c.relation == "setback"], default=0.0)
            extent = _window(p.geometry, reach, size_px)
            settings.setExtent(extent)
            out[i] = paint_map(settings, size_px, crs_text, os.path.join(out_dir, f"map_{i:04d}.png"))
    finally:
        for layer in filtered:
            layer.setSubsetString("")
    return out


# --- PDF --------------------------------------------------------------------------------------

QT_CSS = """
body { font-family: "Noto Serif CJK SC", serif; font-size: 10pt; color: #111111; }
h1 { font-family: "Noto Sans CJK SC"; font-size: 19pt; text-align: center; margin: 4px 0 4px 0; }
h2 { font-family: "Noto Sans CJK SC"; font-size: 13.5pt; color: #000000; margin-top: 14px; margin-bottom: 6px; }
h3 { font-family: "Noto Sans CJK SC"; font-size: 12pt; margin-top: 6px; margin-bottom: 4px; }
h4 { font-family: "Noto Sans CJK SC"; font-size: 10.5pt; margin-top: 10px; margin-bottom: 4px; }
th { font-family: "Noto Sans CJK SC"; background-color: #ecebe4; font-weight: bold; }
table { border-collapse: collapse; border-color: #555555; margin-bottom: 8px; }
td, th { border-color: #555555; font-size: 8.5pt; }
.kicker { color: #b00000; font-family: "Noto Sans CJK SC"; font-weight: bold; text-align: center; }
.subtitle { text-align: center; color: #444444; }
.badge { font-family: "Noto Sans CJK SC"; font-weight: bold; color: #ffffff; }
.v-PROHIBITED { background-color: #a50f15; } .v-CONDITIONAL { background-color: #b35806; }
.v-REVIEW { background-color: #54278f; } .v-CLEAR { color: #1b7837; }
.muted { color: #555555; font-size: 8.5pt; }
.en { color: #444444; font-style: italic; font-size: 8.5pt; }
.notice { color: #5a0005; }
.unverified { color: #9a3412; font-weight: bold; }
.caption { font-size: 8.5pt; text-align: center; color: #333333; }
.legend { font-size: 8pt; }
.basis { background-color: #fcfcfa; font-size: 8pt; }
.total { font-weight: bold; }
.n { text-align: right; } .c { text-align: center; }
a { color: #111111; text-decoration: none; }
"""

# QtSvg (SVG Tiny) has no <pattern>: hatches become tints.
_PATTERN_TINTS = {"url(#gs-h-red)": '#d7191c" fill-opacity="0.25', "url(#gs-h-ovl)": '#000000" fill-opacity="0.25',
                  "url(#gs-h-plot)": '#54278f" fill-opacity="0.3', "url(#gs-dots)": '#08306b" fill-opacity="0.12'}
_SVG = re.compile(r"<svg\b([^>]*)>(.*?)</svg>", re.S)


def _svg_image(svg: str, width_px: int):
    from qgis.PyQt.QtSvg import QSvgRenderer

    for pattern, tint in _PATTERN_TINTS.items():
        svg = svg.replace(f'"{pattern}"', f'"{tint}"')
    svg = svg.replace("<svg ", '<svg font-family="Noto Sans CJK SC" font-size="12" ', 1)
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    if not renderer.isValid():
        return None, None
    box = renderer.viewBoxF()
    w = max(1, int(width_px))
    h = max(1, int(round(w * box.height() / max(box.width(), 1e-9))))
    image = QImage(w, h, QImage.Format_ARGB32_Premultiplied)
    image.fill(Qt.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.Antialiasing, True)
    renderer.render(painter, QRectF(0, 0, w, h))
    painter.end()
    return image, (w, h)


def _add_image(document: QTextDocument, name: str, image: QImage) -> None:
    """Register an image under its name and under the name resolved against the base URL
    (QTextDocument looks resources up resolved when a base URL is set)."""
    document.addResource(QTextDocument.ImageResource, QUrl(name), image)
    base = document.baseUrl()
    if base.isValid() and not base.isEmpty():
        document.addResource(QTextDocument.ImageResource, base.resolved(QUrl(name)), image)


def qt_html(text: str, document: QTextDocument, content_px: int = 620) -> str:
    """The browser HTML adapted to QTextDocument (resources added to ``document``)."""
    text = re.sub(r"<style>.*?</style>", "", text, flags=re.S)
    text = re.sub(r'<svg class="defs".*?</svg>', "", text, flags=re.S)
    counter = [0]

    def svg(match: re.Match) -> str:
        attrs, whole = match.group(1), match.group(0)
        kind = re.search(r'class="(\w+)"', attrs)
        kind = kind.group(1) if kind else ""
        width = {"map": content_px, "chart": int(content_px * 0.85), "sw": 26}.get(kind, content_px)
        scale = 1 if kind == "sw" else 2
        image, size = _svg_image(whole, width * scale)
        if image is None:
            return ""
        counter[0] += 1
        name = f"gs-svg-{counter[0]}.png"
        _add_image(document, name, image)
        return f'<img src="{name}" width="{size[0] // scale}" height="{size[1] // scale}">'

    text = _SVG.sub(svg, text)

    def data_uri(match: re.Match) -> str:
        data = base64.b64decode(match.group(2))
        image = QImage()
        image.loadFromData(data)
        if not image.hasAlphaChannel() or image.format() == QImage.Format_ARGB32:
            image = image.convertToFormat(QImage.Format_RGB32)  # lets the PDF engine pick JPEG or Flate
        counter[0] += 1
        name = f"gs-img-{counter[0]}.png"
        _add_image(document, name, image)
        height = int(content_px * image.height() / max(1, image.width()))
        return f'<img src="{name}" width="{content_px}" height="{height}"'

    text = re.sub(r'<img src="data:image/(\w+);base64,([A-Za-z0-9+/=]+)"', data_uri, text)

    def file_img(match: re.Match) -> str:
        src = match.group(1)
        if src.startswith(("gs-svg-", "gs-img-")) or "width=" in match.group(0):
            return match.group(0)
        return f'<img src="{src}" width="{content_px}"'

    text = re.sub(r'<img src="([^"]+)"(?: alt="[^"]*")?', file_img, text)
    # tags QTextDocument does not know, and its page breaks
    text = re.sub(r'<section class="[^"]*project[^"]*"[^>]*>', '<div style="page-break-before: always">', text)
    text = re.sub(r"<section\b[^>]*>", "<div>", text)
    text = text.replace("</section>", "</div>")
    text = re.sub(r"<(header|footer|figure)\b([^>]*)>", r"<div\2>", text)
    text = re.sub(r"</(header|footer|figure)>", "</div>", text)
    text = re.sub(r"<figcaption>", '<p class="caption">', text).replace("</figcaption>", "</p>")
    text = re.sub(r"<tbody[^>]*>", "", text).replace("</tbody>", "")
    text = re.sub(r"<thead>", "", text).replace("</thead>", "")
    text = text.replace("<table", '<table border="1" cellspacing="0" cellpadding="3" width="100%"')
    text = text.replace('<span class="badge', '&nbsp;<span class="badge').replace(
        '<div class="phead">', '<div class="phead"><p>').replace("</h3>&nbsp;<span", "</h3><p>&nbsp;<span")
    return text


def write_pdf_report(html_path: str, pdf_path: str, margins_mm: tuple[float, float, float, float] = (17, 15, 17, 16)
                     ) -> str:
    """Print the HTML report to an A4 PDF with Qt (QTextDocument + QPrinter); returns the path.

    Images referenced by relative paths are resolved next to the HTML file; data-URI images
    and inline SVGs are converted. Pages are laid out by QTextDocument and painted here, with a
    running head and "第 n 页 / 共 N 页", and images kept lossless (maps compress far better
    as Flate than as the JPEG QTextDocument.print_ would choose). margins_mm: left, top,
    right, bottom.
    """
    with open(html_path, encoding="utf-8") as fh:
        text = fh.read()
    title = re.search(r"<title>(.*?)</title>", text, re.S)
    title = html.unescape(re.sub(r"<[^>]+>", "", title.group(1))) if title else ""
    printer = QPrinter(QPrinter.HighResolution)
    printer.setOutputFormat(QPrinter.PdfFormat)
    printer.setOutputFileName(os.fspath(pdf_path))
    printer.setPageLayout(QPageLayout(QPageSize(QPageSize.A4), QPageLayout.Portrait,
                                      QMarginsF(*margins_mm), QPageLayout.Millimeter))
    printer.setDocName(title)
    printer.setCreator("Green Shield 绿盾")
    page = printer.pageRect(QPrinter.Inch)
    head_in, foot_in = 0.22, 0.28  # running head and foot inside the margins
    body = QSizeF(page.width() * 96, (page.height() - head_in - foot_in) * 96)  # layout units: 96 per inch

    document = QTextDocument()
    folder = os.path.dirname(os.path.abspath(html_path))
    document.setBaseUrl(QUrl.fromLocalFile(folder + os.sep))
    document.setDefaultStyleSheet(QT_CSS)
    font = QFont("Noto Serif CJK SC")
    font.setPointSizeF(10)
    document.setDefaultFont(font)
    document.setHtml(qt_html(text, document, content_px=int(body.width()) - 30))
    document.setPageSize(body)
    pages = document.pageCount()

    painter = QPainter()
    if not painter.begin(printer):
        raise OSError(f"cannot write {pdf_path}")
    try:
        painter.setRenderHint(QPainter.LosslessImageRendering, True)
        painter.setRenderHint(QPainter.Antialiasing, True)
        painter.setRenderHint(QPainter.TextAntialiasing, True)
        scale = printer.resolution() / 96.0
        small = QFont("Noto Sans CJK SC")
        small.setPointSizeF(8)
        width_px = page.width() * printer.resolution()
        height_px = page.height() * printer.resolution()
        for number in range(pages):
            if number:
                printer.newPage()
            painter.save()
            painter.translate(0, head_in * printer.resolution())
            painter.scale(scale, scale)
            painter.translate(0, -number * body.height())
            document.drawContents(painter, QRectF(0, number * body.height(), body.width(), body.height()))
            painter.restore()
            painter.setFont(small)
            painter.setPen(QColor("#777777"))
            painter.drawText(QRectF(0, 0, width_px, head_in * printer.resolution() * 0.8),
                             int(Qt.AlignRight | Qt.AlignTop), title)
            painter.setPen(QPen(QColor("#bbbbbb"), 0))
            line_y = head_in * printer.resolution() * 0.85
            painter.drawLine(QPointF(0, line_y), QPointF(width_px, line_y))
            painter.setPen(QColor("#555555"))
            painter.drawText(QRectF(0, height_px - foot_in * printer.resolution() * 0.75, width_px,
                                    foot_in * printer.resolution() * 0.75),
                             int(Qt.AlignHCenter | Qt.AlignBottom), f"第 {number + 1} 页 / 共 {pages} 页")
    finally:
        painter.end()
    if not os.path.exists(pdf_path) or os.path.getsize(pdf_path) == 0:
        raise OSError(f"Qt did not write {pdf_path}")
    return os.fspath(pdf_path)


__all__ = ["render_project_maps", "write_pdf_report", "qt_html"]
