"""A deterministic classified land-cover raster for the sample district 青溪区.

A uint8 GeoTIFF (nodata 0, DEFLATE, 256×256 tiles, colour table) of 10 m pixels in EPSG:4544
(CGCS2000 3° Gauss-Krüger, CM 105°E) — deliberately not the workspace's EPSG:4490, so that every
user of it exercises reprojection. Codes are those of ``core/data/landcover_classes.yaml``.

With a workspace (normally the sample district's), the picture follows its layers: water from
``water_body`` and ``river``, forest over the nature reserves and red-line patches (the rocky
desertification patch partly bare, the riverside wetland patch wetland), built-up for the town by
the river around the contaminated plots and for the construction projects (mining bare, ecological
restoration forest), rural roads from the ``公路`` projects. Underneath, smooth noise and the distance
from the main river 大江 give cropland along the valley, orchard and grassland on the slopes and
forest on the hills. Without a workspace, the same background is drawn inside the district's outline
with the river, the reservoir and the towns at their sample-district places.

Fictional data for tests, demos and training; all randomness comes from one fixed seed.
"""

from __future__ import annotations

import math
import os
from typing import Any, Optional

import numpy as np
import rasterio
import rasterio.features
import shapely
from pyproj import Transformer
from rasterio.transform import from_origin
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from .errors import GreenShieldError
from .landcover import load_class_colors, load_class_table
from .sample_district import PLANAR_CRS, SEED, _main_v, _planar_origin
from .workspace import open_workspace, read_layer

PIXEL_M = 10.0
CROPLAND, ORCHARD, FOREST, GRASSLAND, WETLAND, WATER, BUILT_UP, TRANSPORT, BARE = range(1, 10)
NODATA = 0
# Local extent (metres from the district origin) used when there is no workspace: the district is
# about ±15 km × ±12.5 km.
_DEFAULT_HALF_EXTENT = (15700.0, 13200.0)
_MAIN_HALF = 150.0  # 大江 half width, as in the sample district
_UNSET = 255


class NoDistrictBoundary(GreenShieldError):
    code = "no_district_boundary"

    def __init__(self, path: str) -> None:
        super().__init__(
            f"Workspace {path} has no district boundary (the 'district' layer is empty), so the land-cover "
            "raster has no extent. Import the district boundary first, or build without a workspace.",
            f"工作空间 {path} 没有行政区边界（“district”图层为空），无法确定土地覆盖栅格的范围。"
            "请先导入行政区边界，或不指定工作空间生成。",
        )


