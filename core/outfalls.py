"""Sewage-outfall compliance (入河排污口合规检查): zones, the river network and the next step.

For every outfall: inside a drinking-water source protection zone → 取缔 required (《水污染防治法》
第六十四条); inside an ecological red line or a nature reserve → flagged; snapped to the river
centre lines within a tolerance (unsnapped ones are reported off-network); the along-river
distance downstream, following the flow, to the nearest intake and the nearest monitoring section
(考核断面); flagged when an intake lies within a configurable distance downstream (the outfall is
upstream of the intake); and the next workflow step from its status and these findings, by the
rules in core/data/outfall_rules.yaml.

Everything is measured in metres in the CGCS2000 3° Gauss-Krüger zone of the outfalls' centre;
results are returned in the outfalls' CRS. No QGIS here.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
import yaml
from pyproj import CRS

from .errors import (
    EmptyInput,
    InvalidOutfallRules,
    InvalidOutfallSetting,
    NoOutfallInput,
    OutfallOutputExists,
    OutfallOutputIsAnInput,
    RiversNotLines,
    UnknownFlowField,
)
from .river_network import NetworkIssue, RiverNetwork, is_reversed
from .schema import CODE_LISTS
from .screening import FeatureSet, planar_crs_for, reproject

RULES_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "outfall_rules.yaml")
OUTPUT_LAYER = "outfall_checks"
ISSUES_LAYER = "river_network_issues"
# Workspace layers the check reads, by role.
INPUT_LAYERS = ("sewage_outfall", "water_source_zone", "redline", "nature_reserve", "river", "water_intake",
                "monitoring_section")
CONDITIONS = ("status", "in_zone", "overdue", "protected", "upstream", "snapped")
ACTIONS = {  # action_required code → Chinese label, most urgent first
    "ban": "取缔",
    "recheck": "复核",
    "flag": "重点关注",
    "locate": "核对位置",
    "none": "无",
}
FLAG_ZH = {"water_source_zone": "饮用水水源保护区", "redline": "生态保护红线", "nature_reserve": "自然保护区",
           "upstream_of_intake": "取水口上游", "off_network": "未接入河网", "ban_mismatch": "整治方式应为取缔",
           "zone_not_banned": "饮用水水源保护区（不在取缔范围的级别）"}
ISSUE_ZH = {"gap_closed": "已自动连接的缺口", "gap": "未连接的缺口", "reversed": "流向疑似相反", "isolated": "孤立河段"}
# Values of the --reversed-field column meaning "this line is drawn against the flow".
_LINE_TYPES = ("LineString", "LinearRing", "MultiLineString")
_GEOM_ZH = {"Point": "点", "MultiPoint": "多点", "Polygon": "面", "MultiPolygon": "多面",
            "GeometryCollection": "几何集合"}
OUTPUT_FIELDS = (
    ("outfall_code", object), ("name", object), ("status", object), ("status_zh", object), ("in_zone", bool),
    ("zone", object), ("protected_area", object), ("action_required", object), ("action_zh", object),
    ("flags", object), ("flags_zh", object), ("snapped", bool), ("river", object),
    ("distance_to_channel_m", "float64"), ("downstream_intake", object), ("downstream_source", object),
    ("downstream_intake_m", "float64"), ("downstream_section", object), ("downstream_section_m", "float64"),
    ("upstream_of_intake_within", bool), ("next_step", object), ("next_step_zh", object), ("legal_basis", object),
    ("overdue", bool),
)


# --- rules ----------------------------------------------------------------------------------


@dataclass
class NextStepRule:
    when: dict[str, Any]
    step: str
    zh: str

    def matches(self, facts: dict[str, Any]) -> bool:
        for key, wanted in self.when.items():
            if key == "status":
                if facts["status"] not in wanted:
                    return False
            elif bool(facts[key]) != bool(wanted):
                return False
        return True


@dataclass
class OutfallRules:
    snap_tolerance_m: float
    target_tolerance_m: float
    network_snap_m: float
    upstream_of_intake_m: float
    legal_basis: dict[str, str]
    next_steps: list[NextStepRule]
    verified: bool
    source: str
    # water-source zone levels (ws_level codes) where an outfall must be banned (art. 64); zones of other levels
    # are only flagged. A zone without a level counts as a ban level.
    ban_in_levels: tuple[str, ...] = ("level1", "level2", "quasi")

    def next_step(self, facts: dict[str, Any]) -> NextStepRule:
        for rule in self.next_steps:
            if rule.matches(facts):
                return rule
        return NextStepRule({}, "review", "人工研判")


def load_rules(path: str | None = None) -> OutfallRules:
    """The outfall rules (default: the shipped core/data/outfall_rules.yaml), checked."""
    path = path or RULES_FILE
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except OSError as exc:
        raise InvalidOutfallRules(path, f"cannot read it ({exc.strerror})", f"无法读取（{exc.strerror}）") from exc
    except yaml.YAMLError as exc:
        raise InvalidOutfallRules(path, f"not valid YAML ({exc})", f"不是有效的 YAML（{exc}）") from exc
    if not isinstance(data, dict):
        raise InvalidOutfallRules(path, "it holds no settings", "文件中没有任何设置")
    numbers = {}
    for key in ("snap_tolerance_m", "target_tolerance_m", "network_snap_m", "upstream_of_intake_m"):
        value = data.get(key)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            raise InvalidOutfallRules(path, f"{key} must be a number of metres above zero (found {value!r})",
                                      f"{key} 应为大于零的米数（当前为 {value!r}）")
        numbers[key] = float(value)
    statuses = set(CODE_LISTS["outfall_status"].codes())
    steps = []
    for i, item in enumerate(data.get("next_steps") or [], start=1):
        if not isinstance(item, dict) or "step" not in item or "zh" not in item:
            raise InvalidOutfallRules(path, f"next_steps item {i} needs step and zh",
                                      f"next_steps 第 {i} 条缺少 step 或 zh")
        when = item.get("when") or {}
        unknown = set(when) - set(CONDITIONS)
        if unknown:
            raise InvalidOutfallRules(path, f"next_steps item {i}: unknown condition {sorted(unknown)} "
                                      f"(known: {', '.join(CONDITIONS)})",
                                      f"next_steps 第 {i} 条：未知条件 {sorted(unknown)}"
                                      f"（可用：{', '.join(CONDITIONS)}）")
        if "status" in when:
            wanted = when["status"] if isinstance(when["status"], list) else [when["status"]]
            bad = [s for s in wanted if s not in statuses]
            if bad:
                raise InvalidOutfallRules(path, f"next_steps item {i}: unknown status {bad}",
                                          f"next_steps 第 {i} 条：未知状态 {bad}")
            when = {**when, "status": wanted}
        steps.append(NextStepRule(dict(when), str(item["step"]), str(item["zh"])))
    if not steps:
        raise InvalidOutfallRules(path, "next_steps is empty", "next_steps 为空")
    basis = {str(k): str(v) for k, v in (data.get("legal_basis") or {}).items()}
    levels_known = CODE_LISTS["ws_level"].codes()
    levels = data.get("ban_in_levels", list(levels_known))
    if not isinstance(levels, list) or not all(isinstance(v, str) for v in levels):
        raise InvalidOutfallRules(path, f"ban_in_levels must be a list of zone levels ({', '.join(levels_known)})",
                                  f"ban_in_levels 应为保护区级别列表（{', '.join(levels_known)}）")
    bad = [v for v in levels if v not in levels_known]
    if bad:
        raise InvalidOutfallRules(path, f"ban_in_levels: unknown level {bad} (known: {', '.join(levels_known)})",
                                  f"ban_in_levels：未知级别 {bad}（可用：{', '.join(levels_known)}）")
    return OutfallRules(**numbers, legal_basis=basis, next_steps=steps, verified=bool(data.get("verified")),
                        source=path, ban_in_levels=tuple(levels))


# --- inputs ----------------------------------------------------------------------------------


@dataclass
class OutfallInputs:
    """The layers of a check; any but the outfalls may be None (missing)."""

    outfalls: FeatureSet | None
    zones: FeatureSet | None = None
    redlines: FeatureSet | None = None
    reserves: FeatureSet | None = None
    rivers: FeatureSet | None = None
    intakes: FeatureSet | None = None
    sections: FeatureSet | None = None
    cases: list[dict] = field(default_factory=list)  # the workspace's case ledger, for overdue rectification
    notes: list[str] = field(default_factory=list)
    reversed_field: str | None = None  # a field of the rivers marking lines drawn against the flow (是/1/true…)


_ROLE_KEYS = {"outfalls": "sewage_outfall", "zones": "water_source_zone", "redlines": "redline",
              "reserves": "nature_reserve", "rivers": "river", "intakes": "water_intake",
              "sections": "monitoring_section"}


def load_inputs(workspace: str | None = None, *, source_crs: str | None = None, reversed_field: str | None = None,
                **files: str | None) -> OutfallInputs:
    """The check's layers from a workspace, each replaceable by a file FILE[:LAYER] (keywords outfalls, zones,
    redlines, reserves, rivers, intakes, sections). Empty or missing layers become notes, not errors.
    reversed_field: a column of the rivers whose true values (是/1/true/yes/y/反向) mark lines drawn against the
    flow."""
    from .screening_io import _from_file, _from_workspace

    unknown = set(files) - set(_ROLE_KEYS)
    if unknown:
        raise TypeError(f"unknown inputs {sorted(unknown)}")
    if not workspace and not files.get("outfalls"):
        raise NoOutfallInput()
    inputs = OutfallInputs(None, reversed_field=reversed_field or None)
    for role, key in _ROLE_KEYS.items():
        spec = files.get(role)
        layer = None
        if spec:
            try:
                layer, notes = _from_file(spec, key, source_crs if role == "outfalls" else None,
                                          keep_extra=role == "rivers")
                inputs.notes.extend(notes)
            except EmptyInput:
                inputs.notes.append(f"{spec}: empty ({key}) / 图层为空")
        elif workspace:
            layer = _from_workspace(workspace, key)
        setattr(inputs, role, layer)
    if workspace:
        from .cases import read_cases

        inputs.cases = [c for c in read_cases(workspace) if c.get("target_type") == "outfall"]
    return inputs


# --- the check -------------------------------------------------------------------------------


@dataclass
class OutfallCheck:
    fid: int
    outfall_code: str
    name: str
    status: str
    geometry: Any  # in the output CRS
    in_zone: bool = False
    zones: list[str] = field(default_factory=list)
    protected: list[tuple[str, str]] = field(default_factory=list)  # (layer, label)
    snapped: bool | None = None  # None: no river lines
    river: str | None = None
    distance_to_channel_m: float | None = None
    downstream_intake: str | None = None
    downstream_source: str | None = None
    downstream_intake_m: float | None = None
    downstream_section: str | None = None
    downstream_section_m: float | None = None
    upstream_of_intake_within: bool = False
    overdue: bool = False
    flags: list[str] = field(default_factory=list)
    action: str = "none"
    next_step: str = ""
    next_step_zh: str = ""
    legal_basis: list[str] = field(default_factory=list)

    @property
    def action_zh(self) -> str:
        return ACTIONS[self.action]

    @property
    def status_zh(self) -> str:
        return CODE_LISTS["outfall_status"].label_zh(self.status) if self.status else ""

    def flags_zh(self) -> list[str]:
        out = []
        for flag in self.flags:
            if flag == "water_source_zone":
                out.append(f"位于{'、'.join(self.zones)}")
            elif flag in ("redline", "nature_reserve", "zone_not_banned"):
                labels = [label for layer, label in self.protected if layer == flag]
                out.append(f"位于{'、'.join(labels)}")
            elif flag == "upstream_of_intake":
                out.append(f"位于{self.downstream_intake}上游 {self.downstream_intake_m:.0f} 米")
            elif flag == "off_network":
                where = f"（距最近河流 {self.distance_to_channel_m:.0f} 米）" if self.distance_to_channel_m else ""
                out.append(f"未接入河网{where}")
            else:
                out.append(FLAG_ZH.get(flag, flag))
        return out

    def row(self) -> dict[str, Any]:
        return {
            "outfall_code": self.outfall_code, "name": self.name, "status": self.status, "status_zh": self.status_zh,
            "in_zone": self.in_zone, "zone": "、".join(self.zones) or None,
            "protected_area": "、".join(label for _, label in self.protected) or None,
            "action_required": self.action, "action_zh": self.action_zh,
            "flags": ",".join(self.flags) or None, "flags_zh": "；".join(self.flags_zh()) or None,
            "snapped": self.snapped, "river": self.river, "distance_to_channel_m": _round(self.distance_to_channel_m),
            "downstream_intake": self.downstream_intake, "downstream_source": self.downstream_source,
            "downstream_intake_m": _round(self.downstream_intake_m), "downstream_section": self.downstream_section,
            "downstream_section_m": _round(self.downstream_section_m),
            "upstream_of_intake_within": self.upstream_of_intake_within, "next_step": self.next_step,
            "next_step_zh": self.next_step_zh, "legal_basis": "\n".join(self.legal_basis) or None,
            "overdue": self.overdue,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


@dataclass
class OutfallCheckResult:
    checks: list[OutfallCheck]
    planar_crs: str
    output_crs: str
    tolerance_m: float
    upstream_m: float
    rules: OutfallRules
    network_issues: list[NetworkIssue]  # coordinates in planar_crs
    notes: list[str]
    notes_zh: list[str]
    today: _dt.date
    distances_computed: bool
    reversed_field: str | None = None

    def counts(self) -> dict[str, int]:
        return {
            "outfalls": len(self.checks),
            "ban": sum(c.action == "ban" for c in self.checks),
            "in_zone": sum(c.in_zone for c in self.checks),
            "protected": sum(bool(c.protected) for c in self.checks),
            "upstream_of_intake": sum(c.upstream_of_intake_within for c in self.checks),
            "off_network": sum(c.snapped is False for c in self.checks),
            "recheck": sum(c.action == "recheck" for c in self.checks),
            "overdue": sum(c.overdue for c in self.checks),
        }

    def method_text(self) -> str:
        name = CRS.from_user_input(self.planar_crs).name
        return (f"平面距离，投影坐标系 {self.planar_crs}（{name}）；沿河距离沿河流中心线按线方向（水流方向）计算"
                f"{'（字段“' + self.reversed_field + '”标记为反向的河线按相反方向）' if self.reversed_field else ''}；"
                f"捕捉容差 {self.tolerance_m:g} 米；取水口上游关注距离 {self.upstream_m:g} 米"
                f"{'（默认值，未经核实）' if not self.rules.verified else ''}")


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _planar(layer: FeatureSet | None, planar: str) -> np.ndarray:
    if layer is None or len(layer) == 0:
        return np.empty(0, dtype=object)
    geoms = np.asarray(layer.geometries, dtype=object)
    return reproject(geoms, layer.crs, planar)


def _present(geoms: np.ndarray) -> np.ndarray:
    return ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms) if len(geoms) else np.zeros(0, dtype=bool)


def _zone_label(key: str, row: dict) -> str:
    if key == "water_source_zone":
        level = CODE_LISTS["ws_level"].label_zh(row.get("level")) if row.get("level") else ""
        return f"{_text(row.get('source_name')) or _text(row.get('source_code'))}{level}"
    if key == "redline":
        name, bsm = _text(row.get("name")), _text(row.get("bsm"))
        return f"{name}（{bsm}）" if name and bsm else (name or bsm or "生态保护红线")
    zone = CODE_LISTS["reserve_zone"].label_zh(row.get("zone")) if row.get("zone") else ""
    return f"{_text(row.get('name')) or '自然保护区'}{zone}"


def _point(geom):
    """An outfall as one point (the first of a multipoint, the centroid of anything else)."""
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type == "Point":
        return geom
    if geom.geom_type == "MultiPoint":
        return geom.geoms[0]
    return geom.centroid


def check_outfalls(inputs: OutfallInputs, rules: OutfallRules | None = None, *, tolerance_m: float | None = None,
                   upstream_m: float | None = None, today: _dt.date | None = None,
                   planar_crs: str | None = None) -> OutfallCheckResult:
    """Check every outfall; see the module docstring."""
    rules = rules or load_rules()
    tolerance = rules.snap_tolerance_m if tolerance_m is None else float(tolerance_m)
    upstream = rules.upstream_of_intake_m if upstream_m is None else float(upstream_m)
    for name, value in (("tolerance", tolerance), ("upstream distance", upstream)):
        if not value > 0 or math.isinf(value):
            raise InvalidOutfallSetting(name, value)
    today = today or _dt.date.today()
    notes, notes_zh = list(inputs.notes), list(inputs.notes)
    outfalls = inputs.outfalls
    if outfalls is None or len(outfalls) == 0:
        notes.append("No outfalls: nothing to check.")
        notes_zh.append("没有排污口，无需检查。")
        crs = outfalls.crs if outfalls is not None else "EPSG:4490"
        return OutfallCheckResult([], planar_crs or "EPSG:4544", crs, tolerance, upstream, rules, [], notes,
                                  notes_zh, today, False)
    planar = planar_crs or planar_crs_for(np.asarray(outfalls.geometries, dtype=object), outfalls.crs)
    points = _planar(outfalls, planar)

    # zones: water-source zones, red lines, reserves
    zone_sets = []
    for key, layer in (("water_source_zone", inputs.zones), ("redline", inputs.redlines),
                       ("nature_reserve", inputs.reserves)):
        geoms = _planar(layer, planar)
        keep = _present(geoms)
        if layer is None or not keep.any():
            notes.append(f"No {key} features: that check was skipped.")
            notes_zh.append(f"无{FLAG_ZH[key]}数据，未检查是否位于{FLAG_ZH[key]}内。")
            continue
        geoms = shapely.make_valid(geoms[keep])
        rows = [layer.row(int(i)) for i in np.flatnonzero(keep)]
        zone_sets.append((key, shapely.STRtree(geoms), geoms, rows))

    # the river network, intakes and sections on it
    network, distances = None, False
    river_geoms = _planar(inputs.rivers, planar)
    river_keep = _present(river_geoms)
    issues: list[NetworkIssue] = []
    if inputs.rivers is None or not river_keep.any():
        notes.append("No river centre lines: snapping and along-river distances were skipped.")
        notes_zh.append("无河流中心线数据，未进行河网捕捉和沿河距离计算。")
    else:
        _require_lines(inputs.rivers, river_geoms[river_keep])
        names = [_text(inputs.rivers.row(int(i)).get("name")) for i in np.flatnonzero(river_keep)]
        flags = None
        if inputs.reversed_field:
            if inputs.reversed_field not in inputs.rivers.attributes:
                raise UnknownFlowField(inputs.reversed_field, inputs.rivers.source, list(inputs.rivers.attributes))
            column = inputs.rivers.attributes[inputs.reversed_field]
            flags = [is_reversed(column[int(i)]) for i in np.flatnonzero(river_keep)]
        network = RiverNetwork.build(list(river_geoms[river_keep]), reversed_flags=flags, names=names,
                                     snap_m=rules.network_snap_m)
        issues = network.issues
        all_rivers = shapely.union_all(river_geoms[river_keep])
        distances = True
    intake_targets = _targets(network, inputs.intakes, planar, rules.target_tolerance_m, "intake", notes, notes_zh,
                              _source_names(inputs.zones))
    section_targets = _targets(network, inputs.sections, planar, rules.target_tolerance_m, "section", notes,
                               notes_zh, {})
    overdue_codes = _overdue_codes(inputs.cases, today)

    out_geoms = np.asarray(outfalls.geometries, dtype=object)
    checks: list[OutfallCheck] = []
    for i in range(len(outfalls)):
        row = outfalls.row(i)
        code = _text(row.get("outfall_code")) or f"#{int(outfalls.fids[i])}"
        status = CODE_LISTS["outfall_status"].normalise(row.get("status")) or _text(row.get("status"))
        check = OutfallCheck(int(outfalls.fids[i]), code, _text(row.get("name")), status, _point(out_geoms[i]))
        point = _point(points[i])
        if point is None:
            notes.append(f"Outfall {code} has no geometry: only its status was used.")
            notes_zh.append(f"排污口 {code} 没有坐标，仅按状态给出下一步工作。")
        else:
            for key, tree, _geoms, rows in zone_sets:
                hits = sorted(int(j) for j in tree.query(point, predicate="intersects"))
                labels = list(dict.fromkeys(_zone_label(key, rows[j]) for j in hits))
                if not labels:
                    continue
                if key == "water_source_zone":
                    ban = [_zone_label(key, rows[j]) for j in hits if _bans(rows[j], rules)]
                    other = [label for label in labels if label not in ban]
                    if ban:
                        check.in_zone, check.zones = True, list(dict.fromkeys(ban))
                    check.protected += [("zone_not_banned", label) for label in other]
                else:
                    check.protected += [(key, label) for label in labels]
            if network is not None:
                _measure(check, point, network, all_rivers, tolerance, intake_targets, section_targets)
        check.upstream_of_intake_within = (check.downstream_intake_m is not None
                                           and check.downstream_intake_m <= upstream + 1e-9)
        check.overdue = code in overdue_codes and status.startswith("rectifying")
        _decide(check, rules)
        checks.append(check)
    return OutfallCheckResult(checks, planar, outfalls.crs, tolerance, upstream, rules, issues, notes, notes_zh,
                              today, distances, inputs.reversed_field)


def _bans(zone_row: dict, rules: OutfallRules) -> bool:
    """Whether an outfall inside this water-source zone must be banned (its level is one of rules.ban_in_levels)."""
    level = CODE_LISTS["ws_level"].normalise(zone_row.get("level")) if zone_row.get("level") else None
    return level is None or level in rules.ban_in_levels


def _require_lines(layer: FeatureSet, geoms: np.ndarray) -> None:
    """RiversNotLines unless every river geometry is a line (polygons passed as rivers are a common mistake)."""
    found: list[str] = []
    for geom in geoms:
        parts = [geom]
        while parts:
            g = parts.pop()
            if g.geom_type == "GeometryCollection":
                parts.extend(g.geoms)
            elif g.geom_type not in _LINE_TYPES and g.geom_type not in found:
                found.append(g.geom_type)
    if found:
        raise RiversNotLines(layer.source, found, [_GEOM_ZH.get(t, t) for t in found])


@dataclass
class _Target:
    label: str
    code: str
    position: Any


def _source_names(zones: FeatureSet | None) -> dict[str, str]:
    if zones is None:
        return {}
    codes, names = zones.attributes.get("source_code", []), zones.attributes.get("source_name", [])
    return {_text(c): _text(n) for c, n in zip(codes, names) if _text(c) and _text(n)}


def _targets(network, layer: FeatureSet | None, planar: str, tolerance: float, kind: str, notes: list[str],
             notes_zh: list[str], source_names: dict[str, str]) -> list[_Target]:
    """Intakes or monitoring sections located on the network (groundwater intakes are not)."""
    if network is None or layer is None or len(layer) == 0:
        if network is not None:
            what, what_zh = ("intakes", "取水口") if kind == "intake" else ("monitoring sections", "考核断面")
            notes.append(f"No {what}: distances to them were not computed.")
            notes_zh.append(f"无{what_zh}数据，未计算至{what_zh}的沿河距离。")
        return []
    geoms = _planar(layer, planar)
    out = []
    for i, geom in enumerate(geoms):
        row = layer.row(i)
        if kind == "intake":
            code = _text(row.get("source_code"))
            label = _text(row.get("name")) or code
            if row.get("water_body_type") == "groundwater":
                continue
        else:
            code = _text(row.get("section_code"))
            label = _text(row.get("name")) or code
        point = _point(geom)
        position = network.locate(point, tolerance) if point is not None else None
        if position is None:
            if row.get("water_body_type") == "lake_reservoir":
                notes.append(f"Intake {label} draws from a lake or reservoir off the river network: along-river "
                             "distances to it are not computed.")
                notes_zh.append(f"取水口“{label}”位于湖库，不在河网上，未计算至该取水口的沿河距离。")
            else:
                notes.append(f"{'Intake' if kind == 'intake' else 'Section'} {label} is more than {tolerance:g} m "
                             "from any river line: along-river distances to it are not computed.")
                notes_zh.append(f"{'取水口' if kind == 'intake' else '考核断面'}“{label}”距河流中心线超过 "
                                f"{tolerance:g} 米，未计算至该处的沿河距离。")
            continue
        if kind == "intake" and source_names.get(code):
            code = f"{code} {source_names[code]}"
        out.append(_Target(label, code, position))
    return out


def _measure(check: OutfallCheck, point, network: RiverNetwork, rivers, tolerance: float,
             intakes: list[_Target], sections: list[_Target]) -> None:
    position = network.locate(point, tolerance)
    if position is None:
        check.snapped = False
        check.distance_to_channel_m = float(rivers.distance(point))
        return
    check.snapped = True
    check.distance_to_channel_m = float(position.distance_m)
    check.river = network.edge_name(position.edge) or None
    for targets, attr in ((intakes, "intake"), (sections, "section")):
        best = None
        for target in targets:
            d = network.downstream_distance(position, target.position)
            if d is not None and (best is None or d < best[0]):
                best = (d, target)
        if best is None:
            continue
        if attr == "intake":
            check.downstream_intake, check.downstream_source = best[1].label, best[1].code
            check.downstream_intake_m = best[0]
        else:
            check.downstream_section = f"{best[1].label}（{best[1].code}）" if best[1].code else best[1].label
            check.downstream_section_m = best[0]


def _overdue_codes(cases: list[dict], today: _dt.date) -> set[str]:
    """Outfalls with an open case in the ledger whose check or rectification deadline has passed."""
    from .case_report import overdue

    return {str(c["target_id"]) for c in cases if overdue(c, today)}


def _decide(check: OutfallCheck, rules: OutfallRules) -> None:
    """Flags, the action required, the legal basis and the next step."""
    active = check.status != "rejected"
    if check.in_zone and active:
        check.flags.append("water_source_zone")
        check.legal_basis.append(rules.legal_basis.get("water_source_zone", ""))
        if check.status in ("rectifying_merge", "rectifying_regularise"):
            check.flags.append("ban_mismatch")
    for key in ("zone_not_banned", "redline", "nature_reserve"):
        if active and any(layer == key for layer, _ in check.protected):
            check.flags.append(key)
            check.legal_basis.append(rules.legal_basis.get(key, ""))
    if check.upstream_of_intake_within and active:
        check.flags.append("upstream_of_intake")
        check.legal_basis.append(rules.legal_basis.get("upstream_of_intake", ""))
    if check.snapped is False and active:
        check.flags.append("off_network")
    check.legal_basis = [b for b in dict.fromkeys(check.legal_basis) if b]
    if not active:
        check.action = "none"
    elif check.in_zone:
        check.action = "recheck" if check.status == "closed" else "ban"
    elif check.status != "closed" and (check.protected or check.upstream_of_intake_within):
        check.action = "flag"
    elif check.snapped is False:
        check.action = "locate"
    facts = {"status": check.status, "in_zone": check.in_zone, "overdue": check.overdue,
             "protected": bool(check.protected), "upstream": check.upstream_of_intake_within,
             "snapped": bool(check.snapped)}
    rule = rules.next_step(facts)
    check.next_step, check.next_step_zh = rule.step, rule.zh


# --- writing ---------------------------------------------------------------------------------


def write_checks(result: OutfallCheckResult, path: str, csv_path: str | None = None) -> str:
    """The point layer outfall_checks (and river_network_issues when there are any) into a new GeoPackage;
    optionally the same table as CSV (UTF-8 with BOM, opens in Excel)."""
    from .workspace import built_aside, refuse_workspace_as_output

    refuse_workspace_as_output(path)
    if csv_path:
        refuse_workspace_as_output(csv_path)
        if _same_file(path, csv_path):
            raise OutfallOutputIsAnInput(csv_path, "the GeoPackage output", "GeoPackage 输出文件")
    rows = [c.row() for c in result.checks]
    geoms = [c.geometry for c in result.checks]
    with built_aside(path) as tmp:
        _write_points(tmp, OUTPUT_LAYER, geoms, rows, OUTPUT_FIELDS, result.output_crs, append=False)
        if result.network_issues:
            pts = reproject(np.array([shapely.Point(i.x, i.y) for i in result.network_issues], dtype=object),
                            result.planar_crs, result.output_crs)
            issue_rows = [{"kind": i.kind, "detail": i.detail, "detail_zh": i.detail_zh} for i in result.network_issues]
            _write_points(tmp, ISSUES_LAYER, list(pts), issue_rows,
                          (("kind", object), ("detail", object), ("detail_zh", object)), result.output_crs, append=True)
    if csv_path:
        import csv

        with open(csv_path, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=[name for name, _ in OUTPUT_FIELDS])
            writer.writeheader()
            writer.writerows(rows)
    return path


# input roles for check_outputs: keyword → (English, Chinese)
INPUT_ROLES = {
    "workspace": ("the workspace (--workspace, an input)", "输入的工作空间（--workspace）"),
    "outfalls": ("the outfall file (--outfalls, an input)", "输入的排污口文件（--outfalls）"),
    "zones": ("the water-source zone file (--zones, an input)", "输入的饮用水水源保护区文件（--zones）"),
    "redlines": ("the red-line file (--redline, an input)", "输入的生态保护红线文件（--redline）"),
    "reserves": ("the nature-reserve file (--reserves, an input)", "输入的自然保护区文件（--reserves）"),
    "rivers": ("the river file (--rivers, an input)", "输入的河流中心线文件（--rivers）"),
    "intakes": ("the intake file (--intakes, an input)", "输入的取水口文件（--intakes）"),
    "sections": ("the monitoring-section file (--sections, an input)", "输入的考核断面文件（--sections）"),
    "rules": ("the rules file (--rules, an input)", "输入的规则文件（--rules）"),
}
_OUTPUT_ZH = {"--out": "GeoPackage 输出文件（--out）", "--csv": "CSV 输出文件（--csv）",
              "--report": "报告文件（--report）", "GeoPackage": "GeoPackage 输出文件"}


def _same_file(a: str, b: str) -> bool:
    if os.path.exists(a) and os.path.exists(b):
        try:
            return os.path.samefile(a, b)
        except OSError:
            pass
    return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))


def _is_outfall_check(path: str) -> bool:
    """An existing file that is an earlier outfall check (a GeoPackage holding only our layers)."""
    import pyogrio

    try:
        layers = {str(name) for name, _ in pyogrio.list_layers(path)}
    except Exception:  # not a readable GeoPackage: not ours
        return False
    return OUTPUT_LAYER in layers and layers <= {OUTPUT_LAYER, ISSUES_LAYER}


def derived_gpkg(csv_path: str) -> str:
    """The GeoPackage written next to --csv when --out is not given: the CSV's name with .gpkg."""
    return os.path.splitext(csv_path)[0] + ".gpkg"


