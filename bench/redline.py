"""Red-line diff benchmark: Green Shield's diff_redlines against QGIS and geopandas on the same two versions.

    python -m green_shield.bench.redline [--sizes 5000,20000] [--timeout S]

Data (made once, cached in build/bench/redline_v{GEN}_{N}.gpkg, layers ``old`` and ``new``, EPSG:4544):
N non-overlapping patches, one per 2 km grid cell, drawn with bench/generate.py's ring generator
(star-shaped perturbed circles, radius 460–780 m, 200–3000 vertices log-uniform, 15 % with a hole).
About 2 % of the patches change between the versions, in three equal parts: removed entirely,
added (in cells empty in OLD), and reshaped (one sector pushed out by up to 15 %, another pulled
in by up to 15 %: part added, part removed, same bsm). Every other patch is written with the
very same vertices in both versions.

Contenders, each in its own process started from build/bench (bench/redline_contenders.py):
Green Shield diff_redlines with tolerance 0 and minimum area 0 (every difference counts);
QGIS native:symmetricaldifference + native:detectvectorchanges (timed together); geopandas
overlay(how="symmetric_difference"). Added = area in NEW only, removed = area in OLD only; the
totals must agree with Green Shield's to a relative 1e-6. A contender over --timeout seconds is
stopped, reported as "> 600 s" and not run at larger sizes. Writes build/bench/redline_results.{md,json}.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import shapely

from green_shield.bench.generate import (
    BENCH_DIR,
    CELL,
    CENTRE,
    CRS,
    JITTER,
    MAX_RADIUS,
    REPO,
    SEED,
    _codes,
    _xy,
    patch_shape,
    write_results,
)
from green_shield.bench.run import run_process

GEN_VERSION = 1
SIZES = (5_000, 20_000)
VERTICES = (200, 3000)  # log-uniform
HOLE_SHARE = 0.15
CHANGED_SHARE = 0.02  # a third removed, a third added, a third reshaped
RESHAPE = 0.15  # a reshaped sector moves by up to 15 % of the radius
LABELS = {
    "green_shield": "Green Shield diff_redlines (tolerance 0, min area 0)",
    "qgis": "QGIS native:symmetricaldifference + detectvectorchanges",
    "geopandas": "geopandas overlay(symmetric_difference)",
}
ORDER = ("green_shield", "qgis", "geopandas")
TARGET = {"qgis": 5.0}
REL_TOL = 1e-6


def dataset_path(n: int) -> Path:
    return BENCH_DIR / f"redline_v{GEN_VERSION}_{n}.gpkg"


def _patch(rng: np.random.Generator, cx: float, cy: float):
    """(theta, radius, holes) of one patch centred near (cx, cy), log-uniform vertex count."""
    return patch_shape(rng, cx, cy, int(np.exp(rng.uniform(*np.log(VERTICES)))))


def _reshape(rng: np.random.Generator, theta: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """One sector pushed out, the opposite one pulled in (raised-cosine bumps); other vertices unchanged."""
    a0, width = rng.uniform(0, 2 * math.pi), rng.uniform(0.4, 1.2)
    out = radius.copy()
    for centre, sign in ((a0, 1.0), (a0 + math.pi, -1.0)):
        d = np.angle(np.exp(1j * (theta - centre)))  # signed angular distance in (-π, π]
        bump = np.where(np.abs(d) < width, 0.5 * (1 + np.cos(math.pi * d / width)), 0.0)
        out = out * (1 + sign * RESHAPE * rng.uniform(0.5, 1.0) * bump)
    return np.minimum(out, MAX_RADIUS)


def make_versions(n: int):
    """(old geometries, old records, new geometries, new records, counts) — deterministic for n."""
    rng = np.random.default_rng([SEED, 7, n])
    k = max(1, round(n * CHANGED_SHARE / 3))
    g = math.ceil(math.sqrt(n + k))
    xmin, ymin = CENTRE[0] - g * CELL / 2, CENTRE[1] - g * CELL / 2
    cells = rng.choice(g * g, size=n + k, replace=False)
    old_cells, added_cells = np.sort(cells[:n]), np.sort(cells[n:])
    order = rng.permutation(n)
    removed, reshaped = set(order[:k].tolist()), set(order[k:2 * k].tolist())
    eco = _codes("eco_function")

    def record(serial: int, row: int, col: int) -> dict:
        county = f"5101{(row * 7 + col) % 20 + 1:02d}"
        return {"bsm": f"{county}{serial:08d}", "name": f"生态保护红线{serial:06d}",
                "eco_function": eco[serial % len(eco)], "xzqdm": county, "xzqmc": f"基准县{county[-2:]}"}

    def centre(cell: int):
        row, col = divmod(int(cell), g)
        return (row, col, xmin + (col + 0.5) * CELL + rng.uniform(-JITTER, JITTER),
                ymin + (row + 0.5) * CELL + rng.uniform(-JITTER, JITTER))

    old_g, old_r, new_g, new_r = [], [], [], []
    for i, cell in enumerate(old_cells):
        row, col, cx, cy = centre(cell)
        theta, radius, holes = _patch(rng, cx, cy)
        geom = shapely.Polygon(_xy(cx, cy, theta, radius), holes)
        rec = record(i + 1, row, col)
        old_g.append(geom)
        old_r.append(rec)
        if i in removed:
            continue
        if i in reshaped:
            geom = shapely.Polygon(_xy(cx, cy, theta, _reshape(rng, theta, radius)), holes)
        new_g.append(geom)  # the very same object (same vertices) when unchanged
        new_r.append(rec)
    for m, cell in enumerate(added_cells):
        row, col, cx, cy = centre(cell)
        theta, radius, holes = _patch(rng, cx, cy)
        new_g.append(shapely.Polygon(_xy(cx, cy, theta, radius), holes))
        new_r.append(record(n + m + 1, row, col))
    return old_g, old_r, new_g, new_r, {"removed": k, "added": k, "reshaped": k}


def ensure_dataset(n: int, log=print) -> Path:
    import geopandas as gpd

    path = dataset_path(n)
    stats = path.with_suffix(".json")
    if path.exists() and stats.exists():
        return path
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    log(f"generating {path.relative_to(REPO)} …")
    old_g, old_r, new_g, new_r, counts = make_versions(n)
    for name, geoms in (("old", old_g), ("new", new_g)):
        arr = np.array(geoms, dtype=object)
        if not shapely.is_valid(arr).all():
            raise AssertionError(f"generated an invalid {name} patch")
        left, right = shapely.STRtree(arr).query(arr, predicate="intersects")
        if (left != right).any():
            raise AssertionError(f"generated {name} patches that overlap")
    tmp = path.with_name(".creating-" + path.name)
    tmp.unlink(missing_ok=True)
    for layer, geoms, recs in (("old", old_g, old_r), ("new", new_g, new_r)):
        frame = gpd.GeoDataFrame(recs, geometry=geoms, crs=CRS)
        frame.to_file(tmp, layer=layer, driver="GPKG", engine="pyogrio")
    og, ng = np.array(old_g, dtype=object), np.array(new_g, dtype=object)
    vertices = shapely.get_num_coordinates(og)
    info = {"generator_version": GEN_VERSION, "seed": SEED, "crs": CRS, "patches_old": len(og),
            "patches_new": len(ng), "changes": counts,
            "vertices": {"min": int(vertices.min()), "mean": float(vertices.mean()), "max": int(vertices.max()),
                         "total_old": int(vertices.sum()), "total_new": int(shapely.get_num_coordinates(ng).sum())},
            "with_hole": int((shapely.get_num_interior_rings(og) > 0).sum()),
            "identical": int(len(og) - 2 * counts["removed"]),
            "truth": _truth(og, ng)}
    os.replace(tmp, path)
    stats.write_text(json.dumps(info, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


def _truth(og: np.ndarray, ng: np.ndarray) -> dict:
    """Added/removed computed directly from the generator's own geometries (a sanity check, not a contender)."""
    old_key = {g.wkb: i for i, g in enumerate(og)}
    same_new = {j for j, g in enumerate(ng) if g.wkb in old_key}
    same_old = {old_key[ng[j].wkb] for j in same_new}
    tree_n, tree_o = shapely.STRtree(ng), shapely.STRtree(og)
    added = sum(shapely.difference(ng[j], shapely.union_all(og[tree_o.query(ng[j])])).area
                for j in range(len(ng)) if j not in same_new)
    removed = sum(shapely.difference(og[i], shapely.union_all(ng[tree_n.query(og[i])])).area
                  for i in range(len(og)) if i not in same_old)
    return {"added_m2": float(added), "removed_m2": float(removed)}


