"""The screening rulebook: which verdict a project gets where it meets a protected feature, and why.

The rules are data (``core/data/rulebook_default.yaml``, or a user's own copy), so a district can
correct a number or add a local rule without touching code. This module loads and validates a
rulebook and answers, for one project and one protected feature in a given spatial relation,
which rules apply. Computing the relation (inside, crossing, touching, setback) is the screening
engine's job, not this module's.

Every problem in a rulebook file is a ``RulebookError`` that names the file, the rule and the
field, and says how to fix it, so a non-programmer editing the YAML can act on it.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import yaml

from .errors import GreenShieldError
from .schema import BOOL_FALSE, BOOL_TRUE, CODE_LISTS, LAYER_TYPES, FieldDef

VERDICTS = ("PROHIBITED", "CONDITIONAL", "REVIEW", "CLEAR")  # strictest first
VERDICT_ZH = {"PROHIBITED": "禁止", "CONDITIONAL": "有条件准入", "REVIEW": "需复核", "CLEAR": "无冲突"}
RELATIONS = ("inside", "crossing", "touching", "setback")
PROTECTED_LAYERS = ("redline", "nature_reserve", "water_source_zone", "contaminated_plot")
# subject of a rule -> the layer type whose fields its conditions name, and the YAML key holding them
SUBJECTS = {"project": ("project", "project"), "outfall": ("sewage_outfall", "outfall")}

DEFAULT_RULEBOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "rulebook_default.yaml")

_TOP_KEYS = ("name", "version", "settings", "rules")
_TOP_REQUIRED = ("name", "version", "rules")
_SETTINGS_KEYS = ("sliver_m2", "sliver_m", "setbacks")
_SETTINGS_DEFAULTS = {"sliver_m2": 1.0, "sliver_m": 0.5}
_SETBACK_KEYS = ("layer", "zone", "distance_m", "verified")
_SETBACK_REQUIRED = ("layer", "distance_m")
_RULE_KEYS = (
    "id", "subject", "title", "layer", "zone", "project", "outfall", "relations", "verdict", "basis", "advice",
    "verified",
)
_RULE_REQUIRED = ("id", "title", "layer", "relations", "verdict", "basis")
_BASIS_KEYS = ("law", "article", "text")
_TEXT_KEYS = ("zh", "en")


class RulebookError(GreenShieldError):
    """A rulebook file that cannot be used, with the file, rule and field at fault."""

    code = "rulebook"

    def __init__(
        self,
        path: str,
        where_en: str,
        where_zh: str,
        field_name: str | None,
        problem_en: str,
        problem_zh: str,
        line: int | None = None,
        rule_id: str | None = None,
    ) -> None:
        at_en = f" (line {line})" if line else ""
        at_zh = f"（第 {line} 行）" if line else ""
        fld_en = f", field '{field_name}'" if field_name else ""
        fld_zh = f"，字段“{field_name}”" if field_name else ""
        super().__init__(
            f"{path}, {where_en}{at_en}{fld_en}: {problem_en}",
            f"{path}，{where_zh}{at_zh}{fld_zh}：{problem_zh}",
        )
        self.path = path
        self.rule_id = rule_id
        self.field = field_name
        self.line = line


# --------------------------------------------------------------------------------------------
# Data classes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LegalBasis:
    law_zh: str
    law_en: str
    article_zh: str
    article_en: str
    text: str  # the original Chinese phrase, or the description of a screening convention

    def cite_zh(self) -> str:
        """《中华人民共和国水污染防治法》第六十五条：禁止……"""
        return f"{self.law_zh}{self.article_zh}：{self.text}"

    def cite_en(self) -> str:
        """Water Pollution Prevention and Control Law, Art. 65: 禁止……"""
        head = self.law_en
        if self.article_en:
            head += (" " if self.article_en.startswith("(") else ", ") + self.article_en
        return f"{head}: {self.text}"


@dataclass(frozen=True)
class Rule:
    """One rule. ``zone`` holds the conditions on the protected feature; ``project`` those on the
    subject feature: the project, or the outfall when ``subject`` is "outfall" (``outfall:`` in YAML).

    Conditions are stored normalised: a list (one of), ``{"not": [...]}``, ``{"missing": bool}``
    or a single value, with codes, booleans and numbers in their stored form.
    """

    id: str
    subject: str
    layer: str
    zone: dict = field(hash=False)
    project: dict = field(hash=False)
    relations: tuple
    verdict: str
    basis: LegalBasis
    title_zh: str
    title_en: str
    advice_zh: str
    advice_en: str
    verified: bool

    @property
    def verdict_zh(self) -> str:
        return VERDICT_ZH[self.verdict]

    def applies(
        self,
        layer: str,
        zone_attrs: Mapping,
        project_attrs: Mapping,
        relation: str,
        subject: str = "project",
    ) -> bool:
        if subject != self.subject or layer != self.layer or relation not in self.relations:
            return False
        return _conditions_hold(self.zone, layer, zone_attrs) and _conditions_hold(
            self.project, SUBJECTS[self.subject][0], project_attrs
        )


@dataclass(frozen=True)
class Setback:
    """A search distance around protected features of one layer (optionally only some zones)."""

    layer: str
    zone: dict = field(hash=False)
    distance_m: float = 0.0
    verified: bool = False

    def applies(self, layer: str, zone_attrs: Mapping) -> bool:
        return layer == self.layer and _conditions_hold(self.zone, layer, zone_attrs)


@dataclass(frozen=True)
class Rulebook:
    name: str
    version: str
    checksum: str  # sha256 hex of the file bytes
    path: str
    sliver_m2: float
    sliver_m: float
    setbacks: tuple  # tuple[Setback, ...]
    rules: tuple  # tuple[Rule, ...]

    def match(
        self,
        layer: str,
        zone_attrs: Mapping,
        project_attrs: Mapping,
        relation: str,
        subject: str = "project",
    ) -> list[Rule]:
        """Every rule that applies, strictest verdict first, file order within a verdict."""
        if relation not in RELATIONS:
            raise ValueError(f"Unknown relation {relation!r}; use one of {', '.join(RELATIONS)}.")
        if subject not in SUBJECTS:
            raise ValueError(f"Unknown subject {subject!r}; use one of {', '.join(SUBJECTS)}.")
        candidates = self._by_case.get((subject, layer, relation), ())
        hits = [r for r in candidates if r.applies(layer, zone_attrs, project_attrs, relation, subject)]
        return sorted(hits, key=lambda r: VERDICTS.index(r.verdict))

    @functools.cached_property
    def _by_case(self) -> dict:
        """Rules by (subject, layer, relation), in file order: a screening asks thousands of times."""
        index: dict = {}
        for rule in self.rules:
            for relation in rule.relations:
                index.setdefault((rule.subject, rule.layer, relation), []).append(rule)
        return index

    def setback_m(self, layer: str, zone_attrs: Mapping) -> float:
        """The largest setback that applies to this protected feature; 0 if none."""
        return max((s.distance_m for s in self.setbacks if s.applies(layer, zone_attrs)), default=0.0)

    def max_setback_m(self, layer: str) -> float:
        """The largest setback of any feature of the layer: the screening engine's search radius."""
        return max((s.distance_m for s in self.setbacks if s.layer == layer), default=0.0)

    def layers(self) -> set[str]:
        return {r.layer for r in self.rules} | {s.layer for s in self.setbacks}

    def provenance(self) -> str:
        return f"{self.name} v{self.version} (sha256 {self.checksum[:12]}…)"


