"""Red-line boundary adjustment review (评估调整): what moved between two versions, and does it break a rule.

Change pieces are classed added (in NEW only), removed (in OLD only), kept, or noise: the
parts of a difference thinner than the tolerance (a morphological opening by tolerance/2) or
smaller than the minimum area are alignment noise, kept in the output but out of the balance.
Features that did not move are recognised by exact geometry and skip the overlay entirely,
which is where the speed comes from: an adjustment changes a few per cent of the patches.
"""

from __future__ import annotations

import datetime as _dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import shapely

from .errors import EmptyInput, GreenShieldError
from .screening import M2_PER_HA, M2_PER_MU, FeatureSet, _parallel, _repair, planar_crs_for, reproject
from .workspace import built_aside

REASON_FIELDS = ("reason", "调整原因", "调整类型", "tzyy", "TZYY", "change_reason")
DESCRIPTIVE_FIELDS = ("name", "eco_function", "xzqdm", "xzqmc")
FLAG_ZH = {
    "core_zone": "调出部分位于自然保护地核心保护区（核心区），应保留在红线内",
    "level1_water": "调出部分位于饮用水水源一级保护区，一级保护区应划入红线",
    "no_reason": "调出部分没有记录调整原因（保留/退出/扣除），需复核",
    "project": "调入部分与已有建设项目重叠，需复核",
    "listed_plot": "调入部分与名录内污染地块重叠，需复核",
}
FLAG_SEVERITY = {"core_zone": "violation", "level1_water": "violation", "no_reason": "review", "project": "review",
                 "listed_plot": "review"}


class EmptyVersion(EmptyInput):
    code = "empty_version"

    def __init__(self, which: str, source: str) -> None:
        GreenShieldError.__init__(
            self,
            f"The {which} red-line version ({source}) has no polygons; nothing to compare. Check the file and layer.",
            f"{'原' if which == 'old' else '新'}版本生态保护红线（{source}）中没有面要素，无法比对。请检查文件和图层。",
        )


@dataclass
class ChangePiece:
    change: str  # added | removed | kept | noise
    geometry: shapely.Geometry  # planar
    area_m2: float
    old_index: int | None
    new_index: int | None
    bsm_old: str = ""
    bsm_new: str = ""
    division: str = ""
    eco_function: str = ""
    reason: str = ""
    noise_of: str = ""  # for noise: the class it would have had (added / removed)
    flags: list[str] = field(default_factory=list)


@dataclass
class FeatureMatch:
    kind: str  # modified | split | merged
    bsm_old: str
    bsm_new: str
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)
    note: str = ""


@dataclass
class BalanceRow:
    group: str  # division | eco_function | total
    key: str
    old_m2: float
    new_m2: float
    added_m2: float
    removed_m2: float
    noise_m2: float

    @property
    def net_m2(self) -> float:
        return self.added_m2 - self.removed_m2

    @property
    def pct(self) -> float:
        return 100.0 * self.net_m2 / self.old_m2 if self.old_m2 else 0.0


@dataclass
class VerdictChange:
    project_code: str
    name: str
    old_verdict: str
    new_verdict: str
    note: str


@dataclass
class RedlineDiff:
    pieces: list[ChangePiece]
    matches: list[FeatureMatch]
    balance: list[BalanceRow]
    planar_crs: str
    tolerance_m: float
    min_area_m2: float
    old_source: str
    new_source: str
    match_field: str | None
    by_field: str
    warnings: list[str] = field(default_factory=list)
    verdict_changes: list[VerdictChange] = field(default_factory=list)
    landcover: dict[str, dict[int, float]] = field(default_factory=dict)  # added/removed → code → m²
    started: str = ""

    @property
    def total(self) -> BalanceRow:
        return next(row for row in self.balance if row.group == "total")

    @property
    def shrinks(self) -> bool:
        """The red line must not shrink overall."""
        return self.total.new_m2 < self.total.old_m2 - 1e-6 * max(1.0, self.total.old_m2)

    def of(self, change: str) -> list[ChangePiece]:
        return [p for p in self.pieces if p.change == change]

    def flagged(self) -> list[ChangePiece]:
        return [p for p in self.pieces if p.flags]


