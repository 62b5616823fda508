"""The random draw 双随机、一公开: reproducible, fair, balanced, auditable, and clear about bad input."""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
from collections import Counter

import pyogrio.raw
import pytest
import shapely

from builders import write_csv, write_xlsx
from green_shield.core import draw as d
from green_shield.core import errors
from green_shield.core.draw_record import load_record, record_html
from green_shield.core.sample_supervision import POOL_SIZES, POSITIVE, ROSTER_LAYER, sample_roster
from green_shield.core.workspace import read_layer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LIST_HEADER = ["entity_id", "name", "pool", "positive_list", "address", "lon", "lat"]
ROSTER_HEADER = ["name", "id", "unit", "team"]
SAMPLE_SEED = 20261129


def entity_rows(key: int = 12, general: int = 40, special: int = 4, positive: int = 0) -> list[list]:
    """Rows for a list CSV: ids K001…, G001…, S001…; the first `positive` key and general firms on the positive list."""
    rows = []
    for prefix, pool, n in (("K", "重点排污单位", key), ("G", "一般排污单位", general), ("S", "特殊监管对象", special)):
        for i in range(1, n + 1):
            rows.append([f"{prefix}{i:03d}", f"测试{prefix}{i:03d}有限公司", pool, "是" if i <= positive and
                         prefix != "S" else "否", f"青溪区测试路{i}号", f"{106.1 + i * 0.001:.4f}", "29.0"])
    return rows


def roster_rows(teams: int = 3, per_team: int = 4) -> list[list]:
    rows, n = [], 0
    for t in range(1, teams + 1):
        for _ in range(per_team):
            n += 1
            rows.append([f"检查员{n:02d}", f"5001990{n:04d}", "青溪区执法支队", f"第{t}组"])
    return rows


@pytest.fixture
def inputs(tmp_path):
    lst = write_csv(tmp_path / "list.csv", LIST_HEADER, entity_rows(positive=3))
    roster = write_csv(tmp_path / "roster.csv", ROSTER_HEADER, roster_rows())
    return lst, roster


def run(lst, roster, **kw):
    kw.setdefault("seed", 7)
    kw.setdefault("period", "2026Q4")
    return d.run_draw(lst, roster, **kw)


def entities(n: int, pool: str = "key", positive: int = 0) -> list[d.Entity]:
    """n entities of a pool, ids K000…/G000…/S000…; the first `positive` on the positive list."""
    prefix = pool[0].upper()
    return [d.Entity(f"{prefix}{i:03d}", f"单位{prefix}{i}", pool, positive_list=i < positive) for i in range(n)]


def inspectors(n: int, teams: int = 0) -> list[d.Inspector]:
    return [d.Inspector(f"I{i:02d}", f"人员{i}", "支队", f"T{i % teams}" if teams else None, i + 2) for i in range(n)]


def options(key=25, general=5, special=100, factor=1, per_target=2, mix=False) -> d.DrawOptions:
    return d.DrawOptions({"key": key, "general": general, "special": special}, factor, per_target, mix)


# --- reproducibility -------------------------------------------------------------------------


def test_same_seed_same_result_whatever_the_row_order(inputs, tmp_path):
    lst, roster = inputs
    first = run(lst, roster).result.canonical()
    rows = entity_rows(positive=3)
    random.Random(3).shuffle(rows)
    shuffled = write_csv(tmp_path / "shuffled.csv", LIST_HEADER, rows)
    people = roster_rows()
    people.reverse()
    reversed_roster = write_csv(tmp_path / "reversed.csv", ROSTER_HEADER, people)
    assert run(shuffled, reversed_roster).result.canonical() == first
    assert run(lst, roster).result.canonical() == first
    other = run(lst, roster, seed=8).result.canonical()
    assert [t["entity_id"] for t in other] != [t["entity_id"] for t in first]


def test_the_method_is_the_documented_sha256_ranking(inputs):
    """Anyone can recompute who is drawn with nothing but SHA-256: the record's method text is the truth."""
    lst, roster = inputs
    result = run(lst, roster, seed=12345).result
    ids = [f"K{i:03d}" for i in range(4, 13)]  # the key firms not on the positive list
    by_key = sorted(ids, key=lambda e: hashlib.sha256(f"12345|draw|{e}".encode()).hexdigest())
    stratum = next(s for s in result.strata if s.name == "key")
    assert stratum.ids == by_key[:math.ceil(0.25 * 9)]


def test_generated_seed_is_recorded_and_reproduces_the_draw(inputs):
    lst, roster = inputs
    a = run(lst, roster, seed=None)
    assert a.seed_source == "generated" and 0 <= a.seed < 10**10
    b = run(lst, roster, seed=str(a.seed))
    assert b.seed_source == "given"
    assert b.result.canonical() == a.result.canonical()


# --- ratios --------------------------------------------------------------------------------


@pytest.mark.parametrize(("size", "ratio", "expected"), [
    (20, 25, 5),  # exact: 25 % of 20 is 5, never 6 through floating point
    (30, 25, 8),  # 7.5 rounds up
    (100, 5, 5),
    (7, 5, 1),  # a pool with entities and a ratio above 0 always gets one
    (10, 0.1, 1),
    (3, 12.5, 1),
    (40, 0, 0),
    (13, 100, 13),
    (300, 7, 21),  # 7 / 100 * 300 is 21.000000000000004 in floating point; the count is 21
    (0, 25, 0),
])
def test_counts_are_ratio_times_size_rounded_up(size, ratio, expected):
    result = d.draw(entities(size) + entities(2, "special"), inspectors(4), 1, options(key=ratio))
    key = [s for s in result.strata if s.pool == "key"]
    assert len(key) == 1 and key[0].size == size and key[0].count == expected
    assert sum(1 for t in result.targets if t.entity.pool == "key") == expected


def test_positive_list_firms_form_a_stratum_drawn_at_a_reduced_ratio():
    ents = entities(40, "key", positive=10) + entities(5, "special", positive=5)
    result = d.draw(ents, inspectors(6), 3, options(key=25, factor=0.5))
    strata = {s.name: s for s in result.strata}
    assert (strata["key"].size, strata["key"].count) == (30, math.ceil(30 * 0.25))
    assert (strata["key_positive"].size, strata["key_positive"].ratio, strata["key_positive"].count) == (10, 12.5, 2)
    assert strata["special"].count == 5  # special supervision ignores the positive list
    assert any("positive list" in en for en, _ in result.notes)
    off_site = d.draw(ents, inspectors(6), 3, options(key=25, factor=0))
    assert not [t for t in off_site.targets if t.entity.pool == "key" and t.entity.positive_list]


