"""Default drinking-water source protection zones (饮用水水源保护区) where none are delineated yet.

From intake points and the water body each draws from, zones are drawn with the HJ 338-2018
default sizes in core/data/water_zone_defaults.yaml (unverified, editable):

- river intakes: level-1 water from 1000 m upstream to 100 m downstream along the channel over the
  river network (upstream into every tributary at a confluence, downstream through it), as the
  river polygon clipped to that reach, or the reach buffered to the river width; level-2 water a
  further 2000 m up / 200 m down; land zones are bank buffers (50 m, 1000 m) along the same reach;
- lakes and reservoirs: a radius around the intake inside the water polygon (300 m medium, 500 m
  large, or the whole surface when small) and a 200 m land ring on the intake side;
- groundwater wells: radii (30 m, 300 m) or R = α·K·I·T/n from the hydrogeology given.

Everything is measured in metres in the CGCS2000 Gauss-Krüger zone of the intakes and written in
the workspace CRS, in the water_source_zone schema with delineation = generated_default. A source
that already has zones (official or generated) is skipped and reported, never duplicated.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
import yaml
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from .crs import CGCS2000_GEOGRAPHIC, gauss_kruger_epsg
from .errors import (
    InvalidZoneDefaults,
    MissingCRS,
    NoIntakes,
    NoZoneOutput,
    UnknownFlowField,
    UnknownLakeSize,
    ZoneOutputIsAnInput,
    ZoneRiversNotLines,
)
from .river_network import NetworkIssue, RiverNetwork, is_reversed

DEFAULTS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "water_zone_defaults.yaml")
DELINEATION = "generated_default"
NOTE = "默认生成，待正式划定 / generated default — needs official delineation"
LAKE_SIZES = ("auto", "small", "medium", "large")
LEVELS = ("level1", "level2")
ZONE_LAYER = "water_source_zone"


# --- settings -------------------------------------------------------------------------------


def zone_defaults(path: str | None = None) -> dict:
    """The zone sizes: the shipped HJ 338 defaults, or a user's copy (same keys)."""
    with open(DEFAULTS_FILE, encoding="utf-8") as fh:
        shipped = yaml.safe_load(fh)
    if path is None:
        return shipped
    try:
        with open(path, encoding="utf-8") as fh:
            user = yaml.safe_load(fh)
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidZoneDefaults(path, str(exc)) from None
    if not isinstance(user, dict):
        raise InvalidZoneDefaults(path, "it is not a YAML mapping")
    merged = {k: (dict(v) if isinstance(v, dict) else v) for k, v in shipped.items()}
    for section, values in user.items():
        if section not in shipped:
            raise InvalidZoneDefaults(path, f"unknown section '{section}'")
        if isinstance(shipped[section], dict):
            if not isinstance(values, dict):
                raise InvalidZoneDefaults(path, f"section '{section}' must be a mapping")
            for key, value in values.items():
                if key not in shipped[section]:
                    raise InvalidZoneDefaults(path, f"unknown key '{section}.{key}'")
                merged[section][key] = value
        else:
            merged[section] = values
    _check_sizes(merged, path)
    return merged


def _check_sizes(settings: dict, where: str) -> None:
    for section in ("river", "lake_reservoir", "groundwater", "matching"):
        for key, value in settings[section].items():
            if key == "size":
                if value not in LAKE_SIZES:
                    raise UnknownLakeSize(str(value))
                continue
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0 or (
                    value == 0 and key not in ("snap_m", "level1_downstream_m", "level2_downstream_m")):
                raise InvalidZoneDefaults(where, f"{section}.{key} = {value!r} is not a positive number")


@dataclass
class Hydrogeology:
    """Aquifer figures for R = α·K·I·T/n (radius of a well's zone, metres)."""

    alpha: float  # flow-velocity factor (变化系数 α)
    k_m_per_day: float  # hydraulic conductivity K
    gradient: float  # hydraulic gradient I
    porosity: float  # effective porosity n

    def radius(self, days: float) -> float:
        return self.alpha * self.k_m_per_day * self.gradient * days / self.porosity


# --- inputs and results (planar metres) ---------------------------------------------------------


@dataclass
class Intake:
    source_code: str
    name: str
    water_body_type: str | None  # river | lake_reservoir | groundwater | None (inferred)
    point: Point
    source_name: str | None = None
    daily_supply_t: float | None = None
    population_served: int | None = None
    xzqdm: str | None = None
    xzqmc: str | None = None


@dataclass
class RiverLine:
    geometry: BaseGeometry
    name: str = ""
    width_m: float | None = None
    reversed: bool = False


@dataclass
class GeneratedZone:
    source_code: str
    level: str  # level1 | level2
    part: str  # water | land
    geometry: MultiPolygon
    record: dict[str, Any]


@dataclass
class Reach:
    """The channel a river zone covers: for checking lengths along the channel."""

    source_code: str
    level: str
    geometry: BaseGeometry  # MultiLineString
    upstream_m: float
    downstream_m: float
    upstream_reached_m: float | None = None  # how far the channel goes (less than wanted: cut short)
    downstream_reached_m: float | None = None

    @property
    def length_m(self) -> float:
        return self.geometry.length

    @property
    def short(self) -> bool:
        return self.upstream_reached_m is not None and (
            self.upstream_reached_m < self.upstream_m - 1.0 or self.downstream_reached_m < self.downstream_m - 1.0)


