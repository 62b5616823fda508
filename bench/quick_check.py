"""Quick-check latency against a workspace of 100 000 protected polygons.

The zones are bench/generate.py's patches (one per 2 km cell, four types in a checkerboard),
with 40–400 vertices instead of 200–3000 so the workspace is made in minutes; the checker's
index build time and peak memory (resource.getrusage) are reported, then the median and p95
latency of 200 checks (points, lines, polygons). Writes build/bench/quick_check.md.

    python -m green_shield.bench.quick_check [--zones N] [--checks N]
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import subprocess
import sys
import time

import numpy as np
import shapely

from ..core.quick_check import QuickChecker
from ..core.workspace import create_workspace, write_features
from .generate import (
    BENCH_DIR,
    CELL,
    CRS,
    JITTER,
    PROTECTED_TYPES,
    SEED,
    _check_zones,
    _xy,
    _zone_record,
    patch_shape,
    region,
)

VERTICES = (40, 400)


def dataset(n_zones: int) -> str:
    path = BENCH_DIR / f"quick_check_{n_zones}.gpkg"
    if path.exists():
        return str(path)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    print(f"generating {path} …", flush=True)
    rng = np.random.default_rng([SEED, 7, n_zones])
    xmin, ymin, _, g = region(n_zones)
    cells = np.sort(rng.choice(g * g, size=n_zones, replace=False))
    zones: dict[str, tuple[list, list[dict]]] = {key: ([], []) for key in PROTECTED_TYPES}
    for cell in cells:
        row, col = divmod(int(cell), g)
        key = PROTECTED_TYPES[2 * (row % 2) + (col % 2)]
        cx = xmin + (col + 0.5) * CELL + rng.uniform(-JITTER, JITTER)
        cy = ymin + (row + 0.5) * CELL + rng.uniform(-JITTER, JITTER)
        theta, radius, holes = patch_shape(rng, cx, cy, int(rng.integers(VERTICES[0], VERTICES[1] + 1)))
        zones[key][0].append(shapely.Polygon(_xy(cx, cy, theta, radius), holes))
        zones[key][1].append(_zone_record(rng, key, len(zones[key][0]), row, col))
    _check_zones(zones)
    tmp = path.with_name(".creating-" + path.name)
    tmp.unlink(missing_ok=True)
    create_workspace(str(tmp), crs=CRS)
    for key in PROTECTED_TYPES:
        polys, records = zones[key]
        write_features(str(tmp), key, [shapely.MultiPolygon([p]) for p in polys], records)
    os.replace(tmp, path)
    return str(path)


def sites(n_zones: int, n: int) -> list:
    """A third each of points, lines (100–2000 m) and polygons (30–400 m sides) across the region."""
    rng = np.random.default_rng([SEED, 8, n])
    xmin, ymin, side, _ = region(n_zones)
    out = []
    for i in range(n):
        x, y = xmin + rng.uniform(0, side), ymin + rng.uniform(0, side)
        if i % 3 == 0:
            out.append(shapely.Point(x, y))
        elif i % 3 == 1:
            length, a = rng.uniform(100, 2000), rng.uniform(0, math.pi)
            out.append(shapely.LineString([(x, y), (x + length * math.cos(a), y + length * math.sin(a))]))
        else:
            w, h = rng.uniform(30, 400, 2)
            out.append(shapely.box(x, y, x + w, y + h))
    return out


def _ms(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zones", type=int, default=100_000)
    parser.add_argument("--checks", type=int, default=200)
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.generate_only:
        dataset(args.zones)
        return 0
    # made in a child process, so the peak memory below is the checker's alone
    subprocess.run([sys.executable, "-m", "green_shield.bench.quick_check", "--generate-only",
                    "--zones", str(args.zones)], check=True)
    path = dataset(args.zones)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    checker = QuickChecker.from_workspace(path)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    checker.check(shapely.Point(*checker.layers[0].zones[0].representative_point().coords[0]), crs=checker.planar_crs)
    by_kind: dict[str, list[float]] = {"Point": [], "LineString": [], "Polygon": []}
    n_hits = 0
    for geom in sites(args.zones, args.checks):
        t0 = time.perf_counter()
        result = checker.check(geom, crs=CRS)
        by_kind[geom.geom_type].append(time.perf_counter() - t0)
        n_hits += len(result.hits)
    every = [t for ts in by_kind.values() for t in ts]
    vertices = sum(int(shapely.get_num_coordinates(layer.zones).sum()) for layer in checker.layers)
    zones = sum(len(layer.zones) for layer in checker.layers)
    lines = [
        f"# Quick check: {zones:,} protected polygons ({vertices:,} vertices), {args.checks} checks", "",
        f"Index build (load, repair, reproject, STR-trees): **{checker.build_seconds:.1f} s**; "
        f"peak memory (max RSS) {peak_mb:,.0f} MB (before build {before / 1024:,.0f} MB). "
        f"Mean hits per check: {n_hits / args.checks:.1f}.", "",
        "| sites | checks | median ms | p95 ms | max ms |", "|---|---:|---:|---:|---:|",
    ]
    for kind, ts in [*by_kind.items(), ("all", every)]:
        lines.append(f"| {kind} | {len(ts)} | {_ms(ts, 50):.2f} | {_ms(ts, 95):.2f} | {max(ts) * 1000:.2f} |")
    median = _ms(every, 50)
    lines += ["", f"Target: median < 50 ms — {'met' if median < 50 else 'NOT met'} ({median:.2f} ms)."]
    text = "\n".join(lines) + "\n"
    print(text)
    (BENCH_DIR / "quick_check.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
