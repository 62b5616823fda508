"""Remote-sensing change leads inside protected areas (绿盾遥感变化线索).

Two land-cover rasters of the same place (before, after) become inspection leads:

1. **Alignment.** Both rasters are read on one common grid: the CRS of the after raster when it is
   projected (else the before raster's, else the 3° Gauss-Krüger zone of the area), the coarser of
   the two resolutions (a finer image is coarsened by the majority class; upsampling a coarse one
   would turn its class boundaries into false changes), the overlap of the two extents. A raster
   already on that grid is read as it is; the other one through a GDAL warped view (nearest neighbour
   or majority for class codes, bilinear or mean for index values; the outside of a warped image
   without a nodata value is masked by the warper's alpha band). What was resampled is reported. In
   a CRS that distorts areas (Web Mercator), areas are divided by the projection's areal scale factor
   at each window, so the minimum area is a ground area.
2. **Change.** Classified mode: a pixel changed when its class differs and the transition table
   (``core/data/change_transitions.yaml``) has a rule for the pair; the first matching rule gives
   the activity class (mining, industry, energy, tourism, transport, aquaculture, other). Index mode
   (e.g. NDVI): ``before − after ≥ drop`` where ``before ≥ min_before``. Nodata in either raster
   (its nodata value, code 0, NaN) is never a change.
3. **Windows.** The grid is processed in square windows (2048 pixels by default) so memory stays
   bounded whatever the raster size. An optional speckle filter (opening, closing or both, with a
   3 × 3 square) reads a halo around each window, so the result is the same as on the whole array.
4. **Patches.** Changed pixels of one activity that share an edge (4-connectivity) form a patch.
   Patches inside a window that are below the minimum area are dropped at once; patches that reach
   a window's edge are polygonised in integer pixel coordinates and joined with their neighbours
   across the edge exactly, then measured.
5. **Leads.** Patches that lie in a protected area of the workspace, or within the distance of one,
   become leads: the protected areas they meet, areas (m², 亩) measured as the screening measures
   them, the transition, the centroid, and the verdict the screening rulebook gives a new project
   of that activity in that zone (``core.quick_check`` — the same engine as screening).

The leads are saved in the workspace's ``change_lead`` layer (one run replaces its own earlier
rows), go into the case ledger with ``cases build`` (source 遥感线索), and a printable report shows
before/after thumbnails per lead.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import rasterio
import rasterio.errors
import rasterio.features
import rasterio.warp
import rasterio.windows
import shapely
import yaml
from affine import Affine
from pyproj import Transformer
from rasterio.enums import Resampling
from rasterio.vrt import WarpedVRT

from .errors import GreenShieldError
from .landcover import (
    NODATA_CODE,
    NotARaster,
    RasterNotFound,
    RasterWithoutCRS,
    UnsupportedRaster,
    _open_raster,
    _short,
    load_class_table,
)
from .schema import CODE_LISTS

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_TRANSITIONS = os.path.join(HERE, "data", "change_transitions.yaml")
ACTIVITIES = ("mining", "industry", "energy", "tourism", "transport", "aquaculture", "other")
M2_PER_MU = 10000.0 / 15.0
MODES = ("classified", "index")
SPECKLE = ("none", "open", "close", "open-close")
# How the rulebook sees a new patch of each activity: the attributes of a new project of that kind.
# Whether it discharges pollutants is unknown from imagery, so rules that need it do not fire and the
# zone's rules for "no applicable rule" (需复核) apply instead.
ACTIVITY_AS_PROJECT = {
    "mining": {"category": "mining"},
    "industry": {"category": "industry"},
    "energy": {"category": "other"},
    "tourism": {"category": "tourism"},
    "transport": {"category": "linear_infrastructure"},
    "aquaculture": {"category": "agriculture_aquaculture"},
    "other": {"category": "other"},
}
_CROSS = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=bool)
_SQUARE = np.ones((3, 3), dtype=bool)

__all__ = [
    "ACTIVITIES", "ChangeOptions", "Patch", "Detection", "Lead", "LeadResult", "detect_changes",
    "find_change_leads", "save_leads", "write_lead_report", "load_transitions", "read_leads", "lead_record",
    "RasterNotFound", "NotARaster", "RasterWithoutCRS", "UnsupportedRaster",
]


# --- errors ------------------------------------------------------------------------------------


class ChangeLeadError(GreenShieldError):
    code = "change_leads"


class ChangeLeadsCanceled(Exception):
    """The user canceled; nothing was written."""


class RastersDoNotOverlap(ChangeLeadError):
    code = "rasters_do_not_overlap"

    def __init__(self, before: str, after: str, before_box: str, after_box: str) -> None:
        super().__init__(
            f"The before raster {before} ({before_box}) and the after raster {after} ({after_box}) do not overlap, "
            "so there is nothing to compare. Choose two images of the same area (check that both have the right "
            "coordinate reference system).",
            f"前时相栅格 {before}（{before_box}）与后时相栅格 {after}（{after_box}）没有重叠区域，无法比较。"
            "请选择同一地区的两期影像（并检查两者的坐标系是否正确）。",
        )


class ClassTablesDiffer(ChangeLeadError):
    code = "class_tables_differ"

    def __init__(self, before_table: str, after_table: str, differences: list[tuple[str, str]]) -> None:
        shown = "; ".join(en for en, _ in differences[:8]) + (" …" if len(differences) > 8 else "")
        shown_zh = "；".join(zh for _, zh in differences[:8]) + ("……" if len(differences) > 8 else "")
        super().__init__(
            f"The class tables of the two rasters differ ({before_table} vs {after_table}: {shown}). Change "
            "detection compares class codes pixel by pixel, so both images must use the same codes. Reclassify "
            "one image to the other's codes (e.g. Raster ▸ Reclassify by table), then run again.",
            f"两期栅格的分类表不一致（{before_table} 与 {after_table}：{shown_zh}）。变化检测逐像元比较类别代码，"
            "两期影像必须使用相同的分类代码。请先将其中一期按另一期的代码重分类（例如“按表重分类”），再运行。",
        )


class UnknownClassCodes(ChangeLeadError):
    code = "unknown_class_codes"

    def __init__(self, path: str, codes: list[int], table: str) -> None:
        shown = ", ".join(str(c) for c in codes[:12]) + (" …" if len(codes) > 12 else "")
        super().__init__(
            f"Raster {path} holds class codes that the class table {table} does not name: {shown}. The image was "
            "probably classified with another class table. Give its own table (--classes / --after-classes), or "
            "reclassify it to these codes.",
            f"栅格 {path} 含有分类表 {table} 中没有的类别代码：{shown}。该影像可能使用了其他分类体系。"
            "请指定其对应的分类表，或先将其重分类为本分类表的代码。",
        )


class AllNoData(ChangeLeadError):
    code = "all_nodata"

    def __init__(self, before: str, after: str) -> None:
        super().__init__(
            f"Where {before} and {after} overlap, every pixel is nodata in one of them, so nothing can be compared. "
            "Check the nodata value of both images and that they cover the same area.",
            f"{before} 与 {after} 的重叠范围内，每个像元至少在一期影像中为无数据，无法比较。"
            "请检查两期影像的无数据值设置及覆盖范围。",
        )


class TransitionTableError(ChangeLeadError):
    code = "transition_table"

    def __init__(self, path: str, where: str, problem: str, problem_zh: str, where_zh: str | None = None) -> None:
        super().__init__(f"Transition table {path}, {where}: {problem}",
                         f"地类转换表 {path}，{where_zh or _where_zh(where)}：{problem_zh}")


def _where_zh(where: str) -> str:
    if where.startswith("transition "):
        return f"第 {where.split()[1]} 条转换规则"
    if where == "file":
        return "文件"
    if where.startswith("line "):
        return f"第 {where.split()[1]} 行"
    return where


class IndexOutOfRange(ChangeLeadError):
    code = "index_out_of_range"

    def __init__(self, path: str, value: float, drop: float) -> None:
        super().__init__(
            f"Index raster {path} holds values up to {value:,.6g}, but an index such as NDVI runs from −1 to 1 and "
            f"the drop threshold is {drop:g}. If the index is stored scaled (e.g. × 10 000), set its scale "
            "(gdal_edit.py -scale 0.0001) or give the threshold in the stored units (--drop 3000); if a value such "
            "as −9999 marks missing pixels, declare it as nodata (gdal_edit.py -a_nodata -9999).",
            f"指数栅格 {path} 的数值最大达 {value:,.6g}，而 NDVI 等指数的取值范围为 −1 到 1，下降阈值为 {drop:g}。"
            "如指数按比例存储（例如乘以 10000），请设置其缩放系数（gdal_edit.py -scale 0.0001），或按存储单位给出阈值"
            "（--drop 3000）；如 −9999 等数值表示缺失像元，请将其设为无数据值（gdal_edit.py -a_nodata -9999）。",
        )


class NoProtectedAreas(ChangeLeadError):
    code = "no_protected_areas"

    def __init__(self, workspace: str) -> None:
        super().__init__(
            f"Workspace {workspace} holds no protected areas (red lines, nature reserves, water-source zones or "
            "contaminated plots are all empty), so no change can be a lead. Import the protected layers first "
            "(green-shield import or 绿盾 ▸ 导入图层).",
            f"工作空间 {workspace} 中没有任何保护对象（生态保护红线、自然保护地、饮用水水源保护区、污染地块均为空），"
            "变化图斑无从判定。请先导入保护对象图层（绿盾 ▸ 导入图层）。",
        )


class BadChangeOption(ChangeLeadError):
    code = "bad_change_option"

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en, zh)


# --- the transition table ----------------------------------------------------------------------


@dataclass(frozen=True)
class TransitionRule:
    from_codes: frozenset | None  # None = any class
    to_codes: frozenset | None
    activity: str
    note: str = ""


@dataclass(frozen=True)
class TransitionTable:
    name: str
    version: str
    path: str
    checksum: str
    rules: tuple
    min_area_m2: float
    distance_m: float
    index_drop: float
    index_min_before: float
    index_activity: str

    def lookup(self, max_code: int = 255) -> np.ndarray:
        """(from, to) → activity number (1-based into ACTIVITIES), 0 for no change; as a square array."""
        n = max_code + 1
        out = np.zeros((n, n), dtype=np.uint8)
        done = np.zeros((n, n), dtype=bool)
        np.fill_diagonal(done, True)  # an unchanged class is never a change
        done[NODATA_CODE, :] = True
        done[:, NODATA_CODE] = True
        for rule in self.rules:
            rows = np.arange(n) if rule.from_codes is None else np.array(sorted(c for c in rule.from_codes if c < n))
            cols = np.arange(n) if rule.to_codes is None else np.array(sorted(c for c in rule.to_codes if c < n))
            if not len(rows) or not len(cols):
                continue
            block = np.ix_(rows, cols)
            free = ~done[block]
            sub = out[block]
            sub[free] = ACTIVITIES.index(rule.activity) + 1
            out[block] = sub
            d = done[block]
            d[free] = True
            done[block] = d
        return out


def _activity_code(path: str, where: str, value: Any) -> str:
    text = str(value or "").strip()
    if text in ACTIVITIES:
        return text
    code = CODE_LISTS["activity_class"].normalise(text) if text else None
    if code:
        return code
    labels = "、".join(f"{c}（{CODE_LISTS['activity_class'].label_zh(c)}）" for c in ACTIVITIES)
    raise TransitionTableError(path, where, f"unknown activity {text!r}; use one of {', '.join(ACTIVITIES)}",
                               f"未知的活动类型“{text}”，应为以下之一：{labels}")


def _class_codes(path: str, where: str, value: Any, names: dict[str, int], strict: bool = True
                 ) -> frozenset | None:
    """The class codes a rule names; with `strict`, a class the class table lacks is an error (a typo in the
    user's table), else it is left out (the shipped table used with another class table)."""
    items = value if isinstance(value, list) else [value]
    if any(str(v).strip() == "*" for v in items):
        return None
    codes = set()
    for v in items:
        if isinstance(v, bool) or v is None:
            raise TransitionTableError(path, where, f"{v!r} is not a class", f"“{v}”不是地类")
        key = str(v).strip()
        if isinstance(v, int) or key.lstrip("-").isdigit():
            code = int(key)
            if code not in names.values():
                if not strict:
                    continue
                raise TransitionTableError(path, where, f"the class table has no class with code {code}",
                                           f"分类表中没有代码为 {code} 的地类")
            codes.add(code)
        elif key.casefold() in names:
            codes.add(names[key.casefold()])
        elif strict:
            known = "、".join(sorted({k for k in names if not k.isascii()}))
            raise TransitionTableError(path, where, f"the class table has no class named {key!r}",
                                       f"分类表中没有名为“{key}”的地类（可用：{known}）")
    return frozenset(codes)


def load_transitions(path: str | None = None, classes: str | None = None) -> TransitionTable:
    """The transition table (YAML), with class names resolved through the class table."""
    path = DEFAULT_TRANSITIONS if path is None else os.fspath(path)
    if not os.path.isfile(path):
        raise TransitionTableError(path, "file", "the file does not exist; check the path",
                                   "文件不存在，请检查路径")
    with open(path, "rb") as fh:
        raw = fh.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TransitionTableError(path, "file", "it is not UTF-8 text; save it as UTF-8",
                                   "不是 UTF-8 编码的文本，请另存为 UTF-8") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "file"
        problem = getattr(exc, "problem", None) or _short(str(exc))
        hint, hint_zh = "", ""
        if "alias" in str(exc):
            hint, hint_zh = ' (write "*" in quotes for any class)', "（表示任意地类时请给 * 加引号，写作 \"*\"）"
        raise TransitionTableError(path, where, f"not valid YAML: {problem}{hint}",
                                   f"YAML 格式错误：{problem}{hint_zh}") from None
    if not isinstance(data, dict) or not isinstance(data.get("transitions"), list) or not data["transitions"]:
        raise TransitionTableError(path, "file", "it needs a non-empty list under 'transitions:'",
                                   "缺少“transitions:”规则列表或列表为空")
    if not isinstance(data.get("settings") or {}, dict):
        raise TransitionTableError(path, "settings", "settings must be a mapping such as {min_area_m2: 666.67}",
                                   "settings 须为键值对，例如 {min_area_m2: 666.67}", "settings")
    table = load_class_table(classes)
    names: dict[str, int] = {}
    for code, (zh, en) in table.items():
        names[zh.casefold()] = code
        names[en.casefold()] = code
    rules = []
    for i, entry in enumerate(data["transitions"], start=1):
        where = f"transition {i}"
        if not isinstance(entry, dict) or "from" not in entry or "to" not in entry or "activity" not in entry:
            raise TransitionTableError(path, where, "each transition needs from, to and activity",
                                       f"第 {i} 条规则须包含 from、to 和 activity")
        strict = path != DEFAULT_TRANSITIONS
        fc = _class_codes(path, where, entry["from"], names, strict)
        tc = _class_codes(path, where, entry["to"], names, strict)
        rules.append(TransitionRule(fc, tc, _activity_code(path, where, entry["activity"]),
                                    str(entry.get("note") or "")))
    settings = data.get("settings") or {}

    def number(key: str, default: float, low: float = 0.0) -> float:
        value = settings.get(key, default)
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise TransitionTableError(path, f"settings.{key}", f"{value!r} is not a number",
                                       f"“{value}”不是数字", f"设置项 {key}") from None
        if not math.isfinite(value) or value < low:
            raise TransitionTableError(path, f"settings.{key}", f"must be a number ≥ {low:g}",
                                       f"须为不小于 {low:g} 的数字", f"设置项 {key}")
        return value

    return TransitionTable(
        name=str(data.get("name") or os.path.basename(path)), version=str(data.get("version") or ""), path=path,
        checksum=hashlib.sha256(raw).hexdigest(), rules=tuple(rules),
        min_area_m2=number("min_area_m2", 666.67), distance_m=number("distance_m", 500.0),
        index_drop=number("index_drop", 0.3, low=1e-12), index_min_before=number("index_min_before", 0.3, -1e300),
        index_activity=_activity_code(path, "settings.index_activity", settings.get("index_activity", "other")),
    )


# --- options and results -----------------------------------------------------------------------


@dataclass
class ChangeOptions:
    mode: str = "classified"
    classes: str | None = None
    after_classes: str | None = None
    transitions: str | None = None
    min_area_m2: float | None = None
    distance_m: float | None = None
    index_drop: float | None = None
    index_min_before: float | None = None
    speckle: str = "none"
    window: int = 2048
    band_before: int = 1
    band_after: int = 1


@dataclass
class Patch:
    geometry: Any
    activity: str
    pixels: int
    area_m2: float
    transitions: dict = field(default_factory=dict)


@dataclass
class Detection:
    patches: list
    grid_crs: str
    transform: Affine
    width: int
    height: int
    pixel_area_m2: float
    notes: list = field(default_factory=list)
    notes_zh: list = field(default_factory=list)
    stats: dict = field(default_factory=dict)
    table: TransitionTable | None = None
    class_names: dict = field(default_factory=dict)  # code → (zh, en)
    min_area_m2: float = 0.0
    mode: str = "classified"
    content_digest: str = ""  # of the compared pixels on the common grid


# --- the common grid ---------------------------------------------------------------------------


def _crs_text(crs) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.to_wkt()


def _gk_zone(lon: float) -> str:
    return f"EPSG:{4534 + int(round(lon / 3.0)) - 25}"


def _box_text(src) -> str:
    b = src.bounds
    return f"{_crs_text(src.crs)} {b.left:.6g}, {b.bottom:.6g} – {b.right:.6g}, {b.top:.6g}"


def _open_index(path: str, band: int):
    """An index raster (any number type): opened as a class raster is, without the whole-number check."""
    return _open_raster(path, band, codes=False)


class _Grid:
    """The common grid and a reader per raster that delivers windows of it."""

    def __init__(self, before, after, options: ChangeOptions, paths: tuple[str, str]) -> None:
        self.notes: list[str] = []
        self.notes_zh: list[str] = []
        self.sources = (before, after)
        owner_crs = 1 if after.crs.is_projected else (0 if before.crs.is_projected else None)
        crs = self.sources[owner_crs].crs if owner_crs is not None else None
        if crs is None:
            b = rasterio.warp.transform_bounds(after.crs, "EPSG:4490", *after.bounds, densify_pts=21)
            crs = rasterio.crs.CRS.from_user_input(_gk_zone((b[0] + b[2]) / 2.0))
            self.notes.append(f"both rasters are geographic; compared on a grid in {_crs_text(crs)} "
                              "(3° Gauss-Krüger, planar areas)")
            self.notes_zh.append(f"两期栅格均为地理坐标系，在 {_crs_text(crs)}（3 度带高斯-克吕格投影）格网上比较，"
                                 "面积为平面面积")
        if not crs.is_projected or (crs.linear_units or "").lower() not in ("metre", "meter", "m"):
            raise UnsupportedRaster(paths[owner_crs if owner_crs is not None else 1],
                                    f"its CRS ({_crs_text(crs)}) does not use metres; warp it to a projected CRS in "
                                    "metres (e.g. the CGCS2000 Gauss-Krüger zone, EPSG:4534–4554).",
                                    f"其坐标系（{_crs_text(crs)}）的单位不是米，请先投影到以米为单位的投影坐标系"
                                    "（例如 CGCS2000 高斯-克吕格投影 EPSG:4534–4554）。")
        self.crs = crs
        res, boxes = [], []
        for src in (before, after):
            if src.crs == crs:
                res.append(max(abs(src.transform.a), abs(src.transform.e)))
                boxes.append(tuple(src.bounds))
            else:
                t, w, h = rasterio.warp.calculate_default_transform(src.crs, crs, src.width, src.height, *src.bounds)
                res.append(max(abs(t.a), abs(t.e)))
                boxes.append(rasterio.warp.transform_bounds(src.crs, crs, *src.bounds, densify_pts=21))
        # Compared at the coarser resolution (a finer image is coarsened by the majority class, never a coarse
        # one split into false edges); the grid of an image already in the grid CRS at that resolution is kept
        # (the after one first), so that image is read as it is.
        r = max(res)
        left, bottom = max(boxes[0][0], boxes[1][0]), max(boxes[0][1], boxes[1][1])
        right, top = min(boxes[0][2], boxes[1][2]), min(boxes[0][3], boxes[1][3])
        if right - left < r or top - bottom < r:
            raise RastersDoNotOverlap(paths[0], paths[1], _box_text(before), _box_text(after))
        base = next((s for s in (after, before) if s.crs == crs and abs(abs(s.transform.a) - r) < 1e-6 * r
                     and abs(abs(s.transform.e) - r) < 1e-6 * r), None)
        if base is not None:
            r = abs(base.transform.a)
            bt = base.transform
            c0 = math.floor((left - bt.c) / r + 1e-9)
            c1 = math.ceil((right - bt.c) / r - 1e-9)
            r0 = math.floor((bt.f - top) / r + 1e-9)
            r1 = math.ceil((bt.f - bottom) / r - 1e-9)
            c0, r0 = max(c0, 0), max(r0, 0)
            c1, r1 = min(c1, base.width), min(r1, base.height)
            self.transform = Affine(r, 0.0, bt.c + c0 * r, 0.0, -r, bt.f - r0 * r)
            self.width, self.height = c1 - c0, r1 - r0
        else:
            # snapped to the pixel edges of the image in the grid CRS, if any, else to the overlap's corner
            anchor = next((s.transform for s in (after, before) if s.crs == crs), None)
            ox, oy = (anchor.c, anchor.f) if anchor is not None else (left, top)
            x0 = ox + math.floor((left - ox) / r + 1e-9) * r
            y0 = oy - math.floor((oy - top) / r + 1e-9) * r
            self.transform = Affine(r, 0.0, x0, 0.0, -r, y0)
            self.width = int(math.ceil((right - x0) / r - 1e-9))
            self.height = int(math.ceil((y0 - bottom) / r - 1e-9))
        self.pixel_area = r * r
        self.resolution = r
        self.readers = []
        for k, (label, label_zh, src, path) in enumerate((("before", "前时相", before, paths[0]),
                                                          ("after", "后时相", after, paths[1]))):
            st = src.transform
            off_c = (self.transform.c - st.c) / st.a
            off_r = (self.transform.f - st.f) / st.e
            aligned = (src.crs == crs and abs(abs(st.a) - r) < 1e-9 * r and abs(abs(st.e) - r) < 1e-9 * r
                       and abs(off_c - round(off_c)) < 1e-6 and abs(off_r - round(off_r)) < 1e-6)
            if aligned:
                self.readers.append((src, int(round(off_c)), int(round(off_r)), None))
            else:
                # class codes: nearest neighbour, or the majority class when a finer image is coarsened;
                # index values: bilinear, or the mean when coarsened
                coarsen = res[k] * 1.5 <= r
                if options.mode == "classified":
                    resampling = Resampling.mode if coarsen else Resampling.nearest
                    how, how_zh = ("majority (mode)", "众数法") if coarsen else ("nearest neighbour", "最邻近法")
                else:
                    resampling = Resampling.average if coarsen else Resampling.bilinear
                    how, how_zh = ("average", "均值法") if coarsen else ("bilinear", "双线性插值")
                # without a nodata value, an alpha band tells the pixels outside the image (never a change)
                vrt = WarpedVRT(src, crs=crs, transform=self.transform, width=self.width, height=self.height,
                                resampling=resampling, add_alpha=src.nodata is None)
                self.readers.append((vrt, 0, 0, vrt))
                self.notes.append(f"{label} raster {os.path.basename(path)} ({_crs_text(src.crs)}, "
                                  f"{abs(st.a):.6g} × {abs(st.e):.6g}) resampled onto the common grid "
                                  f"({_crs_text(crs)}, {r:g} m) by {how}")
                self.notes_zh.append(f"{label_zh}栅格 {os.path.basename(path)}（{_crs_text(src.crs)}，像元 "
                                     f"{abs(st.a):.6g} × {abs(st.e):.6g}）按{how_zh}重采样到统一格网"
                                     f"（{_crs_text(crs)}，{r:g} 米）")
        if any(b != a for a, b in zip(boxes[0], boxes[1])):
            self.notes.append(f"compared where both rasters overlap: {self.width} × {self.height} pixels of {r:g} m")
            self.notes_zh.append(f"仅比较两期影像重叠范围：{self.width} × {self.height} 个 {r:g} 米像元")
        self.nodata = tuple(src.nodata for src in (before, after))

    def read(self, which: int, band: int, row0: int, col0: int, rows: int, cols: int,
             out_shape: tuple | None = None) -> np.ndarray:
        src, oc, orow, _ = self.readers[which]
        window = rasterio.windows.Window(col0 + oc, row0 + orow, cols, rows)
        if out_shape is not None:
            return src.read(band, window=window, out_shape=out_shape, resampling=Resampling.nearest)
        return src.read(band, window=window, boundless=False)

    def coverage(self, which: int, row0: int, col0: int, rows: int, cols: int) -> np.ndarray | None:
        """Where a warped image without a nodata value has pixels (None: it has a nodata value, or is not
        warped, so its values say it)."""
        src, _, _, vrt = self.readers[which]
        if vrt is None or self.sources[which].nodata is not None:
            return None
        # the alpha band the warper adds; only pixels wholly inside the image (an interpolated edge pixel
        # mixes in the outside)
        return vrt.read(vrt.count, window=rasterio.windows.Window(col0, row0, cols, rows)) >= 255

    def areal_scale(self, row: float, col: float) -> float:
        """Map area ÷ ground area at a pixel of the grid (1 within 0.5 %: Gauss-Krüger, UTM and the like)."""
        from pyproj import Proj

        if not hasattr(self, "_proj"):
            self._to_lonlat = Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)
            self._proj = Proj(self.crs.to_wkt())
        x, y = self.transform * (col, row)
        lon, lat = self._to_lonlat.transform(x, y)
        try:
            factor = float(self._proj.get_factors(lon, lat).areal_scale)
        except Exception:  # a CRS pyproj cannot give factors for: take areas as mapped
            return 1.0
        return 1.0 if not math.isfinite(factor) or abs(factor - 1.0) <= 0.005 else factor

    def close(self) -> None:
        for _, _, _, vrt in self.readers:
            if vrt is not None:
                vrt.close()


