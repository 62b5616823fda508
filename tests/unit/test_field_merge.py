"""Field packages without QGIS: what goes to a team, the snapshot, and the merge back into the ledger."""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import shutil
import sqlite3
import uuid
from contextlib import closing

import pytest
import shapely

from builders import screened_district
from green_shield.core import cases, errors, field_merge, gpkg
from green_shield.core.cli import main
from green_shield.core.workspace import read_layer, read_meta

TODAY = dt.date(2026, 11, 29)


@pytest.fixture(scope="module")
def screened(tmp_path_factory):
    ws, screening = screened_district(tmp_path_factory.mktemp("field_merge"))
    cases.build_cases(ws, screening, by="王科长", today=TODAY)
    return ws


@pytest.fixture
def ledger(screened, tmp_path):
    ws = str(tmp_path / "ws.gpkg")
    shutil.copy(screened, ws)
    return ws


def clustered_stops(ws: str) -> list[dict]:
    """Two teams, each visiting cases close together: 一组 six cases over two days, 二组 four cases."""
    rows = cases.read_cases(ws)
    seed = rows[0]["geometry"]
    near = sorted(rows, key=lambda r: r["geometry"].distance(seed))
    far_seed = near[-1]["geometry"]
    far = [r for r in sorted(rows, key=lambda r: r["geometry"].distance(far_seed)) if r not in near[:6]]
    stops = []
    for i, row in enumerate(near[:6]):
        stops.append({"case_id": row["case_id"], "team": "一组", "day": 1 + i // 3, "date": f"2026-12-0{1 + i // 3}",
                      "sequence": i % 3 + 1, "eta": f"{9 + i % 3:02d}:30", "service_min": 30, "leg_km": 1.5})
    for i, row in enumerate(far[:4]):
        stops.append({"case_id": row["case_id"], "team": "二组", "day": 1, "date": "2026-12-01", "sequence": 4 - i,
                      "eta": f"{9 + i:02d}:00", "service_min": 30, "leg_km": 2.0})
    return stops


def export_team(ws: str, folder, team: str, stops=None) -> str:
    export = next(e for e in field_merge.plan_field_export(ws, stops, [team]) if e.team == team)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{field_merge.team_folder_name(team)}.gpkg")
    field_merge.write_field_package(path, export, workspace=ws, by="内业")
    return path


def field_edit(package: str, which: str, **values) -> None:
    """Edit case `which` in the package as QField would (SQLite, through the GeoPackage's own triggers)."""
    con = gpkg.connect(package)
    sets = ", ".join(f'"{k}" = ?' for k in values)
    con.execute(f"UPDATE inspection_case SET {sets} WHERE case_id = ?", [*values.values(), which])
    con.commit()
    con.close()


def ledger_case(ws: str, case_id: str) -> dict:
    return cases.read_cases(ws, case_ids=[case_id])[0]


# --- the status chain ----------------------------------------------------------------------


def test_status_path_follows_the_chain():
    assert field_merge.status_path("pending", "pending") == []
    assert field_merge.status_path("pending", "inspected") == ["inspected"]
    assert field_merge.status_path("pending", "ordered") == ["inspected", "ordered"]
    assert field_merge.status_path("pending", "closed") == ["inspected", "closed"]
    assert field_merge.status_path("pending", "rectified") == ["inspected", "ordered", "rectified"]
    assert field_merge.status_path("rectified", "ordered") == ["ordered"]
    assert field_merge.status_path("closed", "pending") is None
    assert field_merge.status_path("inspected", "pending") is None
    assert field_merge.status_path("ordered", "excluded") is None


def test_same_value_treats_empty_text_as_null_and_booleans_as_numbers():
    assert field_merge.same_value(None, "")
    assert field_merge.same_value(" x ", "x")
    assert field_merge.same_value(True, 1) and field_merge.same_value(1.0, 1)
    assert not field_merge.same_value(0, None)
    assert not field_merge.same_value("已检查", "inspected")


# --- what goes to a team -------------------------------------------------------------------


