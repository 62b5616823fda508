"""Field work (外业): team packages out of the case ledger, and their results merged back.

A field package is a GeoPackage per team: the team's cases (with the day, sequence and ETA
of its route when a stops layer is given) and the protected zones around them, clipped. It
also records where it came from (`gs_field_export`: workspace, team, export time, export id)
and, per case, the ledger revision at export and a snapshot of the exported values
(`gs_field_snapshot`). The QGIS project and the form that QField shows are made on the QGIS
side (layers/field_package.py); this module only reads and writes data.

Merging a returned package compares each case with its snapshot. A case the field changed is
applied when the office left it alone since export (same revision): its findings are written
and its status moves along the chain one valid step at a time (待核查 → 已检查 → 责令整改 …),
each step in the case history with channel "field". The field may reach 已检查, 责令整改, 已整改
or 排除 (FIELD_STATUSES); a status the chain cannot reach is rejected, and so is 销号: closing
is an office decision after review. A rejected case is not applied at all and its field version
is stored in `gs_field_conflict`; so is the field version of a case changed both in the office
and in the field (a conflict: the ledger keeps the office version). A case deleted from the
ledger since export is reported, the others are merged. New photos are copied next to the
workspace, each under a name of its own; photos missing from the package are warned about.

A package is merged only into the workspace it came from (same `workspace_id`; the creation
time when either side has no id). The whole merge is one SQLite transaction, and the import is
recorded in `gs_field_import`, so a package is never applied twice (a package that comes back
without any field change is not recorded: it can still be imported once the team has worked).
"""

from __future__ import annotations

import csv
import datetime as _dt
import json
import os
import re
import shutil
import sqlite3
import uuid
from collections import deque
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyogrio.raw
import shapely

from . import __version__, cases, gpkg
from .case_rules import OPEN_STATUSES, TRANSITIONS
from .errors import (
    FieldPackageAlreadyImported,
    FieldPackageExists,
    FieldPackageFromAnotherWorkspace,
    InvalidStopsLayer,
    LedgerEditFailed,
    NoCasesForTeams,
    NotAFieldPackage,
    UnknownStopCases,
)
from .schema import CODE_LISTS, LAYER_TYPES
from .workspace import GPKG_OPTIONS, built_aside, open_workspace, read_layer, read_meta

PACKAGE_FORMAT = "green-shield-field-package"
PACKAGE_FORMAT_VERSION = "1"
CASE_TABLE = "inspection_case"  # the package's case layer has the ledger's fields plus the stop fields
EXPORT_TABLE = "gs_field_export"
SNAPSHOT_TABLE = "gs_field_snapshot"
IMPORT_TABLE = "gs_field_import"
CONFLICT_TABLE = "gs_field_conflict"
ROUTES_TABLE = "routes"
PHOTO_DIR = "DCIM"
ZONE_KEYS = ("redline", "nature_reserve", "water_source_zone", "contaminated_plot")
DEFAULT_BUFFER_M = 2000.0

CASE = LAYER_TYPES["inspection_case"]
# Stop fields copied from a route plan into the package: (name, type, Chinese alias).
STOP_FIELDS = (("day", "int", "天次"), ("date", "text", "日期"), ("sequence", "int", "顺序号"),
               ("eta", "text", "预计到达"))
STOPS_REQUIRED = ("case_id", "team")
# What the field may change (the form's editable fields); everything else is office data.
FIELD_EDITABLE = ("status", "visit_time", "finding", "violation_type", "rectification_required", "photos", "notes")
# Statuses the field may set (along the chain); 销号 (closed) is the office's decision after review.
FIELD_STATUSES = ("inspected", "ordered", "rectified", "excluded")

# Chinese texts of the field project and the printed sheet: domain wording of the forms
# inspectors fill in, the same whatever language the office's QGIS runs in.
FIELD_TEXT = {
    "project_title": "绿盾外业核查：{team}",
    "tab_field": "现场检查",
    "tab_office": "案件信息",
    "zones_group": "保护区（参考）",
    "routes": "检查路线",
}
SHEET_TEXT = {
    "title": "绿盾现场检查记录表",
    "header": "检查组：{team}　{day}日期：{date}　顺序：第 {sequence} 站　预计到达：{eta}",
    "day": "第 {day} 天　",
    "case": "案件编号：{case_id}　优先级：{priority}　案件状态：{status}",
    "target": "检查对象：{target_type}　{target_name}（{target_id}）　坐标：{coordinates}",
    "problem": "问题描述：{problem}",
    "legal_basis": "法律依据：{legal_basis}",
    "checklist_title": "现场检查记录",
    "found": "是否发现问题：□是　□否",
    "violation": "问题类型：{boxes}",
    "rectify": "需整改：□是　□否　　整改期限：__________________",
    "finding": "检查情况：",
    "signatures": "检查人员签字：________________　被检查单位签字：________________　日期：______年____月____日",
    "footer": "第 {page} / {pages} 页 · 绿盾 Green Shield · 生成于 {written}",
}
SHEET_TEXT_LIMIT = 420  # characters of problem and legal basis printed on a sheet (the ledger keeps all)

OUTCOMES = ("applied", "conflict", "rejected", "unchanged")
OUTCOME_ZH = {"applied": "已合并", "conflict": "冲突", "rejected": "已拒绝", "unchanged": "无变化"}
REPORT_COLUMNS = ("case_id", "outcome", "outcome_zh", "status_office", "status_field", "status_after", "transitions",
                  "changed_fields", "rev_at_export", "rev_office", "reason", "reason_zh", "warning", "warning_zh")


