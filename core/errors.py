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


class LedgerError(GreenShieldError):
    code = "ledger"


class CaseNotFound(LedgerError):
    code = "case_not_found"

    def __init__(self, case_id: str) -> None:
        super().__init__(
            f"No case {case_id} in the ledger. Check the case number (green-shield cases list).",
            f"案件台账中没有案件 {case_id}。请核对案件编号（可用“案件列表”查看）。",
        )


class StatusChangeRefused(LedgerError):
    code = "status_change_refused"

    def __init__(self, case_id: str, current: str, wanted: str, allowed) -> None:
        from .schema import CODE_LISTS

        cl = CODE_LISTS["case_status"]

        def zh(code: str) -> str:
            return cl.label_zh(code) if code in cl.codes() else code

        allowed = list(allowed)
        super().__init__(
            f"Case {case_id} is '{current}' and cannot change to '{wanted}'. Allowed next: "
            f"{', '.join(allowed) or 'none (the case is finished)'}.",
            f"案件 {case_id} 当前为“{zh(current)}”，不能直接变更为“{zh(wanted)}”。可变更为："
            f"{'、'.join(zh(a) for a in allowed) or '无（案件已结束）'}。",
        )


class LedgerEditFailed(LedgerError):
    code = "ledger_edit_failed"

    def __init__(self, reason: str, reason_zh: str = "") -> None:
        super().__init__(
            f"The case ledger was not changed: {reason}. Nothing was written; fix the cause and run again.",
            f"案件台账未修改：{reason_zh or reason}。未写入任何内容，请排除原因后重试。",
        )


class NotAScreeningResult(GreenShieldError):
    code = "not_a_screening_result"

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(
            f"{path} is not a screening result ({reason}). Give the GeoPackage written by 'green-shield screen' "
            "or greenshield:screenprojects (layers flagged_projects, conflicts, screening_run).",
            f"{path} 不是空间审查结果（{reason}）。请选择“建设项目空间审查”输出的 GeoPackage。",
        )


class DrawError(GreenShieldError):
    """Base for errors that stop a random draw (双随机抽查) before anything is written."""

    code = "draw"


def _draw_rows(rows: list, kind: str, limit: int = 10) -> tuple[str, str]:
    """'rows 3, 7' / '第 3、7 行' (tables: rows as a spreadsheet numbers them) or features by position."""
    shown = [str(r) for r in rows[:limit]]
    more_en = f" and {len(rows) - limit} more" if len(rows) > limit else ""
    more_zh = f"等 {len(rows)} 处" if len(rows) > limit else ""
    if kind == "table":
        return f"row{'s' if len(rows) > 1 else ''} {', '.join(shown)}{more_en}", f"第 {'、'.join(shown)} 行{more_zh}"
    return (f"feature{'s' if len(rows) > 1 else ''} #{', #'.join(shown)}{more_en}",
            f"第 {'、'.join(shown)} 个要素{more_zh}")


class EmptySupervisionList(DrawError):
    code = "empty_supervision_list"

    def __init__(self, path: str) -> None:
        super().__init__(
            f"The supervision list {path} holds no entities, so there is nothing to draw from. Give the list of "
            "regulated entities (columns entity_id, name, pool), e.g. WORKSPACE.gpkg:supervised_entity.",
            f"监管对象名录 {path} 中没有任何监管对象，无法抽取。请提供监管对象名录（包含监管对象编码、单位名称、"
            "监管类别三列），例如 工作空间.gpkg:supervised_entity。",
        )


class DrawColumnsMissing(DrawError):
    code = "draw_columns_missing"

    def __init__(self, path: str, what: str, what_zh: str, missing: list[str], found: list[str],
                 missing_zh: list[str] | None = None) -> None:
        super().__init__(
            f"The {what} {path} has no column for {', '.join(missing)} (columns: {', '.join(found) or 'none'}). "
            "Rename the column in the file (English or Chinese names both work) and run again.",
            f"{what_zh} {path} 缺少列：{'、'.join(missing_zh or missing)}（现有列：{'、'.join(found) or '无'}）。"
            "请在文件中修改列名（中英文列名均可）后重新运行。",
        )