def _text(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()


def _prepare_version(fs: FeatureSet, which: str, planar: str, warnings: list[str], threads: int = 2
                     ) -> tuple[np.ndarray, float]:
    """Planar, repaired geometries and the dissolved area of the version."""
    geoms = reproject(np.asarray(fs.geometries, dtype=object), fs.crs, planar)
    present = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    if not present.any():
        raise EmptyVersion(which, fs.source)
    dims = np.where(present, shapely.get_dimensions(geoms), -1)
    if (dims[present] != 2).any():
        from .errors import WrongGeometryType

        raise WrongGeometryType(fs.source, "non-polygon", "polygon", "redline")
    geoms, repaired = _repair(geoms, 2, threads)
    if repaired.any():
        warnings.append(f"{which}: {int(repaired.sum())} invalid polygons repaired (make-valid)")
    if fs.crs != planar:
        warnings.append(f"{which}: reprojected from {fs.crs} to {planar}")
    # overlaps inside one version would count twice: report them; the total is of the dissolved version,
    # computed cluster by cluster (a union of the whole version would cost more than the comparison)
    ok = np.flatnonzero(~shapely.is_missing(geoms) & ~shapely.is_empty(geoms))
    tree = shapely.STRtree(geoms[ok])
    a, b = tree.query(geoms[ok])
    keep = a < b
    a, b = a[keep], b[keep]
    meet = _parallel(shapely.intersects, (geoms[ok[a]], geoms[ok[b]]), threads, key=a).astype(bool)
    a, b = a[meet], b[meet]
    shared = _parallel(lambda x, y: shapely.area(shapely.intersection(x, y)), (geoms[ok[a]], geoms[ok[b]]),
                       threads).astype(float)
    pairs = [(int(i), int(j)) for i, j, s in zip(a, b, shared) if s > 0]
    total = float(shapely.area(geoms[ok]).sum())
    if pairs:
        warnings.append(f"{which}: {len(pairs)} pairs of patches overlap ({shared.sum():,.1f} m²); "
                        "areas are of the dissolved version")
        for cluster in _clusters(pairs):
            members = geoms[ok[list(cluster)]]
            total -= float(shapely.area(members).sum()) - float(shapely.area(shapely.union_all(members)))
    return geoms, total


def _clusters(pairs: list[tuple[int, int]]) -> list[set[int]]:
    """Connected groups of overlapping patches."""
    parent: dict[int, int] = {}

    def find(i: int) -> int:
        parent.setdefault(i, i)
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in pairs:
        parent[find(i)] = find(j)
    groups: dict[int, set[int]] = defaultdict(set)
    for i in parent:
        groups[find(i)].add(i)
    return list(groups.values())


def _split_noise(piece, tolerance: float, min_area: float) -> tuple[shapely.Geometry, shapely.Geometry]:
    """(substantive part, noise part): an opening by tolerance/2 keeps what is wider than the tolerance."""
    if piece is None or piece.is_empty:
        return shapely.Polygon(), shapely.Polygon()
    core = shapely.intersection(shapely.buffer(shapely.buffer(piece, -tolerance / 2, join_style="mitre"),
                                               tolerance / 2, join_style="mitre"), piece)
    parts = [p for p in shapely.get_parts(core) if p.geom_type == "Polygon" and p.area >= min_area]
    real = shapely.union_all(parts) if parts else shapely.Polygon()
    noise = shapely.difference(piece, real) if parts else piece
    return real, noise


def _differences(a: np.ndarray, b: np.ndarray, changed_a: np.ndarray) -> dict[int, shapely.Geometry]:
    """For each changed feature i of `a`: a[i] minus the union of the `b` features it meets."""
    tree = shapely.STRtree(b)
    out = {}
    for i in changed_a:
        near = tree.query(a[i], predicate="intersects")
        out[int(i)] = shapely.difference(a[i], shapely.union_all(b[near])) if len(near) else a[i]
    return out


def diff_redlines(
    old: FeatureSet,
    new: FeatureSet,
    *,
    tolerance_m: float = 1.0,
    min_area_m2: float = 100.0,
    match_field: str | None = "bsm",
    by_field: str = "xzqmc",
    planar_crs: str | None = None,
    progress: Callable[[float], None] | None = None,
) -> RedlineDiff:
    """Compare two red-line versions; see the module docstring."""
    started = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    warnings: list[str] = []
    planar = planar_crs or planar_crs_for(np.asarray(old.geometries, dtype=object), old.crs)
    og, old_total = _prepare_version(old, "old", planar, warnings)
    ng, new_total = _prepare_version(new, "new", planar, warnings)
    if progress:
        progress(0.1)
    o_ok, n_ok = np.flatnonzero(~shapely.is_missing(og)), np.flatnonzero(~shapely.is_missing(ng))

    # unchanged patches: the same geometry in both versions (normalised WKB)
    o_key = {shapely.to_wkb(shapely.normalize(og[i])): i for i in o_ok}
    same_new = {}
    for j in n_ok:
        i = o_key.get(shapely.to_wkb(shapely.normalize(ng[j])))
        if i is not None:
            same_new[int(j)] = int(i)
    same_old = set(same_new.values())
    changed_old = np.array([i for i in o_ok if int(i) not in same_old], dtype=int)
    changed_new = np.array([j for j in n_ok if int(j) not in same_new], dtype=int)
    removed = _differences(og, ng[n_ok], changed_old)
    added = _differences(ng, og[o_ok], changed_new)
    if progress:
        progress(0.5)

    def attr(fs: FeatureSet, i, name: str) -> str:
        return _text(fs.attributes.get(name, [None] * len(fs))[i]) if name in fs.attributes else ""

    reason_field = next((f for f in REASON_FIELDS if f in new.attributes), None)
    has_match = bool(match_field and match_field in old.attributes and match_field in new.attributes)
    if match_field and not has_match:
        warnings.append(f"match field '{match_field}' is missing in a version: features matched by geometry")
    new_by_id: dict[str, list[int]] = defaultdict(list)
    if has_match:
        for j in range(len(new)):
            new_by_id[attr(new, j, match_field)].append(j)

    new_tree = shapely.STRtree(ng[n_ok])

    def removal_reason(i: int) -> str:
        """The reason NEW records for a removal from old patch i: on the record with the same id (kept,
        or left without geometry when the whole patch goes), else on the new patches it became."""
        if not reason_field:
            return ""
        candidates = new_by_id.get(attr(old, i, match_field), []) if has_match else []
        candidates += [int(j) for j in n_ok[new_tree.query(og[i], predicate="intersects")]]
        for j in candidates:
            if attr(new, j, reason_field):
                return attr(new, j, reason_field)
        return ""

    pieces: list[ChangePiece] = []
    for i, geom in removed.items():
        real, noise = _split_noise(geom, tolerance_m, min_area_m2)
        common = dict(old_index=i, new_index=None, bsm_old=attr(old, i, match_field or "bsm"),
                      division=attr(old, i, by_field), eco_function=attr(old, i, "eco_function"))
        if not real.is_empty:
            pieces.append(ChangePiece("removed", real, real.area, reason=removal_reason(i), **common))
        if not noise.is_empty and noise.area > 0:
            pieces.append(ChangePiece("noise", noise, noise.area, noise_of="removed", **common))
    for j, geom in added.items():
        real, noise = _split_noise(geom, tolerance_m, min_area_m2)
        common = dict(old_index=None, new_index=j, bsm_new=attr(new, j, match_field or "bsm"),
                      division=attr(new, j, by_field), eco_function=attr(new, j, "eco_function"),
                      reason=attr(new, j, reason_field) if reason_field else "")
        if not real.is_empty:
            pieces.append(ChangePiece("added", real, real.area, **common))
        if not noise.is_empty and noise.area > 0:
            pieces.append(ChangePiece("noise", noise, noise.area, noise_of="added", **common))
    for i in o_ok:  # kept: the old patch minus what was removed from it
        i = int(i)
        kept = og[i] if i not in removed else shapely.difference(og[i], removed[i])
        if not kept.is_empty:
            pieces.append(ChangePiece("kept", kept, kept.area, old_index=i, new_index=None,
                                      bsm_old=attr(old, i, match_field or "bsm"), division=attr(old, i, by_field),
                                      eco_function=attr(old, i, "eco_function")))
    if progress:
        progress(0.7)

    matches = _matches(old, new, og, ng, o_ok, n_ok, same_new, match_field if has_match else None, min_area_m2,
                       attr)
    balance = _balance(old, new, og, ng, o_ok, n_ok, pieces, by_field, attr, old_total, new_total)
    if progress:
        progress(0.9)
    return RedlineDiff(pieces=pieces, matches=matches, balance=balance, planar_crs=planar, tolerance_m=tolerance_m,
                       min_area_m2=min_area_m2, old_source=old.source, new_source=new.source,
                       match_field=match_field if has_match else None, by_field=by_field, warnings=warnings,
                       started=started)


def _matches(old, new, og, ng, o_ok, n_ok, same_new, match_field, min_area, attr) -> list[FeatureMatch]:
    """Modified attributes (same id), splits (one old patch → several new) and merges (several → one)."""
    out: list[FeatureMatch] = []
    if match_field:
        old_by_id = {attr(old, int(i), match_field): int(i) for i in o_ok}
        for j in n_ok:
            bsm = attr(new, int(j), match_field)
            i = old_by_id.get(bsm)
            if i is None:
                continue
            changes = {f: (attr(old, i, f), attr(new, int(j), f)) for f in DESCRIPTIVE_FIELDS
                       if f in old.attributes and f in new.attributes and attr(old, i, f) != attr(new, int(j), f)}
            if changes:
                out.append(FeatureMatch("modified", bsm, bsm, changes,
                                        "属性变更：" + "；".join(f"{k}: {a} → {b}" for k, (a, b) in changes.items())))
    tree = shapely.STRtree(ng[n_ok])
    for i in o_ok:
        if int(i) in same_new.values():
            continue
        near = n_ok[tree.query(og[i], predicate="intersects")]
        big = [int(j) for j in near if shapely.area(shapely.intersection(og[i], ng[j])) >= max(min_area, 1.0)]
        if len(big) >= 2:
            key = match_field or "bsm"
            out.append(FeatureMatch("split", attr(old, int(i), key), ",".join(attr(new, j, key) for j in big),
                                    note=f"一个图斑拆分为 {len(big)} 个"))
    tree = shapely.STRtree(og[o_ok])
    for j in n_ok:
        if int(j) in same_new:
            continue
        near = o_ok[tree.query(ng[j], predicate="intersects")]
        big = [int(i) for i in near if shapely.area(shapely.intersection(ng[j], og[i])) >= max(min_area, 1.0)]
        if len(big) >= 2:
            key = match_field or "bsm"
            out.append(FeatureMatch("merged", ",".join(attr(old, i, key) for i in big), attr(new, int(j), key),
                                    note=f"{len(big)} 个图斑合并为一个"))
    return out


def _balance(old, new, og, ng, o_ok, n_ok, pieces, by_field, attr, old_total, new_total) -> list[BalanceRow]:
    rows: list[BalanceRow] = []
    for group, name in (("division", by_field), ("eco_function", "eco_function")):
        keys: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0, 0.0])
        for i in o_ok:
            keys[attr(old, int(i), name)][0] += og[i].area
        for j in n_ok:
            keys[attr(new, int(j), name)][1] += ng[j].area
        for p in pieces:
            key = p.division if group == "division" else p.eco_function
            if p.change == "added":
                keys[key][2] += p.area_m2
            elif p.change == "removed":
                keys[key][3] += p.area_m2
            elif p.change == "noise":
                keys[key][4] += p.area_m2 if p.noise_of == "added" else -p.area_m2
        for key in sorted(keys):
            o, n, a, r, z = keys[key]
            rows.append(BalanceRow(group, key, o, n, a, r, z))
    added = sum(p.area_m2 for p in pieces if p.change == "added")
    removed = sum(p.area_m2 for p in pieces if p.change == "removed")
    noise = sum((p.area_m2 if p.noise_of == "added" else -p.area_m2) for p in pieces if p.change == "noise")
    rows.append(BalanceRow("total", "合计", old_total, new_total, added, removed, noise))
    return rows