def _now() -> str:
    return _dt.datetime.now().isoformat(timespec="seconds")


def _plain(value):
    """A numpy or pyogrio value as plain Python; NaN and NaT as None."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        if np.issubdtype(value.dtype, np.datetime64):
            return None if np.isnat(value) else str(value)[:10]
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()[:10]
    return value


def same_value(a: Any, b: Any) -> bool:
    """Equal as the field sees them: empty text is null, booleans are 0/1, text is compared trimmed."""
    return _comparable(a) == _comparable(b)


def _comparable(value: Any):
    value = _plain(value)
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def status_path(current: str, wanted: str) -> list[str] | None:
    """The shortest chain of allowed status changes from `current` to `wanted` (statuses after `current`).

    [] when they are equal, None when the chain cannot reach `wanted`.
    """
    if current == wanted:
        return []
    previous: dict[str, str] = {current: ""}
    queue = deque([current])
    while queue:
        status = queue.popleft()
        for following in TRANSITIONS.get(status, ()):
            if following in previous:
                continue
            previous[following] = status
            if following == wanted:
                path = [wanted]
                while previous[path[-1]] != current:
                    path.append(previous[path[-1]])
                return path[::-1]
            queue.append(following)
    return None


# --- which cases go to which team ---------------------------------------------------------------


def _int_or_none(value) -> int | None:
    value = _plain(value)
    if value is None or value == "":
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def team_cases(workspace: str, stops: Sequence[dict[str, Any]] | None = None,
               teams: Sequence[str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Cases per team, in visiting order, each a ledger row plus the stop fields day, date, sequence, eta.

    With `stops` (rows of a route plan's stops layer) a team gets the cases of its stops,
    ordered by day and sequence. Without, a team gets its open cases from the ledger (field
    `team`), ordered by priority and case number, numbered 1, 2, … with no day. `teams`
    restricts the result to those teams.
    """
    wanted = {t.strip() for t in teams or () if t and t.strip()}
    if stops is not None:
        stops = list(stops)
        missing = [name for name in STOPS_REQUIRED if stops and name not in stops[0]]
        if missing:
            raise InvalidStopsLayer(missing)
        ids = {str(s["case_id"]) for s in stops if _plain(s.get("case_id"))}
        ledger = {row["case_id"]: row for row in cases.read_cases(workspace, case_ids=sorted(ids))}
        unknown = sorted(ids - set(ledger))
        if unknown:
            raise UnknownStopCases(unknown)
        result: dict[str, list[dict[str, Any]]] = {}
        seen: set[tuple[str, str]] = set()
        for stop in stops:
            team = str(_plain(stop.get("team")) or "").strip()
            case_id = str(_plain(stop.get("case_id")) or "")
            if not team or not case_id or (wanted and team not in wanted) or (team, case_id) in seen:
                continue
            seen.add((team, case_id))
            row = dict(ledger[case_id])
            row["team"] = team
            row["day"] = _int_or_none(stop.get("day"))
            row["date"] = _plain(stop.get("date")) or None
            row["sequence"] = _int_or_none(stop.get("sequence"))
            row["eta"] = _plain(stop.get("eta")) or None
            result.setdefault(team, []).append(row)
        for rows in result.values():
            rows.sort(key=lambda r: (r["day"] if r["day"] is not None else 1 << 30,
                                     r["sequence"] if r["sequence"] is not None else 1 << 30, r["case_id"]))
    else:
        result = {}
        for row in cases.read_cases(workspace, statuses=OPEN_STATUSES):
            team = (row.get("team") or "").strip()
            if team and (not wanted or team in wanted):
                result.setdefault(team, []).append(dict(row, team=team))
        for rows in result.values():
            rows.sort(key=lambda r: (cases.PRIORITY_RANK.get(r["priority"], 9), r["case_id"]))
            for i, row in enumerate(rows, start=1):
                row.update(day=None, date=None, sequence=i, eta=None)
    if not result:
        raise NoCasesForTeams(sorted(wanted))
    return dict(sorted(result.items()))


def _shorten(text: str | None, limit: int = SHEET_TEXT_LIMIT) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[:limit].rstrip() + "……"


