"""Screening construction projects against protected layers.

For every project: which protected features it is inside, crossing, touching or within a
setback of; the overlap area (m², ha, 亩) or length in a named CGCS2000 Gauss-Krüger zone
(planar, the default) or on the ellipsoid; the verdict and legal basis from the rulebook;
the strictest verdict wins and every reason is kept.

Speed comes from one spatial index per protected layer, prepared zone geometries, a
containment test that skips the overlay for projects lying wholly inside a zone, and the
remaining overlays split over threads (shapely releases the GIL).
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import shapely
from pyproj import CRS, Geod, Transformer

from .crs import CGCS2000_GEOGRAPHIC, gauss_kruger_epsg
from .errors import GreenShieldError, MissingCRS, WrongGeometryType
from .rules import VERDICT_ZH, VERDICTS, Rulebook, strictest
from .schema import LAYER_TYPES

PROTECTED_TYPES = ("redline", "nature_reserve", "water_source_zone", "contaminated_plot")
M2_PER_MU = 10000.0 / 15.0  # 1 亩 = 666.67 m²
M2_PER_HA = 10000.0
_GEOD = Geod(ellps="GRS80")  # the CGCS2000 ellipsoid differs from GRS80 by 1e-10 in flattening
_RELATION_ZH = {"inside": "位于", "crossing": "跨越", "touching": "边界相接", "setback": "缓冲距离内"}
_VERDICT_RANK = {v: i for i, v in enumerate(VERDICTS)}


class ScreeningCanceled(Exception):
    """The user canceled; nothing was written."""


class UnknownZoneType(GreenShieldError):
    code = "unknown_zone_type"

    def __init__(self, key: str) -> None:
        super().__init__(
            f"'{key}' is not a protected layer type. Use one of: {', '.join(PROTECTED_TYPES)}.",
            f"“{key}”不是受保护图层类型。可用类型：{', '.join(PROTECTED_TYPES)}。",
        )


class NothingToScreen(GreenShieldError):
    code = "nothing_to_screen"

    def __init__(self, what: str, what_zh: str) -> None:
        super().__init__(f"Nothing to screen: {what}.", f"无法筛查：{what_zh}。")


@dataclass
class FeatureSet:
    """Features of one layer: geometries in `crs`, attribute columns, feature ids."""

    key: str
    geometries: np.ndarray
    attributes: dict[str, list]
    fids: np.ndarray
    crs: str
    source: str

    def __len__(self) -> int:
        return len(self.geometries)

    def row(self, i: int) -> dict:
        return {name: values[i] for name, values in self.attributes.items()}


@dataclass
class ScreeningOptions:
    method: str = "planar"  # planar | ellipsoidal
    planar_crs: str | None = None  # default: the Gauss-Krüger zone of the projects' centre
    sliver_m2: float | None = None  # default: the rulebook's
    sliver_m: float | None = None
    near_m: float = 500.0  # report the nearest protected feature within this distance
    touch_m: float = 0.01  # closer than this without overlap is touching (coordinates rounded in storage)
    threads: int = 2


@dataclass
class Conflict:
    project: int  # index into the project set
    zone_type: str
    zone: int  # index into that protected set
    layer: int  # index of the protected set
    relation: str
    overlap_m2: float
    overlap_m: float  # length, for line projects
    overlap_pct: float
    distance_m: float
    verdict: str
    rule_ids: tuple[str, ...]
    geometry: shapely.Geometry  # planar
    project_fid: int = 0
    project_code: str = ""
    zone_fid: int = 0
    zone_name: str = ""
    zone_level: str = ""
    legal_basis: str = ""
    reason_zh: str = ""


@dataclass
class ProjectVerdict:
    index: int
    fid: int
    code: str
    name: str
    category: str
    verdict: str
    n_conflicts: int
    overlap_m2: float
    overlap_m: float
    overlap_pct: float
    overlap_by_type: dict[str, float]
    reasons: list[str]
    nearest_m: float | None
    nearest_type: str
    geometry: shapely.Geometry | None  # planar
    note: str = ""

    @property
    def verdict_zh(self) -> str:
        return VERDICT_ZH[self.verdict]


@dataclass
class ScreeningResult:
    projects: list[ProjectVerdict]
    conflicts: list[Conflict]
    rulebook: Rulebook
    method: str
    planar_crs: str
    output_crs: str
    sliver_m2: float
    sliver_m: float
    sources: dict[str, str]
    protected_counts: dict[str, int]
    warnings: list[str] = field(default_factory=list)
    started: str = ""
    seconds: float = 0.0

    def method_text(self, lang: str = "zh") -> str:
        name = CRS.from_user_input(self.planar_crs).name
        if self.method == "ellipsoidal":
            if lang == "zh":
                return "椭球面面积（CGCS2000 椭球，pyproj Geod）；距离按平面坐标 " + f"{self.planar_crs} {name}"
            return f"ellipsoidal areas (CGCS2000 ellipsoid, pyproj Geod); distances planar in {self.planar_crs} {name}"
        if lang == "zh":
            return f"平面面积与距离，投影坐标系 {self.planar_crs}（{name}）"
        return f"planar areas and distances in {self.planar_crs} ({name})"

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(VERDICTS, 0)
        for p in self.projects:
            counts[p.verdict] += 1
        return counts


# --- geometry helpers ---------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _same_crs(source: str, target: str) -> bool:
    return CRS.from_user_input(source) == CRS.from_user_input(target)


@functools.lru_cache(maxsize=64)
def _transformer(source: str, target: str, thread: int) -> Transformer:
    """One transformer per CRS pair and thread (pyproj transformers are not shared between threads)."""
    return Transformer.from_crs(source, target, always_xy=True)


def reproject(geoms: np.ndarray, source: str, target: str) -> np.ndarray:
    """Vectorised reprojection of an array of shapely geometries (None stays None)."""
    if _same_crs(source, target):
        return geoms
    transformer = _transformer(source, target, threading.get_ident())

    def move(xy):
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, move)


def _repair(geoms: np.ndarray, dims: np.ndarray | int, threads: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """make-valid invalid geometries, keeping the parts of the wanted dimension."""
    geoms = np.asarray(geoms, dtype=object).copy()
    present = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    invalid = present.copy()
    invalid[present] = ~_parallel(shapely.is_valid, (geoms[present],), threads).astype(bool)
    for i in np.flatnonzero(invalid):
        dim = dims if isinstance(dims, int) else int(dims[i])
        fixed = shapely.make_valid(geoms[i])
        parts = [p for p in shapely.get_parts(fixed) if shapely.get_dimensions(p) == dim]
        if dim == 2:
            parts = [q for p in parts for q in shapely.get_parts(p)]
            geoms[i] = shapely.MultiPolygon(parts) if parts else None
        elif dim == 1:
            parts = [q for p in parts for q in shapely.get_parts(p)]
            geoms[i] = shapely.MultiLineString(parts) if parts else None
        else:
            geoms[i] = shapely.MultiPoint(parts) if parts else None
    return geoms, invalid


def planar_crs_for(geoms: np.ndarray, crs: str) -> str:
    """The CGCS2000 3° Gauss-Krüger zone of the data's centre."""
    present = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    if len(present) == 0:
        return gauss_kruger_epsg(105.0)
    xmin, ymin, xmax, ymax = shapely.total_bounds(present)
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    if not CRS.from_user_input(crs).is_geographic:
        cx, cy = Transformer.from_crs(crs, CGCS2000_GEOGRAPHIC, always_xy=True).transform(cx, cy)
    try:
        return gauss_kruger_epsg(cx)
    except ValueError:
        raise NothingToScreen(
            f"the data's centre ({cx:.3f}°E) lies outside China's CGCS2000 zones; give a planar CRS",
            f"数据中心（东经 {cx:.3f}°）不在 CGCS2000 分带范围内，请指定投影坐标系",
        ) from None


