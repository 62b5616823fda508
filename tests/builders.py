"""Builders for test input files: real Shapefiles, GeoPackages, GeoJSON, CSV and XLSX."""

from __future__ import annotations

import os

import numpy as np
import pyogrio
import pyogrio.raw
import shapely

ORIGIN = (106.2, 29.0)  # the sample district's neighbourhood, CGCS2000 lon/lat


def square(lon: float, lat: float, size: float = 0.001) -> shapely.Polygon:
    return shapely.box(lon, lat, lon + size, lat + size)


def bow_tie(lon: float, lat: float, size: float = 0.001) -> shapely.Polygon:
    """A self-intersecting polygon: the classic invalid geometry."""
    return shapely.Polygon([(lon, lat), (lon + size, lat + size), (lon + size, lat), (lon, lat + size)])


def write_vector(
    path,
    geoms,
    columns: dict[str, list],
    crs: str | None = "EPSG:4490",
    driver: str | None = None,
    layer: str | None = None,
    encoding: str | None = None,
    geometry_type: str = "Unknown",
) -> str:
    """Write features with pyogrio; None geometries stay null."""
    path = os.fspath(path)
    wkb = np.array([None if g is None else shapely.to_wkb(g) for g in geoms], dtype=object)
    names = list(columns)
    arrays = [np.array(columns[n], dtype=object) for n in names]
    kwargs = {}
    if encoding:
        kwargs["encoding"] = encoding
    pyogrio.raw.write(path, wkb, arrays, names, driver=driver, layer=layer, crs=crs,
                      geometry_type=geometry_type, **kwargs)
    return path


def write_shapefile(path, geoms, columns, crs="EPSG:4490", encoding="UTF-8", keep_cpg=True,
                    geometry_type="Polygon") -> str:
    """A Shapefile; encoding='GBK' with keep_cpg=False is the typical agency file; crs=None drops the .prj."""
    path = os.fspath(path)
    # QGIS's OGR provider sets SHAPE_ENCODING="" process-wide, which makes GDAL write the text
    # unconverted (UTF-8); lift it while writing so the file really is in `encoding`.
    previous = pyogrio.get_gdal_config_option("SHAPE_ENCODING")
    pyogrio.set_gdal_config_options({"SHAPE_ENCODING": None})
    try:
        write_vector(path, geoms, columns, crs or "EPSG:4490", "ESRI Shapefile", encoding=encoding,
                     geometry_type=geometry_type)
    finally:
        pyogrio.set_gdal_config_options({"SHAPE_ENCODING": previous})
    stem = os.path.splitext(path)[0]
    if not keep_cpg and os.path.exists(stem + ".cpg"):
        os.remove(stem + ".cpg")
    if crs is None and os.path.exists(stem + ".prj"):
        os.remove(stem + ".prj")
    return path


def write_csv(path, header: list[str], rows: list[list], encoding: str = "utf-8") -> str:
    import csv

    with open(path, "w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return os.fspath(path)


def write_xlsx(path, header: list[str], rows: list[list]) -> str:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return os.fspath(path)


def layer_rows(path: str, key: str) -> list[dict]:
    """Every feature of a workspace layer as a dict with 'geometry'."""
    from green_shield.core.workspace import read_layer

    geoms, columns, _ = read_layer(path, key)
    rows = []
    for i, geom in enumerate(geoms):
        row = {name: values[i] for name, values in columns.items()}
        row["geometry"] = geom
        rows.append(row)
    return rows


def screened_district(folder) -> tuple[str, str]:
    """The sample district in `folder` and its screening result: (workspace, screening GeoPackage)."""
    from green_shield.core.cli import main
    from green_shield.core.sample_district import build_sample_district

    workspace = os.path.join(str(folder), "district.gpkg")
    build_sample_district(workspace)
    screening = os.path.join(str(folder), "screening.gpkg")
    if main(["screen", "-w", workspace, "--out", screening]) != 0:
        raise RuntimeError("screening the sample district failed")
    return workspace, screening