def sheet_rows(workspace: str, stops: Sequence[dict[str, Any]] | None = None,
               teams: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """One row per page of the inspection sheets, in team, day, sequence order, with the texts to print.

    `group` names the team-day the page belongs to (one PDF each); `sort_key` orders the pages.
    """
    cl = CODE_LISTS
    out = []
    for team, rows in team_cases(workspace, stops, teams).items():
        for row in rows:
            day, sequence = row.get("day"), row.get("sequence")
            geom = row.get("geometry")
            coordinates = f"{geom.x:.6f}, {geom.y:.6f}" if geom is not None and not geom.is_empty else ""
            values = {
                "case_id": row["case_id"], "team": team, "day": day, "date": row.get("date") or "",
                "sequence": sequence, "eta": row.get("eta") or "",
                "target_type": cl["case_target"].label_zh(row["target_type"]) if row.get("target_type") else "",
                "target_name": row.get("target_name") or "", "target_id": row.get("target_id") or "",
                "priority": cl["case_priority"].label_zh(row["priority"]) if row.get("priority") else "",
                "status": cl["case_status"].label_zh(row["status"]) if row.get("status") else "",
                "problem": _shorten(row.get("problem")), "legal_basis": _shorten(row.get("legal_basis")),
                "coordinates": coordinates, "geometry": geom,
            }
            text = SHEET_TEXT
            values["header"] = text["header"].format(
                team=team, day=text["day"].format(day=day) if day is not None else "", date=values["date"] or "—",
                sequence=sequence if sequence is not None else "—", eta=values["eta"] or "—")
            values["case_line"] = text["case"].format(**values)
            values["details"] = "\n".join((text["target"].format(**values),
                                           text["problem"].format(problem=values["problem"] or "—"),
                                           text["legal_basis"].format(legal_basis=values["legal_basis"] or "—")))
            values["group"] = f"{team}|{day if day is not None else ''}"
            values["sort_key"] = f"{team}|{day if day is not None else 0:04d}|{sequence or 0:04d}|{row['case_id']}"
            out.append(values)
    return sorted(out, key=lambda r: r["sort_key"])


def sheet_file_name(team: str, day: int | None) -> str:
    """The PDF of one team-day: 检查单_<team>_第<day>天.pdf (without a day: 检查单_<team>.pdf)."""
    name = f"检查单_{team_folder_name(team)}"
    return f"{name}_第{day}天.pdf" if day is not None else f"{name}.pdf"


def checklist_text() -> str:
    """The checklist block of an inspection sheet (现场检查记录)."""
    boxes = "　".join(f"□{item.zh}" for item in CODE_LISTS["violation_type"].items if item.code != "none")
    t = SHEET_TEXT
    lines = [t["found"], t["violation"].format(boxes=boxes), t["rectify"], t["finding"]]
    return "\n".join(lines)


# --- the team's area and the zones in it -----------------------------------------------------


def _metric_crs(crs: str, lon: float) -> str:
    from pyproj import CRS

    from .crs import gauss_kruger_epsg

    return gauss_kruger_epsg(lon) if CRS.from_user_input(crs).is_geographic else crs


def team_area(points: Sequence[Any], crs: str, buffer_m: float) -> shapely.Geometry:
    """The points' extent grown by `buffer_m` metres on every side, as a polygon in `crs`."""
    from pyproj import Transformer

    points = [p for p in points if p is not None and not p.is_empty]
    if not points:
        return shapely.Polygon()  # no located case: no zones
    lon = shapely.MultiPoint(points).centroid.x
    metric = _metric_crs(crs, lon)
    if metric == crs:
        minx, miny, maxx, maxy = shapely.MultiPoint(points).bounds
        return shapely.box(minx - buffer_m, miny - buffer_m, maxx + buffer_m, maxy + buffer_m)
    forward = Transformer.from_crs(crs, metric, always_xy=True)
    back = Transformer.from_crs(metric, crs, always_xy=True)

    def move(transformer, geom):
        return shapely.transform(geom, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))

    minx, miny, maxx, maxy = move(forward, shapely.MultiPoint(points)).bounds
    box = shapely.box(minx - buffer_m, miny - buffer_m, maxx + buffer_m, maxy + buffer_m)
    return move(back, shapely.segmentize(box, max(buffer_m / 10.0, 50.0)))


def clip_zones(workspace: str, area: shapely.Geometry) -> dict[str, tuple[list, list[dict[str, Any]]]]:
    """The protected zones inside `area`, clipped: key → (MultiPolygons, attribute rows)."""
    zones = {}
    for key in ZONE_KEYS:
        geoms, columns, _ = read_layer(workspace, key)
        kept_geoms, rows = [], []
        if len(geoms):
            tree = shapely.STRtree(geoms)
            for i in sorted(int(j) for j in tree.query(area, predicate="intersects")):
                piece = shapely.intersection(shapely.make_valid(geoms[i]), area)
                parts = [p for p in shapely.get_parts(piece) if p.geom_type in ("Polygon", "MultiPolygon")]
                polygons = [q for p in parts for q in shapely.get_parts(p) if not q.is_empty]
                if not polygons:
                    continue
                kept_geoms.append(shapely.MultiPolygon(polygons))
                rows.append({name: _plain(values[i]) for name, values in columns.items()})
        zones[key] = (kept_geoms, rows)
    return zones


@dataclass
class TeamExport:
    team: str
    cases: list[dict[str, Any]]
    area: Any  # shapely polygon in the workspace CRS
    zones: dict[str, tuple[list, list[dict[str, Any]]]]


def plan_field_export(workspace: str, stops: Sequence[dict[str, Any]] | None = None,
                      teams: Sequence[str] | None = None, buffer_m: float = DEFAULT_BUFFER_M) -> list[TeamExport]:
    """What each team's package holds: its cases in visiting order, its area, the zones clipped to it."""
    crs = open_workspace(workspace).crs
    exports = []
    for team, rows in team_cases(workspace, stops, teams).items():
        area = team_area([r["geometry"] for r in rows], crs, buffer_m)
        exports.append(TeamExport(team, rows, area, clip_zones(workspace, area)))
    return exports


# --- writing a package -----------------------------------------------------------------------