def ellipsoidal_area(geom, planar_crs: str) -> float:
    if geom is None or geom.is_empty:
        return 0.0
    geo = reproject(np.array([geom], dtype=object), planar_crs, CGCS2000_GEOGRAPHIC)[0]
    area, _ = _GEOD.geometry_area_perimeter(geo)
    return abs(area)


def ellipsoidal_length(geom, planar_crs: str) -> float:
    if geom is None or geom.is_empty:
        return 0.0
    geo = reproject(np.array([geom], dtype=object), planar_crs, CGCS2000_GEOGRAPHIC)[0]
    return _GEOD.geometry_length(geo)


def _chunks(n: int, parts: int) -> list[slice]:
    step = max(1, math.ceil(n / max(1, parts)))
    return [slice(i, min(n, i + step)) for i in range(0, n, step)]


def _runs(key: np.ndarray, parts: int) -> list[slice]:
    """About `parts` slices of a sorted key array, cut only where the key changes."""
    n = len(key)
    step = max(1, math.ceil(n / max(1, parts)))
    cuts = sorted({int(np.searchsorted(key, key[i], side="left")) for i in range(step, n, step)} - {0})
    edges = [0, *cuts, n]
    return [slice(a, b) for a, b in zip(edges[:-1], edges[1:]) if b > a]


