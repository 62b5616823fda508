"""The printable screening report (审查报告): one self-contained HTML file for A4.

For planners and EIA reviewers: a header with the rulebook's provenance and the method, a
summary (counts by verdict, by zone type and by project category), one section per flagged
project (strictest first) with a map and its conflicts with the legal basis and advice, and an
appendix with the method, provenance, warnings and the projects without conflicts.

The file carries its CSS, its maps (inline SVG drawn from the planar geometries, or PNGs
rendered by QGIS and embedded as data URIs) and no scripts, so it can be mailed, archived
and printed as it is. Verdicts are printed as text badges; colour only helps.

No QGIS here: the QGIS side (``layers.report_maps``) renders map PNGs and prints the PDF.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import math
import os
from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np
import shapely
from pyproj import CRS

from .rules import VERDICT_ZH, VERDICTS
from .schema import CODE_LISTS, LAYER_TYPES
from .screening import (
    M2_PER_HA,
    M2_PER_MU,
    Conflict,
    FeatureSet,
    ProjectVerdict,
    ScreeningResult,
    ellipsoidal_area,
    ellipsoidal_length,
    reproject,
)

DEFAULT_TITLE = "建设项目生态保护空间审查报告"
SEVERITY = tuple(v for v in ("PROHIBITED", "CONDITIONAL", "REVIEW") if v in VERDICTS) + tuple(
    v for v in VERDICTS if v not in ("PROHIBITED", "CONDITIONAL", "REVIEW", "CLEAR")
) + ("CLEAR",)
VERDICT_COLOUR = {"PROHIBITED": "#a50f15", "CONDITIONAL": "#b35806", "REVIEW": "#54278f", "CLEAR": "#1b7837"}
RELATION_ZH = {"inside": "位于", "crossing": "跨越", "touching": "边界相接", "setback": "缓冲距离内"}
UNVERIFIED_ZH = "（未核实的默认规则，仅供参考）"
REAL = ("inside", "crossing")
ZONE_LEVEL_CODELIST = {"water_source_zone": "ws_level", "nature_reserve": "reserve_zone",
                       "contaminated_plot": "plot_status"}
ZONE_LEVEL_FIELD = {"water_source_zone": "level", "nature_reserve": "zone", "contaminated_plot": "list_status"}
SOURCE_ZH = {"projects": "建设项目"}

# Map palette: the QGIS styles (layers/styles/make_styles.py) in SVG terms.
PROJECT_ORANGE = "#fdae61"
PROJECT_DARK_ORANGE = "#d95f0e"
PROJECT_OUTLINE = "#252525"
MAP_W, MAP_H = 720, 440


def _e(value) -> str:
    """Escaped text of any value (None → empty)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=True)


# --- numbers -------------------------------------------------------------------------------