def _array(kind: str, values: Sequence[Any]) -> tuple[np.ndarray, np.ndarray | None]:
    values = [_plain(v) for v in values]
    mask = np.array([v is None for v in values], dtype=bool)
    if kind == "int":
        arr = np.array([0 if v is None else int(v) for v in values], dtype="int64")
    elif kind == "real":
        arr = np.array([0.0 if v is None else float(v) for v in values], dtype="float64")
    elif kind == "bool":
        arr = np.array([False if v is None else bool(v) for v in values], dtype=bool)
    elif kind == "date":
        return np.array(["NaT" if v is None else np.datetime64(str(v)[:10], "D") for v in values],
                        dtype="datetime64[D]"), None
    else:
        return np.array([None if v is None else str(v) for v in values], dtype=object), None
    return arr, (mask if mask.any() else None)


def _write_table(path: str, layer: str, geometries: Sequence[Any] | None, columns: Sequence[tuple[str, str]],
                 rows: Sequence[dict[str, Any]], geometry_type: str | None, crs: str | None) -> None:
    arrays, masks = [], []
    for name, kind in columns:
        arr, mask = _array(kind, [r.get(name) for r in rows])
        arrays.append(arr)
        masks.append(mask)
    wkb = None
    if geometry_type:
        wkb = np.array([None if g is None else shapely.to_wkb(g, flavor="iso") for g in geometries], dtype=object)
    pyogrio.raw.write(path, wkb, arrays, [name for name, _ in columns], field_mask=masks, layer=layer,
                      driver="GPKG", geometry_type=geometry_type, crs=crs, dataset_options=GPKG_OPTIONS,
                      append=os.path.exists(path))


def _register_attribute_table(con: sqlite3.Connection, table: str, description: str) -> None:
    """Make a plain SQLite table visible to GDAL and QGIS as a GeoPackage attribute table."""
    con.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, last_change) "
                "VALUES (?, 'attributes', ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                (table, table, description))


CASE_COLUMNS = tuple((f.name, f.type) for f in CASE.fields) + tuple((name, kind) for name, kind, _ in STOP_FIELDS)


def write_field_package(path: str, export: TeamExport, *, workspace: str, by: str = "green-shield",
                        buffer_m: float = DEFAULT_BUFFER_M, overwrite: bool = False) -> dict[str, str]:
    """Write a team's package GeoPackage (cases, clipped zones, export record and snapshot); return the record."""
    path = os.fspath(path)
    if os.path.exists(path):
        if not overwrite:
            raise FieldPackageExists(path)
        os.remove(path)
    meta = read_meta(workspace)
    crs = meta.get("crs") or open_workspace(workspace).crs
    record = {
        "format": PACKAGE_FORMAT,
        "format_version": PACKAGE_FORMAT_VERSION,
        "export_id": uuid.uuid4().hex,
        "workspace": os.path.abspath(workspace),
        "workspace_id": meta.get("workspace_id", ""),
        "workspace_created": meta.get("created", ""),
        "crs": crs,
        "team": export.team,
        "exported_at": _now(),
        "exported_by": by,
        "buffer_m": f"{buffer_m:g}",
        "cases": str(len(export.cases)),
        "written_by": f"Green Shield {__version__}",
    }
    with built_aside(path) as tmp:
        _write_table(tmp, CASE_TABLE, [r["geometry"] for r in export.cases], CASE_COLUMNS, export.cases, "Point", crs)
        for key, (geoms, rows) in export.zones.items():
            columns = [(f.name, f.type) for f in LAYER_TYPES[key].fields]
            _write_table(tmp, key, geoms, columns, rows, "MultiPolygon", crs)
        with closing(sqlite3.connect(tmp)) as con, con:
            con.execute(f"CREATE TABLE {EXPORT_TABLE} (fid INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL "
                        "UNIQUE, value TEXT)")
            con.executemany(f"INSERT INTO {EXPORT_TABLE} (key, value) VALUES (?, ?)", list(record.items()))
            con.execute(f"CREATE TABLE {SNAPSHOT_TABLE} (fid INTEGER PRIMARY KEY AUTOINCREMENT, case_id TEXT NOT NULL "
                        "UNIQUE, rev INTEGER, snapshot TEXT NOT NULL)")
            # The snapshot is read back from the package itself, so it compares like for like later.
            names = [name for name, _ in CASE_COLUMNS]
            quoted = ", ".join(f'"{n}"' for n in names)
            for values in con.execute(f"SELECT {quoted} FROM {CASE_TABLE} ORDER BY fid").fetchall():
                row = dict(zip(names, values))
                con.execute(f"INSERT INTO {SNAPSHOT_TABLE} (case_id, rev, snapshot) VALUES (?, ?, ?)",
                            (row["case_id"], row["rev"], json.dumps(row, ensure_ascii=False)))
            _register_attribute_table(con, EXPORT_TABLE, "Green Shield field package: where it came from")
            _register_attribute_table(con, SNAPSHOT_TABLE, "Green Shield field package: case values at export")
    return record


def team_folder_name(team: str) -> str:
    """A file-system-safe folder name for a team (letters, digits and CJK kept)."""
    name = re.sub(r"[^\w\-]+", "_", team, flags=re.UNICODE).strip("_")
    return name or "team"


# --- reading a returned package --------------------------------------------------------------


@dataclass
class FieldPackage:
    path: str
    record: dict[str, str]
    snapshot: dict[str, tuple[int | None, dict[str, Any]]]  # case_id → (rev at export, exported values)
    rows: list[dict[str, Any]]  # the case layer as it came back

    @property
    def export_id(self) -> str:
        return self.record["export_id"]

    @property
    def team(self) -> str:
        return self.record.get("team", "")