def check_rules(diff: RedlineDiff, protected: list[FeatureSet], projects: FeatureSet | None) -> None:
    """Flag removals inside core zones or level-1 water zones or without a reason, and additions
    over projects or listed contaminated plots (in place, on diff.pieces)."""
    def zones(key: str, test) -> np.ndarray:
        out = []
        for fs in protected:
            if fs.key != key:
                continue
            geoms = reproject(np.asarray(fs.geometries, dtype=object), fs.crs, diff.planar_crs)
            out += [g for i, g in enumerate(geoms) if g is not None and test(fs.row(i))]
        return np.array(out, dtype=object)

    core = zones("nature_reserve", lambda r: _text(r.get("zone")) in ("core", "core_protection"))
    level1 = zones("water_source_zone", lambda r: _text(r.get("level")) == "level1")
    listed = zones("contaminated_plot", lambda r: _text(r.get("list_status")) == "listed")
    works = np.array([], dtype=object)
    if projects is not None and len(projects):
        works = reproject(np.asarray(projects.geometries, dtype=object), projects.crs, diff.planar_crs)
        works = works[~shapely.is_missing(works)]
    min_area = max(diff.min_area_m2 / 10, 1.0)

    def overlaps(piece, targets: np.ndarray, areal: bool = True) -> bool:
        if len(targets) == 0:
            return False
        hit = shapely.intersects(targets, piece)
        if not areal:
            return bool(hit.any())
        return any(shapely.area(shapely.intersection(t, piece)) >= min_area for t in targets[hit])

    for p in diff.pieces:
        if p.change == "removed":
            if overlaps(p.geometry, core):
                p.flags.append("core_zone")
            if overlaps(p.geometry, level1):
                p.flags.append("level1_water")
            if not p.reason:
                p.flags.append("no_reason")
        elif p.change == "added":
            if overlaps(p.geometry, works, areal=False):
                p.flags.append("project")
            if overlaps(p.geometry, listed):
                p.flags.append("listed_plot")


