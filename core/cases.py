"""The case ledger (案件台账): inspection cases in the workspace, from lead to closure.

A case is one target to visit (a project, outfall, plot, enterprise or remote-sensing lead),
with where it came from, its priority and its status on the chain 待核查 → 已检查 → 责令整改 →
已整改 → 销号 (排除 for a false lead). The chain and the status history are enforced by the
GeoPackage's own triggers (core/case_rules.py), so edits made in QGIS are checked and recorded
exactly like edits made here. Every function here edits in one SQLite transaction: it
happens completely or not at all.
"""

from __future__ import annotations

import datetime as _dt
import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

from . import gpkg
from .case_rules import OPEN_STATUSES, TRANSITIONS, install_case_rules
from .errors import CaseNotFound, GreenShieldError, LedgerEditFailed, NotAScreeningResult, StatusChangeRefused
from .importer import BadValue, convert_value
from .schema import CODE_LISTS, LAYER_TYPES
from .workspace import open_workspace, read_layer, read_meta

CASE = LAYER_TYPES["inspection_case"]
PRIORITY_RANK = {"high": 0, "medium": 1, "low": 2}
# Days from opening to the check deadline when a case comes without one (a working default, not a rule).
CHECK_DAYS = {"high": 15, "medium": 30, "low": 60}
CASE_ID_PREFIX = "AJ"


@dataclass
class CaseSpec:
    """A case to open (or to refresh, when the target already has an open case)."""

    target_type: str
    target_id: str
    source: str
    priority: str = "medium"
    geometry: Any = None  # a shapely Point in the workspace CRS
    target_name: str | None = None
    source_ref: str | None = None
    problem: str | None = None
    legal_basis: str | None = None
    team: str | None = None
    inspectors: str | None = None
    check_due: _dt.date | None = None
    xzqdm: str | None = None
    xzqmc: str | None = None
    notes: str | None = None


@dataclass
class UpsertResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (target, reason)

    def summary(self) -> dict[str, int]:
        return {"created": len(self.created), "updated": len(self.updated), "unchanged": len(self.unchanged),
                "skipped": len(self.skipped)}


def label_zh(codelist: str, code: str | None) -> str:
    """The Chinese label of a code; an empty or unknown code (edited outside the plugin) as it is."""
    cl = CODE_LISTS[codelist]
    return cl.label_zh(code) if code in cl.codes() else (code or "")


def _now() -> str:
    return _dt.datetime.now().isoformat(timespec="seconds")


def _check_codes(spec: CaseSpec) -> None:
    for name, value in (("target_type", spec.target_type), ("source", spec.source), ("priority", spec.priority)):
        codelist = CODE_LISTS[CASE.field(name).codelist]
        if value not in codelist.codes():
            raise LedgerEditFailed(f"{name} '{value}' is not one of {', '.join(codelist.codes())}",
                                   f"{CASE.field(name).alias_zh}“{value}”不是有效代码（{', '.join(codelist.codes())}）")


class LedgerNotInPostgis(GreenShieldError):
    code = "ledger_not_in_postgis"

    def __init__(self, ref: str) -> None:
        super().__init__(
            f"The case ledger (its status rules and history) is kept in a GeoPackage workspace; {ref} is a PostGIS "
            "workspace. Keep the ledger in the team's GeoPackage, or copy the workspace with green-shield pg-copy.",
            f"案件台账（状态规则与历史）保存在 GeoPackage 工作空间中；{ref} 是 PostGIS 工作空间。"
            "请在 GeoPackage 工作空间中管理案件台账，或用 green-shield pg-copy 复制工作空间。",
        )


def _open(path: str) -> sqlite3.Connection:
    if isinstance(path, str) and path.startswith("PG:"):
        raise LedgerNotInPostgis(path)
    open_workspace(path)  # checks (and upgrades) the workspace
    install_case_rules(os.fspath(path))  # the current rules, also in workspaces made by an older version
    return gpkg.connect(os.fspath(path))


