"""The screening rulebook: the shipped rules say what the domain reference says, and a broken
rulebook file is refused with a message naming the file, the rule and the field."""

import hashlib
import shutil
import textwrap

import pytest

from green_shield.core.errors import GreenShieldError
from green_shield.core.rules import (
    DEFAULT_RULEBOOK,
    PROTECTED_LAYERS,
    RELATIONS,
    VERDICT_ZH,
    VERDICTS,
    RulebookError,
    load_rulebook,
    strictest,
)
from green_shield.core.schema import CODE_LISTS


@pytest.fixture(scope="module")
def rb():
    return load_rulebook()


def project(category, action="new", **extra):
    return {"project_code": "P1", "name": "测试项目", "category": category, "action": action, **extra}


def verdict_of(rb, layer, zone, proj, relation="inside"):
    return strictest(r.verdict for r in rb.match(layer, zone, proj, relation))


def ids(rules):
    return [r.id for r in rules]


L1 = {"level": "level1", "part": "water", "water_body_type": "river"}
L2 = {"level": "level2", "part": "land", "water_body_type": "river"}
QUASI = {"level": "quasi", "part": "land", "water_body_type": "lake_reservoir"}
LISTED = {"list_status": "listed", "planned_land_use": "industrial", "investigation_done": True}


# ---- the shipped rulebook -------------------------------------------------------------------


def test_default_rulebook_loads(rb):
    assert rb.path == DEFAULT_RULEBOOK
    assert rb.name == "绿盾默认规则库 Green Shield default rulebook"
    assert rb.version == "2026.1"
    assert rb.layers() == set(PROTECTED_LAYERS)
    assert (rb.sliver_m2, rb.sliver_m) == (1.0, 0.5)
    assert len({r.id for r in rb.rules}) == len(rb.rules)
    for rule in rb.rules:
        assert rule.verdict in VERDICTS and rule.verdict_zh == VERDICT_ZH[rule.verdict]
        assert set(rule.relations) <= set(RELATIONS)
        assert rule.title_zh and rule.title_en and rule.basis.text and rule.basis.law_zh and rule.basis.law_en


def test_industry_in_level1_is_prohibited_by_article_65(rb):
    rules = rb.match("water_source_zone", L1, project("industry"), "inside")
    assert rules[0].verdict == "PROHIBITED"
    top = rules[0]
    assert top.id == "WS-65-L1"
    assert top.basis.article_zh == "第六十五条" and top.basis.article_en == "Art. 65"
    assert "与供水设施和保护水源无关的建设项目" in top.basis.text
    assert top.basis.cite_zh().startswith("《中华人民共和国水污染防治法》第六十五条：禁止在饮用水水源一级保护区内")
    assert top.basis.cite_en().startswith("Water Pollution Prevention and Control Law, Art. 65: 禁止")
    assert verdict_of(rb, "water_source_zone", L1, project("industry"), "crossing") == "PROHIBITED"


def test_water_supply_in_level1_is_not_prohibited(rb):
    for action in ("new", "rebuild", "expand", "existing"):
        assert verdict_of(rb, "water_source_zone", L1, project("water_supply", action)) == "CONDITIONAL"


def test_existing_project_in_level1_must_be_demolished_or_closed(rb):
    rules = rb.match("water_source_zone", L1, project("industry", "existing"), "inside")
    assert rules[0].verdict == "PROHIBITED"
    existing = next(r for r in rules if r.id == "WS-65-L1-EXISTING")
    assert "拆除或者关闭" in existing.advice_zh and "拆除或者关闭" in existing.basis.text


@pytest.mark.parametrize("category", ["agriculture_aquaculture", "tourism"])
def test_aquaculture_and_tourism(rb, category):
    level1 = rb.match("water_source_zone", L1, project(category, "existing"), "inside")
    assert level1[0].verdict == "PROHIBITED"
    assert any("网箱养殖、旅游、游泳、垂钓" in r.basis.text for r in level1)
    assert verdict_of(rb, "water_source_zone", L2, project(category, discharges_pollutants=False)) == "CONDITIONAL"


@pytest.mark.parametrize("flag", [True, 1, 1.0, "是"])
def test_level2_polluter_is_prohibited_by_article_66(rb, flag):
    rules = rb.match("water_source_zone", L2, project("industry", discharges_pollutants=flag), "inside")
    assert rules[0].verdict == "PROHIBITED" and rules[0].basis.article_zh == "第六十六条"
    assert "排放污染物的建设项目" in rules[0].basis.text