def check_outputs(outputs: dict[str, str | None], *, workspace: str | None = None, rules: str | None = None,
                  derived_from_csv: str | None = None, **files: str | None) -> None:
    """Refuse, before any work, outputs that would overwrite a workspace, an input or another output.

    outputs: label (--out, --csv, --report, GeoPackage) → path. files: the load_inputs keywords → FILE[:LAYER].
    derived_from_csv: when the GeoPackage is the name derived from --csv (no --out), an existing file there is
    replaced only when it is an earlier outfall check (layers outfall_checks / river_network_issues only)."""
    from .sources import split_source
    from .workspace import refuse_workspace_as_output

    inputs = [(workspace, "workspace"), (rules, "rules")] + [
        (split_source(spec)[0] if spec else None, role) for role, spec in files.items()]
    seen: list[tuple[str, str]] = []
    for label, path in outputs.items():
        if not path:
            continue
        refuse_workspace_as_output(path)
        for source, role in inputs:
            if source and _same_file(path, source):
                raise OutfallOutputIsAnInput(path, *INPUT_ROLES[role])
        for other_label, other in seen:
            if _same_file(path, other):
                raise OutfallOutputIsAnInput(path, f"the {other_label} output",
                                             _OUTPUT_ZH.get(other_label, other_label))
        seen.append((label, path))
    gpkg = outputs.get("GeoPackage")
    if derived_from_csv and gpkg and os.path.exists(gpkg) and not _is_outfall_check(gpkg):
        raise OutfallOutputExists(gpkg, derived_from_csv)


