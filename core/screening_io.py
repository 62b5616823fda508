"""Reading screening inputs (a workspace and/or files) and writing the result GeoPackage."""

from __future__ import annotations

import datetime as _dt

import numpy as np
import pyogrio.raw
import shapely

from .errors import EmptyInput, MissingCRS, WrongGeometryType
from .importer import BadValue, convert_value, plan_field_map
from .schema import LAYER_TYPES
from .screening import M2_PER_HA, M2_PER_MU, PROTECTED_TYPES, FeatureSet, ScreeningResult, UnknownZoneType, reproject
from .sources import read_source, split_source
from .workspace import GPKG_OPTIONS, built_aside, open_workspace, read_layer, read_meta


def _from_workspace(path: str, key: str) -> FeatureSet:
    crs = read_meta(path).get("crs") or open_workspace(path).crs  # meta alone: no feature counts needed
    geoms, columns, fids = read_layer(path, key)
    columns = {k: [None if (isinstance(v, float) and np.isnan(v)) else v for v in vals] for k, vals in columns.items()}
    return FeatureSet(key, np.asarray(geoms, dtype=object), columns, np.asarray(fids), crs, f"{path}:{key}")


def convert_columns(lt, raw: dict[str, list], where) -> tuple[dict[str, list], list[str]]:
    """Source values → stored values for every field; a value that does not fit is left empty
    and noted (`where(i)` names row i), so the feature is still screened."""
    columns, notes = {}, []
    for fd in lt.fields:
        out = []
        for i, value in enumerate(raw[fd.name]):
            try:
                out.append(convert_value(fd, value))
            except BadValue as bad:
                notes.append(f"{where(i)}, {fd.name}: {bad.reason}")
                out.append(None)
        columns[fd.name] = out
    return columns, notes


def _from_file(spec: str, key: str, source_crs: str | None = None, keep_extra: bool = False
               ) -> tuple[FeatureSet, list[str]]:
    """A user's file as a layer of type `key`: columns mapped like an import, codes normalised.

    Values that do not fit are left empty and listed (the feature is still screened).
    """
    path, layer = split_source(spec)
    data = read_source(path, layer)
    if len(data) == 0:
        raise EmptyInput(path)
    crs = source_crs or data.crs
    if not crs:
        raise MissingCRS(path)
    lt = LAYER_TYPES[key]
    mapping = plan_field_map(list(data.columns), lt)
    raw = {fd.name: data.columns.get(mapping.get(fd.name, ""), [None] * len(data)) for fd in lt.fields}
    columns, notes = convert_columns(lt, raw, lambda i: f"{path} row {i + 1}")
    if not mapping:
        notes.append(f"{path}: no column matched a field of {key}; rules that need attributes see them as empty")
    if keep_extra:  # the file's other columns, under their own names (a reason field, a grouping field)
        used = set(mapping.values())
        for name, values in data.columns.items():
            if name not in used and name not in columns:
                columns[name] = list(values)
    fids = np.arange(1, len(data) + 1)
    return FeatureSet(key, data.geometries, columns, fids, crs, spec), notes


def load_projects(workspace: str | None, projects: str | None, source_crs: str | None = None
                  ) -> tuple[FeatureSet, list[str]]:
    """Projects from a file (FILE or FILE:LAYER) or else the workspace's project layer."""
    if projects:
        return _from_file(projects, "project", source_crs)
    if not workspace:
        raise EmptyInput("(no projects: give --projects or --workspace)")
    return _from_workspace(workspace, "project"), []


def load_projects_pushdown(workspace: str, rulebook, near_m: float) -> tuple[FeatureSet, list[dict], str]:
    """PostGIS workspace: only the projects within reach of a protected feature (the largest of near_m, the
    rulebook's setbacks and the touching tolerance), found by the database's spatial index; the others
    (fid, code, name, category) come without geometry — they are clear by construction (see add_far_projects);
    and the planar CRS of all projects (the zone of their whole extent, as when every project is read)."""
    from . import postgis
    from .crs import gauss_kruger_epsg
    from .screening import PROTECTED_TYPES, ScreeningOptions

    reach = max([near_m, ScreeningOptions().touch_m] + [rulebook.max_setback_m(k) for k in PROTECTED_TYPES]) + 1.0
    crs = read_meta(workspace).get("crs") or open_workspace(workspace).crs
    (geoms, columns, fids), far, extent = postgis.read_projects_near(workspace, reach, PROTECTED_TYPES)
    columns = {k: [None if (isinstance(v, float) and np.isnan(v)) else v for v in vals] for k, vals in columns.items()}
    source = f"{postgis.parse(workspace)}:project (within {reach:,.0f} m of a protected feature, filtered in PostGIS)"
    if extent is None:
        planar = gauss_kruger_epsg(105.0)
    else:
        from .screening import planar_crs_for

        planar = planar_crs_for(np.array([shapely.box(*extent)], dtype=object), crs)
    return FeatureSet("project", np.asarray(geoms, dtype=object), columns, np.asarray(fids), crs, source), far, planar


