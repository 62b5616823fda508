"""Deterministic benchmark data: a square region in EPSG:4544 with protected zones and projects.

Every dataset is a Green Shield workspace GeoPackage (layers ``project``, ``redline``,
``nature_reserve``, ``water_source_zone``, ``contaminated_plot`` and the empty others), so
Green Shield, QGIS and geopandas read the very same file. Files are cached in build/bench/ and
made only when missing; the file name carries GEN_VERSION, so a change here makes new files.

Protected zones
    One zone in each of ``n_zones`` grid cells (2 km, drawn without replacement from a
    ceil(√n)² grid), so zones never overlap. A zone is a star-shaped perturbed circle
    (radius 460–780 m, eleven random harmonics, 1 % vertex noise, 200–3000 vertices) and
    15 % of them have a hole. The type follows the cell's row and column parity, so the eight
    neighbours of a cell all have other types: a project (at most 425 m across) meets at most
    one zone of each type, and every contender's per-type overlap is the overlap with one zone.
    That makes Green Shield's per-zone sliver rule and a per-type one give the same answer.
Projects
    Rotated rectangles and irregular quadrilaterals, sides 20–300 m (log-uniform), centres
    uniform over the region, with category/action codes from the project code lists.

Run ``python -m green_shield.bench.generate`` to make every benchmark dataset.
"""

from __future__ import annotations

import json
import math
import os
from functools import lru_cache
from pathlib import Path

import numpy as np
import shapely

from green_shield.core.schema import CODE_LISTS
from green_shield.core.workspace import create_workspace, write_features

GEN_VERSION = 1
SEED = 20_260_401
CRS = "EPSG:4544"  # CGCS2000 3-degree Gauss-Krüger, central meridian 105°E
CENTRE = (500_000.0, 3_200_000.0)
CELL = 2000.0  # m
RADIUS = (460.0, 780.0)  # base radius of a zone, m
MAX_RADIUS = CELL / 2 - 40.0  # keeps a zone (and its centre jitter) inside its cell
JITTER = 20.0
VERTICES = (200, 3000)
HOLE_SHARE = 0.15
PROJECT_SIDE = (20.0, 300.0)
PROTECTED_TYPES = ("redline", "nature_reserve", "water_source_zone", "contaminated_plot")

REPO = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO / "build" / "bench"

COMPARISON_SIZES = ((10_000, 1_000), (20_000, 2_000), (50_000, 5_000))
SCALING_SIZES = ((10_000, 5_000), (50_000, 5_000), (200_000, 5_000))


def write_results(stem: str, result: dict, text: str, default=None) -> None:
    """A benchmark's results as build/bench/STEM.json and its table as STEM.md; the table printed."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    json_path, md_path = BENCH_DIR / f"{stem}.json", BENCH_DIR / f"{stem}.md"
    json_path.write_text(json.dumps(result, indent=1, ensure_ascii=False, default=default), encoding="utf-8")
    md_path.write_text(text, encoding="utf-8")
    print()
    print(text)
    print(f"written: {md_path.relative_to(REPO)}, {json_path.relative_to(REPO)}")


def dataset_path(n_projects: int, n_zones: int) -> Path:
    return BENCH_DIR / f"bench_v{GEN_VERSION}_{n_projects}x{n_zones}.gpkg"


def stats_path(n_projects: int, n_zones: int) -> Path:
    return dataset_path(n_projects, n_zones).with_suffix(".json")


def _codes(name: str) -> list[str]:
    return CODE_LISTS[name].codes()


def _pick(rng: np.random.Generator, values, n: int, weights=None) -> list:
    p = None if weights is None else np.asarray(weights, dtype=float) / np.sum(weights)
    return [values[k] for k in rng.choice(len(values), size=n, p=p)]


# --- zones -----------------------------------------------------------------------------------


def _ring(rng: np.random.Generator, n: int, r0: float, harmonics: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Angles and radii of a star-shaped ring: vertex angles strictly increasing, radii > 0."""
    theta = (np.arange(n) + rng.uniform(-0.3, 0.3, n)) * (2 * math.pi / n)
    h = np.arange(2, 2 + harmonics)
    amp = rng.uniform(0.0, 1.0, harmonics) * 0.35 / h**1.2
    phase = rng.uniform(0.0, 2 * math.pi, harmonics)
    shape = 1.0 + (amp[:, None] * np.cos(h[:, None] * theta[None, :] + phase[:, None])).sum(axis=0)
    radius = r0 * shape * (1.0 + noise * rng.standard_normal(n))
    return theta, np.clip(radius, 0.3 * r0, None)


def _xy(cx: float, cy: float, theta: np.ndarray, radius: np.ndarray) -> np.ndarray:
    xy = np.column_stack([cx + radius * np.cos(theta), cy + radius * np.sin(theta)])
    return np.round(np.vstack([xy, xy[:1]]), 3)  # closed, stored to the millimetre