class IncompleteRows(DrawError):
    code = "incomplete_rows"

    def __init__(self, path: str, what: str, what_zh: str, problems: list[tuple], kind: str) -> None:
        """problems: (row or feature id, column, value, the field's Chinese name); an empty value means the
        cell is empty. The Chinese text names the field in Chinese (the column's own name may be English)."""
        en, zh = [], []
        for row, column, value, *label in problems[:10]:
            where_en, where_zh = _draw_rows([row], kind)
            name_zh = label[0] if label and label[0] else column
            if value:
                en.append(f"{where_en}: {column} '{value}' is not yes/no")
                zh.append(f"{where_zh}：{name_zh}“{value}”不是“是/否”")
            else:
                en.append(f"{where_en}: {column} is empty")
                zh.append(f"{where_zh}：{name_zh}为空")
        more = len(problems) - len(en)
        super().__init__(
            f"The {what} {path} has {len(problems)} incomplete value(s): {'; '.join(en)}"
            f"{f'; and {more} more' if more else ''}. Fill them in and run again.",
            f"{what_zh} {path} 中有 {len(problems)} 处取值不完整：{'；'.join(zh)}"
            f"{f'；另有 {more} 处' if more else ''}。请补全后重新运行。",
        )


class DuplicateEntityIds(DrawError):
    code = "duplicate_entity_ids"

    def __init__(self, path: str, duplicates: dict[str, list[int]], kind: str) -> None:
        items = list(duplicates.items())[:10]
        en = "; ".join(f"{eid} ({_draw_rows(rows, kind)[0]})" for eid, rows in items)
        zh = "；".join(f"{eid}（{_draw_rows(rows, kind)[1]}）" for eid, rows in items)
        more = len(duplicates) - len(items)
        super().__init__(
            f"{len(duplicates)} entity id(s) occur more than once in {path}: {en}"
            f"{f'; and {more} more' if more else ''}. Each regulated entity must be listed once: "
            "merge or correct the duplicate rows and run again.",
            f"{path} 中有 {len(duplicates)} 个监管对象编码重复：{zh}{f'；另有 {more} 个' if more else ''}。"
            "每个监管对象只能出现一次，请合并或更正重复行后重新运行。",
        )


class UnknownPoolValues(DrawError):
    code = "unknown_pool_values"

    def __init__(self, path: str, rows: list[tuple[int, str]], kind: str) -> None:
        en = "; ".join(f"{_draw_rows([r], kind)[0]}: '{v}'" for r, v in rows[:10])
        zh = "；".join(f"{_draw_rows([r], kind)[1]}：“{v}”" for r, v in rows[:10])
        more = len(rows) - min(len(rows), 10)
        super().__init__(
            f"{len(rows)} row(s) of {path} have a supervision pool that is not one of key/重点排污单位, "
            f"general/一般排污单位, special/特殊监管对象: {en}{f'; and {more} more' if more else ''}. "
            "Correct the pool values and run again.",
            f"{path} 中有 {len(rows)} 行的监管类别不是“重点排污单位”“一般排污单位”“特殊监管对象”之一：{zh}"
            f"{f'；另有 {more} 行' if more else ''}。请更正监管类别后重新运行。",
        )


class DuplicateInspectorIds(DrawError):
    code = "duplicate_inspector_ids"

    def __init__(self, path: str, duplicates: dict[str, list[int]], kind: str) -> None:
        items = list(duplicates.items())[:10]
        en = "; ".join(f"{iid} ({_draw_rows(rows, kind)[0]})" for iid, rows in items)
        zh = "；".join(f"{iid}（{_draw_rows(rows, kind)[1]}）" for iid, rows in items)
        super().__init__(
            f"{len(duplicates)} inspector id(s) occur more than once in the roster {path}: {en}. "
            "Each inspector must be listed once with their own certificate number; correct the roster and run again.",
            f"执法人员名录 {path} 中有 {len(duplicates)} 个执法证号重复：{zh}。每名执法人员只能出现一次，"
            "请更正名录后重新运行。",
        )


class TooFewInspectors(DrawError):
    code = "too_few_inspectors"

    def __init__(self, path: str, found: int, needed: int) -> None:
        super().__init__(
            f"The roster {path} lists {found} inspector(s), but every target needs {needed} different inspectors. "
            f"Add inspectors to the roster (at least {needed}).",
            f"执法人员名录 {path} 中只有 {found} 名执法人员，而每个抽查对象需要 {needed} 名不同的执法人员。"
            f"请在名录中补充执法人员（至少 {needed} 名）。",
        )