def test_team_cases_from_stops_in_visiting_order(ledger):
    stops = clustered_stops(ledger)
    teams = field_merge.team_cases(ledger, stops)
    assert list(teams) == ["一组", "二组"]
    first = teams["一组"]
    assert [(r["day"], r["sequence"]) for r in first] == [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (2, 3)]
    assert [r["sequence"] for r in teams["二组"]] == [1, 2, 3, 4]
    assert {r["team"] for r in first} == {"一组"} and first[0]["eta"] == "09:30"
    assert list(field_merge.team_cases(ledger, stops, ["二组"])) == ["二组"]


def test_team_cases_from_the_ledger_alone(ledger):
    with pytest.raises(errors.NoCasesForTeams, match="planroutes"):
        field_merge.team_cases(ledger)  # the built cases have no team yet
    ids = [r["case_id"] for r in cases.read_cases(ledger)][:3]
    for case_id in ids:
        cases.change_status(ledger, case_id, "pending", by="内业", fields={"team": "三组"})
    teams = field_merge.team_cases(ledger)
    assert list(teams) == ["三组"]
    assert sorted(r["case_id"] for r in teams["三组"]) == sorted(ids)
    assert [r["sequence"] for r in teams["三组"]] == [1, 2, 3] and {r["day"] for r in teams["三组"]} == {None}


def test_bad_stops_are_refused_with_clear_errors(ledger):
    stops = clustered_stops(ledger)
    with pytest.raises(errors.UnknownFieldCases, match="AJ209999999") as info:
        field_merge.team_cases(ledger, stops + [dict(stops[0], case_id="AJ209999999")])
    assert info.value.code == "unknown_field_cases" and "台账" in info.value.message_zh
    assert "停靠点图层" in info.value.message_zh and "stops" not in info.value.message_zh
    with pytest.raises(errors.InvalidStopsLayer, match="team"):
        field_merge.team_cases(ledger, [{"case_id": s["case_id"], "day": 1} for s in stops])
    with pytest.raises(errors.NoCasesForTeams, match="九组"):
        field_merge.team_cases(ledger, stops, ["九组"])


def test_package_holds_the_team_cases_the_snapshot_and_clipped_zones(ledger, tmp_path):
    stops = clustered_stops(ledger)
    package = export_team(ledger, tmp_path / "pkg", "一组", stops)
    team_ids = {s["case_id"] for s in stops if s["team"] == "一组"}
    with sqlite3.connect(package) as con:
        rows = con.execute("SELECT case_id, team, day, sequence, eta, rev FROM inspection_case").fetchall()
        record = dict(con.execute("SELECT key, value FROM gs_field_export").fetchall())
        snapshot = con.execute("SELECT case_id, rev, snapshot FROM gs_field_snapshot").fetchall()
        contents = {r[0]: r[1] for r in con.execute("SELECT table_name, data_type FROM gpkg_contents")}
    assert {r[0] for r in rows} == team_ids and {r[1] for r in rows} == {"一组"}
    assert [(r[2], r[3]) for r in rows][:2] == [(1, 1), (1, 2)]
    assert record["team"] == "一组" and record["workspace"] == os.path.abspath(ledger)
    assert record["format"] == field_merge.PACKAGE_FORMAT and len(record["export_id"]) == 32
    assert record["exported_at"] and record["cases"] == "6"
    assert {r[0] for r in snapshot} == team_ids and {r[1] for r in snapshot} == {1}
    assert contents["gs_field_export"] == "attributes" and contents["inspection_case"] == "features"
    # zones: only what lies in the team's area, clipped to it
    points = [r["geometry"] for r in cases.read_cases(ledger, case_ids=sorted(team_ids))]
    area = field_merge.team_area(points, "EPSG:4490", field_merge.DEFAULT_BUFFER_M)
    total_clipped = total_original = 0.0
    for key in field_merge.ZONE_KEYS:
        clipped, _, _ = read_layer(package, key)
        original, _, _ = read_layer(ledger, key)
        assert all(g.within(area.buffer(1e-9)) for g in clipped), key
        total_clipped += sum(g.area for g in clipped)
        total_original += sum(g.area for g in original)
    assert 0 < total_clipped < 0.5 * total_original
    # the area is the cases' extent grown by 2 km
    minx, miny, maxx, maxy = area.bounds
    pts = shapely.MultiPoint(points).bounds
    assert 0.019 < pts[0] - minx < 0.022 and 0.019 < maxx - pts[2] < 0.022  # 2 km of longitude at 29°N
    assert 0.017 < pts[1] - miny < 0.019 and 0.017 < maxy - pts[3] < 0.019  # 2 km of latitude