def _write_points(path: str, layer: str, geoms, rows, fields, crs: str, append: bool) -> None:
    """A point layer; None in a numeric or boolean column stays NULL."""
    from .screening_io import write_layer

    write_layer(path, layer, geoms, rows, fields, crs, append, geometry_type="Point")


def run_outfall_check(workspace: str | None = None, *, rules_path: str | None = None, tolerance_m: float | None = None,
                      upstream_m: float | None = None, today: _dt.date | None = None, source_crs: str | None = None,
                      reversed_field: str | None = None, **files: str | None) -> OutfallCheckResult:
    """Load the inputs and check: the one call the command line and the QGIS algorithm share."""
    inputs = load_inputs(workspace, source_crs=source_crs, reversed_field=reversed_field, **files)
    return check_outfalls(inputs, load_rules(rules_path), tolerance_m=tolerance_m, upstream_m=upstream_m,
                          today=today)


# --- command line ------------------------------------------------------------------------------


def _cmd_outfalls(args) -> int:
    from .cli import _lang

    zh = _lang(args) == "zh"
    files = dict(outfalls=args.outfalls, zones=args.zones, redlines=args.redline, reserves=args.reserves,
                 rivers=args.rivers, intakes=args.intakes, sections=args.sections)
    gpkg = args.out or (derived_gpkg(args.csv) if args.csv else None)
    check_outputs({"--out" if args.out else "GeoPackage": gpkg, "--csv": args.csv, "--report": args.report},
                  workspace=args.workspace, rules=args.rules,
                  derived_from_csv=args.csv if args.csv and not args.out else None, **files)
    result = run_outfall_check(
        args.workspace, rules_path=args.rules, tolerance_m=args.tolerance, upstream_m=args.upstream_m, today=args.today,
        source_crs=args.source_crs, reversed_field=args.reversed_field, **files)
    if gpkg:
        write_checks(result, gpkg, args.csv)
    if args.report:
        from .outfall_report import write_outfall_report

        write_outfall_report(result, args.report)
    c = result.counts()
    print(f"排污口 outfalls {c['outfalls']} · 应取缔 ban {c['ban']} · 复核 recheck {c['recheck']} · "
          f"红线/保护区 protected {c['protected']} · 取水口上游 upstream of intake {c['upstream_of_intake']} · "
          f"未接入河网 off-network {c['off_network']} · 逾期 overdue {c['overdue']}")
    for check in result.checks:
        if check.action == "none" and not args.all:
            continue
        distance = f"{check.downstream_intake_m:.0f} m → {check.downstream_intake}" \
            if check.downstream_intake_m is not None else "-"
        print("\t".join((check.outfall_code, check.action_zh, check.status_zh, distance, check.next_step_zh,
                         "；".join(check.flags_zh()))))
    for note in result.notes_zh if zh else result.notes:
        print(f"说明：{note}" if zh else f"note: {note}")
    for issue in result.network_issues:
        if zh:
            print(f"河网问题：{ISSUE_ZH.get(issue.kind, issue.kind)}，位置 ({issue.x:.0f}, {issue.y:.0f}) "
                  f"{result.planar_crs}：{issue.detail_zh or issue.detail}")
        else:
            print(f"river network: {issue.kind} at ({issue.x:.0f}, {issue.y:.0f}) {result.planar_crs}: "
                  f"{issue.detail}")
    return 0


