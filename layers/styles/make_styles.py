"""Regenerate the layer styles (``<key>.qml``) of the Green Shield data model.

Run with the Python that has QGIS (3.22+)::

    python layers/styles/make_styles.py [OUTPUT_DIR]

OUTPUT_DIR defaults to the folder of this script. Each style holds only symbology and
labeling (``styleCategories="Symbology|Labeling"``); field aliases, value maps and forms are
applied in code from :mod:`green_shield.core.schema`, so loading a style never touches them.

Category labels are the Chinese labels of the schema code lists. Every categorized renderer
ends with a grey catch-all category (value ``""``: QGIS's "all other values") so that empty or
unknown codes still show on the map.

Markers are built-in shapes only (no SVG), so the styles carry no file paths.

The ``project`` table may hold points, lines and polygons; the plugin loads it as three layers
filtered by geometry type, styled by ``project_point.qml``, ``project_line.qml`` and
``project_polygon.qml``. ``project.qml`` is the polygon style.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (  # noqa: E402
    QgsApplication,
    QgsCategorizedSymbolRenderer,
    QgsFeatureRenderer,
    QgsFillSymbol,
    QgsLinePatternFillSymbolLayer,
    QgsLineSymbol,
    QgsMapLayer,
    QgsMarkerSymbol,
    QgsPalLayerSettings,
    QgsPointPatternFillSymbolLayer,
    QgsProperty,
    QgsRendererCategory,
    QgsSimpleFillSymbolLayer,
    QgsSimpleLineSymbolLayer,
    QgsSimpleMarkerSymbolLayer,
    QgsSimpleMarkerSymbolLayerBase,
    QgsSingleSymbolRenderer,
    QgsSymbolLayer,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsUnitTypes,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtCore import Qt  # noqa: E402
from qgis.PyQt.QtGui import QColor, QFont  # noqa: E402

from green_shield.core.schema import CODE_LISTS, LAYER_TYPES  # noqa: E402

STYLE_DIR = os.path.dirname(os.path.abspath(__file__))
CATEGORIES = QgsMapLayer.Symbology | QgsMapLayer.Labeling

# Label font: a CJK font common on Linux; where it is missing QGIS substitutes the default
# application font (which renders Chinese on a Chinese-locale Windows/macOS).
LABEL_FONT = "Noto Sans CJK SC"

MM = QgsUnitTypes.RenderMillimeters
OTHER_LABEL = "其他值"  # catch-all category: empty or not in the code list
OTHER_GREY = "#969696"

Shape = QgsSimpleMarkerSymbolLayerBase


# --------------------------------------------------------------------------- helpers


def qcolor(spec: str, alpha: int = 255) -> QColor:
    c = QColor(spec)
    c.setAlpha(alpha)
    return c


def simple_fill(
    color: str | None,
    alpha: int = 255,
    stroke: str | None = None,
    stroke_width: float = 0.26,
    stroke_style=Qt.SolidLine,
) -> QgsSimpleFillSymbolLayer:
    layer = QgsSimpleFillSymbolLayer()
    if color is None:
        layer.setBrushStyle(Qt.NoBrush)
        layer.setFillColor(qcolor("#000000", 0))
    else:
        layer.setFillColor(qcolor(color, alpha))
    if stroke is None:
        layer.setStrokeStyle(Qt.NoPen)
    else:
        layer.setStrokeColor(qcolor(stroke))
        layer.setStrokeWidth(stroke_width)
        layer.setStrokeWidthUnit(MM)
        layer.setStrokeStyle(stroke_style)
    layer.setPenJoinStyle(Qt.MiterJoin)
    return layer


def simple_line(
    color: str, width: float, alpha: int = 255, pen_style=Qt.SolidLine, dash: list[float] | None = None
) -> QgsSimpleLineSymbolLayer:
    layer = QgsSimpleLineSymbolLayer(qcolor(color, alpha), width, pen_style)
    layer.setWidthUnit(MM)
    layer.setPenCapStyle(Qt.FlatCap if dash else Qt.RoundCap)
    layer.setPenJoinStyle(Qt.RoundJoin)
    if dash:
        layer.setUseCustomDashPattern(True)
        layer.setCustomDashVector(dash)
        layer.setCustomDashPatternUnit(MM)
    return layer


def hatch(color: str, angle: float, spacing: float, width: float, alpha: int = 255) -> QgsLinePatternFillSymbolLayer:
    layer = QgsLinePatternFillSymbolLayer()
    layer.setLineAngle(angle)
    layer.setDistance(spacing)
    layer.setDistanceUnit(MM)
    line = QgsLineSymbol()
    line.changeSymbolLayer(0, simple_line(color, width, alpha))
    layer.setSubSymbol(line)
    layer.setLineWidth(width)
    layer.setLineWidthUnit(MM)
    layer.setColor(qcolor(color, alpha))
    return layer


def dots(color: str, spacing: float, size: float, alpha: int = 255) -> QgsPointPatternFillSymbolLayer:
    layer = QgsPointPatternFillSymbolLayer()
    layer.setDistanceX(spacing)
    layer.setDistanceY(spacing)
    layer.setDistanceXUnit(MM)
    layer.setDistanceYUnit(MM)
    layer.setDisplacementX(spacing / 2)
    layer.setDisplacementXUnit(MM)
    dot = QgsMarkerSymbol()
    dot.changeSymbolLayer(0, marker(Shape.Circle, color, size, stroke=None, alpha=alpha))
    layer.setSubSymbol(dot)
    return layer


def marker(
    shape,
    color: str | None,
    size: float,
    stroke: str | None = "#252525",
    stroke_width: float = 0.3,
    alpha: int = 255,
    angle: float = 0.0,
) -> QgsSimpleMarkerSymbolLayer:
    layer = QgsSimpleMarkerSymbolLayer(shape, size)
    layer.setSizeUnit(MM)
    layer.setAngle(angle)
    if color is None:
        layer.setColor(qcolor("#ffffff", 0))
    else:
        layer.setColor(qcolor(color, alpha))
    if stroke is None:
        layer.setStrokeStyle(Qt.NoPen)
    else:
        layer.setStrokeColor(qcolor(stroke))
        layer.setStrokeWidth(stroke_width)
        layer.setStrokeWidthUnit(MM)
    layer.setPenJoinStyle(Qt.MiterJoin)
    return layer


def fill_symbol(*layers) -> QgsFillSymbol:
    symbol = QgsFillSymbol()
    symbol.deleteSymbolLayer(0)
    for layer in layers:
        symbol.appendSymbolLayer(layer)
    return symbol


def line_symbol(*layers) -> QgsLineSymbol:
    symbol = QgsLineSymbol()
    symbol.deleteSymbolLayer(0)
    for layer in layers:
        symbol.appendSymbolLayer(layer)
    return symbol


def marker_symbol(*layers) -> QgsMarkerSymbol:
    symbol = QgsMarkerSymbol()
    symbol.deleteSymbolLayer(0)
    for layer in layers:
        symbol.appendSymbolLayer(layer)
    return symbol


def categorized(field: str, codelist: str, symbols: dict, other) -> QgsCategorizedSymbolRenderer:
    """Categories in the order of ``symbols``, labelled with the code list's Chinese labels."""
    cl = CODE_LISTS[codelist]
    missing = set(cl.codes()) - set(symbols)
    unknown = set(symbols) - set(cl.codes())
    if missing or unknown:
        raise ValueError(f"{codelist}: symbols missing for {sorted(missing)}, unknown codes {sorted(unknown)}")
    cats = [QgsRendererCategory(code, symbol, cl.label_zh(code)) for code, symbol in symbols.items()]
    cats.append(QgsRendererCategory("", other, OTHER_LABEL))
    return QgsCategorizedSymbolRenderer(field, cats)


