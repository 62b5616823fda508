"""Change-leads benchmark: Green Shield's find_change_leads against the naive whole-array route and QGIS.

    python -m green_shield.bench.change_leads [--size 20000] [--crop 5000] [--timeout S] [--skip NAME,…]

Data (made once, cached in build/bench/change/v{GEN}_{size}/; a new GEN_VERSION makes new files and
removes the old ones). A pair of uint8 GeoTIFFs (before.tif, after.tif; size × size pixels of
10 m, EPSG:4544 centred on x 500 000 / y 3 200 000, tiled 256, DEFLATE, nodata 0), written
1024 × 1024 window by window so generation memory stays bounded:

- background: classes 1–9 as the argmax of nine smooth random fields (Gaussian-filtered noise on
  a 64-pixel grid, bilinear to full resolution, class biases so forest, cropland and grassland
  dominate); the same in both rasters;
- change patches (4 000 at 20 000²; fewer in proportion on smaller grids), 10–500 pixels
  (0.1–5 ha, log-uniform): 70 % blobs (perturbed ellipses), 15 % roads (2–4 px wide strips at
  any angle, to class 8), 15 % two-part blobs (built-up beside a road, or bare beside water).
  Blob scenarios follow the transition table (forest/grass/… → bare, → built-up, → water, water/
  wetland filled, forest/grass reclaimed) plus 12 % changes no rule covers (built-up → forest,
  cropland → grassland …). In 60 % of patches the before raster is painted with a "from" class
  first, otherwise the patch lands on whatever the background is (so mixed transitions and
  unchanged pixels occur). 15 % of the patches are centred on a multiple of 2048 pixels (the
  engine's default window) in one or both directions;
- speckle: 0.05 % of after pixels set to a random class, half of them as 2 × 2 clumps;
- no-data (0): each raster's outside of its own slightly rotated footprint (a different one for
  before and after), and 25 "clouds" (discs of 30–400 px radius) in the after raster;
- workspace.gpkg: a Green Shield workspace (EPSG:4490) with 150 redline and 150 nature_reserve
  polygons (star-shaped, 100–400 vertices, radius 1.5–4.5 km), made in EPSG:4544 and reprojected.

Contenders (bench/change_leads_contenders.py), each in a fresh process started from
build/bench/change: Green Shield ``find_change_leads`` with default ChangeOptions, Green Shield
``detect_changes`` alone, the naive whole-array route and the QGIS-native route. Time = wall
seconds inside the contender process from the first read to the answer (imports and QGIS's
initialisation excluded). Peak = the largest sum of resident memory (VmRSS) of the contender's
process tree, sampled every 0.1 s (so the GDAL command-line tools that QGIS starts count), or the
process's own VmHWM at its end when larger. Answers: every kept patch as (activity, pixels,
bounding box on the grid); the multisets must be equal. Times are never asserted.

If the QGIS route runs over --timeout (default 1200 s) on the full grid, or --crop is given, all
contenders also run on a centred crop (default 5000 × 5000) in a second table.
Writes build/bench/change_leads_results.{md,json}.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import platform
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np

from green_shield.bench.generate import BENCH_DIR, REPO, write_results

GEN_VERSION = 1
SEED = 20_260_408
CRS = "EPSG:4544"
WORKSPACE_CRS = "EPSG:4490"
PIXEL = 10.0
CENTRE = (500_000.0, 3_200_000.0)
SIZE = 20_000
GEN_WINDOW = 1024
ENGINE_WINDOW = 2048  # ChangeOptions().window: some patches are planted across its boundaries
COARSE = 64  # background field grid, pixels
N_PATCHES = 4_000  # at 20 000²; in proportion to the area otherwise
N_ZONES = 300
N_CLOUDS = 25
SPECKLE = 5e-4
PATCH_PIXELS = (10, 500)
CHANGE_DIR = BENCH_DIR / "change"
CLASS_BIAS = np.array([0.35, -0.2, 0.55, 0.3, -0.3, -0.15, -0.35, -1.2, -0.2], dtype=np.float32)

LABELS = {
    "green_shield": "Green Shield find_change_leads",
    "green_shield_detect": "Green Shield detect_changes alone",
    "naive": "naive whole-array (rasterio + numpy + shapes + STRtree)",
    "qgis": "QGIS native (gdal_calc + polygonize + extract)",
}
ORDER = ("green_shield", "green_shield_detect", "naive", "qgis")
VARIANTS = ("green_shield_detect",)  # no ratio rows
REFERENCE = "green_shield"
TARGET_MIB = 1.5e9 / 2**20  # "under 1.5 GB"

# (before classes to paint from, after class) per scenario; the activity follows from the table
BLOB_SCENARIOS = (
    ((3, 4, 2, 5), 9, 0.28),        # vegetation stripped to bare: mining
    ((3, 4, 1, 2, 9), 7, 0.24),     # new built-up: industry
    ((1, 4, 5), 6, 0.12),           # new ponds: aquaculture
    ((6, 5), 1, 0.05),              # water / wetland filled: other
    ((5,), 9, 0.04),                # wetland → bare: mining by the first rule, not "filled"
    ((3, 4), 1, 0.08),              # reclaimed: other
    ((3, 4), 2, 0.07),              # reclaimed: other
    ((7, 6), 3, 0.06),              # greening: no rule
    ((1,), 4, 0.06),                # cropland → grassland: no rule
)
MIXED_SCENARIOS = ((7, 8), (9, 6))


# --- data ------------------------------------------------------------------------------------


def dataset_dir(size: int, crop: int | None = None) -> Path:
    name = f"v{GEN_VERSION}_{size}" + (f"_crop{crop}" if crop else "")
    return CHANGE_DIR / name


def _scale(size: int) -> float:
    return (size / SIZE) ** 2


def _origin(size: int) -> tuple[float, float]:
    return CENTRE[0] - size * PIXEL / 2, CENTRE[1] + size * PIXEL / 2


def _fields(size: int) -> np.ndarray:
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng([SEED, 1, size])
    n = size // COARSE + 3
    f = rng.standard_normal((9, n, n)).astype(np.float32)
    f = gaussian_filter(f, sigma=(0, 2.5, 2.5), mode="wrap")
    f /= f.std(axis=(1, 2), keepdims=True)
    return f + CLASS_BIAS[:, None, None]


def _background(fields: np.ndarray, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
    """Classes 1–9: argmax of the bilinearly interpolated fields over rows r0:r1, cols c0:c1."""
    y = (np.arange(r0, r1) + 0.5) / COARSE
    x = (np.arange(c0, c1) + 0.5) / COARSE
    iy, ix = np.floor(y).astype(int), np.floor(x).astype(int)
    ty, tx = (y - iy).astype(np.float32), (x - ix).astype(np.float32)
    rows = fields[:, iy, :] * (1 - ty)[None, :, None] + fields[:, iy + 1, :] * ty[None, :, None]
    vals = rows[:, :, ix] * (1 - tx)[None, None, :] + rows[:, :, ix + 1] * tx[None, None, :]
    return (np.argmax(vals, axis=0) + 1).astype(np.uint8)


def _patches(size: int) -> dict[str, np.ndarray]:
    """Parameters of every planted patch (arrays, one entry per patch)."""
    rng = np.random.default_rng([SEED, 2, size])
    n = max(50, round(N_PATCHES * _scale(size)))
    kind = rng.choice(3, size=n, p=[0.70, 0.15, 0.15])  # 0 blob, 1 road, 2 two-part blob
    pixels = np.exp(rng.uniform(*np.log(PATCH_PIXELS), n))
    margin = 0.01 * size
    cy, cx = rng.uniform(margin, size - margin, (2, n))
    on_edge = rng.random(n) < 0.15
    edges = np.arange(ENGINE_WINDOW, size, ENGINE_WINDOW)
    if len(edges):
        which = rng.integers(0, 3, n)  # 0 row edge, 1 column edge, 2 corner
        ey, ex = rng.choice(edges, n), rng.choice(edges, n)
        cy = np.where(on_edge & (which != 1), ey + rng.uniform(-2, 2, n), cy)
        cx = np.where(on_edge & (which != 0), ex + rng.uniform(-2, 2, n), cx)
    angle = rng.uniform(0, math.pi, n)
    aspect = rng.uniform(1.0, 2.5, n)
    a = np.sqrt(pixels * aspect / math.pi)
    b = np.sqrt(pixels / (aspect * math.pi))
    width = rng.uniform(2.0, 4.0, n)
    length = pixels / width
    harm_amp = rng.uniform(0, 0.12, (n, 3))
    harm_phase = rng.uniform(0, 2 * math.pi, (n, 3))
    p = np.array([s[2] for s in BLOB_SCENARIOS])
    scenario = rng.choice(len(BLOB_SCENARIOS), size=n, p=p / p.sum())
    frm = np.array([rng.choice(BLOB_SCENARIOS[s][0]) for s in scenario], dtype=np.uint8)
    to1 = np.array([BLOB_SCENARIOS[s][1] for s in scenario], dtype=np.uint8)
    mixed = rng.integers(0, len(MIXED_SCENARIOS), n)
    to2 = np.zeros(n, dtype=np.uint8)
    road_from = rng.choice([1, 2, 3, 4, 5, 9], n).astype(np.uint8)
    frm = np.where(kind == 1, road_from, frm)
    to1 = np.where(kind == 1, 8, to1).astype(np.uint8)
    to1 = np.where(kind == 2, [MIXED_SCENARIOS[m][0] for m in mixed], to1).astype(np.uint8)
    to2 = np.where(kind == 2, [MIXED_SCENARIOS[m][1] for m in mixed], to2).astype(np.uint8)
    paint = rng.random(n) < 0.6
    half = np.where(kind == 1, length / 2 + width, np.maximum(a, b) * 1.4) + 2
    return {"kind": kind, "cy": cy, "cx": cx, "angle": angle, "a": a, "b": b, "width": width, "length": length,
            "amp": harm_amp, "phase": harm_phase, "frm": frm, "to1": to1, "to2": to2, "paint": paint,
            "r0": np.floor(cy - half).astype(int), "r1": np.ceil(cy + half).astype(int),
            "c0": np.floor(cx - half).astype(int), "c1": np.ceil(cx + half).astype(int)}


def _patch_mask(P: dict, k: int, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
    """0 outside patch k, 1 in its (first) part, 2 in the second part of a two-part patch; rows r0:r1, cols c0:c1."""
    y = (np.arange(r0, r1) + 0.5)[:, None] - P["cy"][k]
    x = (np.arange(c0, c1) + 0.5)[None, :] - P["cx"][k]
    cos, sin = math.cos(P["angle"][k]), math.sin(P["angle"][k])
    u, v = x * cos + y * sin, -x * sin + y * cos
    if P["kind"][k] == 1:
        inside = (np.abs(u) <= P["length"][k] / 2) & (np.abs(v) <= P["width"][k] / 2)
        return inside.astype(np.uint8)
    theta = np.arctan2(v, u)
    rim = 1.0 + sum(P["amp"][k, h] * np.cos((h + 2) * theta + P["phase"][k, h]) for h in range(3))
    inside = (u / P["a"][k]) ** 2 + (v / P["b"][k]) ** 2 <= rim**2
    out = inside.astype(np.uint8)
    if P["kind"][k] == 2:
        out[inside & (u > 0)] = 2
    return out


def _footprint(size: int, r0: int, r1: int, c0: int, c1: int, rotate_deg: float, shift: float) -> np.ndarray:
    """True inside a rotated square footprint (a scene's valid area)."""
    y = (np.arange(r0, r1) + 0.5)[:, None] - size / 2 - shift
    x = (np.arange(c0, c1) + 0.5)[None, :] - size / 2 + shift
    t = math.radians(rotate_deg)
    u, v = x * math.cos(t) + y * math.sin(t), -x * math.sin(t) + y * math.cos(t)
    half = size / 2 - 0.02 * size
    return (np.abs(u) <= half) & (np.abs(v) <= half)


def generate(size: int, log=print) -> dict:
    """Write before.tif, after.tif and workspace.gpkg into dataset_dir(size); return statistics."""
    import rasterio
    from rasterio.transform import from_origin

    out = dataset_dir(size)
    if out.exists():
        shutil.rmtree(out)
    tmp = out.with_name(out.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    started = time.perf_counter()
    fields = _fields(size)
    P = _patches(size)
    rng_c = np.random.default_rng([SEED, 3, size])
    n_clouds = max(2, round(N_CLOUDS * _scale(size)))
    clouds = np.column_stack([rng_c.uniform(0, size, (2, n_clouds)).T, rng_c.uniform(30, 400, n_clouds)])
    x0, y0 = _origin(size)
    profile = {"driver": "GTiff", "width": size, "height": size, "count": 1, "dtype": "uint8", "crs": CRS,
               "transform": from_origin(x0, y0, PIXEL, PIXEL), "nodata": 0, "tiled": True, "blockxsize": 256,
               "blockysize": 256, "compress": "deflate", "BIGTIFF": "IF_SAFER"}
    stats = Counter()
    with rasterio.Env(GDAL_CACHEMAX=64), rasterio.open(tmp / "before.tif", "w", **profile) as db, \
            rasterio.open(tmp / "after.tif", "w", **profile) as da:
        for r0 in range(0, size, GEN_WINDOW):
            r1 = min(size, r0 + GEN_WINDOW)
            for c0 in range(0, size, GEN_WINDOW):
                c1 = min(size, c0 + GEN_WINDOW)
                before = _background(fields, r0, r1, c0, c1)
                after = before.copy()
                hit = np.flatnonzero((P["r0"] < r1) & (P["r1"] > r0) & (P["c0"] < c1) & (P["c1"] > c0))
                for k in hit:
                    pr0, pr1 = max(r0, P["r0"][k]), min(r1, P["r1"][k])
                    pc0, pc1 = max(c0, P["c0"][k]), min(c1, P["c1"][k])
                    m = _patch_mask(P, k, pr0, pr1, pc0, pc1)
                    sb = before[pr0 - r0:pr1 - r0, pc0 - c0:pc1 - c0]
                    sa = after[pr0 - r0:pr1 - r0, pc0 - c0:pc1 - c0]
                    if P["paint"][k]:
                        sb[m > 0] = P["frm"][k]
                        sa[m > 0] = P["frm"][k]
                    sa[m == 1] = P["to1"][k]
                    sa[m == 2] = P["to2"][k]
                rng = np.random.default_rng([SEED, 4, size, r0, c0])
                h, w = r1 - r0, c1 - c0
                n_speck = rng.binomial(h * w, SPECKLE / 2.5)  # singles + 2×2 clumps ≈ SPECKLE of the pixels
                sr, sc = rng.integers(0, h - 1, n_speck), rng.integers(0, w - 1, n_speck)
                cls = rng.integers(1, 10, n_speck).astype(np.uint8)
                after[sr, sc] = cls
                clump = rng.random(n_speck) < 0.5
                for dr, dc in ((0, 1), (1, 0), (1, 1)):
                    after[sr[clump] + dr, sc[clump] + dc] = cls[clump]
                before[~_footprint(size, r0, r1, c0, c1, 1.5, 0.0)] = 0
                gone = ~_footprint(size, r0, r1, c0, c1, -1.0, 0.01 * size)
                yy = np.arange(r0, r1)[:, None] + 0.5
                xx = np.arange(c0, c1)[None, :] + 0.5
                for cy, cx, rad in clouds:
                    if cy + rad > r0 and cy - rad < r1 and cx + rad > c0 and cx - rad < c1:
                        gone |= (yy - cy) ** 2 + (xx - cx) ** 2 <= rad**2
                after[gone] = 0
                window = rasterio.windows.Window(c0, r0, w, h)
                db.write(before, 1, window=window)
                da.write(after, 1, window=window)
                stats["differing_pixels"] += int(((before != after) & (before > 0) & (after > 0)).sum())
                stats["nodata_before"] += int((before == 0).sum())
                stats["nodata_after"] += int((after == 0).sum())
            log(f"    rows {r1:,}/{size:,}  ({time.perf_counter() - started:.0f} s)")
    n_zones = _workspace(size, tmp / "workspace.gpkg")
    info = {"size": size, "pixels": size * size, "pixel_m": PIXEL, "crs": CRS, "patches_planted": len(P["kind"]),
            "patch_kinds": {k: int((P["kind"] == i).sum()) for i, k in enumerate(("blob", "road", "two-part"))},
            "clouds": n_clouds, "protected_polygons": n_zones, **stats, "generator_version": GEN_VERSION,
            "seconds": time.perf_counter() - started}
    (tmp / "meta.json").write_text(json.dumps(info, indent=1), encoding="utf-8")
    os.replace(tmp, out)
    return info


def _workspace(size: int, path: Path) -> int:
    import shapely
    from pyproj import Transformer

    from green_shield.bench.generate import _ring, _xy, _zone_record
    from green_shield.core.workspace import create_workspace, write_features

    rng = np.random.default_rng([SEED, 5, size])
    n = max(6, round(N_ZONES * _scale(size)))
    x0, y0 = _origin(size)
    side = size * PIXEL
    radius_scale = max(0.2, size / SIZE)
    to_geo = Transformer.from_crs(CRS, WORKSPACE_CRS, always_xy=True)
    create_workspace(str(path), crs=WORKSPACE_CRS)
    for j, key in enumerate(("redline", "nature_reserve")):
        polys, records = [], []
        for k in range(n // 2):
            cx, cy = x0 + rng.uniform(0, side), y0 - rng.uniform(0, side)
            r0 = rng.uniform(1500.0, 4500.0) * radius_scale
            theta, radius = _ring(rng, int(rng.integers(100, 401)), r0, harmonics=11, noise=0.01)
            ring = _xy(cx, cy, theta, radius)
            poly = shapely.Polygon(np.column_stack(to_geo.transform(ring[:, 0], ring[:, 1])))
            polys.append(shapely.MultiPolygon([poly]))
            records.append(_zone_record(rng, key, k + 1, k // 10, k % 10 + j))
        write_features(str(path), key, polys, records)
    return n


def crop_dataset(size: int, crop: int) -> Path:
    """A centred crop (aligned to 256) of the size² pair, sharing its workspace."""
    import rasterio

    out = dataset_dir(size, crop)
    if (out / "after.tif").exists():
        return out
    src_dir = dataset_dir(size)
    out.mkdir(parents=True, exist_ok=True)
    off = (size - crop) // 2 // 256 * 256
    window = rasterio.windows.Window(off, off, crop, crop)
    for name in ("before.tif", "after.tif"):
        with rasterio.open(src_dir / name) as src:
            profile = dict(src.profile, width=crop, height=crop, transform=src.window_transform(window))
            tmp = out / f".partial-{name}"
            with rasterio.open(tmp, "w", **profile) as dst:
                for r in range(0, crop, GEN_WINDOW):
                    w = rasterio.windows.Window(0, r, crop, min(GEN_WINDOW, crop - r))
                    dst.write(src.read(1, window=rasterio.windows.Window(off, off + r, crop, w.height)), 1,
                              window=w)
            os.replace(tmp, out / name)
    return out


def ensure_dataset(size: int, log=print) -> dict:
    out = dataset_dir(size)
    CHANGE_DIR.mkdir(parents=True, exist_ok=True)
    for old in CHANGE_DIR.glob("v*"):
        if old.is_dir() and not old.name.startswith(f"v{GEN_VERSION}_"):
            log(f"  removing {old.relative_to(REPO)} (generator version {GEN_VERSION} now)")
            shutil.rmtree(old)
    if not (out / "meta.json").exists():
        log(f"  generating {out.relative_to(REPO)} ({size:,} × {size:,}) …")
        # in a child process: the generator's memory stays out of this one
        subprocess.run([sys.executable, "-m", "green_shield.bench.change_leads", "--generate-only",
                        "--size", str(size)], check=True)
    return json.loads((out / "meta.json").read_text(encoding="utf-8"))


# --- running contenders -----------------------------------------------------------------------

_PAGE = os.sysconf("SC_PAGE_SIZE")


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat", encoding="ascii", errors="replace") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d))
    out, stack = [root], [root]
    while stack:
        for c in children.get(stack.pop(), []):
            out.append(c)
            stack.append(c)
    return out


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


class _Sampler(threading.Thread):
    """The largest sum of VmRSS over a process tree, polled every `interval` seconds."""

    def __init__(self, pid: int, interval: float = 0.1):
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak, self.most_processes = pid, interval, 0, 1
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            pids = _tree(self.pid)
            self.peak = max(self.peak, sum(_rss_bytes(p) for p in pids))
            self.most_processes = max(self.most_processes, len(pids))
            self.done.wait(self.interval)


def run_contender(name: str, data: Path, workspace: Path, timeout: float) -> dict:
    answers = data / "answers"
    answers.mkdir(exist_ok=True)
    out = answers / f"{name}.npz"
    out.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "green_shield.bench.change_leads_contenders", name, str(workspace),
           str(data / "before.tif"), str(data / "after.tif"), str(out)]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", GS_BENCH_TMP=str(data / "qgis_tmp"))
    runtime = env.setdefault("XDG_RUNTIME_DIR", f"/tmp/runtime-{os.getuid()}")
    os.makedirs(runtime, mode=0o700, exist_ok=True)
    row = {"contender": name, "label": LABELS[name]}
    started = time.perf_counter()
    # cwd build/bench/change: no folder named processing there to shadow QGIS's processing package
    proc = subprocess.Popen(cmd, cwd=CHANGE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    sampler = _Sampler(proc.pid)
    sampler.start()
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        sampler.done.set()
        return {**row, "status": "timeout", "process_seconds": time.perf_counter() - started,
                "tree_peak_mib": sampler.peak / 2**20}
    sampler.done.set()
    sampler.join()
    row.update(process_seconds=time.perf_counter() - started, tree_peak_mib=sampler.peak / 2**20,
               processes=sampler.most_processes)
    if proc.returncode != 0:
        how = (f"signal {signal.Signals(-proc.returncode).name}" if proc.returncode < 0
               else f"exit {proc.returncode}")
        last = [line for line in stderr.strip().splitlines() if line.strip()][-1:]
        return {**row, "status": "crashed", "error": how + (f": {last[0][:300]}" if last else ""),
                "stderr_tail": stderr.strip().splitlines()[-15:]}
    row.update(json.loads(stdout.strip().splitlines()[-1]))
    row["peak"] = max(row["tree_peak_mib"], row["peak_mib"])
    row["answer"] = str(out)
    row["status"] = "ok"
    return row


def _rows(sig: np.ndarray) -> Counter:
    return Counter(map(tuple, sig.tolist()))


def compare(reference: str, other: str) -> dict:
    a, b = np.load(reference), np.load(other)
    out = {}
    for key in ("sig", "sig_all"):
        ra, rb = _rows(a[key]), _rows(b[key])
        only_ref, only_other = ra - rb, rb - ra
        out[key] = {"identical": not only_ref and not only_other, "only_reference": sum(only_ref.values()),
                    "only_other": sum(only_other.values()),
                    "examples_only_reference": sorted(only_ref)[:8], "examples_only_other": sorted(only_other)[:8],
                    "same_sorted_pixels": bool(np.array_equal(np.sort(a[key][:, 1]), np.sort(b[key][:, 1])))}
    out["identical"] = out["sig"]["identical"] and out["sig_all"]["identical"]
    return out


def run_table(data: Path, workspace: Path, meta: dict, names, timeout: float, log) -> dict:
    rows = []
    for name in names:
        log(f"  {LABELS[name]} …")
        row = run_contender(name, data, workspace, timeout)
        if row["status"] == "ok":
            sig = np.load(row["answer"])["sig"]
            row["leads_kept"] = int(len(sig))
            row["area_ha"] = float(sig[:, 1].sum()) * PIXEL * PIXEL / 1e4 if len(sig) else 0.0
            row["mpx_s"] = meta["pixels"] / 1e6 / row["seconds"]
            log(f"    {row['seconds']:.1f} s, peak {row['peak']:,.0f} MiB, {row['leads_kept']} leads, "
                f"{row['area_ha']:.2f} ha")
        else:
            log(f"    {row['status']}  {row.get('error', '')}")
            for line in row.get("stderr_tail", [])[-6:]:
                log("      " + line)
        rows.append(row)
    ok = {r["contender"]: r for r in rows if r["status"] == "ok"}
    ref = REFERENCE if REFERENCE in ok else ("naive" if "naive" in ok else None)
    for r in rows:
        r["reference"] = ref
        if ref and r["status"] == "ok" and r["contender"] != ref:
            r["answers"] = compare(ok[ref]["answer"], r["answer"])
            r["time_ratio"] = r["seconds"] / ok[ref]["seconds"]
            r["memory_ratio"] = r["peak"] / ok[ref]["peak"]
    if "green_shield" in ok:
        g = ok["green_shield"]
        all_big = len(np.load(g["answer"])["sig_all"])
        g["self_consistent"] = {"leads_equal_kept_patches": g["leads"] == g["leads_kept"],
                                "dropped_far_equal": g["dropped_far"] == all_big - g["leads_kept"],
                                "patches_at_least_min": all_big}
    return {"size": meta["size"], "pixels": meta["pixels"], "data": str(data.relative_to(REPO)), "rows": rows,
            "reference": ref}


# --- report -----------------------------------------------------------------------------------


def _n(value) -> str:
    return f"{value:,}".replace(",", " ")


def _fmt(row: dict, key: str, spec: str) -> str:
    return format(row[key], spec).replace(",", " ") if row.get("status") == "ok" and key in row else "—"


def table_md(t: dict, timeout: float) -> list[str]:
    n = t["size"]
    lines = [f"| contender ({n:,} × {n:,}) | wall s | Mpixel/s | peak RSS MiB | leads | total area ha | identical? |"
             .replace(",", " "), "|---|---:|---:|---:|---:|---:|---|"]
    for r in t["rows"]:
        if r["status"] == "ok":
            same = ("reference" if r["contender"] == t["reference"] else
                    "yes" if r["answers"]["identical"] else
                    f"**no** ({r['answers']['sig']['only_reference']} only in reference, "
                    f"{r['answers']['sig']['only_other']} only here)")
        else:
            same = {"timeout": f"> {timeout:.0f} s, stopped", "skipped": "not run"}.get(r["status"], r["status"])
        lines.append(f"| {r['label']} | {_fmt(r, 'seconds', '.1f')} | {_fmt(r, 'mpx_s', '.2f')} | "
                     f"{_fmt(r, 'peak', ',.0f')} | {_fmt(r, 'leads_kept', 'd')} | {_fmt(r, 'area_ha', ',.2f')} | "
                     f"{same} |")
    ref = next((r for r in t["rows"] if r["contender"] == t["reference"]), None)
    for r in t["rows"]:
        if "time_ratio" in r and r["contender"] not in VARIANTS:
            lines.append(f"| *{r['contender']} ÷ {ref['contender']}* | ×{r['time_ratio']:.2f} | | "
                         f"×{r['memory_ratio']:.2f} | | | |")
    return lines


def markdown(result: dict) -> str:
    timeout = result["timeout"]
    meta = result["data"]
    m = result["machine"]
    lines = [f"# Change leads benchmark ({result['started']})", "",
             f"Machine: {m['cpus']} CPUs, {m['ram_gib']:.0f} GiB RAM, Python {m['python']}. Data: "
             f"{_n(meta['size'])} × {_n(meta['size'])} uint8 pair, 10 m pixels, {CRS}, "
             f"{_n(meta['patches_planted'])} planted patches, {_n(meta['differing_pixels'])} differing valid pixels, "
             f"{meta['protected_polygons']} protected polygons (generator v{GEN_VERSION}).", "",
             "wall s = seconds inside the contender's process from the first read to the answer (imports and "
             "QGIS's initialisation excluded). Peak RSS = the largest sum of resident memory of the contender's "
             "process tree (sampled every 0.1 s; GDAL tools started by QGIS included) or the process's own VmHWM "
             "if larger. Leads = patches ≥ the minimum area within distance_m of a protected polygon; identical = "
             "the same multiset of (activity, pixels, grid bounding box) for the kept patches and for every patch "
             "≥ the minimum area. Ratios: time and peak ÷ the reference's. Nothing here asserts a time.", ""]
    for t in result["tables"]:
        title = "Full grid" if not t.get("crop") else f"Crop {t['crop']:,} × {t['crop']:,} (centre of the full grid)"
        lines += [f"## {title}".replace(",", " "), "", *table_md(t, timeout), ""]
        for r in t["rows"]:
            if r.get("status") != "ok":
                continue
            if r["contender"] == "green_shield":
                sc = r.get("self_consistent", {})
                lines.append(f"- find_change_leads: {r['leads']} leads (= kept patches: "
                             f"{'yes' if sc.get('leads_equal_kept_patches') else '**no**'}), dropped_far "
                             f"{r['dropped_far']} (= patches ≥ min − kept: "
                             f"{'yes' if sc.get('dropped_far_equal') else '**no**'}), lead area "
                             f"{r['lead_area_m2'] / 1e4:.2f} ha, relations {r['relations']}, verdicts {r['verdicts']}; "
                             f"stats {r['stats']}.")
            if r["contender"] == "qgis":
                steps = ", ".join(f"{k} {v:.1f} s" for k, v in r["steps"].items())
                lines.append(f"- QGIS steps: {steps}; {r['patches_all']:,} polygons out of polygonize; "
                             f"buffer with {r['buffer_segments']} segments per quarter circle.")
            if r["contender"] == "naive":
                lines.append(f"- naive: {r['patches_all']:,} polygons out of shapes().")
            ans = r.get("answers")
            if ans and not ans["identical"]:
                for key in ("sig", "sig_all"):
                    a = ans[key]
                    if not a["identical"]:
                        lines.append(f"- {r['contender']} vs {t['reference']} ({key}): {a['only_reference']} rows "
                                     f"only in the reference, e.g. {a['examples_only_reference'][:4]}; "
                                     f"{a['only_other']} only here, e.g. {a['examples_only_other'][:4]} "
                                     "(activity, pixels, row0, col0, row1, col1)")
        lines.append("")
    lines.append(f"Memory target: under 1.5 GB ({TARGET_MIB:,.0f} MiB) for Green Shield at the full size.")
    for t in result["tables"][:1]:
        g = next((r for r in t["rows"] if r["contender"] == "green_shield" and r["status"] == "ok"), None)
        if g:
            lines[-1] += f" Measured {g['peak']:,.0f} MiB — {'met' if g['peak'] < TARGET_MIB else '**not met**'}."
    lines += ["", f"Total wall time {result['total_seconds']:.0f} s "
              f"(data generation {result['generation_seconds']:.0f} s). core/change_leads.py sha256 "
              f"{result['engine_sha256']}…"
              + (" — **it changed during the run: rerun**." if result["engine_changed_during_run"] else ".")]
    return "\n".join(lines) + "\n"


def _engine_digest() -> str | None:
    import hashlib

    path = REPO / "core" / "change_leads.py"
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.exists() else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=SIZE, help="grid side in pixels (default 20000)")
    parser.add_argument("--crop", type=int, default=None,
                        help="also run every contender on a centred crop of this side (default: only when QGIS "
                             "times out on the full grid, then 5000)")
    parser.add_argument("--timeout", type=float, default=1200.0, help="seconds before a contender is stopped")
    parser.add_argument("--skip", default="", help="contenders not to run, comma-separated")
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.generate_only:
        info = generate(args.size)
        print(json.dumps(info))
        return 0

    def log(text: str) -> None:
        print(text, flush=True)

    started = time.perf_counter()
    stamp = _dt.datetime.now().astimezone().isoformat(timespec="seconds")
    engine = _engine_digest()
    log(f"data (build/bench/change, made once, generator v{GEN_VERSION}):")
    meta = ensure_dataset(args.size, log)
    generation = time.perf_counter() - started
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    try:
        import green_shield.core.change_leads  # noqa: F401
    except ImportError as exc:
        log(f"  core/change_leads.py not importable ({exc}): Green Shield contenders skipped")
        skip |= {"green_shield", *VARIANTS}
    names = [n for n in ORDER if n not in skip]
    data = dataset_dir(args.size)
    log(f"full grid {args.size:,} × {args.size:,}:")
    tables = [run_table(data, data / "workspace.gpkg", meta, names, args.timeout, log)]
    qgis_row = next((r for r in tables[0]["rows"] if r["contender"] == "qgis"), None)
    crop = args.crop or (5000 if qgis_row and qgis_row["status"] == "timeout" else None)
    if crop and crop < args.size:
        log(f"crop {crop:,} × {crop:,}:")
        cdata = crop_dataset(args.size, crop)
        t = run_table(cdata, data / "workspace.gpkg", {**meta, "size": crop, "pixels": crop * crop}, names,
                      args.timeout, log)
        t["crop"] = crop
        tables.append(t)
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    result = {"started": stamp, "timeout": args.timeout, "data": meta,
              "machine": {"cpus": os.cpu_count(), "ram_gib": ram, "python": platform.python_version(),
                          "platform": platform.platform()},
              "tables": tables, "generation_seconds": generation, "total_seconds": time.perf_counter() - started,
              "engine_sha256": engine, "engine_changed_during_run": _engine_digest() != engine}
    write_results("change_leads_results", result, markdown(result), default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
