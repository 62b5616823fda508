"""Workspace creation and the data model, without QGIS."""

import sqlite3
import subprocess
import sys

import numpy as np
import pyogrio
import pytest
import shapely

from green_shield.core import errors
from green_shield.core.schema import CODE_LISTS, LAYER_TYPES
from green_shield.core.workspace import create_workspace, open_workspace, read_layer, write_features


def test_core_imports_no_qgis():
    """Every core module imports without pulling in QGIS (the command line runs without it)."""
    code = (
        "import importlib, pkgutil, sys, green_shield.core as c\n"
        "for m in pkgutil.iter_modules(c.__path__):\n"
        "    importlib.import_module('green_shield.core.' + m.name)\n"
        "bad = [k for k in sys.modules if k == 'qgis' or k.startswith(('qgis.', 'PyQt'))]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_workspace_has_every_layer_with_schema_fields(tmp_path):
    path = tmp_path / "ws.gpkg"
    info = create_workspace(str(path))
    assert info.crs == "EPSG:4490"
    assert set(info.layers) == set(LAYER_TYPES) and all(n == 0 for n in info.layers.values())
    layers = dict(pyogrio.list_layers(path))
    assert layers["redline"] == "MultiPolygon"
    assert layers["water_source_zone"] == "MultiPolygon"
    assert layers["sewage_outfall"] == "Point"
    assert layers["river"] == "MultiLineString"
    assert layers["project"] == "Unknown"  # points, lines and polygons in one table
    wsz = pyogrio.read_info(path, layer="water_source_zone")
    assert list(wsz["fields"]) == LAYER_TYPES["water_source_zone"].field_names()
    types = dict(zip(wsz["fields"], wsz["ogr_types"]))
    assert types["daily_supply_t"] == "OFTReal"
    assert types["population_served"] == "OFTInteger64"
    assert types["thousand_ton"] == "OFTInteger"  # boolean subtype
    assert pyogrio.read_info(path, layer="redline")["ogr_types"][6] == "OFTDate"  # approval_date
    assert pyogrio.read_info(path, layer="redline")["crs"] == "EPSG:4490"
    # GeoPackage 1.2 so the GDAL of QGIS 3.22 reads it without complaint
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 10200


def test_workspace_crs_is_configurable(tmp_path):
    info = create_workspace(str(tmp_path / "gk.gpkg"), "EPSG:4544")
    assert info.crs == "EPSG:4544"
    assert pyogrio.read_info(tmp_path / "gk.gpkg", layer="redline")["crs"] == "EPSG:4544"


def test_existing_file_is_refused_unless_overwrite(tmp_path):
    path = str(tmp_path / "ws.gpkg")
    create_workspace(path)
    write_features(path, "district", [shapely.MultiPolygon([shapely.box(106, 29, 106.1, 29.1)])],
                   [{"xzqdm": "500199", "xzqmc": "青溪区"}])
    with pytest.raises(errors.WorkspaceExists, match="already exists"):
        create_workspace(path)
    assert open_workspace(path).layers["district"] == 1  # untouched
    create_workspace(path, overwrite=True)
    assert open_workspace(path).layers["district"] == 0


def test_bad_crs_is_refused(tmp_path):
    with pytest.raises(errors.InvalidCRS, match="EPSG:4490"):
        create_workspace(str(tmp_path / "ws.gpkg"), "EPSG:999999")
    assert not (tmp_path / "ws.gpkg").exists()


def test_open_rejects_a_plain_geopackage(tmp_path):
    path = tmp_path / "plain.gpkg"
    pyogrio.raw.write(str(path), np.array([shapely.to_wkb(shapely.Point(1, 2))], dtype=object),
                      [np.array(["a"], dtype=object)], ["name"], layer="t", driver="GPKG", crs="EPSG:4326",
                      geometry_type="Point")
    with pytest.raises(errors.NotAWorkspace, match="not a Green Shield workspace"):
        open_workspace(str(path))


def test_write_and_read_back_values(tmp_path):
    import datetime

    path = str(tmp_path / "ws.gpkg")
    create_workspace(path)
    geom = shapely.MultiPolygon([shapely.box(106.0, 29.0, 106.01, 29.01)])
    write_features(path, "redline", [geom], [{
        "bsm": "5001992020000001", "name": "缙云山水源涵养红线", "eco_function": "water_conservation",
        "version": "2020", "approval_date": datetime.date(2020, 6, 30),
    }])
    geoms, cols, fids = read_layer(path, "redline")
    assert cols["name"][0] == "缙云山水源涵养红线"
    assert str(cols["approval_date"][0]) == "2020-06-30"
    assert geoms[0].equals(geom)


def test_code_lists_are_complete_and_unambiguous():
    for cl in CODE_LISTS.values():
        codes = cl.codes()
        assert len(codes) == len(set(codes))
        for item in cl.items:
            assert cl.normalise(item.code) == item.code
            assert cl.normalise(item.zh) == item.code
            assert cl.normalise(item.en.upper()) == item.code
            for alias in item.aliases:
                assert cl.normalise(alias) == item.code, (cl.name, alias)
    for lt in LAYER_TYPES.values():
        for fd in lt.fields:
            assert fd.codelist is None or fd.codelist in CODE_LISTS
    ws = CODE_LISTS["ws_level"]
    assert [ws.label_zh(c) for c in ws.codes()] == ["一级保护区", "二级保护区", "准保护区"]
    assert CODE_LISTS["outfall_status"].codes() == [
        "suspected", "verified", "rejected", "monitored", "traced",
        "rectifying_ban", "rectifying_merge", "rectifying_regularise", "closed",
    ]


def test_unknown_layer_type_lists_the_known_ones(tmp_path):
    path = str(tmp_path / "ws.gpkg")
    create_workspace(path)
    with pytest.raises(errors.UnknownLayerType, match="redline"):
        write_features(path, "red_lines", [], [])


def test_cli_create_and_info(tmp_path):
    path = str(tmp_path / "cli.gpkg")
    run = subprocess.run([sys.executable, "-m", "green_shield.core.cli", "create-workspace", path],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    run = subprocess.run([sys.executable, "-m", "green_shield.core.cli", "info", path], capture_output=True, text=True)
    assert "water_source_zone" in run.stdout and "饮用水水源保护区" in run.stdout
    again = subprocess.run([sys.executable, "-m", "green_shield.core.cli", "--lang", "zh", "create-workspace", path],
                           capture_output=True, text=True)
    assert again.returncode == 2
    assert "已存在" in again.stderr