class TeamTooSmall(DrawError):
    code = "team_too_small"

    def __init__(self, teams: dict[str, int], needed: int) -> None:
        en = ", ".join(f"{team} ({n})" for team, n in teams.items())
        zh = "、".join(f"{team}（{n} 人）" for team, n in teams.items())
        super().__init__(
            f"Each target is visited by {needed} inspectors of one team, but these teams have fewer: {en}. "
            "Add members to them, merge them with another team, or draw inspectors across teams (--mix-teams).",
            f"每个抽查对象由同一检查组的 {needed} 名执法人员检查，但以下检查组人数不足：{zh}。"
            "请为这些检查组补充人员、与其他检查组合并，或改为跨组抽取执法人员（--mix-teams）。",
        )


class InvalidRatio(DrawError):
    code = "invalid_ratio"

    def __init__(self, name: str, value: object, name_zh: str | None = None) -> None:
        """name: the pool code (key, general, special); name_zh: its Chinese name."""
        super().__init__(
            f"The ratio for '{name}' is {value!s}, but it must be a percentage from 0 to 100 "
            "(e.g. --ratio key=25 for 25 %).",
            f"“{name_zh or name}”的抽查比例为 {value!s}，应为 0 到 100 之间的百分比（例如 --ratio key=25 表示 25%）。",
        )


class UnknownRatioPool(DrawError):
    code = "unknown_ratio_pool"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"'{name}' is not a supervision pool. Give ratios for key (重点排污单位), general (一般排污单位) or "
            "special (特殊监管对象), e.g. --ratio general=3.",
            f"“{name}”不是监管类别。请为 key（重点排污单位）、general（一般排污单位）或 special（特殊监管对象）"
            "指定比例，例如 --ratio general=3。",
        )


class InvalidPerTarget(DrawError):
    code = "invalid_per_target"

    def __init__(self, value: object) -> None:
        super().__init__(
            f"{value!s} inspectors per target is not allowed: every inspection needs at least 2 inspectors. "
            "Give a whole number of 2 or more.",
            f"每个抽查对象 {value!s} 名执法人员不符合要求：每次检查至少需要 2 名执法人员。请填写不小于 2 的整数。",
        )


class InvalidSeed(DrawError):
    code = "invalid_seed"

    def __init__(self, value: object) -> None:
        super().__init__(
            f"'{value!s}' is not a valid seed. Give a whole number of 0 or more, or leave the seed out to have "
            "one generated and recorded.",
            f"“{value!s}”不是有效的随机种子。请填写不小于 0 的整数，或不填写，由系统生成并记录。",
        )


class InvalidRatiosFile(DrawError):
    code = "invalid_ratios_file"

    def __init__(self, path: str, reason: str, reason_zh: str | None = None) -> None:
        super().__init__(
            f"The ratios file {path} cannot be used: {reason}. Start from a copy of the shipped "
            "core/data/draw_ratios.yaml.",
            f"抽查比例文件 {path} 无法使用：{reason_zh or reason}。"
            "请以软件自带的 core/data/draw_ratios.yaml 为模板修改。",
        )


class InvalidDrawHistory(DrawError):
    code = "invalid_draw_history"

    def __init__(self, path: str, reason: str, reason_zh: str | None = None) -> None:
        super().__init__(
            f"The draw history {path} cannot be used: {reason}. Give the result CSV (columns entity_id and "
            "inspector_ids) or the record JSON of a previous draw.",
            f"历史抽查结果 {path} 无法使用：{reason_zh or reason}。请提供上一次抽查输出的结果 CSV"
            "（含监管对象编码 entity_id、执法证号 inspector_ids 列）"
            "或抽查记录 JSON。",
        )


class InvalidDrawRecord(DrawError):
    code = "invalid_draw_record"

    def __init__(self, path: str, reason: str, reason_zh: str | None = None) -> None:
        super().__init__(
            f"{path} is not a usable draw record ({reason}). Give the .json record written by 'green-shield draw' "
            "or greenshield:randomdraw.",
            f"{path} 不是可用的抽查记录（{reason_zh or reason}）。请提供“双随机抽查”输出的 .json 记录文件。",
        )


# --- route planning (green-shield routes, greenshield:planroutes) ---------------------------


class RoutePlanningError(GreenShieldError):
    code = "routes"


class NoStops(RoutePlanningError):
    code = "no_stops"

    def __init__(self, where: str) -> None:
        super().__init__(
            f"There are no stops to plan in {where}. Select open (pending) cases, name the statuses or case "
            "numbers to plan, or give a point layer that has features.",
            f"{where} 中没有可规划的检查点。请选择待核查的案件，或指定要规划的案件状态、案件编号，"
            "或提供含要素的点图层。",
        )


