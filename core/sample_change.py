"""A deterministic before/after land-cover pair with planted changes, for the change-lead tests and demos.

`build_sample_change_pair(folder, workspace)` writes into `folder`:

* ``landcover_before.tif`` — the sample land cover of ``core.sample_landcover`` (10 m uint8 pixels in
  EPSG:4544, nodata 0, codes of ``core/data/landcover_classes.yaml``), with the footprint of every
  planted change set to the class it changes *from*, so each planted transition is exactly the intended
  one;
* ``landcover_after.tif`` — the same grid, profile and colour table with the planted changes and some
  speckle noise;
* ``sample_change_expectations.json`` — what was planted (polygons as WKT in EPSG:4544) and what a
  change-lead run over the workspace should report for it.

The planted changes are placed from the workspace's layers (normally the sample district 青溪区's),
reprojected from the workspace CRS to EPSG:4544. A pixel belongs to a footprint when its centre lies
in the polygon (``rasterio.features.rasterize``, all_touched=False); every footprint is one 4-connected
patch of valid pixels, at least 100 m from the others:

=========================  ================================  ===========  ===========================
name                       transition (activity)             area         where
=========================  ================================  ===========  ===========================
mining_in_reserve          林地→其他土地 (mining)            ~1.5 ha      deep inside a nature reserve
industry_crossing_redline  耕地→建设用地 (industry)          ~1 ha        about half inside a red line
road_in_redline            林地→交通运输用地 (transport)     12 m×600 m   bent strip inside a red line
ponds_in_water_zone        耕地→水域 (aquaculture)           ~0.8 ha      level-2 water-source zone
near_reserve               草地→建设用地 (industry)          ~0.5 ha      outside, 100–300 m from a reserve
far_outside                林地→其他土地 (mining)            ~1 ha        > 2 km from every protected area
tiny_in_reserve            林地→其他土地 (mining)            3 pixels     inside a reserve, below 1 mu
=========================  ================================  ===========  ===========================

The first five should each give one lead (the zone of the worst hit recorded as ``zone_type``,
``zone_name``, ``relation``); the last two none: one is beyond the 500 m search distance, the other
below the 666.67 m² minimum area. Apart from the zone they are meant for, the planted changes keep
600 m from every protected polygon (300 m from the other zones of the same water source), so the
intended zone is the worst hit.

Speckle noise: about 0.2 % of the valid pixels of the after raster take another class, as isolated
single pixels and a few 2×2 clusters (≤ 400 m² each, below the minimum area). No two noise spots
touch, not even diagonally, and none lies within 5 pixels of a planted footprint.

Fictional data for tests, demos and training. All randomness comes from fixed seeds, so two builds
give the same pixels.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np
import rasterio
import rasterio.features
import shapely
from affine import Affine
from pyproj import Transformer
from shapely import affinity
from shapely.geometry import LineString, Polygon, shape
from shapely.geometry.base import BaseGeometry

from .errors import GreenShieldError
from .sample_district import PLANAR_CRS, SEED
from .sample_landcover import (
    BARE,
    BUILT_UP,
    CROPLAND,
    FOREST,
    GRASSLAND,
    NODATA,
    PIXEL_M,
    TRANSPORT,
    WATER,
    build_sample_landcover,
)
from .workspace import open_workspace, read_layer

BEFORE_NAME = "landcover_before.tif"
AFTER_NAME = "landcover_after.tif"
EXPECTATIONS_NAME = "sample_change_expectations.json"
PROTECTED_LAYERS = ("nature_reserve", "redline", "water_source_zone", "contaminated_plot")
NOISE_FRACTION = 0.002  # share of the valid pixels flipped by the speckle noise
NOISE_CLUSTERS = 40  # 2×2 noise clusters; the rest of the noise is single pixels
NOISE_CLEARANCE_PX = 5  # no noise within this many pixels of a planted footprint
PLANTED_GAP_M = 100.0  # least distance between two planted footprints
OTHER_ZONES_M = 600.0  # least distance from a planted change to protected polygons it is not meant for
SAME_SOURCE_M = 300.0  # … to the level-1 and quasi zones of the water source its ponds are in
FAR_M = 2200.0  # far_outside keeps this far from every protected polygon (the promise is > 2 km)
NEAR_RANGE_M = (120.0, 280.0)  # near_reserve: distance of its pixels from the reserve (the promise is 100–300 m)
_CORE_ZONES = ("core_protection", "core")
_MAX_TRIES = 300
_PIXEL_AREA = PIXEL_M * PIXEL_M


class SampleChangeError(GreenShieldError):
    code = "sample_change"


class NoRoomForPlantedChange(SampleChangeError):
    code = "no_room_for_planted_change"

    def __init__(self, workspace: str, name: str, what: str, what_zh: str) -> None:
        super().__init__(
            f"Cannot plant the change '{name}' in the sample rasters for workspace {workspace}: {what}. "
            "Use the sample district workspace (green-shield sample-district) or one with similar layers.",
            f"无法在工作空间 {workspace} 的示例影像中布设变化图斑“{name}”：{what_zh}。"
            "请使用示例区县工作空间（green-shield sample-district）或具有类似图层的工作空间。",
        )


@dataclass
class _Zone:
    layer: str
    fid: int
    name: str
    level: str
    geom: BaseGeometry  # EPSG:4544


@dataclass
class _Footprint:
    row0: int
    col0: int
    mask: np.ndarray  # bool window
    pixels: int
    pixel_geom: BaseGeometry  # union of the footprint's pixel squares, EPSG:4544


@dataclass
class _Planted:
    name: str
    activity: str
    from_class: int
    to_class: int
    polygon: Polygon
    footprint: _Footprint
    boundary_pixels: int
    expect_lead: bool
    zone: Optional[_Zone]
    relation: Optional[str]


def build_sample_change_pair(folder: str, workspace: str) -> dict[str, Any]:
    """Write the before/after land-cover pair with planted changes and noise into folder; return what was planted.

    `workspace` is a workspace GeoPackage, normally the sample district's (``build_sample_district``). The
    returned dict (also written as ``sample_change_expectations.json``, polygons as WKT) holds the two
    paths, the raster CRS and pixel size, the planted changes and the number of noise spots; see the
    module documentation. Raises NoRoomForPlantedChange when the workspace's layers leave no place for one
    of the planted changes.
    """
    folder = os.fspath(folder)
    workspace = os.fspath(workspace)
    os.makedirs(folder, exist_ok=True)
    before_path = os.path.join(folder, BEFORE_NAME)
    after_path = os.path.join(folder, AFTER_NAME)
    build_sample_landcover(before_path, workspace)
    with rasterio.open(before_path) as src:
        before = src.read(1)
        profile = src.profile.copy()
        colormap = src.colormap(1)
        tags = src.tags()
        description = src.descriptions[0]
    zones, district = _protected_zones(workspace)
    planter = _Planter(workspace, before, profile["transform"], zones, district)
    planted = planter.plant_all()

    after = before.copy()
    for p in planted:
        fp = p.footprint
        window = (slice(fp.row0, fp.row0 + fp.mask.shape[0]), slice(fp.col0, fp.col0 + fp.mask.shape[1]))
        before[window][fp.mask] = p.from_class
        after[window][fp.mask] = p.to_class
    noise_spots, noise_pixels = _add_noise(before, after, planted)

    for path, array in ((before_path, before), (after_path, after)):
        _write_raster(path, array, profile, colormap, tags, description)
    result = {
        "before": before_path,
        "after": after_path,
        "crs": PLANAR_CRS,
        "pixel_m": PIXEL_M,
        "planted": [_planted_record(p) for p in planted],
        "noise_spots": noise_spots,
        "noise_pixels": noise_pixels,
    }
    expectations = dict(result, planted=[dict(r, polygon=shapely.to_wkt(r["polygon"], rounding_precision=2))
                                         for r in result["planted"]])
    expectations["workspace"] = workspace
    with open(os.path.join(folder, EXPECTATIONS_NAME), "w", encoding="utf-8") as fh:
        json.dump(expectations, fh, ensure_ascii=False, indent=2)
    return result


def _planted_record(p: _Planted) -> dict[str, Any]:
    return {
        "name": p.name,
        "activity": p.activity,
        "from_class": p.from_class,
        "to_class": p.to_class,
        "polygon": p.polygon,
        "pixels": p.footprint.pixels,
        "area_m2": p.footprint.pixels * _PIXEL_AREA,
        "polygon_area_m2": round(p.polygon.area, 2),
        "boundary_pixels": p.boundary_pixels,
        "expect_lead": p.expect_lead,
        "zone_type": p.zone.layer if p.zone else None,
        "zone_name": p.zone.name if p.zone else None,
        "zone_level": p.zone.level if p.zone else None,
        "relation": p.relation,
    }


def _write_raster(path: str, array: np.ndarray, profile: dict[str, Any], colormap: dict, tags: dict[str, str],
                  description: Optional[str]) -> None:
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(array, 1)
        dst.write_colormap(1, colormap)
        if description:
            dst.set_band_description(1, description)
        dst.update_tags(**tags)


# --- the workspace's protected areas ---------------------------------------------------------------


def _protected_zones(workspace: str) -> tuple[list[_Zone], BaseGeometry]:
    """Every protected polygon of the workspace in EPSG:4544, and the district outline."""
    info = open_workspace(workspace)
    to_planar = Transformer.from_crs(info.crs, PLANAR_CRS, always_xy=True)

    def planar(geoms: np.ndarray) -> np.ndarray:
        geoms = shapely.transform(geoms, lambda x, y: to_planar.transform(x, y), interleaved=False)
        return shapely.make_valid(geoms)

    name_field = {"water_source_zone": "source_name"}
    level_field = {"nature_reserve": "zone", "water_source_zone": "level", "contaminated_plot": "list_status"}
    zones: list[_Zone] = []
    for key in PROTECTED_LAYERS:
        geoms, columns, fids = read_layer(workspace, key)
        geoms = np.asarray(geoms, dtype=object)
        keep = ~shapely.is_missing(geoms)
        if not keep.any():
            continue
        names = columns.get(name_field.get(key, "name"))
        levels = columns.get(level_field.get(key, ""))
        for i, g in zip(np.flatnonzero(keep), planar(geoms[keep])):
            if g.is_empty:
                continue
            zones.append(_Zone(key, int(fids[i]), "" if names is None else str(names[i] or ""),
                               "" if levels is None else str(levels[i] or ""), g))
    district_geoms, _columns, _fids = read_layer(workspace, "district")
    district_geoms = np.asarray(district_geoms, dtype=object)
    district_geoms = district_geoms[~shapely.is_missing(district_geoms)]
    district = shapely.union_all(planar(district_geoms)) if len(district_geoms) else Polygon()
    return zones, district


def _union(zones: list[_Zone]) -> BaseGeometry:
    return shapely.union_all([z.geom for z in zones]) if zones else Polygon()


# --- shapes ----------------------------------------------------------------------------------------


def _rounded(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: np.round(xy, 2))


def _place(local: BaseGeometry, x: float, y: float, angle: float) -> BaseGeometry:
    """A shape drawn around (0, 0) rotated by angle (degrees) and moved to (x, y)."""
    return _rounded(affinity.translate(affinity.rotate(local, angle, origin=(0, 0)), x, y))


def _scaled(local: Polygon, area: float) -> Polygon:
    centre = local.centroid
    local = affinity.translate(local, -centre.x, -centre.y)
    factor = math.sqrt(area / local.area)
    return affinity.scale(local, factor, factor, origin=(0, 0))


def _blob(rng: np.random.Generator, area: float, vertices: int = 11, wobble: float = 0.22) -> Polygon:
    """An irregular star-convex polygon of the given area: a quarry, a field of spoil."""
    steps = np.sort(rng.uniform(0.0, 2.0 * math.pi, vertices))
    radii = 1.0 + wobble * rng.uniform(-1.0, 1.0, vertices)
    aspect = rng.uniform(1.0, 1.6)
    ring = np.column_stack([aspect * radii * np.cos(steps), radii * np.sin(steps)])
    return _scaled(Polygon(ring), area)


def _lot(rng: np.random.Generator, area: float) -> Polygon:
    """An L-shaped factory lot with one slanted side."""
    w, h = 1.0, rng.uniform(0.6, 0.8)
    nx, ny = rng.uniform(0.3, 0.45), rng.uniform(0.25, 0.4)  # the notch in one corner
    slant = rng.uniform(0.05, 0.15)
    ring = [(0, 0), (w, 0), (w + slant, h - ny), (w - nx, h - ny), (w - nx, h), (0, h)]
    return _scaled(Polygon(ring), area)


def _pond(rng: np.random.Generator, area: float) -> Polygon:
    """A rectangular pond bank with one bent side."""
    w, h = 1.0, rng.uniform(0.55, 0.7)
    bend = rng.uniform(0.1, 0.2)
    ring = [(0, 0), (w, 0), (w, h), (0.5 * w, h + bend * h), (0, h)]
    return _scaled(Polygon(ring), area)


# A bent road ~600 m long: three legs each within 10° of an axis (so a 12 m strip of 10 m pixels
# stays one 4-connected patch), joined by mitred corners.
_ROAD_LINE = np.array([(0.0, 0.0), (290.0, 25.0), (255.0, 225.0), (360.0, 242.0)])
ROAD_WIDTH_M = 12.0


def _road(rng: np.random.Generator) -> Polygon:
    line = LineString(_ROAD_LINE - _ROAD_LINE.mean(axis=0))
    quarter = int(rng.integers(0, 4))
    jitter = float(rng.uniform(-2.0, 2.0))
    line = affinity.rotate(line, 90.0 * quarter + jitter, origin=(0, 0))
    return line.buffer(ROAD_WIDTH_M / 2.0, cap_style="flat", join_style="mitre")


def _grid_points(region: BaseGeometry, spacing: float) -> np.ndarray:
    """Points of a regular grid (fixed to map coordinates) inside region, row by row."""
    if region.is_empty:
        return np.empty((0, 2))
    minx, miny, maxx, maxy = region.bounds
    xs = np.arange(math.ceil(minx / spacing), math.floor(maxx / spacing) + 1) * spacing
    ys = np.arange(math.ceil(miny / spacing), math.floor(maxy / spacing) + 1) * spacing
    gx, gy = np.meshgrid(xs, ys)
    gx, gy = gx.ravel(), gy.ravel()
    inside = shapely.contains_xy(region, gx, gy)
    return np.column_stack([gx[inside], gy[inside]])


def _boundary_points(geom: BaseGeometry, spacing: float) -> np.ndarray:
    """Points every `spacing` metres along the boundary of geom."""
    points = []
    for line in shapely.get_parts(geom.boundary):
        for s in np.arange(0.0, line.length, spacing):
            p = line.interpolate(s)
            points.append((p.x, p.y))
    return np.asarray(points, dtype=float).reshape(-1, 2)


# --- placing the planted changes -------------------------------------------------------------------


class _Planter:
    def __init__(self, workspace: str, before: np.ndarray, transform: Affine, zones: list[_Zone],
                 district: BaseGeometry) -> None:
        self.workspace = workspace
        self.before = before
        self.transform = transform
        self.height, self.width = before.shape
        self.zones = zones
        self.district = district
        self.planted: list[_Planted] = []

    # -- footprints --

    def footprint(self, geom: BaseGeometry) -> Optional[_Footprint]:
        """The pixels whose centres lie in geom, or None when the footprint is unusable.

        Unusable: off the raster, empty, not one 4-connected patch, or with no-data or water pixels
        in it or within 6 pixels of it (so it lies well inside the district and off the rivers).
        """
        pad = NOISE_CLEARANCE_PX + 3
        inv = ~self.transform
        minx, miny, maxx, maxy = geom.bounds
        c0, r0 = inv * (minx, maxy)
        c1, r1 = inv * (maxx, miny)
        col0, row0 = int(math.floor(c0)) - pad, int(math.floor(r0)) - pad
        col1, row1 = int(math.ceil(c1)) + pad, int(math.ceil(r1)) + pad
        if col0 < 0 or row0 < 0 or col1 > self.width or row1 > self.height:
            return None
        out_shape = (row1 - row0, col1 - col0)
        wtransform = self.transform * Affine.translation(col0, row0)
        mask = rasterio.features.rasterize([(geom, 1)], out_shape=out_shape, transform=wtransform, fill=0,
                                           dtype="uint8", all_touched=False).astype(bool)
        pixels = int(mask.sum())
        if not pixels:
            return None
        window = self.before[row0:row1, col0:col1]
        near = _dilate(mask, NOISE_CLEARANCE_PX + 1)
        if (window[near] == NODATA).any() or (window[mask] == WATER).any():
            return None
        parts = [shape(g) for g, v in rasterio.features.shapes(
            mask.astype("uint8"), mask=mask, transform=wtransform, connectivity=4) if v == 1]
        if len(parts) != 1:
            return None
        return _Footprint(row0, col0, mask, pixels, parts[0])

    def boundary_pixels(self, polygon: BaseGeometry, fp: _Footprint) -> int:
        wtransform = self.transform * Affine.translation(fp.col0, fp.row0)
        burned = rasterio.features.rasterize([(polygon.boundary, 1)], out_shape=fp.mask.shape, transform=wtransform,
                                             fill=0, dtype="uint8", all_touched=True)
        return int(burned.sum())

    def share_of(self, fp: _Footprint, code: int) -> float:
        window = self.before[fp.row0:fp.row0 + fp.mask.shape[0], fp.col0:fp.col0 + fp.mask.shape[1]]
        return float((window[fp.mask] == code).mean())

    def clear_of_planted(self, polygon: BaseGeometry, fp: _Footprint) -> bool:
        return all(shapely.distance(polygon, p.polygon) >= PLANTED_GAP_M
                   and shapely.distance(fp.pixel_geom, p.footprint.pixel_geom) >= PLANTED_GAP_M for p in self.planted)

    # -- the search --

    def plant(self, index: int, name: str, activity: str, from_class: int, to_class: int,
              choices: list[tuple[Optional[_Zone], np.ndarray]], make: Callable[[np.random.Generator], BaseGeometry],
              accept: Callable[[Optional[_Zone], BaseGeometry, _Footprint], bool], expect_lead: bool,
              relation: Optional[str], what: tuple[str, str], turn: bool = True) -> _Planted:
        """Try candidate centres zone by zone (in a seeded order); keep the first shape that fits.

        `make` draws the shape around (0, 0); with `turn` it is rotated by a random angle. Among fitting
        shapes the first whose pixels are mostly `from_class` already wins, failing that the one with the
        largest such share, so that the planted change looks like it belongs there.
        """
        rng = np.random.default_rng([SEED, 8, index])
        best: Optional[tuple[float, _Planted]] = None
        for zone, centres in choices:
            order = rng.permutation(len(centres))[:_MAX_TRIES]
            for i in order:
                x, y = centres[i]
                local = make(rng)
                angle = float(rng.uniform(0.0, 360.0)) if turn else 0.0
                polygon = _place(local, float(x), float(y), angle)
                fp = self.footprint(polygon)
                if fp is None or not self.clear_of_planted(polygon, fp) or not accept(zone, polygon, fp):
                    continue
                candidate = _Planted(name, activity, from_class, to_class, polygon, fp,
                                     self.boundary_pixels(polygon, fp), expect_lead, zone, relation)
                share = self.share_of(fp, from_class)
                if best is None or share > best[0]:
                    best = (share, candidate)
                if share >= 0.5:
                    break
            if best is not None:
                break
        if best is None:
            raise NoRoomForPlantedChange(self.workspace, name, *what)
        self.planted.append(best[1])
        return best[1]

    def others(self, same: Callable[[_Zone], bool]) -> BaseGeometry:
        """The union of the protected polygons for which `same` is false."""
        return _union([z for z in self.zones if not same(z)])

    def plant_all(self) -> list[_Planted]:
        zones = self.zones
        protected = _union(zones)
        reserves = [z for z in zones if z.layer == "nature_reserve"]
        redlines = sorted((z for z in zones if z.layer == "redline"), key=lambda z: z.fid)
        not_level2 = _union([z for z in zones if z.layer == "water_source_zone" and z.level != "level2"])

        def kin(z: _Zone) -> Callable[[_Zone], bool]:
            """Same feature, or another zone of the same nature reserve / water source."""
            if z.layer in ("nature_reserve", "water_source_zone"):
                return lambda o: o.layer == z.layer and o.name == z.name
            return lambda o: o.layer == z.layer and o.fid == z.fid

        def inside_alone(z: _Zone, poly: BaseGeometry, fp: _Footprint) -> bool:
            """Deep inside z (40 m to spare) and 600 m from every protected area but z's kin."""
            return (z.geom.contains(fp.pixel_geom.buffer(40.0)) and z.geom.contains(poly)
                    and shapely.distance(fp.pixel_geom, self.others(kin(z))) >= OTHER_ZONES_M)

        # 1. Mining deep inside a nature reserve: core zones first, then the zone with most room.
        rooms = []
        for z in reserves:
            room = z.geom.buffer(-120.0).difference(self.others(kin(z)).buffer(OTHER_ZONES_M + 100.0))
            if not room.is_empty:
                rooms.append((z, room))
        rooms.sort(key=lambda zr: (zr[0].level not in _CORE_ZONES, -round(zr[1].area), zr[0].fid))
        mining = self.plant(1, "mining_in_reserve", "mining", FOREST, BARE,
                            [(z, _grid_points(r, 50.0)) for z, r in rooms], lambda rng: _blob(rng, 15000.0),
                            inside_alone, True, "inside",
                            ("no nature reserve has room for 1.5 ha at least 600 m from other protected areas",
                             "没有自然保护地能容纳距其他保护对象 600 米以上的 1.5 公顷图斑"))

        # 2. Industry straddling a red-line boundary, about half inside.
        def crossing(z: _Zone, poly: BaseGeometry, fp: _Footprint) -> bool:
            share_px = fp.pixel_geom.intersection(z.geom).area / fp.pixel_geom.area
            share_poly = poly.intersection(z.geom).area / poly.area
            return (0.4 <= share_px <= 0.6 and 0.35 <= share_poly <= 0.65
                    and shapely.distance(fp.pixel_geom, self.others(kin(z))) >= OTHER_ZONES_M)

        industry = self.plant(2, "industry_crossing_redline", "industry", CROPLAND, BUILT_UP,
                              [(z, _boundary_points(z.geom, 40.0)) for z in redlines],
                              lambda rng: _lot(rng, 10000.0), crossing, True, "crossing",
                              ("no red-line boundary has room for a 1 ha plot away from other protected areas",
                               "没有生态保护红线边界能容纳远离其他保护对象的 1 公顷图斑"))

        # 3. A new road inside a red line, preferably another one than the crossing plot's.
        road_rooms = []
        for z in sorted(redlines, key=lambda z: (z.fid == industry.zone.fid, z.fid)):
            room = z.geom.buffer(-200.0).difference(self.others(kin(z)).buffer(OTHER_ZONES_M + 200.0))
            road_rooms.append((z, _grid_points(room, 50.0)))
        self.plant(3, "road_in_redline", "transport", FOREST, TRANSPORT, road_rooms, _road, inside_alone, True,
                   "inside", ("no red line has room for a 600 m road away from other protected areas",
                              "没有生态保护红线能容纳远离其他保护对象的 600 米道路"), turn=False)

        # 4. Fish ponds in a level-2 water-source zone, 300 m from level-1 and quasi zones, 600 m from the rest.
        level2 = sorted((z for z in zones if z.layer == "water_source_zone" and z.level == "level2"),
                        key=lambda z: z.fid)
        sources: dict[str, BaseGeometry] = {}
        for z in level2:
            sources[z.name] = sources[z.name].union(z.geom) if z.name in sources else z.geom
        pond_choices = []
        for source, area in sources.items():
            strangers = self.others(lambda o, s=source: o.layer == "water_source_zone" and o.name == s)
            room = (area.buffer(-60.0).difference(not_level2.buffer(SAME_SOURCE_M + 60.0))
                    .difference(strangers.buffer(OTHER_ZONES_M + 60.0)))
            first = next(z for z in level2 if z.name == source)
            pond_choices.append((_Zone(first.layer, first.fid, source, "level2", area), _grid_points(room, 50.0)))
        pond_choices.sort(key=lambda zc: (-len(zc[1]), zc[0].fid))

        def in_level2(z: _Zone, poly: BaseGeometry, fp: _Footprint) -> bool:
            return (z.geom.contains(fp.pixel_geom.buffer(40.0)) and z.geom.contains(poly)
                    and shapely.distance(fp.pixel_geom, not_level2) >= SAME_SOURCE_M
                    and shapely.distance(fp.pixel_geom, self.others(kin(z))) >= OTHER_ZONES_M)

        ponds = self.plant(4, "ponds_in_water_zone", "aquaculture", CROPLAND, WATER, pond_choices,
                           lambda rng: _pond(rng, 8000.0), in_level2, True, "inside",
                           ("no level-2 water-source zone has room for 0.8 ha of ponds away from level-1 zones",
                            "没有二级水源保护区能容纳远离一级保护区的 0.8 公顷养殖塘"))
        # Report the level-2 feature (land or water part) that holds most of the ponds.
        ponds.zone = max((z for z in level2 if z.name == ponds.zone.name),
                         key=lambda z: (round(z.geom.intersection(ponds.footprint.pixel_geom).area, 3), -z.fid))

        # 5. Industry just outside a nature reserve (100–300 m), away from everything else.
        names = sorted({z.name for z in reserves}, key=lambda n: (n != mining.zone.name, n))
        near_choices = []
        for name in names:
            kin_zones = [z for z in reserves if z.name == name]
            whole = _union(kin_zones)
            near_choices.append((_Zone("nature_reserve", kin_zones[0].fid, name, "", whole),
                                 _boundary_points(whole.buffer(240.0), 40.0)))

        def near(z: _Zone, poly: BaseGeometry, fp: _Footprint) -> bool:
            d_px, d_poly = shapely.distance(fp.pixel_geom, z.geom), shapely.distance(poly, z.geom)
            return (NEAR_RANGE_M[0] <= d_px <= NEAR_RANGE_M[1] and NEAR_RANGE_M[0] <= d_poly <= NEAR_RANGE_M[1]
                    and not shapely.intersects(fp.pixel_geom, protected)
                    and shapely.distance(fp.pixel_geom, self.others(kin(z))) >= OTHER_ZONES_M)

        near_plot = self.plant(5, "near_reserve", "industry", GRASSLAND, BUILT_UP, near_choices,
                               lambda rng: _blob(rng, 5000.0, vertices=7, wobble=0.15), near, True, "near",
                               ("no nature reserve has room for a 0.5 ha plot 100–300 m outside it",
                                "没有自然保护地外 100–300 米处能容纳 0.5 公顷图斑"))
        # Report the zone of the reserve nearest to the plot.
        near_plot.zone = min((z for z in reserves if z.name == near_plot.zone.name),
                             key=lambda z: (round(shapely.distance(near_plot.footprint.pixel_geom, z.geom), 3), z.fid))

        # 6. Mining far from every protected area: no lead expected.
        far_room = self.district.buffer(-300.0).difference(protected.buffer(FAR_M + 100.0))
        self.plant(6, "far_outside", "mining", FOREST, BARE, [(None, _grid_points(far_room, 200.0))],
                   lambda rng: _blob(rng, 10000.0),
                   lambda z, poly, fp: (shapely.distance(fp.pixel_geom, protected) > FAR_M
                                        and shapely.distance(poly, protected) > FAR_M),
                   False, None, ("no place in the district is more than 2 km from every protected area",
                                 "行政区内没有距所有保护对象 2 公里以上的位置"))

        # 7. Three pixels of mining inside a reserve, preferably another one: below the minimum area.
        tiny_zones = sorted(reserves, key=lambda z: (z.name == mining.zone.name, z.level not in _CORE_ZONES, z.fid))
        self.plant(7, "tiny_in_reserve", "mining", FOREST, BARE,
                   [(z, _grid_points(z.geom.buffer(-80.0), 30.0)) for z in tiny_zones], _tiny,
                   lambda z, poly, fp: fp.pixels == 3 and z.geom.contains(fp.pixel_geom.buffer(40.0)), False,
                   "inside", ("no nature reserve has room for three pixels", "没有自然保护地能容纳三个像元的图斑"),
                   turn=False)
        return self.planted


