"""Land-cover composition of polygons from a classified raster.

For the red-line adjustment review (what land is in each change area) and, later, the
remote-sensing features. A classified raster holds one integer class code per pixel; the class
table (``core/data/landcover_classes.yaml``, or a user's own YAML or CSV) names the codes.

How areas are measured:

* Each polygon is read through a window covering only its bounds (``rasterio.windows.from_bounds``
  and ``read(window=...)``); the whole raster is never read. Very large windows are read in
  strips of rows.
* A pixel counts for a polygon when its centre lies inside (``geometry_mask``, all_touched=False).
* Pixel area comes from the raster's transform. In a projected CRS it is |a·e| (planar in that
  CRS, so it carries the projection's scale error, e.g. up to ~0.06 % at the edge of a 3° Gauss-Krüger
  zone). In a geographic CRS the area of a pixel row is measured on the CRS's ellipsoid with
  ``pyproj.Geod``.
* Geometries in another CRS are reprojected vertex by vertex (always_xy) to the raster CRS; edges
  are not densified, so very long edges bend slightly differently (negligible for change areas).
* Nodata pixels (the raster's nodata value, or code 0) are reported under code 0, "no data", so
  nothing is hidden. Parts of a polygon outside the raster are not pixels at all; they are
  reported in a note with their approximate area.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Optional, Union

import numpy as np
import rasterio
import rasterio.errors
import rasterio.features
import rasterio.windows
import shapely
import yaml
from pyproj import CRS, Geod, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry.base import BaseGeometry

from .encoding import detect_text_encoding
from .errors import GreenShieldError, InvalidCRS

DEFAULT_CLASS_TABLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "landcover_classes.yaml")
NODATA_CODE = 0
NODATA_NAMES = ("无数据", "no data")
MAX_CODE = 255
# Windows larger than this many pixels are read in strips of rows (memory stays bounded).
STRIP_PIXELS = 4_000_000

ClassTable = dict[int, tuple[str, str]]
ClassesArg = Union[None, str, "os.PathLike[str]", ClassTable]


# --- errors ------------------------------------------------------------------------------


class LandCoverError(GreenShieldError):
    code = "landcover"


class ClassTableError(LandCoverError):
    code = "landcover_class_table"

    def __init__(self, path: str, where: str, where_zh: str, problem: str, problem_zh: str) -> None:
        super().__init__(
            f"Land-cover class table {path}, {where}: {problem}",
            f"土地覆盖分类表 {path}，{where_zh}：{problem_zh}",
        )
        self.path = path
        self.where = where


class RasterNotFound(LandCoverError):
    code = "raster_not_found"

    def __init__(self, path: str) -> None:
        super().__init__(
            f"Land-cover raster {path} does not exist. Check the path, or choose the classified image file "
            "(for example a GeoTIFF).",
            f"土地覆盖栅格 {path} 不存在。请检查路径，或选择分类影像文件（例如 GeoTIFF）。",
        )


class NotARaster(LandCoverError):
    code = "not_a_raster"

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(
            f"{path} is not a raster GDAL can open ({reason}). Choose a classified land-cover image, "
            "for example a GeoTIFF.",
            f"{path} 不是可读取的栅格文件（{reason}）。请选择土地覆盖分类影像，例如 GeoTIFF。",
        )


class RasterWithoutCRS(LandCoverError):
    code = "raster_without_crs"

    def __init__(self, path: str) -> None:
        super().__init__(
            f"Land-cover raster {path} has no coordinate reference system, so its pixels cannot be placed. "
            "Assign one first, e.g. gdal_edit.py -a_srs EPSG:4544 (or Raster ▸ Projections ▸ Assign Projection "
            "in QGIS).",
            f"土地覆盖栅格 {path} 没有坐标参照系，无法确定像元位置。请先为其指定坐标系，例如 "
            "gdal_edit.py -a_srs EPSG:4544（或在 QGIS 中：栅格 ▸ 投影 ▸ 指定投影）。",
        )


class UnsupportedRaster(LandCoverError):
    code = "unsupported_raster"

    def __init__(self, path: str, problem: str, problem_zh: str) -> None:
        super().__init__(f"Land-cover raster {path}: {problem}", f"土地覆盖栅格 {path}：{problem_zh}")


# --- the class table -------------------------------------------------------------------------


@dataclass(frozen=True)
class LandCoverClass:
    code: int
    name_zh: str
    name_en: str
    color: Optional[str] = None  # "#RRGGBB"


def load_class_table(path: Optional[str] = None) -> ClassTable:
    """Class code → (Chinese name, English name), sorted by code; code 0 ("no data") always present.

    `path` is a YAML file like ``core/data/landcover_classes.yaml`` (the default) or a CSV file with the
    columns code,name_zh,name_en (a header row is optional). Raises ClassTableError naming the file and
    the row when a code is not an integer 0–255, appears twice, or a name is missing.
    """
    return {c.code: (c.name_zh, c.name_en) for c in load_classes(path).values()}


def load_class_colors(path: Optional[str] = None) -> dict[int, tuple[int, int, int]]:
    """Class code → display colour (r, g, b) for the classes of a table that give one."""
    out = {}
    for c in load_classes(path).values():
        if c.color:
            out[c.code] = (int(c.color[1:3], 16), int(c.color[3:5], 16), int(c.color[5:7], 16))
    return out


def load_classes(path: Optional[str] = None) -> dict[int, LandCoverClass]:
    """The class table as LandCoverClass records (see load_class_table)."""
    path = DEFAULT_CLASS_TABLE if path is None else os.fspath(path)
    if not os.path.isfile(path):
        raise ClassTableError(path, "file", "文件", "the file does not exist. Check the path.",
                              "文件不存在，请检查路径。")
    with open(path, "rb") as fh:
        raw = fh.read()
    ext = os.path.splitext(path)[1].lower()
    if ext in (".yaml", ".yml"):
        entries = _yaml_entries(path, raw)
    elif ext in (".csv", ".txt"):
        entries = _csv_entries(path, raw)
    else:
        raise ClassTableError(path, "file", "文件", "unknown file type. Use a .yaml or a .csv file "
                              "(columns code,name_zh,name_en).",
                              "无法识别的文件类型。请使用 .yaml 或 .csv 文件（列：code,name_zh,name_en）。")
    return _validate(path, entries)


# An entry as read from a file: where it is (English, Chinese) and its raw values.
_Entry = tuple[str, str, dict[str, Any]]


def _yaml_entries(path: str, raw: bytes) -> list[_Entry]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ClassTableError(path, "file", "文件", f"is not UTF-8 text (byte {exc.start}). Save the file as UTF-8.",
                              f"不是 UTF-8 编码（第 {exc.start} 字节）。请以 UTF-8 编码保存。") from None
    try:
        data = yaml.safe_load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where, where_zh = (f"line {mark.line + 1}", f"第 {mark.line + 1} 行") if mark else ("file", "文件")
        problem = getattr(exc, "problem", None) or str(exc)
        raise ClassTableError(path, where, where_zh, f"YAML syntax error: {problem}. Check indentation and colons.",
                              f"YAML 语法错误：{problem}。请检查缩进和冒号。") from None
    items, item_nodes = data, node
    if isinstance(data, dict):
        items = data.get("classes")
        item_nodes = next((v for k, v in node.value if k.value == "classes"), None)
    if not isinstance(items, list) or not items:
        raise ClassTableError(path, "file", "文件", "no class list found. Write the classes as a list under "
                              "'classes:', one entry per class with code, name_zh and name_en.",
                              "未找到类别列表。请在“classes:”下逐条列出类别，每条含 code、name_zh、name_en。")
    entries = []
    for i, item in enumerate(items, start=1):
        line = item_nodes.value[i - 1].start_mark.line + 1 if item_nodes is not None else None
        where = f"entry {i}" + (f" (line {line})" if line else "")
        where_zh = f"第 {i} 条" + (f"（第 {line} 行）" if line else "")
        if not isinstance(item, dict):
            raise ClassTableError(path, where, where_zh, "each entry must have code, name_zh and name_en, "
                                  "e.g. {code: 3, name_zh: 林地, name_en: forest}.",
                                  "每条须包含 code、name_zh、name_en，例如 {code: 3, name_zh: 林地, name_en: forest}。")
        entries.append((where, where_zh, item))
    return entries


_CSV_COLUMNS = {
    "code": ("code", "value", "代码", "编码", "类别代码", "值"),
    "name_zh": ("name_zh", "中文名称", "中文名", "名称", "类别名称"),
    "name_en": ("name_en", "english", "英文名称", "英文名", "name"),
    "color": ("color", "colour", "颜色"),
}


def _csv_entries(path: str, raw: bytes) -> list[_Entry]:
    text = raw.decode(detect_text_encoding(raw), errors="replace")
    rows = [(n, row) for n, row in enumerate(csv.reader(io.StringIO(text)), start=1)
            if row and any(c.strip() for c in row) and not row[0].lstrip().startswith("#")]
    if not rows:
        raise ClassTableError(path, "file", "文件", "the file is empty. Write one class per row: code,name_zh,name_en.",
                              "文件为空。请每行写一个类别：code,name_zh,name_en。")
    order = ["code", "name_zh", "name_en", "color"]
    first = [c.strip().lower() for c in rows[0][1]]
    if first and not re.fullmatch(r"[+-]?\d+(\.\d*)?", first[0]):
        order = []
        for cell in first:
            key = next((k for k, names in _CSV_COLUMNS.items() if cell in names), None)
            order.append(key or cell)
        if "code" not in order:
            raise ClassTableError(path, "row 1", "第 1 行", f"the header ({', '.join(first)}) has no code column. "
                                  "Name the columns code,name_zh,name_en.",
                                  f"表头（{', '.join(first)}）中没有 code 列。请将列命名为 code,name_zh,name_en。")
        rows = rows[1:]
    entries = []
    for n, row in rows:
        values = {key: cell.strip() for key, cell in zip(order, row)}
        entries.append((f"row {n}", f"第 {n} 行", values))
    return entries


def _validate(path: str, entries: list[_Entry]) -> dict[int, LandCoverClass]:
    out: dict[int, LandCoverClass] = {}
    for where, where_zh, values in entries:
        code = _code(path, where, where_zh, values.get("code"))
        names = []
        for key, label, label_zh in (("name_zh", "Chinese name", "中文名称"), ("name_en", "English name", "英文名称")):
            value = values.get(key)
            if value is None or not str(value).strip():
                raise ClassTableError(path, where, where_zh, f"class {code} has no {label} ({key}). Fill it in.",
                                      f"类别 {code} 缺少{label_zh}（{key}），请补充。")
            names.append(str(value).strip())
        color = values.get("color")
        color = str(color).strip() if color not in (None, "") else None
        if color is not None and not re.fullmatch(r"#[0-9a-fA-F]{6}", color):
            raise ClassTableError(path, where, where_zh, f"colour '{color}' of class {code} is not #RRGGBB.",
                                  f"类别 {code} 的颜色“{color}”不是 #RRGGBB 格式。")
        if code in out:
            raise ClassTableError(path, where, where_zh, f"code {code} appears twice. Give each class its own code.",
                                  f"代码 {code} 重复出现。每个类别须有唯一的代码。")
        out[code] = LandCoverClass(code, names[0], names[1], color)
    if not any(code != NODATA_CODE for code in out):
        raise ClassTableError(path, "file", "文件", "the table lists no classes besides 0 (no data).",
                              "分类表中除 0（无数据）外没有任何类别。")
    out.setdefault(NODATA_CODE, LandCoverClass(NODATA_CODE, *NODATA_NAMES))
    return dict(sorted(out.items()))


def _code(path: str, where: str, where_zh: str, value: Any) -> int:
    code: Optional[int] = None
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        code = int(value)
    elif isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        code = int(value)
    if code is None:
        shown = "nothing" if value in (None, "") else f"'{value}'"
        raise ClassTableError(path, where, where_zh, f"the code is {shown}, not a whole number. "
                              f"Codes are the pixel values of the raster, whole numbers 0–{MAX_CODE}.",
                              f"代码为{'空' if value in (None, '') else f'“{value}”'}，不是整数。"
                              f"代码即栅格的像元值，须为 0–{MAX_CODE} 的整数。")
    if not 0 <= code <= MAX_CODE:
        raise ClassTableError(path, where, where_zh, f"code {code} is outside 0–{MAX_CODE}.",
                              f"代码 {code} 超出 0–{MAX_CODE} 的范围。")
    return code


def _class_table(classes: ClassesArg) -> ClassTable:
    if classes is None or isinstance(classes, (str, os.PathLike)):
        return load_class_table(classes)
    entries = []
    for k, v in dict(classes).items():
        names = tuple(v) if isinstance(v, (tuple, list)) else (v,)
        entries.append((f"code {k}", f"代码 {k}", {"code": k, "name_zh": names[0] if len(names) > 0 else None,
                                                  "name_en": names[1] if len(names) > 1 else None}))
    return {c.code: (c.name_zh, c.name_en) for c in _validate("(given as a dictionary)", entries).values()}


# --- composition ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CompositionNote:
    index: Optional[int]  # the geometry it is about; None: about the whole measurement
    message: str
    message_zh: str


@dataclass
class Composition:
    """Per geometry, the area in m² of each class code inside it, with notes and the class table."""

    areas: list[dict[int, float]]
    classes: ClassTable
    raster_crs: str
    pixel_area: str  # "planar" or "ellipsoidal"
    notes: list[CompositionNote] = field(default_factory=list)

    def notes_for(self, index: Optional[int]) -> list[CompositionNote]:
        return [n for n in self.notes if n.index == index]

    def rows(self, include_zero: bool = False) -> list[dict[str, Any]]:
        """A tidy table: one row per geometry and class (index, code, name_zh, name_en, area_m2, share,
        note, note_zh). Classes with no area are left out unless include_zero; a geometry with no area
        at all gets one row under code 0 with its note."""
        out = []
        for i, areas in enumerate(self.areas):
            total = sum(areas.values())
            notes = self.notes_for(i)
            note = " ".join(n.message for n in notes)
            note_zh = "".join(n.message_zh for n in notes)
            codes = [c for c, a in areas.items() if include_zero or a > 0] or [NODATA_CODE]
            for code in codes:
                name_zh, name_en = class_names(code, self.classes)
                area = areas.get(code, 0.0)
                out.append({"index": i, "code": code, "name_zh": name_zh, "name_en": name_en, "area_m2": area,
                            "share": area / total if total > 0 else 0.0, "note": note, "note_zh": note_zh})
        return out


def class_names(code: int, classes: Optional[ClassTable] = None) -> tuple[str, str]:
    """(Chinese, English) name of a code; codes missing from the table get 未知类别 N / unknown class N."""
    table = load_class_table() if classes is None else classes
    if code in table:
        return table[code]
    return f"未知类别 {code}", f"unknown class {code}"


def composition(raster_path: str, geometries: Iterable[Optional[BaseGeometry]], geometry_crs: str,
                classes: ClassesArg = None, band: int = 1) -> list[dict[int, float]]:
    """For each polygon (in geometry_crs), the area in m² of each class code inside it.

    Every code of the class table is a key (0.0 when absent), plus any code found in the raster but not
    in the table; nodata is under 0. See measure_composition for the notes (outside the raster, ...).
    """
    return measure_composition(raster_path, geometries, geometry_crs, classes, band).areas


def composition_table(raster_path: str, geometries: Iterable[Optional[BaseGeometry]], geometry_crs: str,
                      classes: ClassesArg = None, band: int = 1, include_zero: bool = False) -> list[dict[str, Any]]:
    """The composition as tidy rows for reports: index, code, name_zh, name_en, area_m2, share (of the
    measured area, nodata included), note, note_zh."""
    return measure_composition(raster_path, geometries, geometry_crs, classes, band).rows(include_zero)


def measure_composition(raster_path: str, geometries: Iterable[Optional[BaseGeometry]], geometry_crs: str,
                        classes: ClassesArg = None, band: int = 1) -> Composition:
    """The land-cover composition of each geometry, with notes; see the module documentation."""
    table = _class_table(classes)
    try:
        source_crs = CRS.from_user_input(geometry_crs)
    except CRSError:
        raise InvalidCRS(str(geometry_crs)) from None
    items = list(geometries)
    geoms = np.empty(len(items), dtype=object)
    geoms[:] = items
    # One GDAL environment for the whole run: without it every read and rasterize sets one up (≈0.3 ms each).
    with rasterio.Env(), _open_raster(raster_path, band) as src:
        measurer = _Measurer(src, raster_path, band, table)
        if not measurer.crs.equals(source_crs, ignore_axis_order=True):
            geoms = _reproject(geoms, source_crs, measurer.crs)
        areas = measurer.measure_all(geoms)
        notes = measurer.run_notes() + measurer.notes
    return Composition(areas, table, measurer.crs_label, measurer.method, notes)


def _open_raster(path: str, band: int, codes: bool = True) -> rasterio.DatasetReader:
    """Open a north-up raster with a CRS; with `codes`, its band must hold whole-number class codes."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise RasterNotFound(path)
    try:
        src = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        raise NotARaster(path, _short(str(exc))) from None
    try:
        if src.crs is None or not src.crs.to_wkt():
            raise RasterWithoutCRS(path)
        if not 1 <= band <= src.count:
            raise UnsupportedRaster(path, f"it has {src.count} band(s), so band {band} does not exist. "
                                    f"Choose a band from 1 to {src.count}.",
                                    f"只有 {src.count} 个波段，不存在第 {band} 波段。请选择 1 到 {src.count}。")
        dtype = np.dtype(src.dtypes[band - 1])
        if codes and dtype.kind not in "iu":
            raise UnsupportedRaster(path, f"band {band} holds {dtype.name} values, not class codes. A classified "
                                    "raster holds whole-number codes; convert it, e.g. gdal_translate -ot Byte.",
                                    f"第 {band} 波段为 {dtype.name} 数值而非类别代码。分类栅格应为整数代码，"
                                    "请先转换，例如 gdal_translate -ot Byte。")
        t = src.transform
        if t.b != 0 or t.d != 0 or t.a <= 0 or t.e == 0:
            raise UnsupportedRaster(path, "the raster is rotated or mirrored (its geotransform is not a plain "
                                    "north-up grid). Warp it to a north-up grid first, e.g. gdalwarp.",
                                    "栅格带有旋转或镜像参数（不是正北朝上的格网）。请先重采样为正北朝上的栅格，"
                                    "例如使用 gdalwarp。")
    except GreenShieldError:
        src.close()
        raise
    return src


