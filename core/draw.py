"""The random draw 双随机、一公开: inspection targets drawn from a supervision list, inspectors
drawn from a roster, and a record anyone can re-run.

The method, ``gs-sha256-rank-v1``, uses SHA-256 rather than a pseudo-random generator, so it gives
the same result on every machine and Python/numpy version and can be re-checked with a few lines
in any language (the same idea as RFC 3797's public selection):

- every entity gets the draw key ``sha256("{seed}|draw|{entity_id}")`` (hex, UTF-8); within each
  stratum the ``ceil(ratio × size)`` entities with the smallest keys are drawn. Keys depend only on
  the seed and the id, so the row order of the input file does not matter;
- strata: the pools key / general / special (重点排污单位 / 一般排污单位 / 特殊监管对象); in key and
  general the positive-list firms (正面清单) form their own stratum drawn at ratio × factor
  (factor 1: not split; 0: no on-site draw); special supervision ignores the positive list;
- inspectors: drawn targets are taken in the order of ``sha256("{seed}|order|{entity_id}")``. With
  teams in the roster, each target first gets a team (the least loaded per member among the teams
  that can still send enough inspectors who did not visit the target last time; ties by
  ``sha256("{seed}|team|{entity_id}|{team}")``), then that many members of it; without teams (or
  with ``mix_teams``) members come from the whole roster and the case's team is the first
  inspector's. Members are ranked by (load at the cap, visited this target in the history, load,
  ``sha256("{seed}|inspector|{entity_id}|{inspector_id}")``) and the first ``per_target`` go. So no
  inspector exceeds ``ceil(per_target × targets / inspectors) + 1`` visits, and a revisit happens
  only when it cannot be avoided; the record then says so.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import hashlib
import json
import math
import os
import re
import secrets
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

import numpy as np
import shapely

from . import __version__
from .errors import (
    DrawColumnsMissing,
    DrawRecordExists,
    DuplicateEntityIds,
    DuplicateInspectorIds,
    EmptySupervisionList,
    GreenShieldError,
    IncompleteRows,
    InputNotFound,
    InvalidDrawHistory,
    InvalidPeriod,
    InvalidPerTarget,
    InvalidPositiveFactor,
    InvalidRatio,
    InvalidRatioOverride,
    InvalidRatiosFile,
    InvalidSeed,
    OutputIsAnInput,
    TeamTooSmall,
    TooFewInspectors,
    UnknownPoolValues,
    UnknownRatioPool,
    UnreadableInput,
)
from .schema import BOOL_FALSE, BOOL_TRUE, CODE_LISTS, LAYER_TYPES

METHOD = "gs-sha256-rank-v1"
POOLS = ("key", "general", "special")
POOL_LIST = CODE_LISTS["supervision_pool"]
RATIOS_PATH = os.path.join(os.path.dirname(__file__), "data", "draw_ratios.yaml")
TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xls")
WHOLE_FILE_SUFFIXES = TABLE_SUFFIXES + (".json", ".geojson")
LON_NAMES = ("lon", "lng", "longitude", "x", "经度", "东经", "x坐标")
LAT_NAMES = ("lat", "latitude", "y", "纬度", "北纬", "y坐标")
ROSTER_COLUMNS = {
    "inspector_id": ("id", "inspector_id", "执法证号", "编号", "执法证编号", "证件号", "工号"),
    "name": ("name", "姓名", "执法人员", "inspector"),
    "unit": ("unit", "单位", "所在单位", "执法单位"),
    "team": ("team", "小组", "检查组", "组别", "分组"),
}
HISTORY_IDS = ("inspector_ids", "inspector_id", "执法证号", "检查人员编号")
HISTORY_TARGETS = ("entity_id", "target_id", "监管对象编码", "对象编码", "统一社会信用代码", "信用代码")
ROSTER_LABELS_ZH = {"inspector_id": "执法证号", "name": "姓名", "unit": "单位", "team": "检查组"}
ROLES = {"list": ("supervision list", "监管对象名录"), "roster": ("inspector roster", "执法人员名录"),
         "history": ("previous draw", "上次抽查结果"), "ratios": ("ratios file", "抽查比例文件")}
RESULT_FIELDS = ("seq", "draw_id", "entity_id", "name", "pool", "pool_zh", "positive_list", "stratum", "team",
                 "inspector_ids", "inspectors", "revisit", "special_reason", "industry", "address", "xzqdm", "xzqmc")
RESULT_KEYS = ("seq", "entity_id", "name", "pool", "positive_list", "stratum", "team", "inspector_ids", "inspectors",
               "revisits")  # a drawn target as the record stores it and --verify compares it
PRIORITY = {"special": "high", "key": "medium", "general": "medium"}
_SPLIT_IDS = re.compile(r"[;；,，、|/\s]+")


class DrawCanceled(Exception):
    """The user canceled; nothing was written."""


# --- data ----------------------------------------------------------------------------------


@dataclass
class Entity:
    entity_id: str
    name: str
    pool: str  # key | general | special
    positive_list: bool = False
    special_reason: str | None = None
    industry: str | None = None
    address: str | None = None
    xzqdm: str | None = None
    xzqmc: str | None = None
    notes: str | None = None
    geometry: Any = None  # shapely Point in the list's CRS, or None
    row: int = 0


@dataclass
class Inspector:
    inspector_id: str
    name: str
    unit: str | None = None
    team: str | None = None
    row: int = 0


@dataclass
class InputFile:
    """An input as the record lists it: where it was, what it held and its SHA-256.

    Plain files (CSV, XLSX, JSON) are summed byte for byte; a layer of a GeoPackage or a
    Shapefile is summed over its content (rows and geometries), so writing cases into the same
    workspace later does not make an untouched list look changed.
    """

    role: str  # list | roster | history
    path: str  # absolute
    layer: str | None
    sha256: str
    checksum_of: str  # file | layer
    rows: int

    @property
    def spec(self) -> str:
        return f"{self.path}:{self.layer}" if self.layer else self.path


@dataclass
class SupervisionList:
    entities: list[Entity]
    crs: str | None
    source: InputFile
    notes: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Roster:
    inspectors: list[Inspector]
    source: InputFile
    kind: str = "table"


@dataclass
class RatioTable:
    """Ratios in per cent per pool, the positive-list factor and inspectors per target, with provenance."""

    ratios: dict[str, float]
    positive_factor: float
    per_target: int
    verified: dict[str, bool]
    basis: dict[str, str]
    name: str
    version: str
    path: str | None = None
    sha256: str | None = None
    overridden: tuple[str, ...] = ()


@dataclass(frozen=True)
class DrawOptions:
    ratios: dict[str, float]  # per cent, per pool
    positive_factor: float = 1.0
    per_target: int = 2
    mix_teams: bool = False


@dataclass
class Stratum:
    name: str  # key | key_positive | general | general_positive | special
    pool: str
    positive: bool | None  # None: the pool is not split
    size: int
    ratio: float  # effective per cent
    count: int
    ids: list[str] = field(default_factory=list)  # drawn, in draw-key order


@dataclass
class DrawnTarget:
    seq: int
    entity: Entity
    stratum: str
    team: str | None
    inspectors: list[Inspector]
    revisits: list[str] = field(default_factory=list)  # inspector ids that visited this target last time

    @property
    def inspector_ids(self) -> list[str]:
        return [i.inspector_id for i in self.inspectors]

    @property
    def inspector_names(self) -> str:
        return "、".join(i.name for i in self.inspectors)


@dataclass
class DrawResult:
    seed: int
    options: DrawOptions
    strata: list[Stratum]
    targets: list[DrawnTarget]
    load_cap: int
    loads: dict[str, int]
    team_mode: bool
    notes: list[tuple[str, str]] = field(default_factory=list)  # (English, Chinese)

    def pool_sizes(self) -> dict[str, int]:
        return {pool: sum(s.size for s in self.strata if s.pool == pool) for pool in POOLS}

    def pool_counts(self) -> dict[str, int]:
        return {pool: sum(s.count for s in self.strata if s.pool == pool) for pool in POOLS}

    def canonical(self) -> list[dict[str, Any]]:
        """The result as the record stores it and --verify compares it: every field of every target."""
        return [{"seq": t.seq, "entity_id": t.entity.entity_id, "name": t.entity.name, "pool": t.entity.pool,
                 "positive_list": t.entity.positive_list, "stratum": t.stratum, "team": t.team,
                 "inspector_ids": t.inspector_ids, "inspectors": [i.name for i in t.inspectors],
                 "revisits": list(t.revisits)} for t in self.targets]

    def digest(self) -> str:
        return result_digest(self.canonical())


@dataclass
class DrawRun:
    """One draw with everything the record needs."""

    draw_id: str
    period: str
    seed: int
    seed_source: str  # given | generated
    created: str
    software: str
    inputs: list[InputFile]
    ratio_table: RatioTable
    result: DrawResult
    crs: str | None
    history_visits: int = 0
    notes: list[tuple[str, str]] = field(default_factory=list)


def json_digest(value: Any) -> str:
    """SHA-256 of a value as compact JSON with sorted keys (UTF-8): what the record's checksums are of."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def result_digest(canonical: list[dict[str, Any]]) -> str:
    return json_digest(canonical)