# --- merging -------------------------------------------------------------------------------


@pytest.fixture
def returned(ledger, tmp_path):
    """A package for 一组, worked in the field: applied, chained, conflicting, rejected and untouched cases."""
    stops = clustered_stops(ledger)
    ids = [s["case_id"] for s in stops if s["team"] == "一组"]
    ids.sort(key=lambda c: next((s["day"], s["sequence"]) for s in stops if s["case_id"] == c))
    a, b, c, d, e, _ = ids
    cases.change_status(ledger, d, "inspected", by="内业", note="before export")  # exported as 已检查
    package = export_team(ledger, tmp_path / "pkg", "一组", stops)
    field_edit(package, a, status="ordered", finding="红线内新建养殖棚舍约 300 平方米",
               violation_type="construction_in_zone", rectification_required=1, visit_time="2026-12-01T09:40:00",
               notes="负责人在场")
    field_edit(package, b, status="excluded", finding="误报，未发现问题",
               violation_type="未发现问题")  # a label, as typed
    field_edit(package, c, status="inspected", finding="现场有施工迹象")
    cases.change_status(ledger, c, "excluded", by="内业", note="office found it a false lead")  # → conflict
    field_edit(package, d, status="pending", finding="重新核查")  # 已检查 → 待核查: not allowed
    field_edit(package, e, notes=" ")  # blank text: no change
    return ledger, package, (a, b, c, d, e)


def test_merge_applies_findings_along_the_chain_and_keeps_conflicts(returned):
    ws, package, (a, b, c, d, e) = returned
    office_c = ledger_case(ws, c)
    result = field_merge.merge_field_package(ws, package, by="内业张")
    outcome = {r.case_id: r for r in result.rows}
    assert result.summary() == {"applied": 2, "conflict": 1, "rejected": 1, "unchanged": 2}
    # applied: findings written, pending → inspected → ordered with both steps in the history, channel field
    case_a = ledger_case(ws, a)
    assert case_a["status"] == "ordered" and case_a["finding"] == "红线内新建养殖棚舍约 300 平方米"
    assert case_a["violation_type"] == "construction_in_zone" and case_a["rectification_required"] == 1
    assert case_a["visit_time"] == "2026-12-01T09:40:00" and case_a["notes"] == "负责人在场"
    assert case_a["rev"] == 3  # two status steps
    steps = [(h["from_status"], h["to_status"], h["channel"]) for h in cases.case_history(ws, a)]
    assert steps == [(None, "pending", "created"), ("pending", "inspected", "field"), ("inspected", "ordered", "field")]
    assert outcome[a].transitions == ["pending", "inspected", "ordered"]
    case_b = ledger_case(ws, b)
    assert case_b["status"] == "excluded" and case_b["violation_type"] == "none"  # the label became the code
    assert outcome[b].transitions == ["pending", "excluded"]
    # conflict: the office version stays, the field version is kept with both revisions
    assert ledger_case(ws, c)["status"] == "excluded" and ledger_case(ws, c)["finding"] == office_c["finding"]
    kept = field_merge.conflicts(ws)
    conflict = next(k for k in kept if k["case_id"] == c)
    assert conflict["kind"] == "conflict" and conflict["rev_at_export"] == 1 and conflict["rev_office"] == 2
    assert conflict["field_values"]["status"] == "inspected" and conflict["field_values"]["finding"] == "现场有施工迹象"
    assert conflict["office_values"]["status"] == "excluded" and conflict["team"] == "一组"
    # rejected: 已检查 cannot go back to 待核查; nothing applied, the field version kept
    case_d = ledger_case(ws, d)
    assert case_d["status"] == "inspected" and case_d["finding"] is None
    assert outcome[d].outcome == "rejected" and "cannot change" in outcome[d].reason
    assert next(k for k in kept if k["case_id"] == d)["kind"] == "rejected"
    assert outcome[e].outcome == "unchanged"
    assert {h["channel"] for h in cases.case_history(ws, e)} == {"created"}
    # report and import record
    with open(result.report, encoding="utf-8-sig") as fh:
        report = list(csv.DictReader(fh))
    assert [r["outcome"] for r in report][:2] == ["conflict", "rejected"] and len(report) == 6
    assert next(r for r in report if r["case_id"] == a)["transitions"] == "pending→inspected→ordered"
    assert next(r for r in report if r["case_id"] == c)["outcome_zh"] == "冲突"
    record = field_merge.imports(ws)
    assert len(record) == 1 and record[0]["export_id"] == result.export_id and record[0]["applied"] == 2
    assert record[0]["imported_by"] == "内业张"