# --- detection ---------------------------------------------------------------------------------


def _check_options(options: ChangeOptions) -> None:
    if options.mode not in MODES:
        raise BadChangeOption(f"Unknown mode {options.mode!r}; use classified or index.",
                              f"未知的模式“{options.mode}”，应为 classified（分类影像）或 index（指数影像）。")
    if options.speckle not in SPECKLE:
        raise BadChangeOption(f"Unknown speckle filter {options.speckle!r}; use none, open, close or open-close.",
                              f"未知的去噪方式“{options.speckle}”，应为 none、open、close 或 open-close。")
    if options.window < 64:
        raise BadChangeOption("The processing window must be at least 64 pixels.", "处理窗口不能小于 64 像元。")
    if options.index_drop is not None and not (math.isfinite(float(options.index_drop)) and options.index_drop > 0):
        raise BadChangeOption(f"The index drop must be a number > 0, not {options.index_drop}.",
                              f"指数下降阈值须为大于 0 的数字（现为 {options.index_drop}）。")
    for name, zh in (("min_area_m2", "最小图斑面积"), ("distance_m", "搜索距离")):
        value = getattr(options, name)
        if value is not None and (not math.isfinite(float(value)) or float(value) < 0):
            raise BadChangeOption(f"{name} must be a number ≥ 0, not {value}.",
                                  f"{zh}须为不小于 0 的数字（现为 {value}）。")