def _num(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def area_triplet(m2: float) -> tuple[str, str, str]:
    """('12,345.6', '1.2346', '18.52'): m², 公顷, 亩."""
    return _num(m2, 1), _num(m2 / M2_PER_HA, 4), _num(m2 / M2_PER_MU, 2)


def area_html(m2: float, sep: str = "<br>") -> str:
    m2s, ha, mu = area_triplet(m2)
    return f"{m2s} m²{sep}{ha} 公顷{sep}{mu} 亩"


def _pct(value: float) -> str:
    if value <= 0:
        return "—"
    if value < 0.1:
        return "&lt;0.1%"
    return f"{value:.1f}%"


# --- labels --------------------------------------------------------------------------------


def verdict_zh(verdict: str) -> str:
    return VERDICT_ZH.get(verdict, verdict)


def badge(verdict: str) -> str:
    return f'<span class="badge v-{_e(verdict)}">{_e(verdict_zh(verdict))}</span>'


def category_zh(code: str) -> str:
    if not code:
        return "（未填写）"
    try:
        return CODE_LISTS["project_category"].label_zh(code)
    except KeyError:
        return code


def zone_type_zh(key: str) -> str:
    lt = LAYER_TYPES.get(key)
    return lt.title_zh if lt else key


def zone_level_zh(key: str, level: str) -> str:
    if not level:
        return ""
    codelist = ZONE_LEVEL_CODELIST.get(key)
    if codelist:
        try:
            return CODE_LISTS[codelist].label_zh(level)
        except KeyError:
            pass
    return level


def _source_labels(sources: dict[str, str]) -> dict[str, str]:
    """'redline#0' → '生态保护红线' (numbered only when one type has several sources)."""
    base = {k: SOURCE_ZH.get(k) or zone_type_zh(k.partition("#")[0]) for k in sources}
    seen: dict[str, int] = defaultdict(int)
    totals: dict[str, int] = defaultdict(int)
    for label in base.values():
        totals[label] += 1
    out = {}
    for k, label in base.items():
        seen[label] += 1
        out[k] = f"{label}（{seen[label]}）" if totals[label] > 1 else label
    return out


def _crs_name(crs: str) -> str:
    try:
        return CRS.from_user_input(crs).name
    except Exception:  # noqa: BLE001 - a name is only decoration
        return ""


def _rules_by_id(rulebook) -> dict:
    rules = getattr(rulebook, "rules", None) or []
    return {getattr(r, "id", None): r for r in rules}


def _severity(verdict: str) -> int:
    try:
        return SEVERITY.index(verdict)
    except ValueError:
        return len(SEVERITY)


def project_order(projects: Iterable[ProjectVerdict]) -> list[ProjectVerdict]:
    """Flagged projects, strictest verdict first, then larger overlap first."""
    flagged = [p for p in projects if p.verdict != "CLEAR"]
    return sorted(flagged, key=lambda p: (_severity(p.verdict), -p.overlap_m2, -p.overlap_m, p.code, p.index))


def _dimension(geom) -> int:
    if geom is None or shapely.is_empty(geom):
        return -1
    return int(shapely.get_dimensions(geom))


# --- summary tables ------------------------------------------------------------------------


def _amount(geoms: list, dim: int, result: ScreeningResult, project=None) -> float:
    geoms = [g for g in geoms if g is not None and not shapely.is_empty(g)]
    if not geoms:
        return 0.0
    if dim == 1 and len(geoms) > 1 and project is not None:
        # line pieces cut by different zones differ in the last digits and would not dissolve:
        # measure the project line within a hair of any piece instead
        geom = shapely.intersection(project, shapely.union_all(shapely.buffer(np.asarray(geoms, dtype=object), 1e-3)))
    else:
        geom = geoms[0] if len(geoms) == 1 else shapely.union_all(geoms)
    if dim == 2:
        return ellipsoidal_area(geom, result.planar_crs) if result.method == "ellipsoidal" else float(geom.area)
    if dim == 1:
        return ellipsoidal_length(geom, result.planar_crs) if result.method == "ellipsoidal" else float(geom.length)
    return 0.0


def zone_type_summary(result: ScreeningResult) -> list[dict]:
    """Per zone type, over the conflicts that are not CLEAR: projects, conflicts and dissolved overlap.

    Overlap is dissolved per project (overlapping zones of one type are not counted twice) and
    summed over projects; lengths are those of line projects.
    """
    rows: dict[str, dict] = {}
    pieces: dict[tuple[str, int], list] = defaultdict(list)
    for c in result.conflicts:
        if c.verdict == "CLEAR":
            continue
        row = rows.setdefault(c.zone_type, {"zone_type": c.zone_type, "projects": set(), "prohibited": set(),
                                            "conflicts": 0, "area_m2": 0.0, "length_m": 0.0})
        row["projects"].add(c.project)
        if c.verdict == "PROHIBITED":
            row["prohibited"].add(c.project)
        row["conflicts"] += 1
        if c.relation in REAL:
            pieces[(c.zone_type, c.project)].append(c.geometry)
    for (key, project), geoms in pieces.items():
        dim = _dimension(result.projects[project].geometry)
        amount = _amount(geoms, dim, result, result.projects[project].geometry)
        rows[key]["area_m2" if dim == 2 else "length_m"] += amount if dim in (1, 2) else 0.0
    order = {k: i for i, k in enumerate(LAYER_TYPES)}
    out = []
    for key in sorted(rows, key=lambda k: order.get(k, 99)):
        row = rows[key]
        out.append({**row, "projects": len(row["projects"]), "prohibited": len(row["prohibited"])})
    return out


def category_summary(result: ScreeningResult) -> list[tuple[str, dict[str, int]]]:
    counts: dict[str, dict[str, int]] = {}
    for p in result.projects:
        counts.setdefault(p.category or "", dict.fromkeys(SEVERITY, 0))
        counts[p.category or ""][p.verdict] = counts[p.category or ""].get(p.verdict, 0) + 1
    codes = CODE_LISTS["project_category"].codes()
    rank = {c: i for i, c in enumerate(codes)}
    return [(k, counts[k]) for k in sorted(counts, key=lambda k: (rank.get(k, len(codes)), k))]


def _bar_chart(counts: dict[str, int]) -> str:
    """Horizontal bars, one per verdict; labels are text so the chart reads in black and white."""
    total = max(1, sum(counts.values()))
    peak = max(1, max(counts.values(), default=1))
    row_h, label_w, bar_w = 30, 96, 420
    height = row_h * len(SEVERITY) + 10
    parts = [f'<svg class="chart" viewBox="0 0 {label_w + bar_w + 110} {height}" role="img" '
             f'aria-label="审查结论分布" xmlns="http://www.w3.org/2000/svg">']
    for i, verdict in enumerate(SEVERITY):
        n = counts.get(verdict, 0)
        y = 6 + i * row_h
        w = bar_w * n / peak
        colour = VERDICT_COLOUR.get(verdict, "#555")
        parts.append(f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" class="cl">'
                     f'{_e(verdict_zh(verdict))}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 2}" width="{bar_w}" height="{row_h - 10}" fill="#f2f2f2" '
                     f'stroke="#bbb" stroke-width="0.5"/>')
        if n:
            parts.append(f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{row_h - 10}" fill="{colour}" '
                         f'stroke="#222" stroke-width="0.6"/>')
        parts.append(f'<text x="{label_w + bar_w + 8}" y="{y + 17}" class="cn">{n} 个（{100 * n / total:.1f}%）'
                     f'</text>')
    parts.append("</svg>")
    return "".join(parts)


# --- SVG maps ------------------------------------------------------------------------------

_DEFS = """<svg class="defs" width="0" height="0" aria-hidden="true" xmlns="http://www.w3.org/2000/svg"><defs>
<pattern id="gs-h-red" patternUnits="userSpaceOnUse" width="9" height="9" patternTransform="rotate(45)">
<line x1="0" y1="0" x2="0" y2="9" stroke="#d7191c" stroke-width="1.1" stroke-opacity="0.8"/></pattern>
<pattern id="gs-h-ovl" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(-45)">
<line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-width="1"/></pattern>
<pattern id="gs-h-plot" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">
<path d="M0 0V6M0 0H6" stroke="#54278f" stroke-width="1" fill="none"/></pattern>
<pattern id="gs-dots" patternUnits="userSpaceOnUse" width="7" height="7">
<circle cx="3.5" cy="3.5" r="0.9" fill="#08306b" fill-opacity="0.7"/></pattern>
</defs></svg>"""

_NATURE = {"core": "#006d2c", "core_protection": "#006d2c", "buffer": "#41ab5d", "experimental": "#a1d99b",
           "general_control": "#a1d99b"}
_WATER = {"level1": ("#08519c", 0.59), "level2": ("#3182bd", 0.47), "quasi": ("#9ecae1", 0.47)}
_PLOT = {"suspected": ("#dfc27d", 0.63, "#8c510a", "4 2"), "contaminated": ("#a6611a", 0.67, "#543005", ""),
         "listed": ("#8c510a", 0.67, "#3f007d", ""), "delisted": ("#bdbdbd", 0.47, "#737373", "4 2")}


def zone_style(key: str, attrs: dict) -> list[dict]:
    """SVG paint layers (bottom first) for a zone, after the QGIS style of its layer."""
    if key == "redline":
        return [{"fill": "#d7191c", "fill-opacity": "0.11", "stroke": "none"},
                {"fill": "url(#gs-h-red)", "stroke": "#d7191c", "stroke-width": "1.6"}]
    if key == "nature_reserve":
        zone = str(attrs.get("zone") or "")
        colour = _NATURE.get(zone, "#c7e9c0")
        dash = "5 3" if zone in ("experimental", "general_control") or zone not in _NATURE else ""
        return [{"fill": colour, "fill-opacity": "0.59" if zone in _NATURE else "0.43", "stroke": "#00441b",
                 "stroke-width": "1.1", **({"stroke-dasharray": dash} if dash else {})}]
    if key == "water_source_zone":
        colour, alpha = _WATER.get(str(attrs.get("level") or ""), ("#deebf7", 0.43))
        layers = [{"fill": colour, "fill-opacity": f"{alpha}", "stroke": "#08306b", "stroke-width": "1.1"}]
        if str(attrs.get("part") or "") == "land":
            layers.append({"fill": "url(#gs-dots)", "stroke": "none"})
        return layers
    if key == "contaminated_plot":
        colour, alpha, stroke, dash = _PLOT.get(str(attrs.get("list_status") or ""), ("#f0f0f0", 0.43, "#737373",
                                                                                    "2 2"))
        layers = [{"fill": colour, "fill-opacity": f"{alpha}", "stroke": stroke,
                   "stroke-width": "1.6" if attrs.get("list_status") == "listed" else "1.2",
                   **({"stroke-dasharray": dash} if dash else {})}]
        if attrs.get("list_status") == "listed":
            layers.append({"fill": "url(#gs-h-plot)", "stroke": "none"})
        return layers
    return [{"fill": "#cccccc", "fill-opacity": "0.5", "stroke": "#555", "stroke-width": "1"}]


def _attrs(style: dict) -> str:
    return " ".join(f'{k}="{v}"' for k, v in style.items())


def map_window(geom, reach: float, aspect: float) -> tuple[float, float, float, float]:
    """The map extent around a project: a margin for the zones and setbacks, widened to the aspect."""
    xmin, ymin, xmax, ymax = geom.bounds
    span = max(xmax - xmin, ymax - ymin, 1.0)
    margin = max(0.35 * span, 60.0, reach * 1.15 + 30.0)
    xmin, ymin, xmax, ymax = xmin - margin, ymin - margin, xmax + margin, ymax + margin
    w, h = xmax - xmin, ymax - ymin
    if w / h < aspect:
        grow = (h * aspect - w) / 2
        xmin, xmax = xmin - grow, xmax + grow
    else:
        grow = (w / aspect - h) / 2
        ymin, ymax = ymin - grow, ymax + grow
    return xmin, ymin, xmax, ymax


class _Frame:
    """Planar metres → SVG pixels for one map window."""

    def __init__(self, xmin: float, ymin: float, xmax: float, ymax: float, width: int, height: int) -> None:
        self.xmin, self.ymin, self.xmax, self.ymax = xmin, ymin, xmax, ymax
        self.width, self.height = width, height
        self.scale = width / (xmax - xmin)  # px per metre

    @classmethod
    def around(cls, geom, reach: float, width: int = MAP_W, height: int = MAP_H) -> _Frame:
        return cls(*map_window(geom, reach, width / height), width, height)

    def clip(self, geom):
        pad = 4 / self.scale
        return shapely.clip_by_rect(geom, self.xmin - pad, self.ymin - pad, self.xmax + pad, self.ymax + pad)

    def coords(self, xy: np.ndarray) -> str:
        px = np.round((xy[:, 0] - self.xmin) * self.scale, 1)
        py = np.round((self.ymax - xy[:, 1]) * self.scale, 1)
        return "L".join(f"{x:g} {y:g}" for x, y in zip(px, py))

    def path(self, geom, tolerance_m: float = 1.0) -> str:
        """SVG path data of a geometry clipped to the window and simplified (≥ 1 m, ≤ half a pixel)."""
        if geom is None or shapely.is_empty(geom):
            return ""
        geom = self.clip(geom)
        tol = max(tolerance_m, 0.5 / self.scale)
        if shapely.get_dimensions(geom) > 0:
            geom = shapely.simplify(geom, tol, preserve_topology=True)
        out = []
        for part in shapely.get_parts(geom):
            if part.geom_type == "Polygon":
                for ring in (part.exterior, *part.interiors):
                    xy = np.asarray(ring.coords)
                    if len(xy) >= 3:
                        out.append("M" + self.coords(xy[:-1]) + "Z")
            elif part.geom_type in ("LineString", "LinearRing"):
                xy = np.asarray(part.coords)
                if len(xy) >= 2:
                    out.append("M" + self.coords(xy))
        return "".join(out)

    def points(self, geom) -> list[tuple[float, float]]:
        pts = []
        for part in shapely.get_parts(geom):
            if part.geom_type == "Point" and not part.is_empty:
                pts.append((round((part.x - self.xmin) * self.scale, 1), round((self.ymax - part.y) * self.scale, 1)))
        return pts


def _nice_length(target: float) -> float:
    if target <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(target))
    for step in (5, 2, 1):
        if step * exp <= target:
            return step * exp
    return exp


