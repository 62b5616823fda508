"""PostGIS benchmark (issue 9): screening 200 000 projects in a PostGIS workspace, the spatial filter pushed
into the database against pulling every feature.

    python -m green_shield.bench.postgis [--projects 200000] [--near 3000] [--repeat 3] [--skip gpkg] [--no-trace]

Everything is made afresh in every run (nothing is cached): a throw-away PostgreSQL + PostGIS server
(tests/pg_server.py, or the server named by GREEN_SHIELD_TEST_PG), and in it the workspace ``bench_pg``:

- the sample district's layers (core/sample_district.py, EPSG:4490, copied with ``copy_gpkg_to_postgis``):
  43 protected features (10 red-line patches, 5 nature-reserve zones, 20 water-source zones, 8
  contaminated plots) and its 300 projects (planted inside / crossing / touching / near cases);
- generated projects up to --projects in all (deterministic, fixed seed; COPY into ``bench_pg.project``,
  history triggers off for the bulk load, then VACUUM ANALYZE): --near of them (default 3 000) centred in a
  600 m band around or inside a protected feature, the rest uniform over 106.2 ± 0.5°E, 29.0 ± 0.5°N (about
  97 × 111 km, the district in the middle, as a city region whose protected areas cover a small part);
  15 % points, 20 % lines (2–6 vertices, 100–2 000 m), 65 % polygons (rotated rectangles and irregular
  quadrilaterals, sides 20–300 m, log-uniform; 5 % two-part); category, action, land use from the code
  lists; MISSING_GEOMETRY of them without a location (NULL geometry, as real registers have);
- the same workspace as a GeoPackage (``copy_postgis_to_gpkg``), for the third contender.

Contenders, each in a fresh process (this module with --contender), the same rulebook (the shipped one) and
options as ``green-shield screen`` (planar, near_m 500, threads 2, planar CRS from the projects):

- pushdown: ``load_projects_pushdown`` + ``load_protected`` + ``screen`` + ``add_far_projects``
  (what ``green-shield screen -w PG:…`` does);
- pull-all: ``load_projects(ref, None)`` + ``load_protected`` + ``screen`` (``--pull-all``);
- gpkg: the same on the GeoPackage copy (reference; --skip gpkg leaves it out).

Measured: wall seconds in the contender's process from the first read to the result in memory (imports
excluded), per phase; CPU seconds of the process; its peak resident memory (VmHWM); the server's CPU seconds
over the contender's run (the postmaster's own and its reaped children's, i.e. the backends; local server
only); projects read with geometry and plain rows without. Answers, per project fid: verdict, overlap m²
(rounded to 1e-3), reasons, nearest protected type and distance (1e-2 m); and the set of conflicts (project
fid, zone type and fid, relation, verdict, rule ids, overlap m² and distance rounded). Each contender runs
--repeat times (default 3, rounds interleaved); the run with the median wall time is reported.

Then, not timed as contenders: the pushdown's loading once more with every statement logged and auto_explain
(ANALYZE, BUFFERS) on — the statements and plans are reported; and the pushdown's filter (the clause
load_projects_pushdown builds, fetching fids only) against the same boxes computed once and joined through the
project layer's GiST index — wall ms, the same fids or not, the join's plan. Nothing here asserts a time.

Writes build/bench/postgis_results.{md,json}.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import platform
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from green_shield.bench.generate import BENCH_DIR, REPO, write_results

GEN_VERSION = 1
SEED = 20_260_409
N_PROJECTS = 200_000
N_NEAR = 3_000
MISSING_GEOMETRY = 20
SPREAD_DEG = 0.5
CENTRE_LONLAT = (106.2, 29.0)  # the sample district's origin
NEAR_BAND_M = 600.0
PLANAR = "EPSG:4544"
SCHEMA = "bench_pg"
NEAR_M = 500.0  # green-shield screen's default
WORK_DIR = BENCH_DIR / "postgis"
LABELS = {
    "pushdown": "PostGIS, pushdown (load_projects_pushdown + add_far_projects)",
    "pull_all": "PostGIS, pull all (load_projects, --pull-all)",
    "gpkg": "GeoPackage copy (load_projects)",
}
ORDER = ("pushdown", "pull_all", "gpkg")
SHARES = {"point": 0.15, "line": 0.20, "polygon": 0.65}
SIDE = (20.0, 300.0)
LINE_LENGTH = (100.0, 2000.0)
CATEGORY_WEIGHTS = {"water_supply": 0.04, "linear_infrastructure": 0.10, "industry": 0.18, "real_estate": 0.22,
                    "public_service": 0.10, "agriculture_aquaculture": 0.12, "tourism": 0.07, "mining": 0.03,
                    "eco_restoration": 0.04, "risk_control": 0.02, "other": 0.08}
PLACES = ("青溪", "石门", "白云", "龙潭", "东岭", "西山", "南坪", "北坡", "河湾", "石桥", "桂花", "凉水", "黄葛",
          "双河")


# --- the server and the workspace ---------------------------------------------------------------


def _pg_server():
    sys.path.insert(0, str(REPO / "tests"))
    import pg_server

    return pg_server


def ref_for(schema: str = SCHEMA) -> str:
    return f"PG:service={_pg_server().SERVICE} schema={schema}"


def _lonlat_to_planar():
    from pyproj import Transformer

    return (Transformer.from_crs("EPSG:4490", PLANAR, always_xy=True),
            Transformer.from_crs(PLANAR, "EPSG:4490", always_xy=True))


def make_projects(district: str, n: int, n_near: int, first_fid: int, seed: int = SEED):
    """n projects (geometries in EPSG:4490, records, fids from first_fid), deterministic."""
    import shapely

    from green_shield.core.schema import CODE_LISTS
    from green_shield.core.screening import PROTECTED_TYPES, reproject
    from green_shield.core.workspace import read_layer

    rng = np.random.default_rng([seed, n, n_near])
    fwd, inv = _lonlat_to_planar()
    # the band around / inside the protected features, in metres
    zones = []
    for key in PROTECTED_TYPES:
        geoms = read_layer(district, key)[0]
        zones.extend(g for g in reproject(np.asarray(geoms, dtype=object), "EPSG:4490", PLANAR) if g is not None)
    band = shapely.union_all(shapely.buffer(shapely.make_valid(np.asarray(zones, dtype=object)), NEAR_BAND_M))
    shapely.prepare(band)
    bx0, by0, bx1, by1 = band.bounds
    near_x, near_y = np.empty(0), np.empty(0)
    while len(near_x) < n_near:
        x, y = rng.uniform(bx0, bx1, 4 * n_near), rng.uniform(by0, by1, 4 * n_near)
        keep = shapely.contains_xy(band, x, y)
        near_x, near_y = np.concatenate([near_x, x[keep]]), np.concatenate([near_y, y[keep]])
    near_x, near_y = near_x[:n_near], near_y[:n_near]
    n_far = n - n_near
    lon = rng.uniform(CENTRE_LONLAT[0] - SPREAD_DEG, CENTRE_LONLAT[0] + SPREAD_DEG, n_far)
    lat = rng.uniform(CENTRE_LONLAT[1] - SPREAD_DEG, CENTRE_LONLAT[1] + SPREAD_DEG, n_far)
    far_x, far_y = fwd.transform(lon, lat)
    cx, cy = np.concatenate([near_x, far_x]), np.concatenate([near_y, far_y])
    order = rng.permutation(n)  # near and far projects interleaved in fid order, as a register has them
    cx, cy = cx[order], cy[order]
    kinds = rng.choice(list(SHARES), size=n, p=list(SHARES.values()))
    geoms = np.empty(n, dtype=object)
    # points
    pt = np.flatnonzero(kinds == "point")
    geoms[pt] = shapely.points(cx[pt], cy[pt])
    # lines: 2–6 vertices, a bent walk of total length 100–2000 m
    ln = np.flatnonzero(kinds == "line")
    for i in ln:
        k = int(rng.integers(2, 7))
        length = math.exp(rng.uniform(math.log(LINE_LENGTH[0]), math.log(LINE_LENGTH[1])))
        heading = rng.uniform(0, 2 * math.pi) + np.concatenate([[0.0], np.cumsum(rng.normal(0, 0.35, k - 2))])
        steps = length / (k - 1)
        xs = cx[i] + np.concatenate([[0.0], np.cumsum(steps * np.cos(heading))])
        ys = cy[i] + np.concatenate([[0.0], np.cumsum(steps * np.sin(heading))])
        geoms[i] = shapely.linestrings(xs - (xs[-1] - xs[0]) / 2, ys - (ys[-1] - ys[0]) / 2)
    # polygons: rotated rectangles (70 %) and irregular convex quadrilaterals, 5 % with a second part
    pg = np.flatnonzero(kinds == "polygon")
    m = len(pg)
    w = np.exp(rng.uniform(math.log(SIDE[0]), math.log(SIDE[1]), m))
    h = np.exp(rng.uniform(math.log(SIDE[0]), math.log(SIDE[1]), m))
    a = rng.uniform(0, math.pi, m)
    ux, uy = np.array([-0.5, 0.5, 0.5, -0.5]), np.array([-0.5, -0.5, 0.5, 0.5])
    jitter = np.where(rng.random(m) < 0.3, 0.18, 0.0)[:, None]
    px = ux[None, :] * (1 + rng.uniform(-1, 1, (m, 4)) * jitter) * w[:, None]
    py = uy[None, :] * (1 + rng.uniform(-1, 1, (m, 4)) * jitter) * h[:, None]
    rx = px * np.cos(a)[:, None] - py * np.sin(a)[:, None] + cx[pg][:, None]
    ry = px * np.sin(a)[:, None] + py * np.cos(a)[:, None] + cy[pg][:, None]
    rings = np.stack([np.concatenate([rx, rx[:, :1]], axis=1), np.concatenate([ry, ry[:, :1]], axis=1)], axis=2)
    polys = shapely.polygons(rings)
    two = rng.random(m) < 0.05
    for j in np.flatnonzero(two):
        d = 0.8 * max(w[j], h[j]) + 20.0
        second = shapely.affinity.translate(shapely.affinity.scale(polys[j], 0.5, 0.5), d * math.cos(a[j]),
                                            d * math.sin(a[j]))
        polys[j] = shapely.MultiPolygon([polys[j], second])
    geoms[pg] = polys
    geoms = shapely.transform(geoms, lambda x, y: inv.transform(x, y), interleaved=False)
    missing = rng.choice(n, size=min(MISSING_GEOMETRY, n), replace=False)
    geoms[missing] = None
    # attributes from the code lists
    categories = rng.choice(list(CATEGORY_WEIGHTS), size=n, p=np.array(list(CATEGORY_WEIGHTS.values())) /
                            sum(CATEGORY_WEIGHTS.values()))
    actions = rng.choice(CODE_LISTS["project_action"].codes(), size=n, p=[0.5, 0.15, 0.15, 0.2])
    land_codes = CODE_LISTS["land_use"].codes()
    land = rng.choice(land_codes, size=n)
    no_land = rng.random(n) < 0.1
    dirty = np.isin(categories, ("industry", "mining", "agriculture_aquaculture"))
    discharges = (dirty & (rng.random(n) < 0.7)) | (rng.random(n) < 0.05)
    severe = (categories == "industry") & (rng.random(n) < 0.2)
    place = rng.integers(len(PLACES), size=n)
    label = {c: CODE_LISTS["project_category"].label_zh(c).split("/")[0] for c in CATEGORY_WEIGHTS}
    fids = np.arange(first_fid, first_fid + n)
    records = [{"project_code": f"BM-{fid:06d}", "name": f"{PLACES[place[i]]}{label[categories[i]]}项目{fid}",
                "category": str(categories[i]), "action": str(actions[i]),
                "discharges_pollutants": bool(discharges[i]), "severe_polluter": bool(severe[i]),
                "planned_land_use": None if no_land[i] else str(land[i]), "notes": None}
               for i, fid in enumerate(fids)]
    stats = {"points": int(len(pt)), "lines": int(len(ln)), "polygons": int(m), "two_part_polygons": int(two.sum()),
             "near_planted": int(n_near), "without_geometry": int(len(missing))}
    return geoms, records, fids, stats


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def copy_projects(con, schema: str, geoms, records, fids, srid: int) -> None:
    """COPY into <schema>.project (geometry as hex EWKB), history triggers off for this bulk load."""
    import io

    import shapely
    from psycopg2 import sql

    from green_shield.core.schema import LAYER_TYPES

    names = LAYER_TYPES["project"].field_names()
    hexes = shapely.to_wkb(shapely.set_srid(geoms, srid), hex=True, include_srid=True)
    buf = io.StringIO()
    for fid, rec, wkb in zip(fids, records, hexes):
        buf.write("\t".join([str(int(fid)), *(_copy_text(rec.get(k)) for k in names),
                             "\\N" if wkb is None else wkb]) + "\n")
    buf.seek(0)
    with con.cursor() as cur:
        cur.execute("SET session_replication_role = replica")  # no audit rows for the bulk load
        cur.copy_expert(sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(schema, "project"),
            sql.SQL(", ").join(sql.Identifier(c) for c in ["fid", *names, "geom"])).as_string(con), buf)
        cur.execute("SET session_replication_role = DEFAULT")
        cur.execute(sql.SQL("SELECT setval(pg_get_serial_sequence({}, 'fid'), %s)").format(
            sql.Literal(f"{schema}.project")), (int(fids.max()),))
    con.commit()


def build_workspace(srv, n_projects: int, n_near: int, with_gpkg: bool, log) -> dict:
    from green_shield.core import postgis
    from green_shield.core.sample_district import build_sample_district
    from green_shield.core.workspace import open_workspace

    WORK_DIR.mkdir(parents=True, exist_ok=True)
    ref = ref_for()
    timings = {}
    t = time.perf_counter()
    district = str(WORK_DIR / "district.gpkg")
    build_sample_district(district, overwrite=True)
    counts = postgis.copy_gpkg_to_postgis(district, ref, overwrite=True)
    timings["sample district + copy_gpkg_to_postgis"] = time.perf_counter() - t
    n_gen = n_projects - counts["project"]
    t = time.perf_counter()
    geoms, records, fids, stats = make_projects(district, n_gen, n_near, counts["project"] + 1)
    timings["generate projects"] = time.perf_counter() - t
    t = time.perf_counter()
    con = srv.connect()
    try:
        copy_projects(con, SCHEMA, geoms, records, fids, 4490)
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute(f"VACUUM ANALYZE {SCHEMA}.project")
            for key in ("redline", "nature_reserve", "water_source_zone", "contaminated_plot"):
                cur.execute(f"VACUUM ANALYZE {SCHEMA}.{key}")
            cur.execute(f"SELECT pg_total_relation_size('{SCHEMA}.project'), "
                        f"pg_relation_size('{SCHEMA}.project'), count(*), sum(ST_NPoints(geom)), "
                        f"sum(octet_length(ST_AsBinary(geom))) FROM {SCHEMA}.project")
            total_size, heap_size, n_rows, n_vertices, wkb_bytes = cur.fetchone()
    finally:
        con.close()
    timings["COPY + VACUUM ANALYZE"] = time.perf_counter() - t
    del geoms, records
    gpkg = None
    if with_gpkg:
        t = time.perf_counter()
        gpkg = str(WORK_DIR / "workspace.gpkg")
        from green_shield.core.postgis import copy_postgis_to_gpkg

        copy_postgis_to_gpkg(ref, gpkg, overwrite=True)
        timings["copy_postgis_to_gpkg"] = time.perf_counter() - t
    info = open_workspace(ref)
    protected = {k: info.layers[k] for k in ("redline", "nature_reserve", "water_source_zone", "contaminated_plot")}
    for name, seconds in timings.items():
        log(f"  {name}: {seconds:.1f} s")
    return {"ref": ref, "gpkg": gpkg, "district": district, "projects": int(n_rows), "district_projects":
            counts["project"], "generated": stats, "protected": protected, "vertices": int(n_vertices or 0),
            "wkb_mb": (wkb_bytes or 0) / 1e6, "table_mb": total_size / 2**20, "heap_mb": heap_size / 2**20,
            "setup_seconds": timings, "crs": info.crs}


# --- contenders (child process) ------------------------------------------------------------------


def _peak_mib() -> float:
    """This process's own peak resident memory (VmHWM; ru_maxrss carries the parent's over fork + exec)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