def _next_ids(con: sqlite3.Connection, year: int):
    prefix = f"{CASE_ID_PREFIX}{year}"
    row = con.execute("SELECT max(case_id) FROM inspection_case WHERE case_id LIKE ?", (prefix + "%",)).fetchone()
    start = int(row[0][len(prefix):]) + 1 if row and row[0] and row[0][len(prefix):].isdigit() else 1
    n = start
    while True:
        yield f"{prefix}{n:05d}"
        n += 1


def upsert_cases(workspace: str, specs: Iterable[CaseSpec], *, by: str = "green-shield",
                 today: _dt.date | None = None, reopen_excluded: bool = False) -> UpsertResult:
    """Open a case per target, or refresh the target's open case: never a second open case.

    An open case is refreshed when the new finding is stricter (higher priority) or says
    something new; a target whose last case was excluded as a false lead is skipped unless
    `reopen_excluded`. Closed cases do not count: a problem found again opens a new case.
    """
    specs = list(specs)
    for spec in specs:
        _check_codes(spec)
    today = today or _dt.date.today()
    result = UpsertResult()
    con = _open(workspace)
    try:
        srs = gpkg.srs_id(con, CASE.table)
        rows = con.execute("SELECT case_id, target_type, target_id, status, priority, problem, legal_basis, "
                           "source_ref, source, team, inspectors FROM inspection_case ORDER BY fid").fetchall()
        open_by_target: dict[tuple[str, str], tuple] = {}
        last_by_target: dict[tuple[str, str], tuple] = {}
        for row in rows:
            key = (row[1], row[2])
            last_by_target[key] = row
            if row[3] in OPEN_STATUSES:
                open_by_target[key] = row
        ids = _next_ids(con, today.year)
        stamp = _now()
        seen: set[tuple[str, str]] = set()
        for spec in specs:
            key = (spec.target_type, str(spec.target_id))
            if key in seen:
                result.skipped.append((f"{key[0]}:{key[1]}", "duplicate in this batch"))
                continue
            seen.add(key)
            existing = open_by_target.get(key)
            if existing:
                case_id, _, _, _, priority, problem, basis, ref, _, team, inspectors = existing
                new_priority = min(priority, spec.priority, key=lambda p: PRIORITY_RANK.get(p, 9))
                # the finding behind the stricter priority stays: a milder one never replaces it
                as_strict = PRIORITY_RANK.get(spec.priority, 9) <= PRIORITY_RANK.get(priority, 9)
                new_problem = spec.problem if as_strict and spec.problem else problem
                new_basis = spec.legal_basis if as_strict and spec.legal_basis else basis
                new_ref = spec.source_ref or ref
                # an assignment fills an unassigned case; it never takes a case from the team that has it
                new_team, new_inspectors = (team, inspectors) if team else (spec.team, spec.inspectors or inspectors)
                if (new_priority, new_problem, new_basis, new_ref, new_team, new_inspectors) == (
                        priority, problem, basis, ref, team, inspectors):
                    result.unchanged.append(case_id)
                    continue
                con.execute("UPDATE inspection_case SET priority = ?, problem = ?, legal_basis = ?, source_ref = ?, "
                            "team = ?, inspectors = ?, updated_by = ?, updated_at = ? WHERE case_id = ?",
                            (new_priority, new_problem, new_basis, new_ref, new_team, new_inspectors, by, stamp,
                             case_id))
                result.updated.append(case_id)
                continue
            last = last_by_target.get(key)
            if last and last[3] == "excluded" and not reopen_excluded:
                result.skipped.append((f"{key[0]}:{key[1]}", f"case {last[0]} was excluded as a false lead"))
                continue
            if last and last[3] == "closed" and (last[8], last[7], last[5]) == (
                    spec.source, spec.source_ref, spec.problem):
                result.skipped.append((f"{key[0]}:{key[1]}", f"case {last[0]} was closed on this same evidence"))
                continue
            case_id = next(ids)
            values = {
                "case_id": case_id, "target_type": spec.target_type, "target_id": str(spec.target_id),
                "target_name": spec.target_name, "source": spec.source, "source_ref": spec.source_ref,
                "priority": spec.priority, "status": "pending", "status_note": "立案", "problem": spec.problem,
                "legal_basis": spec.legal_basis, "opened": today.isoformat(),
                "check_due": (spec.check_due or today + _dt.timedelta(days=CHECK_DAYS[spec.priority])).isoformat(),
                "team": spec.team,
                "inspectors": spec.inspectors, "rev": 1, "updated_at": stamp, "updated_by": by,
                "xzqdm": spec.xzqdm, "xzqmc": spec.xzqmc, "notes": spec.notes,
                "geom": gpkg.geometry_blob(spec.geometry, srs),
            }
            names = ", ".join(f'"{k}"' for k in values)
            con.execute(f"INSERT INTO inspection_case ({names}) VALUES ({', '.join('?' * len(values))})",
                        list(values.values()))
            con.execute("UPDATE case_history SET channel = 'created', changed_by = ? WHERE fid = "
                        "(SELECT max(fid) FROM case_history WHERE case_id = ?)", (by, case_id))
            result.created.append(case_id)
        con.commit()
    except sqlite3.Error as exc:
        con.rollback()
        raise LedgerEditFailed(str(exc), str(exc)) from exc
    except BaseException:
        con.rollback()
        raise
    finally:
        con.close()
    return result