def _scale_bar(frame: _Frame) -> str:
    length = _nice_length(frame.width / 4.5 / frame.scale)
    px = length * frame.scale
    x0, y0 = 16, frame.height - 24
    half = px / 2
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    mid = f"{length / 2000:g}" if length >= 1000 else f"{length / 2:g}"
    return (f'<g class="sb"><rect x="{x0 - 8}" y="{y0 - 20}" width="{px + 52:.1f}" height="36" fill="#fff" '
            f'fill-opacity="0.85" stroke="#888" stroke-width="0.5"/>'
            f'<rect x="{x0}" y="{y0}" width="{half:.1f}" height="6" fill="#000" stroke="#000" stroke-width="0.8"/>'
            f'<rect x="{x0 + half:.1f}" y="{y0}" width="{half:.1f}" height="6" fill="#fff" stroke="#000" '
            f'stroke-width="0.8"/>'
            f'<text x="{x0}" y="{y0 - 5}" text-anchor="middle">0</text>'
            f'<text x="{x0 + half:.1f}" y="{y0 - 5}" text-anchor="middle">{mid}</text>'
            f'<text x="{x0 + px:.1f}" y="{y0 - 5}" text-anchor="start">{label}</text></g>')


def _north_arrow(frame: _Frame) -> str:
    x, y = frame.width - 30, 18
    return (f'<g class="na"><circle cx="{x}" cy="{y + 20}" r="19" fill="#fff" fill-opacity="0.85" stroke="#888" '
            f'stroke-width="0.5"/><path d="M{x} {y + 4}L{x + 8} {y + 32}L{x} {y + 26}Z" fill="#000"/>'
            f'<path d="M{x} {y + 4}L{x - 8} {y + 32}L{x} {y + 26}Z" fill="#fff" stroke="#000" stroke-width="0.8"/>'
            f'<text x="{x}" y="{y + 2}" text-anchor="middle" class="n">N</text></g>')


def _project_svg(frame: _Frame, geom) -> str:
    dim = _dimension(geom)
    if dim == 2:
        d = frame.path(geom, 0.2)
        return (f'<path d="{d}" fill="{PROJECT_ORANGE}" fill-opacity="0.6" stroke="none" fill-rule="evenodd"/>', d)
    if dim == 1:
        d = frame.path(geom, 0.2)
        return (f'<path d="{d}" fill="none" stroke="#fff" stroke-width="6" stroke-linecap="round" '
                f'stroke-linejoin="round"/><path d="{d}" fill="none" stroke="{PROJECT_DARK_ORANGE}" '
                f'stroke-width="3.2" stroke-linecap="round" stroke-linejoin="round"/>', "")
    out = "".join(f'<circle cx="{x}" cy="{y}" r="6.5" fill="{PROJECT_DARK_ORANGE}" stroke="{PROJECT_OUTLINE}" '
                  f'stroke-width="1.4"/>' for x, y in frame.points(geom))
    return out, ""


def _swatch(styles: list[dict], kind: str = "area") -> str:
    if kind == "line":
        return ('<svg class="sw" viewBox="0 0 26 14"><path d="M2 7H24" stroke="#fff" stroke-width="6"/>'
                f'<path d="M2 7H24" stroke="{PROJECT_DARK_ORANGE}" stroke-width="3.2"/></svg>')
    if kind == "point":
        return (f'<svg class="sw" viewBox="0 0 26 14"><circle cx="13" cy="7" r="5" fill="{PROJECT_DARK_ORANGE}" '
                f'stroke="{PROJECT_OUTLINE}" stroke-width="1.2"/></svg>')
    rects = "".join(f'<rect x="1" y="1" width="24" height="12" {_attrs(s)}/>' for s in styles)
    return f'<svg class="sw" viewBox="0 0 26 14">{rects}</svg>'


