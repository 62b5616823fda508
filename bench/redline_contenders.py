"""One red-line diff contender on one dataset, in its own process.

    python -m green_shield.bench.redline_contenders NAME GPKG

GPKG holds the layers ``old`` and ``new`` (bench/redline.py). Each contender reads both and
finds the total area added (in NEW only) and removed (in OLD only). The last line on stdout is
JSON: ``seconds`` = wall time from the first read of the file to the answer in memory (QGIS's
initialisation and library imports excluded), ``cpu_seconds`` over the same span, ``peak_mib`` =
VmHWM at the end, ``added_m2`` and ``removed_m2``.

Run it from a folder without a ``processing`` folder (the driver uses build/bench).
"""

from __future__ import annotations

import json
import os
import sys
import time

from green_shield.bench.contenders import _cpu_seconds, _peak_mib, _qgis_app

NEW_PREFIX = "new_"


def green_shield(path: str) -> dict:
    """load_version both layers, then diff_redlines with tolerance 0 and minimum area 0: every difference counts."""
    import shapely

    from green_shield.core.redline_diff import diff_redlines
    from green_shield.core.screening_io import load_version

    old, _ = load_version(f"{path}:old")
    new, _ = load_version(f"{path}:new")
    diff = diff_redlines(old, new, tolerance_m=0.0, min_area_m2=0.0, match_field="bsm", by_field="xzqmc",
                         planar_crs="EPSG:4544")
    total = diff.total
    counts = {c: len(diff.of(c)) for c in ("added", "removed", "noise")}
    return {"added_m2": total.added_m2, "removed_m2": total.removed_m2, "noise_m2": total.noise_m2,
            "pieces": counts, "versions": {"shapely": shapely.__version__, "GEOS": shapely.geos_version_string}}


def qgis(path: str) -> dict:
    """native:symmetricaldifference(OLD, NEW) + native:detectvectorchanges(OLD, NEW), both to memory layers."""
    from qgis.core import NULL, Qgis, QgsCoordinateReferenceSystem, QgsProject, QgsVectorLayer

    import processing

    project = QgsProject.instance()
    project.setCrs(QgsCoordinateReferenceSystem("EPSG:4544"))
    project.setEllipsoid("NONE")
    started = time.perf_counter()
    old = QgsVectorLayer(f"{path}|layername=old", "old", "ogr")
    new = QgsVectorLayer(f"{path}|layername=new", "new", "ogr")
    for layer in (old, new):
        if not layer.isValid():
            raise SystemExit(f"QGIS cannot open {layer.source()}")
    sym = processing.run("native:symmetricaldifference",
                         {"INPUT": old, "OVERLAY": new, "OVERLAY_FIELDS_PREFIX": NEW_PREFIX,
                          "OUTPUT": "memory:"})["OUTPUT"]
    changes = processing.run("native:detectvectorchanges",
                             {"ORIGINAL": old, "REVISED": new, "COMPARE_ATTRIBUTES": [], "MATCH_TYPE": 0,
                              "UNCHANGED": "memory:", "ADDED": "memory:", "DELETED": "memory:"})
    i_old, i_new = sym.fields().indexOf("bsm"), sym.fields().indexOf(NEW_PREFIX + "bsm")
    if i_old < 0 or i_new < 0:
        raise SystemExit(f"symmetric difference output lacks bsm / {NEW_PREFIX}bsm: {sym.fields().names()}")
    added = removed = 0.0
    pieces = {"added": 0, "removed": 0}
    for f in sym.getFeatures():
        a_old, a_new = f.attribute(i_old), f.attribute(i_new)
        from_old = a_old is not None and a_old != NULL
        from_new = a_new is not None and a_new != NULL
        if from_old == from_new:
            raise SystemExit(f"symmetric difference piece with old={a_old!r} new={a_new!r}")
        area = f.geometry().area()
        if from_new:
            added += area
            pieces["added"] += 1
        else:
            removed += area
            pieces["removed"] += 1
    counts = {k: int(changes[f"{k.upper()}_COUNT"]) for k in ("unchanged", "added", "deleted")}
    return {"added_m2": added, "removed_m2": removed, "pieces": pieces, "detectvectorchanges": counts,
            "timed_from": started, "versions": {"QGIS": Qgis.QGIS_VERSION}}


def geopandas(path: str) -> dict:
    """gpd.read_file (pyogrio) both layers, gpd.overlay(how="symmetric_difference"), areas by source."""
    import geopandas as gpd
    import shapely

    old = gpd.read_file(path, layer="old", engine="pyogrio")[["bsm", "geometry"]]
    new = gpd.read_file(path, layer="new", engine="pyogrio")[["bsm", "geometry"]]
    new = new.rename(columns={"bsm": NEW_PREFIX + "bsm"})
    sym = gpd.overlay(old, new, how="symmetric_difference", keep_geom_type=True)
    area = sym.geometry.area.to_numpy()
    from_old = sym["bsm"].notna().to_numpy()
    from_new = sym[NEW_PREFIX + "bsm"].notna().to_numpy()
    if (from_old == from_new).any():
        raise SystemExit("geopandas: a symmetric difference piece from both or neither layer")
    return {"added_m2": float(area[from_new].sum()), "removed_m2": float(area[from_old].sum()),
            "pieces": {"added": int(from_new.sum()), "removed": int(from_old.sum())},
            "versions": {"geopandas": gpd.__version__, "shapely": shapely.__version__}}


CONTENDERS = {"green_shield": green_shield, "qgis": qgis, "geopandas": geopandas}


def _import_for(name: str):
    if name == "qgis":
        return _qgis_app()
    if name == "geopandas":
        import geopandas  # noqa: F401
    else:
        import green_shield.core.redline_diff  # noqa: F401
        import green_shield.core.screening_io  # noqa: F401
    return None


def main(argv: list[str] | None = None) -> None:
    name, path = argv or sys.argv[1:]
    app = _import_for(name)
    cpu = _cpu_seconds()
    started = time.perf_counter()
    answer = CONTENDERS[name](os.path.abspath(path))
    started = answer.pop("timed_from", started)
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu
    if app is not None:
        app.exitQgis()
    print(json.dumps({"contender": name, "seconds": seconds, "cpu_seconds": cpu, "peak_mib": _peak_mib(), **answer},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