def text_format(
    size: float, color: str, bold: bool = False, italic: bool = False, buffer: float = 0.8
) -> QgsTextFormat:
    fmt = QgsTextFormat()
    font = QFont(LABEL_FONT)
    font.setBold(bold)
    font.setItalic(italic)
    fmt.setFont(font)
    fmt.setSize(size)
    fmt.setSizeUnit(QgsUnitTypes.RenderPoints)
    fmt.setColor(qcolor(color))
    if buffer:
        buf = QgsTextBufferSettings()
        buf.setEnabled(True)
        buf.setSize(buffer)
        buf.setSizeUnit(MM)
        buf.setColor(qcolor("#ffffff"))
        buf.setOpacity(0.85)
        fmt.setBuffer(buf)
    return fmt


def labeling(field: str, fmt: QgsTextFormat, placement, legend: str, **extra) -> QgsVectorLayerSimpleLabeling:
    settings = QgsPalLayerSettings()
    settings.fieldName = field
    settings.legendString = legend  # sample text shown in the legend and style dock
    settings.isExpression = False
    settings.enabled = True
    settings.setFormat(fmt)
    settings.placement = placement
    for name, value in extra.items():
        setattr(settings, name, value)
    return QgsVectorLayerSimpleLabeling(settings)


# --------------------------------------------------------------------------- designs
# Each returns (renderer, labeling or None).