def test_ratio_overrides_and_the_shipped_defaults(inputs):
    table = d.load_ratios()
    assert table.ratios == {"key": 25, "general": 5, "special": 100}
    assert table.verified["key"] and table.verified["special"] and not table.verified["general"]
    assert table.per_target == 2 and 0 < table.positive_factor < 1
    lst, roster = inputs
    out = run(lst, roster, ratios=d.parse_ratio_overrides(["重点排污单位=50", "general=10%"]))
    assert out.ratio_table.ratios == {"key": 50, "general": 10, "special": 100}
    assert set(out.ratio_table.overridden) == {"key", "general"} and not out.ratio_table.verified["key"]
    assert out.result.pool_counts()["key"] == math.ceil(0.5 * 9) + math.ceil(0.5 * 0.5 * 3)


# --- fairness ------------------------------------------------------------------------------


def chi_square(counts: list[int]) -> float:
    expected = sum(counts) / len(counts)
    return sum((c - expected) ** 2 / expected for c in counts)


def test_every_entity_of_a_pool_is_drawn_about_equally_often():
    """2 000 fixed seeds, a pool of 20 at 25 %: each entity is drawn about 500 times.

    Seeds 0…1999 make the test deterministic; the bounds are wide (chi-square at p ≈ 0.0001 for
    19 degrees of freedom; ±6 standard deviations per entity), so only a biased method fails.
    """
    pool = entities(20) + entities(8, "general", positive=8)
    hits: Counter = Counter()
    for seed in range(2000):
        result = d.draw(pool, inspectors(4), seed, options(key=25, general=50, factor=0.5))
        hits.update(t.entity.entity_id for t in result.targets)
    key = [hits[f"K{i:03d}"] for i in range(20)]
    assert sum(key) == 2000 * 5
    sd = math.sqrt(2000 * 0.25 * 0.75)
    assert all(abs(k - 500) < 6 * sd for k in key), key
    assert chi_square(key) < 50.0, key
    positive = [hits[f"G{i:03d}"] for i in range(8)]  # 8 × 25 % = 2 a draw: 500 each
    assert sum(positive) == 2000 * 2 and chi_square(positive) < 30.0, positive


def test_every_inspector_is_drawn_about_equally_often():
    hits: Counter = Counter()
    for seed in range(2000):
        result = d.draw(entities(1, "special"), inspectors(6), seed, options())
        hits.update(result.targets[0].inspector_ids)
    counts = [hits[f"I{i:02d}"] for i in range(6)]
    assert sum(counts) == 4000 and chi_square(counts) < 25.0, counts


# --- inspectors ----------------------------------------------------------------------------


@pytest.mark.parametrize(("per_target", "mix"), [(2, False), (2, True), (3, False), (3, True)])
def test_each_target_gets_distinct_inspectors_and_the_load_is_balanced(per_target, mix):
    ents = entities(60) + entities(10, "special")
    people = inspectors(11, teams=3)  # teams of 4, 4 and 3
    result = d.draw(ents, people, 99, options(key=50, general=0, per_target=per_target, mix=mix))
    team_of = {p.inspector_id: p.team for p in people}
    assert result.team_mode is not mix
    for t in result.targets:
        assert len(set(t.inspector_ids)) == per_target == len(t.inspector_ids)
        if mix:
            assert t.team == team_of[t.inspector_ids[0]]
        else:
            assert {team_of[i] for i in t.inspector_ids} == {t.team}
    cap = math.ceil(per_target * len(result.targets) / len(people)) + 1
    assert result.load_cap == cap
    assert max(result.loads.values()) <= cap and sum(result.loads.values()) == per_target * len(result.targets)
    assert not result.notes


def test_roster_without_teams_draws_across_everyone(inputs, tmp_path):
    lst, _ = inputs
    roster = write_csv(tmp_path / "r.csv", ["姓名", "编号", "单位"], [[f"人{i}", f"N{i}", "支队"] for i in range(5)])
    out = run(lst, roster)
    assert not out.result.team_mode
    assert all(t.team is None and len(set(t.inspector_ids)) == 2 for t in out.result.targets)


def test_history_is_avoided(inputs, tmp_path):
    lst, roster = inputs
    first = run(lst, roster, seed=1)
    paths = d.write_outputs(first, str(tmp_path / "first"))
    for history in (paths["csv"], paths["json"]):
        second = run(lst, roster, seed=2, history=[history])
        before = {t.entity.entity_id: set(t.inspector_ids) for t in first.result.targets}
        both = [t for t in second.result.targets if t.entity.entity_id in before]
        assert len(both) >= 4  # the special pool is drawn in full every time
        for t in both:
            assert not set(t.inspector_ids) & before[t.entity.entity_id], t.entity.entity_id
            assert not t.revisits
        assert second.history_visits == 2 * len(first.result.targets)
        assert not second.result.notes


def test_an_unavoidable_revisit_is_reported_not_hidden(tmp_path):
    lst = write_csv(tmp_path / "l.csv", LIST_HEADER[:3], [["S1", "甲公司", "特殊监管对象"]])
    people = [["张三", "A1", "支队", "一组"], ["李四", "A2", "支队", "一组"], ["王五", "A3", "支队", "一组"]]
    roster = write_csv(tmp_path / "r.csv", ROSTER_HEADER, people)
    history = write_csv(tmp_path / "h.csv", ["entity_id", "inspector_ids"], [["S1", "A1;A2"]])
    out = run(lst, roster, history=[history])
    target = out.result.targets[0]
    assert "A3" in target.inspector_ids and len(target.revisits) == 1
    assert any("previous draw" in en and "S1" in en for en, _ in out.result.notes)
    paths = d.write_outputs(out, str(tmp_path / "o"))
    record = json.loads(open(paths["json"], encoding="utf-8").read())
    assert record["result"][0]["revisits"] == target.revisits
    assert any("无法回避" in n["zh"] for n in record["notes"])
    assert "上次已检查" in open(paths["html"], encoding="utf-8").read()


# --- the record and --verify -----------------------------------------------------------------


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "green_shield.core.cli", *args], capture_output=True, text=True,
                          cwd=cwd)