def _value_bytes(value) -> int:
    """Rough size of a value as read: UTF-8 text, 1 for a boolean, 8 for a number, 0 for NULL."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 0
    if isinstance(value, (bool, np.bool_)):
        return 1
    if isinstance(value, (int, float, np.integer, np.floating)):
        return 8
    return len(str(value).encode("utf-8"))


def contender_main(name: str, source: str, answer: str | None, load_only: bool = False) -> int:
    import shapely

    from green_shield.core.rules import load_rulebook
    from green_shield.core.screening import ScreeningOptions, screen
    from green_shield.core.screening_io import add_far_projects, load_projects, load_projects_pushdown, load_protected

    rulebook = load_rulebook(None)
    options = ScreeningOptions(method="planar", planar_crs=None, sliver_m2=None, near_m=NEAR_M, threads=2)
    phases = {}
    cpu0 = _cpu()
    t0 = time.perf_counter()
    far = None
    if name == "pushdown":
        projects, far, zone = load_projects_pushdown(source, rulebook, NEAR_M)
        options.planar_crs = zone  # the zone of all projects' extent, as pull-all chooses it
    else:
        projects, _ = load_projects(source, None)
    t1 = time.perf_counter()
    phases["load projects"] = t1 - t0
    protected, _ = load_protected(source)
    t2 = time.perf_counter()
    phases["load protected"] = t2 - t1
    out = {"geometry_rows": len(projects), "plain_rows": len(far) if far is not None else 0}
    if load_only:
        print(json.dumps({**out, "phases": phases}))
        return 0
    result = screen(projects, protected, rulebook, options)
    t3 = time.perf_counter()
    phases["screen"] = t3 - t2
    if far is not None:
        add_far_projects(result, far)
    t4 = time.perf_counter()
    if far is not None:
        phases["add_far_projects"] = t4 - t3
    seconds, cpu, peak = t4 - t0, _cpu() - cpu0, _peak_mib()
    geoms = np.asarray(projects.geometries, dtype=object)
    wkb = shapely.to_wkb(geoms)
    geometry_bytes = sum(len(b) for b in wkb if b is not None)
    attribute_bytes = 8 * len(projects) + sum(_value_bytes(v) for values in projects.attributes.values()
                                              for v in values)
    plain_bytes = sum(8 + sum(_value_bytes(v) for k, v in row.items() if k != "fid") for row in (far or []))
    out.update(seconds=seconds, cpu_seconds=cpu, peak_mib=peak, phases=phases, planar_crs=result.planar_crs,
               results=len(result.projects), conflicts=len(result.conflicts),
               verdicts=dict(Counter(p.verdict for p in result.projects)),
               geometry_mb=geometry_bytes / 1e6, payload_mb=(geometry_bytes + attribute_bytes + plain_bytes) / 1e6,
               geometry_vertices=int(shapely.get_num_coordinates(geoms).sum()))
    if answer:
        projects_out = {str(p.fid): [p.verdict, round(p.overlap_m2, 3), round(p.overlap_m, 3), list(p.reasons),
                                     p.nearest_type, None if p.nearest_m is None else round(p.nearest_m, 2),
                                     p.geometry is None]
                        for p in result.projects}
        conflicts = sorted([c.project_fid, c.zone_type, c.zone_fid, c.relation, c.verdict, list(c.rule_ids),
                            round(c.overlap_m2, 3), round(c.distance_m, 2)] for c in result.conflicts)
        with open(answer, "w", encoding="utf-8") as fh:
            json.dump({"projects": projects_out, "conflicts": conflicts,
                       "duplicate_fids": len(result.projects) - len(projects_out)}, fh, ensure_ascii=False)
    print(json.dumps(out))
    return 0


# --- running and comparing ------------------------------------------------------------------------


def _postmaster_pid(srv) -> int | None:
    if srv.external or srv.workdir is None:
        return None
    try:
        return int((Path(srv.workdir) / "data" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _server_cpu(pid: int | None) -> float | None:
    """CPU seconds of the postmaster and its reaped children (the backends that have ended)."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime stime cutime cstime


