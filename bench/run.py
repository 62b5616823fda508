"""``make bench``: Green Shield's screening against QGIS and geopandas, on the same files, in one run.

For each comparison size every contender runs in its own process (contenders.py) on the same
GeoPackage (generate.py); the answers are compared with Green Shield's, and a table of time,
peak memory, ratio and agreement is printed and written to build/bench/results.{json,md}. Then
Green Shield alone runs at 10 000, 50 000 and 200 000 projects against 5 000 zones (scaling).

A contender still running after --timeout seconds (default 600) is stopped, reported as
"> 600 s" and not run at the larger sizes. Speed is shown as ratios measured in the same run;
nothing here asserts a time.

    python -m green_shield.bench.run [--extra] [--quick] [--timeout S]

--extra adds Green Shield with threads=1.
--quick runs only the smallest comparison size and no scaling (a smoke test of the harness).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import signal
import subprocess
import sys
import time

import numpy as np

from green_shield.bench.generate import (
    BENCH_DIR,
    COMPARISON_SIZES,
    SCALING_SIZES,
    dataset_path,
    dataset_stats,
    ensure_dataset,
    write_results,
)

LABELS = {
    "green_shield": "Green Shield screen() (threads=2)",
    "green_shield_1thread": "Green Shield screen() (threads=1)",
    "qgis": "QGIS native:calculatevectoroverlaps",
    "geopandas": "geopandas overlay + sjoin",
}
GREEN_SHIELDS = ("green_shield", "green_shield_1thread")  # the first that finished is the reference
OTHERS = ("qgis", "geopandas")
TARGETS = {"qgis": 30.0, "geopandas": 3.0}
REL_TOL = 1e-6
ABS_TOL = 0.01  # m²: 1 % of the sliver threshold; QGIS's own area rounding reaches ~2e-3 m² (see README)


def _size(n_projects: int, n_zones: int) -> str:
    return f"{n_projects:,} × {n_zones:,}".replace(",", " ")


def run_contender(name: str, n_projects: int, n_zones: int, timeout: float) -> dict:
    """Run one contender in a fresh process; its JSON plus status, process wall time and answer file."""
    answers = BENCH_DIR / "answers"
    answers.mkdir(parents=True, exist_ok=True)
    out = answers / f"{name}_{n_projects}x{n_zones}.npz"
    out.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "green_shield.bench.contenders", name, str(dataset_path(n_projects, n_zones)),
           str(out)]
    row = run_process(cmd, {"contender": name, "label": LABELS[name], "projects": n_projects, "zones": n_zones},
                      timeout)
    if row["status"] == "ok":
        row["answer"] = str(out)
    return row


def run_process(cmd: list[str], row: dict, timeout: float) -> dict:
    """Run a contender process from build/bench; `row` plus status, process wall time and its JSON line.

    cwd build/bench: no folder named processing there to shadow QGIS's processing package.
    """
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    runtime = env.setdefault("XDG_RUNTIME_DIR", f"/tmp/runtime-{os.getuid()}")
    os.makedirs(runtime, mode=0o700, exist_ok=True)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=BENCH_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return {**row, "status": "timeout", "process_seconds": time.perf_counter() - started}
    row = {**row, "process_seconds": time.perf_counter() - started}
    if proc.returncode != 0:
        how = (f"signal {signal.Signals(-proc.returncode).name}" if proc.returncode < 0
               else f"exit {proc.returncode}")
        last = [line for line in stderr.strip().splitlines() if line.strip()][-1:]
        return {**row, "status": "crashed", "error": how + (f": {last[0][:200]}" if last else "")}
    row.update(json.loads(stdout.strip().splitlines()[-1]))
    row["status"] = "ok"
    return row


def compare(reference: str, other: str) -> dict:
    """Flagged sets (any type ≥ the sliver) and per project and type areas of two answer files."""
    a, b = np.load(reference), np.load(other)
    if not np.array_equal(a["fid"], b["fid"]):
        return {"identical": False, "note": "the answers cover different projects"}
    x, y = a["area"], b["area"]
    fx, fy = (x > 0).any(axis=1), (y > 0).any(axis=1)
    diff = np.abs(x - y)
    scale = np.maximum(np.abs(x), np.abs(y))
    rel = np.divide(diff, scale, out=np.zeros_like(diff), where=scale > 0)
    beyond = (rel >= REL_TOL) & (diff >= ABS_TOL)
    return {
        "flagged": int(fy.sum()), "flagged_reference": int(fx.sum()), "flagged_differ": int((fx != fy).sum()),
        "typed_overlaps_differ": int(((x > 0) != (y > 0)).sum()), "max_rel_diff": float(rel.max()),
        "max_abs_diff_m2": float(diff.max()), "over_rel_1e-6": int((rel >= REL_TOL).sum()),
        "beyond_tolerance": int(beyond.sum()),
        "identical": bool((fx == fy).all() and ((x > 0) == (y > 0)).all() and not beyond.any()),
    }


def _fmt_time(row: dict, timeout: float) -> str:
    if row["status"] == "timeout":
        return f"> {timeout:.0f} s"
    if row["status"] == "skipped":
        return "not run"
    if row["status"] == "crashed":
        return "crashed"
    return f"{row['seconds']:.2f}"


def _marginal(rows: list[dict], row: dict) -> str:
    """µs per project added since the next smaller size of the same contender."""
    before = [r for r in rows if r["contender"] == row["contender"] and r["status"] == "ok"
              and r["projects"] < row["projects"]]
    if row["status"] != "ok" or not before:
        return "—"
    prev = max(before, key=lambda r: r["projects"])
    return f"{(row['seconds'] - prev['seconds']) / (row['projects'] - prev['projects']) * 1e6:.0f}"


def comparison(sizes, names, timeout, log) -> list[dict]:
    rows: list[dict] = []
    out_of_time: set[str] = set()
    for n_projects, n_zones in sizes:
        size_rows = []
        for name in names:
            if name in out_of_time:
                size_rows.append({"contender": name, "label": LABELS[name], "projects": n_projects, "zones": n_zones,
                                  "status": "skipped", "note": f"over {timeout:.0f} s at a smaller size"})
                continue
            log(f"  {_size(n_projects, n_zones)}  {LABELS[name]} …")
            row = run_contender(name, n_projects, n_zones, timeout)
            if row["status"] == "timeout":
                out_of_time.add(name)
            log(f"    {row['status']}  {_fmt_time(row, timeout)}  {row.get('error', '')}")
            size_rows.append(row)
        reference = next((r for r in size_rows if r["contender"] in GREEN_SHIELDS and r["status"] == "ok"), None)
        for row in size_rows:
            row["reference"] = reference["contender"] if reference else None
            if reference and row["status"] == "ok":
                row["ratio"] = row["seconds"] / reference["seconds"]
                if row is not reference:
                    row["answers"] = compare(reference["answer"], row["answer"])
        rows.extend(size_rows)
    return rows


def scaling(sizes, names, timeout, comparison_rows, log) -> list[dict]:
    rows = []
    for name in names:
        for n_projects, n_zones in sizes:
            done = next((r for r in comparison_rows if r["contender"] == name and r["projects"] == n_projects
                         and r["zones"] == n_zones and r["status"] != "skipped"), None)
            if done is None:
                log(f"  {_size(n_projects, n_zones)}  {LABELS[name]} …")
                done = run_contender(name, n_projects, n_zones, timeout)
                log(f"    {done['status']}  {_fmt_time(done, timeout)}  {done.get('error', '')}")
            rows.append(done)
            if done["status"] != "ok":
                break
    return rows


def targets(rows: list[dict]) -> list[dict]:
    """For each Green Shield variant: speed-ups at the largest size where it and both others finished."""
    found = []
    for name in GREEN_SHIELDS:
        best = None
        for size in dict.fromkeys((r["projects"], r["zones"]) for r in rows):
            at = {r["contender"]: r for r in rows if (r["projects"], r["zones"]) == size}
            if name in at and all(at.get(k, {}).get("status") == "ok" for k in (name, *OTHERS)):
                best = (size, at)
        if best is None:
            if any(r["contender"] == name for r in rows):
                found.append({"contender": name, "size": None, "met": False, "note": "did not finish"})
            continue
        (n_projects, n_zones), at = best
        speedups = {k: at[k]["seconds"] / at[name]["seconds"] for k in OTHERS}
        found.append({"contender": name, "projects": n_projects, "zones": n_zones, "speedup": speedups,
                      "target": TARGETS, "met": all(speedups[k] >= TARGETS[k] for k in OTHERS)})
    return found


def _slope(rows: list[dict]) -> float | None:
    ok = [r for r in rows if r["status"] == "ok"]
    if len(ok) < 2:
        return None
    return float(np.polyfit(np.log([r["projects"] for r in ok]), np.log([r["seconds"] for r in ok]), 1)[0])


def markdown(result: dict) -> str:
    timeout = result["timeout"]
    lines = [f"# Green Shield benchmark ({result['started']})", "",
             f"Machine: {result['machine']['cpus']} CPUs, Python {result['machine']['python']}; "
             + ", ".join(f"{k} {v}" for k, v in result["versions"].items()) + ".", "",
             "Time = wall seconds inside the contender's own process from the first read of the GeoPackage to the "
             "per-project answer in memory (reading included; start-up, QGIS initialisation and writing the answer "
             "excluded). CPU = user + system time of all its threads over the same span. Peak = the process's peak "
             "resident memory (VmHWM). Ratio = time ÷ Green Shield's "
             "time on the same data in the same run (> 1: Green Shield is faster).", "",
             "## Comparison", "",
             "| projects × zones | contender | time (s) | CPU (s) | peak (MiB) | ratio | answers identical "
             "| max rel diff | max abs diff (m²) | flagged |",
             "|---|---|---:|---:|---:|---:|---|---:|---:|---:|"]
    for r in result["comparison"]:
        ans = r.get("answers")
        same = "reference" if r["contender"] == r.get("reference") else (
            ("yes" if ans["identical"] else "**no**") if ans else "—")
        lines.append("| " + " | ".join([
            _size(r["projects"], r["zones"]), r["label"], _fmt_time(r, timeout),
            f"{r['cpu_seconds']:.2f}" if r["status"] == "ok" else "—",
            f"{r['peak_mib']:.0f}" if r["status"] == "ok" else "—",
            f"{r['ratio']:.2f}" if "ratio" in r else "—", same,
            f"{ans['max_rel_diff']:.1e}" if ans and "max_rel_diff" in ans else "—",
            f"{ans['max_abs_diff_m2']:.1e}" if ans and "max_abs_diff_m2" in ans else "—",
            str(r.get("flagged", "—"))]) + " |")
    notes = [f"- {r['label']} at {_size(r['projects'], r['zones'])}: {r['status']} ({r.get('error') or r.get('note')})"
             for r in result["comparison"] if r["status"] in ("crashed", "skipped")]
    lines += ["", *notes] if notes else []
    lines += ["", "Answers: flagged = projects with an overlap ≥ 1 m² (the rulebook's sliver; smaller overlaps count "
              "as none for every contender); areas agree when the relative difference is < 1e-6 or the absolute one "
              f"< {ABS_TOL} m².", "", "## Targets", ""]
    for t in result["targets"]:
        if "note" in t:
            lines.append(f"- {LABELS[t['contender']]}: {t['note']}.")
            continue
        parts = [f"{t['speedup'][k]:.2f}× vs {LABELS[k]} (target ≥ {TARGETS[k]:g}×)" for k in OTHERS]
        lines.append(f"- {LABELS[t['contender']]} at {_size(t['projects'], t['zones'])}: " + "; ".join(parts)
                     + (" — met" if t["met"] else " — **not met**"))
    lines += ["", "## Scaling (5 000 zones)", "",
              "| contender | projects | time (s) | µs per project | µs per added project | peak (MiB) |",
              "|---|---:|---:|---:|---:|---:|"]
    for r in result["scaling"]:
        us = f"{r['seconds'] / r['projects'] * 1e6:.0f}" if r["status"] == "ok" else "—"
        peak = f"{r['peak_mib']:.0f}" if r["status"] == "ok" else "—"
        lines.append(f"| {r['label']} | {r['projects']:,} | {_fmt_time(r, timeout)} | {us} | "
                     f"{_marginal(result['scaling'], r)} | {peak} |".replace(",", " "))
    for name, slope in result["scaling_exponent"].items():
        lines.append(f"\n{LABELS[name]}: time ∝ projects^{slope:.2f} (log-log fit; 1.00 is linear, less means a "
                     "fixed cost for the zones that more projects share)")
    lines += ["", f"Total wall time of the run: {result['total_seconds']:.0f} s "
              f"(of which data generation {result['generation_seconds']:.0f} s)."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--extra", action="store_true", help="also Green Shield with threads=1")
    parser.add_argument("--quick", action="store_true", help="smallest comparison size only, no scaling")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds before a contender is stopped")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    stamp = _dt.datetime.now().astimezone().isoformat(timespec="seconds")

    def log(text: str) -> None:
        print(text, flush=True)

    comparison_sizes = COMPARISON_SIZES[:1] if args.quick else COMPARISON_SIZES
    scaling_sizes = () if args.quick else SCALING_SIZES
    green = GREEN_SHIELDS if args.extra else GREEN_SHIELDS[:1]
    log("datasets (build/bench, made once):")
    for size in dict.fromkeys(comparison_sizes + scaling_sizes):
        ensure_dataset(*size, log=lambda text: log("  " + text))
    generation = time.perf_counter() - started
    log("comparison:")
    rows = comparison(comparison_sizes, (*green, *OTHERS), args.timeout, log)
    log("scaling:")
    scale = scaling(scaling_sizes, green, args.timeout, rows, log) if scaling_sizes else []
    versions: dict[str, str] = {}
    for r in rows + scale:
        versions.update(r.pop("versions", {}) or {})
    result = {
        "started": stamp, "timeout": args.timeout,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "versions": versions, "timed": "read + compute, inside the contender's process",
        "datasets": {f"{p}x{z}": dataset_stats(p, z) for p, z in dict.fromkeys(comparison_sizes + scaling_sizes)},
        "comparison": rows, "targets": targets(rows), "scaling": scale,
        "scaling_exponent": {n: s for n in green
                             if (s := _slope([r for r in scale if r["contender"] == n])) is not None},
        "generation_seconds": generation,
    }
    result["total_seconds"] = time.perf_counter() - started
    write_results("results", result, markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