@pytest.mark.parametrize("flag", [False, 0, 0.0, "否"])
def test_level2_non_polluter_is_reviewed_not_prohibited(rb, flag):
    assert verdict_of(rb, "water_source_zone", L2, project("industry", discharges_pollutants=flag)) == "REVIEW"


@pytest.mark.parametrize("flag", [None, float("nan"), ""])
def test_level2_undeclared_discharge_asks_for_the_field(rb, flag):
    rules = rb.match("water_source_zone", L2, project("industry", discharges_pollutants=flag), "inside")
    assert "WS-66-L2-UNDECLARED" in ids(rules)
    assert strictest(r.verdict for r in rules) == "REVIEW"


def test_level2_existing_polluter_must_be_closed(rb):
    rules = rb.match("water_source_zone", L2, project("industry", "existing", discharges_pollutants=True), "inside")
    assert rules[0].id == "WS-66-L2-EXISTING" and "拆除或者关闭" in rules[0].advice_zh


def test_quasi_zone_article_67(rb):
    severe = rb.match("water_source_zone", QUASI, project("industry", "new", severe_polluter=True), "inside")
    assert severe[0].verdict == "PROHIBITED" and severe[0].basis.article_zh == "第六十七条"
    assert verdict_of(rb, "water_source_zone", QUASI, project("industry", "expand", severe_polluter=True)) == (
        "PROHIBITED"
    )
    rebuild = rb.match("water_source_zone", QUASI, project("industry", "rebuild", severe_polluter=True), "inside")
    assert rebuild[0].verdict == "CONDITIONAL" and "不得增加排污量" in rebuild[0].basis.text
    assert verdict_of(rb, "water_source_zone", QUASI, project("industry", "new", severe_polluter=False)) == "REVIEW"


def test_redline(rb):
    assert verdict_of(rb, "redline", {}, project("industry")) == "PROHIBITED"
    assert verdict_of(rb, "redline", {}, project("real_estate")) == "PROHIBITED"
    linear = rb.match("redline", {}, project("linear_infrastructure"), "crossing")
    assert linear[0].verdict == "CONDITIONAL" and "认定意见" in linear[0].advice_zh
    mining = rb.match("redline", {}, project("mining"), "inside")
    assert mining[0].verdict == "PROHIBITED" and "RL-07-SURVEY" in ids(mining)
    assert "禁止开发性、生产性建设活动" in rb.match("redline", {}, project("industry"), "inside")[0].basis.text
    assert verdict_of(rb, "redline", {}, project("agriculture_aquaculture", "existing")) == "CONDITIONAL"
    assert verdict_of(rb, "redline", {}, project("agriculture_aquaculture", "new")) == "PROHIBITED"
    assert verdict_of(rb, "redline", {}, project("public_service")) == "REVIEW"


@pytest.mark.parametrize("zone", ["core", "buffer", "core_protection", "核心保护区"])
@pytest.mark.parametrize("category", CODE_LISTS["project_category"].codes())
def test_nature_reserve_core_zones_prohibit_everything(rb, zone, category):
    assert verdict_of(rb, "nature_reserve", {"name": "保护区", "zone": zone}, project(category)) == "PROHIBITED"


def test_nature_reserve_legacy_mapping_is_labelled_an_assumption(rb):
    core = rb.match("nature_reserve", {"zone": "core"}, project("public_service"), "inside")
    assert [r.id for r in core if r.verdict == "PROHIBITED"] == ["NR-CORE-LEGACY"]
    assert not core[0].verified and "假设" in core[0].advice_zh
    production = rb.match("nature_reserve", {"zone": "buffer"}, project("industry"), "inside")
    art32 = next(r for r in production if r.id == "NR-32-CORE-BUFFER")
    assert art32.verified and art32.basis.article_zh == "第三十二条"
    assert rb.match("nature_reserve", {"zone": "core_protection"}, project("other"), "inside")[0].verified


def test_nature_reserve_experimental_and_general_control(rb):
    exp = {"zone": "experimental"}
    assert verdict_of(rb, "nature_reserve", exp, project("industry", discharges_pollutants=True)) == "PROHIBITED"
    assert verdict_of(rb, "nature_reserve", exp, project("industry", severe_polluter=True)) == "PROHIBITED"
    assert verdict_of(rb, "nature_reserve", exp, project("tourism", discharges_pollutants=False)) == "REVIEW"
    general = {"zone": "general_control"}
    assert verdict_of(rb, "nature_reserve", general, project("industry")) == "PROHIBITED"
    assert verdict_of(rb, "nature_reserve", general, project("linear_infrastructure")) == "CONDITIONAL"