def test_a_package_is_imported_only_once(returned):
    ws, package, _ = returned
    field_merge.merge_field_package(ws, package)
    before = open(ws, "rb").read()
    with pytest.raises(errors.FieldPackageAlreadyImported, match="already imported") as info:
        field_merge.merge_field_package(ws, package)
    assert "已于" in info.value.message_zh
    assert open(ws, "rb").read() == before


def test_dry_run_reports_and_writes_nothing(returned, tmp_path):
    ws, package, (a, *_) = returned
    before = open(ws, "rb").read()
    report = str(tmp_path / "dry.csv")
    result = field_merge.merge_field_package(ws, package, dry_run=True, report=report)
    assert result.summary()["applied"] == 2 and os.path.exists(report)
    assert open(ws, "rb").read() == before
    assert field_merge.merge_field_package(ws, package).summary()["applied"] == 2  # the real import still runs


def test_a_failure_mid_merge_leaves_the_workspace_byte_identical(returned, monkeypatch):
    ws, package, _ = returned
    before = open(ws, "rb").read()
    real = cases.change_status
    calls = []

    def refuse_the_second_write(*args, **kwargs):
        calls.append(args[1])
        if len(calls) == 2:
            raise sqlite3.OperationalError("disk I/O error (simulated)")
        return real(*args, **kwargs)

    monkeypatch.setattr(cases, "change_status", refuse_the_second_write)
    with pytest.raises(errors.LedgerEditFailed, match="simulated"):
        field_merge.merge_field_package(ws, package)
    assert len(calls) == 2
    assert open(ws, "rb").read() == before
    assert not os.path.exists(ws + "-journal")
    monkeypatch.undo()
    assert field_merge.merge_field_package(ws, package).summary()["applied"] == 2  # nothing was recorded as imported


def test_bad_packages_are_refused_with_clear_errors(returned, tmp_path, screened):
    ws, package, (a, *_) = returned
    text = tmp_path / "notes.gpkg"
    text.write_text("not a database", encoding="utf-8")
    for path, reason in ((str(tmp_path / "missing.gpkg"), "file not found"), (str(text), "not a database"),
                         (ws, "gs_field_export")):
        with pytest.raises(errors.NotAFieldPackage, match=reason) as info:
            field_merge.merge_field_package(ws, path)
        assert info.value.code == "not_a_field_package" and "外业包" in info.value.message_zh
    other = str(tmp_path / "other.gpkg")
    shutil.copy(screened, other)
    with sqlite3.connect(other) as con:  # another workspace: its own id, created at another time
        con.execute("UPDATE gs_workspace SET value = 'another-workspace' WHERE key = 'workspace_id'")
        con.execute("UPDATE gs_workspace SET value = '2020-01-01T00:00:00+00:00' WHERE key = 'created'")
    before = open(other, "rb").read()
    with pytest.raises(errors.FieldPackageFromAnotherWorkspace, match="exported from the workspace"):
        field_merge.merge_field_package(other, package)
    assert open(other, "rb").read() == before