@dataclass
class ZoneIssue:
    """A reason a source got no zones, or a defect of the inputs, with where it is."""

    kind: str  # far_from_water | has_official_zones | has_generated_zones | inside_existing_zone | no_river_lines
    #            | short_reach | network:<kind>
    source_code: str | None
    x: float
    y: float
    message: str
    message_zh: str


@dataclass
class WaterZoneResult:
    zones: list[GeneratedZone] = field(default_factory=list)
    reaches: list[Reach] = field(default_factory=list)
    issues: list[ZoneIssue] = field(default_factory=list)
    generated_sources: list[str] = field(default_factory=list)
    skipped_sources: list[str] = field(default_factory=list)
    planar_crs: str = ""
    crs: str = ""  # CRS of the written geometries
    settings: dict = field(default_factory=dict)

    def reach(self, source_code: str, level: str) -> Reach | None:
        return next((r for r in self.reaches if r.source_code == source_code and r.level == level), None)

    def zone(self, source_code: str, level: str, part: str) -> GeneratedZone | None:
        return next((z for z in self.zones if (z.source_code, z.level, z.part) == (source_code, level, part)), None)


# --- geometry ------------------------------------------------------------------------------------


def _polygons(geom: BaseGeometry | None, min_area: float = 0.01) -> MultiPolygon:
    """The polygon parts of an overlay result as a valid MultiPolygon, without slivers, largest first."""
    if geom is None or geom.is_empty:
        return MultiPolygon()
    parts, stack = [], [geom if geom.is_valid else shapely.make_valid(geom)]
    while stack:
        g = stack.pop()
        if isinstance(g, Polygon):
            if g.area >= min_area:
                parts.append(g)
        elif hasattr(g, "geoms"):
            stack.extend(g.geoms)
    return MultiPolygon(sorted(parts, key=lambda p: -p.area))


def _corridor(pieces: list[tuple[LineString, float]]) -> BaseGeometry:
    """Flat-ended buffers of reach pieces (each with its own distance), joined at shared ends so a
    bend or a confluence leaves no notch; the free ends stay square across the channel."""
    if not pieces:
        return Polygon()
    ends: dict[tuple[float, float], list[float]] = {}
    for line, dist in pieces:
        for c in (line.coords[0], line.coords[-1]):
            ends.setdefault((round(c[0], 3), round(c[1], 3)), []).append(dist)
    shapes = [line.buffer(dist, quad_segs=8, cap_style="flat") for line, dist in pieces]
    shapes += [Point(xy).buffer(max(d), quad_segs=8) for xy, d in ends.items() if len(d) >= 2]
    return shapely.union_all(shapes)


def _half_width(line: RiverLine, default_width: float) -> float:
    return (line.width_m if line.width_m and line.width_m > 0 else default_width) / 2.0


def _estimated_half_width(piece: LineString, water: BaseGeometry) -> float:
    """Half the river width from its polygon: the largest distance from the centre line to a bank."""
    samples = [piece.interpolate(f, normalized=True) for f in np.linspace(0.0, 1.0, 11)]
    inside = [p for p in samples if water.contains(p)]
    if not inside:
        return 0.0
    return max(water.boundary.distance(p) for p in inside)


# --- the generator -------------------------------------------------------------------------------


