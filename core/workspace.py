"""The workspace: one GeoPackage holding every layer of the data model.

Written with pyogrio. Appends run in one GDAL transaction, so a failure part-way leaves the
GeoPackage as it was. GeoPackage version 1.2 keeps the file readable by the GDAL that
QGIS 3.22 ships.
"""

from __future__ import annotations

import datetime as _dt
import os
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pyogrio
import pyogrio.raw
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from . import __version__
from .case_rules import install_case_rules
from .errors import InvalidCRS, NotAWorkspace, OutputIsAWorkspace, WorkspaceExists, WriteFailed
from .schema import (
    ADDED_LAYERS,
    DEFAULT_CRS,
    LAYER_TYPES,
    SCHEMA_VERSION,
    FieldDef,
    LayerType,
    WorkspaceInfo,
    layer_type,
)

META_TABLE = "gs_workspace"
GPKG_OPTIONS = {"VERSION": "1.2"}

_OGR_GEOMETRY = {"point": "Point", "line": "MultiLineString", "polygon": "MultiPolygon", "any": "Unknown", "none": None}
_EMPTY_DTYPE = {"text": object, "int": "int64", "real": "float64", "date": "datetime64[D]", "bool": bool}


@contextmanager
def built_aside(path: str, verb: str = "writing") -> Iterator[str]:
    """A temporary file name next to `path`; the file moves into place when the block succeeds.

    So a failure (or a cancellation) never leaves a half-written output behind. An output
    that would replace a workspace is refused.
    """
    refuse_workspace_as_output(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    stem, ext = os.path.splitext(os.path.basename(path))
    tmp = os.path.join(folder, f".{verb}-{stem}{ext or '.gpkg'}")
    if os.path.exists(tmp):
        os.remove(tmp)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _postgis(path) -> bool:
    return isinstance(path, str) and path.startswith("PG:")


def refuse_workspace_as_output(path: str) -> None:
    """Raise OutputIsAWorkspace when `path` is an existing workspace (an output must never replace one)."""
    if not os.path.exists(path):
        return
    try:
        with sqlite3.connect(f"file:{os.fspath(path)}?mode=ro", uri=True) as con:
            found = con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                                (META_TABLE,)).fetchone()
    except sqlite3.DatabaseError:
        return
    if found:
        raise OutputIsAWorkspace(os.fspath(path))


def normalise_crs(crs: str) -> str:
    """Return 'AUTH:CODE' for anything PROJ understands, or raise InvalidCRS."""
    try:
        parsed = CRS.from_user_input(crs)
    except CRSError:
        raise InvalidCRS(str(crs)) from None
    auth = parsed.to_authority()
    return f"{auth[0]}:{auth[1]}" if auth else parsed.to_wkt()


def ogr_geometry_type(lt: LayerType) -> str | None:
    return _OGR_GEOMETRY[lt.geometry]


def _create_layer(path: str, lt: LayerType, crs: str) -> None:
    table = lt.geometry == "none"
    pyogrio.raw.write(
        path,
        None if table else np.array([], dtype=object),
        [np.array([], dtype=_EMPTY_DTYPE[f.type]) for f in lt.fields],
        lt.field_names(),
        layer=lt.table,
        driver="GPKG",
        geometry_type=ogr_geometry_type(lt),
        crs=None if table else crs,
        dataset_options=GPKG_OPTIONS,
        append=os.path.exists(path),
    )