def test_a_case_number_changed_in_the_field_is_reported_not_imported(returned):
    ws, package, (a, *_) = returned
    field_edit(package, a, case_id="AJ209999999")
    result = field_merge.merge_field_package(ws, package)
    outcome = {r.case_id: r for r in result.rows}
    assert outcome["AJ209999999"].outcome == "rejected" and "not exported" in outcome["AJ209999999"].reason
    assert outcome[a].outcome == "rejected" and "deleted in the field" in outcome[a].reason
    assert ledger_case(ws, a)["status"] == "pending" and result.summary()["applied"] == 1


def test_features_added_in_the_field_are_reported_not_imported(returned):
    ws, package, (a, *_) = returned
    con = gpkg.connect(package)
    con.execute("INSERT INTO inspection_case (status, finding) VALUES ('pending', '新发现的排口')")
    con.commit()
    con.close()
    n_cases = len(cases.read_cases(ws))
    result = field_merge.merge_field_package(ws, package)
    added = [r for r in result.rows if r.case_id.startswith("fid ")]
    assert len(added) == 1 and added[0].outcome == "rejected" and "added in the field" in added[0].reason
    assert len(cases.read_cases(ws)) == n_cases


def test_photos_are_copied_next_to_the_workspace(returned):
    ws, package, (a, *_) = returned
    dcim = os.path.join(os.path.dirname(package), "DCIM")
    os.makedirs(dcim)
    with open(os.path.join(dcim, "AJ_1.jpg"), "wb") as fh:
        fh.write(b"\xff\xd8\xff\xe0 fake jpeg")
    field_edit(package, a, photos="DCIM/AJ_1.jpg")
    field_merge.merge_field_package(ws, package)
    stored = ledger_case(ws, a)["photos"]
    assert stored == f"ws_photos/{a}/AJ_1.jpg"
    assert os.path.isfile(os.path.join(os.path.dirname(ws), stored))


def write_photo(folder: str, name: str, content: bytes) -> None:
    os.makedirs(os.path.join(folder, os.path.dirname(name)), exist_ok=True)
    with open(os.path.join(folder, name), "wb") as fh:
        fh.write(content)


def test_photos_of_the_same_name_are_all_kept_and_nothing_is_overwritten(returned):
    ws, package, (a, *_) = returned
    folder = os.path.dirname(package)
    write_photo(folder, "DCIM/a.jpg", b"first")
    write_photo(folder, "DCIM/x/a.jpg", b"second")
    photos = os.path.join(os.path.dirname(ws), "ws_photos", a)
    write_photo(photos, "a.jpg", b"already there")  # e.g. from an earlier import
    field_edit(package, a, photos="DCIM/a.jpg;DCIM/x/a.jpg;DCIM/a.jpg")
    result = field_merge.merge_field_package(ws, package)
    stored = ledger_case(ws, a)["photos"].split(";")
    assert stored == [f"ws_photos/{a}/a-2.jpg", f"ws_photos/{a}/a-3.jpg", f"ws_photos/{a}/a-2.jpg"]
    contents = {name: open(os.path.join(photos, name), "rb").read() for name in sorted(os.listdir(photos))}
    assert contents == {"a.jpg": b"already there", "a-2.jpg": b"first", "a-3.jpg": b"second"}
    assert sorted(result.photos_copied) == [os.path.join(photos, "a-2.jpg"), os.path.join(photos, "a-3.jpg")]


