"""One change-leads contender on one raster pair, in its own process.

    python -m green_shield.bench.change_leads_contenders NAME WORKSPACE BEFORE AFTER OUT.npz

NAME is one of:

green_shield
    ``find_change_leads(workspace, before, after, ChangeOptions())`` — the plugin's own route
    (windowed detection, then the leads against the protected layers).
green_shield_detect
    ``detect_changes(before, after, ChangeOptions())`` alone (no protected layers).
naive
    The whole-array route: both rasters read entirely with rasterio, the activity of every pixel
    with numpy (one boolean mask per transition rule, first matching rule wins), one
    ``rasterio.features.shapes`` over the whole array (4-connected), patches ≥ the minimum area
    kept when within distance_m of a protected polygon (shapely STRtree ``dwithin``, i.e. an exact
    buffer).
qgis
    The QGIS-native route, in one PyQGIS process: ``gdal:rastercalculator`` (an expression derived
    from the transition table), ``gdal:polygonize``, ``native:extractbyexpression`` ``$area >= min``
    (project ellipsoid NONE: planar areas), ``native:mergevectorlayers`` of the protected layers
    reprojected to the raster CRS, ``native:buffer`` by distance_m, ``native:extractbylocation``
    (intersects).

Every contender writes OUT.npz with ``sig``: one row per kept patch (activity number, pixels,
row0, col0, row1, col1 of its bounding box on the raster grid; activity number = 1 + index in
ACTIVITIES) and ``sig_all``: the same for every patch ≥ the minimum area before the distance
filter. The last line on stdout is JSON: ``seconds`` = wall time from the first read of a file
to the answer in memory (imports and QGIS's initialisation excluded),
``peak_mib`` = this process's VmHWM at the end.

The transition table and class table are read here by a small parser of our own (not the
engine's), so the naive and QGIS routes are an independent reading of the same YAML.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from green_shield.bench.contenders import _peak_mib, _qgis_app

ACTIVITIES = ("mining", "industry", "energy", "tourism", "transport", "aquaculture", "other")
ACTIVITY_ZH = {"采矿采石": "mining", "工业": "industry", "能源设施": "energy", "旅游设施": "tourism",
               "交通设施": "transport", "养殖": "aquaculture", "其他人类活动": "other", "其他": "other"}
DATA = Path(__file__).resolve().parent.parent / "core" / "data"
PROTECTED_LAYERS = ("redline", "nature_reserve")  # the layers the benchmark workspace fills


# --- an independent reading of the transition table -------------------------------------------


def read_tables(transitions: str | None = None, classes: str | None = None) -> dict:
    """{"rules": [(from codes, to codes, activity number)], "min_area_m2", "distance_m", "codes"}."""
    import yaml

    with open(classes or DATA / "landcover_classes.yaml", encoding="utf-8") as fh:
        entries = yaml.safe_load(fh)["classes"]
    by_name: dict[str, int] = {}
    codes = []
    for e in entries:
        code = int(e["code"])
        if code == 0:
            continue
        codes.append(code)
        for key in ("name_zh", "name_en"):
            by_name[str(e[key]).strip().lower()] = code

    def resolve(value) -> set[int]:
        values = value if isinstance(value, list) else [value]
        out: set[int] = set()
        for v in values:
            if isinstance(v, str) and v.strip() == "*":
                out |= set(codes)
            elif isinstance(v, int) or (isinstance(v, str) and v.strip().isdigit()):
                out.add(int(v))
            else:
                out.add(by_name[str(v).strip().lower()])
        return out

    with open(transitions or DATA / "change_transitions.yaml", encoding="utf-8") as fh:
        table = yaml.safe_load(fh)
    rules = []
    for t in table["transitions"]:
        activity = str(t["activity"]).strip()
        activity = ACTIVITY_ZH.get(activity, activity.lower())
        rules.append((sorted(resolve(t["from"])), sorted(resolve(t["to"])), ACTIVITIES.index(activity) + 1))
    settings = table.get("settings", {})
    return {"rules": rules, "min_area_m2": float(settings.get("min_area_m2", 666.67)),
            "distance_m": float(settings.get("distance_m", 500.0)), "codes": codes}


def pair_table(rules) -> np.ndarray:
    """256 × 256 activity number of each (before, after) code pair: first matching rule, never f == t or 0."""
    lut = np.zeros((256, 256), dtype=np.uint8)
    for frm, to, act in reversed(rules):  # earlier rules overwrite later ones
        for f in frm:
            for t in to:
                if f != t and f != 0 and t != 0:
                    lut[f, t] = act
    return lut


def gdal_calc_formula(rules) -> str:
    """A gdal_calc (numpy) expression for the activity number: disjoint terms, one per activity.

    Derived from the pair table so the first-match order is respected (a pair claimed by an
    earlier rule is not in a later rule's term); pairs with the same to-set share a term.
    """
    lut = pair_table(rules)
    terms = []
    for act in range(1, len(ACTIVITIES) + 1):
        groups: dict[tuple, list[int]] = {}
        for f in range(1, 256):
            to = tuple(int(t) for t in np.flatnonzero(lut[f] == act))
            if to:
                groups.setdefault(to, []).append(f)
        if not groups:
            continue
        parts = []
        for to, frm in groups.items():
            a = "|".join(f"(A=={f})" for f in frm)
            b = "|".join(f"(B=={t})" for t in to)
            parts.append(f"(({a})&({b}))")
        terms.append(f"{act}*({'|'.join(parts)})")
    return "+".join(terms)


def _protected_planar(workspace: str, crs: str):
    """The protected polygons of the workspace, reprojected to the raster CRS."""
    import pyogrio
    import shapely
    from pyproj import CRS, Transformer

    geoms = []
    for layer in PROTECTED_LAYERS:
        meta, _, wkb, _ = pyogrio.raw.read(workspace, layer=layer, columns=[])
        g = shapely.from_wkb(wkb)
        tr = Transformer.from_crs(CRS.from_user_input(meta["crs"]), CRS.from_user_input(crs), always_xy=True)
        geoms.append(shapely.transform(g, lambda xy, tr=tr: np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))))
    return np.concatenate(geoms)


def _grid_sig(act, pixels, bounds, transform) -> np.ndarray:
    """(activity, pixels, row0, col0, row1, col1) rows; bounds (n, 4) minx miny maxx maxy in grid units."""
    bounds = np.asarray(bounds, dtype=float).reshape(-1, 4)
    c0 = np.rint((bounds[:, 0] - transform.c) / transform.a)
    c1 = np.rint((bounds[:, 2] - transform.c) / transform.a)
    r0 = np.rint((bounds[:, 3] - transform.f) / transform.e)
    r1 = np.rint((bounds[:, 1] - transform.f) / transform.e)
    return np.column_stack([np.asarray(act), np.asarray(pixels), r0, c0, r1, c1]).astype(np.int64).reshape(-1, 6)


def _keep_near(polys, protected, distance: float) -> np.ndarray:
    import shapely

    if len(polys) == 0:
        return np.zeros(0, dtype=bool)
    tree = shapely.STRtree(protected)
    hit = tree.query(np.asarray(polys, dtype=object), predicate="dwithin", distance=distance)
    keep = np.zeros(len(polys), dtype=bool)
    keep[np.unique(hit[0])] = True
    return keep


# --- contenders --------------------------------------------------------------------------------


def _patch_rows(detection, min_area: float):
    import shapely

    big = [p for p in detection.patches if p.area_m2 >= min_area]
    act = [ACTIVITIES.index(p.activity) + 1 for p in big]
    pixels = [p.pixels for p in big]
    polys = np.array([p.geometry for p in big], dtype=object)
    bounds = shapely.bounds(polys) if len(polys) else np.zeros((0, 4))
    return big, _grid_sig(act, pixels, bounds, detection.transform), polys


def green_shield(workspace: str, before: str, after: str) -> tuple[dict, dict]:
    from green_shield.core.change_leads import ChangeOptions, find_change_leads

    started = time.perf_counter()
    result = find_change_leads(workspace, before, after, ChangeOptions())
    seconds = time.perf_counter() - started
    det = result.detection
    tables = read_tables()
    big, sig_all, polys = _patch_rows(det, tables["min_area_m2"])
    keep = _keep_near(polys, _protected_planar(workspace, det.grid_crs), tables["distance_m"])
    answer = {
        "leads": len(result.leads), "lead_area_m2": float(sum(lead.area_m2 for lead in result.leads)),
        "dropped_far": int(result.dropped_far), "patches_all": len(det.patches),
        "stats": {k: (v if isinstance(v, (int, float, str)) else str(v)) for k, v in det.stats.items()},
        "notes": list(det.notes) + list(result.notes),
        "relations": _count([lead.relation for lead in result.leads]),
        "verdicts": _count([lead.verdict for lead in result.leads]),
    }
    return {"seconds": seconds, **answer}, {"sig": sig_all[keep], "sig_all": sig_all}


def green_shield_detect(workspace: str, before: str, after: str) -> tuple[dict, dict]:
    from green_shield.core.change_leads import ChangeOptions, detect_changes

    started = time.perf_counter()
    det = detect_changes(before, after, ChangeOptions())
    seconds = time.perf_counter() - started
    tables = read_tables()
    big, sig_all, polys = _patch_rows(det, tables["min_area_m2"])
    keep = _keep_near(polys, _protected_planar(workspace, det.grid_crs), tables["distance_m"])
    answer = {"patches_all": len(det.patches),
              "stats": {k: (v if isinstance(v, (int, float, str)) else str(v)) for k, v in det.stats.items()}}
    return {"seconds": seconds, **answer}, {"sig": sig_all[keep], "sig_all": sig_all}


def naive(workspace: str, before: str, after: str) -> tuple[dict, dict]:
    """Whole arrays in memory: read, numpy masks per rule, one shapes() over everything, STRtree."""
    import rasterio
    import rasterio.features
    import shapely
    from shapely.geometry import shape

    tables = read_tables()
    started = time.perf_counter()
    with rasterio.open(before) as src:
        a = src.read(1)
        transform, crs, nodata_a = src.transform, src.crs, src.nodata
    with rasterio.open(after) as src:
        b = src.read(1)
        nodata_b = src.nodata
    if a.shape != b.shape:
        raise SystemExit("naive contender: the rasters are not on the same grid")
    valid = (a != b) & (a != 0) & (b != 0)
    if nodata_a not in (None, 0):
        valid &= a != nodata_a
    if nodata_b not in (None, 0):
        valid &= b != nodata_b
    act = np.zeros(a.shape, dtype=np.uint8)
    for frm, to, code in reversed(tables["rules"]):  # the first matching rule is applied last, so it wins
        m = np.isin(a, frm)
        m &= np.isin(b, to)
        m &= valid
        act[m] = code
        del m
    del a, b, valid
    polys, codes = [], []
    for geom, value in rasterio.features.shapes(act, mask=act > 0, connectivity=4, transform=transform):
        polys.append(shape(geom))
        codes.append(int(value))
    del act
    polys = np.array(polys, dtype=object)
    codes = np.array(codes, dtype=np.int64)
    pixel_area = abs(transform.a * transform.e)
    area = shapely.area(polys) if len(polys) else np.zeros(0)
    big = area >= tables["min_area_m2"]
    keep = _keep_near(polys[big], _protected_planar(workspace, str(crs)), tables["distance_m"])
    seconds = time.perf_counter() - started
    pixels = np.rint(area[big] / pixel_area)
    sig_all = _grid_sig(codes[big], pixels, shapely.bounds(polys[big]) if big.any() else np.zeros((0, 4)), transform)
    return ({"seconds": seconds, "patches_all": len(polys)}, {"sig": sig_all[keep], "sig_all": sig_all})


def qgis(workspace: str, before: str, after: str) -> tuple[dict, dict]:
    """gdal:rastercalculator → gdal:polygonize → extractbyexpression; merge+reproject → buffer → extractbylocation."""
    from qgis.core import (
        Qgis,
        QgsCoordinateReferenceSystem,
        QgsProcessingContext,
        QgsProcessingFeedback,
        QgsProject,
        QgsRasterLayer,
    )

    import processing

    tables = read_tables()
    formula = gdal_calc_formula(tables["rules"])
    tmp = Path(os.environ.get("GS_BENCH_TMP", "qgis_tmp")).resolve()
    tmp.mkdir(parents=True, exist_ok=True)
    for old in tmp.glob("*"):
        old.unlink()
    calc_out, poly_out = str(tmp / "activity.tif"), str(tmp / "patches.gpkg")
    project = QgsProject.instance()
    project.setEllipsoid("NONE")  # $area planar, in the raster's CRS
    context = QgsProcessingContext()
    context.setProject(project)
    feedback = QgsProcessingFeedback()
    steps: dict[str, float] = {}

    def run(alg: str, params: dict):
        t0 = time.perf_counter()
        out = processing.run(alg, params, context=context, feedback=feedback)
        steps[alg] = steps.get(alg, 0.0) + time.perf_counter() - t0
        return out

    started = time.perf_counter()
    raster = QgsRasterLayer(before, "before")
    crs = raster.crs()
    project.setCrs(crs)
    run("gdal:rastercalculator", {"INPUT_A": before, "BAND_A": 1, "INPUT_B": after, "BAND_B": 1,
                                  "FORMULA": formula, "NO_DATA": 0, "RTYPE": 0, "OPTIONS": "", "EXTRA": "",
                                  "OUTPUT": calc_out})
    run("gdal:polygonize", {"INPUT": calc_out, "BAND": 1, "FIELD": "DN", "EIGHT_CONNECTEDNESS": False,
                            "EXTRA": "", "OUTPUT": poly_out})
    big = run("native:extractbyexpression", {"INPUT": poly_out, "EXPRESSION": f"$area >= {tables['min_area_m2']!r}",
                                             "OUTPUT": "TEMPORARY_OUTPUT"})["OUTPUT"]
    merged = run("native:mergevectorlayers", {
        "LAYERS": [f"{workspace}|layername={k}" for k in PROTECTED_LAYERS],
        "CRS": QgsCoordinateReferenceSystem(crs), "OUTPUT": "TEMPORARY_OUTPUT"})["OUTPUT"]
    zone = run("native:buffer", {"INPUT": merged, "DISTANCE": tables["distance_m"], "SEGMENTS": BUFFER_SEGMENTS,
                                 "END_CAP_STYLE": 0, "JOIN_STYLE": 0, "MITER_LIMIT": 2, "DISSOLVE": False,
                                 "OUTPUT": "TEMPORARY_OUTPUT"})["OUTPUT"]
    near = run("native:extractbylocation", {"INPUT": big, "PREDICATE": [0], "INTERSECT": zone,
                                            "OUTPUT": "TEMPORARY_OUTPUT"})["OUTPUT"]
    kept = [(f["DN"], f.geometry().area(), f.geometry().boundingBox()) for f in near.getFeatures()]
    seconds = time.perf_counter() - started
    every = [(f["DN"], f.geometry().area(), f.geometry().boundingBox()) for f in big.getFeatures()]
    layer = QgsRasterLayer(before, "grid")
    ext, w = layer.extent(), layer.width()
    from affine import Affine

    transform = Affine(ext.width() / w, 0, ext.xMinimum(), 0, -ext.height() / layer.height(), ext.yMaximum())
    pixel_area = abs(transform.a * transform.e)

    def sig(rows):
        if not rows:
            return np.zeros((0, 6), dtype=np.int64)
        return _grid_sig([r[0] for r in rows], [round(r[1] / pixel_area) for r in rows],
                         [(r[2].xMinimum(), r[2].yMinimum(), r[2].xMaximum(), r[2].yMaximum()) for r in rows],
                         transform)

    polygons = _feature_count(poly_out)
    return ({"seconds": seconds, "steps": steps, "patches_all": polygons, "formula": formula,
             "buffer_segments": BUFFER_SEGMENTS, "versions": {"QGIS": Qgis.QGIS_VERSION}},
            {"sig": sig(kept), "sig_all": sig(every)})


BUFFER_SEGMENTS = 64  # per quarter circle; QGIS's default 5 cuts up to 6 m off a 500 m arc (see README)


def _feature_count(path: str) -> int:
    import pyogrio

    return int(pyogrio.read_info(path)["features"])


def _count(values) -> dict:
    out: dict[str, int] = {}
    for v in values:
        out[str(v)] = out.get(str(v), 0) + 1
    return out


CONTENDERS = {"green_shield": green_shield, "green_shield_detect": green_shield_detect, "naive": naive,
              "qgis": qgis}


def main(argv: list[str] | None = None) -> None:
    name, workspace, before, after, out = argv or sys.argv[1:]
    app = _qgis_app() if name == "qgis" else None
    if name.startswith("green_shield"):
        import green_shield.core.change_leads  # noqa: F401  (imports are not timed)
    elif name == "naive":
        import rasterio.features  # noqa: F401
        import shapely  # noqa: F401
    info, arrays = CONTENDERS[name](*(os.path.abspath(p) for p in (workspace, before, after)))
    peak = _peak_mib()
    np.savez(out, **arrays)
    if app is not None:
        app.exitQgis()
    print(json.dumps({"contender": name, "peak_mib": peak, "kept": int(len(arrays["sig"])), **info},
                     ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