def redline():
    red = "#d7191c"
    symbol = fill_symbol(
        simple_fill(red, alpha=28),  # very light translucent red
        hatch(red, 45, 2.5, 0.3, alpha=200),
        simple_line(red, 0.6),
    )
    return QgsSingleSymbolRenderer(symbol), None


def nature_reserve():
    outline = "#00441b"

    def zone(color, dashed=False):
        return fill_symbol(
            simple_fill(color, alpha=150),
            simple_line(outline, 0.4, dash=[2.0, 1.2] if dashed else None),
        )

    symbols = {
        "core": zone("#006d2c"),
        "core_protection": zone("#006d2c"),
        "buffer": zone("#41ab5d"),
        "experimental": zone("#a1d99b", dashed=True),
        "general_control": zone("#a1d99b", dashed=True),
    }
    other = fill_symbol(simple_fill("#c7e9c0", alpha=110), simple_line(outline, 0.3, dash=[0.6, 0.8]))
    return categorized("zone", "reserve_zone", symbols, other), None


def water_source_zone():
    outline = "#08306b"

    def level(color, alpha):
        land_dots = dots("#08306b", 1.8, 0.35, alpha=170)
        # dotted texture only on the land part (陆域) of a zone
        land_dots.setDataDefinedProperty(
            QgsSymbolLayer.PropertyLayerEnabled, QgsProperty.fromExpression("coalesce(attribute('part'), '') = 'land'")
        )
        return fill_symbol(simple_fill(color, alpha=alpha), land_dots, simple_line(outline, 0.4))

    symbols = {
        "level1": level("#08519c", 150),
        "level2": level("#3182bd", 120),
        "quasi": level("#9ecae1", 120),
    }
    other = fill_symbol(simple_fill("#deebf7", alpha=110), simple_line(outline, 0.3, dash=[0.6, 0.8]))
    return categorized("level", "ws_level", symbols, other), None


def water_intake():
    blue = "#08519c"
    symbol = marker_symbol(
        marker(Shape.Circle, "#ffffff", 3.6, stroke=blue, stroke_width=0.45),
        marker(Shape.Triangle, blue, 2.0, stroke=None, angle=180),  # downward: water drawn off
    )
    lab = labeling(
        "name",
        text_format(7, "#08306b", buffer=0.7),
        QgsPalLayerSettings.OrderedPositionsAroundPoint,
        "取水口",
        dist=1.5,
        distUnits=MM,
    )
    return QgsSingleSymbolRenderer(symbol), lab