def strictest(verdicts: Iterable[str]) -> str:
    """The strictest of the verdicts; CLEAR when there are none."""
    best = len(VERDICTS) - 1
    for verdict in verdicts:
        if verdict not in VERDICTS:
            raise ValueError(f"Unknown verdict {verdict!r}; use one of {', '.join(VERDICTS)}.")
        best = min(best, VERDICTS.index(verdict))
    return VERDICTS[best]


# --------------------------------------------------------------------------------------------
# Matching attribute values against conditions
# --------------------------------------------------------------------------------------------


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(value != value)  # NaN, NaT
    except (TypeError, ValueError):  # pandas.NA refuses bool()
        return True


def _as_bool(value: object) -> bool | None:
    if _is_missing(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return {1: True, 0: False}.get(value)  # type: ignore[call-overload]
    text = str(value).strip().casefold()
    if text in BOOL_TRUE:
        return True
    if text in BOOL_FALSE:
        return False
    return None


@functools.lru_cache(maxsize=4096)
def _normalised(codelist: str, text: str) -> str:
    return CODE_LISTS[codelist].normalise(text) or text


def _code_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _attr_value(fdef: FieldDef, value: object) -> object:
    """An attribute value in the form conditions are stored in; None when missing or unreadable."""
    if fdef.type == "bool":
        return _as_bool(value)
    if _is_missing(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if fdef.codelist:
        return _normalised(fdef.codelist, _code_text(value))
    if fdef.type in ("int", "real"):
        try:
            return float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return str(value).strip()
    return str(value).strip()


def _condition_holds(condition: object, value: object) -> bool:
    if isinstance(condition, dict):
        if "missing" in condition:
            return (value is None) == condition["missing"]
        return value is not None and value not in condition["not"]
    if value is None:
        return False
    if isinstance(condition, list):
        return value in condition
    return value == condition


def _conditions_hold(conditions: Mapping, layer: str, attrs: Mapping) -> bool:
    if not conditions:
        return True
    fields = LAYER_TYPES[layer]
    return all(
        _condition_holds(cond, _attr_value(fields.field(name), attrs.get(name))) for name, cond in conditions.items()
    )


# --------------------------------------------------------------------------------------------
# Reading YAML with line numbers and duplicate-key detection
# --------------------------------------------------------------------------------------------


class _Block(dict):
    """A YAML mapping that remembers the line it starts on and the line of each key."""

    line: int | None = None
    key_lines: dict = {}


class _DuplicateKey(Exception):
    def __init__(self, key: object, line: int) -> None:
        super().__init__(key)
        self.key = key
        self.line = line


class _Loader(yaml.SafeLoader):
    pass


def _construct_block(loader: _Loader, node: yaml.MappingNode) -> _Block:
    loader.flatten_mapping(node)
    key_lines = {}
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in key_lines
        except TypeError:  # unhashable key: the constructor below reports it
            continue
        if duplicate:
            raise _DuplicateKey(key, key_node.start_mark.line + 1)
        key_lines[key] = key_node.start_mark.line + 1
    block = _Block(loader.construct_mapping(node, deep=True))
    block.line = node.start_mark.line + 1
    block.key_lines = key_lines
    return block


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_block)


def _nearest(text: str, line: int) -> tuple[str | None, str | None]:
    """The rule id and key nearest above a line, to place a syntax error for the reader."""
    lines = text.splitlines()
    rule_id = key = None
    for i in range(min(line, len(lines)) - 1, -1, -1):
        stripped = lines[i].strip().lstrip("-").strip()
        name, sep, rest = stripped.partition(":")
        if not sep or not name.replace("_", "").isalnum():
            continue
        if key is None and i == line - 1:
            key = name
        if name == "id":
            rule_id = rest.strip().strip("'\"") or None
            break
    return rule_id, key


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


class _Where:
    """Where in the file a problem is, in both languages; ``block`` is the YAML block the field
    names are relative to, used to find the line of the field at fault."""

    def __init__(
        self, path: str, en: str, zh: str, block: object = None, rule_id: str | None = None, line: int | None = None
    ) -> None:
        self.path, self.en, self.zh, self.block, self.rule_id = path, en, zh, block, rule_id
        self.line = line or _line_of(block)

    def line_of(self, field_name: str | None) -> int | None:
        line, node = self.line, self.block
        for part in (field_name or "").split("."):
            if not isinstance(node, _Block) or part not in node.key_lines:
                break
            line, node = node.key_lines[part], node[part]
        return line

    def fail(self, field_name: str | None, en: str, zh: str) -> RulebookError:
        return RulebookError(self.path, self.en, self.zh, field_name, en, zh, self.line_of(field_name), self.rule_id)


def _line_of(value: object) -> int | None:
    return getattr(value, "line", None)


def _check_keys(where: _Where, block: Mapping, allowed: tuple, required: tuple, prefix: str = "") -> None:
    for key in block:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint_en = f" Did you mean '{close[0]}'?" if close else ""
            hint_zh = f"是否应为“{close[0]}”？" if close else ""
            raise where.fail(
                f"{prefix}{key}",
                f"'{key}' is not a known key here.{hint_en} Known keys: {', '.join(allowed)}.",
                f"“{key}”不是此处可用的键。{hint_zh}可用的键：{', '.join(allowed)}。",
            )
    for key in required:
        if key not in block:
            raise where.fail(
                f"{prefix}{key}",
                f"'{key}' is missing. Add it (see the comments at the top of the default rulebook).",
                f"缺少“{key}”。请补充（格式见默认规则库开头的说明）。",
            )


def _mapping(where: _Where, value: object, field_name: str, allow_none: bool = True) -> Mapping:
    if value is None and allow_none:
        return {}
    if not isinstance(value, Mapping):
        raise where.fail(
            field_name,
            f"expected a block of 'key: value' entries, found {value!r}.",
            f"应为“键: 值”形式的内容，实际为 {value!r}。",
        )
    return value


def _text(where: _Where, value: object, field_name: str, required: bool = True) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise where.fail(field_name, "is empty. Write the text.", "为空。请填写内容。")
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise where.fail(field_name, f"expected text, found {value!r}.", f"应为文字，实际为 {value!r}。")
    return str(value).strip()


def _bilingual(
    where: _Where, value: object, field_name: str, required: bool = True, fallback: bool = True
) -> tuple[str, str]:
    """{zh: ..., en: ...} or a single text used for both; with fallback, either language stands in for the other."""
    if isinstance(value, Mapping):
        _check_keys(where, value, _TEXT_KEYS, (), f"{field_name}.")
        zh = _text(where, value.get("zh"), f"{field_name}.zh", required=False)
        en = _text(where, value.get("en"), f"{field_name}.en", required=False)
        if required and not (zh or en):
            raise where.fail(field_name, "is empty. Write zh: and/or en: text.",
                             "为空。请填写 zh（中文）和/或 en（英文）。")
        return (zh or en, en or zh) if fallback else (zh, en)
    text = _text(where, value, field_name, required)
    return text, text


def _number(where: _Where, value: object, field_name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise where.fail(
            field_name,
            f"{value!r} is not a non-negative number. Write a number such as 0, 1.5 or 200.",
            f"{value!r} 不是非负数。请填写数字，例如 0、1.5 或 200。",
        )
    return float(value)


def _flag(where: _Where, value: object, field_name: str) -> bool:
    if not isinstance(value, bool):
        raise where.fail(field_name, f"'{value}' is not true or false. Write true or false.",
                         f"“{value}”不是 true 或 false。请填写 true 或 false。")
    return value


def _condition_value(where: _Where, fdef: FieldDef, value: object, field_name: str) -> object:
    """A value written in a condition, in stored form (code, bool, number or text)."""
    if value is None or isinstance(value, (list, dict)):
        raise where.fail(
            field_name,
            f"{value!r} is not a single value. Write a value, a list [a, b], {{not: [a, b]}} or {{missing: true}}.",
            f"{value!r} 不是单个取值。请写一个值、列表 [a, b]、{{not: [a, b]}} 或 {{missing: true}}。",
        )
    if fdef.type == "bool":
        flag = value if isinstance(value, bool) else _as_bool(value)
        if flag is None:
            raise where.fail(field_name, f"'{value}' is not true or false. Write true or false.",
                             f"“{value}”不是 true（是）或 false（否）。请填写 true 或 false。")
        return flag
    if fdef.codelist:
        codes = CODE_LISTS[fdef.codelist]
        code = codes.normalise(_code_text(value))
        if code is None:
            listing = ", ".join(f"{c.code} ({c.zh})" for c in codes.items)
            raise where.fail(
                field_name,
                f"'{value}' is not in the code list '{codes.name}'. Use one of: {listing}.",
                f"“{value}”不在代码表“{codes.title_zh}”中。可用：{listing}。",
            )
        return code
    if fdef.type in ("int", "real"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise where.fail(field_name, f"{value!r} is not a number.", f"{value!r} 不是数字。")
        return float(value)
    return str(value).strip()


def _conditions(where: _Where, raw: object, layer: str, prefix: str) -> dict:
    block = _mapping(where, raw, prefix)
    ltype = LAYER_TYPES[layer]
    out = {}
    for name, cond in block.items():
        field_name = f"{prefix}.{name}"
        try:
            fdef = ltype.field(str(name))
        except KeyError:
            raise where.fail(
                field_name,
                f"'{name}' is not a field of the layer '{layer}' ({ltype.title_zh}). "
                f"Use one of: {', '.join(ltype.field_names())}.",
                f"“{name}”不是图层“{ltype.title_zh}”（{layer}）的字段。可用字段：{', '.join(ltype.field_names())}。",
            ) from None
        if isinstance(cond, list):
            if not cond:
                raise where.fail(field_name, "the list is empty, so nothing would match. List at least one value.",
                                 "列表为空，任何要素都不会匹配。请至少列出一个取值。")
            out[name] = [_condition_value(where, fdef, v, field_name) for v in cond]
        elif isinstance(cond, Mapping):
            if set(cond) == {"not"}:
                values = cond["not"] if isinstance(cond["not"], list) else [cond["not"]]
                if not values:
                    raise where.fail(f"{field_name}.not", "the list is empty. List the values to exclude.",
                                     "列表为空。请列出要排除的取值。")
                out[name] = {"not": [_condition_value(where, fdef, v, f"{field_name}.not") for v in values]}
            elif set(cond) == {"missing"}:
                out[name] = {"missing": _flag(where, cond["missing"], f"{field_name}.missing")}
            else:
                raise where.fail(
                    field_name,
                    f"{dict(cond)!r} is not a condition. Write {{not: [a, b]}} or {{missing: true}}.",
                    f"{dict(cond)!r} 不是有效条件。请写 {{not: [a, b]}} 或 {{missing: true}}。",
                )
        else:
            out[name] = _condition_value(where, fdef, cond, field_name)
    return out


def _layer(where: _Where, value: object, field_name: str) -> str:
    if value not in PROTECTED_LAYERS:
        extra_en = extra_zh = ""
        if value in ("project", "sewage_outfall"):
            extra_en = " 'layer' is the protected layer; what is screened goes in 'subject' (project or outfall)."
            extra_zh = "layer 填保护对象图层；被筛查的对象类型写在 subject（project 或 outfall）。"
        raise where.fail(
            field_name,
            f"'{value}' is not a protected layer. Use one of: {', '.join(PROTECTED_LAYERS)}.{extra_en}",
            f"“{value}”不是保护对象图层。可用：{', '.join(PROTECTED_LAYERS)}。{extra_zh}",
        )
    return str(value)


def _basis(where: _Where, raw: object) -> LegalBasis:
    block = _mapping(where, raw, "basis", allow_none=False)
    _check_keys(where, block, _BASIS_KEYS, (), "basis.")
    if "law" not in block:
        raise where.fail("basis.law", "is missing. Name the law or document, e.g. law: {zh: 《…》, en: …}.",
                         "缺少法律或文件名称。请填写，例如 law: {zh: 《…》, en: …}。")
    law_zh, law_en = _bilingual(where, block["law"], "basis.law")
    article_zh, article_en = _bilingual(where, block.get("article"), "basis.article", required=False, fallback=False)
    if not _text(where, block.get("text"), "basis.text", required=False):
        raise where.fail(
            "basis.text",
            "is missing or empty. Quote the original Chinese phrase of the provision (or describe the convention).",
            "缺少或为空。请引用条文原文（筛查惯例则写明其内容）。",
        )
    return LegalBasis(law_zh, law_en, article_zh, article_en, _text(where, block["text"], "basis.text"))


def _rule(path: str, index: int, raw: object, seen: dict) -> Rule:
    where = _Where(path, f"rule #{index} (no id)", f"第 {index} 条规则（无 id）", raw)
    block = _mapping(where, raw, None, allow_none=False)
    rule_id = ""
    if block.get("id") is not None:
        rule_id = _text(where, block["id"], "id")
        where = _Where(path, f"rule {rule_id}", f"规则 {rule_id}", raw, rule_id)
    _check_keys(where, block, _RULE_KEYS, _RULE_REQUIRED)
    if rule_id in seen:
        raise where.fail(
            "id",
            f"the id {rule_id} is already used by the rule at line {seen[rule_id]}. Give each rule its own id.",
            f"id {rule_id} 已被第 {seen[rule_id]} 行的规则使用。每条规则的 id 必须唯一。",
        )
    seen[rule_id] = where.line_of("id")

    subject = block.get("subject", "project")
    if subject not in SUBJECTS:
        raise where.fail("subject", f"'{subject}' is not one of {', '.join(SUBJECTS)}.",
                         f"“{subject}”不是 {', '.join(SUBJECTS)} 之一。")
    subject_layer, subject_key = SUBJECTS[subject]
    for other, (_, key) in SUBJECTS.items():
        if key != subject_key and key in block:
            raise where.fail(
                key,
                f"'{key}:' conditions belong to rules with subject: {other}; this rule's subject is {subject}. "
                f"Write its conditions under '{subject_key}:'.",
                f"“{key}:”条件只用于 subject: {other} 的规则；本规则的 subject 为 {subject}，"
                f"请把条件写在“{subject_key}:”下。",
            )
    layer = _layer(where, block["layer"], "layer")

    relations = block["relations"]
    relations = [relations] if isinstance(relations, str) else relations
    if not isinstance(relations, list) or not relations:
        raise where.fail("relations", f"expected a list such as [inside, crossing], found {relations!r}.",
                         f"应为列表，例如 [inside, crossing]，实际为 {relations!r}。")
    for rel in relations:
        if rel not in RELATIONS:
            raise where.fail("relations", f"'{rel}' is not one of {', '.join(RELATIONS)}.",
                             f"“{rel}”不是 {', '.join(RELATIONS)} 之一。")

    verdict = block["verdict"]
    verdict = {zh: code for code, zh in VERDICT_ZH.items()}.get(verdict, verdict)
    if verdict not in VERDICTS:
        raise where.fail(
            "verdict",
            f"'{verdict}' is not one of {', '.join(VERDICTS)}.",
            f"“{verdict}”不是 {', '.join(f'{v}（{VERDICT_ZH[v]}）' for v in VERDICTS)} 之一。",
        )

    title_zh, title_en = _bilingual(where, block["title"], "title")
    advice_zh, advice_en = _bilingual(where, block.get("advice"), "advice", required=False)
    return Rule(
        id=rule_id,
        subject=subject,
        layer=layer,
        zone=_conditions(where, block.get("zone"), layer, "zone"),
        project=_conditions(where, block.get(subject_key), subject_layer, subject_key),
        relations=tuple(relations),
        verdict=verdict,
        basis=_basis(where, block["basis"]),
        title_zh=title_zh,
        title_en=title_en,
        advice_zh=advice_zh,
        advice_en=advice_en,
        verified=_flag(where, block.get("verified", False), "verified"),
    )


def _settings(path: str, raw: object) -> tuple[float, float, tuple[Setback, ...]]:
    where = _Where(path, "settings", "设置（settings）", raw)
    block = _mapping(where, raw, "settings")
    _check_keys(where, block, _SETTINGS_KEYS, ())
    slivers = [_number(where, block.get(k, d), k) for k, d in _SETTINGS_DEFAULTS.items()]
    raw_setbacks = block.get("setbacks") or []
    if not isinstance(raw_setbacks, list):
        raise where.fail("setbacks", "expected a list of '- {layer: …, distance_m: …}' entries.",
                         "应为“- {layer: …, distance_m: …}”形式的列表。")
    setbacks = []
    for i, item in enumerate(raw_setbacks, 1):
        w = _Where(path, f"settings, setback #{i}", f"设置，第 {i} 个退让距离", item, line=_line_of(item) or where.line)
        entry = _mapping(w, item, "setbacks", allow_none=False)
        _check_keys(w, entry, _SETBACK_KEYS, _SETBACK_REQUIRED)
        layer = _layer(w, entry["layer"], "layer")
        setbacks.append(
            Setback(
                layer=layer,
                zone=_conditions(w, entry.get("zone"), layer, "zone"),
                distance_m=_number(w, entry["distance_m"], "distance_m"),
                verified=_flag(w, entry.get("verified", False), "verified"),
            )
        )
    return slivers[0], slivers[1], tuple(setbacks)


def _parse(path: str, data: bytes) -> object:
    top = _Where(path, "file", "文件")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise top.fail(None, f"is not UTF-8 text ({exc.reason} at byte {exc.start}). Save the file as UTF-8.",
                       f"不是 UTF-8 编码（第 {exc.start} 字节）。请以 UTF-8 编码保存。") from None
    try:
        return yaml.load(text, Loader=_Loader)  # _Loader is a SafeLoader
    except _DuplicateKey as exc:
        rule_id, _ = _nearest(text, exc.line)
        where = _Where(path, f"rule {rule_id}" if rule_id else "file", f"规则 {rule_id}" if rule_id else "文件",
                       rule_id=rule_id, line=exc.line)
        raise where.fail(str(exc.key), f"'{exc.key}' appears twice in the same block. Keep only one.",
                         f"“{exc.key}”在同一段中出现了两次。请只保留一个。") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        rule_id, key = _nearest(text, line) if line else (None, None)
        where = _Where(path, f"rule {rule_id}" if rule_id else "file", f"规则 {rule_id}" if rule_id else "文件",
                       rule_id=rule_id, line=line)
        col = f", column {mark.column + 1}" if mark else ""
        col_zh = f"第 {mark.column + 1} 列" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise where.fail(
            key,
            f"YAML syntax error{col}: {problem}. Check indentation, colons and closing brackets on this line "
            "or the one before; text containing ': ' or '#' must be put in quotes.",
            f"YAML 语法错误（{col_zh}）：{problem}。请检查本行或上一行的缩进、冒号和括号是否配对；"
            "含有“: ”或“#”的文字须加引号。",
        ) from None


def load_rulebook(path: str | os.PathLike | None = None) -> Rulebook:
    """Read and validate a rulebook; None reads the shipped default."""
    path = os.fspath(path) if path is not None else DEFAULT_RULEBOOK
    top = _Where(path, "file", "文件")
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise top.fail(None, "does not exist. Check the path, or leave it empty to use the default rulebook.",
                       "不存在。请检查路径，或留空以使用默认规则库。") from None
    except OSError as exc:
        raise top.fail(None, f"cannot be read ({exc.strerror}).", f"无法读取（{exc.strerror}）。") from None

    doc = _parse(path, data)
    top = _Where(path, "top level", "顶层", doc)
    block = _mapping(top, doc, None, allow_none=False)
    _check_keys(top, block, _TOP_KEYS, _TOP_REQUIRED)
    name = _text(top, block["name"], "name")
    version = _text(top, block["version"], "version")
    sliver_m2, sliver_m, setbacks = _settings(path, block.get("settings"))

    raw_rules = block["rules"]
    if not isinstance(raw_rules, list) or not raw_rules:
        raise top.fail("rules", "expected a non-empty list of rules, each starting with '- id: …'.",
                       "应为非空的规则列表，每条规则以“- id: …”开头。")
    seen: dict = {}
    rules = tuple(_rule(path, i, raw, seen) for i, raw in enumerate(raw_rules, 1))
    return Rulebook(
        name=name,
        version=version,
        checksum=hashlib.sha256(data).hexdigest(),
        path=path,
        sliver_m2=sliver_m2,
        sliver_m=sliver_m,
        setbacks=setbacks,
        rules=rules,
    )
