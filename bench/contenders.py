"""One contender on one dataset, in its own process: ``python -m green_shield.bench.contenders NAME GPKG OUT.npz``.

Each contender reads the dataset's GeoPackage, finds for every project its overlap area (m²) with
each of the four protected types, applies the sliver rule (an overlap below 1 m², the rulebook's
sliver_m2, counts as none) and writes ``fid`` (project feature id) and ``area`` (projects × types,
in PROTECTED_TYPES order) to OUT.npz. The last line on stdout is JSON: ``seconds`` is the wall
time from the first read of the file to the answer in memory (reading included; interpreter and
library start-up, QGIS's initialisation and writing OUT.npz excluded), ``peak_mib`` the
process's peak resident memory at the end (VmHWM; ``ru_maxrss_mib`` beside it), ``cpu_seconds`` the
CPU time (all threads) of the timed part.

Run it from a folder without a ``processing`` folder (the driver uses build/bench), so the
plugin's own processing package cannot shadow QGIS's.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time

import numpy as np

PROTECTED_TYPES = ("redline", "nature_reserve", "water_source_zone", "contaminated_plot")
SLIVER_M2 = 1.0  # the default rulebook's sliver_m2; checked against the rulebook by the Green Shield contender
QGIS_PLUGINS = "/usr/share/qgis/python/plugins"


def green_shield(path: str, threads: int = 2) -> tuple[np.ndarray, np.ndarray, dict]:
    """The plugin's own path: read the workspace into FeatureSets and screen() with default options."""
    import shapely

    from green_shield.core.rules import load_rulebook
    from green_shield.core.screening import ScreeningOptions, screen
    from green_shield.core.screening_io import load_projects, load_protected

    projects, _ = load_projects(path, None)
    protected, _ = load_protected(path)
    rulebook = load_rulebook()
    if rulebook.sliver_m2 != SLIVER_M2:
        raise SystemExit(f"the default rulebook's sliver_m2 is {rulebook.sliver_m2}, the benchmark uses {SLIVER_M2}")
    result = screen(projects, protected, rulebook, ScreeningOptions(planar_crs="EPSG:4544", threads=threads))
    fids = np.array([p.fid for p in result.projects], dtype=np.int64)
    area = np.array([[p.overlap_by_type.get(k, 0.0) for k in PROTECTED_TYPES] for p in result.projects])
    versions = {"shapely": shapely.__version__, "GEOS": shapely.geos_version_string}
    return fids, area, {"conflicts": len(result.conflicts), "verdicts": result.counts(), "versions": versions}