def _parallel(func: Callable, arrays: Sequence[np.ndarray], threads: int, key: np.ndarray | None = None
              ) -> np.ndarray:
    """Apply a vectorised shapely function over chunks in threads (shapely releases the GIL).

    `key` names the prepared geometry of each element (the zone index): GEOS prepared
    geometries build and mutate their indexes on use, so all pairs of one prepared zone must
    stay in one thread, or two threads corrupt the heap.
    """
    n = len(arrays[0])
    if n == 0:
        return np.array([], dtype=object)
    if threads <= 1 or n < 64:
        return func(*arrays)
    if key is None:
        order, slices = np.arange(n), _chunks(n, threads * 4)
    else:
        order = np.argsort(key, kind="stable")
        slices = _runs(np.asarray(key)[order], threads * 4)
    with ThreadPoolExecutor(threads) as pool:
        parts = list(pool.map(lambda s: func(*(a[order[s]] for a in arrays)), slices))
    done = np.concatenate(parts)
    out = np.empty_like(done)
    out[order] = done
    return out


def _overlay(projects: np.ndarray, zones: np.ndarray) -> np.ndarray:
    """project ∩ zone, the zone first clipped to the project's box so the overlay stays small.

    A clip can come out invalid and make GEOS refuse; those pairs are overlaid in full.
    """
    bounds = shapely.bounds(projects)
    out = np.empty(len(projects), dtype=object)
    for i, (p, z, (xmin, ymin, xmax, ymax)) in enumerate(zip(projects, zones, bounds)):
        pad = 1e-6 * (1.0 + max(abs(xmin), abs(ymin), abs(xmax), abs(ymax)))
        try:
            out[i] = shapely.intersection(p, shapely.clip_by_rect(z, xmin - pad, ymin - pad, xmax + pad, ymax + pad))
        except shapely.errors.GEOSException:
            out[i] = shapely.intersection(p, z)
    return out


# --- the screening -------------------------------------------------------------------------


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _zone_name(key: str, attrs: dict) -> str:
    for name in ("name", "source_name", "bsm", "plot_code", "source_code"):
        if _text(attrs.get(name)):
            return _text(attrs.get(name))
    return ""


def _zone_level(key: str, attrs: dict) -> str:
    field_name = {"water_source_zone": "level", "nature_reserve": "zone", "contaminated_plot": "list_status"}.get(key)
    return _text(attrs.get(field_name)) if field_name else ""