def test_record_lists_checksums_ratios_seed_pools_and_result(inputs, tmp_path):
    lst, roster = inputs
    out = run(lst, roster, seed=424242)
    paths = d.write_outputs(out, str(tmp_path / "out") + os.sep)
    assert all(os.path.basename(p).startswith("DRAW-2026Q4-424242") for p in paths.values())
    assert set(paths) == {"csv", "gpkg", "json", "html"}
    record = load_record(paths["json"])
    sums = {i["role"]: i["sha256"] for i in record["inputs"]}
    assert sums["list"] == hashlib.sha256(open(lst, "rb").read()).hexdigest()
    assert sums["roster"] == hashlib.sha256(open(roster, "rb").read()).hexdigest()
    assert record["seed"] == 424242 and record["seed_source"] == "given"
    assert record["parameters"]["ratios"] == {"key": 25, "general": 5, "special": 100}
    assert record["pools"]["key"] == {"label_zh": "重点排污单位", "size": 12, "drawn": out.result.pool_counts()["key"]}
    assert [r["entity_id"] for r in record["result"]] == [t.entity.entity_id for t in out.result.targets]
    with open(paths["csv"], encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["entity_id"] for r in rows] == [t.entity.entity_id for t in out.result.targets]
    assert all(len(r["inspector_ids"].split(";")) == 2 and "、" in r["inspectors"] for r in rows)
    html = open(paths["html"], encoding="utf-8").read()
    assert "“双随机、一公开”抽查记录" in html and "size: A4" in html and "424242" in html
    assert all(t.entity.name in html for t in out.result.targets)
    assert "未核实的默认值" in html  # general's 5 % is not a verified figure
    meta, _, geometry, _ = pyogrio.raw.read(paths["gpkg"], layer="draw_targets")
    assert geometry is not None and len(geometry) == len(out.result.targets) and meta["crs"] == "EPSG:4490"