def draw_key(seed: int, *parts: str) -> str:
    """The method's one random primitive: SHA-256 of "seed|part|part…" as hex."""
    return hashlib.sha256("|".join((str(seed), *parts)).encode("utf-8")).hexdigest()


# --- ratios --------------------------------------------------------------------------------


def _finite(value: object) -> float | None:
    """25, '25', '25 %' → 25; 12.5 stays 12.5; None for anything that is not a finite number."""
    text = str(value).strip().rstrip("%").strip() if isinstance(value, str) else value
    try:
        number = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() else number


def _percent(value: object, pool: str) -> float:
    """A pool's ratio in per cent, 0–100."""
    number = _finite(value)
    if number is None or not 0 <= number <= 100:
        raise InvalidRatio(pool, value, POOL_LIST.label_zh(pool) if pool in POOLS else None)
    return number


def _factor(value: object) -> float:
    """The positive-list factor, 0–1."""
    number = _finite(value)
    if number is None or not 0 <= number <= 1:
        raise InvalidPositiveFactor(value)
    return number


def pool_code(name: object) -> str:
    """'key', '重点排污单位', '重点' … → 'key'; anything else raises UnknownRatioPool."""
    code = POOL_LIST.normalise(name)
    if code is None:
        raise UnknownRatioPool(str(name))
    return code


def _per_target(value: object) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidPerTarget(value) from None
    if number < 2:
        raise InvalidPerTarget(value)
    return number


def load_ratios(path: str | None = None) -> RatioTable:
    """The ratios file (default: the shipped provincial defaults)."""
    import yaml

    path = os.fspath(path) if path else RATIOS_PATH
    if not os.path.exists(path):
        raise InputNotFound(path)
    with open(path, "rb") as fh:
        raw = fh.read()
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"（第 {mark.line + 1} 行）" if mark is not None else ""
        raise InvalidRatiosFile(path, f"not valid UTF-8 YAML ({exc})",
                                f"不是有效的 UTF-8 编码 YAML 文件{where}") from None
    if not isinstance(data, dict) or not isinstance(data.get("pools"), dict):
        raise InvalidRatiosFile(path, "it has no 'pools:' section", "缺少 pools: 部分")
    ratios, verified, basis = {}, {}, {}
    for name, item in data["pools"].items():
        code = pool_code(name)
        if not isinstance(item, dict) or "ratio" not in item:
            raise InvalidRatiosFile(path, f"pool '{name}' has no 'ratio:'", f"类别“{name}”缺少 ratio: 项")
        ratios[code] = _percent(item["ratio"], code)
        verified[code] = bool(item.get("verified", False))
        basis[code] = str(item.get("basis") or "")
    missing = [p for p in POOLS if p not in ratios]
    if missing:
        raise InvalidRatiosFile(path, f"no ratio for {', '.join(missing)}",
                                f"缺少{'、'.join(POOL_LIST.label_zh(p) for p in missing)}的抽查比例")
    positive = data.get("positive_list") or {}
    factor = _factor(positive.get("factor", 1))
    verified["positive_list"] = bool(positive.get("verified", False))
    basis["positive_list"] = str(positive.get("basis") or "")
    return RatioTable(ratios, factor, _per_target(data.get("per_target", 2)), verified, basis,
                      str(data.get("name") or os.path.basename(path)), str(data.get("version") or ""), path,
                      hashlib.sha256(raw).hexdigest())


def parse_ratio_overrides(pairs: Iterable[str] | None) -> dict[str, float]:
    """['key=30', '一般排污单位=3%'] → {'key': 30, 'general': 3}."""
    out: dict[str, float] = {}
    for pair in pairs or ():
        name, sep, value = str(pair).partition("=")
        if not sep:
            raise InvalidRatioOverride(str(pair))
        code = pool_code(name.strip())
        out[code] = _percent(value, code)
    return out


def with_overrides(table: RatioTable, ratios: dict[str, object] | None = None, positive_factor: object = None,
                   per_target: object = None) -> RatioTable:
    """The table with this run's choices; overridden entries are no longer 'verified'."""
    new_ratios = dict(table.ratios)
    verified = dict(table.verified)
    overridden = list(table.overridden)
    for name, value in (ratios or {}).items():
        code = pool_code(name)
        number = _percent(value, code)
        if number != table.ratios[code]:
            new_ratios[code] = number
            verified[code] = False
            overridden.append(code)
    factor = table.positive_factor
    if positive_factor is not None:
        factor = _factor(positive_factor)
        if factor != table.positive_factor:
            verified["positive_list"] = False
            overridden.append("positive_list")
    per = table.per_target if per_target is None else _per_target(per_target)
    if per != table.per_target:
        overridden.append("per_target")
    return replace(table, ratios=new_ratios, positive_factor=factor, per_target=per, verified=verified,
                   overridden=tuple(dict.fromkeys(overridden)))


# --- reading inputs ------------------------------------------------------------------------


def _text(value: object) -> str | None:
    """A cell as stripped NFC text; None for empty; 50019900001.0 → '50019900001'."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            value = int(value)
    if isinstance(value, (np.integer, np.floating)):
        return _text(value.item())
    if isinstance(value, (_dt.date, _dt.datetime)):
        value = value.isoformat()
    text = unicodedata.normalize("NFC", str(value)).strip()
    return text or None


def _fold(name: str) -> str:
    return re.sub(r"[\s_\-()（）]", "", str(name)).casefold()


def _label_zh(field_zh: str, column: str) -> str:
    """A field as the Chinese messages name it: 监管对象编码, or 监管对象编码（“统一社会信用代码”列） when the
    file names the column otherwise in Chinese (an English column name is the field itself)."""
    if column.isascii() or _fold(column) == _fold(field_zh):
        return field_zh
    return f"{field_zh}（“{column}”列）"


def _find(columns: Sequence[str], candidates: Sequence[str]) -> str | None:
    folded = {}
    for column in columns:
        folded.setdefault(_fold(column), column)
    for candidate in candidates:
        if _fold(candidate) in folded:
            return folded[_fold(candidate)]
    return None


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _content_sha256(columns: dict[str, list], geometries: Sequence) -> str:
    data = {
        "columns": {name: [_text(v) for v in values] for name, values in sorted(columns.items())},
        "geometry": [None if g is None else shapely.to_wkb(g, hex=True, flavor="iso") for g in geometries],
    }
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class _Rows:
    path: str
    layer: str | None
    columns: dict[str, list]
    geometries: list
    crs: str | None
    kind: str  # table | layer
    source: InputFile
    notes: list[tuple[str, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.geometries)

    def place(self, i: int) -> int:
        """Row i as users find it: the spreadsheet row (header = 1) or the feature's position (from 1)."""
        return i + 2 if self.kind == "table" else i + 1