class ZoneGenerator:
    """Zones for intakes in planar metres; inputs are already reprojected."""

    def __init__(self, settings: dict, *, rivers: list[RiverLine] = (), river_polygons: list[BaseGeometry] = (),
                 lakes: list[BaseGeometry] = (), lake_size: str | None = None,
                 hydrogeology: Hydrogeology | None = None) -> None:
        self.settings = settings
        self.rivers = list(rivers)
        self.river_water = shapely.union_all([g for g in river_polygons if g is not None]) if river_polygons else None
        if self.river_water is not None and self.river_water.is_empty:
            self.river_water = None
        self.lakes = [g for g in lakes if g is not None and not g.is_empty]
        self.lake_size = lake_size or settings["lake_reservoir"]["size"]
        if self.lake_size not in LAKE_SIZES:
            raise UnknownLakeSize(self.lake_size)
        self.hydrogeology = hydrogeology
        m = settings["matching"]
        self.tolerance = float(m["intake_tolerance_m"])
        self.network = RiverNetwork.build([r.geometry for r in self.rivers], source="--rivers",
                                          reversed_flags=[r.reversed for r in self.rivers],
                                          names=[r.name for r in self.rivers], snap_m=float(m["snap_m"]))
        default_width = float(settings["river"]["default_width_m"])
        self._half = [_half_width(r, default_width) for r in self.rivers]
        self._known_width = [bool(r.width_m and r.width_m > 0) for r in self.rivers]
        channel = [e.line.buffer(self._half[e.source], quad_segs=4) for e in self.network.edges]
        self.all_water = shapely.union_all(
            [g for g in ([self.river_water] if self.river_water is not None else channel) + self.lakes])

    # -- which water body --

    def _river_position(self, intake: Intake):
        if not self.network.edges:
            return None
        pos = self.network.locate(intake.point, self.tolerance + max(self._half) + 1.0)
        if pos is None:
            return None
        edge = self.network.edges[pos.edge]
        near_polygon = self.river_water is not None and self.river_water.distance(intake.point) <= self.tolerance
        if near_polygon or pos.distance_m <= self._half[edge.source] + self.tolerance:
            return pos
        return None

    def _lake(self, intake: Intake) -> BaseGeometry | None:
        near = [(lake.distance(intake.point), i) for i, lake in enumerate(self.lakes)]
        near = [(d, i) for d, i in near if d <= self.tolerance]
        return self.lakes[min(near)[1]] if near else None

    def zones_for(self, intake: Intake) -> tuple[str | None, list[tuple[str, str, BaseGeometry]], list[Reach]]:
        """(water-body type used, [(level, part, geometry)], reaches); type None when the intake is too far
        from any water body of its type."""
        kind = intake.water_body_type
        if kind == "groundwater":
            return kind, self._well(intake), []
        if kind in (None, "lake_reservoir"):
            lake = self._lake(intake)
            if lake is not None:
                return "lake_reservoir", self._lake_zones(intake, lake), []
            if kind == "lake_reservoir":
                return None, [], []
        pos = self._river_position(intake)
        if pos is None:
            return None, [], []
        zones, reaches = self._river_zones(intake, pos)
        return "river", zones, reaches

    # -- rivers --

    def _river_zones(self, intake: Intake, pos) -> tuple[list[tuple[str, str, BaseGeometry]], list[Reach]]:
        r = self.settings["river"]
        up1, down1 = float(r["level1_upstream_m"]), float(r["level1_downstream_m"])
        up2, down2 = up1 + float(r["level2_upstream_m"]), down1 + float(r["level2_downstream_m"])
        out, reaches = [], []
        water_prev = land_prev = None
        for level, (up, down), land_m in (("level1", (up1, down1), float(r["level1_land_m"])),
                                          ("level2", (up2, down2), float(r["level2_land_m"]))):
            pieces = self.network.reach_pieces(pos, up, down)
            got_up, got_down = self.network.reach_extent(pos, up, down)
            reaches.append(Reach(intake.source_code, level, shapely.MultiLineString([p for _e, p in pieces]),
                                 up, down, got_up, got_down))
            halves = []
            for e, piece in pieces:
                src = self.network.edges[e].source
                half = self._half[src]
                if self.river_water is not None and not self._known_width[src]:
                    half = max(half, _estimated_half_width(piece, self.river_water))
                halves.append((piece, half))
            if self.river_water is not None:
                water = self.river_water.intersection(_corridor([(p, h + 10.0) for p, h in halves]))
            else:
                water = _corridor(halves)
            land = water.buffer(land_m, quad_segs=8).intersection(_corridor([(p, h + land_m + 1.0) for p, h in halves]))
            land = land.difference(self.all_water)
            if water_prev is not None:
                land = land.difference(land_prev).difference(water_prev)
                water = water.difference(water_prev)
            full_water = water if water_prev is None else shapely.union(water, water_prev)
            full_land = land if land_prev is None else shapely.union(land, land_prev)
            out += [(level, "water", water), (level, "land", land)]
            water_prev, land_prev = full_water, full_land
        return out, reaches

    # -- lakes and reservoirs --

    def lake_size_of(self, lake: BaseGeometry) -> str:
        if self.lake_size != "auto":
            return self.lake_size
        return "large" if lake.area >= float(self.settings["lake_reservoir"]["large_area_km2"]) * 1e6 else "medium"

    def _lake_zones(self, intake: Intake, lake: BaseGeometry) -> list[tuple[str, str, BaseGeometry]]:
        s = self.settings["lake_reservoir"]
        size = self.lake_size_of(lake)
        if size == "small":
            w1 = lake
        else:
            radius = float(s["level1_radius_large_m" if size == "large" else "level1_radius_medium_m"])
            w1 = lake.intersection(intake.point.buffer(radius, quad_segs=16))
            if w1.is_empty:  # an intake on the shore just outside the polygon
                w1 = lake.intersection(intake.point.buffer(radius + lake.distance(intake.point), quad_segs=16))
        l1 = w1.buffer(float(s["level1_land_m"]), quad_segs=8).difference(lake)
        if size == "large":
            w2 = lake.intersection(w1.buffer(float(s["level2_radius_large_m"]), quad_segs=8)).difference(w1)
        else:
            w2 = lake.difference(w1)
        l2 = shapely.union(w1, w2).buffer(float(s["level2_land_m"]), quad_segs=8).difference(lake).difference(l1)
        l1, l2 = l1.difference(self.all_water), l2.difference(self.all_water)
        return [("level1", "water", w1), ("level1", "land", l1), ("level2", "water", w2), ("level2", "land", l2)]

    # -- wells --

    def well_radii(self) -> tuple[float, float]:
        g = self.settings["groundwater"]
        if self.hydrogeology is not None:
            return self.hydrogeology.radius(float(g["level1_days"])), self.hydrogeology.radius(float(g["level2_days"]))
        return float(g["level1_radius_m"]), float(g["level2_radius_m"])

    def _well(self, intake: Intake) -> list[tuple[str, str, BaseGeometry]]:
        r1, r2 = self.well_radii()
        l1 = intake.point.buffer(r1, quad_segs=16)
        l2 = intake.point.buffer(max(r2, r1), quad_segs=16).difference(l1)
        return [("level1", "land", l1), ("level2", "land", l2)]


def _record(intake: Intake, level: str, part: str, water_body_type: str) -> dict[str, Any]:
    supply, people = intake.daily_supply_t, intake.population_served
    thousand_ton = None
    if supply is not None or people is not None:
        thousand_ton = (supply or 0) >= 1000 or (people or 0) >= 10000
    return {"source_code": intake.source_code, "source_name": intake.source_name or intake.name, "level": level,
            "part": part, "water_body_type": water_body_type, "thousand_ton": thousand_ton,
            "daily_supply_t": supply, "population_served": people, "delineation": DELINEATION,
            "xzqdm": intake.xzqdm, "xzqmc": intake.xzqmc, "notes": NOTE}