def sewage_outfall():
    size = 3.0
    dark = "#252525"

    def dot(color, stroke=dark, shape=Shape.Circle):
        return marker_symbol(marker(shape, color, size, stroke=stroke, stroke_width=0.35))

    def square_x(color):
        return marker_symbol(
            marker(Shape.Square, color, size * 0.9, stroke=dark, stroke_width=0.35),
            marker(Shape.Cross2, None, size * 0.55, stroke="#ffffff", stroke_width=0.4),
        )

    symbols = {
        # ring only: not yet checked on site
        "suspected": marker_symbol(
            marker(Shape.Circle, "#ffffff", size, stroke="#636363", stroke_width=0.7, alpha=160)
        ),
        "verified": dot("#fd8d3c"),
        "rejected": marker_symbol(
            marker(Shape.Circle, "#e0e0e0", size, stroke="#969696", stroke_width=0.35),
            marker(Shape.Cross2, None, size * 0.6, stroke="#737373", stroke_width=0.4),
        ),
        "monitored": dot("#ffd92f"),
        "traced": dot("#8856a7"),
        # rectification: red squares, darker = stronger measure; 取缔 carries a white x
        "rectifying_ban": square_x("#a50f15"),
        "rectifying_merge": dot("#de2d26", shape=Shape.Square),
        "rectifying_regularise": dot("#fc9272", shape=Shape.Square),
        "closed": dot("#31a354"),
    }
    other = marker_symbol(marker(Shape.Circle, OTHER_GREY, size * 0.8, stroke=dark, stroke_width=0.3))
    return categorized("status", "outfall_status", symbols, other), None


def supervised_entity():
    size = 2.8
    dark = "#252525"
    symbols = {
        "key": marker_symbol(marker(Shape.Diamond, "#d95f02", size * 1.2, stroke=dark, stroke_width=0.3)),
        "general": marker_symbol(marker(Shape.Diamond, "#fdd49e", size, stroke=dark, stroke_width=0.3)),
        "special": marker_symbol(marker(Shape.Diamond, "#7a0177", size * 1.2, stroke=dark, stroke_width=0.3)),
    }
    other = marker_symbol(marker(Shape.Diamond, OTHER_GREY, size * 0.8, stroke=dark, stroke_width=0.3))
    return categorized("pool", "supervision_pool", symbols, other), None


def monitoring_section():
    """A bar across the river with the section's name: national sections larger and darker."""
    symbols = {
        "national": marker_symbol(marker(Shape.Square, "#08519c", 3.6, stroke="#ffffff", stroke_width=0.4)),
        "provincial": marker_symbol(marker(Shape.Square, "#3182bd", 3.2, stroke="#ffffff", stroke_width=0.4)),
        "municipal": marker_symbol(marker(Shape.Square, "#6baed6", 2.8, stroke="#ffffff", stroke_width=0.4)),
        "county": marker_symbol(marker(Shape.Square, "#9ecae1", 2.6, stroke="#08519c", stroke_width=0.3)),
    }
    other = marker_symbol(marker(Shape.Square, OTHER_GREY, 2.6, stroke="#252525", stroke_width=0.3))
    lab = labeling(
        "name",
        text_format(7, "#08306b", buffer=0.7),
        QgsPalLayerSettings.OrderedPositionsAroundPoint,
        "考核断面",
        dist=1.5,
        distUnits=MM,
    )
    return categorized("level", "section_level", symbols, other), lab