def _read_table(path: str) -> tuple[dict[str, list], list, str | None, list[tuple[str, str]]]:
    import pandas as pd

    from .encoding import detect_text_encoding

    try:
        if path.lower().endswith((".xlsx", ".xls")):
            frame = pd.read_excel(path, dtype=object)
        else:
            with open(path, "rb") as fh:
                head = fh.read(1 << 16)
            encoding = detect_text_encoding(head)
            header = head.decode(encoding, errors="ignore").splitlines()[:1] or [""]
            # the header decides the delimiter: values (e.g. "张三、李四", "A1;A2") must not
            sep = max((",", "\t", ";", "|"), key=lambda c: (header[0].count(c), c == ","))
            frame = pd.read_csv(path, dtype=str, encoding=encoding, keep_default_na=False, sep=sep)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise UnreadableInput(path, str(exc)) from None
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    names = list(frame.columns)
    columns = {c: list(frame[c]) for c in names}
    geoms: list = [None] * len(frame)
    crs, notes = None, []
    x_col, y_col = _find(names, LON_NAMES), _find(names, LAT_NAMES)
    if x_col and y_col:
        xs, ys = [], []
        for i, (x, y) in enumerate(zip(columns[x_col], columns[y_col])):
            try:
                fx, fy = float(x), float(y)
            except (TypeError, ValueError):
                continue
            if math.isfinite(fx) and math.isfinite(fy):
                geoms[i] = shapely.Point(fx, fy)
                xs.append(fx)
                ys.append(fy)
        if xs and all(-180 <= x <= 180 for x in xs) and all(-90 <= y <= 90 for y in ys):
            crs = "EPSG:4490"
            notes.append((f"Coordinates in columns {x_col}/{y_col} of {path} read as CGCS2000 longitude/latitude.",
                          f"{path} 的 {x_col}/{y_col} 列按 CGCS2000 经纬度读取。"))
        elif xs:
            notes.append((f"Columns {x_col}/{y_col} of {path} are not longitude/latitude; their CRS is unknown.",
                          f"{path} 的 {x_col}/{y_col} 列不是经纬度，坐标系未知。"))
    return columns, geoms, crs, notes


def _read_rows(spec: str, role: str) -> _Rows:
    from .sources import read_source, split_source

    path, layer = split_source(os.fspath(spec))
    path = os.path.abspath(path)
    if not os.path.exists(path):
        raise InputNotFound(path)
    if path.lower().endswith(TABLE_SUFFIXES):
        layer = None  # a CSV opened by OGR carries its own name as the layer
        columns, geoms, crs, notes = _read_table(path)
        kind = "table"
    else:
        data = read_source(path, layer)
        columns, geoms, crs, notes = data.columns, list(data.geometries), data.crs, []
        kind = "layer"
    if path.lower().endswith(WHOLE_FILE_SUFFIXES) and not layer:
        checksum, of = file_sha256(path), "file"
    else:
        checksum, of = _content_sha256(columns, geoms), "layer"
    source = InputFile(role, path, layer, checksum, of, len(geoms))
    return _Rows(path, layer, columns, geoms, crs, kind, source, notes)


def _parse_bool(value: object) -> bool | None:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    text = _text(value)
    if text is None:
        return False
    folded = text.casefold()
    if folded in BOOL_TRUE:
        return True
    if folded in BOOL_FALSE:
        return False
    try:
        return bool(float(text))
    except ValueError:
        return None


def read_supervision_list(spec: str) -> SupervisionList:
    """The supervision list: WORKSPACE.gpkg:supervised_entity, any layer, or a CSV/XLSX (coordinates optional).

    Columns are matched like an import (English or Chinese names and their synonyms).
    """
    from .importer import plan_field_map

    rows = _read_rows(spec, "list")
    lt = LAYER_TYPES["supervised_entity"]
    if not len(rows):
        raise EmptySupervisionList(rows.path)
    mapping = plan_field_map(list(rows.columns), lt)
    missing = [f.name for f in lt.fields if f.required and f.name not in mapping]
    if missing:
        raise DrawColumnsMissing(rows.path, "supervision list", "监管对象名录",
                                 [f"{m} ({lt.field(m).alias_zh})" for m in missing], list(rows.columns),
                                 [f"{lt.field(m).alias_zh}（{m}）" for m in missing])

    def cell(name: str, i: int) -> object:
        return rows.columns[mapping[name]][i] if name in mapping else None

    entities, incomplete, bad_pools = [], [], []
    seen: dict[str, list[int]] = {}
    for i in range(len(rows)):
        place = rows.place(i)
        values = {name: _text(cell(name, i)) for name in lt.field_names() if name != "positive_list"}
        if not any(values.values()):
            continue  # a blank line
        for name in ("entity_id", "name", "pool"):
            if values[name] is None:
                incomplete.append((place, mapping[name], "", _label_zh(lt.field(name).alias_zh, mapping[name])))
        positive = _parse_bool(cell("positive_list", i))
        if positive is None:
            incomplete.append((place, mapping["positive_list"], _text(cell("positive_list", i)) or "",
                               _label_zh(lt.field("positive_list").alias_zh, mapping["positive_list"])))
        pool = POOL_LIST.normalise(values["pool"]) if values["pool"] else None
        if values["pool"] and pool is None:
            bad_pools.append((place, values["pool"]))
        if values["entity_id"]:
            seen.setdefault(values["entity_id"], []).append(place)
        entities.append(Entity(values["entity_id"] or "", values["name"] or "", pool or "", bool(positive),
                               values["special_reason"], values["industry"], values["address"], values["xzqdm"],
                               values["xzqmc"], values["notes"], rows.geometries[i], place))
    if not entities:
        raise EmptySupervisionList(rows.path)
    if incomplete:
        raise IncompleteRows(rows.path, "supervision list", "监管对象名录", incomplete, rows.kind)
    if bad_pools:
        raise UnknownPoolValues(rows.path, bad_pools, rows.kind)
    duplicates = {eid: places for eid, places in seen.items() if len(places) > 1}
    if duplicates:
        raise DuplicateEntityIds(rows.path, duplicates, rows.kind)
    crs = rows.crs if any(e.geometry is not None for e in entities) else None
    return SupervisionList(entities, crs, rows.source, rows.notes)