def build_sample_landcover(path: str, workspace: Optional[str] = None) -> dict[str, Any]:
    """Write the sample land-cover GeoTIFF to path; return its grid and the pixel count per class.

    With `workspace`, the classes follow its layers (see the module documentation); without, a
    background-only picture of the sample district is drawn. Either way two builds give the same pixels.
    """
    path = os.fspath(path)
    x0, y0 = _planar_origin()
    layers = _workspace_layers(workspace) if workspace else None
    if layers is not None:
        minx, miny, maxx, maxy = shapely.total_bounds(layers["district"])
        minx, miny = math.floor((minx - 100.0) / PIXEL_M) * PIXEL_M, math.floor((miny - 100.0) / PIXEL_M) * PIXEL_M
        maxx, maxy = math.ceil((maxx + 100.0) / PIXEL_M) * PIXEL_M, math.ceil((maxy + 100.0) / PIXEL_M) * PIXEL_M
    else:
        hx, hy = _DEFAULT_HALF_EXTENT
        minx, miny = math.floor((x0 - hx) / PIXEL_M) * PIXEL_M, math.floor((y0 - hy) / PIXEL_M) * PIXEL_M
        maxx, maxy = math.ceil((x0 + hx) / PIXEL_M) * PIXEL_M, math.ceil((y0 + hy) / PIXEL_M) * PIXEL_M
    width, height = int(round((maxx - minx) / PIXEL_M)), int(round((maxy - miny) / PIXEL_M))
    transform = from_origin(minx, maxy, PIXEL_M, PIXEL_M)
    xs = minx + (np.arange(width) + 0.5) * PIXEL_M  # pixel-centre eastings
    ys = maxy - (np.arange(height) + 0.5) * PIXEL_M  # pixel-centre northings

    painter = _Painter(xs, ys, transform, x0, y0)
    painter.background()
    if layers is not None:
        painter.from_workspace(layers)
    else:
        painter.without_workspace()
    classes = painter.classes

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    profile = {"driver": "GTiff", "width": width, "height": height, "count": 1, "dtype": "uint8",
               "crs": PLANAR_CRS, "transform": transform, "nodata": NODATA, "compress": "deflate",
               "tiled": True, "blockxsize": 256, "blockysize": 256}
    table = load_class_table()
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(classes, 1)
        colors = {code: (*rgb, 255) for code, rgb in load_class_colors().items()}
        colors[NODATA] = (0, 0, 0, 0)
        dst.write_colormap(1, colors)
        dst.set_band_description(1, "土地覆盖类别 land-cover class")
        dst.update_tags(AREA_OR_POINT="Area", SOURCE="Green Shield sample district 青溪区 (fictional)",
                        CLASSES="; ".join(f"{c}={zh} {en}" for c, (zh, en) in table.items()))
    codes, counts = np.unique(classes, return_counts=True)
    return {"path": path, "crs": PLANAR_CRS, "width": width, "height": height, "pixel_size_m": PIXEL_M,
            "bounds": (minx, miny, maxx, maxy), "from_workspace": layers is not None,
            "class_pixels": {int(c): int(n) for c, n in zip(codes, counts)}, "bytes": os.path.getsize(path)}


def _workspace_layers(workspace: str) -> dict[str, Any]:
    """The layers the picture uses, in EPSG:4544: {key: geometries} and {key + '_fields': columns}."""
    info = open_workspace(workspace)
    to_planar = Transformer.from_crs(info.crs, PLANAR_CRS, always_xy=True)
    out: dict[str, Any] = {}
    for key in ("district", "water_body", "river", "redline", "nature_reserve", "contaminated_plot", "project"):
        geoms, columns, _fids = read_layer(workspace, key)
        geoms = np.asarray(geoms, dtype=object)
        keep = ~shapely.is_missing(geoms)
        geoms, columns = geoms[keep], {k: np.asarray(v)[keep] for k, v in columns.items()}
        if len(geoms):
            geoms = shapely.transform(geoms, lambda x, y: to_planar.transform(x, y), interleaved=False)
        out[key], out[f"{key}_fields"] = geoms, columns
    if not len(out["district"]):
        raise NoDistrictBoundary(workspace)
    return out


def _bspline_matrix(t: np.ndarray, n: int) -> np.ndarray:
    """Cubic B-spline weights of lattice nodes 0..n-1 at lattice positions t (one row per position)."""
    i = np.floor(t).astype(np.intp)
    f = (t - i).astype(np.float32)
    weights = ((1 - f) ** 3 / 6, (3 * f ** 3 - 6 * f ** 2 + 4) / 6, (-3 * f ** 3 + 3 * f ** 2 + 3 * f + 1) / 6,
               f ** 3 / 6)
    m = np.zeros((t.size, n), dtype=np.float32)
    rows = np.arange(t.size)
    for k, w in enumerate(weights):
        m[rows, i - 1 + k] = w
    return m