def map_legend(project: ProjectVerdict, zones: list[tuple[str, dict, object, str]], overlaps: bool) -> str:
    """The legend under a project's map (SVG or a QGIS picture: the palettes are the same)."""
    kind = {2: "area", 1: "line"}.get(_dimension(project.geometry), "point")
    proj_style = [{"fill": PROJECT_ORANGE, "fill-opacity": "0.6", "stroke": PROJECT_OUTLINE, "stroke-width": "2"}]
    items = [f"<span>{_swatch(proj_style, kind)}本项目（{_e(project.code)}）</span>"]
    seen = set()
    for key, attrs, _, label in zones:
        if label not in seen:
            seen.add(label)
            items.append(f"<span>{_swatch(zone_style(key, attrs))}{_e(label)}</span>")
    if overlaps:
        items.append("<span>" + _swatch([{"fill": "url(#gs-h-ovl)", "stroke": "#000", "stroke-width": "0.6",
                                           "stroke-dasharray": "3 2"}]) + "重叠部分</span>")
    return '<div class="legend">' + "".join(items) + "</div>"


def svg_map(project: ProjectVerdict, zones: list[tuple[str, dict, object, str]], overlaps: list,
            planar_crs: str, reach: float = 0.0, gaps: list | None = None) -> str:
    """An SVG map of a project and the zones it hits, in planar metres, with scale bar and north arrow.

    zones: (zone type, attributes, planar geometry or None, legend label); overlaps: planar
    overlap pieces, drawn hatched; gaps: (zone geometry, distance in m) for setback relations,
    drawn as a dimension line from the project to the zone.
    """
    geom = project.geometry
    frame = _Frame.around(geom, reach)
    body = []
    drawn = [(k, a, g, lab) for k, a, g, lab in zones if g is not None and not shapely.is_empty(g)]
    drawn.sort(key=lambda z: -float(shapely.area(z[2])))  # large zones below small ones
    for key, attrs, zg, _ in drawn:
        d = frame.path(zg)
        if d:
            for style in zone_style(key, attrs):
                body.append(f'<path d="{d}" fill-rule="evenodd" {_attrs(style)}/>')
    proj_fill, proj_outline = _project_svg(frame, geom)
    body.append(proj_fill)
    ovl = _area_pieces(overlaps)
    if ovl:
        d = frame.path(shapely.union_all(ovl), 0.2)
        body.append(f'<path d="{d}" fill="url(#gs-h-ovl)" stroke="#000" stroke-width="0.6" '
                    f'stroke-dasharray="3 2" fill-rule="evenodd"/>')
    if proj_outline:
        body.append(f'<path d="{proj_outline}" fill="none" stroke="#fff" stroke-width="4.5" '
                    f'stroke-linejoin="round"/><path d="{proj_outline}" fill="none" stroke="{PROJECT_OUTLINE}" '
                    f'stroke-width="2" stroke-linejoin="round"/>')
    for zone_geom, distance in gaps or []:
        body.append(_gap_line(frame, geom, zone_geom, distance))
    return (f'<svg class="map" viewBox="0 0 {frame.width} {frame.height}" xmlns="http://www.w3.org/2000/svg" '
            f'role="img" aria-label="{_e(project.code)} 位置示意图">'
            f'<rect width="{frame.width}" height="{frame.height}" fill="#fbfbf8"/>'
            + "".join(body) + _scale_bar(frame) + _north_arrow(frame)
            + f'<text x="{frame.width - 8}" y="{frame.height - 8}" text-anchor="end" class="crs">'
            f'{_e(planar_crs)}</text>'
            f'<rect width="{frame.width}" height="{frame.height}" fill="none" stroke="#333" stroke-width="1.5"/>'
            "</svg>")


def _gap_line(frame: _Frame, geom, zone_geom, distance: float) -> str:
    """A dashed dimension line from the project to a zone within its setback, labelled in metres."""
    if zone_geom is None or shapely.is_empty(zone_geom) or distance <= 0:
        return ""
    line = shapely.shortest_line(geom, zone_geom)
    if line is None or line.is_empty:
        return ""
    xy = np.asarray(line.coords)
    d = "M" + frame.coords(xy)
    (x0, y0), (x1, y1) = [(float(a), float(b)) for a, b in
                          zip(np.round((xy[:, 0] - frame.xmin) * frame.scale, 1),
                              np.round((frame.ymax - xy[:, 1]) * frame.scale, 1))]
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    label = f"{distance:,.1f} m"
    w = 7.2 * len(label) + 8
    return (f'<g class="gap"><path d="{d}" stroke="#fff" stroke-width="4" fill="none"/>'
            f'<path d="{d}" stroke="#000" stroke-width="1.4" stroke-dasharray="5 3" fill="none"/>'
            f'<circle cx="{x0}" cy="{y0}" r="2.5" fill="#000"/><circle cx="{x1}" cy="{y1}" r="2.5" fill="#000"/>'
            f'<rect x="{mx - w / 2:.1f}" y="{my - 9:.1f}" width="{w:.1f}" height="17" rx="2" fill="#fff" '
            f'stroke="#000" stroke-width="0.8"/><text x="{mx:.1f}" y="{my + 4:.1f}" text-anchor="middle">'
            f"{_e(label)}</text></g>")


def _area_pieces(overlaps: list) -> list:
    return [o for o in overlaps if o is not None and not shapely.is_empty(o) and _dimension(o) == 2]


def _zone_label(key: str, attrs: dict, c: Conflict | None = None) -> str:
    title = zone_type_zh(key)
    level = zone_level_zh(key, str(attrs.get(ZONE_LEVEL_FIELD.get(key, ""), "") or ""))
    if level:
        title += "·" + level
    name = c.zone_name if c is not None else ""
    return f"{title}（{name}）" if name else title


def _planar_zones(result: ScreeningResult, protected: Sequence[FeatureSet] | None) -> dict[tuple[int, int], object]:
    """Planar geometries of every zone some conflict refers to, keyed (layer, zone)."""
    if not protected:
        return {}
    wanted: dict[int, set[int]] = defaultdict(set)
    for c in result.conflicts:
        if c.layer < len(protected):
            wanted[c.layer].add(c.zone)
    out = {}
    for li, zones in wanted.items():
        layer = protected[li]
        idx = np.array(sorted(zones), dtype=int)
        geoms = np.asarray(layer.geometries, dtype=object)[idx]
        planar = reproject(geoms, layer.crs, result.planar_crs)
        for k, g in zip(idx, planar):
            out[(li, int(k))] = g
    return out


# --- the document --------------------------------------------------------------------------