def read_roster(spec: str) -> Roster:
    """The inspector roster: CSV/XLSX or a table (FILE.gpkg:sample_roster) with name, id, unit, team
    (or 姓名, 执法证号/编号, 单位, 小组)."""
    rows = _read_rows(spec, "roster")
    names = list(rows.columns)
    mapping = {key: _find(names, candidates) for key, candidates in ROSTER_COLUMNS.items()}
    labels = {"inspector_id": ("id (执法证号)", "执法证号（id）"), "name": ("name (姓名)", "姓名（name）")}
    missing = [labels[key] for key in ("inspector_id", "name") if not mapping[key]]
    if missing:
        raise DrawColumnsMissing(rows.path, "inspector roster", "执法人员名录", [en for en, _ in missing], names,
                                 [zh for _, zh in missing])
    inspectors, incomplete = [], []
    seen: dict[str, list[int]] = {}
    for i in range(len(rows)):
        place = rows.place(i)
        values = {key: (_text(rows.columns[col][i]) if col else None) for key, col in mapping.items()}
        if not any(values.values()):
            continue
        for key in ("inspector_id", "name"):
            if values[key] is None:
                incomplete.append((place, mapping[key], "", _label_zh(ROSTER_LABELS_ZH[key], mapping[key])))
        if values["inspector_id"]:
            seen.setdefault(values["inspector_id"], []).append(place)
        inspectors.append(Inspector(values["inspector_id"] or "", values["name"] or "", values["unit"],
                                    values["team"], place))
    if incomplete:
        raise IncompleteRows(rows.path, "inspector roster", "执法人员名录", incomplete, rows.kind)
    duplicates = {iid: places for iid, places in seen.items() if len(places) > 1}
    if duplicates:
        raise DuplicateInspectorIds(rows.path, duplicates, rows.kind)
    return Roster(inspectors, rows.source, rows.kind)


def read_history(spec: str) -> tuple[dict[str, set[str]], InputFile]:
    """A previous draw: its record JSON or its result CSV → {entity_id: {inspector ids}}."""
    path = os.path.abspath(os.fspath(spec))
    if path.lower().endswith(".json"):
        if not os.path.exists(path):
            raise InputNotFound(path)
        try:
            with open(path, encoding="utf-8") as fh:
                record = json.load(fh)
            items = record["result"]
            visits = {str(item["entity_id"]): {str(i) for i in item["inspector_ids"]} for item in items}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InvalidDrawHistory(path, f"not a draw record ({exc})", "不是抽查记录") from None
        return visits, InputFile("history", path, None, file_sha256(path), "file", len(visits))
    rows = _read_rows(spec, "history")
    names = list(rows.columns)
    target_col, ids_col = _find(names, HISTORY_TARGETS), _find(names, HISTORY_IDS)
    if not target_col or not ids_col:
        raise InvalidDrawHistory(rows.path, f"no entity_id and inspector_ids columns (columns: {', '.join(names)})",
                                 f"缺少监管对象编码（entity_id）和执法证号（inspector_ids）列（现有列：{'、'.join(names)}）")
    visits: dict[str, set[str]] = {}
    for target, ids in zip(rows.columns[target_col], rows.columns[ids_col]):
        target, ids = _text(target), _text(ids)
        if target and ids:
            visits.setdefault(target, set()).update(p for p in _SPLIT_IDS.split(ids) if p)
    return visits, rows.source


# --- the draw ------------------------------------------------------------------------------


def check_roster(inspectors: Sequence[Inspector], per_target: int, mix_teams: bool = False,
                 source: str = "roster", kind: str = "table") -> bool:
    """Raise if the roster cannot staff a draw; return whether inspectors are drawn team by team."""
    if len(inspectors) < per_target:
        raise TooFewInspectors(source, len(inspectors), per_target)
    team_mode = not mix_teams and any(i.team for i in inspectors)
    if not team_mode:
        return False
    without = [(i.row, "team", "", ROSTER_LABELS_ZH["team"]) for i in inspectors if not i.team]
    if without:
        raise IncompleteRows(source, "inspector roster", "执法人员名录", without, kind)
    sizes: dict[str, int] = {}
    for inspector in inspectors:
        sizes[inspector.team] = sizes.get(inspector.team, 0) + 1  # type: ignore[index]
    small = {team: n for team, n in sorted(sizes.items()) if n < per_target}
    if small:
        raise TeamTooSmall(small, per_target)
    return True


def _ceil_count(ratio: float, factor: float, size: int) -> int:
    """ceil(ratio % × factor × size) in exact arithmetic (25 % of 20 is 5, never 6)."""
    exact = Fraction(str(ratio)) * Fraction(str(factor)) * size / 100
    return math.ceil(exact)


def _strata(entities: Sequence[Entity], options: DrawOptions) -> list[tuple[Stratum, list[Entity]]]:
    out = []
    for pool in POOLS:
        members = [e for e in entities if e.pool == pool]
        ratio = options.ratios[pool]
        if pool == "special" or options.positive_factor == 1:
            groups = [(pool, None, members, 1)]
        else:
            groups = [(pool, False, [e for e in members if not e.positive_list], 1),
                      (f"{pool}_positive", True, [e for e in members if e.positive_list], options.positive_factor)]
        for name, positive, group, factor in groups:
            effective = float(Fraction(str(ratio)) * Fraction(str(factor)))
            stratum = Stratum(name, pool, positive, len(group), int(effective) if effective.is_integer() else effective,
                              _ceil_count(ratio, factor, len(group)))
            out.append((stratum, group))
    return out


def draw(
    entities: Sequence[Entity],
    inspectors: Sequence[Inspector],
    seed: int,
    options: DrawOptions,
    history: dict[str, set[str]] | None = None,
    roster_source: str = "roster",
    roster_kind: str = "table",
    progress: Callable[[float], None] | None = None,
    is_canceled: Callable[[], bool] | None = None,
) -> DrawResult:
    """Draw targets per stratum and assign inspectors; deterministic in (entities, inspectors, seed, options)."""
    seed = check_seed(seed)
    ratios = {pool: _percent(options.ratios.get(pool, 0), pool) for pool in POOLS}
    factor = _factor(options.positive_factor)
    per_target = _per_target(options.per_target)
    options = replace(options, ratios=ratios, positive_factor=factor, per_target=per_target)
    if not entities:
        raise EmptySupervisionList("(supervision list)")
    team_mode = check_roster(inspectors, per_target, options.mix_teams, roster_source, roster_kind)
    history = history or {}
    notes: list[tuple[str, str]] = []

    strata, drawn = [], []
    for stratum, members in _strata(entities, options):
        ranked = sorted(members, key=lambda e: (draw_key(seed, "draw", e.entity_id), e.entity_id))
        chosen = ranked[:stratum.count]
        stratum.ids = [e.entity_id for e in chosen]
        strata.append(stratum)
        drawn += [(stratum, e) for e in chosen]
    for pool in POOLS:
        if ratios[pool] > 0 and not any(e.pool == pool for e in entities):
            zh = POOL_LIST.label_zh(pool)
            notes.append((f"Pool {pool} ({zh}) has no entities in the list; nothing was drawn from it.",
                          f"名录中没有{zh}，该类别未抽取。"))
    special_positive = sum(1 for e in entities if e.pool == "special" and e.positive_list)
    if special_positive:
        notes.append((f"{special_positive} special-supervision entities are on the positive list; special "
                      "supervision takes precedence, so they were drawn at the special ratio.",
                      f"{special_positive} 家特殊监管对象同时列入正面清单；特殊监管优先，按特殊监管对象比例抽取。"))
    if progress:
        progress(0.2)

    ids = sorted(i.inspector_id for i in inspectors)
    by_id = {i.inspector_id: i for i in inspectors}
    loads = dict.fromkeys(ids, 0)
    cap = math.ceil(per_target * len(drawn) / len(ids)) + 1 if drawn else 0
    teams: dict[str | None, list[str]] = {}
    for iid in ids:
        teams.setdefault(by_id[iid].team if team_mode else None, []).append(iid)

    assigned: dict[str, tuple[str | None, list[str], list[str]]] = {}
    order = sorted(drawn, key=lambda item: (draw_key(seed, "order", item[1].entity_id), item[1].entity_id))
    for n, (_stratum, entity) in enumerate(order):
        if is_canceled and is_canceled():
            raise DrawCanceled()
        eid = entity.entity_id
        past = history.get(eid, set())

        def free(members: list[str], past=past) -> int:
            return sum(1 for m in members if m not in past and loads[m] < cap)

        team = min(teams, key=lambda t: (free(teams[t]) < per_target,
                                         Fraction(sum(loads[m] for m in teams[t]), len(teams[t])),
                                         draw_key(seed, "team", eid, t or "")))
        ranked = sorted(teams[team], key=lambda m: (loads[m] >= cap, m in past, loads[m],
                                                    draw_key(seed, "inspector", eid, m)))
        chosen = ranked[:per_target]
        for m in chosen:
            loads[m] += 1
        revisits = [m for m in chosen if m in past]
        if revisits:
            names = "、".join(by_id[m].name for m in revisits)
            notes.append((f"{entity.name} ({eid}): {len(revisits)} inspector(s) ({', '.join(revisits)}) visited it "
                          "in the previous draw too; not enough other inspectors were free to avoid it.",
                          f"{entity.name}（{eid}）：{names} 上次已检查该对象，因可派人员不足无法回避。"))
        assigned[eid] = (team if team_mode else by_id[chosen[0]].team, chosen, revisits)
        if progress and n % 20 == 0:
            progress(0.2 + 0.8 * (n + 1) / len(order))
    over = {m: load for m, load in loads.items() if cap and load > cap}
    for m, load in over.items():
        notes.append((f"Inspector {by_id[m].name} ({m}) has {load} targets, above the balance cap of {cap}.",
                      f"执法人员 {by_id[m].name}（{m}）分派 {load} 个对象，超过均衡上限 {cap} 个。"))

    pool_rank = {pool: i for i, pool in enumerate(POOLS)}
    drawn.sort(key=lambda item: (pool_rank[item[1].pool], item[0].positive is True, item[1].entity_id))
    targets = []
    for seq, (stratum, entity) in enumerate(drawn, start=1):
        team, chosen, revisits = assigned[entity.entity_id]
        targets.append(DrawnTarget(seq, entity, stratum.name, team, [by_id[m] for m in chosen], revisits))
    if progress:
        progress(1.0)
    return DrawResult(seed, options, strata, targets, cap, loads, team_mode, notes)


