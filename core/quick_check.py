"""Quick check (选址快速研判): one site against the workspace's protected layers, in milliseconds.

The protected layers are loaded, repaired and reprojected to the planar Gauss-Krüger CRS once
(`QuickChecker.from_workspace`), each under an STR-tree; a check then reprojects one geometry,
queries the trees with its box grown by the search radius and measures only the few candidates.
Relations, sliver handling and rule matching are the screening engine's (`core/screening.py`),
so a quick check gives the verdict and article `screen()` gives for the same geometry.
"""

from __future__ import annotations

import datetime as _dt
import html
import json
import math
import os
import time
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
import shapely

from .errors import (
    GreenShieldError,
    QuickCheckGeometryEmpty,
    QuickCheckNoWorkspaceLayers,
    QuickCheckOutsideCRS,
    QuickCheckPointSyntax,
    WrongGeometryType,
)
from .rules import VERDICT_ZH, VERDICTS, Rulebook, load_rulebook, strictest
from .schema import LAYER_TYPES
from .screening import (
    M2_PER_HA,
    M2_PER_MU,
    FeatureSet,
    ScreeningOptions,
    ScreeningResult,
    _dimension,
    _match,
    _overlay,
    _relevant_fields,
    _repair,
    _zone_level,
    _zone_name,
    ellipsoidal_area,
    ellipsoidal_length,
    planar_crs_for,
    reproject,
)

RELATION_ZH = {"inside": "位于", "crossing": "跨越", "touching": "边界相接", "near": "邻近"}
TABLE = "gs_quick_check"
_RANK = {v: i for i, v in enumerate(VERDICTS)}
_TOUCH_M = ScreeningOptions().touch_m


@dataclass
class Hit:
    zone_type: str
    zone_type_zh: str
    zone_fid: int
    name: str
    level_zh: str
    relation: str  # inside | crossing | touching | near (within the setback, near_m or the buffer)
    overlap_m2: float
    overlap_pct: float
    distance_m: float
    verdict: str
    verdict_zh: str
    legal_basis: str
    advice: str
    zone_geometry: object  # shapely, in the workspace CRS (for highlighting)
    overlap_m: float = 0.0  # overlap length, for a line
    zone_level: str = ""  # the level / zone code (for map styles)
    rule_ids: tuple = ()
    reason_zh: str = ""


FAR_KM = 50.0  # farther than this from all protected data, a "clear" is more likely a coordinate mistake


@dataclass
class QuickCheckResult:
    geometry: object
    crs: str
    buffer_m: float
    hits: list[Hit]  # worst verdict first, then overlap
    verdict: str
    verdict_zh: str
    seconds: float
    rulebook_name: str
    rulebook_version: str
    rulebook_sha256: str
    method_text: str
    workspace_crs: str = ""
    planar_crs: str = ""
    notes: list[str] = field(default_factory=list)  # English; notes_zh in Chinese
    notes_zh: list[str] = field(default_factory=list)
    checked_at: str = field(default_factory=lambda: _dt.datetime.now().astimezone().isoformat(timespec="seconds"))

    def hits_as_dicts(self) -> list[dict]:
        """The hits without their geometries (JSON-ready)."""
        return [{k: (list(v) if isinstance(v, tuple) else v) for k, v in h.__dict__.items() if k != "zone_geometry"}
                for h in self.hits]


@dataclass
class _Layer:
    key: str
    features: FeatureSet
    valid: np.ndarray  # indexes into features of the zones in the tree
    zones: np.ndarray  # planar, repaired
    tree: shapely.STRtree
    setbacks: np.ndarray
    max_setback: float