def test_verify_passes_on_an_untouched_record_even_when_moved(inputs, tmp_path):
    lst, roster = inputs
    paths = d.write_outputs(run(lst, roster), str(tmp_path / "draw"))
    done = cli("draw", "--verify", paths["json"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("verified")
    moved = tmp_path / "archive"
    moved.mkdir()
    for path in (lst, roster, paths["json"]):
        shutil.copy(path, moved)
    for path in (lst, roster):
        os.remove(path)
    check = d.verify_record(str(moved / os.path.basename(paths["json"])))
    assert check.ok, check.differences


def test_verify_fails_when_an_input_changes_by_one_byte(inputs, tmp_path):
    lst, roster = inputs
    paths = d.write_outputs(run(lst, roster), str(tmp_path / "draw"))
    raw = bytearray(open(lst, "rb").read())
    at = raw.index("测试路5号".encode()) + len("测试路".encode())
    raw[at] = ord("6")  # one byte of one address; the draw itself does not change
    open(lst, "wb").write(bytes(raw))
    done = cli("draw", "--verify", paths["json"])
    assert done.returncode == 1
    assert "NOT verified" in done.stdout and "list" in done.stdout and "has changed" in done.stdout
    assert os.path.basename(lst) in done.stdout
    zh = cli("--lang", "zh", "draw", "--verify", paths["json"])
    assert zh.returncode == 1 and "已被修改" in zh.stdout


def test_verify_says_which_targets_differ(inputs, tmp_path):
    lst, roster = inputs
    out = run(lst, roster)
    paths = d.write_outputs(out, str(tmp_path / "draw"))
    drawn = out.result.targets[0].entity.entity_id
    rows = [r for r in entity_rows(positive=3) if r[0] != drawn]  # one drawn firm leaves the list
    write_csv(lst, LIST_HEADER, rows)
    check = d.verify_record(paths["json"])
    assert not check.ok
    text = " | ".join(en for en, _ in check.differences)
    assert "has changed" in text and "not on re-run" in text and drawn in text


def test_verify_notices_an_edited_record(inputs, tmp_path):
    lst, roster = inputs
    paths = d.write_outputs(run(lst, roster), str(tmp_path / "draw"))
    record = json.loads(open(paths["json"], encoding="utf-8").read())
    record["result"][0]["inspector_ids"] = ["X1", "X2"]
    json.dump(record, open(paths["json"], "w", encoding="utf-8"), ensure_ascii=False)
    check = d.verify_record(paths["json"])
    text = " | ".join(en for en, _ in check.differences)
    assert "edited after the draw" in text and "inspectors recorded X1, X2" in text


# --- bad input -------------------------------------------------------------------------------


def expect(error, *fragments):
    """The error's class, code and that every fragment appears in its English message."""
    def check(exc_info):
        assert exc_info.type is error
        assert exc_info.value.code == error.code and exc_info.value.message_zh != exc_info.value.message
        for fragment in fragments:
            assert fragment in exc_info.value.message, exc_info.value.message
    return check


@pytest.mark.parametrize(("rows", "error", "fragments"), [
    ([], errors.EmptySupervisionList, ["no entities"]),
    ([["A", "甲", "重点"], ["B", "乙", "一般"], ["A", "丙", "特殊"]], errors.DuplicateEntityIds,
     ["A (rows 2, 4)"]),
    ([["A", "甲", "重点"], ["B", "乙", "重要单位"]], errors.UnknownPoolValues, ["row 3: '重要单位'"]),
    ([["A", "", "重点"]], errors.IncompleteRows, ["row 2: name is empty"]),
    ([["A", "甲", "重点", "也许"]], errors.IncompleteRows, ["positive_list '也许' is not yes/no"]),
])
def test_bad_supervision_lists(tmp_path, inputs, rows, error, fragments):
    _, roster = inputs
    header = ["entity_id", "name", "pool", "positive_list"]
    lst = write_csv(tmp_path / "bad.csv", header, [r + [""] * (4 - len(r)) for r in rows])
    with pytest.raises(errors.DrawError) as exc:
        run(lst, roster)
    expect(error, *fragments)(exc)


def test_a_list_without_a_pool_column(tmp_path, inputs):
    _, roster = inputs
    lst = write_csv(tmp_path / "bad.csv", ["entity_id", "name"], [["A", "甲"]])
    with pytest.raises(errors.DrawColumnsMissing, match=r"pool \(监管类别\)"):
        run(lst, roster)


@pytest.mark.parametrize(("rows", "kw", "error", "fragments"), [
    ([["张三", "A1", "支队", "一组"]], {}, errors.TooFewInspectors, ["1 inspector", "2 different"]),
    ([], {}, errors.TooFewInspectors, ["0 inspector"]),
    ([["张三", "A1", "", "一组"], ["李四", "A1", "", "二组"]], {}, errors.DuplicateInspectorIds, ["A1 (rows 2, 3)"]),
    ([["张三", "A1", "", "一组"], ["李四", "A2", "", "一组"], ["王五", "A3", "", "二组"]], {},
     errors.TeamTooSmall, ["二组 (1)", "--mix-teams"]),
    ([[f"人{i}", f"A{i}", "", "一组" if i < 3 else "二组"] for i in range(5)], {"per_target": 3},
     errors.TeamTooSmall, ["二组 (2)"]),
    ([["张三", "A1", "", "一组"], ["李四", "A2", "", ""]], {}, errors.IncompleteRows, ["row 3: team is empty"]),
    ([["", "A1", "", "一组"], ["李四", "A2", "", "一组"]], {}, errors.IncompleteRows, ["row 2: name is empty"]),
])
def test_bad_rosters(tmp_path, inputs, rows, kw, error, fragments):
    lst, _ = inputs
    roster = write_csv(tmp_path / "r.csv", ROSTER_HEADER, rows)
    with pytest.raises(errors.DrawError) as exc:
        run(lst, roster, **kw)
    expect(error, *fragments)(exc)


def test_small_teams_can_be_mixed(tmp_path, inputs):
    lst, _ = inputs
    roster = write_csv(tmp_path / "r.csv", ROSTER_HEADER, [["张三", "A1", "", "一组"], ["李四", "A2", "", "二组"]])
    out = run(lst, roster, mix_teams=True)
    assert all(sorted(t.inspector_ids) == ["A1", "A2"] for t in out.result.targets)


@pytest.mark.parametrize(("kw", "error", "fragment"), [
    ({"ratios": {"key": 120}}, errors.InvalidRatio, "from 0 to 100"),
    ({"ratios": {"general": -1}}, errors.InvalidRatio, "'general' is -1"),
    ({"ratios": {"special": "lots"}}, errors.InvalidRatio, "lots"),
    ({"ratios": {"重要": 10}}, errors.UnknownRatioPool, "'重要' is not a supervision pool"),
    ({"positive_factor": 1.5}, errors.InvalidRatio, "from 0 to 1"),
    ({"per_target": 1}, errors.InvalidPerTarget, "at least 2"),
    ({"seed": -3}, errors.InvalidSeed, "'-3'"),
    ({"seed": "abc"}, errors.InvalidSeed, "'abc'"),
])
def test_bad_parameters(inputs, kw, error, fragment):
    lst, roster = inputs
    with pytest.raises(error, match=re.escape(fragment)):
        run(lst, roster, **kw)


def test_bad_ratio_overrides_and_files(tmp_path):
    with pytest.raises(errors.InvalidRatio):
        d.parse_ratio_overrides(["key=101"])
    with pytest.raises(errors.InvalidRatio):
        d.parse_ratio_overrides(["key"])
    bad = tmp_path / "ratios.yaml"
    bad.write_text("pools:\n  key: {ratio: 25}\n  general: {ratio: 5}\n", encoding="utf-8")
    with pytest.raises(errors.InvalidRatiosFile, match="no ratio for special"):
        d.load_ratios(str(bad))


def test_bad_history_and_record(tmp_path, inputs):
    lst, roster = inputs
    history = write_csv(tmp_path / "h.csv", ["a", "b"], [["1", "2"]])
    with pytest.raises(errors.InvalidDrawHistory, match="entity_id and inspector_ids"):
        run(lst, roster, history=[history])
    not_record = tmp_path / "x.json"
    not_record.write_text('{"hello": 1}', encoding="utf-8")
    with pytest.raises(errors.InvalidDrawRecord, match="green-shield-draw-record"):
        d.verify_record(str(not_record))
    done = cli("draw", "--verify", str(not_record))
    assert done.returncode == 2 and "[invalid_draw_record]" in done.stderr


def test_an_empty_pool_is_reported_not_an_error(tmp_path, inputs):
    _, roster = inputs
    lst = write_csv(tmp_path / "l.csv", LIST_HEADER[:3], [["K1", "甲", "重点排污单位"], ["K2", "乙", "重点排污单位"]])
    out = run(lst, roster)
    assert out.result.pool_counts() == {"key": 1, "general": 0, "special": 0}
    assert any("一般排污单位，该类别未抽取" in zh for _, zh in out.result.notes)
    assert any("特殊监管对象" in zh for _, zh in out.result.notes)


def test_cli_prints_core_errors(tmp_path, inputs):
    lst, roster = inputs
    done = cli("draw", "--list", lst, "--roster", roster, "--out", str(tmp_path / "o"), "--ratio", "key=150")
    assert done.returncode == 2 and "[invalid_ratio]" in done.stderr
    done = cli("draw", "--list", lst)
    assert done.returncode == 2 and "--roster" in done.stderr


# --- file formats ----------------------------------------------------------------------------


def test_chinese_headers_labels_and_xlsx(tmp_path):
    lst = write_csv(tmp_path / "名录.csv", ["统一社会信用代码", "企业名称", "监管类别", "是否正面清单"],
                    [["91A", "甲化工", "重点排污单位", "是"], ["91B", "乙食品", "一般", "否"],
                     ["91C", "丙电镀", "特殊", ""]], encoding="gbk")
    roster = write_xlsx(tmp_path / "人员.xlsx", ["姓名", "执法证号", "单位", "小组"],
                        [["张三", 50019900001, "支队", "一组"], ["李四", 50019900002, "支队", "一组"]])
    out = run(lst, roster)
    assert [(e.entity_id, e.pool, e.positive_list) for e in d.read_supervision_list(lst).entities] == [
        ("91A", "key", True), ("91B", "general", False), ("91C", "special", False)]
    assert out.crs is None and all(t.entity.geometry is None for t in out.result.targets)
    assert {i for t in out.result.targets for i in t.inspector_ids} == {"50019900001", "50019900002"}
    paths = d.write_outputs(out, str(tmp_path / "o"))
    assert "gpkg" not in paths  # no locations, no GeoPackage
    assert d.verify_record(paths["json"]).ok


# --- the sample district ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    folder = tmp_path_factory.mktemp("district")
    path = str(folder / "qingxi.gpkg")
    done = cli("sample-district", path)
    assert done.returncode == 0, done.stderr
    return path


def test_sample_district_has_a_supervision_list_and_a_roster(district):
    geoms, columns, _ = read_layer(district, "supervised_entity")
    assert len(geoms) == sum(POOL_SIZES.values()) == 150
    pools = Counter(columns["pool"])
    assert pools == Counter({"key": 30, "general": 100, "special": 20})
    positive = Counter(p for p, flag in zip(columns["pool"], columns["positive_list"]) if flag)
    assert positive == Counter({k: v for k, v in POSITIVE.items() if v})
    assert len(set(columns["entity_id"])) == 150 and len(set(columns["name"])) == 150
    assert all(n.startswith("青溪区") for n in columns["name"])
    assert all(r for p, r in zip(columns["pool"], columns["special_reason"]) if p == "special")
    district_geoms, _, _ = read_layer(district, "district")
    area = shapely.union_all(district_geoms)
    assert all(g.geom_type == "Point" and area.contains(g) for g in geoms)
    water, _, _ = read_layer(district, "water_body")
    assert not any(shapely.union_all(water).contains(g) for g in geoms)
    gpkg_roster = d.read_roster(f"{district}:{ROSTER_LAYER}").inspectors
    csv_roster = d.read_roster(district.replace(".gpkg", "_roster.csv")).inspectors
    as_tuples = [(i.inspector_id, i.name, i.unit, i.team) for i in gpkg_roster]
    assert as_tuples == [(i.inspector_id, i.name, i.unit, i.team) for i in csv_roster]
    assert as_tuples == [(r["id"], r["name"], r["unit"], r["team"]) for r in sample_roster()]
    assert Counter(i.team for i in gpkg_roster) == Counter({"第一检查组": 4, "第二检查组": 4, "第三检查组": 4})
    assert all(re.fullmatch(r"500199\d{5}", i.inspector_id) for i in gpkg_roster)


def test_sample_district_draw_with_the_default_ratios(district, tmp_path):
    out = d.run_draw(f"{district}:supervised_entity", f"{district}:{ROSTER_LAYER}", seed=SAMPLE_SEED, period="2026Q4")
    strata = {s.name: (s.size, s.count) for s in out.result.strata}
    assert strata == {"key": (24, 6), "key_positive": (6, 1), "general": (84, 5),
                      "general_positive": (16, 1), "special": (20, 20)}
    assert len(out.result.targets) == 33 and out.result.load_cap == 7
    assert out.draw_id == f"DRAW-2026Q4-{SAMPLE_SEED}"
    same = d.run_draw(f"{district}:supervised_entity", district.replace(".gpkg", "_roster.csv"), seed=SAMPLE_SEED,
                      period="2026Q4")
    assert same.result.canonical() == out.result.canonical()  # the roster CSV and table are the same roster


def test_drawn_targets_become_cases_in_the_workspace(district, tmp_path):
    cases = pytest.importorskip("green_shield.core.cases")
    if not hasattr(cases, "upsert_cases"):
        pytest.skip("core/cases.py has no upsert_cases yet")
    ws = str(tmp_path / "ws.gpkg")
    shutil.copy(district, ws)
    out_dir = str(tmp_path / "out") + os.sep
    args = ["draw", "--list", f"{ws}:supervised_entity", "--roster", f"{ws}:{ROSTER_LAYER}", "--out", out_dir,
            "--seed", str(SAMPLE_SEED), "--period", "2026Q4", "--workspace", ws]
    done = cli(*args)
    assert done.returncode == 0, done.stderr
    assert "33 created" in done.stdout
    geoms, columns, _ = read_layer(ws, "inspection_case")
    drawn = {t["entity_id"]: t for t in json.load(open(f"{out_dir}DRAW-2026Q4-{SAMPLE_SEED}.json",
                                                       encoding="utf-8"))["result"]}
    assert sorted(columns["target_id"]) == sorted(drawn)
    assert set(columns["source"]) == {"random_draw"} and set(columns["source_ref"]) == {f"DRAW-2026Q4-{SAMPLE_SEED}"}
    assert set(columns["target_type"]) == {"enterprise"} and set(columns["status"]) == {"pending"}
    for tid, team, people, priority, due in zip(columns["target_id"], columns["team"], columns["inspectors"],
                                                columns["priority"], columns["check_due"]):
        assert team == drawn[tid]["team"] and people == "、".join(drawn[tid]["inspectors"])
        assert priority == ("high" if drawn[tid]["pool"] == "special" else "medium")
        assert str(due)[:10] == "2026-12-31"
    entity_geoms, entity_cols, _ = read_layer(ws, "supervised_entity")
    where = dict(zip(entity_cols["entity_id"], entity_geoms))
    assert all(g is not None and g.distance(where[t]) < 1e-9 for g, t in zip(geoms, columns["target_id"]))
    # the workspace changed, the list in it did not: the record still verifies; a second run adds no case
    assert cli("draw", "--verify", f"{out_dir}DRAW-2026Q4-{SAMPLE_SEED}.json").returncode == 0
    again = cli(*args)
    assert again.returncode == 0 and "0 created" in again.stdout
    assert len(read_layer(ws, "inspection_case")[0]) == 33


# --- translations ----------------------------------------------------------------------------


def test_record_html_is_self_contained(inputs):
    lst, roster = inputs
    html = record_html(run(lst, roster))
    assert "<script" not in html and "http" not in html.split("<body>")[1]


@pytest.mark.parametrize("sep", [";", "\t"])
def test_other_delimiters(tmp_path, inputs, sep):
    _, roster = inputs
    path = tmp_path / "list.csv"
    path.write_text(sep.join(LIST_HEADER[:4]) + "\n" + "\n".join(sep.join(r[:4]) for r in entity_rows()) + "\n",
                    encoding="utf-8")
    assert len(d.read_supervision_list(str(path)).entities) == 56
    assert run(str(path), roster).result.canonical() == run(str(path), roster).result.canonical()


# --- outputs never replace a workspace, an input or another draw's record ---------------------


def test_an_output_never_replaces_the_workspace(district, tmp_path):
    from green_shield.core.workspace import open_workspace

    ws = str(tmp_path / "district.gpkg")
    shutil.copy(district, ws)
    roster = district.replace(".gpkg", "_roster.csv")
    base = ["draw", "--list", f"{ws}:supervised_entity", "--roster", roster, "--seed", "1",
            "--out", str(tmp_path / "district")]  # district.csv/.gpkg/.json/.html: the .gpkg is the workspace
    for extra in (["--workspace", ws], []):
        done = cli(*base, *extra)
        assert done.returncode == 2 and "[output_is_a_workspace]" in done.stderr, done.stdout + done.stderr
        assert sorted(os.listdir(tmp_path)) == ["district.gpkg"]  # nothing written, not even the CSV
    assert open_workspace(ws).layers["supervised_entity"] == 150


def test_an_output_never_replaces_an_input(inputs, tmp_path):
    lst, roster = inputs
    out = run(lst, roster)
    for path, role in ((lst, "supervision list"), (roster, "inspector roster")):
        before = open(path, "rb").read()
        with pytest.raises(errors.OutputIsAnInput, match=f"is the {role} this draw reads") as exc:
            d.write_outputs(out, os.path.splitext(path)[0])  # list.csv is the draw's CSV
        assert "监管对象名录" in exc.value.message_zh or "执法人员名录" in exc.value.message_zh
        assert open(path, "rb").read() == before
    assert sorted(os.listdir(tmp_path)) == ["list.csv", "roster.csv"]
    first = d.write_outputs(run(lst, roster, seed=1), str(tmp_path / "draws") + os.sep)
    before = open(first["json"], "rb").read()
    again = run(lst, roster, seed=1, history=[first["json"]])  # the same id: its record would replace the history
    with pytest.raises(errors.OutputIsAnInput, match="previous draw"):
        d.write_outputs(again, str(tmp_path / "draws") + os.sep)
    assert open(first["json"], "rb").read() == before


# --- the workspace first, the record last -------------------------------------------------------


def test_a_wrong_workspace_stops_the_draw_before_anything_is_written(inputs, tmp_path):
    lst, roster = inputs
    out = tmp_path / "o"
    for workspace in (str(tmp_path / "nonexist.gpkg"), lst):
        done = cli("draw", "--list", lst, "--roster", roster, "--seed", "1", "--out", str(out) + os.sep,
                   "--workspace", workspace)
        assert done.returncode == 2 and "[not_a_workspace]" in done.stderr, done.stdout + done.stderr
        assert not out.exists()
    assert not (tmp_path / "nonexist.gpkg").exists()


def test_no_record_when_the_cases_cannot_be_added(inputs, tmp_path, monkeypatch, capsys):
    from green_shield.core.cli import main
    from green_shield.core.workspace import create_workspace

    lst, roster = inputs
    ws = str(tmp_path / "ws.gpkg")
    create_workspace(ws)

    def ledger_fails(run, workspace, **kw):
        raise errors.LedgerEditFailed("the disk is full", "磁盘已满")

    monkeypatch.setattr(d, "add_cases", ledger_fails)
    out = tmp_path / "o"
    assert main(["draw", "--list", lst, "--roster", roster, "--seed", "1", "--out", str(out) + os.sep,
                 "--workspace", ws]) == 2
    assert "[ledger_edit_failed]" in capsys.readouterr().err
    assert os.listdir(out) == []  # no record, no CSV, no half-written file
    monkeypatch.undo()
    assert main(["draw", "--list", lst, "--roster", roster, "--seed", "1", "--out", str(out) + os.sep,
                 "--workspace", ws]) == 0
    assert sorted(os.listdir(out)) == [f"DRAW-2026Q4-1.{ext}" for ext in ("csv", "gpkg", "html", "json")] or \
        sorted(os.listdir(out)) == [f"DRAW-{d.current_period().replace('-', '')}-1.{ext}"
                                    for ext in ("csv", "gpkg", "html", "json")]


# --- periods and draw ids ---------------------------------------------------------------------


@pytest.mark.parametrize(("text", "period"), [
    ("2026Q1", "2026Q1"), ("2026q4", "2026Q4"), ("2026-Q2", "2026Q2"), (" 2026 Q3 ", "2026Q3"),
    ("2026H1", "2026H1"), ("2026h2", "2026H2"), ("2026", "2026"), ("2026年", "2026"), ("2026年度", "2026"),
    ("2026-03", "2026-03"), ("202603", "2026-03"), ("2026-3", "2026-03"), ("2026/12", "2026-12"),
    ("2026年第一季度", "2026Q1"), ("2026年第四季度", "2026Q4"), ("2026年二季度", "2026Q2"), ("2026年第3季度", "2026Q3"),
    ("2026年一季", "2026Q1"), ("2026年上半年", "2026H1"), ("2026年下半年", "2026H2"), ("2026年3月", "2026-03"),
    ("2026年12月份", "2026-12"),
    ("２０２６Ｑ１", "2026Q1"),
])
def test_periods_are_read_into_one_form(text, period):
    assert d.normalise_period(text) == period
    assert d.make_draw_id(text, 7) == f"DRAW-{period.replace('-', '')}-7"


@pytest.mark.parametrize("text", ["2026Q5", "2026Q0", "2026H3", "2026-13", "202600", "2026年第五季度", "下季度",
                                  "26Q1", "Q1", "2026Q1Q2", "2026年第一", ""])
def test_other_periods_are_refused(text, inputs):
    with pytest.raises(errors.InvalidPeriod) as exc:
        d.normalise_period(text)
    assert f"'{text}' is not a period" in exc.value.message and "2026Q4" in exc.value.message
    assert f"“{text}”不是可识别的抽查期次" in exc.value.message_zh
    if text:
        lst, roster = inputs
        with pytest.raises(errors.InvalidPeriod):
            run(lst, roster, period=text)


@pytest.mark.parametrize(("period", "end"), [
    ("2026Q1", "2026-03-31"), ("2026H1", "2026-06-30"), ("2026H2", "2026-12-31"), ("2026", "2026-12-31"),
    ("2028-02", "2028-02-29"), ("2026年第四季度", "2026-12-31"), ("某次专项", None),
])
def test_period_end(period, end):
    assert (d.period_end(period) and d.period_end(period).isoformat()) == end


def test_chinese_periods_give_their_own_draw_ids(inputs, tmp_path):
    lst, roster = inputs
    folder = str(tmp_path / "draws") + os.sep
    first = d.write_outputs(run(lst, roster, seed=1, period="2026年第一季度"), folder)
    fourth = d.write_outputs(run(lst, roster, seed=1, period="2026年第四季度"), folder)
    assert os.path.basename(first["json"]) == "DRAW-2026Q1-1.json"
    assert os.path.basename(fourth["json"]) == "DRAW-2026Q4-1.json"
    assert load_record(first["json"])["period"] == "2026Q1" and load_record(fourth["json"])["period"] == "2026Q4"
    done = cli("draw", "--list", lst, "--roster", roster, "--seed", "1", "--period", "2026Q5", "--out",
               str(tmp_path / "other") + os.sep)
    assert done.returncode == 2 and "[invalid_period]" in done.stderr and "2026Q5" in done.stderr
    assert not (tmp_path / "other").exists()


def test_a_record_is_never_silently_replaced(inputs, tmp_path):
    lst, roster = inputs
    prefix = str(tmp_path / "draw")
    paths = d.write_outputs(run(lst, roster, seed=1), prefix)
    kept = {kind: open(path, "rb").read() for kind, path in paths.items()}
    with pytest.raises(errors.DrawRecordExists, match="records draw DRAW-2026Q4-1 of .*, with another id, seed, "
                                                      "result") as exc:
        d.write_outputs(run(lst, roster, seed=2), prefix)  # another seed, the same file names
    assert "不会被覆盖" in exc.value.message_zh and "随机种子" in exc.value.message_zh
    assert {kind: open(path, "rb").read() for kind, path in paths.items()} == kept
    # the list changes after the draw: the same seed and period draw otherwise, under the same id
    write_csv(lst, LIST_HEADER, [r for r in entity_rows(positive=3) if r[0] != "S001"])
    with pytest.raises(errors.DrawRecordExists, match="with another inputs, result"):
        d.write_outputs(run(lst, roster, seed=1), prefix)
    assert open(paths["json"], "rb").read() == kept["json"]
    # an identical re-run (e.g. to add the cases again) may write the record again
    write_csv(lst, LIST_HEADER, entity_rows(positive=3))
    d.write_outputs(run(lst, roster, seed=1), prefix)
    assert d.verify_record(paths["json"]).ok
    other = tmp_path / "notes.json"
    other.write_text('{"mine": 1}', encoding="utf-8")
    with pytest.raises(errors.DrawRecordExists, match="not a draw record"):
        d.write_outputs(run(lst, roster, seed=1), str(tmp_path / "notes"))
    assert other.read_text(encoding="utf-8") == '{"mine": 1}'


def test_a_seed_used_again_for_another_period_is_noted(inputs, tmp_path):
    lst, roster = inputs
    folder = str(tmp_path / "draws") + os.sep
    first = run(lst, roster, seed=5, period="2026Q3")
    d.write_outputs(first, folder)
    assert not any("already used" in en for en, _ in first.notes)
    second = run(lst, roster, seed=5, period="2026Q4")
    paths = d.write_outputs(second, folder)
    notes = load_record(paths["json"])["notes"]
    assert any("Seed 5 was already used for draw DRAW-2026Q3-5" in n["en"] and "fresh seed" in n["en"] for n in notes)
    assert any("随机种子 5 已用于同一文件夹中的抽查 DRAW-2026Q3-5" in n["zh"] for n in notes)
    assert "每次抽查应使用新的随机种子" in open(paths["html"], encoding="utf-8").read()
    assert d.verify_record(paths["json"]).ok
    done = cli("draw", "--list", lst, "--roster", roster, "--seed", "5", "--period", "2027Q1", "--out", folder)
    assert done.returncode == 0 and done.stdout.count("note: Seed 5 was already used") == 2, done.stdout
    fresh = cli("draw", "--list", lst, "--roster", roster, "--seed", "6", "--period", "2027Q1", "--out", folder)
    assert fresh.returncode == 0 and "already used" not in fresh.stdout


# --- --verify compares the whole result ---------------------------------------------------------


def _first(record: dict) -> dict:
    return record["result"][0]


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda r: _first(r)["inspectors"].__setitem__(0, "X"), "inspector names recorded X, "),
    (lambda r: _first(r).__setitem__("name", "X公司"), "name recorded X公司, on re-run"),
    (lambda r: _first(r).__setitem__("pool", "general"), "pool recorded general, on re-run key"),
    (lambda r: _first(r).__setitem__("positive_list", not _first(r)["positive_list"]), "positive list recorded"),
    (lambda r: _first(r).__setitem__("stratum", "general"), "stratum recorded general"),
    (lambda r: _first(r).__setitem__("team", "第9组"), "(第9组), on re-run"),
    (lambda r: _first(r).__setitem__("seq", 99), "number recorded 99, on re-run 1"),
    (lambda r: _first(r).__setitem__("revisits", ["X"]), "unavoidable revisits recorded X, on re-run —"),
    (lambda r: _first(r).__setitem__("entity_id", "K999"), "drawn in the record but not on re-run: K999"),
])
def test_verify_compares_every_field_of_the_result(inputs, tmp_path, edit, expected):
    lst, roster = inputs
    paths = d.write_outputs(run(lst, roster), str(tmp_path / "draw"))
    record = json.loads(open(paths["json"], encoding="utf-8").read())
    assert _first(record)["pool"] == "key" and _first(record)["seq"] == 1
    edit(record)
    json.dump(record, open(paths["json"], "w", encoding="utf-8"), ensure_ascii=False)
    check = d.verify_record(paths["json"])
    text = " | ".join(en for en, _ in check.differences)
    assert not check.ok and "edited after the draw" in text and expected in text, text
    # whoever edits the record and its checksums too is still caught by the re-run
    from green_shield.core.draw_record import canonical, record_digest

    record["result_sha256"] = d.result_digest(canonical(record["result"]))
    record["record_sha256"] = record_digest(record)
    json.dump(record, open(paths["json"], "w", encoding="utf-8"), ensure_ascii=False)
    check = d.verify_record(paths["json"])
    text = " | ".join(en for en, _ in check.differences)
    assert not check.ok and "edited after the draw" not in text and expected in text, text