def read_field_package(path: str) -> FieldPackage:
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise NotAFieldPackage(path, "file not found")
    try:
        con = sqlite3.connect(path)
    except sqlite3.Error as exc:
        raise NotAFieldPackage(path, str(exc)) from None
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        missing = [t for t in (EXPORT_TABLE, SNAPSHOT_TABLE, CASE_TABLE) if t not in tables]
        if missing:
            raise NotAFieldPackage(path, f"no table {', '.join(missing)}")
        record = dict(con.execute(f"SELECT key, value FROM {EXPORT_TABLE}").fetchall())
        if record.get("format") != PACKAGE_FORMAT or not record.get("export_id"):
            raise NotAFieldPackage(path, f"{EXPORT_TABLE} does not describe a field package")
        snapshot = {cid: (rev, json.loads(text)) for cid, rev, text in
                    con.execute(f"SELECT case_id, rev, snapshot FROM {SNAPSHOT_TABLE} ORDER BY fid")}
        columns = ["fid", "case_id", *FIELD_EDITABLE]
        quoted = ", ".join(f'"{c}"' for c in columns)
        rows = [dict(zip(columns, values)) for values in con.execute(f"SELECT {quoted} FROM {CASE_TABLE} ORDER BY fid")]
    except sqlite3.DatabaseError as exc:
        raise NotAFieldPackage(path, str(exc)) from None
    finally:
        con.close()
    return FieldPackage(path, record, snapshot, rows)


# --- merging ---------------------------------------------------------------------------------


@dataclass
class MergeRow:
    case_id: str
    outcome: str  # applied | conflict | rejected | unchanged
    status_office: str | None = None
    status_field: str | None = None
    status_after: str | None = None
    transitions: list[str] = field(default_factory=list)
    changed_fields: list[str] = field(default_factory=list)
    rev_at_export: int | None = None
    rev_office: int | None = None
    reason: str = ""
    reason_zh: str = ""
    warning: str = ""  # something to look at that did not stop the case (e.g. photos missing from the package)
    warning_zh: str = ""

    def as_report(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id, "outcome": self.outcome, "outcome_zh": OUTCOME_ZH[self.outcome],
            "status_office": self.status_office or "", "status_field": self.status_field or "",
            "status_after": self.status_after or "", "transitions": "→".join(self.transitions),
            "changed_fields": " ".join(self.changed_fields), "rev_at_export": self.rev_at_export,
            "rev_office": self.rev_office, "reason": self.reason, "reason_zh": self.reason_zh,
            "warning": self.warning, "warning_zh": self.warning_zh,
        }


@dataclass
class MergeResult:
    package: str
    workspace: str
    export_id: str
    team: str
    rows: list[MergeRow] = field(default_factory=list)
    imported_at: str = ""
    dry_run: bool = False
    report: str | None = None
    photos_copied: list[str] = field(default_factory=list)
    recorded: bool = False  # the import was recorded in gs_field_import (False for a dry run or no field work)

    def summary(self) -> dict[str, int]:
        return {outcome: sum(1 for r in self.rows if r.outcome == outcome) for outcome in OUTCOMES}

    def summary_text(self) -> str:
        s = self.summary()
        if self.dry_run:
            head = "预演（未写入）dry run, nothing written: "
        elif not self.recorded:
            head = "外业包中没有外业修改，未记录导入 no field changes, import not recorded: "
        else:
            head = ""
        return (f"{head}已合并 applied {s['applied']} · 冲突 conflicts {s['conflict']} · 已拒绝 rejected "
                f"{s['rejected']} · 无变化 unchanged {s['unchanged']}")


_IMPORT_DDL = f"""
CREATE TABLE IF NOT EXISTS {IMPORT_TABLE} (
    fid INTEGER PRIMARY KEY AUTOINCREMENT, export_id TEXT NOT NULL UNIQUE, team TEXT, package TEXT,
    exported_at TEXT, imported_at TEXT, imported_by TEXT, applied INTEGER, conflicts INTEGER, rejected INTEGER,
    unchanged INTEGER, report TEXT)
"""
_CONFLICT_DDL = f"""
CREATE TABLE IF NOT EXISTS {CONFLICT_TABLE} (
    fid INTEGER PRIMARY KEY AUTOINCREMENT, case_id TEXT NOT NULL, kind TEXT NOT NULL, export_id TEXT, team TEXT,
    rev_at_export INTEGER, rev_office INTEGER, field_values TEXT, office_values TEXT, reason TEXT, detected_at TEXT,
    resolved INTEGER NOT NULL DEFAULT 0)
"""


def _check_origin(package: FieldPackage, workspace: str) -> None:
    """Refuse a package from another workspace: same workspace_id, else (either side without one) same creation time.

    The creation time (to the second) is only a fallback: two workspaces made in the same second share it.
    """
    meta = read_meta(workspace)
    record = package.record
    exported_from = record.get("workspace", "")
    if record.get("workspace_id") and meta.get("workspace_id"):
        same = record["workspace_id"] == meta["workspace_id"]
    elif record.get("workspace_created") and meta.get("created"):
        same = record["workspace_created"] == meta["created"]
    else:
        same = os.path.abspath(exported_from) == os.path.abspath(workspace)
    if not same:
        raise FieldPackageFromAnotherWorkspace(package.path, exported_from, workspace)