class StopsWithoutCRS(RoutePlanningError):
    code = "stops_without_crs"

    def __init__(self, where: str) -> None:
        super().__init__(
            f"{where} has no coordinate reference system, so travel distances cannot be measured. State the CRS "
            "it is in (for example --stops-crs EPSG:4490) or add a .prj file.",
            f"{where} 没有坐标参照系，无法计算行程距离。请指定其坐标系（例如 --stops-crs EPSG:4490），"
            "或补充 .prj 文件。",
        )


class StartFarFromStops(RoutePlanningError):
    code = "start_far_from_stops"

    def __init__(self, start: str, crs: str, distance_km: float | None) -> None:
        where = (f"{distance_km:,.0f} km outside the stops' extent" if distance_km is not None
                 else "somewhere that cannot be placed near the stops")
        where_zh = (f"距检查点范围 {distance_km:,.0f} 公里" if distance_km is not None else "无法定位到检查点附近")
        super().__init__(
            f"The start point {start} ({crs}) lies {where}: probably a wrong CRS, or longitude and latitude "
            "swapped. Give the start as longitude,latitude in CGCS2000 (EPSG:4490), or state the CRS it is in.",
            f"出发点 {start}（{crs}）{where_zh}，可能坐标系不对或经纬度颠倒。请按“经度,纬度”（CGCS2000，EPSG:4490）"
            "填写出发点，或指定其所用坐标系。",
        )


class UnreachableStops(RoutePlanningError):
    code = "unreachable_stops"

    def __init__(self, ids: list[str], tolerance_m: float) -> None:
        listed = ", ".join(ids[:20]) + (f" … ({len(ids)} in all)" if len(ids) > 20 else "")
        listed_zh = "、".join(ids[:20]) + (f" 等共 {len(ids)} 个" if len(ids) > 20 else "")
        super().__init__(
            f"No road connects these stops to the start: {listed}. The road network has separate parts or gaps "
            f"wider than the snapping tolerance ({tolerance_m:g} m). Join the roads, raise the tolerance, leave "
            "those stops out, or plan without the road network (straight line × detour factor).",
            f"以下检查点与出发点之间没有道路连通：{listed_zh}。路网存在互不相连的部分，"
            f"或大于捕捉容差（{tolerance_m:g} 米）的断口。请连接道路、加大容差、去掉这些检查点，"
            "或不使用路网（按直线距离 × 绕行系数）规划。",
        )


class InvalidRouteSetting(RoutePlanningError):
    code = "invalid_route_setting"

    def __init__(self, name: str, value, rule: str, rule_zh: str) -> None:
        super().__init__(
            f"The route setting {name} = {value} cannot be used: it must be {rule}.",
            f"路线规划参数 {name} = {value} 无效：应为{rule_zh}。",
        )


class UnknownTargetType(RoutePlanningError):
    code = "unknown_target_type"

    def __init__(self, value, where: str, known: list[str]) -> None:
        super().__init__(
            f"Unknown target type '{value}' in {where}. Use one of: {', '.join(known)} (or the Chinese names); "
            "give a target type for stops that have none.",
            f"{where} 中的检查对象类型“{value}”无法识别。可用类型：{', '.join(known)}（或其中文名称）；"
            "没有类型的检查点请统一指定类型。",
        )


class UnknownPriority(RoutePlanningError):
    code = "unknown_priority"

    def __init__(self, value, where: str) -> None:
        super().__init__(
            f"Unknown priority '{value}' in {where}. Use high, medium or low (高/中/低, or 1/2/3).",
            f"{where} 中的优先级“{value}”无法识别。请使用 high、medium、low（高/中/低，或 1/2/3）。",
        )


class DuplicateStopIds(RoutePlanningError):
    code = "duplicate_stop_ids"

    def __init__(self, ids: list[str], field: str) -> None:
        listed = ", ".join(ids[:10]) + (" …" if len(ids) > 10 else "")
        super().__init__(
            f"Stop identifiers must be unique, but these appear more than once in {field}: {listed}. "
            "Choose a field with unique values as the identifier.",
            f"检查点编号必须唯一，但 {field} 中以下编号重复：{listed}。请选择取值唯一的字段作为编号。",
        )


class FieldWorkError(GreenShieldError):
    """Base for errors of field packages (外业包): export and import of field results."""

    code = "field_work"