def test_contaminated_plots(rb):
    housing = rb.match("contaminated_plot", LISTED, project("real_estate", planned_land_use="residential"), "inside")
    assert housing[0].verdict == "PROHIBITED"
    assert any("禁止开工建设任何与风险管控、修复无关的项目" in r.basis.text for r in housing)
    assert {"CP-LISTED-HOUSING", "CP-LISTED-HOUSING-USE"} <= set(ids(housing))
    assert verdict_of(rb, "contaminated_plot", LISTED, project("industry")) == "PROHIBITED"
    assert verdict_of(rb, "contaminated_plot", LISTED, project("risk_control")) == "CONDITIONAL"
    assert verdict_of(rb, "contaminated_plot", LISTED, project("risk_control", planned_land_use="residential")) == (
        "CONDITIONAL"
    )
    assert verdict_of(rb, "contaminated_plot", {"list_status": "delisted"}, project("industry")) == "REVIEW"


@pytest.mark.parametrize(
    ("investigation", "rule_id"),
    [(None, "CP-INV-USE-NORECORD"), (float("nan"), "CP-INV-USE-NORECORD"), (False, "CP-INV-USE-NOTDONE"),
     (0, "CP-INV-USE-NOTDONE"), (True, None)],
)
def test_soil_investigation_before_residential_use(rb, investigation, rule_id):
    plot = {"list_status": "suspected", "investigation_done": investigation}
    rules = rb.match("contaminated_plot", plot, project("other", planned_land_use="居住用地"), "inside")
    found = [r.id for r in rules if r.id.startswith("CP-INV-")]
    assert found == ([rule_id] if rule_id else [])
    assert strictest(r.verdict for r in rules) == "REVIEW"


def test_setbacks_and_touching(rb):
    for relation in ("setback", "touching"):
        assert verdict_of(rb, "water_source_zone", L1, project("industry"), relation) == "REVIEW"
        assert verdict_of(rb, "redline", {}, project("industry"), relation) == "REVIEW"
        assert verdict_of(rb, "nature_reserve", {"zone": "core_protection"}, project("industry"), relation) == "REVIEW"
        assert verdict_of(rb, "contaminated_plot", LISTED, project("industry"), relation) == "REVIEW"
    # touching a level-2 zone is not a conflict
    assert rb.match("water_source_zone", L2, project("industry", discharges_pollutants=True), "touching") == []
    setback_rules = [r for r in rb.rules if "setback" in r.relations]
    assert setback_rules and all(not r.verified and "筛查惯例" in r.basis.law_zh for r in setback_rules)


def zone_variants(layer):
    """Every zone code of a protected layer (and an empty zone field)."""
    key = {"water_source_zone": "level", "nature_reserve": "zone", "contaminated_plot": "list_status"}.get(layer)
    if key is None:
        return [{}]
    codelist = {"level": "ws_level", "zone": "reserve_zone", "list_status": "plot_status"}[key]
    return [{key: code} for code in CODE_LISTS[codelist].codes()] + [{key: None}]


@pytest.mark.parametrize("layer", PROTECTED_LAYERS)
def test_no_silent_clear_inside_a_protected_area(rb, layer):
    actions = CODE_LISTS["project_action"].codes()
    flags = [{}, {"discharges_pollutants": True, "severe_polluter": True}, {"discharges_pollutants": False}]
    for zone in zone_variants(layer):
        for category in CODE_LISTS["project_category"].codes() + [None]:
            for action in actions:
                for extra in flags:
                    for relation in ("inside", "crossing"):
                        proj = project(category, action, **extra)
                        assert rb.match(layer, zone, proj, relation), (layer, zone, proj, relation)


def test_outfall_rules_are_not_applied_to_projects(rb):
    outfall = {"outfall_code": "O1", "name": "排口", "outfall_type": "industrial", "status": "verified"}
    assert all(r.subject == "project" for r in rb.match("water_source_zone", L2, outfall, "inside"))
    rules = rb.match("water_source_zone", L2, outfall, "inside", subject="outfall")
    assert rules[0].id == "WS-64-OUTFALL" and rules[0].basis.article_zh == "第六十四条"
    assert "取缔" in rules[0].advice_zh
    assert rb.match("water_source_zone", L2, {**outfall, "status": "已销号"}, "inside", subject="outfall") == []