def _ledger_rows(con: sqlite3.Connection, case_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    columns = ["case_id", "rev", "updated_at", "updated_by", *FIELD_EDITABLE]
    quoted = ", ".join(f'"{c}"' for c in columns)
    rows = {}
    for values in con.execute(f"SELECT {quoted} FROM inspection_case"):
        row = dict(zip(columns, values))
        if row["case_id"] in case_ids:
            rows[row["case_id"]] = row
    return rows


def _photo_items(value: str | None) -> list[str]:
    return [p.strip() for p in re.split(r"[;；\n]", value or "") if p.strip()]


def _photo_source(item: str, package_dir: str) -> str:
    return item if os.path.isabs(item) else os.path.join(package_dir, item)


def missing_photos(value: str | None, exported: str | None, package_dir: str) -> list[str]:
    """The photos the field added to `value` (not in the `exported` value) that are not on disk."""
    known = set(_photo_items(exported))
    return [item for item in _photo_items(value)
            if item not in known and not os.path.isfile(_photo_source(item, package_dir))]


def _copy_new(source: str, folder: str) -> str:
    """Copy `source` into `folder` under its own name, or name-2, name-3 … when taken; never overwrite."""
    stem, ext = os.path.splitext(os.path.basename(source))
    n = 1
    while True:
        target = os.path.join(folder, f"{stem}{ext}" if n == 1 else f"{stem}-{n}{ext}")
        try:
            dst = open(target, "xb")  # exclusive: fails when the name is taken
        except FileExistsError:
            n += 1
            continue
        try:
            with dst, open(source, "rb") as src:
                shutil.copyfileobj(src, dst)
            shutil.copystat(source, target)
        except BaseException:
            os.remove(target)
            raise
        return target


def _copy_photos(value: str | None, exported: str | None, package_dir: str, workspace: str, case_id: str,
                 copied: list[str]) -> str | None:
    """Copy the photos the field added next to the workspace; return the ledger value.

    Photos are stored by QField relative to the project (DCIM/…); the ledger gets paths
    relative to the workspace's folder (<workspace>_photos/<case>/<file>). Each copy gets a
    file of its own there (a.jpg, a-2.jpg, …), so photos of the same name from different
    folders or imports are all kept. Photos the case had at export are left as they were; a
    photo missing from the package keeps its path (missing_photos reports it).
    """
    if not value:
        return value
    base = os.path.dirname(os.path.abspath(workspace))
    target_dir = os.path.join(base, f"{os.path.splitext(os.path.basename(workspace))[0]}_photos", case_id)
    known = set(_photo_items(exported))
    stored: dict[str, str] = {}  # source file → ledger path, so a photo listed twice is copied once
    out = []
    for item in _photo_items(value):
        source = _photo_source(item, package_dir)
        if item in known or not os.path.isfile(source):
            out.append(item)
            continue
        key = os.path.realpath(source)
        if key not in stored:
            os.makedirs(target_dir, exist_ok=True)
            target = _copy_new(source, target_dir)
            copied.append(target)
            stored[key] = os.path.relpath(target, base).replace(os.sep, "/")
        out.append(stored[key])
    return ";".join(out)


def _store_field_version(con, kind, case_id, package, rev_at_export, ledger, field_values, reason, stamp) -> None:
    office = {k: ledger.get(k) for k in ("rev", "updated_at", "updated_by", *FIELD_EDITABLE)} if ledger else None
    con.execute(
        f"INSERT INTO {CONFLICT_TABLE} (case_id, kind, export_id, team, rev_at_export, rev_office, field_values, "
        "office_values, reason, detected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (case_id, kind, package.export_id, package.team, rev_at_export, ledger.get("rev") if ledger else None,
         json.dumps(field_values, ensure_ascii=False), json.dumps(office, ensure_ascii=False) if office else None,
         reason, stamp))


