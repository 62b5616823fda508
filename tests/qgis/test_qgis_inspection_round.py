"""A whole inspection round through Processing, each algorithm fed the previous one's real output:
cases → random draw → routes → field packages → field work → merge → inspection sheets."""

from __future__ import annotations

import os
import subprocess
from collections import Counter

from qgis.core import QgsVectorLayer

from builders import screened_district
from green_shield.core import cases, gpkg

TEAMS = "第一检查组,第二检查组,第三检查组"


def test_inspection_round(provider, project, tmp_path):
    import processing

    ws, screening = screened_district(tmp_path)
    built = processing.run("greenshield:buildcases", {"WORKSPACE": ws, "SCREENING": screening})
    drawn = processing.run("greenshield:randomdraw", {
        "LIST": f"{ws}|layername=supervised_entity", "ROSTER": f"{ws}|layername=sample_roster",
        "SEED": "20261129", "PERIOD": "2026Q4", "WORKSPACE": ws, "OUTPUT": str(tmp_path / "drawn.gpkg"),
        "RECORD_JSON": str(tmp_path / "draw.json"), "RECORD_HTML": str(tmp_path / "draw.html")})
    assert (built["CREATED"], drawn["DRAWN"], drawn["CASES_CREATED"]) == (82, 33, 33)
    open_cases = cases.read_cases(ws, statuses=["pending"])
    assert len(open_cases) == 115

    # routes for every open case, straight from the ledger layer
    plan = str(tmp_path / "plan.gpkg")
    routed = processing.run("greenshield:planroutes", {
        "INPUT": f"{ws}|layername=inspection_case", "START": "106.2,29.0 [EPSG:4490]", "TEAMS": TEAMS, "DAYS": 10,
        "START_DATE": "2026-12-01", "STOPS": f"ogr:dbname='{plan}' table=\"stops\" (geom)",
        "ROUTES": f"ogr:dbname='{plan}' table=\"routes\" (geom)"})
    assert routed["SCHEDULED"] == 115 and routed["N_UNSCHEDULED"] == 0
    stops = QgsVectorLayer(f"{plan}|layername=stops", "stops", "ogr")
    rows = [{n: f[n] for n in ("case_id", "team", "day", "sequence", "date")} for f in stops.getFeatures()]
    assert sorted(r["case_id"] for r in rows) == sorted(c["case_id"] for c in open_cases)
    # drawn cases keep the team the draw gave them
    drawn_team = {c["case_id"]: c["team"] for c in open_cases if c["source"] == "random_draw"}
    assert all(r["team"] == drawn_team[r["case_id"]] for r in rows if r["case_id"] in drawn_team)
    assert {r["date"] for r in rows} <= {f"2026-12-{d:02d}" for d in (1, 2, 3, 4, 7, 8, 9, 10, 11, 14)}

    # a package per team from the plan; the first team works one case in the field
    out = str(tmp_path / "packages")
    exported = processing.run("greenshield:exportfieldpackage", {
        "WORKSPACE": ws, "STOPS": f"{plan}|layername=stops", "ROUTES": f"{plan}|layername=routes", "OUTPUT": out})
    assert exported["CASES"] == 115 and len(exported["PROJECTS"].splitlines()) == 3
    first = min(rows, key=lambda r: (r["team"], r["day"], r["sequence"]))
    package = os.path.join(out, first["team"], f"{first['team']}.gpkg")
    con = gpkg.connect(package)
    con.execute("UPDATE inspection_case SET status = 'ordered', finding = '保护区内违法建设，已责令停止', "
                "violation_type = 'construction_in_zone', rectification_required = 1 WHERE case_id = ?",
                (first["case_id"],))
    con.commit()
    con.close()
    merged = processing.run("greenshield:importfieldresults", {"PACKAGE": package, "WORKSPACE": ws})
    assert (merged["APPLIED"], merged["CONFLICTS"], merged["REJECTED"]) == (1, 0, 0)
    case = cases.read_cases(ws, case_ids=[first["case_id"]])[0]
    assert case["status"] == "ordered" and case["violation_type"] == "construction_in_zone"
    assert [h["to_status"] for h in cases.case_history(ws, first["case_id"])] == ["pending", "inspected", "ordered"]

    # the sheets: one PDF per team-day, a page per stop
    sheets = processing.run("greenshield:inspectionsheets", {
        "WORKSPACE": ws, "STOPS": f"{plan}|layername=stops", "TEAMS": first["team"],
        "OUTPUT": str(tmp_path / "sheets")})
    per_day = Counter(r["day"] for r in rows if r["team"] == first["team"])
    assert sheets["PAGES"] == sum(per_day.values())
    pdfs = sheets["PDFS"].splitlines()
    assert len(pdfs) == len(per_day)
    day1 = next(p for p in pdfs if p.endswith("第1天.pdf"))
    info = subprocess.run(["pdfinfo", day1], capture_output=True, text=True).stdout
    pages = next(int(line.split()[1]) for line in info.splitlines() if line.startswith("Pages:"))
    assert pages == per_day[1]