def test_verify_notices_an_edit_outside_the_result(inputs, tmp_path):
    lst, roster = inputs
    paths = d.write_outputs(run(lst, roster), str(tmp_path / "draw"))
    record = json.loads(open(paths["json"], encoding="utf-8").read())
    record["period"] = "2027Q1"
    json.dump(record, open(paths["json"], "w", encoding="utf-8"), ensure_ascii=False)
    done = cli("draw", "--verify", paths["json"])
    assert done.returncode == 1 and "does not match its own record_sha256" in done.stdout
    zh = cli("--lang", "zh", "draw", "--verify", paths["json"])
    assert zh.returncode == 1 and "记录在抽取后被改动过" in zh.stdout


def test_verify_in_chinese_names_an_edited_inspector(inputs, tmp_path):
    lst, roster = inputs
    paths = d.write_outputs(run(lst, roster), str(tmp_path / "draw"))
    record = json.loads(open(paths["json"], encoding="utf-8").read())
    _first(record)["inspectors"][0] = "X"
    json.dump(record, open(paths["json"], "w", encoding="utf-8"), ensure_ascii=False)
    zh = cli("--lang", "zh", "draw", "--verify", paths["json"])
    assert zh.returncode == 1 and "核验未通过" in zh.stdout and "记录的检查人员姓名为 X、" in zh.stdout
    os.remove(lst)
    zh = cli("--lang", "zh", "draw", "--verify", paths["json"])
    assert "未找到输入文件（监管对象名录）" in zh.stdout