class NotAFieldPackage(FieldWorkError):
    code = "not_a_field_package"

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(
            f"{path} is not a Green Shield field package ({reason}). Choose the team's .gpkg inside the folder "
            "written by greenshield:exportfieldpackage (it holds the tables gs_field_export and gs_field_snapshot).",
            f"{path} 不是绿盾外业包（{reason}）。请选择“导出外业包”生成的检查组文件夹中的 .gpkg 文件"
            "（含 gs_field_export 和 gs_field_snapshot 表）。",
        )


class FieldPackageFromAnotherWorkspace(FieldWorkError):
    code = "field_package_other_workspace"

    def __init__(self, path: str, exported_from: str, workspace: str) -> None:
        super().__init__(
            f"{path} was exported from the workspace {exported_from}, not from {workspace}; nothing was imported. "
            "Import it into the workspace it was exported from.",
            f"{path} 导出自工作空间 {exported_from}，而不是 {workspace}；未导入任何内容。请导入到导出它的工作空间。",
        )


class FieldPackageAlreadyImported(FieldWorkError):
    code = "field_package_already_imported"

    def __init__(self, path: str, export_id: str, imported_at: str) -> None:
        super().__init__(
            f"The field package {path} (export {export_id[:8]}) was already imported on {imported_at}; nothing was "
            "imported again. For more field work on these cases, export a new package.",
            f"外业包 {path}（导出编号 {export_id[:8]}）已于 {imported_at} 导入，本次未重复导入。"
            "如需继续外业核查，请重新导出外业包。",
        )


class UnknownFieldCases(FieldWorkError):
    code = "unknown_field_cases"

    def __init__(self, source: str, case_ids: list[str]) -> None:
        shown = ", ".join(case_ids[:10]) + (f" … ({len(case_ids)} in all)" if len(case_ids) > 10 else "")
        super().__init__(
            f"{source} refers to cases that are not in the ledger: {shown}. Nothing was written. Check that it "
            "belongs to this workspace (green-shield cases list); cases removed from the ledger cannot take field "
            "results.",
            f"{source} 中有台账里不存在的案件：{shown}。未写入任何内容。请确认其属于本工作空间（可用“案件列表”核对）。",
        )


class NoCasesForTeams(FieldWorkError):
    code = "no_cases_for_teams"

    def __init__(self, teams: list[str]) -> None:
        which = ", ".join(teams) if teams else "any team"
        which_zh = "、".join(teams) if teams else "任何检查组"
        super().__init__(
            f"No cases to export for {which}. Give the stops layer of a route plan (greenshield:planroutes), or "
            "assign teams to open cases (green-shield cases status CASE STATUS --set team=NAME).",
            f"{which_zh}没有可导出的案件。请提供路线规划的停靠点图层，或为未结案件指定检查组。",
        )


class InvalidStopsLayer(FieldWorkError):
    code = "invalid_stops_layer"

    def __init__(self, missing: list[str]) -> None:
        super().__init__(
            f"The stops layer has no field {', '.join(missing)}. Use the stops output of greenshield:planroutes "
            "(fields case_id, team, day, date, sequence, eta).",
            f"停靠点图层缺少字段 {', '.join(missing)}。请使用路线规划输出的停靠点图层（字段 case_id、team、day、date、"
            "sequence、eta）。",
        )


class FieldPackageExists(FieldWorkError):
    code = "field_package_exists"

    def __init__(self, path: str) -> None:
        super().__init__(
            f"{path} already exists. Choose another output folder, or allow overwriting (a package overwritten "
            "before its field results were imported loses them).",
            f"{path} 已存在。请选择其他输出文件夹，或选择覆盖（覆盖尚未导入的外业包会丢失其中的外业结果）。",
        )


class OutputIsAWorkspace(WorkspaceError):
    code = "output_is_a_workspace"

    def __init__(self, path: str) -> None:
        super().__init__(
            f"{path} is a Green Shield workspace; an output may not replace it. Choose another output file.",
            f"{path} 是绿盾工作空间，输出文件不能覆盖它。请另选输出文件。",
        )


