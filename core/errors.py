"""Errors a user can cause. Each says what is wrong and what to do about it.

`code` is stable (tests, translations and the command line key on it); `message` is the
English text; `message_zh` the Chinese one. The QGIS side shows the Chinese text when the
interface is Chinese.
"""

from __future__ import annotations


class GreenShieldError(Exception):
    code = "error"

    def __init__(self, message: str, message_zh: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.message_zh = message_zh or message

    def __str__(self) -> str:
        return self.message


class UnknownLayerType(GreenShieldError):
    code = "unknown_layer_type"

    def __init__(self, key: str, known: list[str]) -> None:
        super().__init__(
            f"Unknown layer type '{key}'. Use one of: {', '.join(known)}.",
            f"未知的图层类型“{key}”。可用类型：{', '.join(known)}。",
        )


class WorkspaceError(GreenShieldError):
    code = "workspace"


class WorkspaceExists(WorkspaceError):
    code = "workspace_exists"

    def __init__(self, path: str) -> None:
        super().__init__(
            f"{path} already exists. Choose another file name or pass overwrite to replace it.",
            f"{path} 已存在。请换一个文件名，或选择覆盖。",
        )


class NotAWorkspace(WorkspaceError):
    code = "not_a_workspace"

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(
            f"{path} is not a Green Shield workspace ({reason}). Create one with "
            "'green-shield create-workspace' or the 绿盾 menu.",
            f"{path} 不是绿盾工作空间（{reason}）。请用“新建工作空间”创建。",
        )


class InvalidCRS(GreenShieldError):
    code = "invalid_crs"

    def __init__(self, crs: str) -> None:
        super().__init__(
            f"'{crs}' is not a coordinate reference system PROJ knows. Use an EPSG code such as EPSG:4490.",
            f"“{crs}”不是可识别的坐标参照系。请使用 EPSG 代码，例如 EPSG:4490。",
        )


class ImportRefused(GreenShieldError):
    """Base for errors that stop an import before anything is written."""

    code = "import"


class InputNotFound(ImportRefused):
    code = "input_not_found"

    def __init__(self, path: str) -> None:
        super().__init__(f"Input file {path} does not exist.", f"输入文件 {path} 不存在。")


class UnreadableInput(ImportRefused):
    code = "unreadable_input"

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(
            f"Cannot read {path}: {reason}. Check that it is a Shapefile, GeoPackage, GeoJSON, CSV or XLSX file.",
            f"无法读取 {path}：{reason}。请确认文件为 Shapefile、GeoPackage、GeoJSON、CSV 或 XLSX。",
        )


class MissingCRS(ImportRefused):
    code = "missing_crs"

    def __init__(self, path: str) -> None:
        super().__init__(
            f"{path} has no coordinate reference system (no .prj or CRS definition). "
            "State the CRS it is in (for example --source-crs EPSG:4490), or add a .prj file.",
            f"{path} 没有坐标参照系（缺少 .prj 或坐标系定义）。请指定其坐标系（例如 EPSG:4490），或补充 .prj 文件。",
        )


class MissingCoordinateColumns(ImportRefused):
    code = "missing_coordinate_columns"

    def __init__(self, path: str, columns: list[str]) -> None:
        super().__init__(
            f"{path} is a table without recognisable coordinate columns (columns: {', '.join(columns)}). "
            "Name the longitude/x and latitude/y columns (--x-field, --y-field).",
            f"{path} 中没有识别到坐标列（现有列：{', '.join(columns)}）。请指定经度/X 列和纬度/Y 列。",
        )


class WrongGeometryType(ImportRefused):
    code = "wrong_geometry_type"

    def __init__(self, path: str, found: str, expected: str, target: str) -> None:
        super().__init__(
            f"{path} holds {found} geometries but layer '{target}' takes {expected}. "
            "Choose the matching target layer or convert the data first.",
            f"{path} 的几何类型为 {found}，但目标图层“{target}”要求 {expected}。请选择匹配的图层或先转换数据。",
        )


class FieldMappingError(ImportRefused):
    code = "field_mapping"

    def __init__(self, message: str, message_zh: str) -> None:
        super().__init__(message, message_zh)


class EmptyInput(ImportRefused):
    code = "empty_input"

    def __init__(self, path: str) -> None:
        super().__init__(
            f"{path} contains no features; nothing was imported.",
            f"{path} 中没有任何要素，未导入任何数据。",
        )


class AllRowsRejected(ImportRefused):
    code = "all_rows_rejected"

    def __init__(self, path: str, n: int, report: str | None) -> None:
        where = f" See the error report {report}." if report else ""
        where_zh = f"详见错误报告 {report}。" if report else ""
        super().__init__(
            f"All {n} rows of {path} were rejected; nothing was imported.{where}",
            f"{path} 的全部 {n} 行均被拒绝，未导入任何数据。{where_zh}",
        )


class RowsRejectedStrict(ImportRefused):
    code = "rows_rejected_strict"

    def __init__(self, n_rejected: int, report: str | None) -> None:
        where = f" See the error report {report}." if report else ""
        where_zh = f"详见错误报告 {report}。" if report else ""
        super().__init__(
            f"{n_rejected} rows were rejected and strict mode is on, so nothing was imported.{where} "
            "Fix those rows or import without strict mode.",
            f"有 {n_rejected} 行被拒绝且启用了严格模式，因此未导入任何数据。{where_zh}请修正这些行或关闭严格模式。",
        )


class WriteFailed(ImportRefused):
    code = "write_failed"

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(
            f"Writing to {path} failed ({reason}); the workspace was left exactly as it was.",
            f"写入 {path} 失败（{reason}）；工作空间保持原状，未写入任何数据。",
        )


class ConflictingCoordinates(ImportRefused):
    code = "conflicting_coordinates"

    def __init__(self, crs: str, coordinates: str) -> None:
        name = {"gcj02": "GCJ-02", "bd09": "BD-09"}.get(coordinates, coordinates)
        super().__init__(
            f"{name} coordinates are longitude/latitude, but the stated CRS {crs} is projected. "
            "Leave the source CRS empty, or declare the coordinates as WGS84/CGCS2000.",
            f"{name} 坐标为经纬度，但指定的坐标系 {crs} 是投影坐标系。"
            "请不要指定源坐标系，或将坐标类型设为 WGS84/CGCS2000。",
        )