def add_far_projects(result, far: list[dict]) -> None:
    """The projects the database found beyond every protected feature's reach: clear, no nearest feature
    within near_m — exactly what screening them would give — listed with the others, in fid order."""
    from .screening import ProjectVerdict

    start = len(result.projects)
    for k, row in enumerate(far):
        result.projects.append(ProjectVerdict(
            index=start + k, fid=int(row["fid"]), code=str(row.get("project_code") or row["fid"]),
            name=row.get("name") or "", category=row.get("category") or "", verdict="CLEAR", n_conflicts=0,
            overlap_m2=0.0, overlap_m=0.0, overlap_pct=0.0, overlap_by_type={}, reasons=[], nearest_m=None,
            nearest_type="", geometry=None, note="远离保护对象（数据库空间筛选）"))
    result.projects.sort(key=lambda p: p.fid)


def load_version(spec: str, source_crs: str | None = None) -> tuple[FeatureSet, list[str]]:
    """A red-line version from FILE[:LAYER], or the redline layer of a workspace (a GeoPackage workspace
    file or a PostGIS workspace PG:… schema=…): schema fields mapped, other columns kept as they are."""
    from .postgis import is_postgis

    if is_postgis(spec):
        return _from_workspace(spec, "redline"), []
    return _from_file(spec, "redline", source_crs, keep_extra=True)


def parse_protected(spec: str) -> tuple[str, str]:
    """'FILE[:layer]=TYPE' → (FILE[:layer], TYPE)."""
    source, sep, key = spec.rpartition("=")
    if not sep or not source:
        raise UnknownZoneType(spec)
    key = key.strip()
    if key not in PROTECTED_TYPES:
        raise UnknownZoneType(key)
    return source, key


def load_protected(workspace: str | None, overrides: list[str] | None = None
                   ) -> tuple[list[FeatureSet], list[str]]:
    """The workspace's protected layers; each `FILE[:layer]=TYPE` replaces that type's layer
    (several for one type add up), or adds the type when there is no workspace."""
    overrides = overrides or []
    parsed = [parse_protected(spec) for spec in overrides]
    replaced = {key for _, key in parsed}
    layers: list[FeatureSet] = []
    notes: list[str] = []
    if workspace:
        for key in PROTECTED_TYPES:
            if key not in replaced:
                layers.append(_from_workspace(workspace, key))
    for source, key in parsed:
        layer, layer_notes = _from_file(source, key)
        dims = {int(shapely.get_dimensions(g)) for g in layer.geometries if g is not None and not g.is_empty}
        if dims and dims != {2}:
            raise WrongGeometryType(source, "/".join(str(d) for d in sorted(dims)) + "-D", "polygon", key)
        layers.append(layer)
        notes.extend(layer_notes)
    return layers, notes


# --- writing --------------------------------------------------------------------------------

CONFLICT_FIELDS = (
    ("project_fid", "int64"), ("project_code", object), ("zone_type", object), ("zone_type_zh", object),
    ("zone_fid", "int64"), ("zone_name", object), ("zone_level", object), ("relation", object),
    ("overlap_m2", "float64"), ("overlap_ha", "float64"), ("overlap_mu", "float64"), ("overlap_len_m", "float64"),
    ("overlap_pct", "float64"), ("distance_m", "float64"), ("rule_id", object), ("rule_ids", object),
    ("verdict", object), ("verdict_zh", object), ("legal_basis", object), ("reason", object),
)
PROJECT_FIELDS = (
    ("project_fid", "int64"), ("project_code", object), ("name", object), ("category", object),
    ("verdict", object), ("verdict_zh", object), ("n_conflicts", "int64"), ("overlap_m2", "float64"),
    ("overlap_ha", "float64"), ("overlap_mu", "float64"), ("overlap_len_m", "float64"), ("overlap_pct", "float64"),
    ("nearest_m", "float64"), ("nearest_type", object), ("reasons", object),
)