class UnknownStopCases(UnknownFieldCases):
    """UnknownFieldCases for a stops layer, worded in each language (no English in the Chinese text)."""

    def __init__(self, case_ids: list[str]) -> None:
        shown = ", ".join(case_ids[:10]) + (f" … ({len(case_ids)} in all)" if len(case_ids) > 10 else "")
        shown_zh = "、".join(case_ids[:10]) + (f" 等共 {len(case_ids)} 个" if len(case_ids) > 10 else "")
        FieldWorkError.__init__(
            self,
            f"The stops layer refers to cases that are not in the ledger: {shown}. Nothing was written. Check that "
            "it belongs to this workspace (green-shield cases list) or plan the routes again.",
            f"停靠点图层中有台账里不存在的案件：{shown_zh}。未写入任何内容。请确认其属于本工作空间（可用“案件列表”核对），"
            "或重新规划路线。",
        )


# --- the random draw, continued (green-shield draw, greenshield:randomdraw) ----------------


class InvalidPositiveFactor(InvalidRatio):
    code = "invalid_positive_factor"

    def __init__(self, value: object) -> None:
        DrawError.__init__(
            self,
            f"The positive-list factor is {value!s}, but it must be a number from 0 to 1: positive-list firms are "
            "drawn at their pool's ratio times this factor (e.g. --positive-factor 0.5; 1: no separate stratum; "
            "0: off-site checks only).",
            f"正面清单系数为 {value!s}，应为 0 到 1 之间的数：正面清单企业按所在类别的抽查比例乘以该系数抽取"
            "（例如 --positive-factor 0.5；为 1 时不单独分层，为 0 时只做非现场检查）。",
        )


class InvalidRatioOverride(InvalidRatio):
    code = "invalid_ratio_override"

    def __init__(self, text: str) -> None:
        DrawError.__init__(
            self,
            f"'{text}' is not a ratio: write POOL=PERCENT, e.g. --ratio key=30 (pools: key, general, special).",
            f"“{text}”不是有效的抽查比例：应写作“类别=百分比”，例如 --ratio key=30（类别：key 重点排污单位、"
            "general 一般排污单位、special 特殊监管对象）。",
        )


class InvalidPeriod(DrawError):
    code = "invalid_period"

    def __init__(self, text: str) -> None:
        super().__init__(
            f"'{text}' is not a period the draw understands. Give a quarter (2026Q4), a half year (2026H1), a year "
            "(2026) or a month (2026-03); 2026年第四季度, 2026年上半年, 2026年 and 2026年3月 work too.",
            f"“{text}”不是可识别的抽查期次。请填写季度（2026Q4）、半年（2026H1）、年度（2026）或月份（2026-03），"
            "也可写作 2026年第四季度、2026年上半年、2026年、2026年3月。",
        )


class OutputIsAnInput(DrawError):
    code = "output_is_an_input"

    def __init__(self, path: str, role: str, role_zh: str) -> None:
        super().__init__(
            f"The output {path} is the {role} this draw reads; writing it would destroy that input. Choose another "
            "output folder or file name.",
            f"输出文件 {path} 就是本次抽查读取的{role_zh}，写出会覆盖该输入文件。请另选输出文件夹或文件名。",
        )


class DrawRecordExists(DrawError):
    code = "draw_record_exists"

    def __init__(self, path: str, what: str, what_zh: str) -> None:
        super().__init__(
            f"{path} already exists and is not the record of this same draw ({what}). A draw record is never "
            "replaced: write this draw to another folder or file name. If the earlier draw is void, move its "
            "record away yourself and keep it on file.",
            f"{path} 已存在，且不是本次抽查的记录（{what_zh}）。抽查记录不会被覆盖：请将本次抽查输出到其他文件夹或"
            "文件名；如原抽查作废，请自行移走其记录并存档。",
        )


class UnknownServiceType(UnknownTargetType):
    """An unknown target type in the route planner's service times, worded in each language."""

    def __init__(self, value, known: list[str], known_zh: list[str]) -> None:
        RoutePlanningError.__init__(
            self,
            f"Unknown target type '{value}' in the service times. Use one of: {', '.join(known)} (or the Chinese "
            "names), e.g. enterprise=90 for 90 minutes at each enterprise.",
            f"服务时长设置中的检查对象类型“{value}”无法识别。可用类型：{'、'.join(known_zh)}，"
            "例如 enterprise=90 表示每家企业检查 90 分钟。",
        )


class OutfallCheckError(GreenShieldError):
    """Base for errors of the sewage-outfall compliance check (排污口合规检查)."""

    code = "outfall_check"


