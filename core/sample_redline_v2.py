"""A 2021 version of the sample district's red line, for testing the red-line adjustment review (评估调整).

`build_redline_v2(workspace, out_path)` reads the 2020 red line (10 patches) of a sample-district
workspace (see sample_district.py) and writes a new GeoPackage holding:

* `redline` — the 2021 version: the schema's red-line fields (version "2021") plus a text field
  `reason` (调整原因: 保留 / 退出 / 扣除 / 新增 / 边界修正, or NULL when none was recorded);
* `redline_2020` — the 2020 version, geometry unchanged, the same fields as the schema's red-line
  layer, version "2020";
* `redline_change_expectations` — a table (no geometry) of every planted change: change_class
  (added / removed / noise / modified / split / merged), bsm_old, bsm_new, division (xzqmc),
  area_m2 (planar EPSG:4544), flag (core_zone / level1_water / no_reason / project / listed_plot or
  empty) and a Chinese note.

The sample district is one county; both versions here give every patch the town (镇/街道) it lies in,
by the x of its centroid in thirds of the district (`assign_towns`), so a per-division balance has
three rows. Added pieces belong to the division of the NEW feature, removed pieces to the OLD one's.

Planted changes (all built in EPSG:4544 metres, then transformed to the requested CRS):

* 5001992020000001 (青溪山): a hole around the largest project inside the legacy reserve's core zone
  is cut out (扣除, flag core_zone);
* 5001992020000002 (白云水库): a disc inside the reservoir's level-1 zone is cut out (扣除, flag level1_water);
* 5001992020000003 + 5001992020000004 (东山, overlapping in 2020) merge into 5001992021000013; the two
  concave joints where their outlines cross are filled (新增);
* 5001992020000005 (南岭): same geometry, name and eco_function changed (modified, 保留);
* 5001992020000006 (大江湿地): withdrawn entirely (退出; it has no 2021 feature, so the reason is only
  in the expectations note);
* 5001992020000007 (北岭): a 40 m road corridor is cut through it (退出) and it splits into
  5001992021000011 (west) and 5001992021000012 (east);
* 5001992020000008 (东岭): moved 40 m north-west (边界修正: one crescent added, one removed);
* 5001992020000009 (石牛山): a notch at its southern tip is cut out with no reason (flag no_reason);
* 5001992020000010 (凤凰山): only re-digitised (保留);
* new patches: 5001992021000014 a hill patch > 1 km² in the west; 5001992021000015 the level-1 zone of
  大江石门水源地 (holes around the projects in it); 5001992021000016 partly over a mining project
  (flag project); 5001992021000017 partly over a listed contaminated plot (flag listed_plot).

Patches 01, 02, 09 and 10 are re-digitised: every vertex moves by at most 0.3 m and the area of each
polygon is kept, so the slivers between versions are thinner than 1 m and net to ~0. The 2021 patches
are valid and do not overlap. Two builds give identical files: all randomness comes from fixed seeds.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np
import pyogrio
import pyogrio.raw
import shapely
from pyproj import CRS, Transformer
from shapely import affinity
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel

from . import sample_district as sd
from .errors import WorkspaceExists
from .schema import LAYER_TYPES
from .workspace import GPKG_OPTIONS, normalise_crs, read_layer

PLANAR_CRS = "EPSG:4544"
NEW_LAYER = "redline"
OLD_LAYER = "redline_2020"
EXPECTATIONS_LAYER = "redline_change_expectations"
EXPECTATION_FIELDS = ("change_class", "bsm_old", "bsm_new", "division", "area_m2", "flag", "note")
CHANGE_CLASSES = ("added", "removed", "noise", "modified", "split", "merged")
FLAGS = ("core_zone", "level1_water", "no_reason", "project", "listed_plot")
REASON_FIELD = "reason"
REASON_ALIAS_ZH = "调整原因"
REASONS = ("保留", "退出", "扣除", "新增", "边界修正")
OLD_VERSION = "2020"
NEW_VERSION = "2021"
NEW_APPROVAL_DATE = _dt.date(2022, 9, 30)
# Towns of 青溪区 from west to east: (xzqdm, xzqmc).
TOWNS = (("500199001", "青溪街道"), ("500199101", "白云镇"), ("500199102", "石门镇"))
TOWN_CODES = {name: code for code, name in TOWNS}
JITTER_M = 0.3  # re-digitising moves a vertex by at most this much
SEED = sd.SEED + 2021

CORRIDOR_WIDTH_M = 40.0
SHIFT_M = 40.0
SHIFT_BEARING_DEG = 135.0  # counter-clockwise from east: north-west


def old_bsm(i: int) -> str:
    return f"{sd.XZQDM}2020{i:06d}"


def new_bsm(i: int) -> str:
    return f"{sd.XZQDM}2021{i:06d}"


(CORE_CUT, LEVEL1_CUT, MERGE_A, MERGE_B, MODIFIED, WITHDRAWN, SPLIT, SHIFT, NO_REASON,
 KEPT) = (old_bsm(i) for i in range(1, 11))
SPLIT_WEST, SPLIT_EAST, MERGED, HILL, LEVEL1_PATCH, PROJECT_PATCH, PLOT_PATCH = (new_bsm(i) for i in range(11, 18))
REDIGITISED = (CORE_CUT, LEVEL1_CUT, NO_REASON, KEPT)


def assign_towns(geoms_planar, x_range: Optional[tuple[float, float]] = None) -> list[str]:
    """The town (xzqmc) of each planar geometry: by the x of its centroid, in thirds of x_range
    (west → east: 青溪街道, 白云镇, 石门镇). x_range defaults to the x extent of the geometries."""
    geoms = list(geoms_planar)
    if not geoms:
        return []
    if x_range is None:
        bounds = shapely.bounds(np.asarray(geoms, dtype=object))
        x_range = (float(bounds[:, 0].min()), float(bounds[:, 2].max()))
    lo, hi = x_range
    towns = []
    for geom in geoms:
        k = int(math.floor(3.0 * (geom.centroid.x - lo) / (hi - lo))) if hi > lo else 0
        towns.append(TOWNS[min(max(k, 0), 2)][1])
    return towns


def build_redline_v2(workspace: str, out_path: str, crs: str = "EPSG:4490", overwrite: bool = False) -> dict:
    """Write the 2021 red line, the 2020 red line with towns and the change expectations of a sample-district
    workspace to a new GeoPackage out_path (layers `redline`, `redline_2020`, `redline_change_expectations`).

    Returns counts per layer, the planted changes (rows of the expectations table), the summed added and
    removed areas, the measured change of the red line's total (union) area and the towns per BSM.
    """
    crs = normalise_crs(crs)
    out_path = os.fspath(out_path)
    if os.path.exists(out_path) and not overwrite:
        raise WorkspaceExists(out_path)
    builder = _Builder(os.fspath(workspace))
    builder.build()
    old_geoms, old_records, new_geoms, new_records = builder.outputs(crs)
    rows = builder.expectation_rows()
    _write(out_path, crs, new_geoms, new_records, old_geoms, old_records, rows)
    added = sum(r["area_m2"] for r in rows if r["change_class"] == "added")
    removed = sum(r["area_m2"] for r in rows if r["change_class"] == "removed")
    return {
        NEW_LAYER: len(new_records),
        OLD_LAYER: len(old_records),
        EXPECTATIONS_LAYER: len(rows),
        "added_m2": added,
        "removed_m2": removed,
        "net_m2": added - removed,
        "union_change_m2": builder.union_change(),
        "towns": {OLD_VERSION: {r["bsm"]: r["xzqmc"] for r in old_records},
                  NEW_VERSION: {r["bsm"]: r["xzqmc"] for r in new_records}},
        "changes": rows,
    }


# --- geometry helpers (metres) -------------------------------------------------------------------


def _clean(geom: BaseGeometry, min_area: float = 1.0) -> MultiPolygon:
    """Polygon parts snap-rounded to a millimetre grid, without specks, as a MultiPolygon (largest first)."""
    parts = [p for p in shapely.get_parts(shapely.set_precision(geom, 0.001))]
    polygons: list[Polygon] = []
    while parts:
        p = parts.pop()
        if p.geom_type == "Polygon":
            if p.area >= min_area:
                polygons.append(p)
        elif p.geom_type in ("MultiPolygon", "GeometryCollection"):
            parts.extend(shapely.get_parts(p))
    return MultiPolygon(sorted(polygons, key=lambda p: -p.area))


def _blob(radius: float, rng: np.random.Generator, n: int = 120) -> Polygon:
    """A perturbed circle about the origin (star-shaped, so always simple)."""
    theta = np.linspace(0.0, 2.0 * math.pi, n, endpoint=False)
    factor = np.ones(n)
    for k, amplitude in ((2, 0.08), (3, 0.06), (5, 0.03)):
        factor += amplitude * np.sin(k * theta + rng.uniform(0.0, 2.0 * math.pi))
    return Polygon(np.column_stack([radius * factor * np.cos(theta), radius * factor * np.sin(theta)]))


def _redigitise(geom: BaseGeometry, rng: np.random.Generator) -> MultiPolygon:
    """Move every vertex by less than JITTER_M in a random direction, then scale each polygon about its centroid
    so that its area is unchanged (the slivers between the versions net to zero)."""
    polygons = []
    for poly in shapely.get_parts(geom):
        rings = []
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)[:-1]
            angle = rng.uniform(0.0, 2.0 * math.pi, len(xy))
            dist = rng.uniform(0.0, 0.8 * JITTER_M, len(xy))
            xy = xy + np.column_stack([dist * np.cos(angle), dist * np.sin(angle)])
            rings.append(np.vstack([xy, xy[:1]]))
        moved = Polygon(rings[0], rings[1:])
        scale = math.sqrt(poly.area / moved.area)
        polygons.append(affinity.scale(moved, scale, scale, origin=moved.centroid))
    out = _clean(MultiPolygon(polygons))
    if not out.is_valid or shapely.hausdorff_distance(out, geom) > JITTER_M:
        raise RuntimeError("sample red line v2: re-digitising failed")
    return out


def _transform(geoms: list[BaseGeometry], src: str, dst: str) -> list[BaseGeometry]:
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = geoms
    if CRS.from_user_input(src) == CRS.from_user_input(dst):
        return list(arr)
    fwd = Transformer.from_crs(src, dst, always_xy=True)
    return list(shapely.transform(arr, lambda x, y: fwd.transform(x, y), interleaved=False))


def _multi(geom: BaseGeometry) -> MultiPolygon:
    return geom if geom.geom_type == "MultiPolygon" else MultiPolygon([geom])


def _area(geom: BaseGeometry) -> float:
    return round(float(geom.area), 1)


def _overlap(a: BaseGeometry, b: BaseGeometry) -> float:
    """Area of a ∩ b (0 without computing it when they are apart: GEOS warns on some empty results)."""
    return float(a.intersection(b).area) if a.intersects(b) else 0.0


# --- the builder --------------------------------------------------------------------------------------


@dataclass
class _Feature:
    bsm: str
    record: dict[str, Any]  # name, eco_function, notes, reason
    geom: Optional[BaseGeometry]  # planar; None: the 2020 geometry unchanged
    old_index: Optional[int] = None


@dataclass
class _Change:
    change_class: str
    bsm_old: str
    bsm_new: str
    area: float
    flag: str
    note: str
    piece: Optional[BaseGeometry] = None  # planar; the planted piece of an added or removed change


class _Builder:
    def __init__(self, workspace: str) -> None:
        self.workspace = workspace
        self.rng = np.random.default_rng(SEED)
        self.features: list[_Feature] = []
        self.changes: list[_Change] = []

    # -- inputs --

    def _layer(self, key: str) -> tuple[list[BaseGeometry], list[dict[str, Any]]]:
        geoms, columns, _fids = read_layer(self.workspace, key)
        records = [{name: values[i] for name, values in columns.items()} for i in range(len(geoms))]
        return _transform(list(geoms), self.src_crs, PLANAR_CRS), records

    def _load(self) -> None:
        self.src_crs = pyogrio.read_info(self.workspace, layer="redline")["crs"]
        geoms, columns, _fids = read_layer(self.workspace, "redline")
        self.src_geoms = list(geoms)
        self.old_records = [{name: values[i] for name, values in columns.items()} for i in range(len(geoms))]
        self.old = [_multi(g) for g in _transform(self.src_geoms, self.src_crs, PLANAR_CRS)]
        self.index = {str(r["bsm"]): i for i, r in enumerate(self.old_records)}
        missing = [b for b in (old_bsm(i) for i in range(1, 11)) if b not in self.index]
        if missing:
            raise RuntimeError(f"sample red line v2: {self.workspace} lacks red-line patches {missing}")
        self.old_union = shapely.union_all(self.old)
        district, _ = self._layer("district")
        self.x_range = (district[0].bounds[0], district[0].bounds[2])
        self.inner_district = district[0].buffer(-300.0)
        reserves, reserve_recs = self._layer("nature_reserve")
        ws, ws_recs = self._layer("water_source_zone")
        plots, self.plot_recs = self._layer("contaminated_plot")
        projects, self.project_recs = self._layer("project")
        water, _ = self._layer("water_body")
        rivers, _ = self._layer("river")
        self.projects, self.plots = projects, plots
        self.core = [g for g, r in zip(reserves, reserve_recs) if r["zone"] == "core"]
        self.core_zones = shapely.union_all([g for g, r in zip(reserves, reserve_recs)
                                             if r["zone"] in ("core", "core_protection")])
        self.level1 = shapely.union_all([g for g, r in zip(ws, ws_recs) if r["level"] == "level1"])
        self.level1_of = {code: shapely.union_all([g for g, r in zip(ws, ws_recs)
                                                   if r["source_code"] == code and r["level"] == "level1"])
                          for code in {r["source_code"] for r in ws_recs}}
        self.listed = [g for g, r in zip(plots, self.plot_recs) if r["list_status"] == "listed"]
        self.project_tree = shapely.STRtree(projects)
        self.listed_tree = shapely.STRtree(self.listed) if self.listed else None
        # Everything a new patch keeps away from: (kind, index) per obstacle.
        self.obstacles = [*self.old, *reserves, *ws, *plots, *water, *rivers, *projects]
        self.obstacle_ids = ([("redline", i) for i in range(len(self.old))]
                             + [("reserve", i) for i in range(len(reserves))]
                             + [("water_source_zone", i) for i in range(len(ws))]
                             + [("plot", i) for i in range(len(plots))]
                             + [("water", i) for i in range(len(water) + len(rivers))]
                             + [("project", i) for i in range(len(projects))])
        self.obstacle_tree = shapely.STRtree(self.obstacles)

    def old_geom(self, bsm: str) -> MultiPolygon:
        return self.old[self.index[bsm]]

    def old_record(self, bsm: str) -> dict[str, Any]:
        return self.old_records[self.index[bsm]]

    def _clear(self, geom: BaseGeometry, margin: float, ignore: tuple[tuple[str, int], ...] = ()) -> bool:
        hits = self.obstacle_tree.query(geom, predicate="dwithin", distance=margin)
        return all(self.obstacle_ids[int(i)] in ignore for i in hits)

    # -- orchestration --

    def build(self) -> None:
        self._load()
        self._kept()
        self._core_cut()
        self._level1_cut()
        self._merge()
        self._modified()
        self._withdrawn()
        self._split()
        self._shift()
        self._no_reason()
        self._hill()
        self._level1_patch()
        self._project_patch()
        self._plot_patch()
        self.features.sort(key=lambda f: f.bsm)
        self._check()
        self.old_towns = dict(zip((str(r["bsm"]) for r in self.old_records), assign_towns(self.old, self.x_range)))
        self.new_towns = dict(zip((f.bsm for f in self.features),
                                  assign_towns([self._planar(f) for f in self.features], self.x_range)))

    def _keep(self, bsm: str, geom: Optional[BaseGeometry], reason: Optional[str], **changes: Any) -> _Feature:
        old = self.old_record(bsm)
        record = {"name": old["name"], "eco_function": old["eco_function"], "notes": old["notes"], "reason": reason}
        record.update(changes)
        feature = _Feature(bsm, record, geom, self.index[bsm])
        self.features.append(feature)
        return feature

    def _new(self, bsm: str, geom: BaseGeometry, name: str, function: str, reason: str, notes: str) -> None:
        record = {"name": name, "eco_function": function, "notes": notes, "reason": reason}
        self.features.append(_Feature(bsm, record, _clean(geom)))

    def _change(self, change_class: str, bsm_old: str, bsm_new: str, area: float, note: str, flag: str = "",
                piece: Optional[BaseGeometry] = None) -> None:
        self.changes.append(_Change(change_class, bsm_old, bsm_new, area, flag, note, piece))

    def _noise(self, bsm: str) -> None:
        self._change("noise", bsm, bsm, 0.0, f"边界重新数字化（顶点偏移不超过{JITTER_M}米，面积不变），"
                                             "只产生细碎图斑，不计入调整面积")

    # -- the planted changes --

    def _kept(self) -> None:
        self._keep(KEPT, _redigitise(self.old_geom(KEPT), self.rng), "保留")
        self._noise(KEPT)

    def _core_cut(self) -> None:
        """A hole around the largest project inside the legacy reserve's core zone."""
        old = self.old_geom(CORE_CUT)
        core = max(self.core, key=lambda g: g.area)
        inside = [i for i in self.project_tree.query(core, predicate="contains_properly")
                  if self.projects[int(i)].area > 0]
        if not inside or not old.buffer(-10.0).contains(core):
            raise RuntimeError("sample red line v2: no project inside the legacy core zone")
        i = int(max(inside, key=lambda k: self.projects[int(k)].area))
        hole = _clean(self.projects[i].buffer(15.0, join_style="mitre").intersection(core.buffer(-5.0)))
        if hole.area < 5000.0:
            raise RuntimeError("sample red line v2: core-zone cut too small")
        name = self.project_recs[i]["name"]
        self._keep(CORE_CUT, _clean(_redigitise(old, self.rng).difference(hole)), "扣除")
        self._change("removed", CORE_CUT, CORE_CUT, _area(hole),
                     f"扣除位于{sd.LEGACY_RESERVE}核心区内的“{name}”用地（核心区内调出红线）", "core_zone", hole)
        self._noise(CORE_CUT)

    def _level1_cut(self) -> None:
        """A disc inside the reservoir's level-1 zone."""
        old = self.old_geom(LEVEL1_CUT)
        zone = self.level1_of[sd.SOURCE_RESERVOIR]
        main = max(shapely.get_parts(zone), key=lambda g: g.area)
        centre = polylabel(main, tolerance=1.0)
        disc = _clean(centre.buffer(55.0, quad_segs=16))
        if not (zone.buffer(-2.0).contains(disc) and old.buffer(-2.0).contains(disc)):
            raise RuntimeError("sample red line v2: level-1 cut does not fit")
        self._keep(LEVEL1_CUT, _clean(_redigitise(old, self.rng).difference(disc)), "扣除")
        self._change("removed", LEVEL1_CUT, LEVEL1_CUT, _area(disc),
                     "扣除位于白云水库水源地一级保护区内的取水设施用地（一级保护区内调出红线）", "level1_water", disc)
        self._noise(LEVEL1_CUT)

    def _merge(self) -> None:
        """The two overlapping 东山 patches become one; the concave joints where their outlines cross are filled."""
        a, b = self.old_geom(MERGE_A), self.old_geom(MERGE_B)
        lens = a.intersection(b)
        if lens.area <= 0:
            raise RuntimeError("sample red line v2: the patches to merge do not overlap")
        union = shapely.union(a, b)
        ca, cb = np.asarray(a.centroid.coords[0]), np.asarray(b.centroid.coords[0])
        axis = (cb - ca) / np.linalg.norm(cb - ca)
        normal = np.array([-axis[1], axis[0]])
        tips = np.asarray(max(shapely.get_parts(lens), key=lambda g: g.area).exterior.coords)
        offset = (tips - ca) @ normal
        joints = []
        for tip in (tips[np.argmax(offset)], tips[np.argmin(offset)]):
            pieces = shapely.get_parts(Point(*tip).buffer(150.0, quad_segs=16).difference(union))
            joints.append(max(pieces, key=lambda g: g.area))
        bridge = _clean(shapely.union_all(joints))
        if any(j.area < 2000.0 for j in joints) or len(bridge.geoms) != 2:
            raise RuntimeError("sample red line v2: merge joints too small")
        merged = _clean(shapely.union(union, bridge))
        if len(merged.geoms) != 1:
            raise RuntimeError("sample red line v2: merged patch is not one polygon")
        ra, rb = self.old_record(MERGE_A), self.old_record(MERGE_B)
        self._new(MERGED, merged, "东山水源涵养与生物多样性维护生态保护红线", "water_conservation", "新增",
                  f"由{MERGE_A}与{MERGE_B}合并，连接处补划")
        self._change("added", "", MERGED, _area(bridge),
                     f"{ra['name']}与{rb['name']}合并，两处连接处补划入红线", piece=bridge)
        for bsm, other in ((MERGE_A, MERGE_B), (MERGE_B, MERGE_A)):
            self._change("merged", bsm, MERGED, _area(self.old_geom(bsm)),
                         f"{bsm}与{other}（2020年版相互重叠）合并为{MERGED}")

    def _modified(self) -> None:
        old = self.old_record(MODIFIED)
        name, function = "南岭生物多样性维护生态保护红线", "biodiversity"
        self._keep(MODIFIED, None, "保留", name=name, eco_function=function)
        self._change("modified", MODIFIED, MODIFIED, 0.0,
                     f"图形不变；名称“{old['name']}”改为“{name}”，生态功能类型{old['eco_function']}改为{function}")

    def _withdrawn(self) -> None:
        old = self.old_geom(WITHDRAWN)
        self._change("removed", WITHDRAWN, "", _area(old),
                     f"整图斑退出红线（{self.old_record(WITHDRAWN)['name']}；调整原因：退出；2021年版无对应图斑）",
                     piece=old)

    def _split(self) -> None:
        """A road corridor cut north–south through the patch's centroid."""
        old = self.old_geom(SPLIT)
        minx, miny, maxx, maxy = old.bounds
        cx = round(old.centroid.x)
        strip = shapely.box(cx - CORRIDOR_WIDTH_M / 2, miny - 10.0, cx + CORRIDOR_WIDTH_M / 2, maxy + 10.0)
        corridor = _clean(old.intersection(strip))
        parts = sorted(_clean(old.difference(strip)).geoms, key=lambda g: g.centroid.x)
        if len(parts) != 2 or len(corridor.geoms) != 1:
            raise RuntimeError("sample red line v2: the corridor does not split the patch in two")
        rec = self.old_record(SPLIT)
        base = str(rec["name"]).replace("北岭", "")
        for bsm, part, side in ((SPLIT_WEST, parts[0], "西"), (SPLIT_EAST, parts[1], "东")):
            self._new(bsm, part, f"北岭{side}片{base}", str(rec["eco_function"]), "退出",
                      f"原{SPLIT}被规划公路廊道分割后的{side}片")
            self._change("split", SPLIT, bsm, _area(part), f"{SPLIT}被规划公路廊道一分为二，{side}片为{bsm}")
        self._change("removed", SPLIT, "", _area(corridor),
                     f"规划公路廊道（宽{CORRIDOR_WIDTH_M:.0f}米）退出红线，{SPLIT}一分为二", piece=corridor)

    def _shift(self) -> None:
        old = self.old_geom(SHIFT)
        angle = math.radians(SHIFT_BEARING_DEG)
        new = _clean(affinity.translate(old, SHIFT_M * math.cos(angle), SHIFT_M * math.sin(angle)))
        added, removed = new.difference(old), old.difference(new)
        self._keep(SHIFT, new, "边界修正")
        note = f"边界修正：图斑整体向西北平移约{SHIFT_M:.0f}米，"
        self._change("added", SHIFT, SHIFT, _area(added), note + "新划入部分", piece=added)
        self._change("removed", SHIFT, SHIFT, _area(removed), note + "调出部分", piece=removed)

    def _no_reason(self) -> None:
        """A notch at the patch's southern tip, cut without a reason."""
        old = self.old_geom(NO_REASON)
        ring = np.asarray(max(old.geoms, key=lambda g: g.area).exterior.coords)
        tip = ring[np.argmin(ring[:, 1])]
        disc = Point(*tip).buffer(75.0, quad_segs=16)
        notch = _clean(old.intersection(disc))
        if notch.area < 5000.0 or len(notch.geoms) != 1:
            raise RuntimeError("sample red line v2: no-reason notch too small")
        self._keep(NO_REASON, _clean(_redigitise(old, self.rng).difference(disc)), None)
        self._change("removed", NO_REASON, NO_REASON, _area(notch), "图斑南端一块调出红线，未填写调整原因",
                     "no_reason", notch)
        self._noise(NO_REASON)

    def _hill(self) -> None:
        """A new patch > 1 km² in the western hills, away from everything."""
        shape = _blob(620.0, self.rng)
        third = self.x_range[0] + (self.x_range[1] - self.x_range[0]) / 3.0
        minx, miny, maxx, maxy = self.inner_district.bounds
        for x in np.arange(minx + 700.0, third - 700.0, 250.0):
            for y in np.arange(miny + 700.0, maxy - 700.0, 250.0):
                patch = affinity.translate(shape, float(x), float(y))
                if self.inner_district.contains(patch) and self._clear(patch, 100.0):
                    self._new(HILL, patch, "西山水土保持生态保护红线", "soil_conservation", "新增",
                              "新增图斑（西部山地）")
                    self._change("added", "", HILL, _area(patch), "新增图斑：西部山地划入生态保护红线",
                                 piece=patch)
                    return
        raise RuntimeError("sample red line v2: no room for the new hill patch")

    def _level1_patch(self) -> None:
        """The level-1 zone of 大江石门水源地 becomes a red-line patch, with holes around the projects in it."""
        zone = self.level1_of[sd.SOURCE_MAIN_B]
        near = [int(i) for i in self.project_tree.query(zone, predicate="dwithin", distance=10.0)]
        avoid = shapely.union_all([self.projects[i].buffer(5.0, quad_segs=8) for i in near]) if near else None
        patch = _clean(zone.difference(avoid) if avoid is not None else zone)
        self._new(LEVEL1_PATCH, patch, "大江石门水源地水源涵养生态保护红线", "water_conservation", "新增",
                  "大江石门水源地一级保护区划入红线")
        self._change("added", "", LEVEL1_PATCH, _area(patch),
                     f"大江石门水源地一级保护区划入红线（新增图斑，避让区内{len(near)}个既有项目）", piece=patch)

    def _corner_patch(self, target: BaseGeometry, ignore: tuple[str, int], radius: float, margin: float,
                      min_overlap: float) -> Optional[Polygon]:
        """A blob over one corner of target, overlapping it by at least min_overlap, clear of everything else."""
        shape = _blob(radius, self.rng)
        poly = max(shapely.get_parts(target), key=lambda g: g.area)
        c = np.asarray(poly.centroid.coords[0])
        for corner in np.asarray(poly.exterior.coords)[:-1]:
            out = (corner - c) / np.linalg.norm(corner - c)
            x, y = corner + out * 0.4 * radius
            patch = affinity.translate(shape, float(x), float(y))
            overlap = _overlap(patch, target)
            if min_overlap <= overlap <= 0.6 * target.area and self.inner_district.contains(patch) \
                    and self._clear(patch, margin, (ignore,)):
                return patch
        return None

    def _project_patch(self) -> None:
        """A new small patch partly over a polygon project in the west with nothing else around it."""
        third = self.x_range[0] + (self.x_range[1] - self.x_range[0]) / 3.0
        order = sorted(range(len(self.projects)), key=lambda k: str(self.project_recs[k]["project_code"]))
        for i in order:
            geom, rec = self.projects[i], self.project_recs[i]
            if geom.area <= 0 or geom.centroid.x >= third or not self._clear(geom, 300.0, (("project", i),)):
                continue
            patch = self._corner_patch(geom, ("project", i), 90.0, 30.0, 1000.0)
            if patch is None:
                continue
            self._new(PROJECT_PATCH, patch, "石桥生物多样性维护生态保护红线", "biodiversity", "新增",
                      "新增图斑（与既有建设项目重叠）")
            self._change("added", "", PROJECT_PATCH, _area(patch),
                         f"新增图斑与建设项目“{rec['name']}”（{rec['project_code']}）重叠", "project", patch)
            return
        raise RuntimeError("sample red line v2: no project for the project-overlap patch")

    def _plot_patch(self) -> None:
        """A new small patch partly over a listed contaminated plot."""
        order = sorted(range(len(self.plots)), key=lambda k: str(self.plot_recs[k]["plot_code"]))
        for i in order:
            rec = self.plot_recs[i]
            if rec["list_status"] != "listed":
                continue
            patch = self._corner_patch(self.plots[i], ("plot", i), 80.0, 15.0, 1500.0)
            if patch is None:
                continue
            self._new(PLOT_PATCH, patch, "滨江水土保持生态保护红线", "soil_conservation", "新增",
                      "新增图斑（与名录内污染地块重叠）")
            self._change("added", "", PLOT_PATCH, _area(patch),
                         f"新增图斑与名录内污染地块“{rec['name']}”（{rec['plot_code']}）重叠", "listed_plot", patch)
            return
        raise RuntimeError("sample red line v2: no listed plot for the plot-overlap patch")

    # -- checks and outputs --

    def _planar(self, feature: _Feature) -> BaseGeometry:
        return feature.geom if feature.geom is not None else self.old[feature.old_index]

    def _flag_of(self, change: _Change) -> str:
        """The flag a change's piece earns by geometry (and reason), to check against the planted flag."""
        piece = change.piece
        if change.change_class == "removed":
            if _overlap(piece, self.core_zones) > 1.0:
                return "core_zone"
            if _overlap(piece, self.level1) > 1.0:
                return "level1_water"
            successors = [f for f in self.features if f.bsm == change.bsm_new] if change.bsm_new else []
            if successors and not successors[0].record["reason"]:
                return "no_reason"
            return ""
        if len(self.project_tree.query(piece, predicate="intersects")):
            return "project"
        if self.listed_tree is not None and len(self.listed_tree.query(piece, predicate="intersects")):
            return "listed_plot"
        return ""

    def _check(self) -> None:
        for change in self.changes:
            if change.piece is None:
                continue
            if change.flag != self._flag_of(change):
                raise RuntimeError(f"sample red line v2: {change.note} should be flagged '{change.flag}'")
            # Unflagged additions keep a metre clear of projects (re-digitising elsewhere stays thinner).
            if change.change_class == "added" and not change.flag:
                if len(self.project_tree.query(change.piece, predicate="dwithin", distance=1.0)):
                    raise RuntimeError(f"sample red line v2: {change.note} touches a project")
        geoms = [self._planar(f) for f in self.features]
        if not all(g.is_valid for g in geoms):
            raise RuntimeError("sample red line v2: invalid 2021 patch")
        tree = shapely.STRtree(geoms)
        for i, j in zip(*tree.query(geoms, predicate="dwithin", distance=1.0)):
            if i < j:
                raise RuntimeError(f"sample red line v2: {self.features[i].bsm} touches {self.features[j].bsm}")

    def union_change(self) -> float:
        new = shapely.union_all([self._planar(f) for f in self.features])
        return round(float(new.area - self.old_union.area), 1)

    def outputs(self, crs: str) -> tuple[list, list, list, list]:
        old_geoms = [_multi(g) for g in _transform(self.src_geoms, self.src_crs, crs)]
        old_records = []
        for rec in self.old_records:
            town = self.old_towns[str(rec["bsm"])]
            old_records.append({**{k: rec[k] for k in LAYER_TYPES["redline"].field_names()},
                                "xzqdm": TOWN_CODES[town], "xzqmc": town, "version": OLD_VERSION})
        planar = [f.geom for f in self.features if f.geom is not None]
        moved = iter(_transform(planar, PLANAR_CRS, crs))
        new_geoms, new_records = [], []
        for feature in self.features:
            town = self.new_towns[feature.bsm]
            geom = next(moved) if feature.geom is not None else old_geoms[feature.old_index]
            new_geoms.append(_multi(geom))
            new_records.append({"bsm": feature.bsm, "name": feature.record["name"],
                                "eco_function": feature.record["eco_function"], "xzqdm": TOWN_CODES[town],
                                "xzqmc": town, "version": NEW_VERSION, "approval_date": NEW_APPROVAL_DATE,
                                "notes": feature.record["notes"], REASON_FIELD: feature.record["reason"]})
        if not all(g.is_valid for g in new_geoms + old_geoms):
            raise RuntimeError(f"sample red line v2: a patch turns invalid in {crs}")
        return old_geoms, old_records, new_geoms, new_records

    def expectation_rows(self) -> list[dict[str, Any]]:
        rows = []
        for c in self.changes:
            division = self.old_towns[c.bsm_old] if c.change_class == "removed" else self.new_towns[c.bsm_new]
            rows.append({"change_class": c.change_class, "bsm_old": c.bsm_old, "bsm_new": c.bsm_new,
                         "division": division, "area_m2": float(c.area), "flag": c.flag, "note": c.note})
        return rows