# Fields a status change may set along with the status (what the inspector found).
CHANGE_FIELDS = ("finding", "violation_type", "rectification_required", "rectify_due", "visit_time", "photos",
                 "inspectors", "team", "notes")


def change_status(workspace: str, case_id: str, status: str, *, by: str, note: str | None = None,
                  at: str | None = None, channel: str = "office", fields: dict[str, Any] | None = None,
                  con: sqlite3.Connection | None = None) -> None:
    """Move a case along the chain and record who, when and why in its history.

    With `con`, the change joins the caller's transaction (the caller commits).
    """
    fields = dict(fields or {})
    unknown = set(fields) - set(CHANGE_FIELDS)
    if unknown:
        raise LedgerEditFailed(f"these fields cannot be set with a status change: {', '.join(sorted(unknown))}",
                               f"状态变更时不能修改这些字段：{', '.join(sorted(unknown))}")
    for name, value in fields.items():  # labels → codes, 是/否 → booleans, dates checked
        try:
            fields[name] = convert_value(CASE.field(name), value)
        except BadValue as bad:
            raise LedgerEditFailed(f"{name}: {bad.reason}", f"{CASE.field(name).alias_zh}：{bad.reason_zh}") from None
    own = con is None
    con = con or _open(workspace)
    try:
        row = con.execute("SELECT status FROM inspection_case WHERE case_id = ?", (case_id,)).fetchone()
        if row is None:
            raise CaseNotFound(case_id)
        current = row[0]
        if status != current and status not in TRANSITIONS.get(current, ()):
            raise StatusChangeRefused(case_id, current, status, TRANSITIONS.get(current, ()))
        stamp = at or _now()
        sets = {"status": status, "status_note": note, "updated_by": by, "updated_at": stamp}
        if status == current and note is None:
            del sets["status_note"]  # an edit without a status change keeps the last change's note
        for name, value in fields.items():
            sets[name] = value.isoformat() if isinstance(value, _dt.date) else value
        assignments = ", ".join(f'"{k}" = ?' for k in sets)
        con.execute(f"UPDATE inspection_case SET {assignments} WHERE case_id = ?", [*sets.values(), case_id])
        if status != current:
            con.execute("UPDATE case_history SET channel = ? WHERE fid = "
                        "(SELECT max(fid) FROM case_history WHERE case_id = ?)", (channel, case_id))
        if own:
            con.commit()
    except sqlite3.Error as exc:
        if own:
            con.rollback()
        raise LedgerEditFailed(str(exc), str(exc)) from exc
    except BaseException:
        if own:
            con.rollback()
        raise
    finally:
        if own:
            con.close()