def test_photos_the_case_had_at_export_are_kept_as_they_were(ledger, tmp_path):
    stops = clustered_stops(ledger)
    first = next(s["case_id"] for s in stops if s["team"] == "二组")
    office_photo = f"ws_photos/{first}/site.jpg"
    write_photo(os.path.dirname(ledger), office_photo, b"office")
    cases.change_status(ledger, first, "inspected", by="内业", fields={"photos": office_photo})
    package = export_team(ledger, tmp_path / "pkg", "二组", stops)
    write_photo(os.path.dirname(package), "DCIM/site.jpg", b"field")
    field_edit(package, first, photos=f"{office_photo};DCIM/site.jpg")
    result = field_merge.merge_field_package(ledger, package)
    row = next(r for r in result.rows if r.case_id == first)
    assert row.outcome == "applied" and row.warning == ""
    assert ledger_case(ledger, first)["photos"] == f"{office_photo};ws_photos/{first}/site-2.jpg"
    assert open(os.path.join(os.path.dirname(ledger), office_photo), "rb").read() == b"office"


def test_dry_run_warns_of_photos_missing_from_the_package(returned, tmp_path, capsys):
    ws, package, (a, b, *_) = returned
    write_photo(os.path.dirname(package), "DCIM/here.jpg", b"jpeg")
    field_edit(package, a, photos="DCIM/here.jpg;DCIM/gone.jpg")
    field_edit(package, b, photos="DCIM/lost.jpg")
    before = open(ws, "rb").read()
    report = str(tmp_path / "dry.csv")
    result = field_merge.merge_field_package(ws, package, dry_run=True, report=report)
    outcome = {r.case_id: r for r in result.rows}
    assert outcome[a].outcome == "applied" and outcome[b].outcome == "applied"  # a warning, not a failure
    assert "DCIM/gone.jpg" in outcome[a].warning and "here.jpg" not in outcome[a].warning
    assert "缺少照片" in outcome[a].warning_zh and "DCIM/lost.jpg" in outcome[b].warning
    with open(report, encoding="utf-8-sig") as fh:
        rows = {r["case_id"]: r for r in csv.DictReader(fh)}
    assert "DCIM/gone.jpg" in rows[a]["warning"] and "DCIM/lost.jpg" in rows[b]["warning_zh"]
    assert open(ws, "rb").read() == before and result.photos_copied == []
    assert main(["field-import", package, "-w", ws, "--dry-run"]) == 0
    assert "DCIM/gone.jpg" in capsys.readouterr().out
    real = field_merge.merge_field_package(ws, package)  # the real import warns the same and keeps the path
    assert "DCIM/gone.jpg" in next(r for r in real.rows if r.case_id == a).warning
    assert ledger_case(ws, a)["photos"] == f"ws_photos/{a}/here.jpg;DCIM/gone.jpg"


# --- what the field may not do, and cases gone from the ledger ----------------------------------


def test_the_field_cannot_close_a_case(ledger, tmp_path):
    stops = clustered_stops(ledger)
    ids = [s["case_id"] for s in stops if s["team"] == "二组"]
    closing, rectifying, closed_before, _ = ids
    cases.change_status(ledger, closed_before, "inspected", by="内业")
    cases.change_status(ledger, closed_before, "closed", by="内业", note="内业审核后销号")
    package = export_team(ledger, tmp_path / "pkg", "二组", stops)
    write_photo(os.path.dirname(package), "DCIM/p.jpg", b"jpeg")
    field_edit(package, closing, status="销号", finding="未发现问题", violation_type="none", photos="DCIM/p.jpg")
    field_edit(package, rectifying, status="rectified", finding="已拆除")
    field_edit(package, closed_before, notes="回访：现场保持原状")  # already closed in the office: fine
    result = field_merge.merge_field_package(ledger, package)
    outcome = {r.case_id: r for r in result.rows}
    assert outcome[closing].outcome == "rejected"
    assert "销号须由内业审核后办理" in outcome[closing].reason_zh
    assert "closing is an office decision" in outcome[closing].reason
    # the whole case is rejected: no status step, no finding, no photo
    case = ledger_case(ledger, closing)
    assert case["status"] == "pending" and case["finding"] is None and case["photos"] is None and case["rev"] == 1
    assert result.photos_copied == [] and not os.path.exists(os.path.join(os.path.dirname(ledger), "ws_photos"))
    kept = next(k for k in field_merge.conflicts(ledger) if k["case_id"] == closing)
    assert kept["kind"] == "rejected" and kept["field_values"]["status"] == "销号"
    assert "销号须由内业审核后办理" in kept["reason"] and "closing is an office decision" in kept["reason"]
    # the field may go all the way to 已整改, and may annotate a case the office closed
    assert outcome[rectifying].outcome == "applied" and ledger_case(ledger, rectifying)["status"] == "rectified"
    assert outcome[closed_before].outcome == "applied" and ledger_case(ledger, closed_before)["notes"]
    with open(result.report, encoding="utf-8-sig") as fh:
        row = next(r for r in csv.DictReader(fh) if r["case_id"] == closing)
    assert row["outcome"] == "rejected" and "销号须由内业审核后办理" in row["reason_zh"]


