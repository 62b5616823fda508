"""Screening in QGIS: the algorithm, styled results, and areas equal to native:calculatevectoroverlaps."""

import pytest
import shapely
from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsCoordinateReferenceSystem,
    QgsDistanceArea,
    QgsGeometry,
    QgsProject,
    QgsVectorLayer,
)

from builders import write_vector
from green_shield.core.rules import load_rulebook
from green_shield.core.sample_district import build_sample_district
from green_shield.core.screening import PROTECTED_TYPES, ScreeningOptions, reproject, screen
from green_shield.core.screening_io import load_projects, load_protected


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("screen") / "sample.gpkg")
    build_sample_district(path)
    return path


def test_areas_equal_native_calculatevectoroverlaps(qgis_app, sample, tmp_path):
    """Same data, same projected CRS (EPSG:4544): relative difference below 1e-6."""
    import processing

    projects, _ = load_projects(sample, None)
    protected, _ = load_protected(sample)
    result = screen(projects, protected, load_rulebook(), ScreeningOptions(planar_crs="EPSG:4544"))
    planar = reproject(projects.geometries, projects.crs, "EPSG:4544")
    polygons = [i for i, g in enumerate(planar) if g.geom_type == "MultiPolygon" and g.is_valid]
    src = write_vector(tmp_path / "projects.gpkg", [planar[i] for i in polygons],
                       {"idx": [str(i) for i in polygons]}, crs="EPSG:4544", driver="GPKG",
                       geometry_type="MultiPolygon")
    layers = []
    for zone_set in protected:
        zones = reproject(zone_set.geometries, zone_set.crs, "EPSG:4544")
        path = write_vector(tmp_path / f"{zone_set.key}.gpkg", list(zones), {"fid_": [str(f) for f in zone_set.fids]},
                            crs="EPSG:4544", driver="GPKG", layer=zone_set.key, geometry_type="MultiPolygon")
        layers.append(f"{path}|layername={zone_set.key}")
    out = processing.run("native:calculatevectoroverlaps", {
        "INPUT": f"{src}|layername=projects", "LAYERS": layers, "OUTPUT": "memory:"})["OUTPUT"]
    # QGIS measures planar areas with a shoelace sum on the raw coordinates (x ≈ 6e5, y ≈ 3.2e6 m here),
    # which rounds to about 1e-4 m²; GEOS, which Green Shield uses, removes that offset first. Where the
    # two differ by more than 1e-6 relative, QGIS's own measureArea of OUR overlap gives exactly its
    # figure: the overlay agrees and the residual is QGIS's arithmetic.
    da = QgsDistanceArea()
    da.setSourceCrs(QgsCoordinateReferenceSystem("EPSG:4544"), QgsProject.instance().transformContext())
    compared = rounding = 0
    for feature in out.getFeatures():
        mine = result.projects[int(feature["idx"])]
        for key in PROTECTED_TYPES:
            native = feature[f"{key}_area"]
            ours = mine.overlap_by_type.get(key, 0.0)
            if native < 1.0:  # the rulebook's sliver threshold: smaller overlaps are "touching"
                assert ours == 0.0, (mine.code, key, ours, native)
                continue
            compared += 1
            if abs(ours - native) > 1e-6 * native:
                pieces = [c.geometry for c in result.conflicts if c.project == mine.index and c.zone_type == key
                          and c.relation in ("inside", "crossing")]
                piece = shapely.union_all(pieces) if len(pieces) > 1 else pieces[0]
                assert da.measureArea(QgsGeometry.fromWkt(piece.wkt)) == pytest.approx(native, rel=1e-9)
                assert abs(ours - native) < 1e-3, (mine.code, key, ours, native)
                rounding += 1
    assert compared >= 40
    assert rounding <= compared // 4