def _qgis_app():
    """A headless QgsApplication with QGIS's processing framework (not the plugin's processing/)."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sys.path[:] = [p for p in sys.path if p not in ("", ".", here) and os.path.abspath(p or ".") != here]
    sys.path.insert(0, QGIS_PLUGINS)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    from processing.core.Processing import Processing

    Processing.initialize()
    return app


def qgis(path: str) -> tuple[np.ndarray, np.ndarray, dict]:
    """native:calculatevectoroverlaps: INPUT the projects, LAYERS the four protected layers, OUTPUT memory."""
    from qgis.core import Qgis, QgsCoordinateReferenceSystem, QgsProject, QgsVectorLayer

    import processing

    project = QgsProject.instance()
    project.setCrs(QgsCoordinateReferenceSystem("EPSG:4544"))
    project.setEllipsoid("NONE")  # planar areas, like the other contenders
    started = time.perf_counter()
    projects = QgsVectorLayer(f"{path}|layername=project", "project", "ogr")
    layers = [QgsVectorLayer(f"{path}|layername={key}", key, "ogr") for key in PROTECTED_TYPES]
    for layer in (projects, *layers):
        if not layer.isValid():
            raise SystemExit(f"QGIS cannot open {layer.source()}")
    result = processing.run("native:calculatevectoroverlaps",
                            {"INPUT": projects, "LAYERS": layers, "OUTPUT": "memory:"})
    out = result["OUTPUT"]
    names = out.fields().names()
    wanted = ["fid", *(f"{key}_area" for key in PROTECTED_TYPES)]
    missing = [n for n in wanted if n not in names]
    if missing:
        raise SystemExit(f"QGIS output lacks fields {missing}; it has {names}")
    index = [out.fields().indexOf(n) for n in wanted]
    rows = [[f.attribute(i) for i in index] for f in out.getFeatures()]
    fids = np.array([r[0] for r in rows], dtype=np.int64)
    area = np.array([[0.0 if v is None else float(v) for v in r[1:]] for r in rows], dtype=float)
    area[area < SLIVER_M2] = 0.0
    return fids, area, {"fields": [n for n in names if n.endswith(("_area", "_pc"))], "timed_from": started,
                        "versions": {"QGIS": Qgis.QGIS_VERSION}}


def geopandas(path: str) -> tuple[np.ndarray, np.ndarray, dict]:
    """gpd.read_file (pyogrio), gpd.sjoin (intersects) for the flagged set, gpd.overlay + groupby for areas."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    projects = gpd.read_file(path, layer="project", engine="pyogrio", fid_as_index=True)
    projects = projects[["geometry"]].assign(pid=projects.index.to_numpy())
    zones = pd.concat([gpd.read_file(path, layer=key, engine="pyogrio")[["geometry"]].assign(zone_type=key)
                       for key in PROTECTED_TYPES], ignore_index=True)
    joined = gpd.sjoin(projects, zones, how="inner", predicate="intersects")
    touched = np.unique(joined["pid"].to_numpy())
    pieces = gpd.overlay(projects, zones, how="intersection", keep_geom_type=True)
    pieces["area"] = pieces.geometry.area
    pieces = pieces[pieces["area"] >= SLIVER_M2]  # per piece = per (project, zone), as Green Shield
    table = pieces.groupby(["pid", "zone_type"])["area"].sum().unstack(fill_value=0.0)
    table = table.reindex(index=projects["pid"].to_numpy(), columns=list(PROTECTED_TYPES), fill_value=0.0)
    flagged = table.index.to_numpy()[(table.to_numpy() > 0).any(axis=1)]
    if not np.isin(flagged, touched).all():
        raise SystemExit("geopandas: overlay found overlaps that sjoin did not")
    versions = {"geopandas": gpd.__version__, "pandas": pd.__version__, "shapely": shapely.__version__}
    return table.index.to_numpy(np.int64), table.to_numpy(float), {"sjoin_intersecting": int(len(touched)),
                                                                    "versions": versions}


def green_shield_1thread(path: str) -> tuple[np.ndarray, np.ndarray, dict]:
    """Green Shield with threads=1: what the threads bring."""
    return green_shield(path, threads=1)


CONTENDERS = {"green_shield": green_shield, "green_shield_1thread": green_shield_1thread, "qgis": qgis,
              "geopandas": geopandas}


def _import_for(name: str):
    """Load the contender's libraries before the clock starts; QGIS also gets its application."""
    if name == "qgis":
        return _qgis_app()
    if name == "geopandas":
        import geopandas  # noqa: F401
        import pandas  # noqa: F401
    else:
        import green_shield.core.rules  # noqa: F401
        import green_shield.core.screening  # noqa: F401
        import green_shield.core.screening_io  # noqa: F401
    return None


def _peak_mib() -> float:
    """Peak resident memory of this process's own address space (VmHWM).

    ru_maxrss would do, but Linux carries the parent's high-water mark over fork and exec into
    it, so a child of a big parent reports at least the parent's size; VmHWM starts afresh at exec.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    """User + system CPU time of this process, all threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> None:
    name, path, out = argv or sys.argv[1:]
    app = _import_for(name)
    cpu = _cpu_seconds()
    started = time.perf_counter()
    fids, area, extra = CONTENDERS[name](os.path.abspath(path))
    started = extra.pop("timed_from", started)
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu
    order = np.argsort(fids)
    np.savez(out, fid=fids[order], area=area[order])
    if app is not None:
        app.exitQgis()
    peak_mib, maxrss_mib = _peak_mib(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"contender": name, "seconds": seconds, "cpu_seconds": cpu, "peak_mib": peak_mib,
                      "ru_maxrss_mib": maxrss_mib, "projects": int(len(fids)),
                      "flagged": int((area > 0).any(axis=1).sum()), **extra}, ensure_ascii=False))


if __name__ == "__main__":
    main()