def create_workspace(path: str, crs: str = DEFAULT_CRS, overwrite: bool = False) -> WorkspaceInfo:
    """Create an empty workspace GeoPackage with every layer of the data model.

    Built in a temporary file next to the target and moved into place at the end, so a
    failure never leaves a half-made workspace.
    """
    crs = normalise_crs(crs)
    path = os.fspath(path)
    if os.path.exists(path) and not overwrite:
        raise WorkspaceExists(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".creating-{os.path.basename(os.path.splitext(path)[0])}.gpkg")
    if os.path.exists(tmp):
        os.remove(tmp)
    try:
        for lt in LAYER_TYPES.values():
            _create_layer(tmp, lt, crs)
        meta = {
            "schema_version": str(SCHEMA_VERSION),
            "workspace_id": uuid.uuid4().hex,  # tells copies of this workspace from other workspaces
            "crs": crs,
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "created_by": f"Green Shield {__version__}",
        }
        pyogrio.raw.write(
            tmp,
            None,
            [np.array(list(meta), dtype=object), np.array(list(meta.values()), dtype=object)],
            ["key", "value"],
            layer=META_TABLE,
            driver="GPKG",
            append=True,
        )
        install_case_rules(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return open_workspace(path)


def read_meta(path: str) -> dict[str, str]:
    if _postgis(path):
        from . import postgis

        return postgis.read_meta(path)
    if not os.path.exists(path):
        raise NotAWorkspace(path, "file not found")
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
            rows = con.execute(f"SELECT key, value FROM {META_TABLE}").fetchall()
    except sqlite3.DatabaseError as exc:
        raise NotAWorkspace(path, str(exc)) from None
    return dict(rows)


def open_workspace(path: str) -> WorkspaceInfo:
    """Check that path is a workspace and report its CRS and layer counts.

    A workspace made by an older version gets the layers added since (empty) and its
    schema version raised, so old workspaces keep working. `PG:… schema=…` names a PostGIS
    workspace (core.postgis).
    """
    if _postgis(path):
        from . import postgis

        return postgis.open_workspace(path)
    path = os.fspath(path)
    meta = read_meta(path)
    present = {name for name, _ in pyogrio.list_layers(path)}
    missing = [key for key in LAYER_TYPES if key not in present]
    if int(meta.get("schema_version", 0)) < SCHEMA_VERSION and all(k in ADDED_LAYERS for k in missing):
        _upgrade(path, meta, missing)
        meta = read_meta(path)
        missing = []
    if missing:
        raise NotAWorkspace(path, f"missing layers: {', '.join(missing)}")
    counts = {key: pyogrio.read_info(path, layer=key)["features"] for key in LAYER_TYPES}
    return WorkspaceInfo(path, meta.get("crs", DEFAULT_CRS), int(meta.get("schema_version", 0)), counts)


_SQL_TYPES = {"text": "TEXT", "int": "INTEGER", "real": "REAL", "date": "DATE", "bool": "BOOLEAN"}


def _upgrade(path: str, meta: dict[str, str], missing: list[str]) -> None:
    """Add the layers and fields an older workspace lacks (empty), then raise its version."""
    crs = meta.get("crs", DEFAULT_CRS)
    for key in missing:
        _create_layer(path, LAYER_TYPES[key], crs)
    with sqlite3.connect(path) as con:
        for lt in LAYER_TYPES.values():
            if lt.key in missing:
                continue
            have = {row[1] for row in con.execute(f'PRAGMA table_info("{lt.table}")')}
            for fd in lt.fields:
                if fd.name not in have:
                    con.execute(f'ALTER TABLE "{lt.table}" ADD COLUMN "{fd.name}" {_SQL_TYPES[fd.type]}')
    install_case_rules(path)
    with sqlite3.connect(path) as con:
        con.execute(f"UPDATE {META_TABLE} SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
        if "workspace_id" not in meta:
            con.execute(f"INSERT INTO {META_TABLE} (key, value) VALUES ('workspace_id', ?)", (uuid.uuid4().hex,))


def _field_array(fd: FieldDef, values: Sequence[Any]) -> tuple[np.ndarray, np.ndarray | None]:
    """Values (None for null) → a numpy array of the field's type and a null mask."""
    mask = np.array([v is None for v in values], dtype=bool)
    if fd.type == "text":
        return np.array([None if v is None else str(v) for v in values], dtype=object), None
    if fd.type == "int":
        arr = np.array([0 if v is None else int(v) for v in values], dtype="int64")
    elif fd.type == "real":
        arr = np.array([0.0 if v is None else float(v) for v in values], dtype="float64")
    elif fd.type == "bool":
        arr = np.array([False if v is None else bool(v) for v in values], dtype=bool)
    elif fd.type == "date":
        arr = np.array(["NaT" if v is None else np.datetime64(v, "D") for v in values], dtype="datetime64[D]")
        return arr, None
    else:
        raise ValueError(fd.type)
    return arr, (mask if mask.any() else None)


def schema_arrays(lt: LayerType, records: Sequence[dict[str, Any]]) -> tuple[list[np.ndarray], list]:
    """Records (stored values) → one typed array and null mask per field of the layer type, for pyogrio."""
    arrays, masks = [], []
    for fd in lt.fields:
        arr, mask = _field_array(fd, [r.get(fd.name) for r in records])
        arrays.append(arr)
        masks.append(mask)
    return arrays, masks


def write_features(
    path: str,
    key: str,
    geometries: Sequence[shapely.Geometry],
    records: Iterable[dict[str, Any]],
) -> int:
    """Append features to a workspace layer in one transaction; return how many.

    Geometries must already be in the workspace CRS and of the layer's type (polygons as
    MultiPolygon, lines as MultiLineString). Records hold stored values (codes, not labels).
    """
    lt = layer_type(key)
    records = list(records)
    if len(records) != len(geometries):
        raise ValueError("one record per geometry")
    if not records:
        return 0
    if _postgis(path):  # one transaction in the database, recorded in its history
        from . import postgis

        return len(postgis.insert_features(path, key, list(geometries), records))
    info = open_workspace(path)
    arrays, masks = schema_arrays(lt, records)
    if lt.geometry == "none":
        wkb = None
    else:
        wkb = np.array(shapely.to_wkb(np.asarray(geometries, dtype=object), flavor="iso"), dtype=object)
    try:
        pyogrio.raw.write(
            path,
            wkb,
            arrays,
            lt.field_names(),
            field_mask=masks,
            layer=lt.table,
            driver="GPKG",
            geometry_type=ogr_geometry_type(lt),
            crs=None if wkb is None else info.crs,
            append=True,
        )
    except Exception as exc:  # pyogrio raises several error types; all mean the same here
        raise WriteFailed(path, str(exc)) from exc
    return len(records)


def read_layer(path: str, key: str) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """Read a workspace layer: (geometries, {field: values}, fids); a GeoPackage or PostGIS workspace."""
    if _postgis(path):
        from . import postgis

        return postgis.read_layer(path, key)
    lt = layer_type(key)
    meta, fids, geometry, field_data = pyogrio.raw.read(path, layer=lt.table, return_fids=True)
    geoms = shapely.from_wkb(geometry) if geometry is not None else np.full(len(fids), None, dtype=object)
    columns = {name: values for name, values in zip(meta["fields"], field_data)}
    return geoms, columns, fids
