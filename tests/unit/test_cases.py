"""The case ledger: cases from screening and registers, no duplicates, the status chain, history, transactions."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3

import pytest
import shapely

from builders import screened_district
from green_shield.core import cases, errors, gpkg
from green_shield.core.cli import main
from green_shield.core.schema import SCHEMA_VERSION
from green_shield.core.workspace import create_workspace, open_workspace, read_layer, read_meta

TODAY = dt.date(2026, 11, 29)


@pytest.fixture(scope="module")
def screened(tmp_path_factory):
    return screened_district(tmp_path_factory.mktemp("ledger"))


@pytest.fixture
def ledger(screened, tmp_path):
    """A fresh copy of the district with the cases built from its screening and registers."""
    ws = str(tmp_path / "ws.gpkg")
    shutil.copy(screened[0], ws)
    result = cases.build_cases(ws, screened[1], by="王科长", today=TODAY)
    return ws, result


def _by_target(ws):
    return {(c["target_type"], c["target_id"]): c for c in cases.read_cases(ws)}


def test_cases_from_screening_and_registers(ledger):
    ws, result = ledger
    assert result.summary() == {"created": 82, "updated": 0, "unchanged": 0, "skipped": 0}
    rows = cases.read_cases(ws)
    projects = [c for c in rows if c["target_type"] == "project"]
    # one case per project the screening did not clear: 28 禁止 (high), 17 需复核 (medium), 15 有条件准入 (low)
    assert sorted(c["priority"] for c in projects).count("high") == 28
    assert sum(c["priority"] == "medium" for c in projects) == 17
    assert sum(c["priority"] == "low" for c in projects) == 15
    goat = _by_target(ws)[("project", "XM-2019-0013")]  # the goat farm inside the red line and the reserve
    assert goat["priority"] == "high" and goat["status"] == "pending" and goat["source"] == "screening"
    assert goat["problem"].startswith("禁止") and "生态保护红线" in goat["problem"]
    assert "《中华人民共和国自然保护区条例》第三十二条" in goat["legal_basis"]
    assert goat["opened"] == "2026-11-29" and goat["rev"] == 1 and goat["case_id"].startswith("AJ2026")
    assert goat["check_due"] == "2026-12-14"  # high priority: checked within 15 days
    # outfalls planted inside water-source zones: high priority, art. 64
    by_target = _by_target(ws)
    for code in ("500199-PK-001", "500199-PK-002", "500199-PK-005", "500199-PK-006"):
        case = by_target[("outfall", code)]
        assert case["priority"] == "high" and "第六十四条" in case["legal_basis"], code
    assert by_target[("outfall", "500199-PK-008")]["problem"] == "疑似排污口，需现场核实"
    # listed plots planned for housing / public service: high; suspected plots: low
    assert by_target[("plot", "500199DK003")]["priority"] == "high"
    assert by_target[("plot", "500199DK007")]["problem"] == "名录内地块规划为公共管理与公共服务用地"
    assert by_target[("plot", "500199DK001")]["priority"] == "low"
    # the points sit on their targets, in the workspace CRS
    outfalls, cols, _ = read_layer(ws, "sewage_outfall")
    pk1 = outfalls[list(cols["outfall_code"]).index("500199-PK-001")]
    assert by_target[("outfall", "500199-PK-001")]["geometry"].equals_exact(pk1, 1e-9)
    # every case has its creation in the history
    history = cases.case_history(ws)
    assert len(history) == 82 and {h["channel"] for h in history} == {"created"}
    assert {h["changed_by"] for h in history} == {"王科长"}


def test_building_again_never_duplicates_open_cases(ledger, screened):
    ws, _ = ledger
    again = cases.build_cases(ws, screened[1], by="王科长", today=TODAY)
    assert again.summary() == {"created": 0, "updated": 0, "unchanged": 82, "skipped": 0}
    keys = [(c["target_type"], c["target_id"]) for c in cases.read_cases(ws)]
    assert len(keys) == len(set(keys)) == 82


def test_stricter_finding_refreshes_the_open_case(ledger):
    ws, _ = ledger
    case = _by_target(ws)[("plot", "500199DK001")]  # suspected plot: low
    result = cases.upsert_cases(ws, [cases.CaseSpec("plot", "500199DK001", "complaint", "high",
                                                    problem="群众投诉地块内夜间倾倒废渣")], today=TODAY)
    assert result.updated == [case["case_id"]] and not result.created
    refreshed = _by_target(ws)[("plot", "500199DK001")]
    assert refreshed["priority"] == "high" and refreshed["problem"] == "群众投诉地块内夜间倾倒废渣"
    assert refreshed["rev"] == 2  # the ledger counts every edit
    # a milder finding never lowers the priority
    cases.upsert_cases(ws, [cases.CaseSpec("plot", "500199DK001", "complaint", "low",
                                           problem="群众投诉地块内夜间倾倒废渣")], today=TODAY)
    assert _by_target(ws)[("plot", "500199DK001")]["priority"] == "high"


def test_status_chain_and_history(ledger):
    ws, _ = ledger
    case_id = _by_target(ws)[("project", "XM-2019-0013")]["case_id"]
    cases.change_status(ws, case_id, "inspected", by="李四", note="现场核查：养殖场已建成", at="2026-12-01T10:20:00",
                        fields={"finding": "红线内建成养殖场 2 400 m²", "violation_type": "construction_in_zone",
                                "visit_time": "2026-12-01 10:05"})
    cases.change_status(ws, case_id, "ordered", by="李四", note="下达责令整改通知书",
                        fields={"rectify_due": dt.date(2027, 3, 1), "rectification_required": True})
    cases.change_status(ws, case_id, "rectified", by="张三", note="已拆除")
    cases.change_status(ws, case_id, "closed", by="王科长", note="复核通过，销号")
    case = cases.read_cases(ws, case_ids=[case_id])[0]
    assert case["status"] == "closed" and case["rectify_due"] == "2027-03-01"
    assert case["violation_type"] == "construction_in_zone" and case["rectification_required"]
    history = cases.case_history(ws, case_id)
    assert [(h["from_status"], h["to_status"], h["changed_by"]) for h in history] == [
        (None, "pending", "王科长"), ("pending", "inspected", "李四"), ("inspected", "ordered", "李四"),
        ("ordered", "rectified", "张三"), ("rectified", "closed", "王科长")]
    assert history[1]["changed_at"] == "2026-12-01T10:20:00" and history[1]["note"] == "现场核查：养殖场已建成"
    assert {h["channel"] for h in history[1:]} == {"office"}
    # a closed case no longer blocks a new one: the same problem found again opens a new case
    result = cases.upsert_cases(ws, [cases.CaseSpec("project", "XM-2019-0013", "complaint", "high")], today=TODAY)
    assert len(result.created) == 1 and result.created[0] != case_id


def test_refused_change_names_the_allowed_ones_and_writes_nothing(ledger):
    ws, _ = ledger
    case_id = _by_target(ws)[("outfall", "500199-PK-001")]["case_id"]
    before = open(ws, "rb").read()
    with pytest.raises(errors.StatusChangeRefused) as exc:
        cases.change_status(ws, case_id, "closed", by="李四")
    assert "inspected, excluded" in exc.value.message
    assert "不能直接变更为“销号”" in exc.value.message_zh and "已检查、排除" in exc.value.message_zh
    assert open(ws, "rb").read() == before
    with pytest.raises(errors.CaseNotFound):
        cases.change_status(ws, "AJ209900001", "inspected", by="李四")


def test_excluded_targets_are_not_reopened_unless_asked(ledger, screened):
    ws, _ = ledger
    case_id = _by_target(ws)[("outfall", "500199-PK-008")]["case_id"]
    cases.change_status(ws, case_id, "excluded", by="李四", note="现场为雨水排口，非排污口")
    again = cases.build_cases(ws, screened[1], today=TODAY)
    assert again.skipped == [("outfall:500199-PK-008", f"case {case_id} was excluded as a false lead")]
    reopened = cases.build_cases(ws, screened[1], today=TODAY, reopen_excluded=True)
    assert len(reopened.created) == 1


def test_the_geopackage_itself_enforces_the_chain(ledger):
    """Any program editing the workspace (QGIS, QField, sqlite) meets the same rules and leaves history."""
    ws, _ = ledger
    case_id = _by_target(ws)[("project", "XM-2019-0013")]["case_id"]
    with gpkg.connect(ws) as con:  # any SQLite client with the GeoPackage functions (as GDAL has)
        with pytest.raises(sqlite3.IntegrityError, match="gs_case_status"):
            con.execute("UPDATE inspection_case SET status = 'closed' WHERE case_id = ?", (case_id,))
        with pytest.raises(sqlite3.IntegrityError, match="gs_case_status"):
            con.execute("UPDATE inspection_case SET status = 'done' WHERE case_id = ?", (case_id,))
        with pytest.raises(sqlite3.IntegrityError, match="unknown status"):
            con.execute("INSERT INTO inspection_case (case_id, target_type, target_id, source, priority, status) "
                        "VALUES ('AJ202699999', 'lead', 'L1', 'rs_lead', 'low', 'open')")
        con.execute("UPDATE inspection_case SET status = 'inspected', updated_by = '赵六' WHERE case_id = ?",
                    (case_id,))
        con.execute("UPDATE inspection_case SET finding = '未发现问题' WHERE case_id = ?", (case_id,))
    case = cases.read_cases(ws, case_ids=[case_id])[0]
    assert case["status"] == "inspected" and case["rev"] == 3
    last = cases.case_history(ws, case_id)[-1]
    assert (last["from_status"], last["to_status"], last["changed_by"], last["channel"]) == (
        "pending", "inspected", "赵六", "edit")


def test_a_failure_part_way_leaves_the_ledger_untouched(screened, tmp_path, monkeypatch):
    ws = str(tmp_path / "ws.gpkg")
    shutil.copy(screened[0], ws)
    open_workspace(ws)
    before = open(ws, "rb").read()
    real = gpkg.geometry_blob
    calls = []

    def failing(geometry, srs):
        calls.append(1)
        if len(calls) == 40:
            raise sqlite3.OperationalError("disk I/O error (simulated)")
        return real(geometry, srs)

    monkeypatch.setattr(gpkg, "geometry_blob", failing)
    with pytest.raises(errors.LedgerEditFailed, match="simulated"):
        cases.build_cases(ws, screened[1], today=TODAY)
    assert open(ws, "rb").read() == before
    monkeypatch.setattr(gpkg, "geometry_blob", real)
    assert cases.build_cases(ws, screened[1], today=TODAY).summary()["created"] == 82


def test_bad_codes_and_bad_screening_files(ledger, tmp_path):
    ws, _ = ledger
    with pytest.raises(errors.LedgerEditFailed, match="priority 'urgent'"):
        cases.upsert_cases(ws, [cases.CaseSpec("project", "X", "complaint", "urgent")])
    with pytest.raises(errors.NotAScreeningResult, match="not a screening result"):
        cases.build_cases(ws, ws)


def test_gpkg_geometry_blob_round_trip():
    point = shapely.Point(106.25, 29.01)
    blob = gpkg.geometry_blob(point, 4490)
    assert blob[:2] == b"GP" and gpkg.blob_geometry(blob).equals(point)
    assert gpkg._bounds(blob) == (106.25, 106.25, 29.01, 29.01)
    assert gpkg._bounds(gpkg.geometry_blob(shapely.Point(), 4490)) is None


def test_old_workspaces_get_the_ledger_on_open(tmp_path):
    ws = str(tmp_path / "old.gpkg")
    create_workspace(ws)
    from osgeo import ogr  # GDAL removes a GeoPackage layer with everything that belongs to it

    dataset = ogr.Open(ws, 1)
    for table in ("supervised_entity", "inspection_case", "case_history", "monitoring_section", "change_lead"):
        dataset.DeleteLayer(table)
    dataset = None
    with sqlite3.connect(ws) as con:  # now it looks like a version-1 workspace
        con.execute("ALTER TABLE water_source_zone DROP COLUMN delineation")
        con.execute("UPDATE gs_workspace SET value = '1' WHERE key = 'schema_version'")
        con.execute("DELETE FROM gs_workspace WHERE key = 'workspace_id'")
    assert cases.read_cases(ws) == []  # reading first upgrades too
    info = open_workspace(ws)
    assert info.schema_version == SCHEMA_VERSION == 4 and info.layers["monitoring_section"] == 0
    assert info.layers["change_lead"] == 0
    _, columns, _ = read_layer(ws, "water_source_zone")
    assert "delineation" in columns and "workspace_id" in read_meta(ws)
    result = cases.upsert_cases(ws, [cases.CaseSpec("enterprise", "91500000X", "complaint", "high",
                                                    shapely.Point(106.2, 29.0))], today=TODAY)
    assert len(cases.case_history(ws, result.created[0])) == 1


def test_command_line(ledger, capsys):
    ws, _ = ledger
    case_id = _by_target(ws)[("outfall", "500199-PK-005")]["case_id"]
    assert main(["cases", "status", "-w", ws, case_id, "已检查", "--note", "现场核实", "--set",
                 "finding=排口仍在排放", "--by", "李四"]) == 0
    assert cases.read_cases(ws, case_ids=[case_id])[0]["finding"] == "排口仍在排放"
    assert main(["--lang", "zh", "cases", "status", "-w", ws, case_id, "销号"]) == 0  # inspected → closed allowed
    assert main(["--lang", "zh", "cases", "status", "-w", ws, case_id, "待核查"]) == 2
    assert "已结束" in capsys.readouterr().err
    capsys.readouterr()
    assert main(["cases", "list", "-w", ws, "--status", "销号"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith(case_id) and "销号" in out[0]


def test_printable_ledger_with_overdue_cases(ledger, tmp_path):
    from green_shield.core.case_report import write_ledger_report

    ws, _ = ledger
    by_target = _by_target(ws)
    goat = by_target[("project", "XM-2019-0013")]["case_id"]  # high: check due 2026-12-14
    cases.change_status(ws, by_target[("plot", "500199DK001")]["case_id"], "inspected", by="李四",
                        note="已完成初步调查")
    html_path = str(tmp_path / "ledger.html")
    figures = write_ledger_report(ws, html_path, today=dt.date(2026, 12, 20))
    # on 20 December every high-priority case still to be checked is late (15 days), medium and low are not
    assert figures == {"total": 82, "open": 82, "overdue": 36, "by_status": {"pending": 81, "inspected": 1}}
    text = open(html_path, encoding="utf-8").read()
    overdue_part = text.split("<h2>二、逾期案件</h2>")[1].split("<h2>三、")[0]
    assert goat in overdue_part and "逾期" in overdue_part
    assert "已完成初步调查" in text and "@page" in text
    assert "依据：《中华人民共和国水污染防治法》第六十四条" in text  # register cases print their basis
    assert write_ledger_report(ws, html_path, today=dt.date(2026, 12, 1))["overdue"] == 0


def test_an_assignment_fills_an_unassigned_open_case_only(ledger):
    ws, _ = ledger
    case_id = _by_target(ws)[("outfall", "500199-PK-008")]["case_id"]
    spec = cases.CaseSpec("outfall", "500199-PK-008", "random_draw", "medium", team="二组", inspectors="张三、李四")
    assert cases.upsert_cases(ws, [spec], today=TODAY).updated == [case_id]
    case = cases.read_cases(ws, case_ids=[case_id])[0]
    assert (case["team"], case["inspectors"]) == ("二组", "张三、李四")
    other = cases.CaseSpec("outfall", "500199-PK-008", "random_draw", "medium", team="三组", inspectors="王五、赵六")
    assert cases.upsert_cases(ws, [other], today=TODAY).unchanged == [case_id]
    assert cases.read_cases(ws, case_ids=[case_id])[0]["team"] == "二组"


def test_outputs_never_replace_the_workspace(ledger):
    from green_shield.core import routes
    from green_shield.core.case_report import write_ledger_report

    ws, _ = ledger
    before = open(ws, "rb").read()
    with pytest.raises(errors.OutputIsAWorkspace, match="may not replace it"):
        write_ledger_report(ws, ws)
    stops, crs = routes.stops_from_workspace(ws)
    plan = routes.plan_routes(stops, (106.2, 29.0), crs, routes.RouteOptions(teams=3, days=10),
                              start_crs="EPSG:4490")
    with pytest.raises(errors.OutputIsAWorkspace):
        routes.write_plan(plan, ws)
    assert main(["routes", "-w", ws, "--start", "106.2,29.0", "--teams", "3", "--out", ws]) == 2
    assert open(ws, "rb").read() == before


def test_a_milder_finding_never_replaces_the_stricter_one(ledger):
    ws, _ = ledger
    goat = _by_target(ws)[("project", "XM-2019-0013")]
    milder = cases.CaseSpec("project", "XM-2019-0013", "screening", "low", problem="有条件准入：…",
                            legal_basis="（有条件）", source_ref="screening 2027")
    cases.upsert_cases(ws, [milder], today=TODAY)
    case = _by_target(ws)[("project", "XM-2019-0013")]
    assert (case["priority"], case["problem"], case["legal_basis"]) == (
        "high", goat["problem"], goat["legal_basis"])


def test_closed_cases_stay_closed_on_the_same_evidence(ledger, screened):
    ws, _ = ledger
    case_id = _by_target(ws)[("project", "XM-2019-0013")]["case_id"]
    cases.change_status(ws, case_id, "inspected", by="李四")
    cases.change_status(ws, case_id, "closed", by="王科长", note="项目已撤销")
    again = cases.build_cases(ws, screened[1], today=TODAY)
    assert again.skipped == [("project:XM-2019-0013", f"case {case_id} was closed on this same evidence")]
    assert not again.created


def test_ledger_integrity_whatever_program_edits(ledger):
    ws, _ = ledger
    case_id = _by_target(ws)[("project", "XM-2019-0013")]["case_id"]
    with gpkg.connect(ws) as con:
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):  # one number, one case
            con.execute("INSERT INTO inspection_case (case_id, target_type, target_id, source, priority, status) "
                        "VALUES (?, 'lead', 'L1', 'rs_lead', 'low', 'pending')", (case_id,))
        with pytest.raises(sqlite3.IntegrityError, match="unknown status"):
            con.execute("INSERT INTO inspection_case (case_id, target_type, target_id, source, priority) "
                        "VALUES ('AJ202699998', 'lead', 'L2', 'rs_lead', 'low')")
        # a status change without a new note does not repeat the old one; rev set by hand still counts
        con.execute("UPDATE inspection_case SET status = 'inspected', rev = 1, updated_by = '赵六' WHERE case_id = ?",
                    (case_id,))
    case = cases.read_cases(ws, case_ids=[case_id])[0]
    assert case["rev"] == 2
    last = cases.case_history(ws, case_id)[-1]
    assert (last["to_status"], last["note"]) == ("inspected", None)


def test_status_change_fields_are_checked_and_converted(ledger):
    ws, _ = ledger
    case_id = _by_target(ws)[("outfall", "500199-PK-001")]["case_id"]
    before = open(ws, "rb").read()
    with pytest.raises(errors.LedgerEditFailed, match="violation_type") as exc:
        cases.change_status(ws, case_id, "inspected", by="李四", fields={"violation_type": "foo"})
    assert "问题类型" in exc.value.message_zh
    with pytest.raises(errors.LedgerEditFailed, match="rectify_due"):
        cases.change_status(ws, case_id, "inspected", by="李四", fields={"rectify_due": "明年"})
    assert main(["cases", "status", "-w", ws, case_id, "已检查", "--set", "team"]) == 2
    assert open(ws, "rb").read() == before
    cases.change_status(ws, case_id, "inspected", by="李四", note="核实",
                        fields={"violation_type": "违法设置排污口", "rectification_required": "是",
                                "rectify_due": "2027-01-31"})
    case = cases.read_cases(ws, case_ids=[case_id])[0]
    assert (case["violation_type"], case["rectification_required"], case["rectify_due"]) == (
        "outfall_illegal", True, "2027-01-31")
    cases.change_status(ws, case_id, "inspected", by="李四", fields={"finding": "补充：排口仍在排放"})
    assert cases.read_cases(ws, case_ids=[case_id])[0]["status_note"] == "核实"  # kept without a new note