CSS = """
@page { size: A4; margin: 16mm 15mm 18mm 15mm;
  @bottom-center { content: "第 " counter(page) " 页 / 共 " counter(pages) " 页"; font-size: 8.5pt; color: #555; }
  @top-right { content: "建设项目生态保护空间审查报告"; font-size: 8pt; color: #777; } }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "Noto Serif CJK SC", "Source Han Serif SC", "SimSun", "Songti SC", serif; font-size: 10.5pt;
  line-height: 1.55; color: #111; margin: 0; background: #e9e9e6; }
.doc { max-width: 180mm; margin: 0 auto; background: #fff; padding: 14mm 15mm; }
h1, h2, h3, h4, th, .badge, .meta th, .legend, figcaption, .chart, .kicker {
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "SimHei", sans-serif; }
header.cover { text-align: center; border-bottom: 3px double #b00000; padding-bottom: 10px; margin-bottom: 14px; }
.kicker { color: #b00000; letter-spacing: 0.3em; font-size: 11pt; font-weight: bold; }
h1 { font-size: 21pt; margin: 6px 0 4px; letter-spacing: 0.08em; color: #111; }
.subtitle { font-size: 10pt; color: #444; }
h2 { font-size: 14pt; margin: 18px 0 8px; padding: 2px 0 3px 8px; border-left: 5px solid #b00000;
  border-bottom: 1px solid #999; break-after: avoid; }
h3 { font-size: 12pt; margin: 12px 0 6px; break-after: avoid; }
h4 { font-size: 10.5pt; margin: 10px 0 4px; break-after: avoid; }
p { margin: 4px 0 6px; text-align: justify; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 10px; font-size: 9pt; }
th, td { border: 0.6pt solid #555; padding: 3px 5px; vertical-align: top; }
th { background: #ecebe4; font-weight: bold; text-align: center; white-space: nowrap; }
table.meta th { white-space: normal; }
a { color: #0b3d91; text-decoration: none; }
thead { display: table-header-group; }
tr, tbody.cf, figure, .legend, .provenance { break-inside: avoid; page-break-inside: avoid; }
td.n, th.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.c { text-align: center; } .nw { white-space: nowrap; }
table.flag-list td:nth-child(2) { white-space: nowrap; }
table.pmeta th { width: 13%; } table.pmeta td { width: 37%; }
table.clear-list td { padding: 1px 5px; font-size: 8.5pt; }
tr.ch td { border-bottom: 0.3pt dotted #999; }
tr.total td { font-weight: bold; background: #f6f5f0; }
table.meta th { width: 24%; text-align: left; }
table.meta td { word-break: break-all; }
.badge { display: inline-block; padding: 0 6px; border: 1.2pt solid #000; border-radius: 2px; font-weight: bold;
  font-size: 9pt; line-height: 1.5; white-space: nowrap; color: #fff; }
.v-PROHIBITED { background: #a50f15; border-color: #5a0005; }
.v-CONDITIONAL { background: #b35806; border-color: #6b3403; }
.v-REVIEW { background: #54278f; border-color: #2d1450; }
.v-CLEAR { background: #fff; color: #1b7837; border-color: #1b7837; }
.notice { border: 1pt solid #b00000; background: #fff7f5; padding: 6px 9px; font-size: 9.5pt; margin: 8px 0; }
.muted { color: #555; font-size: 9pt; }
.en { color: #444; font-size: 8.8pt; font-style: italic; font-family: "Noto Sans", "Liberation Sans", sans-serif; }
svg.defs { position: absolute; width: 0; height: 0; overflow: hidden; }
svg.chart { width: 100%; max-width: 160mm; height: auto; display: block; margin: 4px auto; }
svg.chart text { font-size: 13px; } svg.chart .cl { font-weight: bold; }
section.project { break-before: page; page-break-before: always; }
.phead { display: flex; align-items: baseline; gap: 10px; border-bottom: 1.5pt solid #333; padding-bottom: 3px; }
.phead h3 { margin: 0; flex: 1; }
.phead .badge { font-size: 12pt; padding: 1px 10px; }
figure { margin: 6px 0 8px; }
figure img, svg.map { width: 100%; max-width: 158mm; height: auto; display: block; border: 0; margin: 0 auto; }
svg.map text { font: 12px "Noto Sans CJK SC", sans-serif; fill: #000; }
svg.map text.n { font-weight: bold; font-size: 14px; } svg.map text.crs { font-size: 10px; fill: #444; }
figcaption { font-size: 9pt; color: #333; text-align: center; margin-top: 3px; }
.legend { font-size: 8.5pt; display: flex; flex-wrap: wrap; gap: 2px 14px; margin: 4px auto 0; max-width: 158mm; }
.legend span { white-space: nowrap; } svg.sw { width: 26px; height: 14px; vertical-align: -2px; margin-right: 4px; }
td.basis { font-size: 8.8pt; background: #fcfcfa; }
td.basis b { font-family: "Noto Sans CJK SC", sans-serif; }
.unverified { color: #9a3412; font-weight: bold; }
.rule { margin: 2px 0; }
ul.plain { margin: 4px 0; padding-left: 18px; }
footer { margin-top: 16px; border-top: 1px solid #999; padding-top: 4px; font-size: 8.5pt; color: #555; }
@media print {
  a { color: inherit; }
  body { background: #fff; }
  .doc { max-width: none; padding: 0; margin: 0; }
}
"""


class _Doc:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def add(self, *text: str) -> None:
        self.parts.extend(text)

    def text(self) -> str:
        return "".join(self.parts)


def _meta_table(rows: list[tuple[str, str]]) -> str:
    return ('<table class="meta"><tbody>' + "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
            + "</tbody></table>")


def _image_src(value: str, html_dir: str, embed: bool) -> str:
    if value.startswith("data:"):
        return value
    path = value if os.path.isabs(value) else os.path.join(html_dir, value)
    if embed and os.path.exists(path):
        kind = "jpeg" if path.lower().endswith((".jpg", ".jpeg")) else "png"
        with open(path, "rb") as fh:
            return f"data:image/{kind};base64," + base64.b64encode(fh.read()).decode("ascii")
    return os.path.relpath(path, html_dir).replace(os.sep, "/") if os.path.isabs(value) else value


def _rule_block(rule_id: str, rules: dict, fallback_basis: str) -> str:
    rule = rules.get(rule_id)
    if rule is None:
        return f'<div class="rule"><b>{_e(rule_id)}</b> {_e(fallback_basis)}</div>'
    try:
        cite = rule.basis.cite_zh()
    except Exception:  # noqa: BLE001 - a rule without a citation still prints
        cite = fallback_basis
    flag = "" if getattr(rule, "verified", True) else f' <span class="unverified">{UNVERIFIED_ZH}</span>'
    advice = getattr(rule, "advice_zh", "") or ""
    return (f'<div class="rule"><b>{_e(rule_id)}</b> {badge(getattr(rule, "verdict", ""))} '
            f'{_e(getattr(rule, "title_zh", ""))}{flag}<br><b>依据：</b>{_e(cite)}'
            + (f"<br><b>建议：</b>{_e(advice)}" if advice else "") + "</div>")