class QuickChecker:
    """The protected layers of one workspace, indexed once for many quick checks."""

    def __init__(self, layers: list[_Layer], crs: str, planar_crs: str, rulebook: Rulebook, method: str,
                 near_m: float, build_seconds: float, warnings: list[str]) -> None:
        self.layers = layers
        bounds = [shapely.total_bounds(layer.zones) for layer in layers if len(layer.zones)]
        self.extent = (min(b[0] for b in bounds), min(b[1] for b in bounds), max(b[2] for b in bounds),
                       max(b[3] for b in bounds)) if bounds else None
        self.crs = crs
        self.planar_crs = planar_crs
        self.rulebook = rulebook
        self.method = method
        self.near_m = near_m
        self.build_seconds = build_seconds
        self.warnings = warnings
        self._relevant = _relevant_fields(rulebook)
        self._rule_cache: dict = {}
        method_owner = SimpleNamespace(method=method, planar_crs=planar_crs)
        self.method_text = ScreeningResult.method_text(method_owner, "zh")  # the screening report's wording

    @classmethod
    def from_workspace(cls, workspace: str, rulebook: Rulebook | str | None = None, method: str = "planar",
                       near_m: float = 500.0) -> QuickChecker:
        """Load the protected layers once, repair and reproject them to the planar CRS, index them."""
        from .screening_io import load_protected

        if method not in ("planar", "ellipsoidal"):
            raise ValueError(f"method must be planar or ellipsoidal, not {method}")
        started = time.perf_counter()
        if not isinstance(rulebook, Rulebook):
            rulebook = load_rulebook(rulebook)
        protected, warnings = load_protected(workspace)
        if not protected:
            raise QuickCheckNoWorkspaceLayers(workspace)
        crs = protected[0].crs
        everything = np.concatenate([np.asarray(fs.geometries, dtype=object) for fs in protected])
        planar = planar_crs_for(everything, crs)
        layers = []
        for fs in protected:
            zg = reproject(np.asarray(fs.geometries, dtype=object), fs.crs, planar)
            present = ~shapely.is_missing(zg) & ~shapely.is_empty(zg)
            zdims = np.where(present, shapely.get_dimensions(zg), -1)
            if (zdims >= 0).any() and not (zdims[zdims >= 0] == 2).all():
                raise WrongGeometryType(fs.source, "non-polygon", "polygon", fs.key)
            zg, repaired = _repair(zg, 2)
            if repaired.any():
                warnings.append(f"{fs.key}: {int(repaired.sum())} invalid zone geometries repaired (make-valid)")
            valid = np.flatnonzero(~shapely.is_missing(zg) & ~shapely.is_empty(zg))
            zones = zg[valid]
            max_setback = rulebook.max_setback_m(fs.key)
            if max_setback > 0:
                setbacks = np.array([rulebook.setback_m(fs.key, fs.row(int(k))) for k in valid], dtype=float)
            else:
                setbacks = np.zeros(len(valid))
            layers.append(_Layer(fs.key, fs, valid, zones, shapely.STRtree(zones), setbacks, max_setback))
        return cls(layers, crs, planar, rulebook, method, near_m, time.perf_counter() - started, warnings)

    # --- one check --------------------------------------------------------------------------

    def check(self, geometry, crs: str | None = None, buffer_m: float = 0.0,
              attrs: dict | None = None) -> QuickCheckResult:
        """Every protected feature the geometry meets, or comes within its setback, `near_m` or
        `buffer_m` of; the verdicts as `screen()` gives them for a project with `attrs`."""
        started = time.perf_counter()
        crs = crs or self.crs
        if geometry is None or shapely.is_empty(geometry):
            raise QuickCheckGeometryEmpty()
        g = reproject(np.array([geometry], dtype=object), crs, self.planar_crs)
        if not np.isfinite(shapely.get_coordinates(g[0])).all():
            raise QuickCheckOutsideCRS(crs)
        dim = _dimension(g[0])
        g = _repair(g, dim)[0][0]
        if g is None or shapely.is_empty(g):
            raise QuickCheckGeometryEmpty()
        pattrs = dict(attrs or {})
        whole = self._amount(g, dim)
        near = max(self.near_m, float(buffer_m or 0.0))
        hits: list[Hit] = []
        xmin, ymin, xmax, ymax = g.bounds
        for layer in self.layers:
            if len(layer.zones) == 0:
                continue
            reach = max(near, layer.max_setback, _TOUCH_M)
            cand = layer.tree.query(shapely.box(xmin - reach, ymin - reach, xmax + reach, ymax + reach))
            if len(cand) == 0:
                continue
            zones = layer.zones[cand]
            meets = shapely.intersects(zones, g)
            for j in np.flatnonzero(meets):
                hits.append(self._meeting(layer, int(cand[j]), g, dim, whole, pattrs))
            rest = np.flatnonzero(~meets)
            if len(rest):
                dist = shapely.distance(zones[rest], g)
                for j, d in zip(rest, dist):
                    z = int(cand[j])
                    limit = max(float(layer.setbacks[z]), _TOUCH_M)
                    if d <= limit:
                        hits.append(self._hit(layer, z, "touching" if d < _TOUCH_M else "setback", pattrs,
                                              distance_m=float(d)))
                    elif d <= near:
                        hits.append(self._hit(layer, z, "near", pattrs, distance_m=float(d)))
        hits.sort(key=lambda h: (_RANK[h.verdict], -h.overlap_m2, -h.overlap_m, h.distance_m))
        verdict = strictest(h.verdict for h in hits)
        notes, notes_zh = [], []
        if self.extent is not None:  # a site far from every protected feature: wrong CRS or swapped axes?
            ex = shapely.box(*self.extent)
            away_km = float(shapely.distance(ex, g)) / 1000.0
            if away_km > FAR_KM:
                notes.append(f"the site is {away_km:,.0f} km outside the workspace's protected areas: check the "
                             f"coordinates and their CRS ({crs}); longitude and latitude may be swapped")
                notes_zh.append(f"该位置距工作空间保护区数据范围 {away_km:,.0f} 公里：请核对坐标及其坐标系（{crs}），"
                                "经纬度是否颠倒")
        rb = self.rulebook
        return QuickCheckResult(
            geometry=geometry, crs=crs, buffer_m=float(buffer_m or 0.0), hits=hits, verdict=verdict,
            verdict_zh=VERDICT_ZH[verdict], seconds=time.perf_counter() - started, rulebook_name=rb.name,
            rulebook_version=str(rb.version), rulebook_sha256=rb.checksum, method_text=self.method_text,
            workspace_crs=self.crs, planar_crs=self.planar_crs, notes=notes, notes_zh=notes_zh,
        )

    def _amount(self, geom, dim: int) -> float:
        if dim == 2:
            return ellipsoidal_area(geom, self.planar_crs) if self.method == "ellipsoidal" else float(geom.area)
        if dim == 1:
            return ellipsoidal_length(geom, self.planar_crs) if self.method == "ellipsoidal" else float(geom.length)
        return 0.0

    def _meeting(self, layer: _Layer, z: int, g, dim: int, whole: float, pattrs: dict) -> Hit:
        """Inside, crossing or touching, with the overlap: as screen() measures it."""
        zone = layer.zones[z]
        inside = bool(shapely.contains(zone, g))
        piece = g if inside else _overlay(np.array([g], dtype=object), np.array([zone], dtype=object))[0]
        amount = self._amount(piece, dim) if dim in (1, 2) else 0.0
        if dim == 2:
            small = amount < self.rulebook.sliver_m2
        elif dim == 1:
            small = amount < self.rulebook.sliver_m
        else:
            small = not inside
        relation = "touching" if small else ("inside" if inside else "crossing")
        if small:
            pct = 0.0
        elif dim == 0:
            pct = 100.0
        else:
            pct = min(100.0, 100.0 * amount / whole) if whole > 0 else 0.0
        return self._hit(layer, z, relation, pattrs, overlap_m2=amount if dim == 2 and not small else 0.0,
                         overlap_m=amount if dim == 1 and not small else 0.0, overlap_pct=pct)

    def _hit(self, layer: _Layer, z: int, relation: str, pattrs: dict, overlap_m2: float = 0.0,
             overlap_m: float = 0.0, overlap_pct: float = 0.0, distance_m: float = 0.0) -> Hit:
        """A hit with the rulebook's verdict; `relation` in screen() terms (setback → near)."""
        from .report import zone_level_zh

        fs = layer.features
        k = int(layer.valid[z])
        zattrs = fs.row(k)
        rules = [] if relation == "near" else _match(self.rulebook, self._rule_cache, self._relevant, layer.key,
                                                       zattrs, pattrs, relation)
        if rules:
            verdict = rules[0].verdict
            basis = rules[0].basis.cite_zh()
            same = [r for r in rules if r.verdict == verdict]
            advice = "；".join(dict.fromkeys(r.advice_zh for r in same if r.advice_zh))
            detail = "；".join(f"{r.title_zh}（{r.basis.cite_zh()}）" for r in same)
        elif relation in ("inside", "crossing"):
            verdict, basis = "REVIEW", "规则库中没有适用于此情形的规则，需人工复核"
            advice, detail = "请核实后人工判定。", basis
        else:
            verdict, basis, advice, detail = "CLEAR", "", "", ""
        shown = "near" if relation == "setback" else relation
        level = _zone_level(layer.key, zattrs)
        name = _zone_name(layer.key, zattrs)
        type_zh = LAYER_TYPES[layer.key].title_zh
        extra = f"（距离 {distance_m:.0f} 米）" if shown == "near" else ""
        label = type_zh + (f"·{zone_level_zh(layer.key, level)}" if level else "") + (f"（{name}）" if name else "")
        reason = f"{RELATION_ZH[shown]}{label}{extra}：{VERDICT_ZH[verdict]}" + (f"。{detail}" if detail else "")
        return Hit(
            zone_type=layer.key, zone_type_zh=type_zh, zone_fid=int(fs.fids[k]), name=name,
            level_zh=zone_level_zh(layer.key, level), relation=shown, overlap_m2=float(overlap_m2),
            overlap_pct=float(overlap_pct), distance_m=float(distance_m), verdict=verdict,
            verdict_zh=VERDICT_ZH[verdict], legal_basis=basis, advice=advice, zone_geometry=fs.geometries[k],
            overlap_m=float(overlap_m), zone_level=level, rule_ids=tuple(r.id for r in rules), reason_zh=reason,
        )