def verdict_changes(diff: RedlineDiff, old: FeatureSet, new: FeatureSet, protected: list[FeatureSet],
                    projects: FeatureSet, rulebook) -> None:
    """Projects whose screening verdict differs between the OLD and NEW red line (others unchanged)."""
    from .rules import VERDICT_ZH, VERDICTS
    from .screening import ScreeningOptions, screen

    others = [fs for fs in protected if fs.key != "redline"]
    options = ScreeningOptions(planar_crs=diff.planar_crs, near_m=0)
    before = screen(projects, [*others, _as_redline(old)], rulebook, options)
    after = screen(projects, [*others, _as_redline(new)], rulebook, options)
    for a, b in zip(before.projects, after.projects):
        if a.verdict != b.verdict:
            worse = VERDICTS.index(b.verdict) < VERDICTS.index(a.verdict)
            note = "新增冲突" if worse else "冲突解除"
            diff.verdict_changes.append(VerdictChange(a.code, a.name, a.verdict, b.verdict,
                                                      f"{note}：{VERDICT_ZH[a.verdict]} → {VERDICT_ZH[b.verdict]}"))


def _as_redline(fs: FeatureSet) -> FeatureSet:
    return FeatureSet("redline", fs.geometries, fs.attributes, fs.fids, fs.crs, fs.source)