# --- Chinese messages are Chinese -------------------------------------------------------------


def english_words(text: str, *allowed: str) -> list[str]:
    """English words in a Chinese message, leaving out paths, options with their example value
    (--ratio key=25) and the allowed code names."""
    for word in sorted(allowed, key=len, reverse=True):
        text = text.replace(word, "")
    text = re.sub(r"[A-Za-z0-9_.\-:]*[/\\][A-Za-z0-9_.\-/\\]*", "", text)
    text = re.sub(r"--[a-z-]+(?:[ =][A-Za-z0-9_.=]+)?", "", text)
    return re.findall(r"[A-Za-z]{3,}", text)


def zh_error(*args) -> str:
    done = cli("--lang", "zh", *args)
    assert done.returncode == 2, done.stdout + done.stderr
    return done.stderr.split("]: ", 1)[1]


def test_chinese_messages_for_parameters(inputs, tmp_path):
    lst, roster = inputs
    base = ["draw", "--list", lst, "--roster", roster, "--out", str(tmp_path / "o")]
    factor = zh_error(*base, "--positive-factor", "2")
    assert factor.startswith("正面清单系数为 2") and "positive_list" not in factor and "--ratio key=25" not in factor
    assert english_words(factor) == []
    ratio = zh_error(*base, "--ratio", "key=150")
    assert ratio.startswith("“重点排污单位”的抽查比例为 150") and english_words(ratio) == []
    override = zh_error(*base, "--ratio", "key")
    assert "“key”不是有效的抽查比例" in override and english_words(override, "key", "general", "special") == []
    period = zh_error(*base, "--period", "2026Q5")
    assert english_words(period) == []
    bad = tmp_path / "ratios.yaml"
    bad.write_text("pools:\n  key: {ratio: 25}\n  general: {ratio: 5}\n", encoding="utf-8")
    ratios = zh_error(*base, "--ratios", str(bad))
    assert "缺少特殊监管对象的抽查比例" in ratios and english_words(ratios) == []
    bad.write_text("pools: [\n", encoding="utf-8")
    assert english_words(zh_error(*base, "--ratios", str(bad)), "UTF-8", "YAML") == []
    bad.write_text("name: x\n", encoding="utf-8")
    assert english_words(zh_error(*base, "--ratios", str(bad)), "pools") == []