# --- saving -----------------------------------------------------------------------------------

_COLUMNS = (
    ("check_id", "TEXT NOT NULL UNIQUE"), ("checked_at", "TEXT"), ("checked_by", "TEXT"), ("note", "TEXT"),
    ("verdict", "TEXT"), ("verdict_zh", "TEXT"), ("n_hits", "INTEGER"), ("buffer_m", "REAL"),
    ("input_crs", "TEXT"), ("method_text", "TEXT"), ("rulebook_name", "TEXT"), ("rulebook_version", "TEXT"),
    ("rulebook_sha256", "TEXT"), ("seconds", "REAL"), ("hits_json", "TEXT"),
)


def _ensure_table(con, srs: int) -> None:
    if con.execute("SELECT 1 FROM gpkg_contents WHERE table_name = ?", (TABLE,)).fetchone():
        return
    cols = ", ".join(f"{name} {kind}" for name, kind in _COLUMNS)
    con.execute(f"CREATE TABLE {TABLE} (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom GEOMETRY, {cols})")
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, srs_id) "
                "VALUES (?, 'features', ?, ?, ?, ?)", (TABLE, TABLE, "选址快速研判记录 quick checks", now, srs))
    con.execute("INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m) "
                "VALUES (?, 'geom', 'GEOMETRY', ?, 0, 0)", (TABLE, srs))