def code_key(code) -> str:
    """A source code as compared: trimmed and case-folded (' s1 ' and 'S1' are the same source)."""
    return str(code).strip().casefold()


def existing_zone_status(codes: list, delineations: list) -> dict[str, str]:
    """code_key(source_code) → 'official' (any zone official or with no delineation) or 'generated'."""
    status: dict[str, str] = {}
    for code, how in zip(codes, delineations):
        if code is None or (isinstance(code, float) and math.isnan(code)) or not str(code).strip():
            continue
        code = code_key(code)
        official = how is None or (isinstance(how, float) and math.isnan(how)) or str(how).strip() in ("", "official")
        if official or code not in status:
            status[code] = "official" if official else "generated"
    return status


def generate_zones(intakes: list[Intake], generator: ZoneGenerator, existing: dict[str, str] | None = None,
                   existing_zones: list[tuple[str | None, BaseGeometry]] | None = None) -> WaterZoneResult:
    """Zones for every intake whose source has none yet (planar geometries). existing maps code_key(source
    code) → status (see existing_zone_status; plain codes work too); an intake inside any of existing_zones
    ((source code, planar geometry)) is skipped as well, whatever its code."""
    existing = {code_key(k): v for k, v in (existing or {}).items()}
    zone_geoms = [(c, g) for c, g in (existing_zones or ()) if g is not None and not g.is_empty]
    zone_tree = shapely.STRtree([g for _c, g in zone_geoms]) if zone_geoms else None
    result = WaterZoneResult(settings=generator.settings)
    for issue in generator.network.issues:
        result.issues.append(_network_issue(issue))
    by_source: dict[str, dict[tuple[str, str], list[BaseGeometry]]] = {}
    first: dict[str, tuple[Intake, str]] = {}
    no_rivers: list[Intake] = []
    for intake in intakes:
        code = intake.source_code
        p = intake.point
        inside = [int(k) for k in zone_tree.query(p, predicate="intersects")] if zone_tree is not None else []
        if code_key(code) not in existing and inside:
            other = zone_geoms[min(inside)][0] or "?"
            if code not in result.skipped_sources:
                result.skipped_sources.append(code)
            result.issues.append(ZoneIssue(
                "inside_existing_zone", code, p.x, p.y,
                f"Intake {intake.name or code} ({code}) lies inside an existing protection zone (of source {other}); "
                "nothing generated. Check its source_code, or delete that zone first.",
                f"取水口 {intake.name or code}（{code}）位于已有保护区（水源 {other}）内，未生成默认保护区。"
                "请核对其水源编码，或先删除该保护区。"))
            continue
        if code_key(code) in existing:
            if code not in result.skipped_sources:
                result.skipped_sources.append(code)
                if existing[code_key(code)] == "official":
                    result.issues.append(ZoneIssue(
                        "has_official_zones", code, p.x, p.y,
                        f"{code} already has protection zones (official or of unknown delineation); kept as they are, "
                        "nothing generated.",
                        f"{code} 已有保护区（正式划定或未注明划定方式），保持不变，未生成默认保护区。"))
                else:
                    result.issues.append(ZoneIssue(
                        "has_generated_zones", code, p.x, p.y,
                        f"{code} already has generated default zones; delete them first to generate them again.",
                        f"{code} 已有默认生成的保护区；如需重新生成，请先删除原有默认保护区。"))
            continue
        kind, zones, reaches = generator.zones_for(intake)
        if kind is None and not generator.network.edges and intake.water_body_type in (None, "river"):
            if code not in result.skipped_sources:
                result.skipped_sources.append(code)
            no_rivers.append(intake)
            continue
        if kind is None:
            if code not in result.skipped_sources:
                result.skipped_sources.append(code)
            what = {"river": "river line", "lake_reservoir": "lake or reservoir polygon"}.get(
                intake.water_body_type or "", "river line or lake/reservoir polygon")
            what_zh = {"river": "河流中心线", "lake_reservoir": "湖库水面"}.get(
                intake.water_body_type or "", "河流或湖库")
            tol = generator.tolerance
            result.issues.append(ZoneIssue(
                "far_from_water", code, p.x, p.y,
                f"Intake {intake.name or code} ({code}) is farther than {tol:g} m from any {what}; skipped. Check its "
                "position and water_body_type (a well is groundwater), add the water body, or raise the intake "
                "tolerance.",
                f"取水口 {intake.name or code}（{code}）距最近的{what_zh}超过 {tol:g} 米，已跳过。"
                "请核对其位置和水体类型（水井为地下水），补充相应水体，或增大取水口容差。"))
            continue
        first.setdefault(code, (intake, kind))
        slots = by_source.setdefault(code, {})
        for level, part, geom in zones:
            slots.setdefault((level, part), []).append(geom)
        result.reaches += reaches
    if no_rivers:
        codes = list(dict.fromkeys(i.source_code for i in no_rivers))
        shown = ", ".join(codes[:10]) + (f" … ({len(codes)} in all)" if len(codes) > 10 else "")
        shown_zh = "、".join(codes[:10]) + (f" 等共 {len(codes)} 个" if len(codes) > 10 else "")
        p = no_rivers[0].point
        result.issues.append(ZoneIssue(
            "no_river_lines", None, p.x, p.y,
            f"There are no river centre lines, so {len(codes)} river intake(s) got no zones: {shown}. Add the river "
            "lines to the workspace layer river or give them with --rivers.",
            f"没有河流中心线，{len(codes)} 个河流型取水口未生成保护区：{shown_zh}。请在工作空间的“河流”（river）图层中"
            "添加河流中心线，或用 --rivers 指定。"))
    _short_reach_issues(result, first)
    for code, slots in by_source.items():
        intake, kind = first[code]
        merged = {key: shapely.union_all(geoms) for key, geoms in slots.items()}
        taken = None
        for level in LEVELS:  # level 2 never overlaps level 1; land never overlaps water
            for part in ("water", "land"):
                if (level, part) not in merged:
                    continue
                geom = merged[(level, part)]
                if taken is not None:
                    geom = geom.difference(taken)
                if part == "land" and (level, "water") in merged:
                    geom = geom.difference(merged[(level, "water")])
                poly = _polygons(geom)
                if poly.is_empty:
                    continue
                result.zones.append(GeneratedZone(code, level, part, poly, _record(intake, level, part, kind)))
            level_all = [merged[k] for k in merged if k[0] == level]
            taken = shapely.union_all(level_all + ([taken] if taken is not None else []))
        result.generated_sources.append(code)
    return result


