"""Importing external files into a workspace: every path and every bad input, without QGIS."""

import csv
import hashlib

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from builders import bow_tie, layer_rows, square, write_csv, write_shapefile, write_vector, write_xlsx
from green_shield.core import errors
from green_shield.core.chinese_coords import wgs84_to_bd09, wgs84_to_gcj02
from green_shield.core.importer import ImportCanceled, import_file, plan_field_map
from green_shield.core.schema import LAYER_TYPES
from green_shield.core.workspace import create_workspace, open_workspace

ASCII_REDLINE = {"BSM": ["5001992020000003"], "MC": ["大娄山红线"], "STGN": ["水土保持"], "BB": ["2020"]}
REDLINE_COLUMNS = {
    "BSM": ["5001992020000001", "5001992020000002"],
    "名称": ["缙云山水源涵养红线", "四面山生物多样性红线"],
    "功能类型": ["水源涵养", "生物多样性维护"],
    "版本": ["2020", "2020"],
}


@pytest.fixture
def workspace(tmp_path):
    path = str(tmp_path / "ws.gpkg")
    create_workspace(path)
    return path


def digest(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def test_gbk_shapefile_without_cpg_keeps_chinese(workspace, tmp_path):
    shp = write_shapefile(tmp_path / "hx.shp", [square(106.2, 29.0), square(106.3, 29.0)], REDLINE_COLUMNS,
                          encoding="GBK", keep_cpg=False)
    result = import_file(workspace, shp, "redline")
    assert (result.encoding, result.imported, result.issues) == ("GBK", 2, [])
    assert result.field_map == {"bsm": "BSM", "name": "名称", "eco_function": "功能类型", "version": "版本"}
    rows = layer_rows(workspace, "redline")
    assert [r["name"] for r in rows] == ["缙云山水源涵养红线", "四面山生物多样性红线"]
    assert [r["eco_function"] for r in rows] == ["water_conservation", "biodiversity"]
    assert rows[0]["geometry"].geom_type == "MultiPolygon"


def test_encoding_override(workspace, tmp_path):
    shp = write_shapefile(tmp_path / "hx.shp", [square(106.2, 29.0), square(106.3, 29.0)], REDLINE_COLUMNS,
                          encoding="GBK", keep_cpg=False)
    result = import_file(workspace, shp, "redline", encoding="GB18030")
    assert result.encoding == "GB18030" and result.encoding_how == "stated by user"
    assert layer_rows(workspace, "redline")[1]["name"] == "四面山生物多样性红线"


def test_shapefile_without_prj_is_refused_unless_crs_stated(workspace, tmp_path):
    shp = write_shapefile(tmp_path / "noprj.shp", [square(106.2, 29.0)], ASCII_REDLINE, crs=None)
    before = digest(workspace)
    with pytest.raises(errors.MissingCRS, match="no coordinate reference system") as info:
        import_file(workspace, shp, "redline")
    assert "EPSG:4490" in info.value.message and "坐标参照系" in info.value.message_zh
    assert digest(workspace) == before
    result = import_file(workspace, shp, "redline", source_crs="EPSG:4490")
    assert result.imported == 1


def test_projected_geojson_is_reprojected(workspace, tmp_path):
    to_gk = Transformer.from_crs("EPSG:4490", "EPSG:4544", always_xy=True)
    x, y = to_gk.transform(106.2, 29.0)
    src = write_vector(tmp_path / "zones.geojson", [shapely.box(x, y, x + 500, y + 500)], {
        "水源地编码": ["500199A0010001"], "水源地名称": ["大江水厂"], "级别": ["一级"], "范围类型": ["水域"],
        "水源类型": ["河流型"], "千吨万人": ["是"], "日供水量": ["12000"],
    }, crs="EPSG:4544", driver="GeoJSON")
    result = import_file(workspace, src, "water_source_zone")
    assert result.source_crs == "EPSG:4544" and result.imported == 1
    row = layer_rows(workspace, "water_source_zone")[0]
    assert (row["level"], row["part"], row["water_body_type"], row["thousand_ton"]) == ("level1", "water", "river", 1)
    assert row["daily_supply_t"] == 12000.0
    corners = shapely.get_coordinates(row["geometry"])
    assert np.hypot(corners[:, 0] - 106.2, corners[:, 1] - 29.0).min() < 1e-8  # the box's corner came back


def test_geopackage_layer_is_chosen(workspace, tmp_path):
    src = str(tmp_path / "multi.gpkg")
    write_vector(src, [square(106.2, 29.0)], {"plot_code": ["DK01"], "name": ["原化工厂"], "list_status": ["名录内"]},
                 driver="GPKG", layer="plots")
    write_vector(src, [shapely.Point(106.2, 29.0)], {"x": ["1"]}, driver="GPKG", layer="other")
    result = import_file(workspace, src, "contaminated_plot", layer="plots")
    assert result.imported == 1
    assert layer_rows(workspace, "contaminated_plot")[0]["list_status"] == "listed"


def test_gcj02_csv_points_are_converted(workspace, tmp_path):
    true_points = [(106.21, 29.01), (106.25, 29.05)]
    rows = []
    for i, (lon, lat) in enumerate(true_points):
        glon, glat = wgs84_to_gcj02(lon, lat)
        rows.append([f"PWK-{i + 1}", f"{i + 1}号排污口", "工业", "疑似", f"{glon:.9f}", f"{glat:.9f}"])
    src = write_csv(tmp_path / "outfalls.csv", ["排污口编码", "排污口名称", "排污口类型", "状态", "经度", "纬度"], rows,
                    encoding="gbk")
    with pytest.raises(errors.MissingCRS):
        import_file(workspace, src, "sewage_outfall")  # a table has no CRS: the user must say what it is
    result = import_file(workspace, src, "sewage_outfall", coordinates="GCJ-02")
    assert result.encoding == "gbk" and result.imported == 2 and result.coordinates == "gcj02"
    got = [(r["geometry"].x, r["geometry"].y) for r in layer_rows(workspace, "sewage_outfall")]
    for (lon, lat), (gx, gy) in zip(true_points, got):
        assert gx == pytest.approx(lon, abs=1e-7) and gy == pytest.approx(lat, abs=1e-7)
    names = [r["name"] for r in layer_rows(workspace, "sewage_outfall")]
    assert names == ["1号排污口", "2号排污口"]


def test_bd09_xlsx_points_are_converted(workspace, tmp_path):
    blon, blat = wgs84_to_bd09(106.2, 29.0)
    src = write_xlsx(tmp_path / "intakes.xlsx", ["编码", "名称", "水源类型", "lng", "lat"],
                     [["500199A0010001", "大江一号取水口", "河流", blon, blat]])
    result = import_file(workspace, src, "water_intake", coordinates="bd09")
    point = layer_rows(workspace, "water_intake")[0]["geometry"]
    assert result.imported == 1
    assert point.x == pytest.approx(106.2, abs=1e-6) and point.y == pytest.approx(29.0, abs=1e-6)


def test_gcj02_declared_for_polygons_is_refused(workspace, tmp_path):
    shp = write_shapefile(tmp_path / "hx.shp", [square(106.2, 29.0)], ASCII_REDLINE)
    with pytest.raises(errors.WrongGeometryType, match="GCJ-02"):
        import_file(workspace, shp, "redline", coordinates="gcj02")


def test_gcj02_with_projected_crs_is_refused(workspace, tmp_path):
    src = write_csv(tmp_path / "t.csv", ["编码", "名称", "类型", "状态", "经度", "纬度"],
                    [["P1", "一号", "工业", "疑似", "106.2", "29.0"]])
    with pytest.raises(errors.ConflictingCoordinates, match="GCJ-02 coordinates are longitude/latitude"):
        import_file(workspace, src, "sewage_outfall", coordinates="gcj02", source_crs="EPSG:4544")


def test_row_level_rejections_and_repairs_are_reported(workspace, tmp_path):
    geoms = [square(106.2, 29.0), bow_tie(106.21, 29.0), None, shapely.Polygon(), square(106.23, 29.0),
             square(106.24, 29.0), shapely.LineString([(106.25, 29.0), (106.26, 29.01)])]
    columns = {
        "BSM": ["A1", "A2", "A3", "A4", "A5", "", "A7"],
        "名称": ["好", "蝴蝶结", "无几何", "空几何", "坏类型", "缺编码", "线"],
        "功能类型": ["水源涵养", "水土保持", "水源涵养", "水源涵养", "不存在的类型", "水源涵养", "水源涵养"],
        "版本": ["2020"] * 7,
        "批准日期": ["2020-06-30", "2020年7月1日", "", "", "", "", "not a date"],
    }
    src = write_vector(tmp_path / "mixed.geojson", geoms, columns, driver="GeoJSON")
    report = str(tmp_path / "report.csv")
    result = import_file(workspace, src, "redline", report=report)
    assert result.imported == 2  # rows 1 and 2 (repaired)
    assert [r["bsm"] for r in layer_rows(workspace, "redline")] == ["A1", "A2"]
    assert str(layer_rows(workspace, "redline")[1]["approval_date"]) == "2020-07-01"
    rejected = {(i.row, i.field) for i in result.rejected}
    assert rejected == {(3, "geometry"), (4, "geometry"), (5, "eco_function"), (6, "bsm"), (7, "geometry"),
                        (7, "approval_date")}
    assert [(i.row, i.field) for i in result.repaired] == [(2, "geometry")]
    repaired = layer_rows(workspace, "redline")[1]["geometry"]
    assert repaired.is_valid and repaired.area == pytest.approx(0.001 * 0.001 / 2)
    with open(report, encoding="utf-8-sig") as fh:
        lines = list(csv.DictReader(fh))
    assert len(lines) == len(result.issues)
    reasons = {(int(r["row"]), r["field"]): r for r in lines}
    assert "不存在的类型" in reasons[(5, "eco_function")]["reason"]
    assert "水源涵养" in reasons[(5, "eco_function")]["原因"]  # lists the allowed labels
    assert reasons[(6, "bsm")]["原因"] == "必填字段“标识码”为空"
    assert reasons[(2, "geometry")]["action"] == "repaired"
    assert "Self-intersection" in reasons[(2, "geometry")]["reason"]


def test_wrong_geometry_type_for_whole_file(workspace, tmp_path):
    src = write_vector(tmp_path / "pts.geojson", [shapely.Point(106.2, 29.0)],
                       {k: v[:1] for k, v in REDLINE_COLUMNS.items()}, driver="GeoJSON")
    with pytest.raises(errors.WrongGeometryType, match="holds point geometries but layer 'redline' takes polygon"):
        import_file(workspace, src, "redline")


def test_projects_take_points_lines_and_polygons(workspace, tmp_path):
    geoms = [shapely.Point(106.2, 29.0), shapely.LineString([(106.2, 29.0), (106.21, 29.01)]), square(106.22, 29.0),
             shapely.MultiPoint([(106.2, 29.0), (106.3, 29.0)])]
    src = write_vector(tmp_path / "projects.gpkg", geoms, {
        "项目编码": ["XM1", "XM2", "XM3", "XM4"], "项目名称": ["泵站", "管线", "厂房", "多点"],
        "项目类别": ["供水设施", "线性基础设施", "工业", "其他"], "建设性质": ["新建", "改建", "扩建", "已建"],
        "排污": ["否", "否", "是", "否"],
    }, driver="GPKG")
    result = import_file(workspace, src, "project")
    assert result.imported == 3
    assert [(i.row, i.field) for i in result.rejected] == [(4, "geometry")]
    assert "split" in result.rejected[0].reason
    rows = layer_rows(workspace, "project")
    assert [r["geometry"].geom_type for r in rows] == ["Point", "MultiLineString", "MultiPolygon"]
    assert [r["category"] for r in rows] == ["water_supply", "linear_infrastructure", "industry"]
    assert [r["discharges_pollutants"] for r in rows] == [0, 0, 1]


def test_required_field_without_column_needs_a_constant(workspace, tmp_path):
    columns = {k: v for k, v in REDLINE_COLUMNS.items() if k != "版本"}
    src = write_vector(tmp_path / "hx.geojson", [square(106.2, 29.0), square(106.3, 29.0)], columns, driver="GeoJSON")
    with pytest.raises(errors.FieldMappingError, match=r"Required field 'version'.*--set version=VALUE"):
        import_file(workspace, src, "redline")
    result = import_file(workspace, src, "redline", constants={"version": "2021"})
    assert [r["version"] for r in layer_rows(workspace, "redline")] == ["2021", "2021"]
    assert result.constants == {"version": "2021"}


def test_field_map_override_and_errors(workspace, tmp_path):
    columns = {"ID": ["X1"], "MC": ["红线甲"], "BB": ["2020"], "名称": ["别的名字"]}
    src = write_vector(tmp_path / "hx.geojson", [square(106.2, 29.0)], columns, driver="GeoJSON")
    result = import_file(workspace, src, "redline", field_map={"bsm": "ID", "name": "MC"})
    assert result.field_map["name"] == "MC" and result.field_map["version"] == "BB"
    assert layer_rows(workspace, "redline")[0]["name"] == "红线甲"
    with pytest.raises(errors.FieldMappingError, match="Column 'NOPE'"):
        import_file(workspace, src, "redline", field_map={"bsm": "NOPE"})
    with pytest.raises(errors.FieldMappingError, match="'colour' is not a field of layer 'redline'"):
        import_file(workspace, src, "redline", field_map={"colour": "ID"})


def test_auto_mapping_uses_aliases_and_synonyms():
    lt = LAYER_TYPES["sewage_outfall"]
    mapping = plan_field_map(["排口编码", "排污口名称", "Outfall type", "受纳水体", "状态", "其他"], lt)
    assert mapping == {"outfall_code": "排口编码", "name": "排污口名称", "outfall_type": "Outfall type",
                       "receiving_water": "受纳水体", "status": "状态"}


def test_strict_mode_imports_nothing(workspace, tmp_path):
    columns = dict(REDLINE_COLUMNS, 功能类型=["水源涵养", "火星"])
    src = write_vector(tmp_path / "hx.geojson", [square(106.2, 29.0), square(106.3, 29.0)], columns, driver="GeoJSON")
    before = digest(workspace)
    with pytest.raises(errors.RowsRejectedStrict, match="1 rows were rejected"):
        import_file(workspace, src, "redline", strict=True, report=str(tmp_path / "r.csv"))
    assert digest(workspace) == before
    assert (tmp_path / "r.csv").exists()


def test_dry_run_writes_only_the_report(workspace, tmp_path):
    src = write_vector(tmp_path / "hx.geojson", [square(106.2, 29.0), square(106.3, 29.0)], REDLINE_COLUMNS,
                       driver="GeoJSON")
    before = digest(workspace)
    result = import_file(workspace, src, "redline", dry_run=True, report=str(tmp_path / "r.csv"))
    assert result.imported == 0 and result.total - result.rejected_rows == 2
    assert digest(workspace) == before


def test_failure_mid_write_leaves_workspace_unchanged(workspace, tmp_path, monkeypatch):
    """GDAL fails on the last feature after writing the others: the transaction rolls back."""
    import green_shield.core.workspace as ws

    import_file(workspace, write_vector(tmp_path / "a.geojson", [square(106.1, 29.0)],
                                        {k: v[:1] for k, v in REDLINE_COLUMNS.items()}, driver="GeoJSON"), "redline")
    before = digest(workspace)
    n = 50
    src = write_vector(tmp_path / "many.geojson", [square(106.2 + i * 0.002, 29.0) for i in range(n)], {
        "BSM": [f"B{i}" for i in range(n)], "名称": ["红线"] * n, "版本": ["2020"] * n}, driver="GeoJSON")
    real_to_wkb = shapely.to_wkb

    def corrupt_last(geoms, **kwargs):
        out = np.array(real_to_wkb(geoms, **kwargs), dtype=object)
        out[-1] = b"\x01\x03\x00\x00\x00garbage"
        return out

    monkeypatch.setattr(ws.shapely, "to_wkb", corrupt_last)
    with pytest.raises(errors.WriteFailed, match="left exactly as it was"):
        import_file(workspace, src, "redline")
    monkeypatch.undo()
    assert open_workspace(workspace).layers["redline"] == 1
    assert [r["bsm"] for r in layer_rows(workspace, "redline")] == ["5001992020000001"]
    assert digest(workspace) == before


def test_cancel_writes_nothing(workspace, tmp_path):
    src = write_vector(tmp_path / "hx.geojson", [square(106.2, 29.0), square(106.3, 29.0)], REDLINE_COLUMNS,
                       driver="GeoJSON")
    with pytest.raises(ImportCanceled):
        import_file(workspace, src, "redline", is_canceled=lambda: True)
    assert open_workspace(workspace).layers["redline"] == 0


def test_empty_and_all_rejected_inputs(workspace, tmp_path):
    empty = write_vector(tmp_path / "empty.gpkg", [], {"BSM": [], "名称": [], "版本": []}, driver="GPKG",
                         geometry_type="Polygon")
    with pytest.raises(errors.EmptyInput, match="contains no features"):
        import_file(workspace, empty, "redline")
    bad = write_vector(tmp_path / "bad.geojson", [None, None], REDLINE_COLUMNS, driver="GeoJSON")
    with pytest.raises(errors.AllRowsRejected, match="All 2 rows"):
        import_file(workspace, bad, "redline")
    assert open_workspace(workspace).layers["redline"] == 0


def test_missing_file_and_unreadable_file(workspace, tmp_path):
    with pytest.raises(errors.InputNotFound):
        import_file(workspace, str(tmp_path / "nope.shp"), "redline")
    junk = tmp_path / "junk.geojson"
    junk.write_text("this is not json")
    with pytest.raises(errors.UnreadableInput, match="Cannot read"):
        import_file(workspace, str(junk), "redline")


def test_table_without_coordinates(workspace, tmp_path):
    src = write_csv(tmp_path / "t.csv", ["编码", "名称"], [["A", "B"]])
    with pytest.raises(errors.MissingCoordinateColumns, match="--x-field"):
        import_file(workspace, src, "sewage_outfall", source_crs="EPSG:4490")


def test_wrongly_declared_crs_gives_out_of_range_rows(workspace, tmp_path):
    """Gauss-Krüger metres declared as longitude/latitude are caught, not written."""
    src = write_csv(tmp_path / "t.csv", ["编码", "名称", "类型", "状态", "x", "y"],
                    [["P1", "一号", "工业", "疑似", "519000.5", "3208000.2"],
                     ["P2", "二号", "工业", "疑似", "106.2", "29"]])
    result = import_file(workspace, src, "sewage_outfall", source_crs="EPSG:4490")
    assert result.imported == 1
    assert result.rejected[0].row == 1 and "source CRS" in result.rejected[0].reason


def test_not_a_workspace(tmp_path):
    src = write_vector(tmp_path / "hx.geojson", [square(106.2, 29.0)], {k: v[:1] for k, v in REDLINE_COLUMNS.items()},
                       driver="GeoJSON")
    with pytest.raises(errors.NotAWorkspace):
        import_file(str(tmp_path / "missing.gpkg"), src, "redline")


def test_cli_import_reports_and_exits_nonzero_on_refusal(workspace, tmp_path):
    import subprocess
    import sys

    shp = write_shapefile(tmp_path / "hx.shp", [square(106.2, 29.0), bow_tie(106.3, 29.0)], REDLINE_COLUMNS,
                          encoding="GBK", keep_cpg=False)
    cli = [sys.executable, "-m", "green_shield.core.cli"]
    run = subprocess.run(cli + ["import", shp, "-w", workspace, "-t", "redline", "--report", str(tmp_path / "r.csv")],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "imported 2 of 2 rows; rejected 0; repaired 1" in run.stdout
    assert "encoding GBK" in run.stdout
    noprj = write_shapefile(tmp_path / "noprj.shp", [square(106.2, 29.0)], ASCII_REDLINE, crs=None)
    run = subprocess.run(cli + ["--lang", "zh", "import", noprj, "-w", workspace, "-t", "redline"],
                         capture_output=True, text=True)
    assert run.returncode == 2 and "[missing_crs]" in run.stderr and "坐标参照系" in run.stderr