class InvalidOutfallRules(OutfallCheckError):
    code = "invalid_outfall_rules"

    def __init__(self, path: str, problem: str, problem_zh: str) -> None:
        super().__init__(
            f"The outfall rules {path} are not usable: {problem}. Fix the file (see core/data/outfall_rules.yaml "
            "for the layout) or leave --rules out to use the shipped defaults.",
            f"排污口检查规则文件 {path} 无法使用：{problem_zh}。请修改该文件（格式参见 core/data/outfall_rules.yaml），"
            "或不指定规则文件以使用默认规则。",
        )


class NoOutfallInput(OutfallCheckError):
    code = "no_outfall_input"

    def __init__(self) -> None:
        super().__init__(
            "No outfalls to check: give a workspace (--workspace) or an outfall file (--outfalls FILE[:LAYER]).",
            "没有可检查的排污口：请指定工作空间（--workspace）或排污口文件（--outfalls 文件[:图层]）。",
        )


class InvalidOutfallSetting(OutfallCheckError):
    code = "invalid_outfall_setting"

    def __init__(self, name: str, value) -> None:
        super().__init__(
            f"{name} = {value} is not usable: give a distance in metres greater than zero.",
            f"参数 {name} = {value} 无效：请填写大于零的距离（米）。",
        )


class WaterZoneError(GreenShieldError):
    """Default drinking-water protection zones (green-shield water-zones) cannot be generated."""

    code = "water_zones"


class NoIntakes(WaterZoneError):
    code = "no_intakes"

    def __init__(self, source: str) -> None:
        super().__init__(
            f"No water intakes in {source}. Add the intake points to the workspace layer water_intake "
            "(取水口) or give a point file of intakes (--intakes FILE[:LAYER]).",
            f"{source} 中没有取水口。请在工作空间的“取水口”（water_intake）图层中添加取水口点，"
            "或指定取水口点文件（--intakes 文件[:图层]）。",
        )


class InvalidZoneDefaults(WaterZoneError):
    code = "invalid_zone_defaults"

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(
            f"The zone-size file {path} cannot be used: {reason}. Start from a copy of "
            "core/data/water_zone_defaults.yaml and keep its keys; sizes are positive numbers of metres.",
            f"保护区尺寸文件 {path} 无法使用：{reason}。请以 core/data/water_zone_defaults.yaml 的副本为基础修改，"
            "保留其中的键名，尺寸须为正数（米）。",
        )


class UnknownLakeSize(WaterZoneError):
    code = "unknown_lake_size"

    def __init__(self, value: str) -> None:
        super().__init__(
            f"Unknown lake/reservoir size '{value}'. Use auto, small, medium or large.",
            f"无法识别的湖库规模“{value}”。可用值：auto（按面积自动判断）、small（小型）、medium（中型）、large（大型）。",
        )


class NoZoneOutput(WaterZoneError):
    code = "no_zone_output"

    def __init__(self) -> None:
        super().__init__(
            "Nowhere to put the generated zones: give an output GeoPackage (--out), or --append with a workspace "
            "(--workspace) to add them to its water_source_zone layer.",
            "未指定生成保护区的写出位置：请指定输出 GeoPackage（--out），或同时指定工作空间（--workspace）和 "
            "--append，将其追加到工作空间的“饮用水水源保护区”图层。",
        )


class UnknownFlowField(WaterZoneError):
    code = "unknown_flow_field"

    def __init__(self, field: str, source: str, columns: list[str]) -> None:
        super().__init__(
            f"The river lines {source} have no field '{field}' to mark reversed lines. Fields: "
            f"{', '.join(columns) or '(none)'}. Name an existing field (true/1/是 = drawn against the flow) or leave "
            "it out to take the line direction as the flow.",
            f"河流中心线 {source} 中没有用于标记反向的字段“{field}”。现有字段：{'、'.join(columns) or '（无）'}。"
            "请指定已有字段（true/1/是 表示与水流方向相反），或不指定此项，以线的绘制方向作为水流方向。",
        )


# --- the sewage-outfall check, continued (green-shield outfalls, greenshield:checkoutfalls) ----------


class OutfallOutputIsAnInput(OutfallCheckError):
    code = "outfall_output_is_an_input"

    def __init__(self, path: str, role: str, role_zh: str) -> None:
        super().__init__(
            f"The output {path} is also {role}; writing it would overwrite that file. Nothing was written. Choose "
            "another output file name.",
            f"输出文件 {path} 同时是{role_zh}，写出会覆盖该文件。未写入任何内容。请另选输出文件名。",
        )


