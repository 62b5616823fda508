"""The PostGIS workspace on a real PostgreSQL + PostGIS server (tests/pg_server.py)."""

from __future__ import annotations

import threading

import numpy as np
import psycopg2
import pytest
import shapely

from green_shield.core import postgis as pgw
from green_shield.core.sample_district import build_sample_district
from green_shield.core.schema import CODE_LISTS, LAYER_TYPES
from green_shield.core.workspace import open_workspace, read_layer


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("pg") / "district.gpkg")
    build_sample_district(path)
    return path


@pytest.fixture(scope="module")
def roles(pg):
    """alice edits, bob only views (members of the workspace roles once a workspace exists)."""
    for name in ("alice", "bob", "carol"):
        pg.create_login_role(name)
    return pg


def ref(schema: str, user: str | None = None) -> str:
    return f"PG:service=gs_test schema={schema}" + (f" user={user}" if user else "")


def _grant(pg_server, schema: str) -> None:
    pg_server.psql(f"GRANT {schema}_editor TO alice; GRANT {schema}_editor TO carol; GRANT {schema}_viewer TO bob")


def _plain(fd, v):
    """A stored value as comparable text (GDAL reads a boolean column with nulls as 0.0/1.0/NaN)."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if fd.type == "bool":
        return str(bool(v))
    return str(v)


def test_references_never_carry_a_password():
    with pytest.raises(pgw.PasswordInReference) as err:
        pgw.parse("PG:host=db dbname=x user=a password=secret schema=s")
    assert "secret" not in str(err.value) and "secret" not in err.value.message_zh
    with pytest.raises(pgw.BadReference):
        pgw.parse("PG:service=x")  # no schema
    with pytest.raises(pgw.BadReference) as err:
        pgw.parse("PG:service=x schema=Robert;DROP")
    assert "小写字母" in err.value.message_zh
    ws = pgw.parse("PG:service=district schema=qingxi")
    assert str(ws) == "PG:service=district schema=qingxi" and ws.editor_role == "qingxi_editor"


def test_init_creates_layers_checks_indexes_and_roles(pg):
    info = pgw.init_workspace(ref("ws_init"), "EPSG:4490")
    assert info.crs == "EPSG:4490" and set(info.layers) == set(LAYER_TYPES) and not any(info.layers.values())
    rows = pg.psql("SELECT indexname FROM pg_indexes WHERE schemaname = 'ws_init' AND indexdef LIKE '%gist%'")
    assert {r[0] for r in rows} >= {"redline_geom_idx", "project_geom_idx", "change_lead_geom_idx"}
    roles = {r[0] for r in pg.psql("SELECT rolname FROM pg_roles WHERE rolname LIKE 'ws_init_%'")}
    assert roles == {"ws_init_viewer", "ws_init_editor"}
    # the same fields as the GeoPackage, plus fid, geom and the revision columns
    cols = {r[0] for r in pg.psql("SELECT column_name FROM information_schema.columns WHERE table_schema = "
                                  "'ws_init' AND table_name = 'water_source_zone'")}
    assert cols == {"fid", "geom", "gs_rev", "gs_base_rev", *LAYER_TYPES["water_source_zone"].field_names()}
    with pytest.raises(pgw.WorkspaceSchemaExists):
        pgw.init_workspace(ref("ws_init"))
    # code lists are enforced by the database
    with pytest.raises(psycopg2.errors.CheckViolation):
        pg.psql("INSERT INTO ws_init.water_source_zone (source_code, level) VALUES ('X', 'level9')")


def test_round_trip_gpkg_postgis_gpkg_loses_nothing(pg, district, tmp_path):
    counts = pgw.copy_gpkg_to_postgis(district, ref("ws_copy"))
    assert counts == open_workspace(district).layers and sum(counts.values()) > 500
    assert open_workspace(ref("ws_copy")).layers == counts
    back = str(tmp_path / "back.gpkg")
    pgw.copy_postgis_to_gpkg(ref("ws_copy"), back)
    for key, lt in LAYER_TYPES.items():
        g1, c1, f1 = read_layer(district, key)
        g2, c2, f2 = read_layer(back, key)
        assert list(f1) == list(f2), key
        for fd in lt.fields:
            assert [_plain(fd, v) for v in c1[fd.name]] == [_plain(fd, v) for v in c2[fd.name]], (key, fd.name)
        if lt.geometry != "none":
            assert all((x is None and y is None) or shapely.equals_exact(x, y, 0) for x, y in zip(g1, g2)), key
    # code values survive: every stored code is in its list
    zones = read_layer(ref("ws_copy"), "water_source_zone")[1]
    assert set(zones["level"]) <= set(CODE_LISTS["ws_level"].codes())
    assert open_workspace(back).crs == open_workspace(district).crs


def test_every_edit_is_in_the_history_and_can_be_undone(pg, roles, district):
    schema = "ws_hist"
    pgw.copy_gpkg_to_postgis(district, ref(schema))
    _grant(pg, schema)
    rows = pgw.fetch_rows(ref(schema), "redline")
    target = rows[0]
    moved = shapely.affinity.translate(target["geom"], 0.001, 0)
    rev = pgw.update_feature(ref(schema, "alice"), "redline", target["fid"], {"name": "改名红线"},
                            based_on_rev=target["gs_rev"], geometry=moved, editor="张三")
    assert rev == target["gs_rev"] + 1
    history = pgw.history(ref(schema), "redline", target["fid"])
    last = history[-1]
    assert last["op"] == "update" and last["editor"] == "张三" and last["db_user"] == "alice"
    assert last["old_values"]["name"] == target["name"] and last["new_values"]["name"] == "改名红线"
    assert last["old_geom"].equals(target["geom"]) and last["new_geom"].equals(moved)
    # undo puts name and geometry back, and is itself recorded
    assert pgw.undo(ref(schema, "alice"), last["audit_id"], editor="李四") == "reverted"
    now = pgw.fetch_rows(ref(schema), "redline")[0]
    assert now["name"] == target["name"] and now["geom"].equals(target["geom"])
    assert pgw.history(ref(schema), "redline", target["fid"])[-1]["op"] == "undo"
    # a delete is recorded with the old geometry and can be undone with the same fid
    pgw.delete_features(ref(schema, "alice"), "redline", [target["fid"]], editor="王五")
    deleted = pgw.history(ref(schema), "redline", target["fid"])[-1]
    assert deleted["op"] == "delete" and deleted["old_geom"].equals(target["geom"])
    assert pgw.undo(ref(schema, "alice"), deleted["audit_id"]) == "restored"
    assert pgw.fetch_rows(ref(schema), "redline")[0]["name"] == target["name"]
    # plain SQL is recorded too
    pg.psql(f"UPDATE {schema}.redline SET notes = 'psql' WHERE fid = {target['fid']}", user="alice")
    assert pgw.history(ref(schema), "redline", target["fid"])[-1]["db_user"] == "alice"


def test_viewer_cannot_write_and_is_told(pg, roles, district):
    schema = "ws_view"
    pgw.copy_gpkg_to_postgis(district, ref(schema))
    _grant(pg, schema)
    assert pgw.can_edit(ref(schema, "alice")) and not pgw.can_edit(ref(schema, "bob"))
    row = pgw.fetch_rows(ref(schema, "bob"), "redline")[0]  # bob can read
    with pytest.raises(pgw.ReadOnlyWorkspace) as err:
        pgw.update_feature(ref(schema, "bob"), "redline", row["fid"], {"name": "x"}, based_on_rev=row["gs_rev"])
    assert "bob" in str(err.value) and "只有查看权限" in err.value.message_zh
    with pytest.raises(pgw.ReadOnlyWorkspace):
        pgw.insert_features(ref(schema, "bob"), "redline", [row["geom"]], [{"name": "x"}])
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        pg.psql(f"DELETE FROM {schema}.redline", user="bob")
    assert len(pgw.fetch_rows(ref(schema), "redline")) == len(read_layer(district, "redline")[2])


def test_two_editors_at_once(pg, roles, district):
    """Different features: both saved. The same feature: the second is told, the history holds both."""
    schema = "ws_conc"
    pgw.copy_gpkg_to_postgis(district, ref(schema))
    _grant(pg, schema)
    rows = pgw.fetch_rows(ref(schema), "nature_reserve")
    a, b = rows[0], rows[1]
    errors = []

    def edit(user, row, name):
        try:
            pgw.update_feature(ref(schema, user), "nature_reserve", row["fid"], {"name": name},
                              based_on_rev=row["gs_rev"], editor=user)
        except Exception as exc:  # noqa: BLE001 — collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=edit, args=("alice", a, "A改")), threading.Thread(target=edit,
                                                                                       args=("carol", b, "B改"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    names = {r["fid"]: r["name"] for r in pgw.fetch_rows(ref(schema), "nature_reserve")}
    assert names[a["fid"]] == "A改" and names[b["fid"]] == "B改"
    # the same feature, both from the revision they read
    stale = pgw.fetch_rows(ref(schema), "nature_reserve")[0]
    pgw.update_feature(ref(schema, "alice"), "nature_reserve", stale["fid"], {"notes": "alice 的修改"},
                      based_on_rev=stale["gs_rev"], editor="alice")
    with pytest.raises(pgw.EditConflict) as err:
        pgw.update_feature(ref(schema, "carol"), "nature_reserve", stale["fid"], {"notes": "carol 的修改"},
                          based_on_rev=stale["gs_rev"], editor="carol")
    assert "alice" in str(err.value) and "已被他人修改" in err.value.message_zh
    now = pgw.fetch_rows(ref(schema), "nature_reserve")[0]
    assert now["notes"] == "alice 的修改"
    ops = [(h["op"], h["editor"]) for h in pgw.history(ref(schema), "nature_reserve", stale["fid"])][-2:]
    assert ops == [("update", "alice"), ("conflict", "carol")]


def test_sql_in_names_and_values_is_data(pg, roles, district):
    schema = "ws_inj"
    pgw.init_workspace(ref(schema))
    _grant(pg, schema)
    evil = "x'); DROP TABLE ws_inj.redline; --"
    poly = shapely.MultiPolygon([shapely.box(106.2, 29.0, 106.21, 29.01)])
    fid = pgw.insert_features(ref(schema, "alice"), "redline", [poly], [{"name": evil, "notes": "'; DELETE"}])[0]
    row = pgw.fetch_rows(ref(schema), "redline")[0]
    assert row["fid"] == fid and row["name"] == evil
    with pytest.raises(pgw.PostgisError):  # a field name that is SQL is not a field
        pgw.update_feature(ref(schema, "alice"), "redline", fid, {'name" = 1; DROP TABLE x; --': "v"},
                          based_on_rev=row["gs_rev"])
    with pytest.raises(pgw.BadReference):  # a schema name that is SQL is refused
        pgw.init_workspace("PG:service=gs_test schema=a;drop")
    with pytest.raises(KeyError):  # a layer name that is SQL is not a layer
        pgw.fetch_rows(ref(schema), "redline; DROP TABLE ws_inj.redline")
    assert pg.psql("SELECT count(*) FROM ws_inj.redline")[0][0] == 1


# --- the engines on a PostGIS workspace --------------------------------------------------------------


def _verdicts(result):
    return {p.fid: (p.verdict, round(p.overlap_m2, 3), tuple(p.reasons)) for p in result.projects}


def _conflicts(result):
    return sorted((c.project_fid, c.zone_type, c.zone_fid, c.relation, c.verdict, round(c.overlap_m2, 3))
                  for c in result.conflicts)


def test_screening_a_postgis_workspace_matches_the_geopackage(pg, district):
    from green_shield.core.rules import load_rulebook
    from green_shield.core.screening import ScreeningOptions, screen
    from green_shield.core.screening_io import add_far_projects, load_projects, load_projects_pushdown, load_protected

    pgw.copy_gpkg_to_postgis(district, ref("ws_screen"))
    # a project without a geometry: 需复核 whichever way the projects are read
    pg.psql("UPDATE ws_screen.project SET geom = NULL WHERE fid = 7")
    import shutil

    district = shutil.copy(district, district.replace(".gpkg", "_nogeom.gpkg"))
    from green_shield.core import gpkg

    con = gpkg.connect(district)  # GDAL's R-tree triggers need the ST_ functions
    with con:
        con.execute("UPDATE project SET geom = NULL WHERE fid = 7")
    con.close()
    rulebook = load_rulebook()
    options = ScreeningOptions()
    expected = screen(load_projects(district, None)[0], load_protected(district)[0], rulebook, options)
    protected = load_protected(ref("ws_screen"))[0]
    pulled = screen(load_projects(ref("ws_screen"), None)[0], protected, rulebook, options)
    near, far, zone = load_projects_pushdown(ref("ws_screen"), rulebook, options.near_m)
    assert zone == pulled.planar_crs
    pushed = screen(near, protected, rulebook, ScreeningOptions(planar_crs=zone))
    add_far_projects(pushed, far)
    assert len(far) > 50 and len(near) < len(expected.projects)  # the database left the far projects out
    assert _verdicts(pulled) == _verdicts(expected) == _verdicts(pushed)
    assert _conflicts(pulled) == _conflicts(expected) == _conflicts(pushed)
    assert pushed.counts() == expected.counts()
    assert {p.fid: p.verdict for p in pushed.projects}[7] == "REVIEW"


def test_screen_command_on_postgis(pg, district, tmp_path, capsys):
    from green_shield.core.cli import main

    pgw.copy_gpkg_to_postgis(district, ref("ws_cli"))
    assert main(["screen", "-w", ref("ws_cli"), "-o", str(tmp_path / "pg.gpkg")]) == 0
    out_pg = capsys.readouterr().out
    assert main(["screen", "-w", district, "-o", str(tmp_path / "gpkg.gpkg")]) == 0
    out_gpkg = capsys.readouterr().out
    line = next(x for x in out_gpkg.splitlines() if "PROHIBITED" in x)
    assert line in out_pg and "spatial index" in out_pg
    assert "password" not in out_pg.lower()


def test_quick_check_change_leads_and_redline_diff_on_postgis(pg, district, tmp_path):
    from green_shield.core import change_leads as cl
    from green_shield.core.cli import run_redline_diff
    from green_shield.core.quick_check import QuickChecker
    from green_shield.core.sample_change import build_sample_change_pair
    from green_shield.core.sample_redline_v2 import build_redline_v2

    pgw.copy_gpkg_to_postgis(district, ref("ws_engines"))
    site = shapely.Point(106.2, 29.0).buffer(0.01)
    a = QuickChecker.from_workspace(district).check(site)
    b = QuickChecker.from_workspace(ref("ws_engines")).check(site)
    assert [(h.zone_type, h.name, h.verdict, round(h.overlap_m2, 3)) for h in a.hits] == \
        [(h.zone_type, h.name, h.verdict, round(h.overlap_m2, 3)) for h in b.hits]
    pair = build_sample_change_pair(str(tmp_path), district)
    leads_gpkg = cl.find_change_leads(district, pair["before"], pair["after"])
    leads_pg = cl.find_change_leads(ref("ws_engines"), pair["before"], pair["after"])
    assert [(x.lead_id, x.verdict, x.zone_name) for x in leads_gpkg.leads] == \
        [(x.lead_id, x.verdict, x.zone_name) for x in leads_pg.leads]
    assert cl.save_leads(ref("ws_engines"), leads_pg) == 5 and cl.save_leads(ref("ws_engines"), leads_pg) == 5
    rows = cl.read_leads(ref("ws_engines"))
    assert len(rows) == 5 and {r["lead_id"] for r in rows} == {x.lead_id for x in leads_pg.leads}
    assert [h["op"] for h in pgw.history(ref("ws_engines"), "change_lead")].count("delete") == 5
    # red-line versions: the red line of the PostGIS workspace against a new version file, with the workspace's
    # zones and projects for the rule checks — as with the GeoPackage
    v2 = str(tmp_path / "v2.gpkg")
    build_redline_v2(district, v2)
    from_gpkg = run_redline_diff(f"{district}:redline", f"{v2}:redline", workspace=district)
    from_pg = run_redline_diff(ref("ws_engines"), f"{v2}:redline", workspace=ref("ws_engines"))

    def summary(diff):
        return sorted((p.change, round(p.area_m2, 1), tuple(sorted(p.flags))) for p in diff.pieces)

    assert summary(from_pg) == summary(from_gpkg) and len(from_pg.pieces) > 5


def test_copy_into_an_empty_workspace_keeps_it_and_refuses_a_full_one(pg, district):
    pgw.init_workspace(ref("ws_fill"))
    wid = pgw.read_meta(ref("ws_fill"))["workspace_id"]
    counts = pgw.copy_gpkg_to_postgis(district, ref("ws_fill"))
    assert open_workspace(ref("ws_fill")).layers == counts
    assert pgw.read_meta(ref("ws_fill"))["workspace_id"] == wid  # the same workspace, filled
    with pytest.raises(pgw.WorkspaceSchemaExists):  # not over data
        pgw.copy_gpkg_to_postgis(district, ref("ws_fill"))
    assert open_workspace(ref("ws_fill")).layers == counts


def test_an_authentication_configuration_is_resolved_in_memory(pg, roles):
    """authcfg=ID (a QGIS authentication configuration) is resolved by the registered resolver at connect
    time; without one, a clear message."""
    pgw.init_workspace(ref("ws_auth"))
    _grant(pg, "ws_auth")
    auth_ref = "PG:service=gs_test authcfg=abc1234 schema=ws_auth"
    with pytest.raises(pgw.AuthConfigUnavailable) as err:
        pgw.read_meta(auth_ref)
    assert "QGIS" in err.value.message_zh
    seen = []
    pgw.set_auth_resolver(lambda cfg: seen.append(cfg) or ("alice", "not-checked-by-trust-auth"))
    try:
        assert pgw.read_meta(auth_ref)["crs"] == "EPSG:4490"
        con = pgw.connect(auth_ref)
        assert con.info.user == "alice"
        con.close()
        assert "not-checked" not in str(pgw.parse(auth_ref)) and seen == ["abc1234", "abc1234"]
        assert open_workspace(auth_ref).layers["redline"] == 0
    finally:
        pgw.set_auth_resolver(None)


# --- found in review ------------------------------------------------------------------------------------


def test_undo_rules(pg, roles, district):
    schema = "ws_undo"
    pgw.copy_gpkg_to_postgis(district, ref(schema))
    _grant(pg, schema)
    row = pgw.fetch_rows(ref(schema), "redline")[2]
    first = pgw.update_feature(ref(schema, "alice"), "redline", row["fid"], {"name": "A"}, based_on_rev=row["gs_rev"])
    a_id = pgw.history(ref(schema), "redline", row["fid"])[-1]["audit_id"]
    pgw.update_feature(ref(schema, "alice"), "redline", row["fid"], {"name": "B"}, based_on_rev=first)
    with pytest.raises(pgw.UndoRefused) as err:  # B came after A: undoing A would silently drop B
        pgw.undo(ref(schema, "alice"), a_id)
    assert "之后又被修改" in err.value.message_zh
    assert pgw.fetch_rows(ref(schema), "redline")[2]["name"] == "B"
    assert pgw.undo(ref(schema, "alice"), a_id, force=True) == "reverted"
    assert pgw.fetch_rows(ref(schema), "redline")[2]["name"] == row["name"]
    # delete → undo (restored) → undo of that undo deletes it again
    pgw.delete_features(ref(schema, "alice"), "redline", [row["fid"]])
    restored = pgw.undo(ref(schema, "alice"), pgw.history(ref(schema), "redline", row["fid"])[-1]["audit_id"])
    assert restored == "restored"
    undo_row = pgw.history(ref(schema), "redline", row["fid"])[-1]
    assert pgw.undo(ref(schema, "alice"), undo_row["audit_id"]) == "deleted"
    assert row["fid"] not in {r["fid"] for r in pgw.fetch_rows(ref(schema), "redline")}
    assert [h["audit_id"] for h in pgw.history(ref(schema), last=2)] == \
        [h["audit_id"] for h in pgw.history(ref(schema))][-2:]


def test_viewer_cannot_forge_history_and_passwords_never_pass(pg, roles, district):
    schema = "ws_sec"
    pgw.init_workspace(ref(schema))
    _grant(pg, schema)
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        pg.psql(f"SELECT {schema}.gs_record_conflict('redline', 1, '{{}}', NULL, 'forged')", user="bob")
    for bad in ("PG:postgresql://u:s3cret@h/db schema=x", "PG:dbname=postgresql://u:s3cret@h/db schema=x",
                "PG:dbname='a PASSWORD=s3cret' schema=x"):
        with pytest.raises(pgw.PasswordInReference) as err:
            pgw.parse(bad)
        assert "s3cret" not in str(err.value)
    for reserved in ("public", "pg_temp1"):
        with pytest.raises(pgw.BadReference):
            pgw.parse(f"PG:service=gs_test schema={reserved}")
    pg.psql("CREATE SCHEMA other_data; CREATE TABLE other_data.parcels (id int)")
    with pytest.raises(pgw.NotAPostgisWorkspace):  # --overwrite never drops a schema that is not a workspace
        pgw.init_workspace(ref("other_data"), overwrite=True)
    assert pg.psql("SELECT count(*) FROM other_data.parcels") == [(0,)]
    with pytest.raises(pgw.PostgisError) as err:  # a viewer may not create workspaces: told, no traceback
        pgw.init_workspace(ref("ws_by_bob", "bob"))
    assert "权" in err.value.message_zh


def test_polygons_promoted_and_bad_rows_named(pg, roles, district, tmp_path):
    import shutil

    from green_shield.core import gpkg

    schema = "ws_types"
    pgw.init_workspace(ref(schema))
    fid = pgw.insert_features(ref(schema), "redline", [shapely.box(106.2, 29.0, 106.21, 29.01)], [{"name": "单面"}])[0]
    assert pgw.fetch_rows(ref(schema), "redline")[0]["geom"].geom_type == "MultiPolygon" and fid == 1
    with pytest.raises(ValueError):
        pgw.insert_features(ref(schema), "redline", [], [{"name": "x"}])
    bad = str(tmp_path / "bad.gpkg")
    shutil.copy(district, bad)
    con = gpkg.connect(bad)
    with con:
        con.execute("UPDATE water_source_zone SET level = 'level9' WHERE fid = 3")
    con.close()
    with pytest.raises(pgw.CopyRefused) as err:
        pgw.copy_gpkg_to_postgis(bad, ref("ws_badcopy"))
    assert "feature 3" in str(err.value) and "要素 3" in err.value.message_zh
    assert pg.psql("SELECT count(*) FROM pg_namespace WHERE nspname = 'ws_badcopy'") == [(0,)]


def test_copy_back_keeps_the_case_ledger_history(pg, district, tmp_path):
    import shutil

    from green_shield.core import cases

    ledger = shutil.copy(district, str(tmp_path / "ledger.gpkg"))
    cases.build_cases(ledger)
    n_cases, n_history = len(cases.read_cases(ledger)), len(cases.case_history(ledger))
    assert n_cases > 10 and n_history == n_cases
    pgw.copy_gpkg_to_postgis(ledger, ref("ws_ledger"))
    back = str(tmp_path / "back.gpkg")
    pgw.copy_postgis_to_gpkg(ref("ws_ledger"), back)
    assert len(cases.read_cases(back)) == n_cases and len(cases.case_history(back)) == n_history


def test_pushdown_reach_in_web_mercator_and_protected_files(pg, tmp_path, capsys):
    """A projected CRS that stretches distances (EPSG:3857 at 29°N: × 1.14) and a rulebook setback of
    2 000 m: a project 1 999 m away on the ground is still screened; a --protected file turns the
    database filter off (it cannot see the file)."""
    import math

    from pyproj import Transformer

    from green_shield.core.cli import main
    from green_shield.core.rules import load_rulebook
    from green_shield.core.screening_io import load_projects_pushdown

    pgw.init_workspace(ref("ws_merc"), "EPSG:3857")
    to = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    x, y = to.transform(106.2, 29.0)
    k = 1 / math.cos(math.radians(29.0))
    zone = shapely.MultiPolygon([shapely.box(x, y, x + 1000 * k, y + 1000 * k)])
    pgw.insert_features(ref("ws_merc"), "redline", [zone], [{"name": "红线"}])
    near = shapely.Point(x + 1000 * k + 480 * k, y + 500 * k)  # 480 m east on the ground
    far = shapely.Point(x + 1000 * k + 5000 * k, y + 500 * k)
    pgw.insert_features(ref("ws_merc"), "project", [near, far],
                        [{"project_code": "P1", "name": "近", "category": "industry", "action": "new"},
                         {"project_code": "P2", "name": "远", "category": "industry", "action": "new"}])
    projects, far_rows, _ = load_projects_pushdown(ref("ws_merc"), load_rulebook(), 500.0)
    assert list(projects.fids) == [1] and [r["fid"] for r in far_rows] == [2]
    other = str(tmp_path / "newred.gpkg")
    from green_shield.core.workspace import create_workspace, write_features

    create_workspace(other, "EPSG:3857")
    write_features(other, "redline", [shapely.MultiPolygon([far.buffer(50)])], [{"name": "新红线"}])
    assert main(["screen", "-w", ref("ws_merc"), "--protected", f"{other}:redline=redline",
                 "-o", str(tmp_path / "out.gpkg")]) == 0
    out = capsys.readouterr().out
    assert "PROHIBITED 1" in out and "spatial index" not in out


def test_import_into_a_postgis_workspace_and_no_ledger_there(pg, tmp_path, monkeypatch):
    import os

    from green_shield.core import cases
    from green_shield.core.cli import main

    pgw.init_workspace(ref("ws_import"))
    src = tmp_path / "red.geojson"
    src.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"名称": "导入红线"},'
                   ' "geometry": {"type": "Polygon", "coordinates": [[[106.2, 29.0], [106.21, 29.0], [106.21, 29.01],'
                   ' [106.2, 29.0]]]}}]}', "utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["import", str(src), "-w", ref("ws_import"), "-t", "redline", "--set", "bsm=HX001",
                 "--set", "version=2026", "--set", "eco_function=biodiversity"]) == 0
    rows = pgw.fetch_rows(ref("ws_import"), "redline")
    assert [r["name"] for r in rows] == ["导入红线"] and rows[0]["geom"].geom_type == "MultiPolygon"
    assert not any(name.startswith("PG:") for name in os.listdir(tmp_path))  # no stray file
    assert pgw.history(ref("ws_import"), "redline")[-1]["op"] == "insert"
    with pytest.raises(cases.LedgerNotInPostgis) as err:
        cases.build_cases(ref("ws_import"))
    assert "GeoPackage" in err.value.message_zh