def _conflict_rows(i: int, c: Conflict, dim: int, rules: dict) -> str:
    if c.relation in REAL and dim == 2:
        amount = area_html(c.overlap_m2)
    elif c.relation in REAL and dim == 1:
        amount = f"{_num(c.overlap_m, 1)} m"
    else:
        amount = "—"
    distance = _num(c.distance_m, 1) if c.relation == "setback" else "0"
    level = zone_level_zh(c.zone_type, c.zone_level)
    if c.rule_ids:
        basis = "".join(_rule_block(r, rules, c.legal_basis) for r in c.rule_ids)
    elif c.legal_basis:
        basis = f'<div class="rule"><b>依据：</b>{_e(c.legal_basis)}</div>'
    else:
        basis = '<div class="rule muted">规则库中无适用规则，不构成冲突。</div>'
    return (f'<tbody class="cf"><tr class="ch"><td class="c">{i}</td><td>{_e(zone_type_zh(c.zone_type))}</td>'
            f"<td>{_e(c.zone_name) or '—'}</td><td class=\"nw\">{_e(level) or '—'}</td>"
            f'<td class="c nw">{_e(RELATION_ZH.get(c.relation, c.relation))}</td><td class="n">{amount}</td>'
            f'<td class="n">{_pct(c.overlap_pct) if c.relation in REAL else "—"}</td><td class="n">{distance}</td>'
            f'<td class="c">{badge(c.verdict)}</td></tr>'
            f'<tr><td></td><td colspan="8" class="basis">{basis}</td></tr></tbody>')