# --- a whole run: inputs, seed, record ---------------------------------------------------


def check_seed(seed: object) -> int:
    if isinstance(seed, bool):
        raise InvalidSeed(seed)
    try:
        number = int(str(seed).strip()) if not isinstance(seed, int) else seed
    except ValueError:
        raise InvalidSeed(seed) from None
    if number < 0:
        raise InvalidSeed(seed)
    return number


def new_seed() -> int:
    """A fresh seed from the operating system's secure random source; up to 10 digits, easy to read aloud."""
    return secrets.randbelow(10**10)


def current_period(today: _dt.date | None = None) -> str:
    today = today or _dt.date.today()
    return f"{today.year}Q{(today.month - 1) // 3 + 1}"


_YEAR = r"([1-9]\d{3})"
_ZH_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4"}
_PERIODS = (  # (pattern on the NFKC, upper-cased, space-free text, canonical form from its groups)
    (rf"{_YEAR}(?:年度?)?", lambda y: y),
    (rf"{_YEAR}[-/]?Q([1-4])", lambda y, q: f"{y}Q{q}"),
    (rf"{_YEAR}年?第?([1-4一二三四])季度?", lambda y, q: f"{y}Q{_ZH_DIGITS.get(q, q)}"),
    (rf"{_YEAR}[-/]?H([12])", lambda y, h: f"{y}H{h}"),
    (rf"{_YEAR}年?([上下])半年", lambda y, h: f"{y}H{1 if h == '上' else 2}"),
    (rf"{_YEAR}(?:[-/.](\d{{1,2}})|(\d{{2}}))", lambda y, m1, m2: f"{y}-{int(m1 or m2):02d}"),
    (rf"{_YEAR}年(\d{{1,2}})月份?", lambda y, m: f"{y}-{int(m):02d}"),
)


def normalise_period(text: object) -> str:
    """The period a draw is for, in one of four forms: 2026Q4 (quarter), 2026H1 (half year), 2026 (year) or
    2026-03 (month). 2026q4, 2026-Q4, 2026年第四季度, 2026年上半年, 2026年度, 2026年3月 and 202603 are read as
    those; anything else raises InvalidPeriod. The period names the draw (DRAW-2026Q4-<seed>) and sets the
    cases' check deadline, so free text is refused rather than guessed at."""
    folded = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or ""))).upper()
    for pattern, canonical in _PERIODS:
        m = re.fullmatch(pattern, folded)
        if m:
            period = canonical(*m.groups())
            if "-" in period and not 1 <= int(period[5:]) <= 12:
                break
            return period
    raise InvalidPeriod(str(text or "").strip())


def period_end(period: str) -> _dt.date | None:
    """The last day of a period ('2026Q4' → 2026-12-31, '2026H1' → 2026-06-30); None for other text."""
    try:
        period = normalise_period(period)
    except InvalidPeriod:
        return None
    year, rest = int(period[:4]), period[4:]
    month = (12 if not rest else int(rest[1]) * 3 if rest[0] == "Q" else int(rest[1]) * 6 if rest[0] == "H"
             else int(rest[1:]))
    return _dt.date(year, month, calendar.monthrange(year, month)[1])


def make_draw_id(period: str, seed: int) -> str:
    """DRAW-2026Q4-7, DRAW-2026H1-7, DRAW-2026-7, DRAW-202603-7: one id per period and seed, ASCII only."""
    return f"DRAW-{normalise_period(period).replace('-', '')}-{seed}"


def run_draw(
    list_spec: str,
    roster_spec: str,
    *,
    seed: object = None,
    ratios_file: str | None = None,
    ratios: dict[str, object] | None = None,
    positive_factor: object = None,
    per_target: object = None,
    mix_teams: bool = False,
    history: Sequence[str] = (),
    period: str | None = None,
    progress: Callable[[float], None] | None = None,
    is_canceled: Callable[[], bool] | None = None,
) -> DrawRun:
    """Read the inputs, draw, and keep what the record needs. seed None (or '') → generated and recorded;
    period None (or '') → the current quarter, otherwise as normalise_period reads it."""
    period = normalise_period(period) if period is not None and str(period).strip() else current_period()
    table = with_overrides(load_ratios(ratios_file), ratios, positive_factor, per_target)
    if seed is None or (isinstance(seed, str) and not seed.strip()):
        seed_value, seed_source = new_seed(), "generated"
    else:
        seed_value, seed_source = check_seed(seed), "given"
    supervision = read_supervision_list(list_spec)
    roster = read_roster(roster_spec)
    inputs = [supervision.source, roster.source]
    visits: dict[str, set[str]] = {}
    for spec in history:
        found, source = read_history(spec)
        for eid, ids in found.items():
            visits.setdefault(eid, set()).update(ids)
        inputs.append(source)
    if progress:
        progress(0.1)
    options = DrawOptions(table.ratios, table.positive_factor, table.per_target, mix_teams)
    result = draw(supervision.entities, roster.inspectors, seed_value, options, visits,
                  roster_source=roster.source.path, roster_kind=roster.kind,
                  progress=(lambda f: progress(0.1 + 0.9 * f)) if progress else None, is_canceled=is_canceled)
    return DrawRun(make_draw_id(period, seed_value), period, seed_value, seed_source,
                   _dt.datetime.now().astimezone().isoformat(timespec="seconds"), f"Green Shield {__version__}",
                   inputs, table, result, supervision.crs, sum(len(v) for v in visits.values()),
                   list(supervision.notes))