def _short_reach_issues(result: WaterZoneResult, first: dict[str, tuple[Intake, str]]) -> None:
    """One 'short_reach' issue per source whose reach a line end or a gap cuts short."""
    names_zh = {"level1": "一级", "level2": "二级"}
    for code, (intake, _kind) in first.items():
        short = [r for r in result.reaches if r.source_code == code and r.short]
        if not short:
            continue
        en, zh = [], []
        for r in short:
            got, want = r.upstream_reached_m + r.downstream_reached_m, r.upstream_m + r.downstream_m
            en.append(f"{r.level}: {got:.0f} m of {want:.0f} m ({r.upstream_reached_m:.0f} of {r.upstream_m:.0f} m "
                      f"upstream, {r.downstream_reached_m:.0f} of {r.downstream_m:.0f} m downstream)")
            zh.append(f"{names_zh[r.level]}保护区 {got:.0f} 米，应为 {want:.0f} 米（上游 {r.upstream_reached_m:.0f}/"
                      f"{r.upstream_m:.0f} 米，下游 {r.downstream_reached_m:.0f}/{r.downstream_m:.0f} 米）")
        p = intake.point
        result.issues.append(ZoneIssue(
            "short_reach", code, p.x, p.y,
            f"The river reach of {code} is cut short by a line end or a gap in the river lines: " + "; ".join(en)
            + ". Check the network issues near it (gaps, line ends) or extend the river lines.",
            f"{code} 的沿河范围因河线端点或断开处而不足：" + "；".join(zh)
            + "。请核对附近的河网问题（断开、端点）或延长河线。"))


def _network_issue(issue: NetworkIssue) -> ZoneIssue:
    return ZoneIssue(f"network:{issue.kind}", None, issue.x, issue.y, issue.detail, issue.detail_zh)


# --- reading, reprojecting, writing ------------------------------------------------------------------


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _planar_crs(points: np.ndarray, crs: str) -> str:
    from .screening import reproject

    lonlat = reproject(np.asarray(points, dtype=object), crs, CGCS2000_GEOGRAPHIC)
    lon = float(np.mean([g.centroid.x for g in lonlat]))
    return gauss_kruger_epsg(lon)


def _load(spec: str | None, workspace: str | None, key: str, keep_extra: bool = False,
          source_crs: str | None = None):
    """A layer from FILE[:LAYER] (columns mapped to the schema), else the workspace's layer, else None.
    source_crs is the CRS of a file that has none (a file's own CRS always wins)."""
    from .screening_io import _from_file, _from_workspace

    if spec:
        try:
            layer, notes = _from_file(spec, key, keep_extra=keep_extra)
        except MissingCRS:
            if not source_crs:
                raise
            layer, notes = _from_file(spec, key, source_crs, keep_extra=keep_extra)
        return layer, notes
    if workspace:
        return _from_workspace(workspace, key), []
    return None, []


