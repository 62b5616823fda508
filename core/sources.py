"""Reading the files users bring: Shapefile, GeoPackage, GeoJSON and tables with coordinates.

Everything comes back as shapely geometries plus plain columns, with the CRS as found (None
when the file has none) and how the text encoding was chosen.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import pyogrio
import pyogrio.errors
import pyogrio.raw
import shapely

from .encoding import detect_text_encoding, shapefile_encoding
from .errors import InputNotFound, MissingCoordinateColumns, UnreadableInput

TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xls")
LON_NAMES = ("lon", "lng", "long", "longitude", "x", "经度", "东经", "x坐标", "经度(°)", "jd")
LAT_NAMES = ("lat", "latitude", "y", "纬度", "北纬", "y坐标", "纬度(°)", "wd")


@dataclass
class SourceData:
    path: str
    layer: str | None
    geometries: np.ndarray  # shapely geometries, None where the row has none
    columns: dict[str, list] = field(default_factory=dict)
    crs: str | None = None
    encoding: str = "UTF-8"
    encoding_how: str = "format default"
    kind: str = "vector"  # vector | table

    def __len__(self) -> int:
        return len(self.geometries)


def split_source(spec: str) -> tuple[str, str | None]:
    """'file.gpkg:layer' → (file.gpkg, layer); a Windows drive letter is not a layer."""
    head, sep, tail = spec.rpartition(":")
    if sep and head and len(head) > 1 and not tail.startswith(("\\", "/")) and not os.path.exists(spec):
        return head, tail
    return spec, None


def _find_column(columns: list[str], names: tuple[str, ...]) -> str | None:
    folded = {c.strip().casefold(): c for c in columns}
    for name in names:
        if name.casefold() in folded:
            return folded[name.casefold()]
    return None


def _read_table(path: str, encoding: str | None, x_field: str | None, y_field: str | None) -> SourceData:
    import pandas as pd

    how = "stated by user" if encoding else "detected"
    try:
        if path.lower().endswith((".xlsx", ".xls")):
            frame = pd.read_excel(path, dtype=object)
            encoding, how = "UTF-8", "spreadsheet"
        else:
            if not encoding:
                with open(path, "rb") as fh:
                    encoding = detect_text_encoding(fh.read())
            frame = pd.read_csv(path, dtype=object, encoding=encoding, keep_default_na=False, na_values=[""])
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise UnreadableInput(path, str(exc)) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    names = list(frame.columns)
    x_col = x_field or _find_column(names, LON_NAMES)
    y_col = y_field or _find_column(names, LAT_NAMES)
    if not x_col or not y_col or x_col not in names or y_col not in names:
        raise MissingCoordinateColumns(path, names)
    geoms = np.empty(len(frame), dtype=object)
    for i, (x, y) in enumerate(zip(frame[x_col], frame[y_col])):
        try:
            fx, fy = float(x), float(y)
        except (TypeError, ValueError):
            continue  # left as None: reported as a row without geometry
        if np.isfinite(fx) and np.isfinite(fy):
            geoms[i] = shapely.Point(fx, fy)
    columns = {
        c: [None if (v is None or (isinstance(v, float) and np.isnan(v))) else v for v in frame[c]]
        for c in names
        if c not in (x_col, y_col)
    }
    return SourceData(path, None, geoms, columns, None, encoding, how, "table")


def read_source(
    path: str,
    layer: str | None = None,
    encoding: str | None = None,
    x_field: str | None = None,
    y_field: str | None = None,
) -> SourceData:
    """Read any supported file. `encoding` overrides detection for Shapefiles and CSV."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise InputNotFound(path)
    if path.lower().endswith(TABLE_SUFFIXES):
        return _read_table(path, encoding, x_field, y_field)
    how = "stated by user" if encoding else "format default"
    if path.lower().endswith(".shp") and not encoding:
        encoding, how = shapefile_encoding(path)
    try:
        meta, _, geometry, field_data = pyogrio.raw.read(path, layer=layer, encoding=encoding)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.FieldError,
            pyogrio.errors.GeometryError, OSError) as exc:
        raise UnreadableInput(path, str(exc).strip()) from None
    except UnicodeDecodeError:
        raise UnreadableInput(
            path, f"its field names or values are not valid {encoding or 'UTF-8'} text; state the encoding (e.g. GBK)"
        ) from None
    geoms = shapely.from_wkb(geometry, on_invalid="ignore") if geometry is not None else None
    if geoms is None:
        geoms = np.full(len(field_data[0]) if field_data else 0, None, dtype=object)
    columns = {}
    for name, values in zip(meta["fields"], field_data):
        if isinstance(values, np.ma.MaskedArray):
            values = [None if m else v for v, m in zip(values.data, np.ma.getmaskarray(values))]
        columns[str(name)] = [_plain(v) for v in values]
    return SourceData(path, layer, np.asarray(geoms, dtype=object), columns, meta.get("crs"),
                      encoding or meta.get("encoding") or "UTF-8", how, "vector")


def _plain(value):
    """numpy scalars → Python values; NaN/NaT → None."""
    if value is None:
        return None
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else value.astype("datetime64[D]").item()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def list_layers(path: str) -> list[str]:
    return [str(name) for name, _ in pyogrio.list_layers(path)]