def test_match_orders_strictest_first_then_file_order(rb):
    rules = rb.match("water_source_zone", L1, project("tourism", "new"), "inside")
    assert ids(rules) == ["WS-65-L1", "WS-65-L1-ACTIVITY", "WS-L1-ANY"]
    with pytest.raises(ValueError):
        rb.match("water_source_zone", L1, project("tourism"), "near")


def test_strictest():
    assert strictest([]) == "CLEAR"
    assert strictest(["REVIEW", "CLEAR"]) == "REVIEW"
    assert strictest(iter(["REVIEW", "PROHIBITED", "CONDITIONAL"])) == "PROHIBITED"
    assert strictest(["CONDITIONAL", "REVIEW"]) == "CONDITIONAL"
    with pytest.raises(ValueError):
        strictest(["FORBIDDEN"])


def test_setback_distances(rb):
    assert rb.setback_m("water_source_zone", {"level": "level1"}) == 200
    assert rb.setback_m("water_source_zone", {"level": "一级保护区"}) == 200
    assert rb.setback_m("water_source_zone", {"level": "level2"}) == 0
    assert rb.setback_m("redline", {}) == 100
    assert rb.setback_m("nature_reserve", {"zone": "core_protection"}) == 500
    assert rb.setback_m("nature_reserve", {"zone": "general_control"}) == 0
    assert rb.setback_m("contaminated_plot", {"list_status": "listed"}) == 50
    assert rb.max_setback_m("nature_reserve") == 500
    assert rb.max_setback_m("water_source_zone") == 200
    assert rb.max_setback_m("river") == 0
    assert all(not s.verified for s in rb.setbacks)


def test_provenance_and_checksum(rb, tmp_path):
    data = open(DEFAULT_RULEBOOK, "rb").read()
    assert rb.checksum == hashlib.sha256(data).hexdigest()
    assert "v2026.1" in rb.provenance() and rb.checksum[:12] in rb.provenance()
    assert rb.provenance().startswith("绿盾默认规则库 Green Shield default rulebook v2026.1 (sha256 ")
    copy = tmp_path / "rulebook.yaml"
    shutil.copy(DEFAULT_RULEBOOK, copy)
    assert load_rulebook(copy).checksum == rb.checksum
    copy.write_bytes(data + "\n# 本地修改 local edit\n".encode())
    edited = load_rulebook(copy)
    assert edited.checksum != rb.checksum and edited.checksum[:12] in edited.provenance()
    assert edited.rules == rb.rules


def test_unverified_items_are_labelled(rb):
    unverified = [r.id for r in rb.rules if not r.verified]
    assert unverified
    assert {"RL-07-SURVEY", "RL-08-RESTORATION", "NR-GC-RESTORATION", "NR-CORE-LEGACY"} <= set(unverified)
    mining = [r for r in rb.rules if r.project.get("category") and "mining" in r.project["category"]]
    assert any(not r.verified for r in mining)
    # a screening convention is never presented as law, and no article number is invented
    for rule in rb.rules:
        if "筛查惯例" in rule.basis.law_zh:
            assert not rule.verified and not rule.basis.article_zh, rule.id
        assert rule.basis.article_zh in {"", "第六十四条", "第六十五条", "第六十六条", "第六十七条", "第三十二条"}
        if not rule.basis.article_zh and "筛查惯例" not in rule.basis.law_zh:
            assert rule.basis.article_en == "(no article number in the reference)", rule.id
        if "土壤污染防治法" in rule.basis.law_zh:
            assert not rule.verified, rule.id


# ---- custom rulebooks -----------------------------------------------------------------------

HEAD = """\
name: 测试规则库 test rulebook
version: "1"
settings:
  sliver_m2: 1.0
  sliver_m: 0.5
  setbacks:
    - {layer: water_source_zone, zone: {level: [level1]}, distance_m: 200, verified: false}
rules:
"""