def run_water_zones(
    *,
    workspace: str | None = None,
    intakes: str | None = None,
    rivers: str | None = None,
    river_polygons: str | None = None,
    lakes: str | None = None,
    existing: str | None = None,
    reversed_field: str | None = None,
    defaults: str | None = None,
    lake_size: str | None = None,
    well_level2_radius_m: float | None = None,
    hydrogeology: Hydrogeology | None = None,
    snap_m: float | None = None,
    intake_tolerance_m: float | None = None,
    sizes: dict[str, dict[str, float]] | None = None,
    source_crs: str | None = None,
) -> tuple[WaterZoneResult, list[str]]:
    """Read the inputs (files override the workspace's layers), generate, and return the zones in the
    workspace CRS (or the intakes' CRS without a workspace) with notes about the inputs. source_crs: the CRS
    of input files that have none."""
    from .screening import reproject
    from .workspace import normalise_crs, read_meta

    if source_crs:
        source_crs = normalise_crs(source_crs)

    settings = zone_defaults(defaults)
    if well_level2_radius_m is not None:
        settings["groundwater"]["level2_radius_m"] = well_level2_radius_m
    if snap_m is not None:
        settings["matching"]["snap_m"] = snap_m
    if intake_tolerance_m is not None:
        settings["matching"]["intake_tolerance_m"] = intake_tolerance_m
    for section, values in (sizes or {}).items():
        settings[section].update(values)
    _check_sizes(settings, "parameters")
    notes: list[str] = []

    intake_set, n = _load(intakes, workspace, "water_intake", source_crs=source_crs)
    notes += n
    if intake_set is None:
        raise NoIntakes("(no input: give --intakes or --workspace)")
    keep = [i for i, g in enumerate(intake_set.geometries) if g is not None and not g.is_empty]
    if not keep:
        raise NoIntakes(intake_set.source)
    out_crs = (read_meta(workspace).get("crs") if workspace else None) or intake_set.crs
    planar = _planar_crs(intake_set.geometries[keep], intake_set.crs)

    def planar_geoms(layer) -> np.ndarray:
        return reproject(np.asarray(layer.geometries, dtype=object), layer.crs, planar)

    pts = planar_geoms(intake_set)
    attrs = intake_set.attributes
    admin = _districts(workspace, planar) if workspace else []
    intake_list = []
    for i in keep:
        geom = pts[i]
        point = geom if geom.geom_type == "Point" else geom.centroid
        if geom.geom_type == "MultiPoint":
            point = geom.geoms[0]
        code = _text(attrs.get("source_code", [None] * len(pts))[i])
        name = _text(attrs.get("name", [None] * len(pts))[i]) or ""
        if code is None:
            code = f"UNCODED-{i + 1}"
            notes.append(f"intake row {i + 1} ({name or 'no name'}) has no source_code; its zones carry {code}")
        xzqdm = xzqmc = None
        for district, dm, mc in admin:
            if district.contains(point):
                xzqdm, xzqmc = dm, mc
                break
        population = _number(attrs.get("population_served", [None] * len(pts))[i])
        intake_list.append(Intake(
            code, name, _text(attrs.get("water_body_type", [None] * len(pts))[i]), point,
            daily_supply_t=_number(attrs.get("daily_supply_t", [None] * len(pts))[i]),
            population_served=int(population) if population is not None else None, xzqdm=xzqdm, xzqmc=xzqmc))

    river_list: list[RiverLine] = []
    river_set, n = _load(rivers, workspace, "river", keep_extra=True, source_crs=source_crs)
    notes += n
    if river_set is not None and len(river_set):
        for geom in river_set.geometries:
            if geom is not None and not geom.is_empty and "LineString" not in geom.geom_type:
                raise ZoneRiversNotLines(river_set.source, geom.geom_type)
        if reversed_field and reversed_field not in river_set.attributes:
            raise UnknownFlowField(reversed_field, river_set.source, list(river_set.attributes))
        geoms = planar_geoms(river_set)
        for i, geom in enumerate(geoms):
            if geom is None or geom.is_empty:
                continue
            flag = is_reversed(river_set.attributes[reversed_field][i]) if reversed_field else False
            river_list.append(RiverLine(geom, _text(river_set.attributes.get("name", [None] * len(geoms))[i]) or "",
                                        _number(river_set.attributes.get("width_m", [None] * len(geoms))[i]),
                                        flag))

    river_polys, lake_polys = [], []
    if river_polygons or lakes:
        for spec, bucket in ((river_polygons, river_polys), (lakes, lake_polys)):
            if spec:
                layer, n = _load(spec, None, "water_body", source_crs=source_crs)
                notes += n
                bucket += [g for g in planar_geoms(layer) if g is not None and not g.is_empty]
    if workspace and (not river_polygons or not lakes):
        layer, _ = _load(None, workspace, "water_body")
        types = layer.attributes.get("water_body_type", [None] * len(layer))
        for geom, kind in zip(planar_geoms(layer), types):
            if geom is None or geom.is_empty:
                continue
            if kind == "lake_reservoir" and not lakes:
                lake_polys.append(geom)
            elif kind != "lake_reservoir" and not river_polygons:
                river_polys.append(geom)

    # the workspace's own zones are always checked (an official zone is never written over), plus --existing
    status: dict[str, str] = {}
    zone_geoms: list[tuple[str | None, BaseGeometry]] = []
    zone_layers = [_load(None, workspace, ZONE_LAYER)[0]] if workspace else []
    if existing:
        zone_layers.append(_load(existing, None, ZONE_LAYER, source_crs=source_crs)[0])
    for zone_layer in zone_layers:
        if zone_layer is None or not len(zone_layer):
            continue
        codes = list(zone_layer.attributes.get("source_code", [None] * len(zone_layer)))
        for code, how in existing_zone_status(
                codes, zone_layer.attributes.get("delineation", [None] * len(zone_layer))).items():
            if how == "official" or code not in status:
                status[code] = how
        zone_geoms += [(_text(c), g) for c, g in zip(codes, planar_geoms(zone_layer))]

    generator = ZoneGenerator(settings, rivers=river_list, river_polygons=river_polys, lakes=lake_polys,
                              lake_size=lake_size, hydrogeology=hydrogeology)
    result = generate_zones(intake_list, generator, status, zone_geoms)
    result.planar_crs = planar
    _to_output_crs(result, planar, out_crs)
    return result, notes


def _districts(workspace: str, planar: str) -> list[tuple[BaseGeometry, str, str]]:
    from .screening import reproject
    from .screening_io import _from_workspace

    try:
        layer = _from_workspace(workspace, "district")
    except Exception:  # an old or partial workspace without districts: admin fields stay empty
        return []
    geoms = reproject(np.asarray(layer.geometries, dtype=object), layer.crs, planar)
    return [(g, _text(dm), _text(mc)) for g, dm, mc in zip(geoms, layer.attributes["xzqdm"], layer.attributes["xzqmc"])
            if g is not None and not g.is_empty]