def read_cases(workspace: str, *, statuses: Sequence[str] | None = None, team: str | None = None,
               case_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Cases as dicts (stored codes, `geometry` in the workspace CRS, `fid`), in case-number order."""
    open_workspace(workspace)  # checks (and upgrades) the workspace
    geoms, columns, fids = read_layer(workspace, "inspection_case")
    out = []
    for i in range(len(fids)):
        row = {k: _plain(v[i]) for k, v in columns.items()}
        row["geometry"] = geoms[i]
        row["fid"] = int(fids[i])
        if statuses and row["status"] not in statuses:
            continue
        if team and row.get("team") != team:
            continue
        if case_ids and row["case_id"] not in case_ids:
            continue
        out.append(row)
    return sorted(out, key=lambda r: r["case_id"])


def case_history(workspace: str, case_id: str | None = None) -> list[dict[str, Any]]:
    open_workspace(workspace)
    _, columns, fids = read_layer(workspace, "case_history")
    rows = [{k: _plain(v[i]) for k, v in columns.items()} | {"fid": int(fids[i])} for i in range(len(fids))]
    rows = [r for r in rows if case_id is None or r["case_id"] == case_id]
    return sorted(rows, key=lambda r: r["fid"])


def _plain(value):
    if value is None:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (_dt.date, np.datetime64)):
        return str(value)[:10]
    return value


# --- building cases from what the other tools found -------------------------------------------

VERDICT_PRIORITY = {"PROHIBITED": "high", "REVIEW": "medium", "CONDITIONAL": "low"}
ACTIVE_OUTFALL = ("suspected", "verified", "monitored", "traced", "rectifying_ban", "rectifying_merge",
                  "rectifying_regularise")
LAW_ART_64 = "《中华人民共和国水污染防治法》第六十四条：在饮用水水源保护区内，禁止设置排污口。"
SOIL_LAW = ("《中华人民共和国土壤污染防治法》：列入建设用地土壤污染风险管控和修复名录的地块，不得作为住宅、"
            "公共管理与公共服务用地；禁止开工建设任何与风险管控、修复无关的项目。")


def _point(geom):
    if geom is None or shapely.is_empty(geom):
        return None
    return geom if geom.geom_type == "Point" else shapely.point_on_surface(geom)


def _reprojector(source: str, target: str):
    if not source or source == target:
        return lambda g: g
    from pyproj import Transformer

    transformer = Transformer.from_crs(source, target, always_xy=True)
    return lambda g: None if g is None else shapely.transform(g, lambda xy: np.column_stack(
        transformer.transform(xy[:, 0], xy[:, 1])))


def _read_table(path: str, layer: str, geometry: bool = False):
    import pyogrio.raw

    meta, _, geoms, values = pyogrio.raw.read(path, layer=layer, read_geometry=geometry)
    columns = dict(zip(meta["fields"], values))
    if geometry:
        crs = meta.get("crs")
        return columns, (shapely.from_wkb(geoms) if geoms is not None else None), crs
    return columns


def specs_from_screening(screening_gpkg: str, workspace_crs: str) -> list[CaseSpec]:
    """One case per project whose verdict is not CLEAR: 禁止 → high, 需复核 → medium, 有条件准入 → low."""
    try:
        projects, geoms, crs = _read_table(screening_gpkg, "flagged_projects", geometry=True)
        conflicts = _read_table(screening_gpkg, "conflicts")
        meta = dict(zip(*(_read_table(screening_gpkg, "screening_run")[k] for k in ("key", "value"))))
        needed = {"project_code", "name", "verdict", "verdict_zh", "reasons"} - set(projects)
        if needed:
            raise KeyError(f"missing fields {', '.join(sorted(needed))}")
    except Exception as exc:  # noqa: BLE001 - any reading failure means the same to the user
        raise NotAScreeningResult(screening_gpkg, str(exc)) from None
    move = _reprojector(crs or workspace_crs, workspace_crs)
    ref = f"screening {str(meta.get('written', ''))[:19]} {os.path.basename(screening_gpkg)}"
    basis: dict[str, list[str]] = {}
    for code, text in zip(conflicts["project_code"], conflicts["legal_basis"]):
        if isinstance(text, str) and text and text not in basis.setdefault(code, []):
            basis[code].append(text)
    specs = []
    for i, code in enumerate(projects["project_code"]):
        priority = VERDICT_PRIORITY.get(projects["verdict"][i])
        if priority is None:
            continue
        geom = geoms[i] if geoms is not None else None
        specs.append(CaseSpec("project", code, "screening", priority, _point(move(geom)),
                              target_name=projects["name"][i], source_ref=ref,
                              problem=f"{projects['verdict_zh'][i]}：{projects['reasons'][i]}",
                              legal_basis="；".join(basis.get(code, []))))
    return specs


def specs_from_registers(workspace: str) -> list[CaseSpec]:
    """Cases from the workspace's registers.

    Outfalls: any active outfall inside a drinking-water source protection zone (high, art. 64:
    取缔); suspected outfalls (medium, to verify); outfalls under rectification (medium, to check
    progress). Plots: listed plots planned for housing or public service (high); other listed
    or contaminated plots (medium, check for unrelated construction); suspected plots (low).
    """
    specs: list[CaseSpec] = []
    zones, zcols, _ = read_layer(workspace, "water_source_zone")
    zone_tree = shapely.STRtree(zones) if len(zones) else None
    geoms, cols, _ = read_layer(workspace, "sewage_outfall")
    for i, geom in enumerate(geoms):
        status = cols["status"][i]
        if status not in ACTIVE_OUTFALL:
            continue
        inside = []
        if zone_tree is not None and geom is not None:
            inside = [int(j) for j in zone_tree.query(geom, predicate="intersects")]
        code, name = cols["outfall_code"][i], cols["name"][i]
        if inside:
            labels = sorted({f"{zcols['source_name'][j]}{CODE_LISTS['ws_level'].label_zh(zcols['level'][j])}"
                             for j in inside})
            specs.append(CaseSpec("outfall", code, "outfall_register", "high", geom, target_name=name,
                                  source_ref="sewage_outfall", legal_basis=LAW_ART_64,
                                  problem=f"排污口位于饮用水水源保护区内（{'、'.join(labels)}），应予取缔"))
        elif status == "suspected":
            specs.append(CaseSpec("outfall", code, "outfall_register", "medium", geom, target_name=name,
                                  source_ref="sewage_outfall", problem="疑似排污口，需现场核实"))
        elif status.startswith("rectifying"):
            label = CODE_LISTS["outfall_status"].label_zh(status)
            specs.append(CaseSpec("outfall", code, "outfall_register", "medium", geom, target_name=name,
                                  source_ref="sewage_outfall", problem=f"排污口{label}，需核查整治进展"))
    geoms, cols, _ = read_layer(workspace, "contaminated_plot")
    for i, geom in enumerate(geoms):
        status, use = cols["list_status"][i], cols["planned_land_use"][i]
        code, name = cols["plot_code"][i], cols["name"][i]
        point = _point(geom)
        if status == "listed" and use in ("residential", "public_service"):
            specs.append(CaseSpec("plot", code, "plot_register", "high", point, target_name=name,
                                  source_ref="contaminated_plot",
                                  problem=f"名录内地块规划为{CODE_LISTS['land_use'].label_zh(use)}",
                                  legal_basis=SOIL_LAW))
        elif status in ("listed", "contaminated"):
            specs.append(CaseSpec("plot", code, "plot_register", "medium", point, target_name=name,
                                  source_ref="contaminated_plot", problem="核查地块有无与风险管控、修复无关的建设活动",
                                  legal_basis=SOIL_LAW))
        elif status == "suspected":
            specs.append(CaseSpec("plot", code, "plot_register", "low", point, target_name=name,
                                  source_ref="contaminated_plot", problem="疑似污染地块，核查土壤污染状况调查进展"))
    return specs


LEAD_PRIORITY = {"PROHIBITED": "high", "REVIEW": "medium", "CONDITIONAL": "low", "CLEAR": "low"}


def specs_from_leads(workspace: str) -> list[CaseSpec]:
    """Cases from the workspace's remote-sensing change leads (change_lead layer): one per lead, at a
    point on its surface; 禁止 → high, 需复核 → medium, otherwise low. The lead number is the target."""
    specs: list[CaseSpec] = []
    geoms, cols, _ = read_layer(workspace, "change_lead")
    activity = CODE_LISTS["activity_class"]
    # A lead on a place that already has an open lead case (an earlier run, other images or options)
    # refreshes that case instead of opening a second one.
    open_leads = [c for c in read_cases(workspace, statuses=OPEN_STATUSES)
                  if c["target_type"] == "lead" and c["geometry"] is not None]
    points = np.array([c["geometry"] for c in open_leads], dtype=object)
    tree = shapely.STRtree(points) if len(points) else None
    for i, geom in enumerate(geoms):
        lead_id = cols["lead_id"][i]
        if not lead_id:
            continue
        if tree is not None and geom is not None:
            near = sorted(open_leads[j]["target_id"] for j in tree.query(geom, predicate="intersects"))
            if near:
                lead_id = lead_id if lead_id in near else near[0]
        verdict = cols["verdict"][i] or "REVIEW"
        act = cols["activity"][i]
        act_zh = activity.label_zh(act) if act in activity.codes() else (act or "人类活动")
        area_mu = cols["area_mu"][i]
        zone = "".join(str(cols[k][i] or "") for k in ("zone_type",)) + \
            (f"·{cols['zone_level'][i]}" if cols["zone_level"][i] else "") + \
            (f"（{cols['zone_name'][i]}）" if cols["zone_name"][i] else "")
        size = f"{float(area_mu):.2f} 亩" if area_mu is not None and area_mu == area_mu else ""
        problem = (f"遥感发现疑似{act_zh}活动{('，' + size) if size else ''}，{cols['relation'][i] or ''}{zone}"
                   f"（{cols['transition'][i] or ''}），需现场核实")
        point = geom.representative_point() if geom is not None and not geom.is_empty else None
        specs.append(CaseSpec("lead", lead_id, "rs_lead", LEAD_PRIORITY.get(verdict, "medium"), point,
                              target_name=f"{act_zh}变化图斑", source_ref=f"change_lead:{cols['run_id'][i] or ''}",
                              problem=problem, legal_basis=cols["legal_basis"][i] or None))
    return specs


def build_cases(workspace: str, screening: str | None = None, *, registers: bool = True, by: str = "green-shield",
                today: _dt.date | None = None, reopen_excluded: bool = False, leads: bool = True) -> UpsertResult:
    """Open or refresh cases from a screening result, the workspace's registers and its remote-sensing
    change leads, in one transaction."""
    if isinstance(workspace, str) and workspace.startswith("PG:"):
        raise LedgerNotInPostgis(workspace)
    crs = read_meta(workspace).get("crs") or open_workspace(workspace).crs
    specs: list[CaseSpec] = []
    if screening:
        specs += specs_from_screening(screening, crs)
    if registers:
        specs += specs_from_registers(workspace)
    if leads:
        open_workspace(workspace)  # an older workspace gets its change_lead layer
        specs += specs_from_leads(workspace)
    return upsert_cases(workspace, specs, by=by, today=today, reopen_excluded=reopen_excluded)


# --- command line ------------------------------------------------------------------------------


def _cmd_build(args) -> int:
    result = build_cases(args.workspace, args.screening, registers=not args.no_registers, by=args.by,
                         reopen_excluded=args.reopen_excluded, leads=not args.no_leads)
    s = result.summary()
    print(f"新建 created {s['created']} · 更新 updated {s['updated']} · 无变化 unchanged {s['unchanged']} · "
          f"跳过 skipped {s['skipped']}")
    for target, reason in result.skipped:
        print(f"  skipped {target}: {reason}")
    return 0


def _cmd_status(args) -> int:
    fields = {}
    for item in args.set or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise LedgerEditFailed(f"--set {item}: write FIELD=VALUE, e.g. --set finding=排口仍在排放",
                                   f"--set {item}：应写作 字段=值，例如 --set finding=排口仍在排放")
        fields[name.strip()] = value
    change_status(args.workspace, args.case_id, CODE_LISTS["case_status"].normalise(args.status) or args.status,
                  by=args.by, note=args.note, fields=fields)
    print(f"{args.case_id}: {args.status}")
    return 0


def _cmd_list(args) -> int:
    from .case_report import overdue

    statuses = [CODE_LISTS["case_status"].normalise(s) or s for s in args.status] if args.status else None
    today = _dt.date.today()
    for row in read_cases(args.workspace, statuses=statuses, team=args.team):
        print("\t".join(str(x or "") for x in (
            row["case_id"], label_zh("case_status", row["status"]), label_zh("case_priority", row["priority"]),
            label_zh("case_target", row["target_type"]), row["target_id"], row.get("target_name"),
            row.get("team"), row.get("check_due"), "逾期" if overdue(row, today) else "",
            (row.get("problem") or "").split("\n")[0])))
    return 0


def _cmd_report(args) -> int:
    from .case_report import write_ledger_report

    figures = write_ledger_report(args.workspace, args.out)
    print(f"{args.out}: 案件 {figures['total']} 件，未结 {figures['open']} 件，逾期 {figures['overdue']} 件 "
          f"(cases {figures['total']}, open {figures['open']}, overdue {figures['overdue']})")
    return 0


def add_cli(sub) -> None:
    """`green-shield cases build|status|list|report`."""
    p = sub.add_parser("cases", help="the inspection case ledger / 案件台账")
    csub = p.add_subparsers(dest="cases_command", required=True)
    b = csub.add_parser("build", help="open or refresh cases from screening results and registers / 生成案件")
    b.add_argument("--workspace", "-w", required=True)
    b.add_argument("--screening", help="screening result GeoPackage (from green-shield screen)")
    b.add_argument("--no-registers", action="store_true", help="skip the outfall and plot registers")
    b.add_argument("--no-leads", action="store_true", help="skip the remote-sensing change leads (change_lead)")
    b.add_argument("--reopen-excluded", action="store_true", help="open cases again for targets excluded before")
    b.add_argument("--by", default=os.environ.get("USER", "green-shield"), help="who builds (recorded)")
    b.set_defaults(func=_cmd_build)
    s = csub.add_parser("status", help="change a case's status / 变更案件状态")
    s.add_argument("--workspace", "-w", required=True)
    s.add_argument("case_id")
    s.add_argument("status", help="new status: code or Chinese label (已检查, 责令整改, 已整改, 销号, 排除)")
    s.add_argument("--note", help="why (recorded in the history)")
    s.add_argument("--set", action="append", metavar="FIELD=VALUE", help=f"also set one of {', '.join(CHANGE_FIELDS)}")
    s.add_argument("--by", default=os.environ.get("USER", "green-shield"))
    s.set_defaults(func=_cmd_status)
    ls = csub.add_parser("list", help="list cases / 案件列表")
    ls.add_argument("--workspace", "-w", required=True)
    ls.add_argument("--status", action="append", help="only these statuses (repeat)")
    ls.add_argument("--team")
    ls.set_defaults(func=_cmd_list)
    r = csub.add_parser("report", help="the printable ledger (HTML, A4) / 打印案件台账")
    r.add_argument("--workspace", "-w", required=True)
    r.add_argument("--out", "-o", required=True, help="HTML file to write")
    r.set_defaults(func=_cmd_report)
