"""Importing an external file into a workspace layer, with validation and a row-level report.

Order of work: read → map fields → convert coordinates (GCJ-02/BD-09) → reproject →
check each row (geometry and values) → write the good rows in one transaction. Rows that
cannot be imported are listed with row, field and reason; repaired geometries are listed
too. Nothing is written until every row has been checked, and the write itself is one
transaction, so the workspace is never left half-imported.
"""

from __future__ import annotations

import csv
import datetime as _dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import shapely
from pyproj import CRS, Transformer

from .chinese_coords import convert_points, normalise_source
from .errors import (
    AllRowsRejected,
    ConflictingCoordinates,
    EmptyInput,
    FieldMappingError,
    MissingCRS,
    RowsRejectedStrict,
    WrongGeometryType,
)
from .schema import BOOL_FALSE, BOOL_TRUE, CODE_LISTS, FieldDef, LayerType, layer_type
from .sources import SourceData, read_source
from .workspace import normalise_crs, open_workspace, write_features

COORDINATE_SYSTEMS = ("wgs84", "gcj02", "bd09")
_DIMENSION = {"point": 0, "line": 1, "polygon": 2}
_TYPE_NAMES = {0: "point", 1: "line", 2: "polygon"}


class ImportCanceled(Exception):
    """The user canceled; nothing was written."""


@dataclass
class RowIssue:
    row: int  # 1-based record number in the source (header rows not counted)
    field: str
    value: str
    action: str  # rejected | repaired
    reason: str
    reason_zh: str


@dataclass
class ImportResult:
    source: str
    target: str
    workspace: str
    total: int
    imported: int
    issues: list[RowIssue] = field(default_factory=list)
    field_map: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    unused_columns: list[str] = field(default_factory=list)
    encoding: str = ""
    encoding_how: str = ""
    source_crs: str = ""
    coordinates: str = "wgs84"
    report_path: str | None = None
    dry_run: bool = False

    @property
    def rejected(self) -> list[RowIssue]:
        return [i for i in self.issues if i.action == "rejected"]

    @property
    def repaired(self) -> list[RowIssue]:
        return [i for i in self.issues if i.action == "repaired"]

    @property
    def rejected_rows(self) -> int:
        return len({i.row for i in self.rejected})


def _fold(name: str) -> str:
    return re.sub(r"[\s_\-]", "", str(name)).casefold()


def plan_field_map(
    columns: list[str], lt: LayerType, overrides: dict[str, str] | None = None
) -> dict[str, str]:
    """Target field → source column. Auto-matched by name, aliases and synonyms; overrides win.

    An override maps a target field to a source column, or to "" to leave it unfilled.
    """
    overrides = dict(overrides or {})
    for target, source in overrides.items():
        check_field_name(lt, target)
        if source and source not in columns:
            raise FieldMappingError(
                f"Column '{source}' (mapped to '{target}') is not in the input. Columns: {', '.join(columns)}.",
                f"输入数据中没有列“{source}”（映射到“{target}”）。现有列：{', '.join(columns)}。",
            )
    mapping = {t: s for t, s in overrides.items() if s}
    used = set(mapping.values())
    by_fold: dict[str, str] = {}
    for column in columns:
        by_fold.setdefault(_fold(column), column)
    for fd in lt.fields:
        if fd.name in overrides:
            continue
        for candidate in (fd.name, fd.alias_zh, fd.alias_en, *fd.synonyms):
            column = by_fold.get(_fold(candidate))
            if column is not None and column not in used:
                mapping[fd.name] = column
                used.add(column)
                break
    return {fd.name: mapping[fd.name] for fd in lt.fields if fd.name in mapping}


def check_field_name(lt: LayerType, name: str) -> None:
    if name not in lt.field_names():
        raise FieldMappingError(
            f"'{name}' is not a field of layer '{lt.key}'. Fields: {', '.join(lt.field_names())}.",
            f"“{name}”不是图层“{lt.title_zh}”的字段。可用字段：{', '.join(lt.field_names())}。",
        )


def parse_mapping(pairs: list[str] | str | None) -> dict[str, str]:
    """'a=b;c=d' or ['a=b', 'c=d'] → {'a': 'b', 'c': 'd'}."""
    if not pairs:
        return {}
    if isinstance(pairs, str):
        pairs = [p for p in re.split(r"[;\n]", pairs) if p.strip()]
    result = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise FieldMappingError(
                f"'{pair}' is not of the form FIELD=VALUE.", f"“{pair}”的格式应为 字段=值。"
            )
        result[key.strip()] = value.strip()
    return result


