"""The throw-away PostgreSQL + PostGIS server the PostGIS workspace tests run against."""

import os

import pg_server
import psycopg2
import pyogrio
import pyogrio.raw
import pytest


def test_service_reaches_postgis(pg):
    assert os.environ["PGSERVICEFILE"] == str(pg.service_file)
    assert f"[{pg.service}]" in pg.service_file.read_text()
    with psycopg2.connect(f"service={pg.service}") as conn, conn.cursor() as cur:
        cur.execute("SELECT current_database(), current_user, postgis_full_version()")
        dbname, user, version = cur.fetchone()
    conn.close()
    assert (dbname, user) == (pg.dbname, pg.superuser)
    assert version.startswith("POSTGIS=")
    assert "GEOS=" in version and "PROJ=" in version


def test_conninfo_and_psql_helper(pg):
    with psycopg2.connect(pg.conninfo) as conn, conn.cursor() as cur:
        cur.execute("SELECT current_setting('server_encoding')")
        assert cur.fetchone() == ("UTF8",)
    conn.close()
    assert pg.psql("SELECT ST_AsText(ST_Point(1, 2)), '绿盾'::text") == [("POINT(1 2)", "绿盾")]
    assert pg.psql("CREATE TEMP TABLE t (x int); INSERT INTO t VALUES (1)") == []


def test_login_role_without_superuser(pg):
    pg.create_login_role("gs_editors_member", member_of="gs_editors")
    with psycopg2.connect(f"service={pg.service} user=gs_editors_member") as conn, conn.cursor() as cur:
        cur.execute("SELECT current_user, rolsuper, pg_has_role('gs_editors', 'MEMBER') "
                    "FROM pg_roles WHERE rolname = current_user")
        assert cur.fetchone() == ("gs_editors_member", False, True)
    conn.close()
    # the group itself cannot log in
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(f"service={pg.service} user=gs_editors").close()


def test_create_database_has_postgis(pg):
    pg.create_login_role("gs_owner")
    pg.create_database("gs_other", owner="gs_owner")
    rows = pg.psql("SELECT extversion, pg_get_userbyid(d.datdba) FROM pg_extension, pg_database d "
                   "WHERE extname = 'postgis' AND d.datname = current_database()", dbname="gs_other")
    assert len(rows) == 1 and rows[0][1] == "gs_owner"


def test_gdal_lists_postgis_layers(pg):
    pg.psql(
        "CREATE TABLE gs_probe (id serial PRIMARY KEY, name text, geom geometry(Polygon, 4490));"
        "INSERT INTO gs_probe (name, geom) VALUES ('绿地', ST_GeomFromText("
        "'POLYGON((116 39, 116.01 39, 116.01 39.01, 116 39))', 4490));"
    )
    try:
        layers = pyogrio.list_layers(f"PG:service={pg.service}")
        assert ["gs_probe", "Polygon"] in layers.tolist()
        info = pyogrio.read_info(f"PG:service={pg.service}", layer="gs_probe")
        assert info["features"] == 1 and info["crs"] == "EPSG:4490"
        meta, _fids, geometry, fields = pyogrio.raw.read(f"PG:service={pg.service}", layer="gs_probe")
        assert list(fields[list(meta["fields"]).index("name")]) == ["绿地"] and len(geometry) == 1
    finally:
        pg.psql("DROP TABLE gs_probe")


def test_missing_server_says_make_deps(monkeypatch):
    monkeypatch.setattr(pg_server.glob, "glob", lambda pattern: [])
    monkeypatch.setattr(pg_server.shutil, "which", lambda name: None)
    with pytest.raises(pg_server.PgServerUnavailable, match="make deps"):
        pg_server.find_bindir()