def write_html_report(result: ScreeningResult, path: str, protected: Sequence[FeatureSet] | None = None,
                      map_images: dict[int, str] | None = None, title: str = DEFAULT_TITLE,
                      embed_images: bool = True) -> str:
    """Write the screening report as one self-contained, printable HTML file; returns its path.

    protected: the FeatureSets passed to ``screen`` (their zones are drawn on the maps; without
    them only the overlap pieces are). map_images: project index → PNG path (or data URI)
    rendered elsewhere, used instead of the SVG map; embedded unless ``embed_images`` is False,
    then linked relative to the HTML file.
    """
    from .workspace import refuse_workspace_as_output

    path = os.fspath(path)
    refuse_workspace_as_output(path)
    html_dir = os.path.dirname(os.path.abspath(path))
    map_images = map_images or {}
    rb = result.rulebook
    rules = _rules_by_id(rb)
    counts = result.counts()
    total = len(result.projects)
    flagged = project_order(result.projects)
    by_project: dict[int, list[Conflict]] = defaultdict(list)
    for c in result.conflicts:
        by_project[c.project].append(c)
    zones_planar = _planar_zones(result, protected)
    today = _dt.date.today()
    checksum = str(getattr(rb, "checksum", "") or "")
    crs_name = _crs_name(result.planar_crs)
    provenance = rb.provenance() if hasattr(rb, "provenance") else f"{rb.name} {rb.version}"

    doc = _Doc()
    doc.add("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">",
            f"<title>{_e(title)}</title>",
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="generator" content="Green Shield 绿盾">',
            f"<style>{CSS.replace('建设项目生态保护空间审查报告', _css_string(title))}</style></head><body>",
            _DEFS, '<div class="doc">')

    # --- header
    doc.add('<header class="cover"><div class="kicker">绿盾 · 生态保护空间审查</div>',
            f"<h1>{_e(title)}</h1>",
            f'<div class="subtitle">报告日期：{today.year} 年 {today.month} 月 {today.day} 日　'
            f"审查项目 {total} 个</div></header>")
    labels = _source_labels(result.sources)
    sources = "<br>".join(f"{_e(labels[k])}：<code>{_e(v)}</code>" for k, v in result.sources.items())
    protected_n = "、".join(f"{_e(zone_type_zh(k))} {n} 个" for k, n in result.protected_counts.items()) or "—"
    doc.add("<h2>一、审查概况</h2>", _meta_table([
        ("规则库", f"{_e(provenance)}"),
        ("规则库名称 / 版本", f"{_e(rb.name)} / {_e(rb.version)}"),
        ("规则库校验值", f"sha256 <code>{_e(checksum[:12])}</code>…（全文见附录）"),
        ("计算方法", f"{_e(result.method_text('zh'))}<br><span class=\"en\">{_e(result.method_text('en'))}</span>"),
        ("投影坐标系", f"{_e(result.planar_crs)} {_e(crs_name)}"),
        ("碎屑阈值", f"面积小于 {_num(result.sliver_m2, 1)} m²（线长小于 {_num(result.sliver_m, 1)} m）的"
                  f"重叠视为边界相接，不计入重叠面积"),
        ("输入数据", sources or "—"),
        ("保护对象", protected_n),
        ("审查项目数", f"{total} 个（其中存在冲突或需复核 {len(flagged)} 个）"),
        ("筛查时间", f"{_e(result.started)}（耗时 {result.seconds:.2f} 秒）"),
    ]))
    doc.add('<div class="notice">本报告由绿盾系统依据上列规则库自动生成，为建设项目与生态保护空间的叠加分析初审意见，'
            "供规划和环境影响评价审查参考，不替代主管部门的审批决定；结论以现行法律法规和经依法批准的保护范围为准。"
            '<br><span class="en">Automatic spatial pre-screening for planners and EIA reviewers; '
            "not an approval decision.</span></div>")

    # --- summary
    parts = "、".join(f"{verdict_zh(v)} {counts.get(v, 0)} 个" for v in SEVERITY)
    doc.add("<h2>二、审查结果汇总</h2>", f"<p>本次共审查建设项目 {total} 个，其中{parts}。"
            "同一项目涉及多个保护对象时，取最严格的结论，全部理由逐项列于第三部分。</p>")
    doc.add("<h3>（一）按审查结论统计</h3>", '<table class="sum-verdict"><thead><tr><th>审查结论</th>'
            '<th class="n">项目数</th><th class="n">占比</th><th>含义</th></tr></thead><tbody>')
    meaning = {"PROHIBITED": "法律法规明确禁止，应调整选址或依法退出",
               "CONDITIONAL": "可依法准入，但须满足规定条件并履行相应程序",
               "REVIEW": "规则无法自动判定或数据不全，须人工复核",
               "CLEAR": "未发现与保护对象的冲突"}
    for v in SEVERITY:
        n = counts.get(v, 0)
        doc.add(f'<tr><td class="c">{badge(v)}</td><td class="n" data-verdict="{_e(v)}">{n}</td>'
                f'<td class="n">{100 * n / max(1, total):.1f}%</td><td>{meaning.get(v, "")}</td></tr>')
    doc.add(f'<tr class="total"><td class="c">合计</td><td class="n">{total}</td><td class="n">100.0%</td>'
            "<td></td></tr></tbody></table>")
    doc.add('<figure class="chart-fig">', _bar_chart(counts), "<figcaption>图 1　审查结论分布</figcaption></figure>")

    doc.add("<h3>（二）按保护对象类型统计</h3>",
            '<p class="muted">仅统计结论不为“无冲突”的冲突记录；重叠面积按项目融合后求和（同一项目与同类多个保护对象的'
            "重叠不重复计算），线性工程另计穿越长度。</p>",
            '<table class="sum-zone"><thead><tr><th>保护对象类型</th><th class="n">涉及项目</th>'
            '<th class="n">其中禁止</th><th class="n">冲突记录</th><th class="n">重叠面积 m²</th>'
            '<th class="n">公顷</th><th class="n">亩</th><th class="n">穿越长度 m</th></tr></thead><tbody>')
    zone_rows = zone_type_summary(result)
    for row in zone_rows:
        m2, ha, mu = area_triplet(row["area_m2"])
        doc.add(f"<tr><td>{_e(zone_type_zh(row['zone_type']))}</td><td class=\"n\">{row['projects']}</td>"
                f"<td class=\"n\">{row['prohibited']}</td><td class=\"n\">{row['conflicts']}</td>"
                f'<td class="n">{m2}</td><td class="n">{ha}</td><td class="n">{mu}</td>'
                f'<td class="n">{_num(row["length_m"], 1)}</td></tr>')
    if not zone_rows:
        doc.add('<tr><td colspan="8" class="c">无</td></tr>')
    doc.add("</tbody></table>")

    doc.add("<h3>（三）按项目类别统计</h3>", '<table class="sum-category"><thead><tr><th>项目类别</th>'
            + "".join(f'<th class="n">{_e(verdict_zh(v))}</th>' for v in SEVERITY)
            + '<th class="n">合计</th></tr></thead><tbody>')
    for code, row in category_summary(result):
        doc.add(f"<tr><td>{_e(category_zh(code))}</td>"
                + "".join(f'<td class="n">{row.get(v, 0) or "·"}</td>' for v in SEVERITY)
                + f'<td class="n">{sum(row.values())}</td></tr>')
    doc.add('<tr class="total"><td>合计</td>' + "".join(f'<td class="n">{counts.get(v, 0)}</td>' for v in SEVERITY)
            + f'<td class="n">{total}</td></tr></tbody></table>')

    if flagged:
        doc.add("<h3>（四）需关注项目一览</h3>", '<table class="flag-list"><thead><tr><th>序号</th><th>项目编码</th>'
                '<th>项目名称</th><th>类别</th><th>结论</th><th class="n">重叠面积 / 长度</th>'
                '<th class="n">占项目</th></tr></thead><tbody>')
        for k, p in enumerate(flagged, 1):
            doc.add(f'<tr><td class="c">{k}</td><td><a href="#p-{p.index}">{_e(p.code)}</a></td><td>{_e(p.name)}</td>'
                    f"<td>{_e(category_zh(p.category))}</td><td class=\"c\">{badge(p.verdict)}</td>"
                    f'<td class="n">{_overlap_short(p)}</td><td class="n">{_pct(p.overlap_pct)}</td></tr>')
        doc.add("</tbody></table>")

    # --- one section per flagged project
    if not flagged:
        doc.add("<h2>三、逐项审查意见</h2><p>所有项目均未发现冲突，无需逐项说明。</p>")
    for k, p in enumerate(flagged, 1):
        doc.add(_project_section(k, len(flagged), p, by_project.get(p.index, []), result, protected, zones_planar,
                                 rules, map_images, html_dir, embed_images))

    # --- appendix
    doc.add('<section class="appendix project"><h2>附录 A　方法与数据来源</h2>')
    rows = [
        ("规则库", _e(provenance)),
        ("规则库文件", f"<code>{_e(getattr(rb, 'path', ''))}</code>"),
        ("规则库 sha256", f"<code>{_e(checksum)}</code>"),
        ("计算方法", f"{_e(result.method_text('zh'))}<br><span class=\"en\">{_e(result.method_text('en'))}</span>"),
        ("投影坐标系", f"{_e(result.planar_crs)}　{_e(crs_name)}"),
        ("输出坐标系", _e(result.output_crs)),
        ("阈值", f"碎屑面积 {_num(result.sliver_m2, 2)} m²；碎屑长度 {_num(result.sliver_m, 2)} m"),
        ("退让距离", _setbacks_html(rb)),
        ("面积换算", "1 公顷 = 10 000 m²；1 亩 = 10 000/15 ≈ 666.67 m²"),
        ("空间关系", "位于：项目全部位于保护对象内；跨越：部分重叠；边界相接：仅接触或重叠小于碎屑阈值；"
                 "缓冲距离内：不相交但在规则规定的距离内"),
        ("结论规则", "每一冲突按规则库匹配结论；项目结论取其全部冲突中最严格者（禁止＞有条件准入＞需复核＞无冲突）"),
        ("筛查开始", _e(result.started)),
        ("筛查耗时", f"{result.seconds:.2f} 秒"),
        ("保护对象数", protected_n),
    ]
    rows += [(f"数据来源：{_e(labels[k])}", f"<code>{_e(v)}</code>") for k, v in result.sources.items()]
    doc.add('<div class="provenance">', _meta_table(rows), "</div>")
    unverified = [r for r in rules.values() if r is not None and not getattr(r, "verified", True)]
    if unverified:
        doc.add("<h4>未核实的默认规则</h4><p class=\"muted\">以下规则为系统默认规则，其依据尚未经本地主管部门核实，"
                "结论仅供参考：" + "、".join(_e(getattr(r, "id", "")) for r in unverified) + "。</p>")
    doc.add("<h4>警告</h4>")
    if result.warnings:
        doc.add('<ul class="plain">' + "".join(f"<li>{_e(w)}</li>" for w in result.warnings) + "</ul>")
    else:
        doc.add('<p class="muted">无。</p>')
    doc.add("</section>")

    clear = [p for p in result.projects if p.verdict == "CLEAR"]
    clear.sort(key=lambda p: (p.code, p.index))
    doc.add('<section class="appendix project"><h2>附录 B　无冲突项目清单</h2>',
            f"<p>共 {len(clear)} 个项目未发现与保护对象的冲突。“最近保护对象”为一定距离内最近的保护对象及其距离"
            "（空白表示该距离内没有保护对象）。</p>",
            '<table class="clear-list"><thead><tr><th>序号</th><th>项目编码</th><th>项目名称</th><th>类别</th>'
            '<th>最近保护对象</th><th class="n">距离 m</th></tr></thead><tbody>')
    for k, p in enumerate(clear, 1):
        near = zone_type_zh(p.nearest_type) if p.nearest_m is not None and p.nearest_type else ""
        dist = _num(p.nearest_m, 1) if p.nearest_m is not None else ""
        if p.nearest_m is not None and p.nearest_m == 0:
            dist = "0（边界相接）"
        doc.add(f'<tr><td class="c">{k}</td><td>{_e(p.code)}</td><td>{_e(p.name)}</td>'
                f"<td>{_e(category_zh(p.category))}</td><td>{_e(near)}</td><td class=\"n\">{dist}</td></tr>")
    if not clear:
        doc.add('<tr><td colspan="6" class="c">无</td></tr>')
    doc.add("</tbody></table></section>")
    doc.add(f"<footer>{_e(title)}　·　由 Green Shield 绿盾 生成　·　规则库 {_e(rb.name)} {_e(rb.version)}"
            f"（sha256 {_e(checksum[:12])}）　·　{today.isoformat()}</footer>")
    doc.add("</div></body></html>\n")

    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = path + ".writing"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(doc.text())
    os.replace(tmp, path)
    return path