def _to_output_crs(result: WaterZoneResult, planar: str, crs: str) -> None:
    """Keep planar copies for measurement (reach lengths) and move what is written to `crs`."""
    from .screening import reproject

    result.crs = crs
    if result.zones:
        moved = reproject(np.asarray([z.geometry for z in result.zones], dtype=object), planar, crs)
        for zone, geom in zip(result.zones, moved):
            zone.record["_planar"] = zone.geometry
            zone.geometry = geom if geom.is_valid else _polygons(geom, min_area=0.0)
    if result.issues:
        pts = reproject(np.asarray([Point(i.x, i.y) for i in result.issues], dtype=object), planar, crs)
        for issue, p in zip(result.issues, pts):
            issue.x, issue.y = p.x, p.y


ISSUE_FIELDS = (("kind", object), ("source_code", object), ("message", object), ("message_zh", object))
REACH_FIELDS = (("source_code", object), ("level", object), ("upstream_m", "float64"), ("downstream_m", "float64"),
                ("length_m", "float64"))


def _schema_records(result: WaterZoneResult) -> list[dict[str, Any]]:
    return [{k: v for k, v in z.record.items() if not k.startswith("_")} for z in result.zones]


def write_zone_file(result: WaterZoneResult, path: str) -> str:
    """A GeoPackage with water_source_zone (the workspace schema), reaches and issues."""
    from .schema import LAYER_TYPES
    from .screening import reproject
    from .screening_io import write_layer
    from .workspace import GPKG_OPTIONS, built_aside, schema_arrays

    lt = LAYER_TYPES[ZONE_LAYER]
    import pyogrio.raw

    with built_aside(path, "water-zones") as tmp:
        records = _schema_records(result)
        arrays, masks = schema_arrays(lt, records)
        wkb = np.array(shapely.to_wkb(np.asarray([z.geometry for z in result.zones], dtype=object), flavor="iso"),
                       dtype=object) if records else np.array([], dtype=object)
        pyogrio.raw.write(tmp, wkb, arrays, lt.field_names(), field_mask=masks, layer=lt.table, driver="GPKG",
                          geometry_type="MultiPolygon", crs=result.crs, dataset_options=GPKG_OPTIONS)
        reach_geoms = reproject(np.asarray([r.geometry for r in result.reaches], dtype=object), result.planar_crs,
                                result.crs) if result.reaches else []
        rows = [{"source_code": r.source_code, "level": r.level, "upstream_m": r.upstream_m,
                 "downstream_m": r.downstream_m, "length_m": round(r.length_m, 3)} for r in result.reaches]
        write_layer(tmp, "reaches", list(reach_geoms), rows, REACH_FIELDS, result.crs, True)
        rows = [{"kind": i.kind, "source_code": i.source_code, "message": i.message, "message_zh": i.message_zh}
                for i in result.issues]
        write_layer(tmp, "issues", [Point(i.x, i.y) for i in result.issues], rows, ISSUE_FIELDS, result.crs, True)
    return path


def append_to_workspace(result: WaterZoneResult, workspace: str) -> int:
    """Append the generated zones to the workspace (only sources without zones were generated)."""
    from .workspace import write_features

    records = _schema_records(result)
    return write_features(workspace, ZONE_LAYER, [z.geometry for z in result.zones], records)


_LEVEL_ZH = {"level1": "一级保护区", "level2": "二级保护区"}
_PART_ZH = {"water": "水域", "land": "陆域"}
_KIND_ZH = {"river": "河流", "lake_reservoir": "湖库", "groundwater": "地下水"}


def summary_lines(result: WaterZoneResult, lang: str = "en") -> list[str]:
    zh = lang == "zh"
    lines = []
    for code in result.generated_sources:
        parts = [z for z in result.zones if z.source_code == code]
        kind = parts[0].record["water_body_type"] if parts else "?"
        if zh:
            text = f"{code}（{_KIND_ZH.get(kind, kind)}）：" + "，".join(
                f"{_LEVEL_ZH.get(z.level, z.level)}/{_PART_ZH.get(z.part, z.part)} "
                f"{z.record['_planar'].area / 1e4:.2f} 公顷" for z in parts)
            for r in (r for r in result.reaches if r.source_code == code):
                text += f"；{_LEVEL_ZH.get(r.level, r.level)}沿河道 {r.length_m:.0f} 米"
        else:
            text = f"{code} ({kind}): " + ", ".join(
                f"{z.level}/{z.part} {z.record['_planar'].area / 1e4:.2f} ha" for z in parts)
            for r in (r for r in result.reaches if r.source_code == code):
                text += f"; {r.level} reach {r.length_m:.0f} m along the channel"
        lines.append(text)
    for issue in result.issues:
        where = f" at ({issue.x:.6f}, {issue.y:.6f})"
        lines.append(f"[{issue.kind}] " + (issue.message_zh if lang == "zh" else issue.message) + where)
    return lines


# --- command line ------------------------------------------------------------------------------------


def _hydrogeology(args) -> Hydrogeology | None:
    values = (args.alpha, args.k, args.gradient, args.porosity)
    if all(v is None for v in values):
        return None
    if any(v is None or v <= 0 for v in values):
        raise InvalidZoneDefaults("(command line)", "--alpha, --k, --gradient and --porosity must all be given, > 0")
    return Hydrogeology(*values)


