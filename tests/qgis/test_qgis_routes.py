"""greenshield:planroutes through processing: outputs, styles by team, roads, selections and errors."""

import pytest
import shapely
from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsFeature,
    QgsGeometry,
    QgsPointXY,
    QgsProcessingException,
    QgsProcessingFeatureSourceDefinition,
    QgsVectorLayer,
)

from builders import write_vector
from green_shield.core.sample_district import build_sample_district

GK = "EPSG:4544"
X0, Y0 = 500_000.0, 3_200_000.0


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("routes_qgis") / "d.gpkg")
    build_sample_district(path)
    return path


def _memory_cases(n: int = 18) -> QgsVectorLayer:
    layer = QgsVectorLayer(f"Point?crs={GK}&field=case_id:string&field=target_type:string&field=priority:string"
                           "&field=target_name:string&field=status:string", "cases", "memory")
    features = []
    for i in range(n):
        feature = QgsFeature(layer.fields())
        x, y = X0 + (i % 6) * 2500 - 6000, Y0 + (i // 6) * 3000 - 3000
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
        feature.setAttributes([f"AJ{i:02d}", ("enterprise", "outfall", "plot")[i % 3], ("high", "medium", "低")[i % 3],
                               f"对象{i}", "closed" if i == n - 1 else "pending"])
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


def test_plan_routes_writes_styled_stops_and_routes(provider, project):
    import processing

    layer = _memory_cases()
    result = processing.runAndLoadResults("greenshield:planroutes", {
        "INPUT": layer, "START": f"{X0},{Y0} [{GK}]", "TEAMS": "一组,二组", "DAYS": 3, "START_DATE": "2026-12-01",
        "STOPS": "TEMPORARY_OUTPUT", "ROUTES": "TEMPORARY_OUTPUT", "UNSCHEDULED": "TEMPORARY_OUTPUT"})
    assert result["SCHEDULED"] == 17  # the closed case is not planned
    assert result["N_UNSCHEDULED"] == 0 and result["TEAM_DAYS"] >= 2 and result["DISTANCE_KM"] > 0
    stops = project.mapLayer(result["STOPS"])
    routes = project.mapLayer(result["ROUTES"])
    rows = [f.attributes() for f in stops.getFeatures()]
    names = stops.fields().names()
    assert names[:6] == ["case_id", "team", "day", "date", "sequence", "eta"]
    assert {r[names.index("team")] for r in rows} == {"一组", "二组"}
    assert all(r[names.index("date")].startswith("2026-12-0") for r in rows)
    assert "AJ17" not in {r[0] for r in rows}
    for layer_, kind in ((stops, "stops"), (routes, "routes")):
        renderer = layer_.renderer()
        assert isinstance(renderer, QgsCategorizedSymbolRenderer), kind
        assert renderer.classAttribute() == "team"
        assert [c.value() for c in renderer.categories()] == ["一组", "二组"]
    colours = [c.symbol().color().name() for c in stops.renderer().categories()]
    assert colours == [c.symbol().color().name() for c in routes.renderer().categories()]
    assert len(set(colours)) == 2
    assert stops.labelsEnabled() and stops.labeling().settings().fieldName == "sequence"
    for feature in routes.getFeatures():
        assert feature["total_min"] <= 480 and feature["n_stops"] > 0
        assert feature.geometry().constGet().startPoint().x() == pytest.approx(X0)


def test_selected_features_only_and_a_road_network(provider, project, tmp_path):
    import processing

    layer = _memory_cases(6)
    layer.selectByIds([f.id() for f in layer.getFeatures()][:3])
    north = shapely.LineString([(X0 - 8000, Y0 - 3000), (X0 + 8000, Y0 - 3000)])
    road = shapely.LineString([(X0, Y0 - 3000), (X0, Y0)])
    roads = write_vector(tmp_path / "roads.gpkg", [north, road], {"name": ["县道", "支路"]}, crs=GK, driver="GPKG")
    project.addMapLayer(layer)
    result = processing.run("greenshield:planroutes", {
        "INPUT": QgsProcessingFeatureSourceDefinition(layer.id(), True),
        "START": f"{X0},{Y0} [{GK}]", "TEAMS": "1", "ROADS": roads,
        "STOPS": "TEMPORARY_OUTPUT", "ROUTES": "TEMPORARY_OUTPUT"})
    assert result["SCHEDULED"] == 3
    (route,) = list(result["ROUTES"].getFeatures())
    line = shapely.from_wkb(bytes(route.geometry().asWkb()))
    assert line.distance(shapely.Point(X0 - 3000, Y0 - 3000)) < 1  # along the county road
    assert route["metric"] == "road"
    assert route["distance_km"] == pytest.approx(2 * (3 + 6), abs=0.01)


def test_a_register_without_target_types_takes_the_default(provider, project, district):
    import processing

    outfalls = QgsVectorLayer(f"{district}|layername=sewage_outfall", "outfalls", "ogr")
    with pytest.raises(QgsProcessingException, match="target type"):
        processing.run("greenshield:planroutes", {"INPUT": outfalls, "START": "106.2,29.0 [EPSG:4490]",
                                                  "STATUSES": "", "STOPS": "TEMPORARY_OUTPUT",
                                                  "ROUTES": "TEMPORARY_OUTPUT"})
    result = processing.run("greenshield:planroutes", {
        "INPUT": outfalls, "START": "106.2,29.0 [EPSG:4490]", "DEFAULT_TYPE": 2,  # status: the register's own
        "ID_FIELD": "outfall_code", "TEAMS": "2", "STOPS": "TEMPORARY_OUTPUT", "ROUTES": "TEMPORARY_OUTPUT"})
    assert result["SCHEDULED"] == 25
    ids = {f["case_id"] for f in result["STOPS"].getFeatures()}
    assert "500199-PK-001" in ids


def test_a_start_in_the_wrong_place_is_refused(provider, project):
    import processing

    with pytest.raises(QgsProcessingException, match="start point"):
        processing.run("greenshield:planroutes", {
            "INPUT": _memory_cases(), "START": "29.0,106.2 [EPSG:4490]",
            "STOPS": "TEMPORARY_OUTPUT", "ROUTES": "TEMPORARY_OUTPUT"})