def inspection_case():
    """Flags coloured by status: red while open, amber under rectification, green closed."""
    size = 3.6
    dark = "#252525"

    def flag(color, stroke=dark):
        return marker_symbol(marker(Shape.Triangle, color, size, stroke=stroke, stroke_width=0.4))

    symbols = {
        "pending": flag("#e31a1c"),
        "inspected": flag("#fb9a99"),
        "ordered": flag("#ff7f00"),
        "rectified": flag("#fdbf6f"),
        "closed": flag("#33a02c"),
        "excluded": flag("#d9d9d9", stroke="#969696"),
    }
    other = flag(OTHER_GREY)
    lab = labeling(
        "case_id",
        text_format(6.5, "#252525", buffer=0.7),
        QgsPalLayerSettings.OrderedPositionsAroundPoint,
        "案件编号",
        dist=1.5,
        distUnits=MM,
    )
    return categorized("status", "case_status", symbols, other), lab


def contaminated_plot():
    symbols = {
        "suspected": fill_symbol(simple_fill("#dfc27d", alpha=160), simple_line("#8c510a", 0.35, dash=[1.5, 0.8])),
        "contaminated": fill_symbol(simple_fill("#a6611a", alpha=170), simple_line("#543005", 0.45)),
        "listed": fill_symbol(
            simple_fill("#8c510a", alpha=170),
            hatch("#54278f", 45, 1.6, 0.35),
            hatch("#54278f", -45, 1.6, 0.35),
            simple_line("#3f007d", 0.6),
        ),
        "delisted": fill_symbol(simple_fill("#bdbdbd", alpha=120), simple_line("#737373", 0.35, dash=[1.5, 0.8])),
    }
    other = fill_symbol(simple_fill("#f0f0f0", alpha=110), simple_line("#737373", 0.3, dash=[0.6, 0.8]))
    return categorized("list_status", "plot_status", symbols, other), None


def change_lead():
    """Remote-sensing change leads: a bold outline over a light tint, coloured by activity, numbered.

    The outline sits on a white halo so that a lead stays legible over the green reserve zones.
    """

    def lead(color, dashed=False):
        return fill_symbol(
            simple_fill(color, alpha=70),
            simple_line("#ffffff", 1.3, alpha=170),
            simple_line(color, 0.7, dash=[1.6, 0.8] if dashed else None),
        )

    symbols = {
        "mining": lead("#a6611a"),
        "industry": lead("#7b3294"),
        "energy": lead("#e6ab02"),
        "tourism": lead("#e7298a"),
        "transport": lead("#525252"),
        "aquaculture": lead("#2171b5"),
        "other": lead("#e31a1c", dashed=True),
    }
    other = lead(OTHER_GREY, dashed=True)
    lab = labeling(
        "lead_id",
        text_format(7, "#252525", bold=True, buffer=0.8),
        QgsPalLayerSettings.OverPoint,
        "线索编号",
        centroidInside=True,
    )
    return categorized("activity", "activity_class", symbols, other), lab


PROJECT_ORANGE = "#fdae61"
PROJECT_DARK_ORANGE = "#d95f0e"
PROJECT_OUTLINE = "#252525"


def project_polygon():
    symbol = fill_symbol(simple_fill(PROJECT_ORANGE, alpha=170), simple_line(PROJECT_OUTLINE, 0.45))
    return QgsSingleSymbolRenderer(symbol), None


def project_line():
    symbol = line_symbol(simple_line(PROJECT_DARK_ORANGE, 0.8))
    return QgsSingleSymbolRenderer(symbol), None


def project_point():
    symbol = marker_symbol(marker(Shape.Circle, PROJECT_DARK_ORANGE, 3.0, stroke=PROJECT_OUTLINE, stroke_width=0.35))
    return QgsSingleSymbolRenderer(symbol), None


def river():
    symbol = line_symbol(simple_line("#4a90d9", 0.5))
    lab = labeling(
        "name",
        text_format(8, "#1f5fa8", italic=True, buffer=0.6),
        QgsPalLayerSettings.Curved,
        "河流",
        placementFlags=QgsPalLayerSettings.AboveLine | QgsPalLayerSettings.BelowLine,
        dist=0.5,
        distUnits=MM,
        repeatDistance=80.0,
        repeatDistanceUnit=MM,
    )
    return QgsSingleSymbolRenderer(symbol), lab