def region(n_zones: int) -> tuple[float, float, float, int]:
    """(xmin, ymin, side, cells per row) of the square region for n_zones zones."""
    g = math.ceil(math.sqrt(n_zones))
    side = g * CELL
    return CENTRE[0] - side / 2, CENTRE[1] - side / 2, side, g


def patch_shape(rng: np.random.Generator, cx: float, cy: float, n: int):
    """(theta, radius, holes) of one protected patch of about n vertices centred at (cx, cy)."""
    r0 = rng.uniform(*RADIUS)
    theta, radius = _ring(rng, n, r0, harmonics=11, noise=0.01)
    radius = np.minimum(radius, MAX_RADIUS)
    holes = []
    if rng.random() < HOLE_SHARE:
        inner = radius.min() * 0.9
        hr = rng.uniform(0.1, 0.25) * inner
        d, a = rng.uniform(0.0, 0.4) * inner, rng.uniform(0.0, 2 * math.pi)
        ht, hrad = _ring(rng, int(rng.integers(40, 201)), hr, harmonics=3, noise=0.02)
        holes.append(_xy(cx + d * math.cos(a), cy + d * math.sin(a), ht, np.minimum(hrad, 1.1 * hr))[::-1])
    return theta, radius, holes


@lru_cache(maxsize=2)
def make_zones(n_zones: int) -> dict[str, tuple[list, list[dict]]]:
    """{type: (polygons, records)} — deterministic for n_zones."""
    rng = np.random.default_rng([SEED, 1, n_zones])
    xmin, ymin, _, g = region(n_zones)
    cells = np.sort(rng.choice(g * g, size=n_zones, replace=False))
    out: dict[str, tuple[list, list[dict]]] = {key: ([], []) for key in PROTECTED_TYPES}
    counters = dict.fromkeys(PROTECTED_TYPES, 0)
    for cell in cells:
        row, col = divmod(int(cell), g)
        key = PROTECTED_TYPES[2 * (row % 2) + (col % 2)]
        cx = xmin + (col + 0.5) * CELL + rng.uniform(-JITTER, JITTER)
        cy = ymin + (row + 0.5) * CELL + rng.uniform(-JITTER, JITTER)
        n = int(rng.integers(VERTICES[0], VERTICES[1] + 1))
        theta, radius, holes = patch_shape(rng, cx, cy, n)
        out[key][0].append(shapely.Polygon(_xy(cx, cy, theta, radius), holes))
        counters[key] += 1
        out[key][1].append(_zone_record(rng, key, counters[key], row, col))
    return out


def _zone_record(rng: np.random.Generator, key: str, k: int, row: int, col: int) -> dict:
    county = f"5101{(row * 7 + col) % 20 + 1:02d}"
    xzq = {"xzqdm": county, "xzqmc": f"基准县{county[-2:]}"}
    if key == "redline":
        return {"bsm": f"{county}{k:08d}", "name": f"生态保护红线{k:05d}",
                "eco_function": _pick(rng, _codes("eco_function"), 1)[0], **xzq, "version": "2023版",
                "approval_date": "2023-06-30"}
    if key == "nature_reserve":
        return {"reserve_code": f"NR{county}{k:05d}", "name": f"基准自然保护地{k:05d}",
                "reserve_type": _pick(rng, _codes("reserve_type"), 1)[0],
                "reserve_level": _pick(rng, _codes("reserve_level"), 1)[0],
                "zone": _pick(rng, _codes("reserve_zone"), 1, [2, 2, 3, 1, 2])[0], **xzq,
                "approval_date": "2019-12-01"}
    if key == "water_source_zone":
        return {"source_code": f"S{county}{k:07d}", "source_name": f"基准水源地{k:05d}",
                "level": _pick(rng, _codes("ws_level"), 1, [2, 5, 3])[0],
                "part": _pick(rng, _codes("ws_part"), 1)[0],
                "water_body_type": _pick(rng, _codes("water_body_type"), 1, [5, 3, 2])[0],
                "thousand_ton": bool(rng.random() < 0.6), "daily_supply_t": float(rng.integers(1, 50) * 1000),
                "population_served": int(rng.integers(1, 300) * 1000), **xzq}
    return {"plot_code": f"{county}-ZD-{k:05d}", "name": f"基准污染地块{k:05d}", "former_industry": "化工",
            "main_pollutants": "重金属", "list_status": _pick(rng, _codes("plot_status"), 1, [3, 2, 2, 1])[0],
            "planned_land_use": _pick(rng, _codes("land_use"), 1)[0], "investigation_done": bool(rng.random() < 0.7)}


# --- projects --------------------------------------------------------------------------------