def _tiny(rng: np.random.Generator) -> Polygon:
    """Three pixel centres in an L (a pixel and two of its 4-neighbours), hugged by a 3 m buffer.

    Drawn with its first centre at (5, 5): the sample rasters' pixel edges lie on multiples of 10 m, so
    candidate points on a grid of whole multiples of 10 m put the three centres on pixel centres.
    """
    corner = int(rng.integers(0, 4))
    centres = np.array([(0.0, 0.0), (PIXEL_M, 0.0), (0.0, PIXEL_M)])
    triangle = affinity.rotate(Polygon(centres), 90.0 * corner, origin=(0, 0))
    return affinity.translate(triangle.buffer(3.0, quad_segs=4), PIXEL_M / 2.0, PIXEL_M / 2.0)


# --- speckle noise ---------------------------------------------------------------------------------


def _dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """Square dilation of a bool array by `radius` pixels (cells beyond the array are ignored)."""
    out = mask.copy()
    h, w = mask.shape
    rows = out.copy()
    for d in range(1, radius + 1):
        rows[d:, :] |= out[:-d, :] if d < h else False
        rows[:-d, :] |= out[d:, :] if d < h else False
    out = rows.copy()
    for d in range(1, radius + 1):
        out[:, d:] |= rows[:, :-d] if d < w else False
        out[:, :-d] |= rows[:, d:] if d < w else False
    return out