def test_screen_algorithm_loads_styled_results(provider, project, sample, tmp_path):
    import processing

    out = str(tmp_path / "screened.gpkg")
    result = processing.runAndLoadResults("greenshield:screenprojects", {"WORKSPACE": sample, "OUTPUT": out,
                                                                         "REPORT": str(tmp_path / "report.html")})
    direct = screen(*[load_projects(sample, None)[0], load_protected(sample)[0], load_rulebook()])
    assert {k: result[k] for k in ("PROHIBITED", "CONDITIONAL", "REVIEW", "CLEAR")} == direct.counts()
    loaded = {layer.name(): layer for layer in project.mapLayers().values()}
    flagged = [layer for name, layer in loaded.items() if name.startswith("Screened projects")]
    assert flagged and sum(layer.featureCount() for layer in flagged) == 300
    for layer in flagged:
        renderer = layer.renderer()
        assert isinstance(renderer, QgsCategorizedSymbolRenderer) and renderer.classAttribute() == "verdict"
        assert [c.label() for c in renderer.categories()][0] == "禁止（PROHIBITED）"
    conflicts = QgsVectorLayer(f"{out}|layername=conflicts", "c", "ogr")
    assert conflicts.featureCount() == len(direct.conflicts)
    assert (tmp_path / "report.html").exists() and (tmp_path / "report.pdf").exists()


def test_screen_algorithm_with_a_replacement_layer(provider, project, sample, tmp_path):
    """A protected layer given in QGIS replaces the workspace's layer of that type."""
    import processing

    protected, _ = load_protected(sample)
    red = next(p for p in protected if p.key == "redline")
    one = write_vector(tmp_path / "red.gpkg", list(red.geometries[:1]),
                       {"BSM": [red.attributes["bsm"][0]], "名称": ["一块"], "版本": ["2021"]}, driver="GPKG",
                       geometry_type="MultiPolygon")
    out = str(tmp_path / "replaced.gpkg")
    processing.run("greenshield:screenprojects", {"WORKSPACE": sample, "REDLINE": one, "OUTPUT": out})
    zones = {f["zone_fid"] for f in QgsVectorLayer(f"{out}|layername=conflicts", "c", "ogr").getFeatures()
             if f["zone_type"] == "redline"}
    assert zones == {1}


def test_screen_a_layer_drawn_in_qgis(provider, project, sample, tmp_path):
    """An unsaved memory layer with Chinese column names and NULLs screens like a file."""
    from qgis.core import QgsFeature, QgsField
    from qgis.PyQt.QtCore import QVariant

    import processing

    protected, _ = load_protected(sample)
    level1 = next(p for p in protected if p.key == "water_source_zone")
    i = next(k for k, level in enumerate(level1.attributes["level"]) if level == "level1")
    inside = level1.geometries[i].representative_point()
    layer = QgsVectorLayer("Point?crs=EPSG:4490", "草图", "memory")
    layer.dataProvider().addAttributes([QgsField("项目编码", QVariant.String), QgsField("项目名称", QVariant.String),
                                        QgsField("项目类别", QVariant.String), QgsField("建设性质", QVariant.String)])
    layer.updateFields()
    for code, category in (("CG-1", "工业"), ("CG-2", None)):
        feature = QgsFeature(layer.fields())
        feature.setAttributes([code, "草图项目", category, "新建"])
        feature.setGeometry(QgsGeometry.fromWkt(inside.wkt))
        layer.dataProvider().addFeature(feature)
    out = str(tmp_path / "sketch.gpkg")
    result = processing.run("greenshield:screenprojects", {"WORKSPACE": sample, "PROJECTS": layer, "OUTPUT": out})
    verdicts = {f["project_code"]: f["verdict"]
                for f in QgsVectorLayer(f"{out}|layername=flagged_projects", "f", "ogr").getFeatures()}
    assert verdicts["CG-1"] == "PROHIBITED"  # industry, new, in a level-1 zone: art. 65
    assert verdicts["CG-2"] != "CLEAR"  # unknown category inside level 1: never silently clear
    assert result["PROHIBITED"] >= 1