def add_cli(sub) -> None:
    """`green-shield outfalls`."""
    p = sub.add_parser("outfalls", help="sewage-outfall compliance and along-river distances / 排污口合规检查")
    p.add_argument("--workspace", "-w", help="workspace GeoPackage (its outfall, zone, river, intake, section layers)")
    p.add_argument("--outfalls", help="outfall points FILE[:LAYER] (instead of the workspace's)")
    p.add_argument("--zones", help="drinking-water source protection zones FILE[:LAYER]")
    p.add_argument("--redline", help="ecological red line FILE[:LAYER]")
    p.add_argument("--reserves", help="nature reserves FILE[:LAYER]")
    p.add_argument("--rivers", help="river centre lines FILE[:LAYER] (line direction = flow)")
    p.add_argument("--reversed-field", help="field of the river lines marking lines drawn against the flow "
                   "(是/1/true/yes/y/反向)")
    p.add_argument("--intakes", help="water intakes FILE[:LAYER]")
    p.add_argument("--sections", help="monitoring sections 考核断面 FILE[:LAYER]")
    p.add_argument("--source-crs", help="CRS of the outfall file when it has none, e.g. EPSG:4490")
    p.add_argument("--tolerance", type=float, help="snap distance to a river centre line, m (default 200)")
    p.add_argument("--upstream-m", type=float, help="flag outfalls this far upstream of an intake, m (default 5000)")
    p.add_argument("--rules", help="outfall rules YAML (default core/data/outfall_rules.yaml)")
    p.add_argument("--today", type=_dt.date.fromisoformat,
                   help="date for overdue rectification, YYYY-MM-DD (default today)")
    p.add_argument("--out", "-o", help="GeoPackage to write (layer outfall_checks)")
    p.add_argument("--csv", help="also write the table as CSV (without --out, the GeoPackage is the CSV's name with "
                   ".gpkg; an existing file there is replaced only if it is an earlier outfall check)")
    p.add_argument("--report", help="printable report (HTML, A4)")
    p.add_argument("--all", action="store_true", help="list every outfall, not only those needing action")
    p.set_defaults(func=_cmd_outfalls)