# --- value conversion -------------------------------------------------------------------

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


class BadValue(Exception):
    def __init__(self, reason: str, reason_zh: str) -> None:
        super().__init__(reason)
        self.reason, self.reason_zh = reason, reason_zh


def convert_value(fd: FieldDef, value):
    """A source value → the stored value for the field, None for empty; raises BadValue."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if fd.codelist:
        code = CODE_LISTS[fd.codelist].normalise(value)
        if code is None:
            labels = "、".join(item.zh for item in CODE_LISTS[fd.codelist].items)
            raise BadValue(
                f"'{value}' is not in the code list {fd.codelist}; allowed: "
                + ", ".join(f"{i.code} ({i.zh})" for i in CODE_LISTS[fd.codelist].items),
                f"“{value}”不在代码表“{CODE_LISTS[fd.codelist].title_zh}”中，允许的值：{labels}",
            )
        return code
    if fd.type == "text":
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # codes read from spreadsheets as numbers
        return str(value).strip()
    if fd.type in ("int", "real"):
        text = str(value).replace(",", "").strip()
        try:
            number = float(text)
        except ValueError:
            raise BadValue(f"'{value}' is not a number", f"“{value}”不是数字") from None
        if not np.isfinite(number):
            raise BadValue(f"'{value}' is not a finite number", f"“{value}”不是有限数值")
        if fd.type == "int":
            if not number.is_integer():
                raise BadValue(f"'{value}' is not a whole number", f"“{value}”不是整数")
            return int(number)
        return number
    if fd.type == "bool":
        text = str(value).strip().casefold()
        if text in BOOL_TRUE:
            return True
        if text in BOOL_FALSE:
            return False
        raise BadValue(f"'{value}' is not yes/no (是/否, 1/0, true/false)", f"“{value}”不是“是/否”值")
    if fd.type == "date":
        if isinstance(value, _dt.datetime):
            return value.date()
        if isinstance(value, _dt.date):
            return value
        text = str(value).strip()
        for pattern in _DATE_PATTERNS:
            match = pattern.match(text)
            if match:
                try:
                    return _dt.date(*(int(g) for g in match.groups()))
                except ValueError:
                    break
        raise BadValue(f"'{value}' is not a date (use YYYY-MM-DD)", f"“{value}”不是有效日期（格式 YYYY-MM-DD）")
    raise ValueError(fd.type)


# --- geometry ---------------------------------------------------------------------------


def _parts_of_dimension(geom, dim: int):
    """The parts of a geometry (after make_valid) that have the wanted dimension."""
    if geom is None or geom.is_empty:
        return []
    if isinstance(geom, shapely.GeometryCollection) or geom.geom_type.startswith("Multi"):
        parts = []
        for part in shapely.get_parts(geom):
            parts.extend(_parts_of_dimension(part, dim))
        return parts
    return [geom] if shapely.get_dimensions(geom) == dim else []


def _to_layer_geometry(parts: list, dim: int):
    if dim == 2:
        return shapely.MultiPolygon(parts)
    if dim == 1:
        return shapely.MultiLineString(parts)
    return parts[0]


class _Reprojector:
    def __init__(self, source_crs: str, target_crs: str) -> None:
        self.transformer = None
        if CRS.from_user_input(source_crs) != CRS.from_user_input(target_crs):
            self.transformer = Transformer.from_crs(source_crs, target_crs, always_xy=True)

    def __call__(self, geom):
        if self.transformer is None:
            return geom
        return shapely.transform(geom, lambda xy: np.column_stack(self.transformer.transform(xy[:, 0], xy[:, 1])))


def _wanted_dimension(lt: LayerType, geom) -> int | None:
    return _DIMENSION.get(lt.geometry, shapely.get_dimensions(geom))


# --- the import ---------------------------------------------------------------------------


def import_file(
    workspace: str,
    source: str,
    target: str,
    *,
    layer: str | None = None,
    field_map: dict[str, str] | None = None,
    constants: dict[str, str] | None = None,
    source_crs: str | None = None,
    encoding: str | None = None,
    coordinates: str = "wgs84",
    x_field: str | None = None,
    y_field: str | None = None,
    strict: bool = False,
    dry_run: bool = False,
    report: str | None = None,
    progress: Callable[[float], None] | None = None,
    is_canceled: Callable[[], bool] | None = None,
) -> ImportResult:
    """Import `source` into layer `target` of `workspace`; see the module docstring.

    `coordinates` declares point coordinates as wgs84 (or any CRS), gcj02 or bd09; the
    latter two are converted to WGS84/CGCS2000 first. `strict` refuses the whole import if
    any row is rejected. `dry_run` checks everything and writes only the report.
    """
    lt = layer_type(target)
    info = open_workspace(workspace)
    coordinates = _normalise_coordinates(coordinates)
    data = read_source(source, layer, encoding, x_field, y_field)
    if len(data) == 0:
        raise EmptyInput(source)
    mapping = plan_field_map(list(data.columns), lt, field_map)
    constants = dict(constants or {})
    for name in constants:
        check_field_name(lt, name)
    for fd in lt.fields:
        if fd.required and fd.name not in mapping and fd.name not in constants:
            raise FieldMappingError(
                f"Required field '{fd.name}' ({fd.alias_zh}) has no source column. "
                f"Map one (--map {fd.name}=COLUMN) or give a value for every row (--set {fd.name}=VALUE). "
                f"Columns: {', '.join(data.columns)}.",
                f"必填字段“{fd.alias_zh}”({fd.name}) 没有对应的列。请指定映射列，或为所有行设定统一值。"
                f"现有列：{', '.join(data.columns)}。",
            )
    crs_used = _source_crs(data, source_crs, coordinates)
    result = ImportResult(
        source=source,
        target=target,
        workspace=workspace,
        total=len(data),
        imported=0,
        field_map=mapping,
        constants=constants,
        unused_columns=[c for c in data.columns if c not in mapping.values()],
        encoding=data.encoding,
        encoding_how=data.encoding_how,
        source_crs=crs_used,
        coordinates=coordinates,
        report_path=report,
        dry_run=dry_run,
    )
    geoms = _declared_coordinates(data, coordinates, lt)
    _check_layer_geometry(data, geoms, lt)
    reproject = _Reprojector(crs_used, info.crs)
    geographic = CRS.from_user_input(info.crs).is_geographic

    good_geoms, good_records = [], []
    n = len(data)
    for i in range(n):
        if is_canceled and i % 200 == 0 and is_canceled():
            raise ImportCanceled()
        if progress and i % 200 == 0:
            progress(i / n * 0.9)
        row = i + 1
        row_issues: list[RowIssue] = []
        geom = _check_geometry(geoms[i], lt, row, row_issues, reproject, geographic)
        record = {}
        for fd in lt.fields:
            raw = constants[fd.name] if fd.name in constants else (
                data.columns[mapping[fd.name]][i] if fd.name in mapping else None
            )
            try:
                value = convert_value(fd, raw)
            except BadValue as bad:
                row_issues.append(RowIssue(row, fd.name, _show(raw), "rejected", bad.reason, bad.reason_zh))
                continue
            if value is None and fd.required:
                row_issues.append(RowIssue(
                    row, fd.name, "", "rejected",
                    f"required field '{fd.name}' is empty", f"必填字段“{fd.alias_zh}”为空",
                ))
            record[fd.name] = value
        result.issues.extend(row_issues)
        if geom is not None and not any(x.action == "rejected" for x in row_issues):
            good_geoms.append(geom)
            good_records.append(record)

    if report:
        write_report(result, report)
    if not good_records:
        raise AllRowsRejected(source, n, report)
    if strict and result.rejected:
        raise RowsRejectedStrict(result.rejected_rows, report)
    if is_canceled and is_canceled():
        raise ImportCanceled()
    if not dry_run:
        result.imported = write_features(workspace, target, good_geoms, good_records)
    if progress:
        progress(1.0)
    return result


def _show(value) -> str:
    return "" if value is None else str(value)


def _normalise_coordinates(coordinates: str) -> str:
    try:
        return normalise_source(coordinates or "wgs84")
    except ValueError:
        raise FieldMappingError(
            f"Unknown coordinate system '{coordinates}'; use wgs84 (also for CGCS2000 or any CRS), gcj02 or bd09.",
            f"未知的坐标类型“{coordinates}”；可选 wgs84（含 CGCS2000 及其他坐标系）、gcj02 或 bd09。",
        ) from None


def _source_crs(data: SourceData, stated: str | None, coordinates: str) -> str:
    if coordinates != "wgs84":
        if stated and not CRS.from_user_input(normalise_crs(stated)).is_geographic:
            raise ConflictingCoordinates(stated, coordinates)
        return "EPSG:4326"  # after conversion
    crs = stated or data.crs
    if not crs:
        raise MissingCRS(data.path)
    return normalise_crs(crs)


def _declared_coordinates(data: SourceData, coordinates: str, lt: LayerType) -> np.ndarray:
    geoms = data.geometries
    if coordinates == "wgs84":
        return geoms
    present = [g for g in geoms if g is not None and not g.is_empty]
    if any(shapely.get_dimensions(g) != 0 for g in present):
        raise WrongGeometryType(data.path, "non-point", "points (GCJ-02/BD-09 conversion applies to points)", lt.key)

    def convert(xy):
        lons, lats = convert_points(xy[:, 0], xy[:, 1], coordinates)
        return np.column_stack([lons, lats])

    return np.array([None if g is None else shapely.transform(g, convert) for g in geoms], dtype=object)


def _check_layer_geometry(data: SourceData, geoms: np.ndarray, lt: LayerType) -> None:
    """Refuse a file none of whose geometries fit the target layer."""
    if lt.geometry == "any":
        return
    dims = {shapely.get_dimensions(g) for g in geoms if g is not None and not g.is_empty}
    want = _DIMENSION[lt.geometry]
    if dims and want not in dims:
        found = "/".join(_TYPE_NAMES[d] for d in sorted(dims))
        raise WrongGeometryType(data.path, found, lt.geometry, lt.key)


def _check_geometry(geom, lt: LayerType, row: int, issues: list[RowIssue], reproject, geographic: bool):
    """Return the geometry ready for the layer, or None after recording why not."""
    if geom is None or geom.is_empty:
        issues.append(RowIssue(row, "geometry", "", "rejected", "empty or missing geometry", "几何为空或缺失"))
        return None
    geom = shapely.force_2d(geom)
    dim = _wanted_dimension(lt, geom)
    if shapely.get_dimensions(geom) != dim:
        issues.append(RowIssue(
            row, "geometry", geom.geom_type, "rejected",
            f"{geom.geom_type} does not fit layer '{lt.key}' ({lt.geometry})",
            f"几何类型 {geom.geom_type} 与图层“{lt.title_zh}”不符",
        ))
        return None
    geom = reproject(geom)
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all() or (
        geographic and (np.abs(coords[:, 0]) > 180).any() | (np.abs(coords[:, 1]) > 90).any()
    ):
        issues.append(RowIssue(
            row, "geometry", "", "rejected",
            "coordinates fall outside the valid range after reprojection: is the source CRS right?",
            "坐标转换后超出有效范围：请检查源数据的坐标系是否正确",
        ))
        return None
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        repaired = shapely.make_valid(geom)
        parts = _parts_of_dimension(repaired, dim)
        if not parts:
            issues.append(RowIssue(
                row, "geometry", reason, "rejected",
                f"invalid geometry ({reason}) collapses when repaired",
                f"无效几何（{reason}），修复后退化为空",
            ))
            return None
        issues.append(RowIssue(
            row, "geometry", reason, "repaired",
            f"invalid geometry ({reason}) repaired with make-valid",
            f"无效几何（{reason}）已自动修复",
        ))
        geom = _to_layer_geometry(parts, dim)
    else:
        parts = _parts_of_dimension(geom, dim)
        if dim == 0 and len(parts) > 1:
            issues.append(RowIssue(
                row, "geometry", geom.geom_type, "rejected",
                f"multi-point with {len(parts)} points; split it into single points",
                f"多点要素含 {len(parts)} 个点，请拆分为单点",
            ))
            return None
        geom = _to_layer_geometry(parts, dim)
    return geom


def write_report(result: ImportResult, path: str) -> None:
    """CSV error report (UTF-8 with BOM so spreadsheet programs show Chinese correctly)."""
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(["row", "field", "value", "action", "reason", "原因"])
        for issue in result.issues:
            writer.writerow([issue.row, issue.field, issue.value, issue.action, issue.reason, issue.reason_zh])