def merge_field_package(workspace: str, package_path: str, *, by: str = "green-shield", dry_run: bool = False,
                        report: str | None = None) -> MergeResult:
    """Merge a returned field package into the ledger in one transaction; see the module docstring.

    `report`: CSV path for the merge report (default: next to the package). With `dry_run`
    everything is checked and reported but the transaction is rolled back.
    """
    workspace = os.fspath(workspace)
    open_workspace(workspace)
    package = read_field_package(package_path)
    _check_origin(package, workspace)
    stamp = _now()
    result = MergeResult(os.path.abspath(package.path), os.path.abspath(workspace), package.export_id, package.team,
                         imported_at=stamp, dry_run=dry_run)
    status_list, violation_list = CODE_LISTS["case_status"], CODE_LISTS["violation_type"]
    package_dir = os.path.dirname(os.path.abspath(package.path))
    note = f"外业核查结果导入（检查组 {package.team}，外业包 {package.export_id[:8]}）"
    con = gpkg.connect(workspace)
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute(_IMPORT_DDL)
        con.execute(_CONFLICT_DDL)
        _register_attribute_table(con, IMPORT_TABLE, "Green Shield: field packages imported")
        _register_attribute_table(con, CONFLICT_TABLE, "Green Shield: field versions not applied (conflicts)")
        done = con.execute(f"SELECT imported_at FROM {IMPORT_TABLE} WHERE export_id = ?",
                           (package.export_id,)).fetchone()
        if done:
            raise FieldPackageAlreadyImported(package.path, package.export_id, done[0])
        ledger = _ledger_rows(con, set(package.snapshot))
        by_case = {}
        for row in package.rows:
            case_id = _plain(row["case_id"])
            if not case_id:
                result.rows.append(MergeRow(
                    f"fid {row['fid']}", "rejected", status_field=row.get("status"),
                    reason="feature added in the field; open a case for it in the office",
                    reason_zh="外业新增的要素，未导入；如需立案请在内业新建案件"))
            elif case_id not in package.snapshot:
                result.rows.append(MergeRow(
                    case_id, "rejected", status_field=row.get("status"),
                    reason="case not exported in this package", reason_zh="该案件不在本外业包中，未导入"))
            else:
                by_case[case_id] = row
        gone_untouched = 0  # cases deleted from the ledger that the field did not change either
        for case_id, (rev_at_export, exported) in package.snapshot.items():
            office = ledger.get(case_id)
            returned = by_case.get(case_id)
            changed = [] if returned is None else [
                name for name in FIELD_EDITABLE if not same_value(returned[name], exported.get(name))]
            field_values = None if returned is None else {name: _plain(returned[name]) for name in FIELD_EDITABLE}
            merge_row = MergeRow(case_id, "unchanged", rev_at_export=rev_at_export, changed_fields=changed,
                                 status_field=returned["status"] if returned is not None else None)
            result.rows.append(merge_row)
            if "photos" in changed:
                missing = missing_photos(field_values["photos"], exported.get("photos"), package_dir)
                if missing:
                    merge_row.warning = f"photos not in the package folder: {', '.join(missing)}"
                    merge_row.warning_zh = f"外业包文件夹中缺少照片：{'、'.join(missing)}"
            if office is None:
                merge_row.outcome = "rejected"
                merge_row.reason = "case no longer in the ledger (deleted since export)"
                merge_row.reason_zh = "台账中已无该案件（导出后已删除）"
                if changed:
                    merge_row.reason += f"; the field version is in {CONFLICT_TABLE}"
                    merge_row.reason_zh += f"；外业版本存于 {CONFLICT_TABLE}"
                    _store_field_version(con, "rejected", case_id, package, rev_at_export, None, field_values,
                                         merge_row.reason, stamp)
                else:
                    gone_untouched += 1
                continue
            merge_row.status_office = merge_row.status_after = office["status"]
            merge_row.rev_office = office["rev"]
            if returned is None:
                merge_row.outcome = "rejected"
                merge_row.reason = "deleted in the field; the ledger keeps the case"
                merge_row.reason_zh = "外业删除了该要素；台账保留该案件"
                continue
            if not changed:
                continue
            if office["rev"] != rev_at_export:
                merge_row.outcome = "conflict"
                merge_row.reason = (f"edited in the office since export (revision {rev_at_export} → {office['rev']}) "
                                    "and in the field; the ledger keeps the office version, the field version is in "
                                    f"{CONFLICT_TABLE}")
                merge_row.reason_zh = (f"导出后内业（修订号 {rev_at_export} → {office['rev']}）与外业均修改了该案件；"
                                       f"台账保留内业版本，外业版本存于 {CONFLICT_TABLE}")
                _store_field_version(con, "conflict", case_id, package, rev_at_export, office, field_values,
                                     merge_row.reason, stamp)
                continue
            wanted = status_list.normalise(returned["status"]) if _plain(returned["status"]) else office["status"]
            violation = _plain(returned["violation_type"])
            wanted_violation = violation_list.normalise(violation) if violation else None
            path = status_path(office["status"], wanted) if wanted else None
            office_only = bool(path) and wanted not in FIELD_STATUSES  # 销号: decided in the office after review
            if wanted is None or path is None or office_only or (violation and wanted_violation is None):
                merge_row.outcome = "rejected"
                if wanted is None:
                    merge_row.reason = f"unknown status '{returned['status']}'"
                    merge_row.reason_zh = f"未知的案件状态“{returned['status']}”"
                elif path is None:
                    merge_row.reason = (f"status '{office['status']}' cannot change to '{wanted}' (allowed next: "
                                        f"{', '.join(TRANSITIONS.get(office['status'], ())) or 'none'})")
                    merge_row.reason_zh = (f"案件状态不能从“{status_list.label_zh(office['status'])}”变更为"
                                           f"“{status_list.label_zh(wanted)}”")
                elif office_only:
                    merge_row.reason = ("销号须由内业审核后办理 / closing is an office decision after review: the "
                                        "field may set 已检查 inspected, 责令整改 ordered, 已整改 rectified or 排除 "
                                        "excluded; nothing of this case was applied")
                    merge_row.reason_zh = ("销号须由内业审核后办理：外业只能将案件改为已检查、责令整改、已整改或排除，"
                                           "该案件的外业结果均未导入")
                else:
                    merge_row.reason = f"unknown violation type '{violation}'"
                    merge_row.reason_zh = f"未知的问题类型“{violation}”"
                merge_row.reason += f"; the field version is in {CONFLICT_TABLE}"
                merge_row.reason_zh += f"；外业版本存于 {CONFLICT_TABLE}"
                _store_field_version(con, "rejected", case_id, package, rev_at_export, office, field_values,
                                     merge_row.reason, stamp)
                continue
            fields = {name: field_values[name] for name in changed if name != "status"}
            if "violation_type" in fields:
                fields["violation_type"] = wanted_violation
            if "rectification_required" in fields and fields["rectification_required"] is not None:
                fields["rectification_required"] = int(bool(_comparable(fields["rectification_required"])))
            if "photos" in fields and not dry_run:
                fields["photos"] = _copy_photos(fields["photos"], exported.get("photos"), package_dir, workspace,
                                                case_id, result.photos_copied)
            steps = path or [office["status"]]
            for i, status in enumerate(steps):
                cases.change_status(workspace, case_id, status, by=by, note=note, channel="field",
                                    fields=fields if i == 0 else None, con=con)
            merge_row.outcome = "applied"
            merge_row.transitions = [office["status"], *path] if path else []
            merge_row.status_after = steps[-1]
        summary = result.summary()
        if report is None:
            report = os.path.splitext(os.path.abspath(package.path))[0] + "_import_report.csv"
        result.report = report
        # A package that brought nothing back (imported before the team worked) is not recorded, so
        # the same package can still be imported when it returns with results.
        field_work = summary["unchanged"] + gone_untouched < len(result.rows)
        result.recorded = field_work and not dry_run
        if field_work:
            con.execute(
                f"INSERT INTO {IMPORT_TABLE} (export_id, team, package, exported_at, imported_at, imported_by, "
                "applied, conflicts, rejected, unchanged, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (package.export_id, package.team, result.package, package.record.get("exported_at"), stamp, by,
                 summary["applied"], summary["conflict"], summary["rejected"], summary["unchanged"], report))
        if not result.recorded:
            con.rollback()
        else:
            con.commit()
    except sqlite3.Error as exc:
        con.rollback()
        _remove(result.photos_copied)
        raise LedgerEditFailed(str(exc), str(exc)) from exc
    except BaseException:
        con.rollback()
        _remove(result.photos_copied)
        raise
    finally:
        con.close()
    write_merge_report(result, report)
    return result