# --- outputs -------------------------------------------------------------------------------


def output_paths(out: str, draw_id: str) -> dict[str, str]:
    """--out DIR/ (or an existing folder) → DIR/<draw_id>.*; --out PREFIX → PREFIX.csv/.gpkg/.json/.html."""
    out = os.fspath(out)
    if out.endswith(("/", os.sep)) or os.path.isdir(out):
        prefix = os.path.join(out, draw_id)
    else:
        stem, ext = os.path.splitext(out)
        prefix = stem if ext.lower() in (".csv", ".gpkg", ".json", ".html") else out
    return {ext: f"{prefix}.{ext}" for ext in ("csv", "gpkg", "json", "html")}


def result_rows(run: DrawRun) -> list[dict[str, Any]]:
    rows = []
    for t in run.result.targets:
        e = t.entity
        rows.append({"seq": t.seq, "draw_id": run.draw_id, "entity_id": e.entity_id, "name": e.name, "pool": e.pool,
                     "pool_zh": POOL_LIST.label_zh(e.pool), "positive_list": e.positive_list, "stratum": t.stratum,
                     "team": t.team, "inspector_ids": ";".join(t.inspector_ids), "inspectors": t.inspector_names,
                     "revisit": ";".join(t.revisits), "special_reason": e.special_reason, "industry": e.industry,
                     "address": e.address, "xzqdm": e.xzqdm, "xzqmc": e.xzqmc})
    return rows


def _geographic(crs: str | None) -> bool:
    from pyproj import CRS

    try:
        return bool(crs) and CRS.from_user_input(crs).is_geographic
    except Exception:  # noqa: BLE001 - an odd CRS string only changes the column names
        return False


def write_result_csv(run: DrawRun, path: str) -> str:
    """The drawn targets as UTF-8 CSV with a byte order mark (opens in Excel/WPS with Chinese intact)."""
    import csv

    rows = result_rows(run)
    xy = ("lon", "lat") if _geographic(run.crs) else ("x", "y")
    with_xy = any(t.entity.geometry is not None for t in run.result.targets)
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(list(RESULT_FIELDS) + (list(xy) if with_xy else []))
        for row, t in zip(rows, run.result.targets):
            values = ["" if row[f] is None else ("1" if row[f] is True else "0" if row[f] is False else row[f])
                      for f in RESULT_FIELDS]
            if with_xy:
                g = t.entity.geometry
                values += ["", ""] if g is None else [f"{g.x:.8f}", f"{g.y:.8f}"]
            writer.writerow(values)
    return path


def write_result_gpkg(run: DrawRun, path: str, layer: str = "draw_targets") -> str:
    import pyogrio.raw

    rows = result_rows(run)
    geoms = [t.entity.geometry for t in run.result.targets]
    wkb = np.array([None if g is None else shapely.to_wkb(g, flavor="iso") for g in geoms], dtype=object)
    arrays = []
    for name in RESULT_FIELDS:
        values = [r[name] for r in rows]
        if name == "seq":
            arrays.append(np.array(values, dtype="int64"))
        elif name == "positive_list":
            arrays.append(np.array(values, dtype=bool))
        else:
            arrays.append(np.array([None if v is None else str(v) for v in values], dtype=object))
    if os.path.exists(path):
        os.remove(path)
    pyogrio.raw.write(path, wkb, arrays, list(RESULT_FIELDS), layer=layer, driver="GPKG", geometry_type="Point",
                      crs=run.crs, dataset_options={"VERSION": "1.2"})
    return path


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))