def save_check(workspace: str, result: QuickCheckResult, *, by: str, note: str | None = None) -> str:
    """Write the check (geometry in the workspace CRS, hits as JSON, rulebook, time, who) to the
    workspace table `gs_quick_check` in one transaction; return its id (QCyyyymmddNNNN)."""
    from .gpkg import connect, geometry_blob, srs_id
    from .postgis import is_postgis
    from .workspace import open_workspace, read_meta

    if is_postgis(workspace):
        raise GreenShieldError(
            "Saved quick checks are kept in GeoPackage workspaces only; with a PostGIS workspace, save the "
            "one-page report (HTML/PDF) instead.",
            "选址快速研判记录目前只能保存在 GeoPackage 工作空间中；使用 PostGIS 工作空间时，请保存研判单（HTML/PDF）。")
    ws_crs = read_meta(workspace).get("crs") or open_workspace(workspace).crs
    geom = reproject(np.array([result.geometry], dtype=object), result.crs, ws_crs)[0]
    con = connect(workspace)
    try:
        with con:
            srs = srs_id(con, "redline")
            _ensure_table(con, srs)
            day = result.checked_at[:10].replace("-", "")
            n = con.execute(f"SELECT COUNT(*) FROM {TABLE} WHERE check_id LIKE ?", (f"QC{day}%",)).fetchone()[0]
            check_id = f"QC{day}{n + 1:04d}"
            values = (check_id, result.checked_at, by, note, result.verdict, result.verdict_zh, len(result.hits),
                      result.buffer_m, result.crs, result.method_text, result.rulebook_name,
                      result.rulebook_version, result.rulebook_sha256, result.seconds,
                      json.dumps(result.hits_as_dicts(), ensure_ascii=False))
            names = ", ".join(name for name, _ in _COLUMNS)
            marks = ", ".join("?" * len(_COLUMNS))
            con.execute(f"INSERT INTO {TABLE} (geom, {names}) VALUES (?, {marks})",
                        (geometry_blob(geom, srs), *values))
    finally:
        con.close()
    return check_id


def read_checks(workspace: str) -> list[dict]:
    """Saved checks, oldest first (geometry in the workspace CRS, hits decoded)."""
    from .gpkg import read_rows

    rows = read_rows(workspace, TABLE)
    for row in rows:
        row["hits"] = json.loads(row.pop("hits_json") or "[]")
    return rows