RULE = """\
  - id: T-1
    title: {zh: 测试, en: Test}
    layer: water_source_zone
    zone: {level: [level1]}
    project: {category: {not: [water_supply]}, action: [new, rebuild, expand]}
    relations: [inside, crossing]
    verdict: PROHIBITED
    basis:
      law: {zh: 《中华人民共和国水污染防治法》, en: Water Pollution Prevention and Control Law}
      article: {zh: 第六十五条, en: Art. 65}
      text: 禁止新建
    verified: true
"""


def write(tmp_path, text, name="rulebook.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_minimal_custom_rulebook(tmp_path):
    book = load_rulebook(write(tmp_path, HEAD + RULE))
    assert [r.id for r in book.rules] == ["T-1"]
    assert verdict_of(book, "water_source_zone", {"level": "level1"}, project("industry")) == "PROHIBITED"
    assert book.rules[0].basis.cite_zh() == "《中华人民共和国水污染防治法》第六十五条：禁止新建"


def test_chinese_labels_in_conditions_are_normalised(tmp_path):
    rule = (
        RULE.replace("{level: [level1]}", "{level: [一级保护区, 二级]}")
        .replace("{not: [water_supply]}", "{not: [供水设施/水源保护]}")
        .replace("[new, rebuild, expand]", "[新建, 改建]")
        .replace("verdict: PROHIBITED", "verdict: 禁止")
    )
    setbacks = HEAD.replace("{level: [level1]}", "{level: [一级]}")
    book = load_rulebook(write(tmp_path, setbacks + rule))
    r = book.rules[0]
    assert r.zone == {"level": ["level1", "level2"]}
    assert r.project == {"category": {"not": ["water_supply"]}, "action": ["new", "rebuild"]}
    assert r.verdict == "PROHIBITED"
    assert book.setbacks[0].zone == {"level": ["level1"]}
    assert r.applies("water_source_zone", {"level": "二级保护区"}, project("工业", "新建"), "inside")
    assert not r.applies("water_source_zone", {"level": "level2"}, project("供水设施", "新建"), "inside")


def test_bool_and_missing_conditions(tmp_path):
    rule = RULE.replace(
        "project: {category: {not: [water_supply]}, action: [new, rebuild, expand]}",
        "project: {discharges_pollutants: 是, severe_polluter: {missing: true}}",
    )
    book = load_rulebook(write(tmp_path, HEAD + rule))
    r = book.rules[0]
    assert r.project == {"discharges_pollutants": True, "severe_polluter": {"missing": True}}
    zone = {"level": "level1"}
    assert r.applies("water_source_zone", zone, {"discharges_pollutants": 1.0}, "inside")
    assert r.applies("water_source_zone", zone, {"discharges_pollutants": True, "severe_polluter": float("nan")},
                     "inside")
    assert not r.applies("water_source_zone", zone, {"discharges_pollutants": 0, "severe_polluter": None}, "inside")
    assert not r.applies("water_source_zone", zone, {"discharges_pollutants": 1, "severe_polluter": 0}, "inside")
    assert not r.applies("water_source_zone", zone, {"discharges_pollutants": None}, "inside")


# Each case: a broken rulebook, the rule (or place) and the field the message must name.
BAD = {
    "yaml_syntax": (HEAD + RULE.replace("verdict: PROHIBITED", "verdict: PROHIBITED: oops"), "T-1", "verdict"),
    "unknown_verdict": (HEAD + RULE.replace("verdict: PROHIBITED", "verdict: FORBIDDEN"), "T-1", "verdict"),
    "unknown_zone_field": (HEAD + RULE.replace("{level: [level1]}", "{grade: [level1]}"), "T-1", "zone.grade"),
    "unknown_code": (HEAD + RULE.replace("{level: [level1]}", "{level: [level9]}"), "T-1", "zone.level"),
    "unknown_project_code": (HEAD + RULE.replace("[water_supply]", "[water_suply]"), "T-1", "project.category.not"),
    "unknown_project_field": (HEAD + RULE.replace("action:", "actions:"), "T-1", "project.actions"),
    "unknown_relation": (HEAD + RULE.replace("[inside, crossing]", "[inside, near]"), "T-1", "relations"),
    "duplicate_id": (HEAD + RULE + RULE, "T-1", "id"),
    "missing_basis_text": (HEAD + RULE.replace("      text: 禁止新建\n", ""), "T-1", "basis.text"),
    "missing_basis_law": (HEAD + RULE.replace(
        "      law: {zh: 《中华人民共和国水污染防治法》, en: Water Pollution Prevention and Control Law}\n", ""),
        "T-1", "basis.law"),
    "negative_setback": (HEAD.replace("distance_m: 200", "distance_m: -5") + RULE, "setback #1", "distance_m"),
    "negative_sliver": (HEAD.replace("sliver_m2: 1.0", "sliver_m2: -1") + RULE, "settings", "sliver_m2"),
    "typo_relation_key": (HEAD + RULE.replace("relations:", "relation:"), "T-1", "relation"),
    "missing_relations": (HEAD + RULE.replace("    relations: [inside, crossing]\n", ""), "T-1", "relations"),
    "unknown_layer": (HEAD + RULE.replace("layer: water_source_zone", "layer: sewage_outfall"), "T-1", "layer"),
    "outfall_conditions_on_project_rule": (HEAD + RULE.replace("project:", "outfall:"), "T-1", "outfall"),
    "outfall_field_unknown": (HEAD + RULE.replace("project:", "subject: outfall\n    outfall:"), "T-1",
                              "outfall.category"),
    "bool_condition_not_bool": (HEAD + RULE.replace("action: [new, rebuild, expand]", "severe_polluter: maybe"),
                                "T-1", "project.severe_polluter"),
    "verified_not_bool": (HEAD + RULE.replace("verified: true", "verified: 123"), "T-1", "verified"),
    "duplicate_key_in_block": (HEAD + RULE.replace("    verified: true\n", "    verified: true\n    verdict: REVIEW\n"),
                               "T-1", "verdict"),
    "missing_id": (HEAD + RULE.replace("  - id: T-1\n    title:", "  - title:"), "rule #1 (no id)", "id"),
    "missing_top_key": (HEAD.replace('version: "1"\n', "") + RULE, "top level", "version"),
    "unknown_top_key": (HEAD.replace("settings:", "setting:") + RULE, "top level", "setting"),
}


WHERE = {
    "setback #1": ("settings, setback #1", "第 1 个退让距离"),
    "settings": ("settings", "设置"),
    "rule #1 (no id)": ("rule #1 (no id)", "第 1 条规则（无 id）"),
    "top level": ("top level", "顶层"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_broken_rulebook_is_refused_with_file_rule_and_field(tmp_path, case):
    text, where, field = BAD[case]
    path = write(tmp_path, text)
    with pytest.raises(RulebookError) as info:
        load_rulebook(path)
    err = info.value
    assert isinstance(err, GreenShieldError) and err.code == "rulebook"
    assert str(path) in err.message and str(path) in err.message_zh
    where_en, where_zh = WHERE.get(where, (f"rule {where}", f"规则 {where}"))
    assert where_en in err.message and where_zh in err.message_zh
    assert f"field '{field}'" in err.message and f"字段“{field}”" in err.message_zh
    assert err.field == field
    if where == "T-1":
        assert err.rule_id == "T-1"


def test_error_message_reads_as_documented(tmp_path):
    path = write(tmp_path, HEAD + RULE.replace("verdict: PROHIBITED", "verdict: FORBIDDEN"))
    with pytest.raises(RulebookError) as info:
        load_rulebook(path)
    assert info.value.message == (
        f"{path}, rule T-1 (line 15), field 'verdict': "
        "'FORBIDDEN' is not one of PROHIBITED, CONDITIONAL, REVIEW, CLEAR."
    )


def test_unknown_key_suggests_the_right_one(tmp_path):
    with pytest.raises(RulebookError, match="Did you mean 'relations'"):
        load_rulebook(write(tmp_path, HEAD + RULE.replace("relations:", "relation:")))


def test_yaml_syntax_error_names_the_line(tmp_path):
    with pytest.raises(RulebookError, match=r"line 15\).*YAML syntax error"):
        load_rulebook(write(tmp_path, HEAD + RULE.replace("verdict: PROHIBITED", "verdict: PROHIBITED: oops")))


def test_unreadable_files(tmp_path):
    with pytest.raises(RulebookError, match="does not exist"):
        load_rulebook(tmp_path / "missing.yaml")
    gbk = tmp_path / "gbk.yaml"
    gbk.write_bytes((HEAD + RULE).encode("gb18030"))
    with pytest.raises(RulebookError, match="UTF-8"):
        load_rulebook(gbk)
    empty = write(tmp_path, HEAD.replace("rules:\n", "rules: []\n"), "empty.yaml")
    with pytest.raises(RulebookError, match="'rules'"):
        load_rulebook(empty)