def _add_noise(before: np.ndarray, after: np.ndarray, planted: list[_Planted]) -> tuple[int, int]:
    """Flip isolated single pixels and a few 2×2 clusters of the after raster; return (spots, pixels)."""
    rng = np.random.default_rng([SEED, 8, 99])
    height, width = before.shape
    valid = before != NODATA
    blocked = ~valid
    for p in planted:  # nothing within NOISE_CLEARANCE_PX of a footprint
        fp = p.footprint
        h, w = fp.mask.shape
        blocked[fp.row0:fp.row0 + h, fp.col0:fp.col0 + w] |= _dilate(fp.mask, NOISE_CLEARANCE_PX)
    target = int(round(NOISE_FRACTION * int(valid.sum())))
    spots = pixels = 0
    codes = np.arange(1, 10, dtype=np.uint8)
    for size, wanted in ((2, NOISE_CLUSTERS), (1, max(target - 4 * NOISE_CLUSTERS, 0))):
        placed = 0
        while placed < wanted:
            batch = rng.integers(0, [height - size + 1, width - size + 1], size=(2 * (wanted - placed) + 64, 2))
            for r, c in batch:
                if placed >= wanted:
                    break
                if blocked[r:r + size, c:c + size].any():
                    continue
                old = before[r:r + size, c:c + size]
                choices = codes[~np.isin(codes, old)]
                after[r:r + size, c:c + size] = choices[rng.integers(0, len(choices))]
                # A one-pixel gap all round: no two spots touch, not even diagonally.
                blocked[max(r - 1, 0):r + size + 1, max(c - 1, 0):c + size + 1] = True
                placed += 1
                pixels += size * size
        spots += placed
    return spots, pixels
