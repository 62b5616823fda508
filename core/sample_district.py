"""The sample district 青溪区: a deterministic fictional workspace for tests, demos and training.

A Chongqing-like river valley about 30 km × 25 km around 106.2°E 29.0°N: the main river 大江
flows west to east, the tributary 清水河 joins it from the south, the stream 白云溪 feeds the
白云水库 reservoir in the northern hills. It holds every layer of the data model: drinking-water
sources with zones drawn by the HJ 338 default sizes, red-line patches, two nature reserves (one
on the legacy three-zone scheme, one on the 2026 two-zone scheme), sewage outfalls, contaminated
plots and about 300 construction projects.

Some projects are planted cases (inside, crossing, touching or near each kind of zone); the table
`sample_expectations` in the same GeoPackage records, for every planted project, its relation to
zones. Rows whose note starts with 附带关系 were derived by measuring the planted geometry against
every other zone (relations that hinge on less than a centimetre, or gaps of 0.01–20 m, are not
recorded). Projects without rows are background projects and intersect no zone.

Four monitoring sections (考核断面) sit on the centre lines. Sewage outfalls are planted inside zones
(PLANTED_OUTFALLS), upstream and downstream of intakes, above the confluence and off the river
network (OUTFALL_ROLES); the table `sample_outfall_expectations` records, for every outfall, the
river it lies nearest to, whether it is within 200 m of it, and the along-river distances
downstream to the nearest intake and section, measured on the construction lines.

Everything is built in metres in EPSG:4544 (CGCS2000 3° Gauss-Krüger, CM 105°E) and stored in
EPSG:4490. Two builds give identical features: all randomness comes from one fixed seed.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Optional

import numpy as np
import pyogrio.raw
import shapely
from pyproj import Transformer
from shapely import affinity
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from .sample_supervision import supervised_entities, write_roster_table
from .schema import LAYER_TYPES
from .workspace import create_workspace, write_features

ORIGIN_LONLAT = (106.2, 29.0)
WORKSPACE_CRS = "EPSG:4490"
PLANAR_CRS = "EPSG:4544"
SEED = 500199
XZQDM = "500199"
XZQMC = "青溪区"

EXPECTATIONS_LAYER = "sample_expectations"
EXPECTATION_FIELDS = ("project_code", "zone_layer", "zone_ref", "zone_detail", "relation", "note")
RELATIONS = ("inside", "crossing", "touching", "near")
DERIVED_NOTE_PREFIX = "附带关系"
NEAR_RANGE_M = (20.0, 500.0)
# Zone kinds for which the district plants all four relations: (layer key, zone_detail).
PLANTED_ZONE_KINDS = (
    ("redline", "redline"),
    ("nature_reserve", "core"),
    ("nature_reserve", "buffer"),
    ("nature_reserve", "experimental"),
    ("nature_reserve", "core_protection"),
    ("nature_reserve", "general_control"),
    ("water_source_zone", "level1"),
    ("water_source_zone", "level2"),
    ("water_source_zone", "quasi"),
    ("contaminated_plot", "listed"),
)

SOURCE_MAIN_A = "500199A0010001"
SOURCE_MAIN_B = "500199A0010002"
SOURCE_TRIB = "500199A0020001"
SOURCE_RESERVOIR = "500199B0030001"
SOURCE_WELL = "500199C0000001"
LEGACY_RESERVE = "青溪山自然保护区"
NEW_RESERVE = "白云山自然保护区"

# Outfalls planted inside zones: (outfall_code, zone_layer, zone_ref, zone_detail, note).
PLANTED_OUTFALLS = (
    ("500199-PK-001", "water_source_zone", f"{SOURCE_MAIN_A}:level1", "level1", "位于大江青溪水厂水源地一级保护区内"),
    ("500199-PK-002", "water_source_zone", f"{SOURCE_MAIN_A}:level2", "level2", "位于大江青溪水厂水源地二级保护区内"),
    ("500199-PK-003", "water_source_zone", f"{SOURCE_MAIN_A}:quasi", "quasi", "位于大江青溪水厂水源地准保护区内"),
    ("500199-PK-004", "water_source_zone", f"{SOURCE_MAIN_B}:level2", "level2", "位于大江石门水源地二级保护区内"),
    ("500199-PK-005", "water_source_zone", f"{SOURCE_TRIB}:level1", "level1", "位于清水河龙潭水源地一级保护区内"),
    ("500199-PK-006", "water_source_zone", f"{SOURCE_RESERVOIR}:level2", "level2", "位于白云水库水源地二级保护区内"),
    ("500199-PK-007", "redline", "5001992020000006", "redline", "位于大江湿地生态保护红线内"),
    ("500199-PK-025", "water_source_zone", f"{SOURCE_RESERVOIR}:level2", "level2",
     "已销号，但仍位于白云水库水源地二级保护区内（白云溪入库口）"),
)
# Outfalls of the random set moved to planted places for the outfall check (their status and kind stay, so the
# case ledger is unchanged): (outfall_code, role, note).
OUTFALL_ROLES = (
    ("500199-PK-012", "upstream_of_intake", "大江石门场镇取水口上游约4000米（二级保护区外）"),
    ("500199-PK-020", "upstream_of_intake", "清水河龙潭水厂取水口上游约4200米（二级保护区外）"),
    ("500199-PK-009", "downstream_of_intake", "大江青溪水厂取水口下游约1500米，不应列为取水口上游"),
    ("500199-PK-021", "through_confluence", "清水河龙潭取水口下游、河口上游约1500米，经汇合口流向大江石门取水口"),
    ("500199-PK-011", "off_network", "距大江中心线240米（河岸外90米），超出200米捕捉容差"),
    ("500199-PK-025", "closed_in_zone", "已销号但仍位于白云水库水源地二级保护区内"),
)
OUTFALL_EXPECTATIONS_LAYER = "sample_outfall_expectations"
OUTFALL_EXPECTATION_FIELDS = ("outfall_code", "role", "river", "snapped", "distance_to_channel_m",
                              "downstream_intake", "downstream_intake_m", "downstream_section", "downstream_section_m",
                              "note")
EXPECTED_SNAP_M = 200.0  # the outfall check's default snap tolerance, which the outfall expectations assume

_TAU = 2.0 * math.pi
_GRID_M = 0.001
_MAIN_HALF = 150.0  # 大江: 300 m wide
_TRIB_HALF = 20.0  # 清水河: 40 m wide
_STREAM_WIDTH = 8.0  # 白云溪
_PLACES = ("青溪", "石门", "白云", "龙潭", "东岭", "西山", "南坪", "北坡", "河湾", "石桥", "桂花", "凉水",
           "黄葛", "双河", "大田", "新场", "三合", "柏林", "长岗", "马鞍")


def zone_ref(layer_key: str, record: dict[str, Any]) -> str:
    """The identifier the expectations table uses for a zone feature of a layer.

    Water-source zones are grouped by source and level (the water and land parts together).
    """
    if layer_key == "redline":
        return str(record["bsm"])
    if layer_key == "nature_reserve":
        return f"{record['name']}:{record['zone']}"
    if layer_key == "water_source_zone":
        return f"{record['source_code']}:{record['level']}"
    if layer_key == "contaminated_plot":
        return str(record["plot_code"])
    raise KeyError(layer_key)


def zone_detail(layer_key: str, record: dict[str, Any]) -> str:
    """The expectations table's zone_detail: the zone or level code, the plot's list status, or 'redline'."""
    if layer_key == "redline":
        return "redline"
    if layer_key == "nature_reserve":
        return str(record["zone"])
    if layer_key == "water_source_zone":
        return str(record["level"])
    if layer_key == "contaminated_plot":
        return str(record["list_status"])
    raise KeyError(layer_key)


def build_sample_district(path: str, overwrite: bool = False) -> dict[str, int]:
    """Create a workspace GeoPackage at path (CRS EPSG:4490) filled with a deterministic fictional district;
    return feature counts per layer key."""
    builder = _DistrictBuilder()
    builder.build()
    builder.features["supervised_entity"] = supervised_entities(builder.district, builder.water)
    create_workspace(path, WORKSPACE_CRS, overwrite)
    counts: dict[str, int] = {}
    for key in LAYER_TYPES:
        items = builder.features[key]
        geoms = _to_workspace_crs([g for g, _ in items])
        counts[key] = write_features(path, key, [_layer_geometry(key, g) for g in geoms], [r for _, r in items])
    rows = builder.expectation_rows()
    columns = [np.array([row[i] for row in rows], dtype=object) for i in range(len(EXPECTATION_FIELDS))]
    pyogrio.raw.write(path, None, columns, list(EXPECTATION_FIELDS), layer=EXPECTATIONS_LAYER, driver="GPKG",
                      append=True)
    write_roster_table(path)  # the inspector roster for the random draw, table sample_roster
    rows = builder.outfall_expectations
    columns = []
    for i, name in enumerate(OUTFALL_EXPECTATION_FIELDS):
        values = [row[i] for row in rows]
        if name.endswith("_m"):
            columns.append(np.array([np.nan if v is None else v for v in values], dtype="float64"))
        elif name == "snapped":
            columns.append(np.array(values, dtype="int32"))
        else:
            columns.append(np.array(values, dtype=object))
    pyogrio.raw.write(path, None, columns, list(OUTFALL_EXPECTATION_FIELDS), layer=OUTFALL_EXPECTATIONS_LAYER,
                      driver="GPKG", append=True)
    return counts


# --- coordinates ---------------------------------------------------------------------------


@cache
def _planar_origin() -> tuple[float, float]:
    fwd = Transformer.from_crs(WORKSPACE_CRS, PLANAR_CRS, always_xy=True)
    x, y = fwd.transform(*ORIGIN_LONLAT)
    return float(round(x)), float(round(y))


def _to_workspace_crs(geoms: list[BaseGeometry]) -> list[BaseGeometry]:
    """Local metres (origin at 106.2°E 29.0°N) → EPSG:4544 → EPSG:4490 lon/lat."""
    x0, y0 = _planar_origin()
    inv = Transformer.from_crs(PLANAR_CRS, WORKSPACE_CRS, always_xy=True)

    def to_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return inv.transform(x + x0, y + y0)

    arr = np.empty(len(geoms), dtype=object)
    arr[:] = geoms
    return list(shapely.transform(arr, to_lonlat, interleaved=False))


def _layer_geometry(key: str, geom: BaseGeometry) -> BaseGeometry:
    kind = LAYER_TYPES[key].geometry
    if kind == "any":
        if geom.geom_type == "Polygon":
            return MultiPolygon([geom])
        if geom.geom_type == "LineString":
            return MultiLineString([geom])
        return geom
    if kind == "polygon" and geom.geom_type == "Polygon":
        return MultiPolygon([geom])
    if kind == "line" and geom.geom_type == "LineString":
        return MultiLineString([geom])
    return geom


# --- geometry helpers (metres) ---------------------------------------------------------------


def _main_v(u: np.ndarray | float) -> np.ndarray | float:
    """Northing of the 大江 centre line at easting u (local metres)."""
    return -800.0 + 1500.0 * np.sin(_TAU * (u + 3000.0) / 13000.0) + 500.0 * np.sin(_TAU * u / 4700.0 + 1.0)


def _polygons(geom: BaseGeometry, min_area: float = 1.0) -> MultiPolygon:
    """The polygon parts of an overlay result, snap-rounded to a millimetre grid and without slivers, as a
    MultiPolygon (largest first). Snap rounding removes near-degenerate spikes that would turn invalid when
    the coordinates are transformed to longitude and latitude."""
    parts, stack = [], [shapely.set_precision(geom, _GRID_M)]
    while stack:
        g = stack.pop()
        if g.geom_type == "Polygon":
            if g.area >= min_area:
                parts.append(g)
        elif g.geom_type in ("MultiPolygon", "GeometryCollection"):
            stack.extend(g.geoms)
    return MultiPolygon(sorted(parts, key=lambda p: -p.area))


def _lines(geom: BaseGeometry) -> MultiLineString:
    merged = shapely.line_merge(geom) if geom.geom_type == "MultiLineString" else geom
    parts = [p for p in shapely.get_parts(merged) if p.geom_type == "LineString" and p.length > 1.0]
    return MultiLineString(parts)


def _star(cx: float, cy: float, radius: float, rng: np.random.Generator, n: int = 288,
          harmonics: tuple[tuple[int, float], ...] = ((2, 0.07), (3, 0.08), (5, 0.04), (8, 0.02)),
          jitter: float = 0.012, clip: tuple[float, float] = (0.85, 1.15), stretch: float = 1.0) -> Polygon:
    """A perturbed circle: irregular, always simple (star-shaped about its centre)."""
    theta = np.linspace(0.0, _TAU, n, endpoint=False)
    factor = np.ones(n)
    for k, amplitude in harmonics:
        factor += amplitude * np.sin(k * theta + rng.uniform(0.0, _TAU))
    noise = rng.standard_normal(n) * jitter
    factor += (np.roll(noise, 1) + noise + np.roll(noise, -1)) / 3.0
    factor = np.clip(factor, *clip)
    return Polygon(np.column_stack([cx + stretch * radius * factor * np.cos(theta),
                                    cy + radius * factor * np.sin(theta)]))


def _normal_at(line: LineString, s: float) -> tuple[np.ndarray, np.ndarray]:
    """Point and left unit normal of a line at chainage s."""
    a = np.asarray(line.interpolate(max(s - 2.0, 0.0)).coords[0])
    b = np.asarray(line.interpolate(min(s + 2.0, line.length)).coords[0])
    t = (b - a) / np.linalg.norm(b - a)
    return np.asarray(line.interpolate(s).coords[0]), np.array([-t[1], t[0]])


def _valid(geom: BaseGeometry) -> BaseGeometry:
    return geom if geom.is_valid else shapely.make_valid(geom)


def _classify(shape: BaseGeometry, zone: BaseGeometry) -> tuple[Optional[str], float]:
    """Relation of a (valid) project shape to a zone, with safety margins; 'ambiguous' when a
    relation would hinge on rounding."""
    d = shape.distance(zone)
    if d > 0.001:
        if 20.5 <= d <= 499.5:
            return "near", d
        if d < 19.5 or d > 500.5:
            return None, d
        return "ambiguous", d
    if shape.geom_type == "Point":
        edge = zone.boundary.distance(shape)
        if edge > 0.01:
            return ("inside" if zone.contains(shape) else None), d
        return ("touching" if edge < 1e-9 else "ambiguous"), d
    polygonal = shape.area > 0
    inside = shape.intersection(zone)
    outside = shape.difference(zone)
    m_in = inside.area if polygonal else inside.length
    m_out = outside.area if polygonal else outside.length
    if m_in < 0.001:
        return "touching", d
    if m_out < 0.001:
        return "inside", d
    if m_in > 1.5 and m_out > 1.5:
        return "crossing", d
    return "ambiguous", d


# --- the builder ----------------------------------------------------------------------------------


@dataclass
class _Zone:
    layer: str
    ref: str
    detail: str
    label: str  # Chinese, for notes
    geom: BaseGeometry


@dataclass
class _Project:
    geom: BaseGeometry
    record: dict[str, Any]
    year: int
    rows: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # layer, ref, detail, relation, note


@dataclass
class _Case:
    """One planted project: its relation to a zone and its attributes."""

    zone: tuple[str, str]
    relation: str
    kind: str  # point | line | polygon | multipolygon | bowtie
    size: float
    name: str
    category: str
    action: str
    note: str
    discharges: bool = False
    severe: bool = False
    land_use: Optional[str] = None


_REL_ZH = {"inside": "位于{}内", "crossing": "跨越{}边界", "touching": "与{}边界相接", "near": "位于{}附近"}


class _DistrictBuilder:
    def __init__(self) -> None:
        self.rng = np.random.default_rng(SEED)
        self.features: dict[str, list[tuple[BaseGeometry, dict[str, Any]]]] = {key: [] for key in LAYER_TYPES}
        self.zones: dict[tuple[str, str], _Zone] = {}
        self.projects: list[_Project] = []
        self._zone_list: list[_Zone] = []
        self._tree: Optional[shapely.STRtree] = None

    # -- orchestration --

    def build(self) -> None:
        self._district()
        self._rivers()
        self._water_sources()
        self._nature_reserves()
        self._redlines()
        self._contaminated_plots()
        self._zone_list = list(self.zones.values())
        self._tree = shapely.STRtree([z.geom for z in self._zone_list])
        self._inner_district = self.district.buffer(-200.0)
        shapely.prepare(self._inner_district)
        shapely.prepare(self.water)
        self._outfalls()
        self._monitoring_sections()
        self._outfall_roles()
        self._outfall_expectations()
        self._planted_projects()
        self._background_projects(300 - len(self.projects))
        self._project_features()

    def add(self, key: str, geom: BaseGeometry, record: dict[str, Any]) -> None:
        self.features[key].append((geom, record))

    def add_zone(self, key: str, record: dict[str, Any], label: str, geom: BaseGeometry) -> None:
        ref = zone_ref(key, record)
        if (key, ref) in self.zones:
            zone = self.zones[(key, ref)]
            zone.geom = _polygons(shapely.union(zone.geom, geom))
        else:
            self.zones[(key, ref)] = _Zone(key, ref, zone_detail(key, record), label, geom)

    def expectation_rows(self) -> list[tuple[str, ...]]:
        rows = []
        for project in self.projects:
            code = project.record["project_code"]
            rows += [(code, *row) for row in project.rows]
        return rows

    # -- reference layers --

    def _district(self) -> None:
        rng = self.rng
        theta = np.linspace(0.0, _TAU, 720, endpoint=False)
        c, s = np.cos(theta), np.sin(theta)
        radius = (np.abs(c / 15000.0) ** 4 + np.abs(s / 12500.0) ** 4) ** -0.25
        factor = np.ones_like(theta)
        for k, amplitude in ((3, 0.012), (5, 0.01), (9, 0.006), (17, 0.003)):
            factor += amplitude * np.sin(k * theta + rng.uniform(0.0, _TAU))
        factor += rng.standard_normal(theta.size) * 0.002
        radius = radius * np.clip(factor, 0.96, 1.04)
        self.district = Polygon(np.column_stack([radius * c, radius * s]))
        self.add("district", _polygons(self.district), {"xzqdm": XZQDM, "xzqmc": XZQMC})

    def _rivers(self) -> None:
        rng = self.rng
        u = np.arange(-18000.0, 18000.0 + 1.0, 50.0)
        self.main = LineString(np.column_stack([u, _main_v(u)]))
        t = np.linspace(0.0, 1.0, 261)
        end_u, end_v = 3000.0, float(_main_v(3000.0))
        tu = end_u + 2000.0 * (1.0 - t) + 1200.0 * np.sin(2.5 * math.pi * t) * (1.0 - t)
        tv = -13600.0 + t * (end_v + 13600.0)
        tu[-1], tv[-1] = end_u, end_v
        self.trib = LineString(np.column_stack([tu, tv]))
        self.reservoir = _star(-5000.0, 7200.0, 650.0, rng, n=300, stretch=2.15,
                               harmonics=((2, 0.05), (3, 0.07), (4, 0.05), (7, 0.02)), clip=(0.86, 1.14))
        t = np.linspace(0.0, 1.0, 121)
        su = -6400.0 + 1100.0 * t + 250.0 * np.sin(3.0 * math.pi * t)
        sv = 11600.0 - 4200.0 * t
        stream = LineString(np.column_stack([su, sv])).difference(self.reservoir)
        self.stream = max(shapely.get_parts(stream), key=lambda g: g.length)
        self.main_water = self.main.buffer(_MAIN_HALF, quad_segs=16)
        self.trib_water = self.trib.buffer(_TRIB_HALF, quad_segs=8)
        d = self.district
        self.add("river", _lines(self.main.intersection(d)), {"name": "大江", "river_code": "500199HL001",
                                                             "width_m": 2 * _MAIN_HALF})
        self.add("river", _lines(self.trib.intersection(d)), {"name": "清水河", "river_code": "500199HL002",
                                                             "width_m": 2 * _TRIB_HALF})
        self.add("river", _lines(self.stream.intersection(d)), {"name": "白云溪", "river_code": "500199HL003",
                                                               "width_m": _STREAM_WIDTH})
        self.add("water_body", _polygons(self.main_water.intersection(d)), {"name": "大江", "water_body_type": "river"})
        self.add("water_body", _polygons(self.trib_water.difference(self.main_water).intersection(d)),
                 {"name": "清水河", "water_body_type": "river"})
        self.add("water_body", _polygons(self.reservoir), {"name": "白云水库", "water_body_type": "lake_reservoir"})
        self.water = shapely.union_all([self.main_water, self.trib_water, self.reservoir])

    # -- drinking-water sources --

    def _water_sources(self) -> None:
        main_a = self.main.project(Point(-7600.0, float(_main_v(-7600.0))))
        main_b = self.main.project(Point(10000.0, float(_main_v(10000.0))))
        self.intake_chainage = {SOURCE_MAIN_A: main_a, SOURCE_MAIN_B: main_b, SOURCE_TRIB: 6500.0}
        sources = (
            (SOURCE_MAIN_A, "大江青溪水厂水源地", "青溪水厂取水口", "river", 60000.0, 250000, "城区主力水源，千吨万人"),
            (SOURCE_MAIN_B, "大江石门水源地", "石门场镇取水口", "river", 800.0, 7000, "场镇小型水源"),
            (SOURCE_TRIB, "清水河龙潭水源地", "龙潭水厂取水口", "river", 1500.0, 12000, "千吨万人"),
            (SOURCE_RESERVOIR, "白云水库水源地", "白云水库取水口", "lake_reservoir", 20000.0, 90000, "千吨万人"),
            (SOURCE_WELL, "石桥村地下水水源地", "石桥村水源井", "groundwater", 120.0, 1500, "村级集中式地下水水源"),
        )
        for code, name, intake_name, wbt, supply, population, note in sources:
            if code == SOURCE_MAIN_A:
                intake, zones = self._river_source(self.main, self.main_water, _MAIN_HALF, main_a, 1, quasi=True)
            elif code == SOURCE_MAIN_B:
                intake, zones = self._river_source(self.main, self.main_water, _MAIN_HALF, main_b, -1, quasi=False)
            elif code == SOURCE_TRIB:
                intake, zones = self._river_source(self.trib, self.trib_water, _TRIB_HALF, 6500.0, 1, quasi=False)
            elif code == SOURCE_RESERVOIR:
                intake, zones = self._reservoir_source()
            else:
                intake, zones = self._well_source(Point(-2500.0, -5500.0))
            self.add("water_intake", intake, {"source_code": code, "name": intake_name, "water_body_type": wbt,
                                              "daily_supply_t": supply, "population_served": population,
                                              "notes": note})
            thousand_ton = supply >= 1000.0 or population >= 10000
            for level, part, geom in zones:
                record = {"source_code": code, "source_name": name, "level": level, "part": part,
                          "water_body_type": wbt, "thousand_ton": thousand_ton, "daily_supply_t": supply,
                          "population_served": population, "xzqdm": XZQDM, "xzqmc": XZQMC,
                          "notes": "按HJ 338-2018默认尺寸划定（示例数据）"}
                self.add("water_source_zone", geom, record)
                level_zh = {"level1": "一级保护区", "level2": "二级保护区", "quasi": "准保护区"}[level]
                self.add_zone("water_source_zone", record, f"{name}{level_zh}", geom)

    def _river_source(self, line: LineString, water: BaseGeometry, half: float, s: float, side: int,
                      quasi: bool) -> tuple[Point, list[tuple[str, str, MultiPolygon]]]:
        def reach(a: float, b: float, width: float) -> BaseGeometry:
            return substring(line, a, b).buffer(width, quad_segs=8, cap_style="flat")

        p, n = _normal_at(line, s)
        intake = Point(*(p + side * n * half * 0.6))
        w1 = _polygons(water.intersection(reach(s - 1000.0, s + 100.0, half + 10.0)))
        l1 = _polygons(reach(s - 1000.0, s + 100.0, half + 50.0).difference(water))
        w2 = _polygons(water.intersection(reach(s - 3000.0, s + 300.0, half + 10.0)).difference(w1))
        l2 = _polygons(reach(s - 3000.0, s + 300.0, half + 1000.0).difference(water).difference(l1))
        zones = [("level1", "water", w1), ("level1", "land", l1), ("level2", "water", w2), ("level2", "land", l2)]
        if quasi:
            wq = water.intersection(reach(s - 6000.0, s - 3000.0, half + 10.0)).difference(w1).difference(w2)
            lq = reach(s - 6000.0, s - 3000.0, half + 1000.0).difference(water).difference(l1).difference(l2)
            zones += [("quasi", "water", _polygons(wq)), ("quasi", "land", _polygons(lq))]
        return intake, zones

    def _reservoir_source(self) -> tuple[Point, list[tuple[str, str, MultiPolygon]]]:
        ring = np.asarray(self.reservoir.exterior.coords)
        east = ring[np.argmax(ring[:, 0])]
        intake = Point(east[0] - 80.0, east[1])
        reservoir = self.reservoir
        w1 = _polygons(reservoir.intersection(intake.buffer(300.0, quad_segs=16)))
        l1 = _polygons(w1.buffer(200.0, quad_segs=8).difference(reservoir))
        w2 = _polygons(reservoir.difference(w1))
        l2 = _polygons(reservoir.buffer(500.0, quad_segs=8).difference(reservoir).difference(l1))
        self.reservoir_intake = intake
        return intake, [("level1", "water", w1), ("level1", "land", l1), ("level2", "water", w2),
                        ("level2", "land", l2)]

    def _well_source(self, well: Point) -> tuple[Point, list[tuple[str, str, MultiPolygon]]]:
        l1 = _polygons(well.buffer(30.0, quad_segs=16))
        l2 = _polygons(well.buffer(300.0, quad_segs=16).difference(l1))
        return well, [("level1", "land", l1), ("level2", "land", l2)]

    # -- protected areas --

    def _nature_reserves(self) -> None:
        rng = self.rng
        cx, cy = -7000.0, -7600.0
        self.legacy_centre = (cx, cy)
        core = _star(cx, cy, 900.0, rng)
        buffer_outer = _star(cx, cy, 1500.0, rng)
        outer = _star(cx, cy, 2300.0, rng)
        legacy = (("core", "核心区", core), ("buffer", "缓冲区", buffer_outer.difference(core)),
                  ("experimental", "实验区", outer.difference(buffer_outer)))
        for zone, zone_zh, geom in legacy:
            record = {"reserve_code": "500199ZR001", "name": LEGACY_RESERVE, "reserve_type": "nature_reserve",
                      "reserve_level": "provincial", "zone": zone, "xzqdm": XZQDM, "xzqmc": XZQMC,
                      "approval_date": _dt.date(2001, 6, 18), "notes": f"旧三区划分：{zone_zh}"}
            self.add("nature_reserve", _polygons(geom), record)
            self.add_zone("nature_reserve", record, f"{LEGACY_RESERVE}{zone_zh}", _polygons(geom))
        cx, cy = -11000.0, 6300.0
        core = _star(cx, cy, 900.0, rng)
        outer = _star(cx, cy, 2000.0, rng)
        for zone, zone_zh, geom in (("core_protection", "核心保护区", core),
                                    ("general_control", "一般控制区", outer.difference(core))):
            record = {"reserve_code": "500199ZR002", "name": NEW_RESERVE, "reserve_type": "nature_reserve",
                      "reserve_level": "county", "zone": zone, "xzqdm": XZQDM, "xzqmc": XZQMC,
                      "approval_date": _dt.date(2025, 12, 30), "notes": f"2026年新两区划分：{zone_zh}"}
            self.add("nature_reserve", _polygons(geom), record)
            self.add_zone("nature_reserve", record, f"{NEW_RESERVE}{zone_zh}", _polygons(geom))

    def _redlines(self) -> None:
        rng = self.rng
        p_wet, n_wet = _normal_at(self.main, self.main.project(Point(13000.0, float(_main_v(13000.0)))))
        wet = p_wet + n_wet * 250.0
        ix, iy = self.reservoir_intake.x, self.reservoir_intake.y
        lx, ly = self.legacy_centre
        specs = (
            ("青溪山生物多样性维护生态保护红线", "biodiversity", [(lx, ly, 3200.0)], (0.88, 1.15),
             "包含青溪山自然保护区"),
            ("白云水库水源涵养生态保护红线", "water_conservation", [(ix, iy, 1500.0)], (0.8, 1.25),
             "包含白云水库水源地一级保护区"),
            ("东山水源涵养生态保护红线", "water_conservation", [(5500.0, 8000.0, 2000.0)], (0.85, 1.15),
             "与东山生物多样性维护红线相互重叠（示例）"),
            ("东山生物多样性维护生态保护红线", "biodiversity", [(8300.0, 8600.0, 1700.0)], (0.85, 1.15),
             "与东山水源涵养红线相互重叠（示例）"),
            ("南岭水土保持生态保护红线", "soil_conservation", [(8800.0, -8000.0, 1300.0), (11000.0, -5500.0, 950.0)],
             (0.85, 1.15), "由两个图斑组成"),
            ("大江湿地水源涵养生态保护红线", "water_conservation", [(float(wet[0]), float(wet[1]), 650.0)],
             (0.85, 1.15), "沿江湿地"),
            ("北岭水土流失敏感生态保护红线", "soil_erosion", [(0.0, 9500.0, 1200.0)], (0.85, 1.15), None),
            ("东岭水土保持生态保护红线", "soil_conservation", [(12000.0, 5500.0, 1000.0)], (0.85, 1.15), None),
            ("石牛山石漠化敏感生态保护红线", "rocky_desertification", [(-1500.0, -9500.0, 1100.0)], (0.85, 1.15), None),
            ("凤凰山生态保护红线", "other", [(3500.0, 4500.0, 900.0)], (0.85, 1.15), None),
        )
        self.redline_bsm: list[str] = []
        for i, (name, function, parts, clip, note) in enumerate(specs, start=1):
            n = 288 if i == 1 else int(rng.integers(200, 360))
            polygons = [_star(x, y, r, rng, n=n, clip=clip) for x, y, r in parts]
            geom = _polygons(shapely.union_all(polygons))
            bsm = f"5001992020{i:06d}"
            self.redline_bsm.append(bsm)
            record = {"bsm": bsm, "name": name, "eco_function": function, "xzqdm": XZQDM, "xzqmc": XZQMC,
                      "version": "2020", "approval_date": _dt.date(2021, 3, 1) + _dt.timedelta(days=7 * i),
                      "notes": note}
            self.add("redline", geom, record)
            self.add_zone("redline", record, f"{name}（{bsm}）", geom)

    def _contaminated_plots(self) -> None:
        rng = self.rng
        plots = (
            ("原青溪化工厂地块", "化学原料和化学制品制造业", "苯系物、氯代烃", "suspected", "residential", False),
            ("原红星电镀厂地块", "金属表面处理及热处理加工", "六价铬、镍", "contaminated", "public_service", True),
            ("原滨江农药厂地块", "农药制造", "有机氯农药、砷", "listed", "residential", True),
            ("原青溪焦化厂地块", "炼焦", "多环芳烃、苯并[a]芘", "delisted", "commercial", True),
            ("原东风电池厂地块", "电池制造", "铅、镉", "listed", "industrial", True),
            ("原河湾印染厂地块", "纺织业", "苯胺、锑", "contaminated", "storage", False),
            ("原长岗冶炼厂地块", "有色金属冶炼", "铅、砷、镉", "listed", "public_service", False),
            ("原石门加油站地块", "机动车燃油零售", "石油烃、甲基叔丁基醚", "suspected", "green_space", None),
        )
        for i, (name, industry, pollutants, status, land_use, investigated) in enumerate(plots, start=1):
            u = -2900.0 + (i - 1) * 600.0
            v = float(_main_v(u)) + 450.0 + rng.uniform(0.0, 700.0)
            w, h, angle = rng.uniform(150.0, 260.0), rng.uniform(110.0, 200.0), rng.uniform(-30.0, 30.0)
            plot = affinity.rotate(shapely.box(u - w / 2, v - h / 2, u + w / 2, v + h / 2), angle, origin=(u, v))
            while plot.distance(self.main_water) < 120.0:
                plot = affinity.translate(plot, 0.0, 50.0)
            record = {"plot_code": f"500199DK{i:03d}", "name": name, "former_industry": industry,
                      "main_pollutants": pollutants, "list_status": status, "planned_land_use": land_use,
                      "investigation_done": investigated, "notes": None}
            self.add("contaminated_plot", _polygons(plot), record)
            self.add_zone("contaminated_plot", record, f"污染地块{name}", _polygons(plot))

    # -- outfalls --

    def _outfalls(self) -> None:
        rng = self.rng
        a, b, t = (self.intake_chainage[k] for k in (SOURCE_MAIN_A, SOURCE_MAIN_B, SOURCE_TRIB))
        wet_s = self.main.project(Point(13000.0, float(_main_v(13000.0))))
        west = np.asarray(self.reservoir.exterior.coords)
        west_pt = west[np.argmin(west[:, 0])]
        planted_positions = {
            "500199-PK-001": (self.main, a - 500.0, 1, _MAIN_HALF + 25.0, "大江"),
            "500199-PK-002": (self.main, a - 2000.0, -1, _MAIN_HALF + 30.0, "大江"),
            "500199-PK-003": (self.main, a - 4500.0, 1, _MAIN_HALF + 20.0, "大江"),
            "500199-PK-004": (self.main, b + 200.0, 1, _MAIN_HALF + 25.0, "大江"),
            "500199-PK-005": (self.trib, t - 300.0, -1, _TRIB_HALF + 20.0, "清水河"),
            "500199-PK-007": (self.main, wet_s, 1, _MAIN_HALF + 20.0, "大江"),
        }
        planted_kinds = {
            "500199-PK-001": ("industrial", "rectifying_ban"), "500199-PK-002": ("agricultural", "traced"),
            "500199-PK-003": ("urban_wwtp", "monitored"), "500199-PK-004": ("other", "verified"),
            "500199-PK-005": ("industrial", "suspected"), "500199-PK-006": ("agricultural", "rectifying_regularise"),
            "500199-PK-007": ("other", "rectifying_merge"),
        }
        for code, layer, ref, _detail, note in PLANTED_OUTFALLS:
            if code == "500199-PK-025":
                continue  # one of the random set, moved by _outfall_roles
            if code == "500199-PK-006":
                point, water = Point(west_pt[0] - 60.0, west_pt[1]), "白云水库"
            else:
                line, s, side, offset, water = planted_positions[code]
                p, n = _normal_at(line, s)
                point = Point(*(p + side * n * offset))
            if not self.zones[(layer, ref)].geom.contains(point):
                raise RuntimeError(f"sample district: outfall {code} misses {ref}")
            kind, status = planted_kinds[code]
            self._add_outfall(code, point, kind, status, water, note)
        kinds = ("industrial", "urban_wwtp", "agricultural", "other")
        statuses = ("suspected", "verified", "rejected", "monitored", "traced", "rectifying_ban", "rectifying_merge",
                    "rectifying_regularise", "closed")
        rivers = ([(self.main, _MAIN_HALF, "大江")] * 11 + [(self.trib, _TRIB_HALF, "清水河")] * 5
                  + [(self.stream, _STREAM_WIDTH / 2, "白云溪")] * 2)
        main_range = (self.main.project(Point(-4000.0, float(_main_v(-4000.0)))),
                      self.main.project(Point(9000.0, float(_main_v(9000.0)))))
        for i, (line, half, water) in enumerate(rivers):
            code = f"500199-PK-{8 + i:03d}"
            lo, hi = main_range if line is self.main else (0.0, line.length)
            while True:
                p, n = _normal_at(line, rng.uniform(lo, hi))
                point = Point(*(p + rng.choice((-1.0, 1.0)) * n * (half + rng.uniform(5.0, 30.0))))
                near_zone = len(self._tree.query(point, predicate="dwithin", distance=30.0)) > 0
                if self._inner_district.contains(point) and not near_zone and not self.water.contains(point):
                    break
            self._add_outfall(code, point, kinds[i % 4], statuses[i % 9], water, None)

    def _monitoring_sections(self) -> None:
        """Four 考核断面 on the channel: 大江 upstream and downstream of the 清水河 confluence and at the district's
        exit, and 清水河 above its mouth."""
        def on_main(u: float) -> tuple[LineString, float]:
            return self.main, self.main.project(Point(u, float(_main_v(u))))

        sections = (
            ("500199DM001", "大江青溪断面", "大江", "national", "Ⅲ类", *on_main(0.0), "汇合口上游"),
            ("500199DM002", "大江两河口断面", "大江", "provincial", "Ⅲ类", *on_main(8000.0), "清水河汇入后"),
            ("500199DM003", "大江出境断面", "大江", "national", "Ⅱ类", *on_main(14000.0), "出境断面"),
            ("500199DM004", "清水河河口断面", "清水河", "municipal", "Ⅲ类", self.trib, self.trib.length - 500.0,
             "入大江前500米"),
        )
        self.sections = {}
        for code, name, river, level, target, line, s, note in sections:
            point = line.interpolate(s)
            self.sections[code] = (line, s)
            self.add("monitoring_section", point, {"section_code": code, "name": name, "river": river,
                                                   "level": level, "water_quality_target": target, "xzqdm": XZQDM,
                                                   "xzqmc": XZQMC, "notes": f"{note}（示例数据）"})

    def _outfall_roles(self) -> None:
        """Move some random outfalls to planted places (see OUTFALL_ROLES); nothing random is drawn here."""
        a, b, t = (self.intake_chainage[k] for k in (SOURCE_MAIN_A, SOURCE_MAIN_B, SOURCE_TRIB))
        places = {
            "500199-PK-012": (self.main, b - 4000.0, _MAIN_HALF + 25.0),
            "500199-PK-020": (self.trib, t - 4200.0, _TRIB_HALF + 20.0),
            "500199-PK-009": (self.main, a + 1500.0, _MAIN_HALF + 25.0),
            "500199-PK-021": (self.trib, self.trib.length - 1500.0, _TRIB_HALF + 20.0),
            "500199-PK-011": (self.main, self.main.project(Point(5500.0, float(_main_v(5500.0)))), 240.0),
            "500199-PK-025": (self.stream, self.stream.length - 200.0, _STREAM_WIDTH / 2 + 10.0),
        }
        planted = {code: ref for code, layer, ref, *_ in PLANTED_OUTFALLS}
        roles = {code: note for code, _role, note in OUTFALL_ROLES}
        outfalls = self.features["sewage_outfall"]
        for k, (_geom, record) in enumerate(outfalls):
            code = record["outfall_code"]
            if code not in places:
                continue
            line, s, offset = places[code]
            p, n = _normal_at(line, s)
            point = Point(*(p + n * offset))
            if code in planted:
                ok = self.zones[("water_source_zone", planted[code])].geom.contains(point)
            else:
                ok = not len(self._tree.query(point, predicate="dwithin", distance=30.0))
            if not ok or not self._inner_district.contains(point) or self.water.contains(point):
                raise RuntimeError(f"sample district: cannot place outfall {code}")
            outfalls[k] = (point, {**record, "notes": roles[code]})

    def _outfall_expectations(self) -> None:
        """What the outfall check must find for every outfall, from the construction: the line it lies nearest to
        and along-river distances as chainage differences on the planar centre lines (through the confluence,
        flow = line direction). 白云溪 ends in the reservoir and reaches no intake or section."""
        conf = self.main.project(Point(self.trib.coords[-1]))
        lines = (("大江", self.main), ("清水河", self.trib), ("白云溪", self.stream))
        intakes = {}
        for geom, record in self.features["water_intake"]:
            if record["water_body_type"] != "river":
                continue
            line = min(lines, key=lambda item: item[1].distance(geom))[1]
            intakes[record["source_code"]] = (line, line.project(geom))
        roles = {code: role for code, role, _note in OUTFALL_ROLES}
        self.outfall_expectations = []
        for point, record in self.features["sewage_outfall"]:
            code = record["outfall_code"]
            river, line = min(lines, key=lambda item: item[1].distance(point))
            distance = line.distance(point)
            snapped = distance <= EXPECTED_SNAP_M
            found = []
            for targets in (intakes, self.sections):
                best = None
                for target, (tline, ts) in sorted(targets.items()):
                    d = self._downstream(line, line.project(point), tline, ts, conf) if snapped else None
                    if d is not None and (best is None or d < best[1]):
                        best = (target, d)
                found += list(best) if best else [None, None]
            self.outfall_expectations.append((code, roles.get(code, ""), river, int(snapped), float(distance), *found,
                                              record["notes"]))

    def _downstream(self, line: LineString, s: float, tline: LineString, ts: float, conf: float) -> Optional[float]:
        if tline is line:
            return ts - s if ts >= s else None
        if line is self.trib and tline is self.main and ts >= conf:
            return (self.trib.length - s) + (ts - conf)
        return None

    def _add_outfall(self, code: str, point: Point, kind: str, status: str, water: str, note: Optional[str]) -> None:
        rng = self.rng
        place = _PLACES[int(rng.integers(len(_PLACES)))]
        name, entity = {
            "industrial": (f"{place}工业园区排污口", f"{place}精细化工有限公司"),
            "urban_wwtp": (f"{place}污水处理厂排污口", f"青溪区{place}污水处理厂"),
            "agricultural": (f"{place}生猪养殖场排口", f"{place}农业发展有限公司"),
            "other": (f"{place}雨污混排口", f"{place}街道办事处"),
        }[kind]
        self.add("sewage_outfall", point, {
            "outfall_code": code, "name": name, "outfall_type": kind, "receiving_water": water,
            "responsible_entity": entity, "status": status,
            "discharge_m3d": round(float(rng.uniform(20.0, 5000.0)), 1), "notes": note})

    # -- projects --

    def _planted_projects(self) -> None:
        for case in self._cases():
            self._plant(case)
        self._plant_specials()

    def _cases(self) -> list[_Case]:
        rl = self.redline_bsm
        red = [("redline", bsm) for bsm in rl]
        lg = {z: ("nature_reserve", f"{LEGACY_RESERVE}:{z}") for z in ("core", "buffer", "experimental")}
        nw = {z: ("nature_reserve", f"{NEW_RESERVE}:{z}") for z in ("core_protection", "general_control")}

        def ws(code: str, level: str) -> tuple[str, str]:
            return ("water_source_zone", f"{code}:{level}")

        def plot(i: int) -> tuple[str, str]:
            return ("contaminated_plot", f"500199DK{i:03d}")

        a, b, t, r, g = SOURCE_MAIN_A, SOURCE_MAIN_B, SOURCE_TRIB, SOURCE_RESERVOIR, SOURCE_WELL
        C = _Case
        return [
            # red lines
            C(red[6], "inside", "polygon", 150, "北岭精细化工厂", "industry", "new", "生态保护红线内新建化工项目",
              True, False, "industrial"),
            C(red[7], "inside", "point", 0, "东岭观景台", "tourism", "new", "生态保护红线内的点状旅游设施"),
            C(red[9], "inside", "line", 700, "凤凰山林区道路改建", "linear_infrastructure", "rebuild",
              "生态保护红线内的道路改建（线）", land_use="transport"),
            C(red[6], "crossing", "line", 1600, "青溪输气管道", "linear_infrastructure", "new",
              "穿越生态保护红线的输气管道（线）", land_use="transport"),
            C(red[9], "crossing", "polygon", 300, "凤凰山砂石矿", "mining", "new", "跨越红线边界的采矿项目", True),
            C(red[7], "touching", "polygon", 160, "东岭果园", "agriculture_aquaculture", "existing",
              "与红线边界共边但不重叠", land_use="agricultural"),
            C(red[0], "touching", "polygon", 200, "西山别墅区", "real_estate", "new", "与红线边界相接（共边）",
              land_use="residential"),
            C(red[6], "near", "polygon", 120, "北岭建材厂", "industry", "new", "红线外附近的工业项目", True,
              land_use="industrial"),
            C(red[9], "near", "point", 0, "凤凰山气象观测站", "public_service", "new", "红线外附近的点状项目",
              land_use="public_service"),
            # legacy reserve: core / buffer / experimental
            C(lg["core"], "inside", "polygon", 100, "青溪山索道上站", "tourism", "new", "自然保护区核心区内的旅游设施",
              land_use="commercial"),
            C(lg["core"], "inside", "point", 0, "青溪山核心区监测样地", "other", "existing",
              "核心区内的科研监测点（点）"),
            C(lg["core"], "crossing", "polygon", 220, "青溪山观景平台", "tourism", "expand",
              "跨越核心区边界的旅游项目"),
            C(lg["core"], "touching", "polygon", 150, "青溪山原住民茶园", "agriculture_aquaculture", "existing",
              "与核心区共边（位于缓冲区）", land_use="agricultural"),
            C(lg["core"], "near", "polygon", 80, "青溪山护林站", "public_service", "new", "核心区外附近（位于缓冲区）"),
            C(lg["buffer"], "inside", "polygon", 150, "缓冲区木材加工厂", "industry", "new",
              "自然保护区缓冲区内的工业项目", True, land_use="industrial"),
            C(lg["buffer"], "crossing", "line", 1400, "青溪山旅游公路", "linear_infrastructure", "new",
              "穿越缓冲区边界的公路（线）", land_use="transport"),
            C(lg["buffer"], "touching", "polygon", 150, "青溪山农家乐", "tourism", "existing", "与缓冲区共边"),
            C(lg["buffer"], "near", "polygon", 120, "青溪山山羊养殖场", "agriculture_aquaculture", "new",
              "缓冲区外附近的养殖项目", True),
            C(lg["experimental"], "inside", "polygon", 200, "青溪山游客中心", "tourism", "new", "实验区内的旅游项目",
              land_use="commercial"),
            C(lg["experimental"], "crossing", "polygon", 300, "青溪山北麓采石场", "mining", "new",
              "跨越自然保护区外边界的采石场", True),
            C(lg["experimental"], "touching", "polygon", 180, "青溪山农民安置房", "real_estate", "new",
              "保护区外、与实验区外边界相接", land_use="residential"),
            C(lg["experimental"], "near", "point", 0, "青溪山脚加油站", "other", "new", "保护区外附近的点状项目"),
            # 2026 scheme reserve
            C(nw["core_protection"], "inside", "polygon", 120, "白云山观光索道站", "tourism", "new",
              "核心保护区内的旅游设施"),
            C(nw["core_protection"], "crossing", "polygon", 250, "白云山茶叶基地改建", "agriculture_aquaculture",
              "rebuild", "跨越核心保护区边界", land_use="agricultural"),
            C(nw["core_protection"], "touching", "polygon", 150, "白云山民宿", "tourism", "existing",
              "与核心保护区共边（位于一般控制区）"),
            C(nw["core_protection"], "near", "line", 400, "白云山巡护步道", "linear_infrastructure", "new",
              "核心保护区外附近的步道（线）"),
            C(nw["general_control"], "inside", "polygon", 150, "白云山中药材种植基地", "agriculture_aquaculture", "new",
              "一般控制区内的农业项目", land_use="agricultural"),
            C(nw["general_control"], "crossing", "polygon", 300, "白云山度假酒店", "real_estate", "new",
              "跨越自然保护区外边界的房地产项目", land_use="commercial"),
            C(nw["general_control"], "touching", "polygon", 160, "白云山竹制品厂", "industry", "existing",
              "保护区外、与一般控制区外边界相接", True, land_use="industrial"),
            C(nw["general_control"], "near", "polygon", 140, "白云山石材加工厂", "industry", "new",
              "保护区外附近的工业项目", True, land_use="industrial"),
            # water-source zones: level 1
            C(ws(a, "level1"), "inside", "polygon", 70, "青溪精细化工厂", "industry", "new",
              "一级保护区内的工业项目", True, False, "industrial"),
            C(ws(a, "level1"), "inside", "polygon", 50, "青溪水厂取水泵站扩建", "water_supply", "expand",
              "一级保护区内的供水设施", land_use="utilities"),
            C(ws(b, "level1"), "inside", "point", 0, "石门垂钓平台", "tourism", "new",
              "一级保护区内的点状项目（垂钓）"),
            C(ws(r, "level1"), "inside", "polygon", 80, "白云水库水上游乐场", "tourism", "new",
              "水库一级保护区内的旅游项目（同时位于生态保护红线内）"),
            C(ws(g, "level1"), "inside", "polygon", 10, "石桥村水源井房改建", "water_supply", "rebuild",
              "地下水一级保护区内的供水设施", land_use="utilities"),
            C(ws(a, "level1"), "crossing", "polygon", 150, "滨江花园二期", "real_estate", "new",
              "跨越一级保护区边界的住宅项目", land_use="residential"),
            C(ws(t, "level1"), "crossing", "line", 400, "清水河跨河大桥", "linear_infrastructure", "new",
              "跨越一级保护区的桥梁（线）", land_use="transport"),
            C(ws(b, "level1"), "touching", "polygon", 80, "石门蔬菜基地", "agriculture_aquaculture", "existing",
              "与一级保护区共边（位于二级保护区）", land_use="agricultural"),
            C(ws(t, "level1"), "near", "polygon", 60, "龙潭农家乐", "tourism", "new", "一级保护区外附近的旅游项目"),
            # level 2
            C(ws(a, "level2"), "inside", "polygon", 120, "青溪造纸厂", "industry", "new",
              "二级保护区内排放污染物的工业项目", True, True, "industrial"),
            C(ws(r, "level2"), "inside", "polygon", 90, "白云水库网箱养殖", "agriculture_aquaculture", "new",
              "二级保护区内的网箱养殖", True),
            C(ws(t, "level2"), "inside", "point", 0, "龙潭村卫生室", "public_service", "new", "二级保护区内的点状项目",
              land_use="public_service"),
            C(ws(b, "level2"), "crossing", "line", 3000, "石门至东岭公路", "linear_infrastructure", "new",
              "穿越水源保护区的公路（线）", land_use="transport"),
            C(ws(g, "level2"), "crossing", "polygon", 200, "石桥村安置小区", "real_estate", "new",
              "跨越地下水二级保护区边界的住宅项目", land_use="residential"),
            C(ws(a, "level2"), "touching", "polygon", 150, "河湾机械厂", "industry", "existing",
              "与二级保护区外边界相接", True, land_use="industrial"),
            C(ws(r, "level2"), "near", "polygon", 120, "白云水库度假村", "tourism", "new", "二级保护区外附近的旅游项目",
              land_use="commercial"),
            # quasi
            C(ws(a, "quasi"), "inside", "polygon", 150, "西山制革厂", "industry", "new",
              "准保护区内新建严重污染水体项目", True, True, "industrial"),
            C(ws(a, "quasi"), "inside", "polygon", 120, "西山酿造厂改建", "industry", "rebuild",
              "准保护区内改建排污项目", True, False, "industrial"),
            C(ws(a, "quasi"), "crossing", "polygon", 300, "西山页岩砖厂", "mining", "new", "跨越准保护区边界的采矿项目",
              True),
            C(ws(a, "quasi"), "touching", "polygon", 150, "西山柑橘园", "agriculture_aquaculture", "existing",
              "与准保护区边界相接", land_use="agricultural"),
            C(ws(a, "quasi"), "near", "polygon", 120, "西山印染厂", "industry", "new", "准保护区外附近的重污染项目",
              True, True, "industrial"),
            # listed contaminated plots
            C(plot(3), "inside", "polygon", 90, "滨江花园住宅小区", "real_estate", "new", "名录内污染地块上的住宅项目",
              land_use="residential"),
            C(plot(5), "inside", "polygon", 100, "原东风电池厂地块风险管控工程", "risk_control", "new",
              "名录内污染地块上的风险管控项目", land_use="industrial"),
            C(plot(7), "inside", "polygon", 80, "青溪第二小学", "public_service", "new", "名录内污染地块上的学校",
              land_use="public_service"),
            C(plot(3), "crossing", "polygon", 140, "滨江商业综合体", "other", "new", "跨越名录内污染地块边界的商业项目",
              land_use="commercial"),
            C(plot(5), "touching", "polygon", 100, "东风物流仓库", "industry", "existing", "与名录内污染地块共边",
              land_use="storage"),
            C(plot(7), "near", "polygon", 80, "长岗安置小区", "real_estate", "new", "名录内污染地块附近的住宅项目",
              land_use="residential"),
        ]

    def _plant_specials(self) -> None:
        rl = self.redline_bsm
        # inside two overlapping red-line patches
        both = _polygons(self.zones[("redline", rl[2])].geom.intersection(self.zones[("redline", rl[3])].geom))
        case = _Case(("redline", rl[2]), "inside", "polygon", 150, "东山森林度假村扩建", "tourism", "expand",
                     "位于两个相互重叠的红线图斑内", land_use="commercial")
        self._plant(case, target=both, also=[("redline", rl[3])], avoid_same=False)
        # an invalid (self-intersecting) project polygon inside a red line
        self._plant(_Case(("redline", rl[8]), "inside", "bowtie", 140, "石牛山采石场", "mining", "new",
                          "生态保护红线内的采石场；图形自相交（蝴蝶结，无效几何）", True))
        # a multi-part polygon with one part in each patch of a two-patch red line
        zone = self.zones[("redline", rl[4])]
        parts = []
        for part in list(zone.geom.geoms)[:2]:
            parts.append(next(self._inside_candidates(part, "polygon", 120.0)))
        self._record(MultiPolygon(parts), _Case(("redline", rl[4]), "inside", "multipolygon", 120,
                                                "南岭废弃矿山生态修复", "eco_restoration", "new",
                                                "多部件图形，两部分分别位于同一红线的两个图斑内", land_use="forest"))

    def _plant(self, case: _Case, target: Optional[BaseGeometry] = None,
               also: Optional[list[tuple[str, str]]] = None, avoid_same: bool = True) -> None:
        zone = self.zones[case.zone]
        wanted = {case.zone: case.relation, **{key: case.relation for key in also or []}}
        avoid = None
        if avoid_same:
            others = [z.geom for z in self._zone_list
                      if z.layer == zone.layer and z.detail == zone.detail and z is not zone]
            if zone.layer in ("redline", "contaminated_plot"):
                others = [z.geom for z in self._zone_list if z.layer == zone.layer and z is not zone]
            avoid = shapely.union_all(others) if others else None
        generators = {"inside": self._inside_candidates, "crossing": self._crossing_candidates,
                      "touching": self._touching_candidates, "near": self._near_candidates}
        for shape in generators[case.relation](target if target is not None else zone.geom, case.kind, case.size):
            valid = _valid(shape)
            if avoid is not None and valid.intersects(avoid):
                continue
            if not self._inner_district.contains(valid):
                continue
            relations = self._relations(valid)
            if any(rel == "ambiguous" for rel, _ in relations.values()):
                continue
            if all(relations.get(key, (None, 0))[0] == rel for key, rel in wanted.items()):
                self._record(shape, case, relations, also or [])
                return
        raise RuntimeError(f"sample district: could not plant {case.name} ({case.relation} {case.zone})")

    def _relations(self, valid: BaseGeometry) -> dict[tuple[str, str], tuple[str, float]]:
        out = {}
        for i in self._tree.query(valid, predicate="dwithin", distance=NEAR_RANGE_M[1] + 10.0):
            zone = self._zone_list[int(i)]
            rel, d = _classify(valid, zone.geom)
            if rel is not None:
                out[(zone.layer, zone.ref)] = (rel, d)
        return out

    def _record(self, shape: BaseGeometry, case: _Case,
                relations: Optional[dict[tuple[str, str], tuple[str, float]]] = None,
                also: Optional[list[tuple[str, str]]] = None) -> None:
        if relations is None:
            relations = self._relations(_valid(shape))
            if relations.get(case.zone, (None,))[0] != case.relation:
                raise RuntimeError(f"sample district: {case.name} is not {case.relation} {case.zone}")
        primary = [case.zone, *(also or [])]
        note = case.note
        if case.relation == "near":
            note = f"{note}（距离约{relations[case.zone][1]:.0f}米）"
        rows = [(key[0], key[1], self.zones[key].detail, case.relation, note) for key in primary]
        for key, (rel, _d) in sorted(relations.items()):
            if key in primary:
                continue
            zone = self.zones[key]
            rows.append((key[0], key[1], zone.detail, rel,
                         f"{DERIVED_NOTE_PREFIX}：{_REL_ZH[rel].format(zone.label)}"))
        record = {"name": case.name, "category": case.category, "action": case.action,
                  "discharges_pollutants": case.discharges, "severe_polluter": case.severe,
                  "planned_land_use": case.land_use, "notes": note}
        year = int(self.rng.integers(2019, 2025))
        self.projects.append(_Project(shape, record, year, rows))

    # -- candidate shapes for each relation --

    def _shape(self, kind: str, x: float, y: float, size: float, angle: Optional[float] = None) -> BaseGeometry:
        rng = self.rng
        angle = rng.uniform(0.0, 180.0) if angle is None else angle
        if kind == "point":
            return Point(x, y)
        if kind == "line":
            along = np.linspace(-0.5, 0.5, 4) * size
            across = rng.uniform(-0.06, 0.06, 4) * size
            line = LineString(np.column_stack([x + along, y + across]))
            return affinity.rotate(line, angle, origin=(x, y))
        w = size
        h = size * rng.uniform(0.55, 0.9)
        if kind == "bowtie":
            poly = Polygon([(x - w / 2, y - h / 2), (x + w / 2, y + h / 2), (x + w / 2, y - h / 2),
                            (x - w / 2, y + h / 2)])
            return affinity.rotate(poly, angle, origin=(x, y))
        rect = affinity.rotate(shapely.box(x - w / 2, y - h / 2, x + w / 2, y + h / 2), angle, origin=(x, y))
        if kind == "multipolygon":
            dx, dy = 0.9 * size * math.cos(math.radians(angle)), 0.9 * size * math.sin(math.radians(angle))
            small = affinity.scale(rect, 0.5, 0.5)
            return MultiPolygon([affinity.translate(rect, -dx / 2, -dy / 2), affinity.translate(small, dx, dy)])
        return rect

    def _inside_candidates(self, zone: BaseGeometry, kind: str, size: float):
        rng = self.rng
        margin = 2.0 if size < 30 else 10.0
        inner = zone.buffer(-margin)
        shapely.prepare(inner)
        minx, miny, maxx, maxy = inner.bounds
        for _ in range(2000):
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if not inner.contains(Point(x, y)):
                continue
            shape = self._shape(kind, x, y, size)
            if inner.contains(_valid(shape)):
                yield shape

    def _boundary_point(self, zone: BaseGeometry) -> tuple[np.ndarray, np.ndarray, LineString]:
        parts = [p for p in shapely.get_parts(zone) if p.area > 100.0]
        weights = np.array([p.exterior.length for p in parts])
        part = parts[int(self.rng.choice(len(parts), p=weights / weights.sum()))]
        ring = LineString(part.exterior.coords)
        s = self.rng.uniform(5.0, ring.length - 5.0)
        p, n = _normal_at(ring, s)
        return p, n, ring

    def _crossing_candidates(self, zone: BaseGeometry, kind: str, size: float):
        for _ in range(300):
            p, n, _ring = self._boundary_point(zone)
            angle = math.degrees(math.atan2(n[1], n[0])) + self.rng.uniform(-25.0, 25.0)
            yield self._shape(kind, float(p[0]), float(p[1]), size, angle if kind == "line" else None)

    def _near_candidates(self, zone: BaseGeometry, kind: str, size: float):
        rng = self.rng
        for _ in range(300):
            d = rng.uniform(max(40.0, 0.8 * size), 350.0)
            grown = _polygons(zone.buffer(d, quad_segs=4))
            p, _n, _ring = self._boundary_point(grown)
            yield self._shape(kind, float(p[0]), float(p[1]), size)

    def _touching_candidates(self, zone: BaseGeometry, kind: str, size: float):
        rng = self.rng
        for _ in range(300):
            parts = [p for p in shapely.get_parts(zone) if p.area > 100.0]
            part = parts[int(rng.integers(len(parts)))]
            ring = np.asarray(part.exterior.coords)[:-1]
            i = int(rng.integers(len(ring)))
            run, length = [ring[i]], 0.0
            while length < size and len(run) < 80:
                nxt = ring[(i + len(run)) % len(ring)]
                length += float(np.hypot(*(nxt - run[-1])))
                run.append(nxt)
            if length > 3.0 * size:
                continue
            edge = LineString(run)
            width = size * rng.uniform(0.4, 0.7)
            for sign in (1.0, -1.0):
                offset = edge.offset_curve(sign * width, quad_segs=4)
                if offset.geom_type != "LineString" or offset.is_empty:
                    continue
                poly = Polygon(np.vstack([np.asarray(run), np.asarray(offset.coords)[::-1]]))
                if poly.is_valid and poly.area > 0.3 * length * width and poly.intersection(zone).area < 1e-4:
                    yield poly

    # -- background --

    def _background_projects(self, count: int) -> None:
        rng = self.rng
        categories = ("water_supply", "linear_infrastructure", "industry", "real_estate", "public_service",
                      "agriculture_aquaculture", "tourism", "mining", "eco_restoration", "other")
        weights = np.array([0.05, 0.15, 0.18, 0.15, 0.1, 0.14, 0.08, 0.04, 0.04, 0.07])
        land_uses = {"water_supply": "utilities", "linear_infrastructure": "transport", "industry": "industrial",
                     "real_estate": "residential", "public_service": "public_service",
                     "agriculture_aquaculture": "agricultural", "tourism": "commercial", "mining": "industrial",
                     "eco_restoration": "forest", "other": "other"}
        names = {
            "water_supply": ("供水管网改造工程", "水厂提标改造", "农村饮水安全巩固工程"),
            "linear_infrastructure": ("通村公路", "输水管线", "10千伏线路", "污水管网"),
            "industry": ("机械加工厂", "食品加工厂", "建材厂", "电子元件厂", "汽车配件厂"),
            "real_estate": ("安置小区", "花园小区", "商住楼"),
            "public_service": ("卫生院", "小学", "文化站", "养老院"),
            "agriculture_aquaculture": ("生猪养殖场", "柑橘基地", "渔业养殖场", "蔬菜大棚"),
            "tourism": ("农家乐", "民宿", "露营地"),
            "mining": ("砂石场", "页岩砖厂取土场"),
            "eco_restoration": ("河道生态修复工程", "废弃地复绿工程"),
            "other": ("综合服务中心", "物流园", "加油站"),
        }
        actions = ("new", "rebuild", "expand", "existing")
        inner = self.district.buffer(-300.0)
        shapely.prepare(inner)
        minx, miny, maxx, maxy = inner.bounds
        used: dict[str, int] = {}
        made = 0
        while made < count:
            category = categories[int(rng.choice(len(categories), p=weights / weights.sum()))]
            if category == "linear_infrastructure":
                kind, size = "line", rng.uniform(500.0, 2500.0)
            else:
                kind = ("polygon", "point", "multipolygon")[int(rng.choice(3, p=[0.8, 0.12, 0.08]))]
                size = rng.uniform(60.0, 350.0)
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            shape = self._shape(kind, x, y, size)
            if not inner.contains(shape) or len(self._tree.query(shape, predicate="dwithin", distance=1.0)):
                continue
            if kind != "line" and shape.intersects(self.water):
                continue
            options = names[category]
            base = f"{_PLACES[int(rng.integers(len(_PLACES)))]}{options[int(rng.integers(len(options)))]}"
            used[base] = used.get(base, 0) + 1
            name = base if used[base] == 1 else f"{base}（{used[base]}期）"
            discharges = category in ("industry", "mining", "agriculture_aquaculture") and rng.random() < 0.7
            action = actions[int(rng.choice(4, p=[0.5, 0.15, 0.15, 0.2]))]
            record = {"name": name, "category": category, "action": action,
                      "discharges_pollutants": bool(discharges or rng.random() < 0.05),
                      "severe_polluter": bool(category == "industry" and rng.random() < 0.2),
                      "planned_land_use": land_uses[category] if rng.random() < 0.9 else None, "notes": None}
            self.projects.append(_Project(shape, record, int(rng.integers(2018, 2025))))
            made += 1

    def _project_features(self) -> None:
        order = self.rng.permutation(len(self.projects))
        self.projects = [self.projects[int(i)] for i in order]
        for seq, project in enumerate(self.projects, start=1):
            project.record = {"project_code": f"XM-{project.year}-{seq:04d}", **project.record}
            self.add("project", project.geom, project.record)