def _read_json(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def check_outputs(run: DrawRun, paths: dict[str, str]) -> None:
    """Refuse, before anything is written, an output ({kind: path}) that would replace a workspace
    (OutputIsAWorkspace), a file the draw read (OutputIsAnInput) or, at the record's place ('json'), anything
    but the record of this same draw (DrawRecordExists)."""
    from .workspace import refuse_workspace_as_output

    sources = [(f.role, f.path) for f in run.inputs]
    if run.ratio_table.path:
        sources.append(("ratios", run.ratio_table.path))
    for path in paths.values():
        refuse_workspace_as_output(path)
        for role, source in sources:
            if _same_file(path, source):
                raise OutputIsAnInput(path, *ROLES[role])
    if "json" in paths:
        _refuse_another_record(run, paths["json"])


def _refuse_another_record(run: DrawRun, path: str) -> None:
    """A record is replaced only by the record of the very same draw: the same id, seed, input checksums,
    parameters and result, as when a draw is run again to add its cases. Anything else is refused."""
    from .draw_record import RECORD_FORMAT, record_dict

    if not os.path.exists(path):
        return
    old = _read_json(path)
    if not isinstance(old, dict) or old.get("format") != RECORD_FORMAT:
        raise DrawRecordExists(path, "it is not a draw record", "该文件不是抽查记录")
    new = record_dict(run, path)

    def inputs(record: dict) -> list:
        return sorted((str(i.get("role")), str(i.get("sha256"))) for i in record.get("inputs") or ())

    parts = (("draw_id", "id", "批次编号"), ("seed", "seed", "随机种子"), ("inputs", "inputs", "输入文件"),
             ("parameters", "parameters", "抽查参数"), ("result", "result", "抽查结果"))
    same = {key: inputs(old) == inputs(new) if key == "inputs" else json_digest(old.get(key)) == json_digest(new[key])
            for key, _, _ in parts}
    differ = [(en, zh) for key, en, zh in parts if not same[key]]
    if differ:
        raise DrawRecordExists(
            path, f"it records draw {old.get('draw_id')} of {old.get('created')}, with another "
                  f"{', '.join(en for en, _ in differ)}",
            f"其中记录的是 {old.get('created')} 的抽查 {old.get('draw_id')}，{'、'.join(zh for _, zh in differ)}不同")


def seed_reuse_notes(run: DrawRun, folder: str, record_path: str | None = None) -> list[tuple[str, str]]:
    """A note for each other draw record in `folder` made with this seed for another period: the same seed
    draws the same targets from the same list, so every draw needs a fresh seed."""
    from .draw_record import RECORD_FORMAT

    notes = []
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return notes
    for name in names:
        path = os.path.join(folder, name)
        if name.startswith(".") or not name.lower().endswith(".json"):
            continue
        if record_path and _same_file(path, record_path):
            continue
        old = _read_json(path)
        if not isinstance(old, dict) or old.get("format") != RECORD_FORMAT:
            continue
        draw_id, period = old.get("draw_id"), old.get("period")
        if old.get("seed") == run.seed and period != run.period:
            notes.append((f"Seed {run.seed} was already used for draw {draw_id} (period {period}) in {folder}: the "
                          "same seed draws the same targets from the same list. Use a fresh seed for every draw.",
                          f"随机种子 {run.seed} 已用于同一文件夹中的抽查 {draw_id}（期次 {period}）：同一种子从同一名录"
                          "抽中的对象相同。每次抽查应使用新的随机种子。"))
    return notes


@contextmanager
def staged_outputs(run: DrawRun, paths: dict[str, str]) -> Iterator[dict[str, str]]:
    """Write the outputs ({kind: path}; kinds csv, gpkg, json, html) beside their places, and move them in only
    when the block succeeds: if it fails, nothing is written.

    The caller adds the cases inside the block, so there is never a record of a draw whose cases could not be
    added. Before anything is written, check_outputs refuses an output over a workspace, an input or another
    draw's record, and draws in the record's folder made with the same seed are noted in the record. The
    GeoPackage is written only when the drawn targets have locations. Yields {kind: path} of what is written.
    """
    from .draw_record import write_record_html, write_record_json

    check_outputs(run, paths)
    if "json" in paths:
        for note in seed_reuse_notes(run, os.path.dirname(os.path.abspath(paths["json"])), paths["json"]):
            if note not in run.notes:
                run.notes.append(note)
    spatial = bool(run.crs) and any(t.entity.geometry is not None for t in run.result.targets)
    kinds = [k for k in ("csv", "gpkg", "json", "html") if k in paths and (k != "gpkg" or spatial)]
    writers = {"csv": lambda tmp, _: write_result_csv(run, tmp), "gpkg": lambda tmp, _: write_result_gpkg(run, tmp),
               "json": lambda tmp, final: write_record_json(run, tmp, final),
               "html": lambda tmp, final: write_record_html(run, tmp, paths.get("json") or
                                                            os.path.splitext(final)[0] + ".json")}
    aside: dict[str, str] = {}
    try:
        for kind in kinds:
            final = os.path.abspath(os.fspath(paths[kind]))
            folder = os.path.dirname(final)
            os.makedirs(folder, exist_ok=True)
            stem, ext = os.path.splitext(os.path.basename(final))
            aside[kind] = os.path.join(folder, f".{stem}.partial-{secrets.token_hex(4)}{ext}")
            writers[kind](aside[kind], final)
        yield {kind: paths[kind] for kind in kinds}
        for kind in kinds:
            os.replace(aside[kind], paths[kind])
    finally:
        for tmp in aside.values():
            if os.path.exists(tmp):
                os.remove(tmp)


def write_outputs(run: DrawRun, out: str) -> dict[str, str]:
    """CSV (always), GeoPackage (when the list has points), record JSON and HTML at output_paths(out).
    Returns {kind: path}. Use staged_outputs to add the cases before the record is written."""
    with staged_outputs(run, output_paths(out, run.draw_id)) as written:
        pass
    return written


# --- verification --------------------------------------------------------------------------


@dataclass
class Verification:
    record: str
    draw_id: str
    differences: list[tuple[str, str]] = field(default_factory=list)  # (English, Chinese)
    checked: int = 0  # targets compared

    @property
    def ok(self) -> bool:
        return not self.differences


def _resolve(item: dict, folder: str) -> str | None:
    for candidate in (item.get("path"), item.get("abs_path")):
        if not candidate:
            continue
        path = candidate if os.path.isabs(candidate) else os.path.join(folder, candidate)
        if os.path.exists(path):
            return os.path.abspath(path)
    return None


def _checksum_now(path: str, layer: str | None, checksum_of: str, role: str) -> str:
    if role == "history" or checksum_of == "file":
        return file_sha256(path)
    return _read_rows(f"{path}:{layer}" if layer else path, role).source.sha256


def verify_record(record_path: str) -> Verification:
    """Re-run the draw a record describes from its recorded inputs and compare: checksums, then the result."""
    from .draw_record import load_record, record_digest

    record = load_record(record_path)
    folder = os.path.dirname(os.path.abspath(record_path))
    check = Verification(os.path.abspath(record_path), record["draw_id"])
    found: dict[str, list[str]] = {"list": [], "roster": [], "history": []}
    missing = False
    for item in record["inputs"]:
        role, shown = item["role"], item.get("path") or item.get("abs_path")
        role_zh = ROLES.get(role, (role, role))[1]
        path = _resolve(item, folder)
        if path is None:
            missing = True
            check.differences.append((f"input {role} {shown} was not found (looked next to the record and at "
                                      f"{item.get('abs_path')})", f"未找到输入文件（{role_zh}）{shown}"))
            continue
        spec = f"{path}:{item['layer']}" if item.get("layer") else path
        found.setdefault(role, []).append(spec)
        try:
            now = _checksum_now(path, item.get("layer"), item.get("checksum_of", "file"), role)
        except GreenShieldError as exc:
            check.differences.append((f"input {role} {shown} cannot be read: {exc.message}",
                                      f"输入文件（{role_zh}）{shown} 无法读取：{exc.message_zh}"))
            continue
        if now != item["sha256"]:
            check.differences.append((
                f"input {role} {shown} has changed: SHA-256 recorded {item['sha256'][:16]}…, now {now[:16]}…",
                f"输入文件（{role_zh}）{shown} 已被修改：记录的 SHA-256 为 {item['sha256'][:16]}…，现为 {now[:16]}…"))
    recorded = record["result_canonical"]
    if result_digest(recorded) != record.get("result_sha256"):
        check.differences.append(("the record's result list does not match its own result_sha256: the record was "
                                  "edited after the draw",
                                  "记录中的抽查结果与其结果校验值（result_sha256）不符：记录在抽取后被改动过"))
    elif record_digest(record) != record.get("record_sha256"):
        check.differences.append(("the record does not match its own record_sha256: the record was edited after "
                                  "the draw", "记录内容与其记录校验值（record_sha256）不符：记录在抽取后被改动过"))
    if missing or not found["list"] or not found["roster"]:
        return check
    params = record["parameters"]
    visits: dict[str, set[str]] = {}
    try:
        supervision = read_supervision_list(found["list"][0])
        roster = read_roster(found["roster"][0])
        for spec in found["history"]:
            for eid, ids in read_history(spec)[0].items():
                visits.setdefault(eid, set()).update(ids)
        options = DrawOptions({p: params["ratios"][p] for p in POOLS}, params["positive_factor"],
                              params["per_target"], params.get("mix_teams", False))
        result = draw(supervision.entities, roster.inspectors, record["seed"], options, visits,
                      roster_source=roster.source.path, roster_kind=roster.kind)
    except GreenShieldError as exc:
        check.differences.append((f"the draw cannot be re-run: {exc.message}", f"无法重新抽取：{exc.message_zh}"))
        return check
    check.differences += compare_results(recorded, result.canonical())
    check.checked = len(recorded)
    return check


RESULT_LABELS = {"seq": ("number", "序号"), "name": ("name", "单位名称"), "pool": ("pool", "监管类别"),
                 "positive_list": ("positive list", "正面清单"), "stratum": ("stratum", "抽取层"),
                 "inspectors": ("inspector names", "检查人员姓名"),
                 "revisits": ("unavoidable revisits", "未能回避的人员")}


def _shown(value: Any, zh: bool) -> str:
    if isinstance(value, bool):
        return ("是" if value else "否") if zh else ("yes" if value else "no")
    if isinstance(value, (list, tuple)):
        return ("、" if zh else ", ").join(str(v) for v in value) or "—"
    return "—" if value is None or value == "" else str(value)


def compare_results(recorded: list[dict], now: list[dict]) -> list[tuple[str, str]]:
    """What differs between a recorded result and a re-run, target by target and field by field."""
    out = []
    old = {str(r["entity_id"]): r for r in recorded}
    new = {str(r["entity_id"]): r for r in now}
    gone = sorted(set(old) - set(new))
    added = sorted(set(new) - set(old))
    if gone:
        out.append((f"drawn in the record but not on re-run: {', '.join(gone)}",
                    f"记录中抽中、重新抽取未抽中：{'、'.join(gone)}"))
    if added:
        out.append((f"drawn on re-run but not in the record: {', '.join(added)}",
                    f"重新抽取抽中、记录中未抽中：{'、'.join(added)}"))
    for eid in sorted(set(old) & set(new)):
        a, b = old[eid], new[eid]
        if list(a["inspector_ids"]) != list(b["inspector_ids"]) or a.get("team") != b.get("team"):
            out.append((f"{eid}: inspectors recorded {', '.join(a['inspector_ids'])} ({a.get('team')}), "
                        f"on re-run {', '.join(b['inspector_ids'])} ({b.get('team')})",
                        f"{eid}：记录的检查人员为 {'、'.join(a['inspector_ids'])}（{a.get('team')}），"
                        f"重新抽取为 {'、'.join(b['inspector_ids'])}（{b.get('team')}）"))
        for key, (en, zh) in RESULT_LABELS.items():
            if a.get(key) != b.get(key):
                out.append((f"{eid}: {en} recorded {_shown(a.get(key), False)}, on re-run {_shown(b.get(key), False)}",
                            f"{eid}：记录的{zh}为 {_shown(a.get(key), True)}，重新抽取为 {_shown(b.get(key), True)}"))
    return out


# --- the case ledger -----------------------------------------------------------------------


def case_specs(run: DrawRun, workspace_crs: str | None) -> list:
    """One inspection case per drawn target (source random_draw, source_ref the draw id)."""
    from .cases import CaseSpec

    transform = None
    if run.crs and workspace_crs:
        from pyproj import CRS, Transformer

        if not CRS.from_user_input(run.crs).equals(CRS.from_user_input(workspace_crs)):
            transform = Transformer.from_crs(run.crs, workspace_crs, always_xy=True)
    due = period_end(run.period)
    specs = []
    for t in run.result.targets:
        e = t.entity
        geom = e.geometry if run.crs else None
        if geom is not None and transform is not None:
            geom = shapely.Point(*transform.transform(geom.x, geom.y))
        note = f"双随机抽查 {run.draw_id}（{POOL_LIST.label_zh(e.pool)}{'，正面清单' if e.positive_list else ''}）"
        specs.append(CaseSpec(target_type="enterprise", target_id=e.entity_id, source="random_draw",
                              priority=PRIORITY[e.pool], geometry=geom, target_name=e.name, source_ref=run.draw_id,
                              team=t.team, inspectors=t.inspector_names, check_due=due, xzqdm=e.xzqdm,
                              xzqmc=e.xzqmc, notes=note))
    return specs


def add_cases(run: DrawRun, workspace: str, by: str = "green-shield draw", today: _dt.date | None = None):
    """Add the drawn targets to the workspace's case ledger; returns upsert_cases' result (.created, .updated)."""
    from .cases import upsert_cases
    from .workspace import open_workspace

    info = open_workspace(workspace)
    return upsert_cases(workspace, case_specs(run, info.crs), by=by, today=today or _dt.date.today())


# --- command line --------------------------------------------------------------------------


def summary_lines(run: DrawRun, zh: bool = False) -> list[str]:
    r = run.result
    sizes, counts = r.pool_sizes(), r.pool_counts()
    how = ("系统生成" if run.seed_source == "generated" else "指定") if zh else run.seed_source
    lines = [(f"双随机抽查 {run.draw_id}：种子 {run.seed}（{how}），期次 {run.period}" if zh else
              f"random draw {run.draw_id}: seed {run.seed} ({how}), period {run.period}")]
    for s in r.strata:
        if zh:
            label = POOL_LIST.label_zh(s.pool) + ("（正面清单）" if s.positive else "")
            lines.append(f"  {label}：{s.size} 家 × {s.ratio:g}% → 抽取 {s.count} 家")
        else:
            lines.append(f"  {s.name:<17} {s.size:>5} × {s.ratio:>5g} % → {s.count:>4}")
    total = sum(counts.values())
    lines.append((f"  共抽取 {total} / {sum(sizes.values())} 家；每家 {r.options.per_target} 名执法人员，"
                  f"{'按检查组' if r.team_mode else '跨组'}分派，单人上限 {r.load_cap} 家") if zh else
                 (f"  drawn {total} of {sum(sizes.values())}; {r.options.per_target} inspectors each, "
                  f"{'team by team' if r.team_mode else 'across teams'}, at most {r.load_cap} per inspector"))
    for en, cn in run.notes + r.notes:
        lines.append(f"  说明：{cn}" if zh else f"  note: {en}")
    return lines


def cmd_draw(args) -> int:
    from .cli import _lang

    zh = _lang(args) == "zh"
    if args.verify:
        check = verify_record(args.verify)
        if check.ok:
            print(f"verified：{check.draw_id} 输入文件未改动，重新抽取的 {check.checked} 个对象与记录一致" if zh else
                  f"verified: {check.draw_id} — inputs unchanged, {check.checked} targets re-drawn identically")
            return 0
        print(f"NOT verified: {check.draw_id}" if not zh else f"核验未通过：{check.draw_id}")
        for en, cn in check.differences:
            print(f"  - {cn if zh else en}")
        return 1
    if not args.list or not args.roster or not args.out:
        print("green-shield draw：请指定 --list、--roster 和 --out（或 --verify 记录文件.json）" if zh else
              "green-shield draw: give --list, --roster and --out (or --verify RECORD.json)", file=sys.stderr)
        return 2
    if args.workspace:
        from .workspace import open_workspace

        open_workspace(args.workspace)  # a wrong workspace stops the draw before anything is drawn or written
    run = run_draw(args.list, args.roster, seed=args.seed, ratios_file=args.ratios,
                   ratios=parse_ratio_overrides(args.ratio), positive_factor=args.positive_factor,
                   per_target=args.per_target, mix_teams=args.mix_teams, history=args.history or (),
                   period=args.period)
    with staged_outputs(run, output_paths(args.out, run.draw_id)) as written:  # the record only once cases are in
        outcome = add_cases(run, args.workspace) if args.workspace else None
    for line in summary_lines(run, zh):
        print(line)
    if outcome is not None:
        print(f"  案件：{args.workspace} 中新建 {len(outcome.created)} 件，更新 {len(outcome.updated)} 件" if zh else
              f"  cases: {len(outcome.created)} created, {len(outcome.updated)} updated in {args.workspace}")
    print("  → " + ", ".join(written.values()))
    return 0


def add_cli(sub) -> None:
    """Register `green-shield draw`."""
    p = sub.add_parser("draw", help="random draw of inspection targets and inspectors / 双随机抽查")
    p.add_argument("--list", "-l", help="supervision list FILE[:LAYER], e.g. WS.gpkg:supervised_entity or a CSV")
    p.add_argument("--roster", "-r", help="inspector roster CSV/XLSX or FILE.gpkg:sample_roster (name, id, unit, team)")
    p.add_argument("--out", "-o", help="output folder (ending in /) or file prefix: PREFIX.csv/.gpkg/.json/.html; "
                                       "never a workspace, an input or the record of another draw")
    p.add_argument("--seed", help="the seed (a whole number); default: generated from a secure source and recorded")
    p.add_argument("--ratio", action="append", metavar="POOL=PCT",
                   help="override a pool's ratio for this run, e.g. --ratio key=30 (key, general, special)")
    p.add_argument("--ratios", help="ratios YAML (default: the shipped core/data/draw_ratios.yaml)")
    p.add_argument("--positive-factor", type=float,
                   help="positive-list firms are drawn at ratio × this (0–1; default from the ratios file)")
    p.add_argument("--per-target", type=int, help="inspectors per target (at least 2; default 2)")
    p.add_argument("--mix-teams", action="store_true",
                   help="draw each target's inspectors from the whole roster instead of from one team")
    p.add_argument("--history", action="append", metavar="PREV",
                   help="a previous draw's result CSV or record JSON: its inspectors do not revisit the same targets")
    p.add_argument("--period", help="the period drawn for: 2026Q4, 2026H1, 2026 or 2026-03 (2026年第四季度 … work too; "
                                    "default: the current quarter)")
    p.add_argument("--workspace", "-w", help="add the drawn targets to this workspace's case ledger")
    p.add_argument("--verify", metavar="RECORD.json", help="re-run a recorded draw and confirm the identical result")
    p.set_defaults(func=cmd_draw)