def run_contender(name: str, n: int, timeout: float) -> dict:
    cmd = [sys.executable, "-m", "green_shield.bench.redline_contenders", name, str(dataset_path(n))]
    return run_process(cmd, {"contender": name, "label": LABELS[name], "patches": n}, timeout)


def _rel(a: float, b: float) -> float:
    scale = max(abs(a), abs(b))
    return abs(a - b) / scale if scale else 0.0


def _fmt_time(row: dict, timeout: float) -> str:
    return {"timeout": f"> {timeout:.0f} s", "skipped": "not run", "crashed": "crashed"}.get(
        row["status"], f"{row.get('seconds', 0):.2f}")


def markdown(result: dict) -> str:
    timeout = result["timeout"]
    lines = [f"# Red-line diff benchmark ({result['started']})", "",
             f"Machine: {result['machine']['cpus']} CPUs, Python {result['machine']['python']}; "
             + ", ".join(f"{k} {v}" for k, v in result["versions"].items()) + ".", "",
             "Data: two versions (layers old/new of one GeoPackage, EPSG:4544) of N non-overlapping patches "
             "(200–3000 vertices, log-uniform; 15 % with a hole); ~2 % changed — a third removed, a third added, "
             "a third reshaped (part added, part removed) — and all others identical vertex for vertex. "
             "Green Shield runs with tolerance 0 m and minimum area 0 m², so every difference counts.", "",
             "Time = wall seconds inside the contender's own process from the first read to the answer in memory "
             "(QGIS initialisation excluded). Peak = VmHWM. Ratio = time ÷ Green Shield's time (> 1: Green Shield "
             "faster). Δ = relative difference of the total added / removed area from Green Shield's.", "",
             "| patches | contender | time (s) | CPU (s) | peak (MiB) | ratio | added (m²) | removed (m²) "
             "| Δ added | Δ removed | agrees |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in result["rows"]:
        ok = r["status"] == "ok"
        agree = r.get("agrees")
        lines.append("| " + " | ".join([
            f"{r['patches']:,}".replace(",", " "), r["label"], _fmt_time(r, timeout),
            f"{r['cpu_seconds']:.2f}" if ok else "—", f"{r['peak_mib']:.0f}" if ok else "—",
            f"{r['ratio']:.2f}" if "ratio" in r else "—",
            f"{r['added_m2']:,.1f}" if ok else "—", f"{r['removed_m2']:,.1f}" if ok else "—",
            f"{r['rel_added']:.1e}" if "rel_added" in r else "—",
            f"{r['rel_removed']:.1e}" if "rel_removed" in r else "—",
            "reference" if r["contender"] == "green_shield" and ok else
            ("—" if agree is None else ("yes" if agree else "**no**"))]) + " |")
    notes = [f"- {r['label']} at {r['patches']}: {r['status']} ({r.get('error') or r.get('note')})"
             for r in result["rows"] if r["status"] in ("crashed", "skipped")]
    lines += ["", *notes] if notes else []
    lines += ["", "## Datasets", ""]
    for n, info in result["datasets"].items():
        lines.append(f"- {n} patches: {info['changes']}, {info['identical']} identical; vertices mean "
                     f"{info['vertices']['mean']:.0f} (total {info['vertices']['total_old']:,} in OLD); "
                     f"generator's own answer added {info['truth']['added_m2']:,.1f} m², removed "
                     f"{info['truth']['removed_m2']:,.1f} m².")
    lines += ["", "## Target", ""]
    for t in result["targets"]:
        lines.append(f"- {t['patches']} patches: Green Shield {t['speedup']:.2f}× faster than {LABELS[t['vs']]} "
                     f"(target ≥ {TARGET[t['vs']]:g}×) — " + ("met" if t["met"] else "**not met**")
                     if "speedup" in t else f"- {t['patches']} patches: {t['note']}")
    lines += ["", f"Total wall time of the run: {result['total_seconds']:.0f} s."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES), help="patch counts, comma-separated")
    parser.add_argument("--contenders", default=",".join(ORDER))
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds before a contender is stopped")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    names = [n for n in ORDER if n in args.contenders.split(",")]
    started = time.perf_counter()
    stamp = _dt.datetime.now().astimezone().isoformat(timespec="seconds")

    def log(text: str) -> None:
        print(text, flush=True)

    log("datasets (build/bench, made once):")
    for n in sizes:
        ensure_dataset(n, log=lambda text: log("  " + text))
    rows, out_of_time, targets = [], set(), []
    for n in sizes:
        size_rows = []
        for name in names:
            if name in out_of_time:
                size_rows.append({"contender": name, "label": LABELS[name], "patches": n, "status": "skipped",
                                  "note": f"over {args.timeout:.0f} s at a smaller size"})
                continue
            log(f"  {n} patches  {LABELS[name]} …")
            row = run_contender(name, n, args.timeout)
            if row["status"] == "timeout":
                out_of_time.add(name)
            log(f"    {row['status']}  {_fmt_time(row, args.timeout)}  {row.get('error', '')}")
            size_rows.append(row)
        ref = next((r for r in size_rows if r["contender"] == "green_shield" and r["status"] == "ok"), None)
        for r in size_rows:
            if ref and r["status"] == "ok":
                r["ratio"] = r["seconds"] / ref["seconds"]
                if r is not ref:
                    r["rel_added"] = _rel(r["added_m2"], ref["added_m2"])
                    r["rel_removed"] = _rel(r["removed_m2"], ref["removed_m2"])
                    r["agrees"] = r["rel_added"] < REL_TOL and r["rel_removed"] < REL_TOL
        for vs in TARGET:
            other = next((r for r in size_rows if r["contender"] == vs), None)
            if ref and other and other["status"] == "ok":
                speed = other["seconds"] / ref["seconds"]
                targets.append({"patches": n, "vs": vs, "speedup": speed, "met": speed >= TARGET[vs]})
            elif ref and other and other["status"] in ("timeout", "skipped"):
                targets.append({"patches": n, "vs": vs, "note": f"{LABELS[vs]} over {args.timeout:.0f} s, Green "
                                f"Shield {ref['seconds']:.1f} s: ≥ {args.timeout / ref['seconds']:.0f}× faster"})
        rows.extend(size_rows)
    versions: dict[str, str] = {}
    for r in rows:
        versions.update(r.pop("versions", {}) or {})
    result = {"started": stamp, "timeout": args.timeout,
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
              "versions": versions,
              "datasets": {n: json.loads(dataset_path(n).with_suffix(".json").read_text(encoding="utf-8"))
                           for n in sizes},
              "rows": rows, "targets": targets, "total_seconds": time.perf_counter() - started}
    write_results("redline_results", result, markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