def run_contender(name: str, source: str, answer: Path | None, timeout: float, srv, load_only: bool = False) -> dict:
    cmd = [sys.executable, "-m", "green_shield.bench.postgis", "--contender", name, "--source", source]
    if answer:
        answer.unlink(missing_ok=True)
        cmd += ["--answer", str(answer)]
    if load_only:
        cmd.append("--load-only")
    row = {"contender": name, "label": LABELS[name]}
    pid = _postmaster_pid(srv)
    cpu0 = _server_cpu(pid)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=BENCH_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return {**row, "status": "timeout"}
    row["process_seconds"] = time.perf_counter() - started
    time.sleep(0.5)  # the backends end and are reaped
    cpu1 = _server_cpu(pid)
    if proc.returncode != 0:
        last = [line for line in stderr.strip().splitlines() if line.strip()][-3:]
        return {**row, "status": "crashed", "error": f"exit {proc.returncode}", "stderr_tail": last}
    row.update(json.loads(stdout.strip().splitlines()[-1]))
    row["status"] = "ok"
    if cpu0 is not None and cpu1 is not None:
        row["server_cpu_seconds"] = cpu1 - cpu0
    if answer:
        row["answer"] = str(answer)
    return row


def _median_run(runs: list[dict]) -> dict:
    """The run with the median wall time (all runs' times beside it); the first run's answer file."""
    ok = [r for r in runs if r["status"] == "ok"]
    if not ok or len(ok) < len(runs):
        return next(r for r in runs if r["status"] != "ok") if len(ok) < len(runs) else runs[0]
    row = dict(sorted(ok, key=lambda r: r["seconds"])[(len(ok) - 1) // 2])
    row["runs_seconds"] = [r["seconds"] for r in ok]
    row["runs_peak_mib"] = [r["peak_mib"] for r in ok]
    row["answer"] = ok[0].get("answer")
    return row


def compare(reference: str, other: str) -> dict:
    """Per project fid: verdict, overlap (m², m), reasons, nearest (type, m); and the set of conflicts."""
    a = json.loads(Path(reference).read_text(encoding="utf-8"))
    b = json.loads(Path(other).read_text(encoding="utf-8"))
    pa, pb = a["projects"], b["projects"]
    only_a, only_b = set(pa) - set(pb), set(pb) - set(pa)
    common = sorted(set(pa) & set(pb), key=int)
    parts = {"verdict": (0,), "overlap": (1, 2), "reasons": (3,), "nearest": (4, 5)}
    bad = {part: [f for f in common if [pa[f][i] for i in idx] != [pb[f][i] for i in idx]]
           for part, idx in parts.items()}
    diffs = {part: {"n": len(fids), "examples": [{"fid": int(f), "reference": pa[f], "other": pb[f]}
                                                 for f in fids[:3]]} for part, fids in bad.items()}
    ca = {json.dumps(c, ensure_ascii=False) for c in a["conflicts"]}
    cb = {json.dumps(c, ensure_ascii=False) for c in b["conflicts"]}
    without_geometry = {f for f in common if pa[f][6] or pb[f][6]}
    differing = set(bad["verdict"]) | set(bad["overlap"]) | set(bad["reasons"])
    same_sets = not only_a and not only_b and not (ca ^ cb) and not a["duplicate_fids"] and not b["duplicate_fids"]
    return {
        "n_only_reference": len(only_a), "n_only_other": len(only_b),
        "only_reference": sorted(only_a, key=int)[:10], "only_other": sorted(only_b, key=int)[:10],
        "differ": diffs,
        "conflicts": {"reference": len(ca), "other": len(cb), "only_reference": len(ca - cb),
                      "only_other": len(cb - ca),
                      "examples_only_reference": sorted(ca - cb)[:3], "examples_only_other": sorted(cb - ca)[:3]},
        "projects_differing": len(differing),
        "projects_differing_without_geometry": len(differing & without_geometry),
        "identical": bool(same_sets and not differing),
        "identical_with_geometry": bool(same_sets and not (differing - without_geometry)),
        "nearest_identical": not bad["nearest"],
    }


# --- what the database did: statements and plans of one pushdown load ------------------------------


_ENTRY = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


def _log_entries(text: str) -> list[str]:
    entries, cur = [], []
    for line in text.splitlines():
        if _ENTRY.match(line) and cur:
            entries.append("\n".join(cur))
            cur = []
        cur.append(line)
    if cur:
        entries.append("\n".join(cur))
    return entries


def traced_pushdown_load(srv, ref: str, timeout: float, log) -> dict:
    """Run the pushdown's loading once more with every statement logged (duration) and auto_explain (ANALYZE,
    BUFFERS) on statements ≥ 20 ms; the statements and plans from the server log. Local server only."""
    if srv.external or srv.workdir is None:
        return {"skipped": "an external server (GREEN_SHIELD_TEST_PG): its log is not readable here"}
    logfile = Path(srv.workdir) / "server.log"
    db = srv.dbname
    settings = {"log_min_duration_statement": "0", "session_preload_libraries": "auto_explain",
                "auto_explain.log_min_duration": "20ms", "auto_explain.log_analyze": "on",
                "auto_explain.log_buffers": "on", "auto_explain.log_nested_statements": "on"}
    try:
        srv.psql("LOAD 'auto_explain'")
    except Exception as exc:  # noqa: BLE001 — only a diagnostic
        settings = {"log_min_duration_statement": "0"}
        log(f"  auto_explain not loadable ({exc}); statements only")
    for k, v in settings.items():
        srv.psql(f"ALTER DATABASE {db} SET {k} = '{v}'", dbname="postgres")
    start = logfile.stat().st_size if logfile.exists() else 0
    try:
        row = run_contender("pushdown", ref, None, timeout, srv, load_only=True)
    finally:
        for k in settings:
            srv.psql(f"ALTER DATABASE {db} RESET {k}", dbname="postgres")
    with open(logfile, encoding="utf-8", errors="replace") as fh:
        fh.seek(start)
        text = fh.read()
    statements, plans = [], []
    for entry in _log_entries(text):
        m = re.search(r"LOG:\s+duration: ([0-9.]+) ms\s+(statement|execute [^:]*|plan):\s?(.*)", entry, re.S)
        if not m:
            continue
        ms, kind, body = float(m.group(1)), m.group(2), m.group(3).strip()
        if kind == "plan":
            plans.append({"ms": ms, "plan": body})
        else:
            statements.append({"ms": ms, "sql": re.sub(r"\s+", " ", body)})
    return {"load": row, "statements": statements, "plans": plans, "n_statements": len(statements),
            "statement_ms": sum(s["ms"] for s in statements)}


def filter_as_join(srv, ref: str, log) -> dict:
    """Not a contender: the pushdown's filter as load_projects_pushdown builds it (postgis._near_clause, the same
    reach) against the same boxes made once (a MATERIALIZED CTE of ST_Expand(zone, dx, dy)) and joined through the
    project layer's GiST index. Wall ms fetching the fids, whether the fid sets are the same, the join's plans."""
    from green_shield.core import postgis
    from green_shield.core.rules import load_rulebook
    from green_shield.core.schema import LAYER_TYPES
    from green_shield.core.screening import PROTECTED_TYPES, ScreeningOptions
    from green_shield.core.workspace import read_meta

    rulebook = load_rulebook(None)
    reach = max([NEAR_M, ScreeningOptions().touch_m] + [rulebook.max_setback_m(k) for k in PROTECTED_TYPES]) + 1.0
    try:
        near = postgis._near_clause(postgis.parse(ref), reach, read_meta(ref).get("crs"), PROTECTED_TYPES)
    except Exception as exc:  # noqa: BLE001 — a diagnostic of a private function: skip if it changed
        return {"skipped": f"postgis._near_clause not usable here ({exc})"}
    con = srv.connect()
    out = {"reach_m": reach, "queries": []}
    try:
        near_sql = near.as_string(con)
        m = re.search(r"ST_Expand\(z\.geom, ([0-9.eE+-]+), ([0-9.eE+-]+)\)", near_sql)
        if not m:
            return {"skipped": "the filter is no longer EXISTS … ST_Expand(z.geom, dx, dy)"}
        dx, dy = m.groups()
        out.update(dx_deg=float(dx), dy_deg=float(dy))
        table = f'"{SCHEMA}"."project"'
        boxes = " UNION ALL ".join(f'SELECT ST_Expand(geom, {dx}, {dy}) AS box FROM "{SCHEMA}"."{LAYER_TYPES[k].table}"'
                                   for k in PROTECTED_TYPES)
        cte = f"WITH z AS MATERIALIZED ({boxes}) "
        hits = f"SELECT q.fid FROM z JOIN {table} q ON q.geom && z.box"
        select = f"SELECT fid FROM {table} p WHERE"
        queries = [("near", "as run: EXISTS (…) OR … per project", f"{select} {near_sql} ORDER BY fid"),
                   ("far", "as run: NOT (EXISTS (…) OR …)", f"{select} NOT ({near_sql}) ORDER BY fid"),
                   ("near", "boxes once + GiST join", f"{cte}{select} fid IN ({hits}) ORDER BY fid"),
                   ("far", "boxes once + GiST join", f"{cte}{select} fid NOT IN ({hits}) ORDER BY fid")]
        fids = {}
        with con.cursor() as cur:
            for side, how, query in queries:
                t = time.perf_counter()
                cur.execute(query)
                got = [r[0] for r in cur.fetchall()]
                ms = (time.perf_counter() - t) * 1000
                plan = None
                if "GiST" in how:
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + query)
                    plan = "\n".join(r[0] for r in cur.fetchall())
                fids.setdefault(side, []).append(got)
                out["queries"].append({"side": side, "how": how, "rows": len(got), "ms": ms, "plan": plan,
                                       "sql": query})
                log(f"    {side}, {how}: {len(got):,} rows, {ms:,.0f} ms")
        con.rollback()
        out["same_fids"] = {side: all(f == got[0] for f in got[1:]) for side, got in fids.items()}
    finally:
        con.close()
    return out


def _shorten(sql: str, n: int = 160) -> str:
    sql = re.sub(r"EXISTS \(SELECT 1 FROM \"bench_pg\".\"(\w+)\" z WHERE p\.geom && ST_Expand\(z\.geom, [^)]*\)\)",
                 r"EXISTS(\1 && ST_Expand)", sql)
    return sql if len(sql) <= n else sql[:n - 1] + "…"


# --- report ---------------------------------------------------------------------------------------


def _n(value) -> str:
    return f"{value:,}".replace(",", " ")


def _range(values: list[float], spec: str = ".2f") -> str:
    return f"{format(min(values), spec)}–{format(max(values), spec)}" if len(values) > 1 else ""


def markdown(result: dict) -> str:
    m, ws = result["machine"], result["workspace"]
    g = ws["generated"]
    rows = result["rows"]
    ok = {r["contender"]: r for r in rows if r["status"] == "ok"}
    ref = result["reference"]
    lines = [f"# PostGIS workspace: pushdown vs pull-all ({result['started']})", "",
             f"Machine: {m['cpus']} CPUs, {m['ram_gib']:.0f} GiB RAM, Python {m['python']}, {m['postgres']}, "
             f"PostGIS {m['postgis']}, GDAL {m['gdal']}; the throw-away server of tests/pg_server.py (shared_buffers "
             f"32 MB, fsync off) on the same machine.", "",
             f"Workspace `{SCHEMA}` ({ws['crs']}): {_n(ws['projects'])} projects — the sample district's "
             f"{ws['district_projects']} and {_n(ws['projects'] - ws['district_projects'])} generated "
             f"({_n(g['points'])} points, {_n(g['lines'])} lines, {_n(g['polygons'])} polygons of which "
             f"{_n(g['two_part_polygons'])} two-part; {_n(g['near_planted'])} placed within {NEAR_BAND_M:.0f} m of "
             f"or inside a protected feature, the rest uniform over {CENTRE_LONLAT[0]} ± {SPREAD_DEG}°E, "
             f"{CENTRE_LONLAT[1]} ± {SPREAD_DEG}°N; {g['without_geometry']} without geometry), "
             f"{_n(ws['vertices'])} vertices, {ws['wkb_mb']:.1f} MB of WKB, table {ws['table_mb']:.0f} MiB with "
             f"indexes; protected (the sample district's): " + ", ".join(f"{k} {v}" for k, v in ws["protected"].items())
             + ".", "",
             f"Each contender ran {result['repeat']}× in a fresh process (rounds interleaved); the run with the median "
             "wall time is shown, with the range of all runs. Wall s = seconds in the contender's process from the "
             "first read to the result in memory (imports excluded), split into its phases; CPU s = that process's "
             "user + system time; server CPU s = the PostgreSQL backends' CPU over the run; peak = the process's "
             "VmHWM. Rows with geometry = projects read with their geometry; plain rows = projects read without it "
             "(fid, code, name, category); payload ≈ WKB + attribute bytes read. Nothing here asserts a time.", "",
             "| contender | rows with geometry | plain rows | payload MB | wall s | wall s, all runs | load projects s "
             "| load protected s | screen s | CPU s | server CPU s | peak MiB | answers |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        if r["status"] != "ok":
            lines.append(f"| {r['label']} | | | | {r['status']} | | | | | | | | {r.get('error', '')} |")
            continue
        ph = r["phases"]
        c = r.get("answers")
        same = "reference" if r["contender"] == ref else (
            "identical: yes" if c and c["identical"] else
            f"identical: **no** ({c['projects_differing']} projects, "
            f"{c['conflicts']['only_reference'] + c['conflicts']['only_other']} conflicts differ)" if c else "—")
        scpu = f"{r['server_cpu_seconds']:.2f}" if "server_cpu_seconds" in r else "—"
        screen_s = ph["screen"] + ph.get("add_far_projects", 0.0)
        lines.append(f"| {r['label']} | {_n(r['geometry_rows'])} | {_n(r['plain_rows'])} | {r['payload_mb']:.1f} | "
                     f"**{r['seconds']:.2f}** | {_range(r.get('runs_seconds', []))} | {ph['load projects']:.2f} | "
                     f"{ph['load protected']:.2f} | {screen_s:.2f} | {r['cpu_seconds']:.2f} | {scpu} | "
                     f"{r['peak_mib']:,.0f} | {same} |")
    if "pushdown" in ok and "pull_all" in ok:
        p, a = ok["pushdown"], ok["pull_all"]
        p_screen = p["phases"]["screen"] + p["phases"].get("add_far_projects", 0.0)
        lines.append(f"| *pull-all ÷ pushdown* | ×{a['geometry_rows'] / max(1, p['geometry_rows']):.1f} | | "
                     f"×{a['payload_mb'] / max(1e-9, p['payload_mb']):.2f} | "
                     f"**×{a['seconds'] / p['seconds']:.2f}** | | "
                     f"×{a['phases']['load projects'] / p['phases']['load projects']:.2f} | | "
                     f"×{a['phases']['screen'] / p_screen:.2f} | ×{a['cpu_seconds'] / p['cpu_seconds']:.2f} | "
                     + (f"×{a['server_cpu_seconds'] / p['server_cpu_seconds']:.3f}"
                        if p.get("server_cpu_seconds") and "server_cpu_seconds" in a else "")
                     + f" | ×{a['peak_mib'] / p['peak_mib']:.2f} | |")
        lines += ["", f"**pull-all ÷ pushdown: ×{a['seconds'] / p['seconds']:.2f} in wall time** "
                      f"({'the pushdown is faster' if p['seconds'] < a['seconds'] else 'pulling all is faster'}), "
                      f"×{a['peak_mib'] / p['peak_mib']:.2f} in peak memory, "
                      f"×{a['geometry_rows'] / p['geometry_rows']:.1f} in rows read with geometry."]
    lines.append("")
    for r in rows:
        if r["status"] == "ok":
            lines.append(f"- {r['contender']}: planar CRS {r['planar_crs']}, {_n(r['results'])} projects in the "
                         f"result, {_n(r['conflicts'])} conflicts, verdicts "
                         + ", ".join(f"{k} {_n(v)}" for k, v in sorted(r["verdicts"].items())) + ".")
    lines.append("")
    for r in rows:
        c = r.get("answers")
        if not c:
            continue
        d = c["differ"]
        lines.append(f"- {r['contender']} vs {ref}: identical: **{'yes' if c['identical'] else 'no'}** (projects "
                     f"only in one: {c['n_only_reference']} / {c['n_only_other']}; differing verdict "
                     f"{d['verdict']['n']}, overlap {d['overlap']['n']}, reasons {d['reasons']['n']}, of them without "
                     f"a geometry {c['projects_differing_without_geometry']}; conflicts "
                     f"{c['conflicts']['reference']} vs {c['conflicts']['other']}, "
                     f"{c['conflicts']['only_reference'] + c['conflicts']['only_other']} differ); identical on the "
                     f"projects with a geometry: **{'yes' if c['identical_with_geometry'] else 'no'}**; nearest "
                     f"protected feature (type, m) the same: {'yes' if c['nearest_identical'] else 'no'} "
                     f"({d['nearest']['n']} differ).")
        shown = set()
        for part in ("verdict", "reasons", "overlap", "nearest"):
            for e in d[part]["examples"][:2]:
                if e["fid"] in shown:
                    continue
                shown.add(e["fid"])
                lines.append(f"  - fid {e['fid']} ({part}): {ref} {e['reference'][:6]}, {r['contender']} "
                             f"{e['other'][:6]}")
    lines.append("")
    tr = result.get("trace")
    if tr and "statements" in tr:
        phases = tr["load"].get("phases", {})
        lines += ["## What the database ran for one pushdown load", "",
                  "The pushdown's loading (load_projects_pushdown + load_protected), run once more with "
                  "`log_min_duration_statement = 0` and auto_explain (ANALYZE, BUFFERS, ≥ 20 ms): "
                  f"{tr['n_statements']} statements, {tr['statement_ms'] / 1000:.2f} s in the server (the load took "
                  f"{phases.get('load projects', float('nan')):.2f} s + "
                  f"{phases.get('load protected', float('nan')):.2f} s with the tracing on). Statements of the "
                  "same text (cursor names aside) are counted together.",
                  "", "| statements | total ms | largest ms | statement |", "|---:|---:|---:|---|"]
        groups: dict[str, list[float]] = {}
        for st in tr["statements"]:
            groups.setdefault(re.sub(r"0x[0-9a-f]+", "…", st["sql"]), []).append(st["ms"])
        for sql, ms in sorted(groups.items(), key=lambda kv: -sum(kv[1]))[:10]:
            lines.append(f"| {len(ms)} | {sum(ms):,.1f} | {max(ms):,.1f} | `{_shorten(sql).replace('|', '¦')}` |")
        lines.append("")
        plans = sorted(tr["plans"], key=lambda p: -p["ms"])
        for i, p in enumerate(plans[:3]):
            text = _plan_text(p["plan"])
            if i == 0:
                lines += [f"Plan of the slowest, {p['ms']:,.1f} ms:", "", "```", text, "```", ""]
            else:
                first = text.splitlines()
                lines.append(f"- also {p['ms']:,.1f} ms: {first[0].strip()} — "
                             + "; ".join(x.strip() for x in first[1:3]))
        lines.append("")
    wf = result.get("filter_as_join")
    if wf and "queries" in wf:
        lines += ["## The same filter as a join (not a contender)", "",
                  f"The pushdown's filter as load_projects_pushdown builds it (reach {wf['reach_m']:.0f} m: "
                  f"ST_Expand by {wf['dx_deg']:.6f}° × {wf['dy_deg']:.6f}°), fetching only the fids, against the same "
                  "boxes computed once (`WITH z AS MATERIALIZED (SELECT ST_Expand(geom, dx, dy) AS box FROM … UNION "
                  "ALL …)`) and joined through the project layer's GiST index (`fid IN (SELECT q.fid FROM z JOIN "
                  "project q ON q.geom && z.box)`, `NOT IN` for the far ones).", "",
                  "| projects | query | rows | wall ms |", "|---|---|---:|---:|"]
        for q in wf["queries"]:
            lines.append(f"| {q['side']} | {q['how']} | {_n(q['rows'])} | {q['ms']:,.0f} |")
        lines += ["", "Same fids: " + ", ".join(f"{k} {'yes' if v else '**no**'}" for k, v in wf["same_fids"].items())
                  + ".", ""]
        join = next((q for q in wf["queries"] if q["side"] == "near" and q["plan"]), None)
        if join:
            lines += ["Plan of the near join:", "", "```", join["plan"], "```", ""]
    elif wf:
        lines += [f"Filter as a join: skipped ({wf.get('skipped')}).", ""]
    setup = ", ".join(f"{k} {v:.1f} s" for k, v in ws["setup_seconds"].items())
    lines.append(f"Setup (not timed): server start {result['server_seconds']:.1f} s, {setup}. Total wall time "
                 f"{result['total_seconds']:.0f} s.")
    return "\n".join(lines) + "\n"


def _plan_text(plan: str, width: int = 220) -> str:
    out = []
    for line in plan.splitlines():
        line = line.rstrip()
        if line.lstrip().startswith("Query Text:"):
            line = line.split("Query Text:", 1)[0] + "Query Text: " + _shorten(line.split("Query Text:", 1)[1].strip())
        out.append(line[:width])
    return "\n".join(out)


def _versions(srv) -> dict:
    out = {}
    try:
        out["postgres"] = srv.psql("SHOW server_version")[0][0]
        out["postgis"] = srv.psql("SELECT postgis_lib_version()")[0][0]
    except Exception:  # noqa: BLE001
        out.update(postgres="?", postgis="?")
    out["postgres"] = f"PostgreSQL {out['postgres']}"
    try:
        import pyogrio

        out["gdal"] = pyogrio.__gdal_version_string__
    except Exception:  # noqa: BLE001
        out["gdal"] = "?"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=N_PROJECTS, help="projects in all (default 200000)")
    parser.add_argument("--near", type=int, default=N_NEAR, help="of them placed near or inside a protected feature")
    parser.add_argument("--skip", default="", help="contenders not to run, comma-separated (pushdown,pull_all,gpkg)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds before a contender is stopped")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each contender (the median is reported)")
    parser.add_argument("--no-trace", action="store_true",
                        help="do not trace the pushdown's statements nor time its filter as a join")
    parser.add_argument("--contender", help=argparse.SUPPRESS)
    parser.add_argument("--source", help=argparse.SUPPRESS)
    parser.add_argument("--answer", help=argparse.SUPPRESS)
    parser.add_argument("--load-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.contender:
        return contender_main(args.contender, args.source, args.answer, args.load_only)

    def log(text: str) -> None:
        print(text, flush=True)

    started = time.perf_counter()
    stamp = _dt.datetime.now().astimezone().isoformat(timespec="seconds")
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    names = [n for n in ORDER if n not in skip]
    pg_server = _pg_server()
    log("starting a throw-away PostgreSQL + PostGIS server …")
    srv = pg_server.start()
    server_seconds = srv.startup_seconds
    os.environ["PGSERVICEFILE"] = str(srv.service_file)
    try:
        log(f"building the workspace ({_n(args.projects)} projects) …")
        ws = build_workspace(srv, args.projects, args.near, "gpkg" in names, log)
        srv.psql(f"SELECT count(*), sum(ST_NPoints(geom)) FROM {SCHEMA}.project")  # table in the OS cache
        answers = WORK_DIR / "answers"
        answers.mkdir(parents=True, exist_ok=True)
        runs: dict[str, list[dict]] = {name: [] for name in names}
        for rep in range(args.repeat):  # rounds interleaved, so a busy moment of the machine hits all alike
            log(f"round {rep + 1} of {args.repeat}:")
            for name in names:
                if runs[name] and runs[name][-1]["status"] != "ok":
                    continue
                log(f"  {LABELS[name]} …")
                source = ws["gpkg"] if name == "gpkg" else ws["ref"]
                row = run_contender(name, source, answers / f"{name}.json" if rep == 0 else None, args.timeout, srv)
                if row["status"] == "ok":
                    log(f"    {row['seconds']:.2f} s ({', '.join(f'{k} {v:.2f}' for k, v in row['phases'].items())}), "
                        f"peak {row['peak_mib']:,.0f} MiB, {_n(row['geometry_rows'])} rows with geometry, "
                        f"{_n(row['plain_rows'])} plain")
                else:
                    log(f"    {row['status']} {row.get('error', '')} {row.get('stderr_tail', '')}")
                runs[name].append(row)
        rows = [_median_run(runs[name]) for name in names]
        ok = {r["contender"]: r for r in rows if r["status"] == "ok"}
        reference = "gpkg" if "gpkg" in ok else ("pull_all" if "pull_all" in ok else next(iter(ok), None))
        for r in rows:
            if reference and r["status"] == "ok" and r["contender"] != reference:
                r["answers"] = compare(ok[reference]["answer"], r["answer"])
                log(f"  {r['contender']} vs {reference}: identical: {'yes' if r['answers']['identical'] else 'no'}"
                    f" (with geometry: {'yes' if r['answers']['identical_with_geometry'] else 'no'})")
        trace = whatif = None
        if not args.no_trace and "pushdown" in names:
            log("tracing the pushdown's statements …")
            trace = traced_pushdown_load(srv, ws["ref"], args.timeout, log)
            log("the pushdown's filter as run and as a join:")
            whatif = filter_as_join(srv, ws["ref"], log)
        versions = _versions(srv)
    finally:
        srv.stop()
        for made in ("workspace.gpkg", "district.gpkg"):  # rebuilt in every run: not kept
            (WORK_DIR / made).unlink(missing_ok=True)
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    result = {"started": stamp, "workspace": ws, "rows": rows, "reference": reference, "trace": trace,
              "filter_as_join": whatif, "repeat": args.repeat,
              "server_seconds": server_seconds,
              "machine": {"cpus": os.cpu_count(), "ram_gib": ram, "python": platform.python_version(),
                          "platform": platform.platform(), **versions},
              "total_seconds": time.perf_counter() - started}
    write_results("postgis_results", result, markdown(result), default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