def _zone_label_zh(key: str, attrs: dict) -> str:
    """e.g. '饮用水水源保护区·一级保护区（大江水厂）'."""
    from .schema import CODE_LISTS

    title = LAYER_TYPES[key].title_zh
    level = _zone_level(key, attrs)
    codelist = {"water_source_zone": "ws_level", "nature_reserve": "reserve_zone",
                "contaminated_plot": "plot_status"}.get(key)
    if level and codelist:
        try:
            title += "·" + CODE_LISTS[codelist].label_zh(level)
        except KeyError:
            title += "·" + level
    name = _zone_name(key, attrs)
    if _text(attrs.get("delineation")) == "generated_default":  # a default zone, not an official one
        name = f"{name}，默认生成待正式划定" if name else "默认生成待正式划定"
    return f"{title}（{name}）" if name else title


def _dimension(geom) -> int:
    return int(shapely.get_dimensions(geom))


def screen(
    projects: FeatureSet,
    protected: Sequence[FeatureSet],
    rulebook: Rulebook,
    options: ScreeningOptions | None = None,
    progress: Callable[[float], None] | None = None,
    is_canceled: Callable[[], bool] | None = None,
) -> ScreeningResult:
    """Screen every project against every protected feature; see the module docstring."""
    started = _dt.datetime.now(_dt.timezone.utc)
    options = options or ScreeningOptions()
    if options.method not in ("planar", "ellipsoidal"):
        raise ValueError(f"method must be planar or ellipsoidal, not {options.method}")
    for layer in protected:
        if layer.key not in PROTECTED_TYPES:
            raise UnknownZoneType(layer.key)
    if not projects.crs:
        raise MissingCRS(projects.source)
    sliver_m2 = rulebook.sliver_m2 if options.sliver_m2 is None else options.sliver_m2
    sliver_m = rulebook.sliver_m if options.sliver_m is None else options.sliver_m
    planar = options.planar_crs or planar_crs_for(projects.geometries, projects.crs)
    warnings: list[str] = []

    def report(fraction: float) -> None:
        if is_canceled and is_canceled():
            raise ScreeningCanceled()
        if progress:
            progress(fraction)

    report(0.0)
    pg = reproject(np.asarray(projects.geometries, dtype=object), projects.crs, planar)
    present = ~shapely.is_missing(pg) & ~shapely.is_empty(pg)
    dims = np.where(present, shapely.get_dimensions(pg), -1)
    pg, repaired = _repair(pg, dims, options.threads)
    present = ~shapely.is_missing(pg) & ~shapely.is_empty(pg)
    for i in np.flatnonzero(repaired):
        warnings.append(f"project {projects.fids[i]}: invalid geometry repaired (make-valid)")
    if options.method == "ellipsoidal":
        p_area = np.array([ellipsoidal_area(g, planar) if d == 2 else 0.0 for g, d in zip(pg, dims)])
        p_len = np.array([ellipsoidal_length(g, planar) if d == 1 else 0.0 for g, d in zip(pg, dims)])
    else:
        p_area = np.where(dims == 2, shapely.area(pg), 0.0)
        p_len = np.where(dims == 1, shapely.length(pg), 0.0)
    report(0.05)

    conflicts: list[Conflict] = []
    nearest = np.full(len(pg), np.inf)
    nearest_type = np.full(len(pg), "", dtype=object)
    protected_counts: dict[str, int] = defaultdict(int)
    rule_cache: dict = {}
    zone_planar: list[np.ndarray] = []  # each protected layer in the planar CRS, repaired
    near_index: list[tuple[str, shapely.STRtree, np.ndarray]] = []
    relevant = _relevant_fields(rulebook)
    share = 0.9 / max(1, len(protected))

    for li, layer in enumerate(protected):
        base = 0.05 + li * share
        zg = reproject(np.asarray(layer.geometries, dtype=object), layer.crs, planar)
        zdims = np.where(~shapely.is_missing(zg) & ~shapely.is_empty(zg), shapely.get_dimensions(zg), -1)
        if (zdims >= 0).any() and not (zdims[zdims >= 0] == 2).all():
            raise WrongGeometryType(layer.source, "non-polygon", "polygon", layer.key)
        zg, zrepaired = _repair(zg, 2, options.threads)
        zone_planar.append(zg)
        if zrepaired.any():
            warnings.append(f"{layer.key}: {int(zrepaired.sum())} invalid zone geometries repaired (make-valid)")
        protected_counts[layer.key] += len(layer)
        valid = np.flatnonzero(~shapely.is_missing(zg) & ~shapely.is_empty(zg))
        if len(valid) == 0 or not present.any():
            continue
        zones = zg[valid]
        shapely.prepare(zones)
        tree = shapely.STRtree(zones)
        zattrs = [layer.row(int(k)) for k in valid]
        setbacks = np.array([rulebook.setback_m(layer.key, a) for a in zattrs])
        pidx = np.flatnonzero(present)
        qi, zj = tree.query(pg[pidx])  # envelopes that meet
        pi = pidx[qi]
        report(base + share * 0.1)
        hit = _parallel(shapely.intersects, (zones[zj], pg[pi]), options.threads, zj).astype(bool)
        report(base + share * 0.3)
        hp, hz = pi[hit], zj[hit]
        inside = _parallel(shapely.contains, (zones[hz], pg[hp]), options.threads, hz).astype(bool)
        need = np.flatnonzero(~inside)
        pieces = np.empty(len(hp), dtype=object)
        pieces[inside] = pg[hp[inside]]
        if len(need):
            pieces[need] = _parallel(_overlay, (pg[hp[need]], zones[hz[need]]), options.threads, hz[need])
        report(base + share * 0.8)
        for k, (p, z) in enumerate(zip(hp, hz)):
            nearest[p], nearest_type[p] = 0.0, layer.key
            piece = pieces[k]
            dim = dims[p]
            if dim == 2:
                amount = ellipsoidal_area(piece, planar) if options.method == "ellipsoidal" else shapely.area(piece)
                whole = p_area[p]
                small = amount < sliver_m2
            elif dim == 1:
                amount = ellipsoidal_length(piece, planar) if options.method == "ellipsoidal" else shapely.length(piece)
                whole = p_len[p]
                small = amount < sliver_m
            else:
                amount, whole, small = 0.0, 0.0, not inside[k]
            if small:
                relation = "touching"
            elif inside[k]:
                relation = "inside"
            else:
                relation = "crossing"
            pct = 100.0 if dim == 0 and not small else (min(100.0, 100.0 * amount / whole) if whole > 0 else 0.0)
            conflicts.append(Conflict(
                project=int(p), zone_type=layer.key, zone=int(valid[z]), layer=li, relation=relation,
                overlap_m2=float(amount) if dim == 2 and not small else 0.0,
                overlap_m=float(amount) if dim == 1 and not small else 0.0,
                overlap_pct=float(pct) if not small else 0.0, distance_m=0.0, verdict="CLEAR", rule_ids=(),
                geometry=piece if not small else pg[p],
            ))
        # outside but close: touching across a rounding gap, or within the setback distance
        reach = float(max(setbacks.max(initial=0.0), options.touch_m))
        bounds = shapely.bounds(pg[pidx])
        boxes = shapely.box(bounds[:, 0] - reach, bounds[:, 1] - reach, bounds[:, 2] + reach, bounds[:, 3] + reach)
        qi, zj = tree.query(boxes)
        pi = pidx[qi]
        fresh = ~np.isin(pi * len(zones) + zj, hp * len(zones) + hz)
        pi, zj = pi[fresh], zj[fresh]
        limit = np.maximum(setbacks[zj], options.touch_m)
        close = _parallel(shapely.dwithin, (zones[zj], pg[pi], limit), options.threads, zj).astype(bool)
        pi, zj = pi[close], zj[close]
        dist = _parallel(shapely.distance, (zones[zj], pg[pi]), options.threads, zj).astype(float)
        for p, z, d in zip(pi, zj, dist):
            conflicts.append(Conflict(
                project=int(p), zone_type=layer.key, zone=int(valid[z]), layer=li,
                relation="touching" if d < options.touch_m else "setback", overlap_m2=0.0, overlap_m=0.0,
                overlap_pct=0.0, distance_m=float(d), verdict="CLEAR", rule_ids=(), geometry=pg[p],
            ))
            if d < nearest[p]:
                nearest[p], nearest_type[p] = d, layer.key
        # the nearest feature of this layer for projects that neither meet it nor lie within its setback
        near_index.append((layer.key, tree, zones))
        shapely.destroy_prepared(zones)  # GEOS keeps ~90 bytes of index per vertex while prepared
        report(base + share)

    if options.near_m > 0:
        _nearest_for_clear(pg, present, nearest, nearest_type, near_index, options)
    conflicts.sort(key=lambda c: (c.project, c.layer, c.zone))
    for c in conflicts:
        layer = protected[c.layer]
        zattrs = layer.row(c.zone)
        pattrs = projects.row(c.project)
        rules = _match(rulebook, rule_cache, relevant, layer.key, zattrs, pattrs, c.relation)
        c.project_fid = int(projects.fids[c.project])
        c.project_code = _text(pattrs.get("project_code")) or str(c.project_fid)
        c.zone_fid = int(layer.fids[c.zone])
        c.zone_name = _zone_name(layer.key, zattrs)
        c.zone_level = _zone_level(layer.key, zattrs)
        label = _zone_label_zh(layer.key, zattrs)
        if rules:
            c.verdict = rules[0].verdict
            c.rule_ids = tuple(r.id for r in rules)
            c.legal_basis = rules[0].basis.cite_zh()
            detail = "；".join(f"{r.title_zh}（{r.basis.cite_zh()}）" for r in rules if r.verdict == c.verdict)
        elif c.relation in ("inside", "crossing"):
            c.verdict = "REVIEW"
            c.legal_basis = "规则库中没有适用于此情形的规则，需人工复核"
            detail = c.legal_basis
        else:
            detail = ""
        where = _RELATION_ZH[c.relation]
        extra = f"（距离 {c.distance_m:.0f} 米）" if c.relation == "setback" else ""
        c.reason_zh = f"{where}{label}{extra}：{VERDICT_ZH[c.verdict]}" + (f"。{detail}" if detail else "")

    by_project: dict[int, list[Conflict]] = defaultdict(list)
    for c in conflicts:
        by_project[c.project].append(c)
    verdicts = []
    for i in range(len(pg)):
        attrs = projects.row(i)
        rows = by_project.get(i, [])
        real = [c for c in rows if c.relation in ("inside", "crossing")]
        by_type: dict[str, float] = {}
        total = 0.0
        if real:
            for key in dict.fromkeys(c.zone_type for c in real):
                of_type = [c for c in real if c.zone_type == key]
                by_type[key] = _dissolved_amount(pg[i], of_type, zone_planar, dims[i], options, planar)
            total = _dissolved_amount(pg[i], real, zone_planar, dims[i], options, planar)
        whole = p_area[i] if dims[i] == 2 else p_len[i]
        if not present[i]:
            verdict, note = "REVIEW", "几何为空，无法筛查；请补充项目位置"
            reasons = [note]
        else:
            verdict = strictest(c.verdict for c in rows)
            note = ""
            reasons = [c.reason_zh for c in sorted(rows, key=lambda c: _VERDICT_RANK[c.verdict])
                       if c.verdict != "CLEAR"]
        verdicts.append(ProjectVerdict(
            index=i, fid=int(projects.fids[i]), code=_text(attrs.get("project_code")) or str(projects.fids[i]),
            name=_text(attrs.get("name")), category=_text(attrs.get("category")), verdict=verdict,
            n_conflicts=sum(1 for c in rows if c.verdict != "CLEAR"),
            overlap_m2=total if dims[i] == 2 else 0.0, overlap_m=total if dims[i] == 1 else 0.0,
            overlap_pct=(min(100.0, 100.0 * total / whole) if whole > 0 else (100.0 if real and dims[i] == 0 else 0.0)),
            overlap_by_type=by_type, reasons=reasons,
            nearest_m=None if not np.isfinite(nearest[i]) else float(nearest[i]),
            nearest_type=str(nearest_type[i]), geometry=pg[i] if present[i] else None, note=note,
        ))
    report(1.0)
    finished = _dt.datetime.now(_dt.timezone.utc)
    return ScreeningResult(
        projects=verdicts, conflicts=conflicts, rulebook=rulebook, method=options.method, planar_crs=planar,
        output_crs=projects.crs, sliver_m2=sliver_m2, sliver_m=sliver_m,
        sources={"projects": projects.source, **{f"{s.key}#{n}": s.source for n, s in enumerate(protected)}},
        protected_counts=dict(protected_counts), warnings=warnings, started=started.isoformat(timespec="seconds"),
        seconds=(finished - started).total_seconds(),
    )