def water_body():
    symbol = fill_symbol(simple_fill("#c6dbef", stroke="#9ecae1", stroke_width=0.15))
    return QgsSingleSymbolRenderer(symbol), None


def district():
    symbol = fill_symbol(
        simple_line("#ffffff", 1.4, alpha=130),  # faint halo keeps the boundary legible on any fill
        simple_line("#4d4d4d", 1.0, dash=[4.0, 1.2, 1.0, 1.2]),  # dash-dot administrative boundary
    )
    lab = labeling(
        "xzqmc",
        text_format(10, "#4d4d4d", bold=True, buffer=1.0),
        QgsPalLayerSettings.OverPoint,
        "行政区",
        centroidInside=True,
    )
    return QgsSingleSymbolRenderer(symbol), lab


# style name -> (layer key, geometry, design)
STYLES = {
    "redline": ("redline", "Polygon", redline),
    "nature_reserve": ("nature_reserve", "Polygon", nature_reserve),
    "water_source_zone": ("water_source_zone", "Polygon", water_source_zone),
    "water_intake": ("water_intake", "Point", water_intake),
    "sewage_outfall": ("sewage_outfall", "Point", sewage_outfall),
    "contaminated_plot": ("contaminated_plot", "Polygon", contaminated_plot),
    "supervised_entity": ("supervised_entity", "Point", supervised_entity),
    "inspection_case": ("inspection_case", "Point", inspection_case),
    "monitoring_section": ("monitoring_section", "Point", monitoring_section),
    "change_lead": ("change_lead", "Polygon", change_lead),
    "project_point": ("project", "Point", project_point),
    "project_line": ("project", "LineString", project_line),
    "project_polygon": ("project", "Polygon", project_polygon),
    "project": ("project", "Polygon", project_polygon),
    "river": ("river", "LineString", river),
    "water_body": ("water_body", "Polygon", water_body),
    "district": ("district", "Polygon", district),
}

_MEMORY_TYPES = {"text": "string", "int": "integer", "real": "double", "date": "date", "bool": "boolean"}


def memory_layer(key: str, geometry: str) -> QgsVectorLayer:
    """A memory layer with the schema fields of ``key`` (so expressions and labels resolve)."""
    fields = "&".join(f"field={f.name}:{_MEMORY_TYPES[f.type]}" for f in LAYER_TYPES[key].fields)
    layer = QgsVectorLayer(f"Multi{geometry}?crs=EPSG:4490&{fields}", key, "memory")
    if not layer.isValid():
        raise RuntimeError(f"could not create a memory layer for {key}")
    return layer


def build(name: str) -> tuple[QgsVectorLayer, QgsFeatureRenderer]:
    key, geometry, design = STYLES[name]
    layer = memory_layer(key, geometry)
    renderer, lab = design()
    layer.setRenderer(renderer)
    if lab is None:
        layer.setLabelsEnabled(False)
    else:
        layer.setLabeling(lab)
        layer.setLabelsEnabled(True)
    return layer, renderer


def write_styles(out_dir: str = STYLE_DIR) -> list[str]:
    missing = {key for key, lt in LAYER_TYPES.items() if lt.geometry != "none"} - set(STYLES)
    if missing:
        raise RuntimeError(f"no style designed for {sorted(missing)}")
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for name in STYLES:
        layer, _ = build(name)
        path = os.path.join(out_dir, f"{name}.qml")
        message, ok = layer.saveNamedStyle(path, CATEGORIES)
        if not ok:
            raise RuntimeError(f"{path}: {message}")
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    out_dir = os.path.abspath(argv[1]) if len(argv) > 1 else STYLE_DIR
    app = None
    if QgsApplication.instance() is None:
        app = QgsApplication([], False)
        app.initQgis()
    try:
        for path in write_styles(out_dir):
            print(path)
    finally:
        if app is not None:
            app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