def make_projects(n_projects: int, n_zones: int) -> tuple[np.ndarray, list[dict]]:
    rng = np.random.default_rng([SEED, 2, n_projects, n_zones])
    xmin, ymin, side, _ = region(n_zones)
    cx = xmin + rng.uniform(0, side, n_projects)
    cy = ymin + rng.uniform(0, side, n_projects)
    w, h = np.exp(rng.uniform(*np.log(PROJECT_SIDE), size=(2, n_projects)))
    corners = np.stack([np.column_stack([sx * w / 2, sy * h / 2])
                        for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))], axis=1)  # (n, 4, 2)
    irregular = rng.random(n_projects) < 0.5
    wobble = rng.uniform(-0.2, 0.2, size=(n_projects, 4, 2)) * np.minimum(w, h)[:, None, None]
    corners = corners + wobble * irregular[:, None, None]  # each corner stays in its quadrant: a simple quad
    angle = rng.uniform(0, math.pi, n_projects)
    cos, sin = np.cos(angle)[:, None], np.sin(angle)[:, None]
    x = cx[:, None] + corners[..., 0] * cos - corners[..., 1] * sin
    y = cy[:, None] + corners[..., 0] * sin + corners[..., 1] * cos
    ring = np.round(np.stack([x, y], axis=-1), 3)
    geoms = shapely.polygons(np.concatenate([ring, ring[:, :1]], axis=1))
    categories = _pick(rng, _codes("project_category"), n_projects, [1, 2, 3, 3, 2, 2, 2, 1, 1, 1, 1])
    actions = _pick(rng, _codes("project_action"), n_projects, [5, 2, 2, 1])
    land = _pick(rng, _codes("land_use"), n_projects)
    discharges = rng.random(n_projects) < 0.3
    severe = rng.random(n_projects) < 0.05
    records = [{"project_code": f"BENCH-{i + 1:06d}", "name": f"基准建设项目{i + 1:06d}", "category": c,
                "action": a, "discharges_pollutants": bool(d), "severe_polluter": bool(s), "planned_land_use": u}
               for i, (c, a, u, d, s) in enumerate(zip(categories, actions, land, discharges, severe))]
    return geoms, records


# --- files -----------------------------------------------------------------------------------


def _check_zones(zones: dict[str, tuple[list, list[dict]]]) -> None:
    geoms = np.array([g for key in PROTECTED_TYPES for g in zones[key][0]], dtype=object)
    if not shapely.is_valid(geoms).all():
        raise AssertionError("generated an invalid zone")
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    if (left != right).any():
        raise AssertionError("generated zones that overlap")


def ensure_dataset(n_projects: int, n_zones: int, log=print) -> Path:
    """The dataset's GeoPackage, made first if missing."""
    path, stats = dataset_path(n_projects, n_zones), stats_path(n_projects, n_zones)
    if path.exists() and stats.exists():
        return path
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    log(f"generating {path.relative_to(REPO)} …")
    zones = make_zones(n_zones)
    _check_zones(zones)
    pgeoms, precords = make_projects(n_projects, n_zones)
    if not shapely.is_valid(pgeoms).all():
        raise AssertionError("generated an invalid project")
    tmp = path.with_name(".creating-" + path.name)
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    create_workspace(str(tmp), crs=CRS)
    write_features(str(tmp), "project", pgeoms, precords)
    for key in PROTECTED_TYPES:
        polys, records = zones[key]
        write_features(str(tmp), key, [shapely.MultiPolygon([p]) for p in polys], records)
    all_zones = np.array([g for key in PROTECTED_TYPES for g in zones[key][0]], dtype=object)
    vertices = shapely.get_num_coordinates(all_zones)
    _, _, side, _ = region(n_zones)
    info = {
        "generator_version": GEN_VERSION, "seed": SEED, "crs": CRS, "projects": n_projects, "zones": n_zones,
        "region_km": side / 1000, "coverage": float(shapely.area(all_zones).sum() / side**2),
        "zones_by_type": {key: len(zones[key][0]) for key in PROTECTED_TYPES},
        "zone_vertices": {"min": int(vertices.min()), "mean": float(vertices.mean()), "max": int(vertices.max()),
                          "total": int(vertices.sum())},
        "zones_with_hole": int((shapely.get_num_interior_rings(all_zones) > 0).sum()),
        "project_area_m2": {"min": float(shapely.area(pgeoms).min()), "mean": float(shapely.area(pgeoms).mean()),
                            "max": float(shapely.area(pgeoms).max())},
    }
    os.replace(tmp, path)
    stats.write_text(json.dumps(info, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


def dataset_stats(n_projects: int, n_zones: int) -> dict:
    return json.loads(stats_path(n_projects, n_zones).read_text(encoding="utf-8"))


def main() -> None:
    for n_projects, n_zones in dict.fromkeys(COMPARISON_SIZES + SCALING_SIZES):
        path = ensure_dataset(n_projects, n_zones)
        print(path, json.dumps(dataset_stats(n_projects, n_zones), ensure_ascii=False))


if __name__ == "__main__":
    main()