_ROLES = {"intakes": ("intakes", "取水口"), "rivers": ("river centre lines", "河流中心线"),
          "river_polygons": ("river water surfaces", "河流水面"), "lakes": ("lakes and reservoirs", "湖库"),
          "existing": ("existing zones", "已有保护区"), "defaults": ("zone sizes", "保护区尺寸")}


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))


def check_output(out: str | None, **inputs: str | None) -> None:
    """Before any work: refuse an output that would replace a workspace or one of the inputs
    (intakes, rivers, river_polygons, lakes, existing, defaults: FILE[:LAYER] specs)."""
    from .sources import split_source
    from .workspace import refuse_workspace_as_output

    if not out:
        return
    refuse_workspace_as_output(out)
    for role, spec in inputs.items():
        if not spec:
            continue
        path = spec if role == "defaults" else split_source(spec)[0]
        if _same_file(out, path):
            raise ZoneOutputIsAnInput(out, *_ROLES[role])


def cmd_water_zones(args) -> int:
    if not args.out and not (args.append and args.workspace):
        raise NoZoneOutput()
    check_output(args.out, intakes=args.intakes, rivers=args.rivers, river_polygons=args.river_polygons,
                 lakes=args.lakes, existing=args.existing, defaults=args.defaults)
    result, notes = run_water_zones(
        workspace=args.workspace, intakes=args.intakes, rivers=args.rivers, river_polygons=args.river_polygons,
        lakes=args.lakes, existing=args.existing, reversed_field=args.reversed_field, defaults=args.defaults,
        lake_size=args.lake_size, well_level2_radius_m=args.well_radius, hydrogeology=_hydrogeology(args),
        snap_m=args.snap_m, intake_tolerance_m=args.tolerance_m, source_crs=getattr(args, "source_crs", None))
    lang = getattr(args, "lang", None) or ("zh" if os.environ.get("LANG", "").lower().startswith("zh") else "en")
    zh = lang == "zh"
    for note in notes:
        print(f"提示：{note}" if zh else f"note: {note}")
    for line in summary_lines(result, lang):
        print(line)
    if args.out:
        write_zone_file(result, args.out)
        if zh:
            print(f"{len(result.generated_sources)} 个水源共 {len(result.zones)} 个保护区分区 → {args.out}")
        else:
            print(f"{len(result.zones)} zone parts for {len(result.generated_sources)} sources → {args.out}")
    if args.append and args.workspace:
        n = append_to_workspace(result, args.workspace)
        if zh:
            print(f"已向 {args.workspace} 追加 {n} 个保护区分区（饮用水水源保护区 water_source_zone）")
        else:
            print(f"{n} zone parts appended to {args.workspace} (water_source_zone)")
    return 0


def add_cli(sub) -> None:
    """Register `green-shield water-zones`."""
    d = zone_defaults()
    p = sub.add_parser("water-zones", help="default drinking-water protection zones (HJ 338) / 默认饮用水水源保护区")
    p.add_argument("--workspace", "-w", help="read intakes, rivers, water bodies and existing zones from it")
    p.add_argument("--intakes", metavar="FILE[:LAYER]", help="intake points (default: the workspace's water_intake)")
    p.add_argument("--rivers", metavar="FILE[:LAYER]", help="river centre lines, drawn in the flow direction "
                                                            "(default: the workspace's river layer)")
    p.add_argument("--reversed-field", help="field of --rivers marking lines drawn against the flow (true/1/是)")
    p.add_argument("--river-polygons", metavar="FILE[:LAYER]",
                   help="river water surfaces to clip the zones to (default: workspace water_body of type river)")
    p.add_argument("--lakes", metavar="FILE[:LAYER]",
                   help="lake/reservoir polygons (default: workspace water_body of type lake_reservoir)")
    p.add_argument("--existing", metavar="FILE[:LAYER]",
                   help="existing zones: their sources are skipped (default: the workspace's water_source_zone)")
    p.add_argument("--defaults", metavar="YAML", help="zone sizes (a copy of core/data/water_zone_defaults.yaml)")
    p.add_argument("--lake-size", choices=LAKE_SIZES,
                   help=f"lake/reservoir size (default {d['lake_reservoir']['size']}: large from "
                        f"{d['lake_reservoir']['large_area_km2']} km²)")
    p.add_argument("--well-radius", type=float,
                   help=f"level-2 radius of wells in m (default {d['groundwater']['level2_radius_m']})")
    p.add_argument("--alpha", type=float, help="wells: R = α·K·I·T/n, the factor α")
    p.add_argument("--k", type=float, help="wells: hydraulic conductivity K (m/d)")
    p.add_argument("--gradient", type=float, help="wells: hydraulic gradient I")
    p.add_argument("--porosity", type=float, help="wells: effective porosity n")
    p.add_argument("--source-crs", metavar="CRS",
                   help="CRS of input files that have none (e.g. EPSG:4490); a file's own CRS always wins")
    p.add_argument("--snap-m", type=float, help=f"join river line ends closer than this "
                                                 f"(default {d['matching']['snap_m']} m)")
    p.add_argument("--tolerance-m", type=float, help="skip intakes farther than this from their water body "
                                                      f"(default {d['matching']['intake_tolerance_m']} m)")
    p.add_argument("--out", "-o", help="output GeoPackage (layers water_source_zone, reaches, issues)")
    p.add_argument("--append", action="store_true",
                   help="append the zones to the workspace's water_source_zone (sources without zones only)")
    p.set_defaults(func=cmd_water_zones)