# --- writing --------------------------------------------------------------------------------

CHANGE_FIELDS = (
    ("change", object), ("change_zh", object), ("area_m2", "float64"), ("area_ha", "float64"), ("area_mu", "float64"),
    ("bsm_old", object), ("bsm_new", object), ("division", object), ("eco_function", object), ("reason", object),
    ("noise_of", object), ("flags", object), ("flag_notes", object), ("severity", object),
)
CHANGE_ZH = {"added": "调入", "removed": "调出", "kept": "保留", "noise": "边界噪声"}
BALANCE_FIELDS = (
    ("group_by", object), ("key", object), ("old_m2", "float64"), ("new_m2", "float64"), ("added_m2", "float64"),
    ("removed_m2", "float64"), ("net_m2", "float64"), ("pct_change", "float64"), ("noise_m2", "float64"),
)


def severity(piece: ChangePiece) -> str:
    levels = [FLAG_SEVERITY[f] for f in piece.flags]
    return "violation" if "violation" in levels else ("review" if levels else "")


def write_diff(diff: RedlineDiff, path: str, crs: str = "EPSG:4490") -> str:
    """DIFF.gpkg: changes (every piece), balance, matches, verdict_changes and diff_run."""

    import pyogrio.raw

    from .screening_io import write_layer


    def table(name: str, rows: list[dict], append: bool = True) -> None:
        names = list(rows[0]) if rows else ["empty"]
        arrays = [np.array([str(r[n]) for r in rows], dtype=object) for n in names] if rows else \
            [np.array([], dtype=object)]
        pyogrio.raw.write(tmp, None, arrays, names, layer=name, driver="GPKG", append=append)

    with built_aside(path) as tmp:
        geoms = reproject(np.array([p.geometry for p in diff.pieces], dtype=object), diff.planar_crs, crs)
        rows = [{
            "change": p.change, "change_zh": CHANGE_ZH[p.change], "area_m2": p.area_m2,
            "area_ha": p.area_m2 / M2_PER_HA, "area_mu": p.area_m2 / M2_PER_MU, "bsm_old": p.bsm_old,
            "bsm_new": p.bsm_new, "division": p.division,
            "eco_function": p.eco_function, "reason": p.reason, "noise_of": p.noise_of, "flags": ",".join(p.flags),
            "flag_notes": "；".join(FLAG_ZH[f] for f in p.flags), "severity": severity(p),
        } for p in diff.pieces]
        write_layer(tmp, "changes", geoms, rows, CHANGE_FIELDS, crs, append=False)
        balance = [{"group_by": b.group, "key": b.key, "old_m2": b.old_m2, "new_m2": b.new_m2, "added_m2": b.added_m2,
                    "removed_m2": b.removed_m2, "net_m2": b.net_m2, "pct_change": b.pct, "noise_m2": b.noise_m2}
                   for b in diff.balance]
        write_layer(tmp, "balance", None, balance, BALANCE_FIELDS, None, append=True)
        table("matches", [{"kind": m.kind, "bsm_old": m.bsm_old, "bsm_new": m.bsm_new, "note": m.note}
                          for m in diff.matches])
        table("verdict_changes", [{"project_code": v.project_code, "name": v.name, "old_verdict": v.old_verdict,
                                   "new_verdict": v.new_verdict, "note": v.note} for v in diff.verdict_changes])
        meta = {"old": diff.old_source, "new": diff.new_source, "planar_crs": diff.planar_crs,
                "tolerance_m": f"{diff.tolerance_m:g}", "min_area_m2": f"{diff.min_area_m2:g}",
                "match_field": diff.match_field or "(geometry)", "by_field": diff.by_field,
                "shrinks": "yes" if diff.shrinks else "no", "started": diff.started}
        meta.update({f"warning_{i + 1}": w for i, w in enumerate(diff.warnings)})
        table("diff_run", [{"key": k, "value": v} for k, v in meta.items()])
    return path
