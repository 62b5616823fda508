"""greenshield:randomdraw through processing, on the sample district: targets, inspectors, record, cases."""

import json
import pathlib

import pytest
from qgis.core import QgsProcessingException, QgsVectorLayer, QgsWkbTypes

from builders import write_csv

SEED = "20261129"


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    from green_shield.core.sample_district import build_sample_district
    from green_shield.core.sample_supervision import write_roster_csv

    folder = tmp_path_factory.mktemp("draw")
    path = str(folder / "d.gpkg")
    build_sample_district(path)
    write_roster_csv(str(folder / "d_roster.csv"))
    return path


def _params(ws, tmp_path, **extra):
    params = {"LIST": f"{ws}|layername=supervised_entity", "ROSTER": f"{ws}|layername=sample_roster", "SEED": SEED,
              "PERIOD": "2026Q4", "OUTPUT": str(tmp_path / "drawn.gpkg"), "RECORD_JSON": str(tmp_path / "draw.json"),
              "RECORD_HTML": str(tmp_path / "draw.html")}
    params.update(extra)
    return params


def test_random_draw_on_the_sample_district(provider, project, district, tmp_path):
    import processing
    from green_shield.core.draw import run_draw, verify_record

    ws = str(tmp_path / "ws.gpkg")
    pathlib.Path(ws).write_bytes(pathlib.Path(district).read_bytes())
    cases = pytest.importorskip("green_shield.core.cases")
    with_cases = hasattr(cases, "upsert_cases")
    result = processing.run("greenshield:randomdraw", _params(ws, tmp_path, WORKSPACE=ws if with_cases else None))
    assert result["DRAWN"] == 33 and result["SEED_USED"] == SEED and result["DRAW_ID"] == f"DRAW-2026Q4-{SEED}"

    layer = QgsVectorLayer(result["OUTPUT"], "drawn", "ogr")
    assert layer.isValid() and layer.featureCount() == 33
    assert QgsWkbTypes.geometryType(layer.wkbType()) == QgsWkbTypes.PointGeometry
    assert layer.crs().authid() == "EPSG:4490"
    features = list(layer.getFeatures())
    for f in features:
        ids = f["inspector_ids"].split(";")
        assert len(set(ids)) == 2 and f["team"] and not f.geometry().isNull()
    pools = {}
    for f in features:
        pools[f["pool"]] = pools.get(f["pool"], 0) + 1
    assert pools == {"key": 7, "general": 6, "special": 20}  # ceil(25 %) of 24 + ceil(12.5 %) of 6, …

    # the same draw as the command line's, and the record re-runs to the identical result
    core = run_draw(f"{district}:supervised_entity", f"{district}:sample_roster", seed=SEED, period="2026Q4")
    record = json.loads(pathlib.Path(result["RECORD_JSON"]).read_text(encoding="utf-8"))
    assert [r["entity_id"] for r in record["result"]] == [t.entity.entity_id for t in core.result.targets]
    assert record["seed"] == int(SEED) and record["pools"]["special"]["size"] == 20
    assert verify_record(result["RECORD_JSON"]).ok
    html = pathlib.Path(result["RECORD_HTML"]).read_text(encoding="utf-8")
    assert "双随机" in html and SEED in html

    if with_cases:
        assert result["CASES_CREATED"] == 33
        ledger = QgsVectorLayer(f"{ws}|layername=inspection_case", "cases", "ogr")
        sources = {f["source"] for f in ledger.getFeatures()}
        assert ledger.featureCount() == 33 and sources == {"random_draw"}


def test_a_csv_roster_a_table_list_and_a_generated_seed(provider, project, district, tmp_path):
    import processing

    roster = QgsVectorLayer(f"file://{district.replace('.gpkg', '_roster.csv')}?delimiter=,", "roster",
                            "delimitedtext")
    assert roster.isValid() and roster.featureCount() == 12
    listed = write_csv(tmp_path / "list.csv", ["entity_id", "name", "pool"],
                       [[f"E{i}", f"单位{i}", "重点排污单位" if i < 8 else "特殊监管对象"] for i in range(10)])
    result = processing.run("greenshield:randomdraw", _params(None, tmp_path, LIST=listed, ROSTER=roster, SEED="",
                                                              RATIO_KEY=50, PER_TARGET=3))
    assert result["SEED_USED"] and int(result["SEED_USED"]) >= 0
    record = json.loads(pathlib.Path(result["RECORD_JSON"]).read_text(encoding="utf-8"))
    assert record["seed_source"] == "generated" and str(record["seed"]) == result["SEED_USED"]
    assert record["parameters"]["ratios"]["key"] == 50 and record["parameters"]["per_target"] == 3
    layer = QgsVectorLayer(result["OUTPUT"], "drawn", "ogr")
    assert layer.featureCount() == 4 + 2 and not layer.isSpatial()
    assert all(len(set(f["inspector_ids"].split(";"))) == 3 for f in layer.getFeatures())