def _short(text: str) -> str:
    text = text.strip().splitlines()[0] if text.strip() else "unknown error"
    return text if len(text) < 200 else text[:197] + "..."


def _reproject(geoms: np.ndarray, source: CRS, target: CRS) -> np.ndarray:
    transformer = Transformer.from_crs(source, target, always_xy=True)
    present = np.array([g is not None for g in geoms], dtype=bool)
    out = geoms.copy()
    if present.any():
        out[present] = shapely.transform(geoms[present], lambda x, y: transformer.transform(x, y), interleaved=False)
    return out


class _Measurer:
    def __init__(self, src: rasterio.DatasetReader, path: str, band: int, table: ClassTable) -> None:
        self.src, self.path, self.band, self.table = src, path, band, table
        self.crs = CRS.from_user_input(src.crs.to_wkt())
        auth = self.crs.to_authority()
        self.crs_label = f"{auth[0]}:{auth[1]}" if auth else self.crs.name
        self.t = src.transform
        self.height, self.width = src.height, src.width
        nodata = src.nodatavals[band - 1]
        self.nodata = None if nodata is None or (isinstance(nodata, float) and math.isnan(nodata)) else nodata
        self.extent = shapely.box(*src.bounds)
        shapely.prepare(self.extent)
        self.notes: list[CompositionNote] = []
        self.unknown: set[int] = set()
        self.geographic = self.crs.is_geographic
        if self.geographic:
            self.method = "ellipsoidal"
            self.geod: Geod = self.crs.get_geod()
            self.row_area = np.full(self.height, np.nan)
        else:
            self.method = "planar"
            unit = self.crs.axis_info[0].unit_conversion_factor if self.crs.axis_info else 1.0
            self.pixel_area = abs(self.t.a * self.t.e) * unit * unit

    def run_notes(self) -> list[CompositionNote]:
        notes = []
        if self.geographic:
            ellps = self.crs.ellipsoid.name if self.crs.ellipsoid else "its"
            notes.append(CompositionNote(None, f"Pixel areas are measured row by row on the {ellps} ellipsoid of "
                                         f"{self.crs_label}.",
                                         f"像元面积按行在 {self.crs_label} 的{ellps}椭球面上计算。"))
        else:
            notes.append(CompositionNote(None, f"Pixel areas are planar in {self.crs_label} ({self.pixel_area:g} m² "
                                         "per pixel) and include that projection's scale distortion.",
                                         f"像元面积为 {self.crs_label} 下的平面面积"
                                         f"（每像元 {self.pixel_area:g} 平方米），含该投影的长度变形。"))
        for code in sorted(self.unknown):
            notes.append(CompositionNote(None, f"Code {code} occurs in the raster but not in the class table; it is "
                                         f"reported as 'unknown class {code}'. Add it to the class table.",
                                         f"栅格中出现了分类表未列出的代码 {code}，以“未知类别 {code}”列出。"
                                         "请将其补充到分类表中。"))
        return notes

    def _note(self, index: int, message: str, message_zh: str) -> None:
        self.notes.append(CompositionNote(index, message, message_zh))

    def _empty(self) -> dict[int, float]:
        return {code: 0.0 for code in self.table}

    def measure_all(self, geoms: np.ndarray) -> list[dict[int, float]]:
        missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        coords, owner = shapely.get_coordinates(geoms, return_index=True)
        unplaceable = np.zeros(len(geoms), dtype=bool)
        unplaceable[owner[~np.isfinite(coords).all(axis=1)]] = True
        ok = ~missing & ~unplaceable
        simple = np.zeros(len(geoms), dtype=bool)
        simple[ok] = np.isin(shapely.get_type_id(geoms[ok]), (3, 6)) & shapely.is_valid(geoms[ok])
        out = []
        for i, geom in enumerate(geoms):
            if missing[i]:
                self._note(i, "Empty geometry: nothing measured.", "几何为空，未统计。")
                out.append(self._empty())
            elif unplaceable[i]:
                self._note(i, f"The geometry cannot be placed in the raster CRS {self.crs_label} (its coordinates "
                           "do not transform); check the CRS given for the geometries.",
                           f"该几何无法转换到栅格坐标系 {self.crs_label}（坐标转换失败），请检查几何的坐标系。")
                out.append(self._empty())
            else:
                out.append(self.measure(i, geom if simple[i] else _polygonal(geom), geom.geom_type))
        return out

    def measure(self, index: int, polygons: Optional[BaseGeometry], geom_type: str) -> dict[int, float]:
        """Areas per class of a valid polygon or multipolygon (None: the geometry had no polygonal part)."""
        result = self._empty()
        if polygons is None or polygons.is_empty:
            self._note(index, f"{geom_type} is not a polygon: land-cover composition needs areas.",
                       f"{geom_type} 不是面要素，地类构成只能统计面。")
            return result
        if not self.extent.intersects(polygons):
            self._note(index, "The polygon lies outside the raster: no land cover to measure.",
                       "该图斑位于栅格范围之外，无地类数据。")
            return result
        counted = self._count(polygons, result)
        if not self.extent.contains(polygons):
            outside = polygons.difference(self.extent)
            a = self._geometry_area(outside)
            share = a / max(self._geometry_area(polygons), 1e-12)
            self._note(index, f"About {a:,.0f} m² ({share:.1%}) of the polygon lies outside the raster and is "
                       "not counted.", f"该图斑约 {a:,.0f} 平方米（{share:.1%}）位于栅格范围之外，未计入。")
        if not counted:
            self._note(index, "No pixel centre falls inside the polygon (it is smaller or narrower than a pixel).",
                       "没有像元中心落在该图斑内（图斑小于或窄于一个像元）。")
        return result

    def _geometry_area(self, geom: BaseGeometry) -> float:
        if self.geographic:
            return abs(self.geod.geometry_area_perimeter(geom)[0])
        unit = self.crs.axis_info[0].unit_conversion_factor if self.crs.axis_info else 1.0
        return geom.area * unit * unit

    def _window(self, bounds: tuple[float, float, float, float]) -> Optional[tuple[int, int, int, int]]:
        """(row0, row1, col0, col1) of the pixels a polygon with these bounds can touch, clipped to the raster."""
        w = rasterio.windows.from_bounds(*bounds, transform=self.t)
        col0 = max(int(math.floor(w.col_off)), 0)
        row0 = max(int(math.floor(w.row_off)), 0)
        col1 = min(int(math.ceil(w.col_off + w.width)), self.width)
        row1 = min(int(math.ceil(w.row_off + w.height)), self.height)
        if col1 <= col0 or row1 <= row0:
            return None
        return row0, row1, col0, col1

    def _count(self, geom: BaseGeometry, result: dict[int, float]) -> bool:
        minx, miny, maxx, maxy = geom.bounds
        # Bounds in the order the transform expects (a north-down raster has e > 0).
        window = self._window((minx, miny, maxx, maxy) if self.t.e < 0 else (minx, maxy, maxx, miny))
        if window is None:
            return False
        row0, row1, col0, col1 = window
        width = col1 - col0
        step = max(1, STRIP_PIXELS // width)
        counted = False
        for r in range(row0, row1, step):
            win = rasterio.windows.Window(col0, r, width, min(step, row1 - r))
            data = self.src.read(self.band, window=win)
            inside = rasterio.features.geometry_mask([geom], out_shape=data.shape,
                                                     transform=rasterio.windows.transform(win, self.t),
                                                     all_touched=False, invert=True)
            if not inside.any():
                continue
            counted = True
            codes = data[inside]
            if self.nodata is not None:
                codes = np.where(codes == self.nodata, 0, codes)
            if self.geographic:
                rows = np.nonzero(inside)[0]
                weights = self._row_areas(r, win.height)[rows]
            else:
                weights = None
            self._accumulate(codes, weights, result)
        return counted

    def _accumulate(self, codes: np.ndarray, weights: Optional[np.ndarray], result: dict[int, float]) -> None:
        if codes.dtype.kind == "u" and int(codes.max()) < 65536:
            sums = np.bincount(codes.astype(np.intp), weights=weights)
            present = np.nonzero(sums)[0]
            values = sums[present]
        else:
            present, inverse = np.unique(codes, return_inverse=True)
            values = np.bincount(inverse, weights=weights)
        if weights is None:
            values = values * self.pixel_area
        for code, area in zip(present.tolist(), values.tolist()):
            if code not in result:
                result[code] = 0.0
                if code not in self.table:
                    self.unknown.add(code)
            result[code] += area

    def _row_areas(self, row0: int, n: int) -> np.ndarray:
        """Ellipsoidal area of one pixel in each of rows row0 .. row0+n-1 (computed once per row)."""
        block = self.row_area[row0:row0 + n]
        for k in np.nonzero(np.isnan(block))[0].tolist():
            row = row0 + k
            top = self.t.f + row * self.t.e
            bottom = top + self.t.e
            lon0, lon1 = self.t.c, self.t.c + self.t.a
            area, _ = self.geod.polygon_area_perimeter([lon0, lon1, lon1, lon0], [bottom, bottom, top, top])
            block[k] = abs(area)
        return block


def _polygonal(geom: BaseGeometry) -> Optional[BaseGeometry]:
    """The polygonal part of a geometry (made valid), or None when it has none."""
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return None
    return shapely.union_all(parts)