class OutfallOutputExists(OutfallCheckError):
    code = "outfall_output_exists"

    def __init__(self, path: str, csv_path: str) -> None:
        super().__init__(
            f"--csv {csv_path} without --out would also write the GeoPackage {path}, which already exists and is not "
            "an earlier outfall check. Nothing was written. Name the GeoPackage with --out, or move that file away.",
            f"仅指定 --csv {csv_path} 而未指定 --out 时，还会写出 GeoPackage 文件 {path}；该文件已存在，且不是以前的"
            "排污口检查结果。未写入任何内容。请用 --out 指定 GeoPackage 文件名，或先移走该文件。",
        )


class RiversNotLines(OutfallCheckError):
    code = "rivers_not_lines"

    def __init__(self, source: str, found: list[str], found_zh: list[str]) -> None:
        super().__init__(
            f"The river layer {source} holds {', '.join(found)} geometries, but the outfall check needs river centre "
            "lines (LineString or MultiLineString, drawn in the direction of flow). Pass the centre-line layer to "
            "--rivers (RIVERS in QGIS), not the river or water-surface polygons.",
            f"河流图层 {source} 中含有{'、'.join(found_zh)}，而排污口检查需要河流中心线（线或多线，按水流方向绘制）。"
            "请在 --rivers（QGIS 中为“河流中心线”）中指定河流中心线图层，而不是河流面或水面图层。",
        )


class ZoneOutputIsAnInput(WaterZoneError):
    code = "zone_output_is_an_input"

    def __init__(self, path: str, role: str, role_zh: str) -> None:
        super().__init__(
            f"The output {path} is the {role} file this run reads; writing it would destroy that input. Nothing was "
            "done. Choose another output file (--out).",
            f"输出文件 {path} 就是本次读取的{role_zh}文件，写出会覆盖该输入文件，未做任何处理。"
            "请另选输出文件（--out）。",
        )


class ZoneRiversNotLines(WaterZoneError):
    code = "zone_rivers_not_lines"

    def __init__(self, source: str, found: str) -> None:
        super().__init__(
            f"The river centre lines {source} hold {found} geometries, but centre lines must be lines (LineString / "
            "MultiLineString) drawn in the flow direction. Pass the centre lines with --rivers; river water "
            "surfaces (polygons) go to --river-polygons.",
            f"河流中心线 {source} 的几何类型为 {found}，但河流中心线必须为线（LineString / MultiLineString），"
            "并按水流方向绘制。请用 --rivers 指定河流中心线；河流水面（面）请用 --river-polygons 指定。",
        )


class QuickCheckError(GreenShieldError):
    code = "quick_check"


class QuickCheckGeometryEmpty(QuickCheckError):
    code = "quick_check_geometry_empty"

    def __init__(self, text: str = "") -> None:
        given = f" ({text})" if text else ""
        super().__init__(
            f"There is no site to check{given}: the geometry is empty or not valid WKT. Click a point, draw a line "
            "or polygon, or give --point LON,LAT or --wkt 'POLYGON((…))'.",
            f"没有可研判的位置{given}：几何为空或不是有效的 WKT。请在地图上点选或绘制，或用 --point 经度,纬度 "
            "或 --wkt 'POLYGON((…))' 指定。",
        )


class QuickCheckPointSyntax(QuickCheckError):
    code = "quick_check_point_syntax"

    def __init__(self, text: str) -> None:
        super().__init__(
            f"'{text}' is not a point. Write it as x,y in the CRS given with --crs, e.g. --point 106.2,29.0.",
            f"“{text}”不是点坐标。请写成 x,y（坐标系由 --crs 指定），例如 --point 106.2,29.0。",
        )


class QuickCheckNoWorkspaceLayers(QuickCheckError):
    code = "quick_check_no_layers"

    def __init__(self, workspace: str) -> None:
        super().__init__(
            f"{workspace} has no protected layers to check against. Open a Green Shield workspace.",
            f"{workspace} 中没有可供研判的受保护图层。请打开绿盾工作空间。",
        )


class QuickCheckOutsideCRS(GreenShieldError):
    code = "coordinates_outside_crs"

    def __init__(self, crs: str) -> None:
        super().__init__(
            f"The site's coordinates are not valid in {crs} (e.g. a latitude beyond ±90°). Check the coordinates "
            "and their CRS; longitude and latitude may be swapped (--point takes LON,LAT).",
            f"该位置坐标在坐标系 {crs} 中无效（如纬度超出 ±90°）。请核对坐标及其坐标系；"
            "经纬度可能颠倒（--point 应为 经度,纬度）。",
        )