def test_bad_input_is_a_clear_message(provider, project, district, tmp_path):
    import processing

    roster = write_csv(tmp_path / "one.csv", ["name", "id", "unit", "team"], [["张三", "A1", "支队", "一组"]])
    with pytest.raises(QgsProcessingException, match="2 different inspectors"):
        processing.run("greenshield:randomdraw", _params(district, tmp_path, ROSTER=roster))
    memory = QgsVectorLayer("Point?crs=EPSG:4490&field=entity_id:string", "草稿", "memory")
    with pytest.raises(QgsProcessingException, match="not stored in a file"):
        processing.run("greenshield:randomdraw", _params(district, tmp_path, LIST=memory))


def test_a_csv_list_with_coordinates_gives_points(provider, project, district, tmp_path):
    import processing

    listed = write_csv(tmp_path / "list.csv", ["监管对象编码", "单位名称", "监管类别", "经度", "纬度"],
                       [[f"E{i}", f"单位{i}", "特殊监管对象", f"{106.1 + i / 100:.2f}", "29.05"] for i in range(5)])
    result = processing.run("greenshield:randomdraw", _params(district, tmp_path, LIST=listed))
    layer = QgsVectorLayer(result["OUTPUT"], "drawn", "ogr")
    assert layer.featureCount() == 5 and layer.crs().authid() == "EPSG:4490"
    xs = sorted(round(f.geometry().asPoint().x(), 2) for f in layer.getFeatures())
    assert xs == [106.1, 106.11, 106.12, 106.13, 106.14]


def test_outputs_never_replace_the_workspace_or_an_input(provider, project, district, tmp_path):
    import processing
    from green_shield.core.workspace import open_workspace

    ws = str(tmp_path / "ws.gpkg")
    pathlib.Path(ws).write_bytes(pathlib.Path(district).read_bytes())
    for output in (ws, f"{ws}|layername=drawn", f"ogr:dbname='{ws}' table=\"drawn\" (geom)"):
        with pytest.raises(QgsProcessingException, match="is a Green Shield workspace"):
            processing.run("greenshield:randomdraw", _params(ws, tmp_path, OUTPUT=output))
    with pytest.raises(QgsProcessingException, match="is a Green Shield workspace"):
        processing.run("greenshield:randomdraw", _params(district, tmp_path, RECORD_JSON=ws))
    assert open_workspace(ws).layers["supervised_entity"] == 150
    listed = write_csv(tmp_path / "list.csv", ["entity_id", "name", "pool"], [["E1", "甲", "特殊监管对象"]])
    before = pathlib.Path(listed).read_bytes()
    with pytest.raises(QgsProcessingException, match="is the supervision list this draw reads"):
        processing.run("greenshield:randomdraw", _params(district, tmp_path, LIST=listed, OUTPUT=listed))
    assert pathlib.Path(listed).read_bytes() == before
    assert not (tmp_path / "draw.json").exists() and not (tmp_path / "drawn.gpkg").exists()


def test_a_wrong_workspace_or_period_writes_nothing(provider, project, district, tmp_path):
    import processing

    with pytest.raises(QgsProcessingException, match="not a Green Shield workspace"):
        processing.run("greenshield:randomdraw", _params(district, tmp_path, WORKSPACE=str(tmp_path / "nonexist.gpkg")))
    with pytest.raises(QgsProcessingException, match="'2026Q5' is not a period"):
        processing.run("greenshield:randomdraw", _params(district, tmp_path, PERIOD="2026Q5"))
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_no_record_replaces_another_draws_record(provider, project, district, tmp_path):
    import processing

    result = processing.run("greenshield:randomdraw", _params(district, tmp_path, PERIOD="2026年第一季度"))
    assert result["DRAW_ID"] == f"DRAW-2026Q1-{SEED}"
    record = pathlib.Path(result["RECORD_JSON"])
    kept = record.read_bytes()
    with pytest.raises(QgsProcessingException, match="is never replaced"):
        processing.run("greenshield:randomdraw", _params(district, tmp_path, PERIOD="2026年第一季度", SEED="1"))
    assert record.read_bytes() == kept
    again = processing.run("greenshield:randomdraw", _params(district, tmp_path, PERIOD="2026Q1"))
    assert again["DRAW_ID"] == result["DRAW_ID"]  # the same draw again may write its record again
    assert not [p.name for p in tmp_path.iterdir() if ".partial-" in p.name]