# --- the one-page report ------------------------------------------------------------------------

TITLE = "选址快速研判单"
_EXTRA_CSS = """
@page { size: A4; margin: 12mm; }
table.hits td { font-size: 8.4pt; } table.hits td.basis { font-size: 7.8pt; }
.verdict-big { font-size: 15pt; font-weight: bold; margin: 6px 0; }
"""


def _map_svg(result: QuickCheckResult) -> str:
    from .report import _dimension as _dim
    from .report import svg_map

    planar = result.planar_crs
    site = reproject(np.array([result.geometry], dtype=object), result.crs, planar)[0]
    zones, overlaps, gaps = [], [], []
    for h in result.hits:
        zg = reproject(np.array([h.zone_geometry], dtype=object), result.workspace_crs or result.crs, planar)[0]
        attrs = {{"water_source_zone": "level", "nature_reserve": "zone",
                  "contaminated_plot": "list_status"}.get(h.zone_type, "level"): h.zone_level}
        label = h.zone_type_zh + (f"·{h.level_zh}" if h.level_zh else "")
        zones.append((h.zone_type, attrs, zg, label))
        if h.relation in ("inside", "crossing") and _dim(site) == 2:
            overlaps.append(shapely.intersection(site, zg))
        elif h.relation == "near":
            gaps.append((zg, h.distance_m))
    reach = max([h.distance_m for h in result.hits] + [result.buffer_m, 0.0])
    return svg_map(SimpleNamespace(geometry=site, code="研判位置"), zones, overlaps, planar, reach, gaps)


def write_check_report(result: QuickCheckResult, path: str, *, map_image: str | None = None,
                       title: str = TITLE, author: str = "", unit: str = "") -> str:
    """A one-page A4 HTML (Chinese): verdict, hits, method and rulebook provenance, and a map
    (`map_image`, e.g. a QGIS canvas picture, else an SVG drawn here)."""
    from .report import CSS, DEFAULT_TITLE, _css_string, _e, _num, badge

    e = _e
    out = [f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{e(title)}</title>',
           f"<style>{CSS.replace(DEFAULT_TITLE, _css_string(title))}{_EXTRA_CSS}</style></head><body>",
           '<div class="doc"><header class="cover"><div class="kicker">绿盾 · 选址快速研判</div>',
           f"<h1>{e(title)}</h1>",
           f'<div class="subtitle">研判时间 {e(result.checked_at.replace("T", " "))} · 坐标系 {e(result.crs)}'
           + (f" · 缓冲 {result.buffer_m:g} 米" if result.buffer_m else "")
           + (f" · 研判单位 {e(unit)}" if unit else "") + (f" · 研判人 {e(author)}" if author else "")
           + "</div></header>",
           f'<p class="verdict-big">研判结论：{badge(result.verdict)}</p>']
    worst = [h for h in result.hits if h.verdict == result.verdict and h.verdict != "CLEAR"]
    if worst:
        out.append("<p>" + "；".join(e(h.reason_zh) for h in worst[:3]) + "。</p>")
    elif not result.hits:
        out.append("<p>研判范围内未发现生态保护红线、自然保护地、饮用水水源保护区或污染地块。</p>")
    if map_image:
        out.append(f'<figure><img src="{html.escape(map_image)}" style="width:100%" alt="位置示意图"></figure>')
    else:
        out.append("<figure>" + _map_svg(result) + "</figure>")
    out.append('<h2>研判明细</h2><table class="hits"><thead><tr><th>类型</th><th>名称</th><th>级别/分区</th>'
               "<th>关系</th><th>重叠面积（m² / 公顷 / 亩）</th><th>重叠比例</th><th>距离（米）</th><th>结论</th>"
               "<th>依据条款</th><th>建议</th></tr></thead><tbody>")
    for h in result.hits:
        if h.overlap_m2:
            area = f"{_num(h.overlap_m2)} / {_num(h.overlap_m2 / M2_PER_HA, 2)} / {_num(h.overlap_m2 / M2_PER_MU, 2)}"
        elif h.overlap_m:
            area = f"长度 {_num(h.overlap_m)} 米"
        else:
            area = "—"
        out.append(
            f"<tr><td>{e(h.zone_type_zh)}</td><td>{e(h.name)}</td><td>{e(h.level_zh)}</td>"
            f"<td>{e(RELATION_ZH[h.relation])}</td><td class=\"n\">{area}</td>"
            f"<td class=\"n\">{h.overlap_pct:.1f}%</td>"
            f"<td class=\"n\">{'0' if h.relation != 'near' else _num(h.distance_m)}</td><td>{badge(h.verdict)}</td>"
            f"<td class=\"basis\">{e(h.legal_basis)}</td><td>{e(h.advice)}</td></tr>")
    if not result.hits:
        out.append('<tr><td colspan="10">无</td></tr>')
    out.append("</tbody></table>")
    out.append("<h2>方法与依据</h2><table><tbody>"
               f"<tr><td>计算方法</td><td>{e(result.method_text)}</td></tr>"
               f"<tr><td>规则库</td><td>{e(result.rulebook_name)} v{e(result.rulebook_version)}"
               f"（SHA-256 {e(result.rulebook_sha256)}）</td></tr>"
               f"<tr><td>耗时</td><td>{result.seconds * 1000:.1f} 毫秒</td></tr></tbody></table>")
    out.append('<p class="muted">快速研判仅供选址初判，结论以正式审查为准。面积为平面或椭球面计算，'
               "1 公顷 = 10 000 m²，1 亩 ≈ 666.67 m²。</p></div></body></html>")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("".join(out))
    return path