def _setbacks_html(rb) -> str:
    items = []
    for sb in getattr(rb, "setbacks", ()) or ():
        cond = "、".join(f"{_e(k)}={_e(','.join(map(str, v)) if isinstance(v, (list, tuple)) else v)}"
                        for k, v in (sb.zone or {}).items())
        flag = "" if getattr(sb, "verified", False) else "（未核实的默认值）"
        where = f"（{cond}）" if cond else ""
        items.append(f"{_e(zone_type_zh(sb.layer))}{where} {_num(sb.distance_m, 0)} m{flag}")
    return "；".join(items) or "—"


def _css_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ").replace("\n", " ")


def _overlap_short(p: ProjectVerdict) -> str:
    if p.overlap_m2 > 0:
        m2, ha, mu = area_triplet(p.overlap_m2)
        return f"{m2} m²（{mu} 亩）"
    if p.overlap_m > 0:
        return f"{_num(p.overlap_m, 1)} m"
    return "—"


def _project_section(k: int, n: int, p: ProjectVerdict, conflicts: list[Conflict], result: ScreeningResult,
                     protected, zones_planar, rules, map_images, html_dir, embed) -> str:
    dim = _dimension(p.geometry)
    out = [f'<section class="project" id="p-{p.index}">']
    if k == 1:
        out.append("<h2>三、逐项审查意见</h2>")
    out.append(f'<div class="phead"><h3>（{k}）{_e(p.code)}　{_e(p.name)}</h3>{badge(p.verdict)}</div>')
    out.append(f'<p class="muted">第 {k} / {n} 个需关注项目</p>')
    if dim == 2:
        m2, ha, mu = area_triplet(p.overlap_m2)
        overlap = f"{m2} m²　{ha} 公顷　{mu} 亩" if p.overlap_m2 > 0 else "无重叠（边界相接或位于缓冲距离内）"
        whole = "占项目用地面积"
    elif dim == 1:
        overlap = f"{_num(p.overlap_m, 1)} m（线性工程穿越长度）" if p.overlap_m > 0 else \
            "无重叠（边界相接或位于缓冲距离内）"
        whole = "占项目线路长度"
    else:
        overlap = "—（点状项目）" if dim == 0 else "—"
        whole = "占比"
    merged = len([c for c in conflicts if c.relation in REAL]) > 1
    cells = [
        ("项目编码", f'<span class="nw">{_e(p.code)}</span>'), ("项目类别", _e(category_zh(p.category))),
        ("项目名称", _e(p.name) or "—"), ("审查结论", badge(p.verdict)),
        ("冲突数", f"{p.n_conflicts} 项"), (whole, _pct(p.overlap_pct)),
    ]
    wide = [("重叠合计", overlap + ("　<span class=\"muted\">（多个保护对象的重叠部分已融合，不重复计算）</span>"
                                   if merged else ""))]
    if p.overlap_by_type and len(p.overlap_by_type) > 1:
        def unit(v: float) -> str:
            return f"{_num(v, 1)} m²（{_num(v / M2_PER_MU, 2)} 亩）" if dim == 2 else f"{_num(v, 1)} m"

        wide.append(("分类重叠", "；".join(f"{_e(zone_type_zh(t))} {unit(v)}" for t, v in p.overlap_by_type.items())))
    if p.note:
        wide.append(("说明", _e(p.note)))
    body = "".join(f"<tr><th>{a}</th><td>{b}</td><th>{c}</th><td>{d}</td></tr>"
                   for (a, b), (c, d) in zip(cells[::2], cells[1::2]))
    body += "".join(f'<tr><th>{a}</th><td colspan="3">{b}</td></tr>' for a, b in wide)
    out.append(f'<table class="meta pmeta"><tbody>{body}</tbody></table>')

    # map
    caption = f"图 {k + 1}　{_e(p.code)} 与保护对象位置关系示意图（{_e(result.planar_crs)}，单位：米）"
    zones = []
    for c in conflicts:
        attrs = protected[c.layer].row(c.zone) if protected and c.layer < len(protected) else {}
        zg = zones_planar.get((c.layer, c.zone))
        if zg is None:  # no protected layers given: draw what overlaps
            zg = c.geometry if c.relation in REAL and _dimension(c.geometry) == 2 else None
        zones.append((c.zone_type, attrs, zg, _zone_label(c.zone_type, attrs, c)))
    overlaps = [c.geometry for c in conflicts if c.relation in REAL]
    legend = map_legend(p, zones, bool(_area_pieces(overlaps)))
    if p.index in map_images and map_images[p.index]:
        src = _image_src(str(map_images[p.index]), html_dir, embed)
        out.append(f'<figure><img src="{_e(src)}" alt="{_e(p.code)} 位置示意图">{legend}<figcaption>{caption}'
                   "</figcaption></figure>")
    elif p.geometry is not None:
        reach = max([c.distance_m for c in conflicts if c.relation == "setback"], default=0.0)
        gaps = [(zg, c.distance_m) for c, (_, _, zg, _) in zip(conflicts, zones) if c.relation == "setback"]
        svg = svg_map(p, zones, overlaps, result.planar_crs, reach, gaps)
        out.append(f"<figure>{svg}{legend}<figcaption>{caption}</figcaption></figure>")
    else:
        out.append('<p class="notice">项目无几何位置，无法绘制示意图。</p>')

    # conflicts
    ordered = sorted(conflicts, key=lambda c: (_severity(c.verdict), -c.overlap_m2, -c.overlap_m, c.distance_m))
    out.append("<h4>冲突明细与依据</h4>")
    if ordered:
        out.append('<table class="conflicts"><thead><tr><th>序号</th><th>保护对象</th><th>名称</th><th>级别/分区</th>'
                   '<th>空间关系</th><th class="n">重叠</th><th class="n">占项目</th><th class="n">距离 m</th>'
                   "<th>结论</th></tr></thead>")
        for i, c in enumerate(ordered, 1):
            out.append(_conflict_rows(i, c, dim, rules))
        out.append("</table>")
    elif p.reasons:
        out.append('<ul class="plain">' + "".join(f"<li>{_e(r)}</li>" for r in p.reasons) + "</ul>")
    out.append("</section>")
    return "".join(out)