def write_layer(path, key, geoms, rows, fields, crs, append, geometry_type: str = "Unknown"):
    """Rows (dicts) with geometries into a GeoPackage layer; numeric None stays NULL."""
    arrays, masks = [], []
    for name, dtype in fields:
        values = [r[name] for r in rows]
        if dtype is object:
            arrays.append(np.array(values, dtype=object))
            masks.append(None)
        else:
            missing = np.array([v is None for v in values])
            arrays.append(np.array([0 if v is None else v for v in values], dtype=dtype))
            masks.append(missing if missing.any() else None)
    if geoms is None:  # an attribute table
        pyogrio.raw.write(path, None, arrays, [n for n, _ in fields], field_mask=masks, layer=key, driver="GPKG",
                          dataset_options=GPKG_OPTIONS, append=append)
        return
    wkb = np.array([None if g is None else shapely.to_wkb(g, output_dimension=2) for g in geoms], dtype=object)
    pyogrio.raw.write(path, wkb, arrays, [n for n, _ in fields], field_mask=masks, layer=key, driver="GPKG",
                      geometry_type=geometry_type, crs=crs, dataset_options=GPKG_OPTIONS, append=append)


def write_results(result: ScreeningResult, path: str, crs: str | None = None) -> str:
    """Write layers conflicts, flagged_projects and screening_run to a new GeoPackage.

    Built in a temporary file and moved into place, so a failure leaves no half-written output.
    """
    crs = crs or result.output_crs
    with built_aside(path) as tmp:
        conflict_geoms = reproject(np.array([c.geometry for c in result.conflicts], dtype=object),
                                   result.planar_crs, crs)
        rows = []
        for c in result.conflicts:
            rows.append({
                "project_fid": c.project_fid, "project_code": c.project_code, "zone_type": c.zone_type,
                "zone_type_zh": LAYER_TYPES[c.zone_type].title_zh, "zone_fid": c.zone_fid,
                "zone_name": c.zone_name, "zone_level": c.zone_level, "relation": c.relation,
                "overlap_m2": c.overlap_m2, "overlap_ha": c.overlap_m2 / M2_PER_HA,
                "overlap_mu": c.overlap_m2 / M2_PER_MU,
                "overlap_len_m": c.overlap_m, "overlap_pct": c.overlap_pct, "distance_m": c.distance_m,
                "rule_id": c.rule_ids[0] if c.rule_ids else "", "rule_ids": ",".join(c.rule_ids),
                "verdict": c.verdict, "verdict_zh": _verdict_zh(c.verdict), "legal_basis": c.legal_basis,
                "reason": c.reason_zh,
            })
        write_layer(tmp, "conflicts", conflict_geoms, rows, CONFLICT_FIELDS, crs, append=False)
        project_geoms = reproject(np.array([p.geometry for p in result.projects], dtype=object),
                                  result.planar_crs, crs)
        rows = [{
            "project_fid": p.fid, "project_code": p.code, "name": p.name, "category": p.category,
            "verdict": p.verdict, "verdict_zh": p.verdict_zh, "n_conflicts": p.n_conflicts,
            "overlap_m2": p.overlap_m2, "overlap_ha": p.overlap_m2 / M2_PER_HA,
            "overlap_mu": p.overlap_m2 / M2_PER_MU,
            "overlap_len_m": p.overlap_m, "overlap_pct": p.overlap_pct, "nearest_m": p.nearest_m,
            "nearest_type": p.nearest_type, "reasons": "\n".join(p.reasons),
        } for p in result.projects]
        write_layer(tmp, "flagged_projects", project_geoms, rows, PROJECT_FIELDS, crs, append=True)
        meta = run_metadata(result)
        pyogrio.raw.write(tmp, None, [np.array(list(meta), dtype=object), np.array(list(meta.values()), dtype=object)],
                          ["key", "value"], layer="screening_run", driver="GPKG", append=True)
    return path


def _verdict_zh(verdict: str) -> str:
    from .rules import VERDICT_ZH

    return VERDICT_ZH[verdict]


def run_metadata(result: ScreeningResult) -> dict[str, str]:
    rb = result.rulebook
    counts = result.counts()
    meta = {
        "rulebook": rb.name, "rulebook_version": str(rb.version), "rulebook_sha256": rb.checksum,
        "rulebook_path": rb.path, "method": result.method, "method_text": result.method_text("zh"),
        "method_text_en": result.method_text("en"), "planar_crs": result.planar_crs,
        "sliver_m2": f"{result.sliver_m2:g}", "sliver_m": f"{result.sliver_m:g}", "started": result.started,
        "seconds": f"{result.seconds:.2f}", "written": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "projects": str(len(result.projects)), "conflicts": str(len(result.conflicts)),
    }
    meta.update({f"count_{k}": str(v) for k, v in counts.items()})
    meta.update({f"source_{k}": v for k, v in result.sources.items()})
    for i, w in enumerate(result.warnings[:200]):
        meta[f"warning_{i + 1}"] = w
    return meta