def test_a_case_deleted_from_the_ledger_is_reported_and_the_rest_merged(returned):
    ws, package, (a, b, c, d, e) = returned
    con = gpkg.connect(ws)
    con.execute("DELETE FROM inspection_case WHERE case_id IN (?, ?)", (a, e))  # a changed in the field, e not
    con.commit()
    con.close()
    result = field_merge.merge_field_package(ws, package)
    outcome = {r.case_id: r for r in result.rows}
    assert result.summary() == {"applied": 1, "conflict": 1, "rejected": 3, "unchanged": 1}
    assert ledger_case(ws, b)["status"] == "excluded"  # the rest is merged
    for gone in (a, e):
        assert outcome[gone].outcome == "rejected" and "no longer in the ledger" in outcome[gone].reason
        assert "台账中已无该案件" in outcome[gone].reason_zh
        assert not re.search(r"\b(the|field|package|ledger)\b", outcome[gone].reason_zh, re.I)
    kept = {k["case_id"]: k for k in field_merge.conflicts(ws)}
    assert kept[a]["kind"] == "rejected" and kept[a]["office_values"] is None
    assert kept[a]["field_values"]["status"] == "ordered" and e not in kept
    assert field_merge.imports(ws)[0]["rejected"] == 3


def test_a_package_whose_only_news_is_a_deleted_case_is_not_recorded(ledger, tmp_path):
    stops = clustered_stops(ledger)
    package = export_team(ledger, tmp_path / "pkg", "二组", stops)
    gone = next(s["case_id"] for s in stops if s["team"] == "二组")
    con = gpkg.connect(ledger)
    con.execute("DELETE FROM inspection_case WHERE case_id = ?", (gone,))
    con.commit()
    con.close()
    result = field_merge.merge_field_package(ledger, package)
    assert result.summary()["rejected"] == 1 and not result.recorded and field_merge.imports(ledger) == []


# --- which workspace a package belongs to --------------------------------------------------------


def set_meta(path: str, key: str, value: str | None) -> None:
    with closing(sqlite3.connect(path)) as con, con:
        con.execute("DELETE FROM gs_workspace WHERE key = ?", (key,))
        if value is not None:
            con.execute("INSERT INTO gs_workspace (key, value) VALUES (?, ?)", (key, value))


def test_the_package_knows_its_workspace_by_id_not_by_creation_second(ledger, tmp_path):
    meta = read_meta(ledger)
    assert meta["workspace_id"]
    package = export_team(ledger, tmp_path / "pkg", "二组", clustered_stops(ledger))
    record = field_merge.read_field_package(package).record
    assert record["workspace_id"] == meta["workspace_id"] and record["workspace_created"] == meta["created"]
    twin = str(tmp_path / "twin.gpkg")  # another workspace made in the same second: same `created`, its own id
    shutil.copy(ledger, twin)
    set_meta(twin, "workspace_id", uuid.uuid4().hex)
    assert read_meta(twin)["created"] == meta["created"]
    before = open(twin, "rb").read()
    with pytest.raises(errors.FieldPackageFromAnotherWorkspace):
        field_merge.merge_field_package(twin, package)
    assert open(twin, "rb").read() == before
    moved = str(tmp_path / "moved" / "ws.gpkg")  # the same workspace moved elsewhere: accepted
    os.makedirs(os.path.dirname(moved))
    shutil.copy(ledger, moved)
    assert field_merge.merge_field_package(moved, package, dry_run=True).summary()["unchanged"] == 4