@pytest.mark.parametrize(("header", "rows", "expected"), [
    (["entity_id", "name", "pool"], [["", "甲", "重点"]], "第 2 行：监管对象编码为空"),
    (["统一社会信用代码", "企业名称", "监管类别"], [["", "甲", "重点"]],
     "第 2 行：监管对象编码（“统一社会信用代码”列）为空"),
    (["entity_id", "name", "pool"], [["A", "甲", ""]], "第 2 行：监管类别为空"),
    (["entity_id", "name", "pool", "positive_list"], [["A", "甲", "重点", "也许"]],
     "第 2 行：正面清单“也许”不是“是/否”"),
])
def test_chinese_messages_name_list_fields_in_chinese(inputs, tmp_path, header, rows, expected):
    _, roster = inputs
    lst = write_csv(tmp_path / "bad.csv", header, rows)
    message = zh_error("draw", "--list", lst, "--roster", roster, "--out", str(tmp_path / "o"))
    assert expected in message and "为空" not in message.replace(expected, "").replace("名称为空", "")
    assert english_words(message) == [], message


@pytest.mark.parametrize(("rows", "expected"), [
    ([["", "A1", "", "一组"], ["李四", "A2", "", "一组"]], "第 2 行：姓名为空"),
    ([["张三", "", "", "一组"], ["李四", "A2", "", "一组"]], "第 2 行：执法证号为空"),
    ([["张三", "A1", "", "一组"], ["李四", "A2", "", ""]], "第 3 行：检查组为空"),
])
def test_chinese_messages_name_roster_fields_in_chinese(inputs, tmp_path, rows, expected):
    lst, _ = inputs
    roster = write_csv(tmp_path / "r.csv", ROSTER_HEADER, rows)
    message = zh_error("draw", "--list", lst, "--roster", roster, "--out", str(tmp_path / "o"))
    assert expected in message and english_words(message) == [], message