# --- writing --------------------------------------------------------------------------------------


def _columns(records: list[dict[str, Any]], names: list[str]) -> list[np.ndarray]:
    out = []
    for name in names:
        values = [r.get(name) for r in records]
        if name == "approval_date":
            out.append(np.array(["NaT" if v is None or (isinstance(v, np.datetime64) and np.isnat(v))
                                 else np.datetime64(v, "D") for v in values], dtype="datetime64[D]"))
        else:
            out.append(np.array([None if v is None else str(v) for v in values], dtype=object))
    return out


def _write(path: str, crs: str, new_geoms: list, new_records: list, old_geoms: list, old_records: list,
           rows: list[dict[str, Any]]) -> None:
    """Write the three layers into a temporary file next to path, then move it into place."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".creating-{os.path.basename(os.path.splitext(path)[0])}.gpkg")
    if os.path.exists(tmp):
        os.remove(tmp)
    fields = LAYER_TYPES["redline"].field_names()
    try:
        for layer, geoms, records, names in ((NEW_LAYER, new_geoms, new_records, [*fields, REASON_FIELD]),
                                             (OLD_LAYER, old_geoms, old_records, fields)):
            wkb = np.array(shapely.to_wkb(np.asarray(geoms, dtype=object), flavor="iso"), dtype=object)
            pyogrio.raw.write(tmp, wkb, _columns(records, names), names, layer=layer, driver="GPKG",
                              geometry_type="MultiPolygon", crs=crs, dataset_options=GPKG_OPTIONS,
                              append=os.path.exists(tmp))
        columns = [np.array([r[name] for r in rows], dtype="float64" if name == "area_m2" else object)
                   for name in EXPECTATION_FIELDS]
        pyogrio.raw.write(tmp, None, columns, list(EXPECTATION_FIELDS), layer=EXPECTATIONS_LAYER, driver="GPKG",
                          append=True)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