def test_without_an_id_on_either_side_the_creation_time_decides(ledger, tmp_path):
    stops = clustered_stops(ledger)
    package = export_team(ledger, tmp_path / "pkg", "二组", stops)
    with closing(sqlite3.connect(package)) as con, con:  # a package written before workspaces had an id
        con.execute("DELETE FROM gs_field_export WHERE key = 'workspace_id'")
    twin = str(tmp_path / "twin.gpkg")
    shutil.copy(ledger, twin)
    set_meta(twin, "workspace_id", uuid.uuid4().hex)
    assert field_merge.merge_field_package(twin, package, dry_run=True).summary()["unchanged"] == 4
    set_meta(twin, "created", "2020-01-01T00:00:00+00:00")
    with pytest.raises(errors.FieldPackageFromAnotherWorkspace):
        field_merge.merge_field_package(twin, package, dry_run=True)
    old = str(tmp_path / "old.gpkg")  # a workspace made before ids (earlier today): its package has an id
    shutil.copy(ledger, old)
    fresh = export_team(ledger, tmp_path / "pkg2", "二组", stops)
    set_meta(old, "workspace_id", None)
    assert field_merge.merge_field_package(old, fresh, dry_run=True).summary()["unchanged"] == 4


def test_command_line_field_import(returned, capsys):
    ws, package, (a, *_) = returned
    assert main(["field-import", package, "--workspace", ws]) == 0
    out = capsys.readouterr().out
    assert "applied 2" in out and "conflicts 1" in out and "pending→inspected→ordered" in out
    assert main(["field-import", package, "-w", ws]) == 2
    assert "[field_package_already_imported]" in capsys.readouterr().err
    assert main(["--lang", "zh", "field-import", str(os.path.dirname(package)), "-w", ws]) == 2
    assert "不是绿盾外业包" in capsys.readouterr().err


# --- inspection sheets (the data side) --------------------------------------------------------


def test_sheet_rows_are_in_team_day_sequence_order_with_chinese_texts(ledger):
    stops = clustered_stops(ledger)
    rows = field_merge.sheet_rows(ledger, stops)
    assert len(rows) == 10
    assert [(r["team"], r["day"], r["sequence"]) for r in rows][:4] == [("一组", 1, 1), ("一组", 1, 2),
                                                                        ("一组", 1, 3), ("一组", 2, 1)]
    assert {r["group"] for r in rows} == {"一组|1", "一组|2", "二组|1"}
    header = rows[0]["header"]
    assert "检查组：一组" in header and "第 1 天" in header and "预计到达：09:30" in header
    assert rows[0]["case_line"].startswith(f"案件编号：{rows[0]['case_id']}")
    assert "问题描述：" in rows[0]["details"] and "法律依据：" in rows[0]["details"]
    assert field_merge.sheet_file_name("一组", 2) == "检查单_一组_第2天.pdf"
    text = field_merge.checklist_text()
    assert "是否发现问题：□是　□否" in text and "□违法设置排污口" in text and "□未发现问题" not in text


def test_a_package_returned_without_field_work_is_not_recorded(ledger, tmp_path):
    stops = clustered_stops(ledger)
    package = export_team(ledger, tmp_path / "pkg", "二组", stops)
    before = open(ledger, "rb").read()
    early = field_merge.merge_field_package(ledger, package)
    assert early.summary()["unchanged"] == 4 and not early.recorded and "未记录导入" in early.summary_text()
    assert open(ledger, "rb").read() == before and field_merge.imports(ledger) == []
    first = next(s["case_id"] for s in stops if s["team"] == "二组")
    field_edit(package, first, status="excluded", finding="误报，现场为农户自用水井")
    later = field_merge.merge_field_package(ledger, package)
    assert later.recorded and later.summary()["applied"] == 1
    assert ledger_case(ledger, first)["status"] == "excluded"