def _compare_tables(options: ChangeOptions) -> dict:
    before = load_class_table(options.classes)
    if options.after_classes:
        after = load_class_table(options.after_classes)
        diffs = []
        for code in sorted(set(before) | set(after)):
            a, b = before.get(code), after.get(code)
            if a is None:
                diffs.append((f"code {code} only after ({b[1]})", f"代码 {code} 仅后时相有（{b[0]}）"))
            elif b is None:
                diffs.append((f"code {code} only before ({a[1]})", f"代码 {code} 仅前时相有（{a[0]}）"))
            elif a[0] != b[0] and a[1].casefold() != b[1].casefold():
                diffs.append((f"code {code}: {a[1]} / {b[1]}", f"代码 {code}：{a[0]} / {b[0]}"))
        if diffs:
            raise ClassTablesDiffer(options.classes or "默认分类表", options.after_classes, diffs)
    return before


def _morph(act: np.ndarray, speckle: str, n_act: int, valid: np.ndarray) -> np.ndarray:
    """Opening and/or closing per activity with a 3 × 3 square; closing fills only pixels with data."""
    from scipy import ndimage

    if speckle == "none":
        return act
    out = act.copy()
    present = [k for k in range(1, n_act + 1) if (act == k).any()]
    if speckle in ("open", "open-close"):
        for k in present:
            mask = out == k
            opened = ndimage.binary_opening(mask, structure=_SQUARE)
            out[mask & ~opened] = 0
    if speckle in ("close", "open-close"):
        present = [k for k in range(1, n_act + 1) if (out == k).any()]
        fill = np.zeros_like(out)
        for k in present:
            closed = ndimage.binary_closing(out == k, structure=_SQUARE, border_value=0)
            free = closed & (out == 0) & (fill == 0) & valid
            fill[free] = k
        out[fill > 0] = fill[fill > 0]
    return out


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _valid_mask(shape, arrays_nodata) -> np.ndarray:
    valid = np.ones(shape, dtype=bool)
    for arr, nd in arrays_nodata:
        if nd is not None and not (isinstance(nd, float) and math.isnan(nd)):
            valid &= arr != nd
    return valid