def _nearest_for_clear(pg, present, nearest, nearest_type, near_index, options: ScreeningOptions) -> None:
    """The nearest protected feature within near_m, for projects that meet none.

    Envelope candidates and one exact distance each: GEOS's nearest-neighbour search computes
    several full distances per project against zones of thousands of vertices.
    """
    lonely = np.flatnonzero(present & ~np.isfinite(nearest))
    if len(lonely) == 0:
        return
    bounds = shapely.bounds(pg[lonely])
    reach = options.near_m
    boxes = shapely.box(bounds[:, 0] - reach, bounds[:, 1] - reach, bounds[:, 2] + reach, bounds[:, 3] + reach)
    for key, tree, zones in near_index:
        qi, zj = tree.query(boxes)
        dist = _parallel(shapely.distance, (zones[zj], pg[lonely[qi]]), options.threads, zj).astype(float)
        best = np.full(len(pg), np.inf)
        np.minimum.at(best, lonely[qi], dist)
        better = (best < nearest) & (best <= options.near_m)
        nearest[better], nearest_type[better] = best[better], key


def _dissolved_amount(project, hits: list[Conflict], zone_planar: list[np.ndarray], dim: int,
                      options: ScreeningOptions, planar: str) -> float:
    """Area (or length) of the project inside the union of the zones it hits.

    Overlapping zones are not counted twice. With one hit, or a hit that contains the whole
    project, the overlap piece already is the answer; otherwise the project is overlaid once
    with the union of the hit zones (robust for lines, whose separate pieces never union cleanly).
    """
    if len(hits) == 1:
        geom = hits[0].geometry
    elif any(c.relation == "inside" for c in hits):
        geom = project
    else:
        xmin, ymin, xmax, ymax = shapely.bounds(project)
        pad = 1e-6 * (1.0 + max(abs(xmin), abs(ymin), abs(xmax), abs(ymax)))
        zones = [shapely.clip_by_rect(zone_planar[c.layer][c.zone], xmin - pad, ymin - pad, xmax + pad, ymax + pad)
                 for c in hits]
        try:
            geom = shapely.intersection(project, shapely.union_all(zones))
        except shapely.errors.GEOSException:
            geom = shapely.intersection(project, shapely.union_all([zone_planar[c.layer][c.zone] for c in hits]))
    if dim == 2:
        return ellipsoidal_area(geom, planar) if options.method == "ellipsoidal" else float(shapely.area(geom))
    if dim == 1:
        return ellipsoidal_length(geom, planar) if options.method == "ellipsoidal" else float(shapely.length(geom))
    return 0.0


def _relevant_fields(rulebook: Rulebook) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    fields: dict[str, tuple[set, set]] = defaultdict(lambda: (set(), set()))
    for rule in rulebook.rules:
        zone_fields, project_fields = fields[rule.layer]
        zone_fields.update(rule.zone)
        project_fields.update(rule.project)
    return {k: (tuple(sorted(z)), tuple(sorted(p))) for k, (z, p) in fields.items()}


def _match(rulebook, cache, relevant, key, zattrs, pattrs, relation):
    zone_fields, project_fields = relevant.get(key, ((), ()))
    cache_key = (key, relation, tuple(_text(zattrs.get(f)) for f in zone_fields),
                 tuple(repr(pattrs.get(f)) for f in project_fields))
    if cache_key not in cache:
        cache[cache_key] = rulebook.match(key, zattrs, pattrs, relation)
    return cache[cache_key]
