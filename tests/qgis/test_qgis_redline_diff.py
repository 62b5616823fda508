"""greenshield:redlinediff through processing, on files, with the report."""

import pytest
import shapely
from qgis.core import QgsProcessingException, QgsVectorLayer

from builders import write_vector

GK = "EPSG:4544"
X0, Y0 = 600000.0, 3200000.0


def _box(x, w=1000.0):
    return shapely.MultiPolygon([shapely.box(X0 + x, Y0, X0 + x + w, Y0 + 1000)])


def test_redline_diff_algorithm(provider, project, tmp_path):
    import processing

    old = write_vector(tmp_path / "old.gpkg", [_box(0), _box(2000), _box(5000)],
                       {"BSM": ["A", "B", "C"], "XZQMC": ["甲", "乙", "乙"]}, crs=GK, driver="GPKG")
    new = write_vector(tmp_path / "new.gpkg", [_box(0), _box(2000, 800), None, _box(9000, 1500)],
                       {"BSM": ["A", "B", "C", "E"], "XZQMC": ["甲", "乙", "乙", "丙"],
                        "reason": ["", "边界修正", "退出", "新增"]}, crs=GK, driver="GPKG")
    out = str(tmp_path / "diff.gpkg")
    report = str(tmp_path / "report.html")
    result = processing.runAndLoadResults("greenshield:redlinediff", {"OLD": old, "NEW": new, "OUTPUT": out,
                                                                      "REPORT": report})
    assert result["ADDED_M2"] == pytest.approx(1_500_000)
    assert result["REMOVED_M2"] == pytest.approx(1_200_000)
    assert result["NET_M2"] == pytest.approx(300_000)
    assert result["FLAGGED"] == 0  # every removal has a reason; no workspace, so no zone checks
    changes = QgsVectorLayer(f"{out}|layername=changes", "c", "ogr")
    classes = sorted(f["change"] for f in changes.getFeatures())
    assert classes == ["added", "kept", "kept", "removed", "removed"]
    assert (tmp_path / "report.pdf").read_bytes()[:5] == b"%PDF-"
    loaded = [layer for layer in project.mapLayers().values() if layer.name() == "Red-line changes"]
    assert loaded and loaded[0].renderer().classAttribute() == "change"
    assert "生态保护红线评估调整比对报告" in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_memory_layers_are_refused_with_a_message(provider, project, tmp_path):
    import processing

    memory = QgsVectorLayer(f"MultiPolygon?crs={GK}", "草图", "memory")
    with pytest.raises(QgsProcessingException, match="not stored in a file"):
        processing.run("greenshield:redlinediff", {"OLD": memory, "NEW": memory, "OUTPUT": str(tmp_path / "x.gpkg")})