# --- command line --------------------------------------------------------------------------------


def parse_point(text: str) -> shapely.Point:
    try:
        x, y = (float(v) for v in text.split(","))
    except ValueError:
        raise QuickCheckPointSyntax(text) from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise QuickCheckPointSyntax(text)
    return shapely.Point(x, y)


def cmd_check(args) -> int:
    if args.point:
        geom = parse_point(args.point)
    else:
        try:
            geom = shapely.from_wkt(args.wkt)
        except shapely.errors.GEOSException:
            raise QuickCheckGeometryEmpty(args.wkt) from None
    attrs = dict(kv.split("=", 1) for kv in args.attr or [] if "=" in kv)
    checker = QuickChecker.from_workspace(args.workspace, args.rules, args.method, args.near_m)
    result = checker.check(geom, args.crs, args.buffer, attrs)
    print(f"{result.verdict_zh} ({result.verdict}) — {len(result.hits)} hit(s), "
          f"{result.seconds * 1000:.1f} ms (index built in {checker.build_seconds:.2f} s)")
    for h in result.hits:
        amount = (f"{h.overlap_m2:.1f} m² ({h.overlap_pct:.1f}%)" if h.overlap_m2 else
                  f"{h.overlap_m:.1f} m ({h.overlap_pct:.1f}%)" if h.overlap_m else
                  f"{h.distance_m:.1f} m away" if h.relation == "near" else "")
        print(f"  {h.verdict_zh}\t{h.zone_type_zh}\t{h.name}\t{h.level_zh}\t{RELATION_ZH[h.relation]} {amount}")
        if h.legal_basis:
            print(f"    {h.legal_basis}")
    from .cli import _lang

    for note in result.notes_zh if _lang(args) == "zh" else result.notes:
        print(("注意：" if _lang(args) == "zh" else "note: ") + note)
    if args.save:
        print("saved", save_check(args.workspace, result, by=args.by or os.environ.get("USER", ""), note=args.note))
    if args.report:
        print("report", write_check_report(result, args.report))
    return 0


def add_cli(sub) -> None:
    """Register `green-shield check`."""
    p = sub.add_parser("check", help="quick check of one site against protected areas / 选址快速研判")
    p.add_argument("--workspace", "-w", required=True)
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--point", metavar="LON,LAT", help="a point, as x,y in --crs")
    where.add_argument("--wkt", help="a point, line or polygon as WKT in --crs")
    p.add_argument("--crs", help="CRS of the geometry (default: the workspace CRS, e.g. EPSG:4490)")
    p.add_argument("--buffer", type=float, default=0.0, help="also list protected features within this many metres")
    p.add_argument("--near-m", type=float, default=500.0, help="list protected features within this (default 500)")
    p.add_argument("--attr", action="append", metavar="FIELD=VALUE",
                   help="a project attribute for the rules, e.g. category=industrial; repeat")
    p.add_argument("--rules", help="rulebook YAML (default: the shipped rulebook)")
    p.add_argument("--method", choices=("planar", "ellipsoidal"), default="planar")
    p.add_argument("--save", action="store_true", help="record the check in the workspace (gs_quick_check)")
    p.add_argument("--by", help="who checked (default $USER)")
    p.add_argument("--note", help="a note stored with the saved check")
    p.add_argument("--report", help="one-page HTML report to write")
    p.set_defaults(func=cmd_check)