class _Painter:
    def __init__(self, xs: np.ndarray, ys: np.ndarray, transform: rasterio.Affine, x0: float, y0: float) -> None:
        self.xs, self.ys, self.transform = xs, ys, transform
        self.x0, self.y0 = x0, y0
        self.shape = (ys.size, xs.size)
        self.rng = np.random.default_rng(SEED)
        self.u = (xs - x0).astype(np.float32)  # local eastings (W,)
        self.v = (ys - y0).astype(np.float32)  # local northings (H,)
        self.mv = np.asarray(_main_v(self.u.astype(np.float64)), dtype=np.float32)  # river centre line (W,)
        # Signed distance north of the 大江 centre line, measured along the meridian (H, W).
        self.north = self.v[:, None] - self.mv[None, :]
        self.large = self._noise(3000.0)
        self.mid = self._noise(900.0)
        self.small = self._noise(300.0)
        self.tiny = self._noise(120.0)
        self.classes = np.full(self.shape, FOREST, dtype=np.uint8)

    def _noise(self, spacing: float) -> np.ndarray:
        """Smooth noise (mean 0, sd 1) on a lattice of the given spacing, fixed to map coordinates."""
        gx0 = math.floor(self.xs.min() / spacing) - 2
        gy0 = math.floor(self.ys.min() / spacing) - 2
        tx, ty = self.xs / spacing - gx0, self.ys / spacing - gy0
        nx, ny = int(tx.max()) + 4, int(ty.max()) + 4
        lattice = self.rng.standard_normal((ny, nx)).astype(np.float32)
        field = _bspline_matrix(ty, ny) @ lattice @ _bspline_matrix(tx, nx).T
        field -= field.mean()
        field /= field.std()
        return field

    # -- painting helpers --

    def _mask(self, geoms: list[BaseGeometry] | np.ndarray, all_touched: bool = False) -> np.ndarray:
        geoms = [g for g in geoms if g is not None and not g.is_empty]
        if not geoms:
            return np.zeros(self.shape, dtype=bool)
        burned = rasterio.features.rasterize([(g, 1) for g in geoms], out_shape=self.shape, transform=self.transform,
                                             fill=0, dtype="uint8", all_touched=all_touched)
        return burned.astype(bool)

    def _burn(self, shapes: list[tuple[BaseGeometry, int]], all_touched: bool = False) -> None:
        """Paint each geometry with its code, later ones over earlier ones."""
        shapes = [(g, code) for g, code in shapes if g is not None and not g.is_empty]
        if not shapes:
            return
        burned = rasterio.features.rasterize(shapes, out_shape=self.shape, transform=self.transform, fill=_UNSET,
                                             dtype="uint8", all_touched=all_touched)
        np.copyto(self.classes, burned, where=burned != _UNSET)

    def _local_line(self, u: np.ndarray, v: np.ndarray) -> LineString:
        return LineString(np.column_stack([u + self.x0, v + self.y0]))

    # -- the picture --

    def background(self) -> None:
        """Cropland in the valley, orchard/grassland/cropland on the slopes, forest on the hills, hamlets."""
        c = self.classes
        relief = np.abs(self.north) / 3500.0 + 0.75 * self.large + 0.3 * self.mid  # a rough "height"
        low, slope, hills = relief < 0.6, (relief >= 0.6) & (relief < 1.6), relief >= 1.6
        c[low] = CROPLAND
        c[low & (self.small > 1.0)] = ORCHARD
        c[slope] = CROPLAND
        c[slope & (self.mid > 0.4)] = ORCHARD
        c[slope & (self.small > 1.0)] = GRASSLAND
        c[slope & (self.mid + 0.5 * self.small < -0.7)] = FOREST
        c[hills & (self.small > 1.4)] = GRASSLAND
        c[hills & (self.tiny < -2.3)] = BARE
        c[(relief < 1.6) & (self.tiny > 2.2)] = BUILT_UP  # hamlets
        # Reed beds and mudflats on the banks of the 大江.
        bank = (np.abs(self.north) >= _MAIN_HALF) & (np.abs(self.north) < _MAIN_HALF + 80.0) & (self.mid > 0.0)
        c[bank] = WETLAND

    def _towns_and_roads(self) -> None:
        c, u = self.classes, self.u[None, :]
        north = self.north
        # 青溪 town on the north bank, around the old industrial plots.
        town = ((u + 800.0) / 3000.0) ** 2 + ((north - 750.0) / 700.0) ** 2 < 1.0 + 0.3 * self.mid
        c[town & (north > _MAIN_HALF + 20.0)] = BUILT_UP
        # 石门 market town on the south bank downstream.
        shimen = ((u - 10000.0) / 900.0) ** 2 + ((-north - 550.0) / 380.0) ** 2 < 1.0 + 0.3 * self.mid
        c[shimen & (north < -_MAIN_HALF - 20.0)] = BUILT_UP
        # The riverside road on the north bank and the road from the town up to the reservoir.
        uu = np.arange(-17000.0, 17001.0, 50.0)
        riverside = self._local_line(uu, np.asarray(_main_v(uu)) + 420.0).buffer(12.0, cap_style="flat")
        t = np.linspace(0.0, 1.0, 60)
        start = -800.0, float(_main_v(-800.0)) + 1200.0
        ru = start[0] + t * (-3500.0 - start[0]) + 600.0 * np.sin(math.pi * t)
        rv = start[1] + t * (6900.0 - start[1])
        mountain = self._local_line(ru, rv).buffer(6.0, cap_style="flat")
        self._burn([(riverside, TRANSPORT), (mountain, TRANSPORT)])

    def without_workspace(self) -> None:
        c, u, v = self.classes, self.u[None, :], self.v[:, None]
        self._towns_and_roads()
        c[np.abs(self.north) < _MAIN_HALF] = WATER
        reservoir = ((u + 5000.0) / 1400.0) ** 2 + ((v - 7200.0) / 650.0) ** 2 < 1.0 + 0.08 * self.small
        c[reservoir] = WATER
        district = np.abs(u / 15000.0) ** 4 + np.abs(v / 12500.0) ** 4 < (1.0 + 0.01 * self.large) ** 4
        c[~district] = NODATA

    def from_workspace(self, layers: dict[str, Any]) -> None:
        c = self.classes
        # Valleys of the tributaries are farmed too.
        rivers = layers["river"]
        valley = self._mask([g.buffer(700.0, quad_segs=4) for g in rivers])
        c[valley & (c == FOREST) & (self.mid > -0.4)] = CROPLAND
        self._towns_and_roads()
        # Protected land is forest: nature reserves, then the red-line patches.
        self._burn([(g, FOREST) for g in layers["nature_reserve"]])
        fields = layers["redline_fields"]
        rocky, wet = [], []
        for g, function, name in zip(layers["redline"], fields.get("eco_function", []), fields.get("name", [])):
            if function == "rocky_desertification":
                rocky.append(g)
            elif name and "湿地" in str(name):
                wet.append(g)
        self._burn([(g, FOREST) for g in layers["redline"]])
        c[self._mask(rocky) & (self.small < -0.6)] = BARE
        # The town around the contaminated plots, then the projects.
        self._burn([(g.buffer(120.0, quad_segs=4), BUILT_UP) for g in layers["contaminated_plot"]])
        project_fields = layers["project_fields"]
        shapes = []
        for g, category, name in zip(layers["project"], project_fields.get("category", []),
                                     project_fields.get("name", [])):
            if g.geom_type in ("Polygon", "MultiPolygon"):
                code = {"mining": BARE, "eco_restoration": FOREST}.get(str(category), BUILT_UP)
                shapes.append((g, code))
            elif g.geom_type in ("LineString", "MultiLineString") and "公路" in str(name):
                shapes.append((g.buffer(4.0, cap_style="flat"), TRANSPORT))
        self._burn(shapes)
        # Water last: wetland fringes, then the water bodies and the streams.
        water = list(layers["water_body"])
        fringe = self._mask([g.buffer(60.0, quad_segs=4) for g in water]) & (self.mid > -0.3)
        c[fringe] = WETLAND
        c[self._mask(wet)] = WETLAND
        widths = layers["river_fields"].get("width_m", [])
        streams = [g.buffer(max(float(w) / 2.0, 2.0), cap_style="flat") for g, w in zip(rivers, widths)
                   if w is not None and not np.isnan(float(w))]
        self._burn([(g, WATER) for g in water])
        self._burn([(g, WATER) for g in streams], all_touched=True)
        c[~self._mask(layers["district"])] = NODATA