def _remove(paths: list[str]) -> None:
    for path in paths:
        if os.path.exists(path):
            os.remove(path)
    paths.clear()


def write_merge_report(result: MergeResult, path: str) -> str:
    """The merge report as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese)."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    order = {outcome: i for i, outcome in enumerate(("conflict", "rejected", "applied", "unchanged"))}
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=REPORT_COLUMNS)
        writer.writeheader()
        for row in sorted(result.rows, key=lambda r: (order[r.outcome], r.case_id)):
            writer.writerow(row.as_report())
    return path


def conflicts(workspace: str, *, open_only: bool = True) -> list[dict[str, Any]]:
    """Field versions kept in the workspace (conflicts and rejected changes)."""
    with closing(sqlite3.connect(f"file:{os.fspath(workspace)}?mode=ro", uri=True)) as con:
        if not con.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (CONFLICT_TABLE,)).fetchone():
            return []
        con.row_factory = sqlite3.Row
        query = f"SELECT * FROM {CONFLICT_TABLE}" + (" WHERE resolved = 0" if open_only else "") + " ORDER BY fid"
        rows = [dict(r) for r in con.execute(query)]
    for row in rows:
        for key in ("field_values", "office_values"):
            row[key] = json.loads(row[key]) if row[key] else None
    return rows


def imports(workspace: str) -> list[dict[str, Any]]:
    """The field packages imported into a workspace, oldest first."""
    with closing(sqlite3.connect(f"file:{os.fspath(workspace)}?mode=ro", uri=True)) as con:
        if not con.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (IMPORT_TABLE,)).fetchone():
            return []
        con.row_factory = sqlite3.Row
        return [dict(r) for r in con.execute(f"SELECT * FROM {IMPORT_TABLE} ORDER BY fid")]


# --- command line ----------------------------------------------------------------------------


def _cmd_field_import(args) -> int:
    result = merge_field_package(args.workspace, args.package, by=args.by, dry_run=args.dry_run, report=args.report)
    zh = (getattr(args, "lang", None) or os.environ.get("LANG", "")).lower().startswith("zh")
    print(f"{result.package} → {result.workspace}  (检查组 team {result.team}, export {result.export_id[:8]})")
    print(result.summary_text())
    for row in result.rows:
        if row.outcome == "unchanged":
            continue
        detail = "→".join(row.transitions) or (row.status_after or "")
        texts = (row.reason_zh, row.warning_zh) if zh else (row.reason, row.warning)
        text = ("；" if zh else "; ").join(t for t in texts if t)
        print(f"  {row.case_id}\t{row.outcome}\t{detail}\t{' '.join(row.changed_fields)}\t{text}".rstrip())
    print(f"report: {result.report}")
    return 0


def add_cli(sub) -> None:
    """`green-shield field-import PACKAGE.gpkg --workspace WS`."""
    p = sub.add_parser("field-import", help="merge a returned field package into the case ledger / 导入外业核查结果")
    p.add_argument("package", help="the team's GeoPackage from the field package folder (as returned by QField)")
    p.add_argument("--workspace", "-w", required=True)
    p.add_argument("--report", help="merge report CSV (default: PACKAGE_import_report.csv next to the package)")
    p.add_argument("--dry-run", action="store_true", help="check and report, write nothing to the workspace")
    p.add_argument("--by", default=os.environ.get("USER", "green-shield"), help="who imports (recorded)")
    p.set_defaults(func=_cmd_field_import)