class _Classifier:
    """Class codes of a window pair → activity numbers (1-based into ACTIVITIES, 0 = no change) and the
    valid mask; raises UnknownClassCodes for a code the class table does not name."""

    UNKNOWN = 255

    def __init__(self, table: TransitionTable, classes: dict, nodata: tuple, dtypes: tuple, paths: tuple,
                 tables: tuple) -> None:
        self.table, self.nodata, self.paths, self.tables = table, nodata, paths, tables
        self.known = frozenset(classes) | {NODATA_CODE}
        self.byte = all(np.dtype(d) == np.uint8 for d in dtypes)
        if self.byte:
            # one flat table over (before << 8 | after): the activity, or UNKNOWN where a code is not named
            lut = table.lookup(255)
            unknown = np.array([c not in self.known for c in range(256)])
            lut[unknown, :] = self.UNKNOWN
            lut[:, unknown] = self.UNKNOWN
            self.flat = lut.ravel()

    def activities(self, b: np.ndarray, a: np.ndarray, covered: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
        valid = _valid_mask(b.shape, ((b, self.nodata[0]), (a, self.nodata[1])))
        valid &= (b != NODATA_CODE) & (a != NODATA_CODE)
        if covered is not None:
            valid &= covered
        if self.byte:
            index = (b.astype(np.uint16) << 8) | a
            act = self.flat.take(index)
            act[~valid] = 0
            if (act == self.UNKNOWN).any():
                self._check_codes(b, a, valid)  # raises, naming the codes
            return act, valid
        self._check_codes(b, a, valid)
        act = np.zeros(b.shape, dtype=np.uint8)
        bb, aa = b.astype(np.int64), a.astype(np.int64)
        changed = valid & (bb != aa)
        for rule in reversed(self.table.rules):  # the first matching rule wins: apply it last
            m = changed.copy()
            if rule.from_codes is not None:
                m &= np.isin(bb, list(rule.from_codes))
            if rule.to_codes is not None:
                m &= np.isin(aa, list(rule.to_codes))
            act[m] = ACTIVITIES.index(rule.activity) + 1
        return act, valid

    def _check_codes(self, b, a, valid) -> None:
        for k, arr in ((0, b), (1, a)):
            codes = np.unique(arr[valid])
            bad = [int(c) for c in codes if int(c) not in self.known]
            if bad:
                raise UnknownClassCodes(self.paths[k], bad,
                                        self.tables[k] or "默认分类表 core/data/landcover_classes.yaml")


class _Index:
    """Index values of a window pair (GDAL scale and offset applied) → the vegetation-loss activity where
    before − after ≥ drop and before ≥ min_before, and the valid mask."""

    def __init__(self, sources: tuple, bands: tuple, paths: tuple, drop: float, min_before: float,
                 activity: int) -> None:
        self.nodata = tuple(src.nodata for src in sources)
        self.scale = tuple((float(src.scales[band - 1] or 1.0), float(src.offsets[band - 1] or 0.0))
                           for src, band in zip(sources, bands))
        self.paths, self.drop, self.min_before, self.activity = paths, drop, min_before, activity

    def activities(self, b, a, covered=None) -> tuple[np.ndarray, np.ndarray]:
        bf, af = b.astype(np.float64), a.astype(np.float64)
        valid = np.isfinite(bf) & np.isfinite(af) & _valid_mask(b.shape, ((bf, self.nodata[0]),
                                                                          (af, self.nodata[1])))
        if covered is not None:
            valid &= covered
        for k, arr in ((0, bf), (1, af)):
            scale, offset = self.scale[k]
            if (scale, offset) != (1.0, 0.0):
                arr *= scale
                arr += offset
            if self.drop < 1.0 and valid.any():
                extreme = float(np.abs(arr[valid]).max())
                if extreme > 2.0:
                    raise IndexOutOfRange(self.paths[k], extreme, self.drop)
        with np.errstate(invalid="ignore"):
            hit = valid & (bf - af >= self.drop) & (bf >= self.min_before)
        return np.where(hit, self.activity, 0).astype(np.uint8), valid


def _label_by_activity(act: np.ndarray) -> tuple[np.ndarray, list, int, np.ndarray, np.ndarray]:
    """4-connected regions of equal activity: (region ids, activity per id, next free id, and the rows
    and columns of the changed pixels).

    The changed pixels are labelled once; the few regions where different activities touch are
    labelled again, activity by activity, inside their bounding boxes."""
    from scipy import ndimage

    regions, n = ndimage.label(act > 0, structure=_CROSS)
    rows, cols = np.nonzero(regions)
    if n == 0:
        return regions, [0], 1, rows, cols  # the changed pixels only: few against the window
    rid = regions[rows, cols]
    w = act[rows, cols].astype(np.float64)
    count = np.bincount(rid, minlength=n + 1)
    s1 = np.bincount(rid, weights=w, minlength=n + 1)
    s2 = np.bincount(rid, weights=w * w, minlength=n + 1)
    mixed = np.flatnonzero(s2 * count != s1 * s1)  # not all the same activity (exact: small integers)
    region_act = [0] + np.rint(s1[1:] / np.maximum(count[1:], 1)).astype(np.int64).tolist()
    next_id = n + 1
    for r in mixed.tolist():
        sel = rid == r
        rr, cc = rows[sel], cols[sel]
        box = (slice(int(rr.min()), int(rr.max()) + 1), slice(int(cc.min()), int(cc.max()) + 1))
        sub_regions = regions[box]  # a view: assignments change `regions`
        sub_act = act[box]
        mine = sub_regions == r
        first = True
        for k in np.unique(sub_act[mine]).tolist():
            lab, m = ndimage.label(mine & (sub_act == k), structure=_CROSS)
            for j in range(1, m + 1):
                if first:  # the region keeps its id for its first part
                    sub_regions[lab == j] = r
                    region_act[r] = k
                    first = False
                else:
                    sub_regions[lab == j] = next_id
                    region_act.append(k)
                    next_id += 1
    return regions, region_act, next_id, rows, cols


# GDAL's block cache defaults to 5 % of the machine's memory; every window is read once, so a small
# cache loses nothing and keeps the memory bounded whatever the raster size.
BLOCK_CACHE_BYTES = 256 * 2**20


def detect_changes(before: str, after: str, options: ChangeOptions | None = None,
                   progress: Callable[[float], None] | None = None,
                   is_canceled: Callable[[], bool] | None = None) -> Detection:
    """Change patches between two rasters on their common grid (see the module documentation)."""
    with rasterio.Env(GDAL_CACHEMAX=BLOCK_CACHE_BYTES):
        return _detect(before, after, options, progress, is_canceled)


def _detect(before, after, options, progress, is_canceled) -> Detection:

    options = options or ChangeOptions()
    _check_options(options)
    started = time.perf_counter()
    classes = _compare_tables(options) if options.mode == "classified" else {}
    table = load_transitions(options.transitions, options.classes)
    min_area = table.min_area_m2 if options.min_area_m2 is None else float(options.min_area_m2)
    drop = table.index_drop if options.index_drop is None else float(options.index_drop)
    min_before = table.index_min_before if options.index_min_before is None else float(options.index_min_before)
    opener = _open_raster if options.mode == "classified" else _open_index
    src_b = opener(before, options.band_before)
    try:
        src_a = opener(after, options.band_after)
    except GreenShieldError:
        src_b.close()
        raise
    grid = None
    try:
        grid = _Grid(src_b, src_a, options, (os.fspath(before), os.fspath(after)))
        if options.mode == "classified":
            classifier = _Classifier(table, classes, grid.nodata, (src_b.dtypes[options.band_before - 1],
                                                                   src_a.dtypes[options.band_after - 1]),
                                     (os.fspath(before), os.fspath(after)),
                                     (options.classes, options.after_classes or options.classes))
        else:
            index = _Index((src_b, src_a), (options.band_before, options.band_after),
                           (os.fspath(before), os.fspath(after)), drop, min_before,
                           ACTIVITIES.index(table.index_activity) + 1)
        n_act = len(ACTIVITIES)
        halo = {"none": 0, "open": 2, "close": 2, "open-close": 4}[options.speckle]
        win = int(options.window)
        W, H = grid.width, grid.height
        b_dtype, a_dtype = src_b.dtypes[options.band_before - 1], src_a.dtypes[options.band_after - 1]
        tiles = [(r0, c0) for r0 in range(0, H, win) for c0 in range(0, W, win)]
        # Fragments: patches reaching a window edge, to be joined across windows.
        frag_geoms: list = []
        frag_act: list[int] = []
        frag_pix: list[int] = []
        frag_area: list[float] = []
        distorted: list[float] = []
        # what was compared (the pixels on the common grid), not the files' bytes: the same images saved again
        # with other compression or overviews are the same run
        content = hashlib.blake2b(digest_size=16)
        content.update(f"{_crs_text(grid.crs)}|{tuple(grid.transform)}|{W}|{H}|{b_dtype}|{a_dtype}".encode())
        frag_trans: list[dict] = []
        done_patches: list[Patch] = []
        stats = dict(pixels_compared=0, nodata_pixels=0, changed_pixels=0, patches=0, patches_too_small=0,
                     windows=len(tiles))
        for i, (r0, c0) in enumerate(tiles):
            if is_canceled is not None and is_canceled():
                raise ChangeLeadsCanceled()
            rows, cols = min(win, H - r0), min(win, W - c0)
            hr0, hc0 = max(0, r0 - halo), max(0, c0 - halo)
            hr1, hc1 = min(H, r0 + rows + halo), min(W, c0 + cols + halo)
            shape = (hr0, hc0, hr1 - hr0, hc1 - hc0)
            b = grid.read(0, options.band_before, *shape)
            a = grid.read(1, options.band_after, *shape)
            covered = None
            for which in (0, 1):
                cov = grid.coverage(which, *shape)
                if cov is not None:
                    covered = cov if covered is None else covered & cov
            if options.mode == "classified":
                act, valid = classifier.activities(b, a, covered)
            else:
                act, valid = index.activities(b, a, covered)
            act = _morph(act, options.speckle, n_act, valid)
            # the window's own pixels
            cr = slice(r0 - hr0, r0 - hr0 + rows)
            cc = slice(c0 - hc0, c0 - hc0 + cols)
            act = np.ascontiguousarray(act[cr, cc])
            valid_core = valid[cr, cc]
            b_core, a_core = b[cr, cc], a[cr, cc]
            content.update(np.ascontiguousarray(b_core).data)
            content.update(np.ascontiguousarray(a_core).data)
            n_valid = int(np.count_nonzero(valid_core))
            n_changed = int(np.count_nonzero(act))
            stats["pixels_compared"] += n_valid
            stats["nodata_pixels"] += int(valid_core.size - n_valid)
            stats["changed_pixels"] += n_changed
            if n_changed:
                regions, region_act, next_id, prow, pcol = _label_by_activity(act)
                rid = regions[prow, pcol]
                counts = np.bincount(rid, minlength=next_id)
                edge = np.zeros(next_id, dtype=bool)
                # edges with a neighbouring window (raster edges need no joining)
                if r0 > 0:
                    edge[regions[0, :]] = True
                if r0 + rows < H:
                    edge[regions[-1, :]] = True
                if c0 > 0:
                    edge[regions[:, 0]] = True
                if c0 + cols < W:
                    edge[regions[:, -1]] = True
                edge[0] = False
                # the ground area of a pixel here (a projection that distorts areas, e.g. Web Mercator)
                scale = grid.areal_scale(r0 + rows / 2.0, c0 + cols / 2.0)
                if scale != 1.0:
                    distorted.append(scale)
                px_area = grid.pixel_area / scale
                small = counts * px_area < min_area
                small[0] = False
                drop_ids = small & ~edge
                stats["patches_too_small"] += int(drop_ids[1:].sum())
                kill = drop_ids[rid]
                regions[prow[kill], pcol[kill]] = 0
                keep = ~kill
                prow, pcol, rid = prow[keep], pcol[keep], rid[keep]
                if len(rid):
                    trans: dict[int, dict] = {}
                    if options.mode == "classified":
                        key = (rid.astype(np.int64) << 32) | (b_core[prow, pcol].astype(np.int64) << 16) \
                            | a_core[prow, pcol].astype(np.int64)
                        uk, uc = np.unique(key, return_counts=True)
                        for k_, c_ in zip(uk.tolist(), uc.tolist()):
                            pair_ = ((k_ >> 16) & 0xFFFF, k_ & 0xFFFF)
                            if pair_[0] != pair_[1]:  # a hole filled by closing is not a transition
                                trans.setdefault(k_ >> 32, {})[pair_] = c_
                    # polygonise only the box holding the kept patches
                    top, left = int(prow.min()), int(pcol.min())
                    regions = regions[top:int(prow.max()) + 1, left:int(pcol.max()) + 1]
                    r0_box, c0_box = r0 + top, c0 + left
                    shift = Affine.translation(c0_box, r0_box)
                    polys: dict[int, list] = {}
                    for geom, value in rasterio.features.shapes(regions, mask=regions > 0, connectivity=4,
                                                                transform=shift):
                        polys.setdefault(int(value), []).append(shapely.geometry.shape(geom))
                    for rid, parts in polys.items():
                        g = parts[0] if len(parts) == 1 else shapely.union_all(parts)
                        k = region_act[rid]
                        if edge[rid]:
                            frag_geoms.append(g)
                            frag_act.append(k)
                            frag_pix.append(int(counts[rid]))
                            frag_area.append(int(counts[rid]) * px_area)
                            frag_trans.append(trans.get(rid, {}))
                        else:
                            done_patches.append(Patch(g, ACTIVITIES[k - 1], int(counts[rid]),
                                                      int(counts[rid]) * px_area, trans.get(rid, {})))
            if progress is not None:
                progress((i + 1) / len(tiles))
        if stats["pixels_compared"] == 0:
            raise AllNoData(before, after)
        # join fragments that share an edge, activity by activity
        if frag_geoms:
            arr = np.array(frag_geoms, dtype=object)
            tree = shapely.STRtree(arr)
            left, right = tree.query(arr, predicate="intersects")
            uf = _UnionFind(len(arr))
            acts = np.array(frag_act)
            sel = (left < right) & (acts[left] == acts[right])
            for p, q in zip(left[sel], right[sel]):
                if shapely.relate_pattern(arr[p], arr[q], "****1****"):
                    uf.union(int(p), int(q))
            groups: dict[int, list[int]] = {}
            for j in range(len(arr)):
                groups.setdefault(uf.find(j), []).append(j)
            for members in groups.values():
                pixels = sum(frag_pix[j] for j in members)
                area = sum(frag_area[j] for j in members)
                if area < min_area:
                    stats["patches_too_small"] += 1
                    continue
                g = arr[members[0]] if len(members) == 1 else shapely.union_all(arr[members])
                tr: dict = {}
                for j in members:
                    for key_, c_ in frag_trans[j].items():
                        tr[key_] = tr.get(key_, 0) + c_
                done_patches.append(Patch(g, ACTIVITIES[frag_act[members[0]] - 1], pixels, area, tr))
        # pixel coordinates → grid CRS; a stable order (north to south, west to east)
        t = grid.transform
        for p in done_patches:
            p.geometry = shapely.transform(p.geometry, lambda xy: np.column_stack(
                [t.c + t.a * xy[:, 0], t.f + t.e * xy[:, 1]]))
        done_patches.sort(key=lambda p: (-p.geometry.bounds[3], p.geometry.bounds[0], p.activity))
        stats["patches"] = len(done_patches)
        stats["seconds"] = time.perf_counter() - started
        notes, notes_zh = list(grid.notes), list(grid.notes_zh)
        if stats["nodata_pixels"]:
            share = 100.0 * stats["nodata_pixels"] / (stats["nodata_pixels"] + stats["pixels_compared"])
            notes.append(f"{share:.1f} % of the compared grid is nodata in one of the rasters (never a change)")
            notes_zh.append(f"比较范围内 {share:.1f}% 的像元在某一期为无数据（不计为变化）")
        if distorted:
            lo, hi = min(distorted), max(distorted)
            notes.append(f"the grid's CRS {_crs_text(grid.crs)} distorts areas (map ÷ ground {lo:.3f}–{hi:.3f}); "
                         "patch areas and the minimum area are ground areas")
            notes_zh.append(f"统一格网坐标系 {_crs_text(grid.crs)} 存在面积变形"
                            f"（图上面积 ÷ 实地面积 {lo:.3f}–{hi:.3f}），图斑面积及最小面积均按实地面积计算")
        if options.speckle != "none":
            notes.append(f"speckle filter: {options.speckle} with a 3 × 3 square")
            how = {"open": "开运算", "close": "闭运算", "open-close": "开运算后闭运算"}[options.speckle]
            notes_zh.append(f"去噪：{how}（3 × 3 方形结构元）")
        return Detection(
            patches=done_patches, grid_crs=_crs_text(grid.crs), transform=grid.transform, width=W, height=H,
            pixel_area_m2=grid.pixel_area, notes=notes, notes_zh=notes_zh, stats=stats, table=table,
            class_names=classes, min_area_m2=min_area, mode=options.mode, content_digest=content.hexdigest(),
        )
    finally:
        if grid is not None:
            grid.close()
        src_a.close()
        src_b.close()


# --- leads -------------------------------------------------------------------------------------


@dataclass
class Lead:
    lead_id: str
    activity: str
    activity_zh: str
    transition: str
    geometry: Any
    area_m2: float
    area_mu: float
    area_method: str
    zone_type: str
    zone_type_zh: str
    zone_name: str
    zone_level: str
    relation: str
    relation_zh: str
    overlap_m2: float
    distance_m: float
    verdict: str
    verdict_zh: str
    legal_basis: str
    reasons: str
    centroid_x: float
    centroid_y: float
    centroid_crs: str
    lon: float
    lat: float
    hits: list = field(default_factory=list)
    pixels: int = 0
    grid_geometry: Any = None  # the patch on the common grid (for thumbnails)


@dataclass
class LeadResult:
    leads: list
    detection: Detection
    run_id: str
    workspace: str
    before: str
    after: str
    options: ChangeOptions
    rulebook: str
    dropped_far: int
    notes: list = field(default_factory=list)
    notes_zh: list = field(default_factory=list)
    detected: str = field(default_factory=lambda: _dt.date.today().isoformat())
    distance_m: float = 0.0
    method_text: str = ""

    def counts(self) -> dict:
        out = {"leads": len(self.leads)}
        for v in ("PROHIBITED", "CONDITIONAL", "REVIEW", "CLEAR"):
            out[v] = sum(1 for lead in self.leads if lead.verdict == v)
        for a in ACTIVITIES:
            out[a] = sum(1 for lead in self.leads if lead.activity == a)
        return out


RELATION_ZH = {"inside": "位于保护区内", "crossing": "跨越保护区边界", "touching": "与保护区边界相接",
               "near": "邻近保护区"}


def transition_text(transitions: dict, names: dict) -> str:
    """'林地→其他土地 96%；草地→其他土地 4%' from {(from, to): pixels}."""
    total = sum(transitions.values())
    if not total:
        return ""
    parts = []
    for (f, t), n in sorted(transitions.items(), key=lambda kv: (-kv[1], kv[0])):
        fn = names.get(f, (str(f),))[0]
        tn = names.get(t, (str(t),))[0]
        parts.append(f"{fn}→{tn} {100.0 * n / total:.0f}%")
    return "；".join(parts[:4]) + ("；…" if len(parts) > 4 else "")


def _near_protected(checker, det: Detection, distance: float) -> np.ndarray:
    """Per patch: is any protected area within the reach QuickChecker.check searches (the distance, the
    layer's largest setback, the touching tolerance)? One indexed query per layer for all patches."""
    from .quick_check import _TOUCH_M
    from .screening import reproject

    near = np.zeros(len(det.patches), dtype=bool)
    if not det.patches:
        return near
    planar = reproject(np.array([p.geometry for p in det.patches], dtype=object), det.grid_crs, checker.planar_crs)
    for layer in checker.layers:
        if len(layer.zones) == 0:
            continue
        reach = max(distance, checker.near_m, layer.max_setback, _TOUCH_M) * 1.001 + 1.0  # never too short
        hits = layer.tree.query(planar, predicate="dwithin", distance=reach)
        near[np.unique(hits[0])] = True
    return near


def find_change_leads(workspace: str, before: str, after: str, options: ChangeOptions | None = None, *,
                      rulebook=None, method: str = "planar", progress: Callable[[float], None] | None = None,
                      is_canceled: Callable[[], bool] | None = None) -> LeadResult:
    """Change patches (detect_changes) inside or near the workspace's protected areas, attributed."""
    from .quick_check import QuickChecker
    from .screening import reproject

    options = options or ChangeOptions()
    _check_options(options)
    table = load_transitions(options.transitions, options.classes)
    distance = table.distance_m if options.distance_m is None else float(options.distance_m)
    checker = QuickChecker.from_workspace(workspace, rulebook=rulebook, method=method, near_m=distance)
    if checker.extent is None:
        raise NoProtectedAreas(workspace)

    def detect_progress(f: float) -> None:
        if progress is not None:
            progress(0.85 * f)

    det = detect_changes(before, after, options, detect_progress, is_canceled)
    names = det.class_names
    leads: list[Lead] = []
    dropped = 0
    to_ws = Transformer.from_crs(det.grid_crs, checker.crs, always_xy=True)
    to_geo = Transformer.from_crs(checker.planar_crs, "EPSG:4490", always_xy=True)
    near = _near_protected(checker, det, distance)
    n = max(1, len(det.patches))
    for i, patch in enumerate(det.patches):
        if is_canceled is not None and is_canceled():
            raise ChangeLeadsCanceled()
        if not near[i]:  # beyond every protected area's reach: check() would find nothing
            dropped += 1
            continue
        result = checker.check(patch.geometry, crs=det.grid_crs, buffer_m=distance,
                               attrs={**ACTIVITY_AS_PROJECT[patch.activity], "action": "new"})
        hits = [h for h in result.hits if h.relation in ("inside", "crossing", "touching") or h.distance_m <= distance
                or h.verdict != "CLEAR"]
        if not hits:
            dropped += 1
            continue
        worst = hits[0]
        planar = reproject(np.array([patch.geometry], dtype=object), det.grid_crs, checker.planar_crs)[0]
        planar = shapely.make_valid(planar) if not planar.is_valid else planar
        area = checker._amount(planar, 2)
        c = planar.centroid
        lon, lat = to_geo.transform(c.x, c.y)
        geom_ws = shapely.transform(patch.geometry, lambda xy: np.column_stack(to_ws.transform(xy[:, 0], xy[:, 1])))
        if geom_ws.geom_type == "Polygon":
            geom_ws = shapely.MultiPolygon([geom_ws])
        reasons = "；".join(dict.fromkeys(h.reason_zh for h in hits))
        basis = "；".join(dict.fromkeys(h.legal_basis for h in hits if h.legal_basis and h.verdict == worst.verdict))
        leads.append(Lead(
            lead_id="", activity=patch.activity, activity_zh=CODE_LISTS["activity_class"].label_zh(patch.activity),
            transition=transition_text(patch.transitions, names) if det.mode == "classified"
            else f"指数下降 ≥ {table.index_drop if options.index_drop is None else options.index_drop:g}",
            geometry=geom_ws, area_m2=area, area_mu=area / M2_PER_MU, area_method=checker.method_text,
            zone_type=worst.zone_type, zone_type_zh=worst.zone_type_zh, zone_name=worst.name,
            zone_level=worst.level_zh, relation=worst.relation, relation_zh=RELATION_ZH.get(worst.relation, ""),
            overlap_m2=sum(h.overlap_m2 for h in hits
                           if h.zone_type == worst.zone_type and h.zone_fid == worst.zone_fid),
            distance_m=worst.distance_m, verdict=worst.verdict, verdict_zh=worst.verdict_zh, legal_basis=basis,
            reasons=reasons, centroid_x=c.x, centroid_y=c.y, centroid_crs=checker.planar_crs, lon=lon, lat=lat,
            hits=hits, pixels=patch.pixels, grid_geometry=patch.geometry,
        ))
        if progress is not None:
            progress(0.85 + 0.15 * (i + 1) / n)
    # The run is the image pair as compared (its pixels on the common grid, not the files' bytes): running
    # the same pair again (other options, another rulebook, files saved again) replaces its leads. A lead's
    # number comes from the pair and the patch's centre pixel, so an unchanged patch keeps its number, and a
    # lead on the place of an open lead case refreshes that case (cases.specs_from_leads).
    run_id = hashlib.sha256(f"{det.content_digest}|{options.mode}".encode()).hexdigest()[:8]
    inv = ~det.transform
    seen: set = set()
    for lead in leads:
        col, row = inv * (lead.grid_geometry.centroid.x, lead.grid_geometry.centroid.y)
        key = hashlib.sha256(f"{run_id}|{int(col)}|{int(row)}|{lead.activity}".encode()).hexdigest()[:5].upper()
        lead_id, k = f"RS-{run_id[:6].upper()}-{key}", 1
        while lead_id in seen:
            k += 1
            lead_id = f"RS-{run_id[:6].upper()}-{key}-{k}"
        seen.add(lead_id)
        lead.lead_id = lead_id
    severity = {"PROHIBITED": 0, "CONDITIONAL": 1, "REVIEW": 2, "CLEAR": 3}
    leads.sort(key=lambda lead: (severity[lead.verdict], -lead.area_m2, lead.lead_id))
    notes, notes_zh = list(det.notes), list(det.notes_zh)
    if dropped:
        notes.append(f"{dropped} change patch(es) of at least {det.min_area_m2:g} m² lie farther than {distance:g} m "
                     "from every protected area and are not leads")
        notes_zh.append(f"{dropped} 个不小于 {det.min_area_m2:g} 平方米的变化图斑距所有保护对象超过 {distance:g} 米，"
                        "未列为线索")
    return LeadResult(
        leads=leads, detection=det, run_id=run_id, workspace=os.fspath(workspace), before=os.fspath(before),
        after=os.fspath(after), options=options, rulebook=checker.rulebook.provenance(), dropped_far=dropped,
        notes=notes, notes_zh=notes_zh, distance_m=distance, method_text=checker.method_text,
    )


# --- saving ------------------------------------------------------------------------------------

# change_lead column ← Lead attribute (the type and relation are stored as their Chinese labels)
_LEAD_COLUMNS = (("lead_id", "lead_id"), ("activity", "activity"), ("transition", "transition"),
                 ("area_m2", "area_m2"), ("area_mu", "area_mu"), ("area_method", "area_method"),
                 ("zone_type", "zone_type_zh"), ("zone_name", "zone_name"), ("zone_level", "zone_level"),
                 ("relation", "relation_zh"), ("overlap_m2", "overlap_m2"), ("distance_m", "distance_m"),
                 ("verdict", "verdict"), ("legal_basis", "legal_basis"), ("reasons", "reasons"),
                 ("centroid_x", "centroid_x"), ("centroid_y", "centroid_y"), ("centroid_crs", "centroid_crs"),
                 ("lon", "lon"), ("lat", "lat"))


def lead_record(lead: Lead, result: LeadResult) -> dict:
    """A lead as the change_lead layer's attributes (without the geometry), as save_leads writes them."""
    values = {column: getattr(lead, attr) for column, attr in _LEAD_COLUMNS}
    values = {k: float(v) if isinstance(v, (float, np.floating)) else v for k, v in values.items()}
    values.update(before_image=os.path.basename(result.before), after_image=os.path.basename(result.after),
                  run_id=result.run_id, detected=result.detected, notes=f"{lead.activity_zh}；{lead.pixels} 个像元")
    return values


def save_leads(workspace: str, result: LeadResult) -> int:
    """Write the leads to the workspace's change_lead layer in one transaction; an earlier run of the same
    image pair is replaced. Return the number of rows written."""
    from .gpkg import connect, geometry_blob, srs_id
    from .postgis import is_postgis, replace_features
    from .workspace import open_workspace

    if is_postgis(workspace):  # one transaction in the database, recorded in its history
        records = [lead_record(lead, result) for lead in result.leads]
        return replace_features(workspace, "change_lead", "run_id", result.run_id,
                                [lead.geometry for lead in result.leads], records, editor="change-leads")
    open_workspace(workspace)  # upgrades an older workspace (adds the layer)
    con = connect(workspace)
    try:
        with con:
            srs = srs_id(con, "change_lead")
            con.execute("DELETE FROM change_lead WHERE run_id = ?", (result.run_id,))
            for lead in result.leads:
                record = lead_record(lead, result)
                cols = ", ".join(record)
                marks = ", ".join("?" * len(record))
                con.execute(f"INSERT INTO change_lead (geom, {cols}) VALUES (?, {marks})",
                            (geometry_blob(lead.geometry, srs), *record.values()))
    finally:
        con.close()
    return len(result.leads)


def read_leads(workspace: str) -> list[dict]:
    """The change_lead rows (geometry in the workspace CRS)."""
    from .gpkg import read_rows
    from .postgis import fetch_rows, is_postgis

    if is_postgis(workspace):
        return fetch_rows(workspace, "change_lead")
    return read_rows(workspace, "change_lead")


def write_lead_report(result: LeadResult, html_path: str, is_canceled: Callable[[], bool] | None = None) -> str:
    """The printable report (A4 HTML) with before/after thumbnails per lead (PNG files beside it)."""
    from .change_report import write_change_report

    return write_change_report(result, html_path, is_canceled=is_canceled)


# --- command line ------------------------------------------------------------------------------


def _cmd_change_leads(args) -> int:
    from .cli import _lang

    zh = _lang(args) == "zh"
    if args.report:  # refused before any work: not an input, a writable .html
        from .change_report import check_report_path

        check_report_path(args.report, (args.before, args.after, args.workspace, args.classes, args.after_classes,
                                        args.transitions, args.rules))
    options = ChangeOptions(
        mode=args.mode, classes=args.classes, after_classes=args.after_classes, transitions=args.transitions,
        min_area_m2=args.min_area, distance_m=args.distance, index_drop=args.drop, index_min_before=args.min_before,
        speckle=args.speckle, window=args.window, band_before=args.band_before, band_after=args.band_after)
    result = find_change_leads(args.workspace, args.before, args.after, options, rulebook=args.rules,
                               method=args.method)
    saved = 0 if args.no_save else save_leads(args.workspace, result)
    if args.report:
        write_lead_report(result, args.report)
    c = result.counts()
    s = result.detection.stats
    print(f"线索 leads {c['leads']} · 禁止 prohibited {c['PROHIBITED']} · 需复核 review {c['REVIEW']} · "
          f"有条件准入 conditional {c['CONDITIONAL']} · 无冲突 clear {c['CLEAR']} · "
          f"变化图斑 patches {s['patches']} (too small {s['patches_too_small']}, far {result.dropped_far}) · "
          f"{s['seconds']:.1f} s")
    for lead in result.leads:
        zone = lead.zone_type_zh + (f"·{lead.zone_level}" if lead.zone_level else "") + \
            (f"（{lead.zone_name}）" if lead.zone_name else "")
        print("\t".join((lead.lead_id, lead.activity_zh if zh else lead.activity, f"{lead.area_m2:,.0f} m²",
                         f"{lead.area_mu:,.2f} 亩", lead.relation_zh if zh else lead.relation, zone,
                         lead.verdict_zh if zh else lead.verdict, lead.transition)))
    for note in result.notes_zh if zh else result.notes:
        print(("说明：" if zh else "note: ") + note)
    if saved:
        print(f"已写入工作空间图层 change_lead：{saved} 条（批次 {result.run_id}）" if zh
              else f"saved {saved} leads to the workspace layer change_lead (run {result.run_id})")
    if args.report:
        print(("报告：" if zh else "report: ") + args.report)
    return 0


def add_cli(sub) -> None:
    """`green-shield change-leads`."""
    p = sub.add_parser("change-leads", help="remote-sensing change leads in protected areas / 遥感变化线索")
    p.add_argument("workspace", help="workspace GeoPackage (protected layers; leads are saved in change_lead)")
    p.add_argument("--before", required=True, help="earlier land-cover (or index) raster, e.g. a GeoTIFF")
    p.add_argument("--after", required=True, help="later land-cover (or index) raster")
    p.add_argument("--mode", choices=MODES, default="classified",
                   help="classified: class codes + transition table (default); index: e.g. NDVI with --drop")
    p.add_argument("--classes", help="class table YAML/CSV (default core/data/landcover_classes.yaml)")
    p.add_argument("--after-classes", help="class table of the after raster, when it has its own (must agree)")
    p.add_argument("--transitions", help="transition table YAML (default core/data/change_transitions.yaml)")
    p.add_argument("--min-area", type=float, help="smallest patch kept, m² (default from the table: 666.67 = 1 亩)")
    p.add_argument("--distance", type=float, help="keep patches within this distance of a protected area, m "
                   "(default from the table: 500)")
    p.add_argument("--drop", type=float, help="index mode: before − after ≥ this is a change (default 0.3)")
    p.add_argument("--min-before", type=float, help="index mode: before ≥ this to count (default 0.3)")
    p.add_argument("--speckle", choices=SPECKLE, default="none", help="morphological speckle filter (3 × 3)")
    p.add_argument("--window", type=int, default=2048, help="processing window, pixels (memory bound)")
    p.add_argument("--band-before", type=int, default=1)
    p.add_argument("--band-after", type=int, default=1)
    p.add_argument("--rules", help="screening rulebook YAML (default core/data/rulebook_default.yaml)")
    p.add_argument("--method", choices=("planar", "ellipsoidal"), default="planar", help="area method")
    p.add_argument("--report", help="printable report (HTML, A4; thumbnails in a folder beside it)")
    p.add_argument("--no-save", action="store_true", help="do not write the leads into the workspace")
    p.set_defaults(func=_cmd_change_leads)