def test_chinese_messages_for_files_and_records(inputs, tmp_path):
    lst, roster = inputs
    history = write_csv(tmp_path / "h.csv", ["a", "b"], [["1", "2"]])
    message = zh_error("draw", "--list", lst, "--roster", roster, "--out", str(tmp_path / "o"), "--history", history)
    assert english_words(message, "entity_id", "inspector_ids", "CSV", "JSON") == [], message
    not_record = tmp_path / "x.json"
    not_record.write_text('{"hello": 1}', encoding="utf-8")
    message = zh_error("draw", "--verify", str(not_record))
    assert english_words(message, "green-shield-draw-record", ".json") == [], message
    missing = zh_error("draw", "--verify", str(tmp_path / "none.json"))
    assert "文件不存在" in missing and english_words(missing, ".json") == []
    d.write_outputs(run(lst, roster, seed=1), str(tmp_path / "draw"))
    message = zh_error("draw", "--list", lst, "--roster", roster, "--seed", "2", "--out", str(tmp_path / "draw"))
    assert english_words(message, "DRAW-2026Q4-1") == [], message
    message = zh_error("draw", "--list", lst, "--roster", roster, "--out", str(tmp_path / "list"))
    assert english_words(message) == [], message
    usage = cli("--lang", "zh", "draw", "--list", lst)
    assert usage.returncode == 2 and english_words(usage.stderr, "green-shield draw", ".json") == []


def test_route_service_times_in_chinese():
    from green_shield.core.routes import TARGET_TYPES, RouteOptions, check_options, parse_service

    for attempt in (lambda: parse_service(["foo=10"]), lambda: check_options(RouteOptions(service_min={"foo": 10}))):
        with pytest.raises(errors.UnknownTargetType) as exc:
            attempt()
        assert exc.value.code == "unknown_target_type" and "foo" in exc.value.message
        zh = exc.value.message_zh
        assert zh.startswith("服务时长设置中的检查对象类型“foo”无法识别") and "企业（enterprise）" in zh
        assert english_words(zh, "foo", *TARGET_TYPES) == [], zh
