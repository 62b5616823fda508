"""Plain-SQLite access to a workspace GeoPackage, for edits that must be one transaction.

GDAL's R-tree triggers call ST_IsEmpty / ST_MinX … which only GDAL defines; `connect`
defines them too (from the GeoPackage geometry header), so rows with geometries can be
inserted and updated from Python inside one SQLite transaction spanning several tables.
"""

from __future__ import annotations

import sqlite3
import struct

import shapely

_ENVELOPE_DOUBLES = {0: 0, 1: 4, 2: 6, 3: 6, 4: 8}


def _header(blob: bytes) -> tuple[int, bool, int, tuple[float, ...]]:
    flags = blob[3]
    little = flags & 1
    n = _ENVELOPE_DOUBLES[(flags >> 1) & 7]
    empty = bool(flags & 16)
    fmt = "<" if little else ">"
    envelope = struct.unpack(fmt + "d" * n, blob[8:8 + 8 * n]) if n else ()
    return 8 + 8 * n, empty, n, envelope


def _bounds(blob: bytes | None) -> tuple[float, float, float, float] | None:
    if blob is None:
        return None
    offset, empty, n, envelope = _header(blob)
    if empty:
        return None
    if n:
        return envelope[0], envelope[1], envelope[2], envelope[3]  # minx, maxx, miny, maxy
    minx, miny, maxx, maxy = shapely.from_wkb(bytes(blob[offset:])).bounds
    return minx, maxx, miny, maxy


def geometry_blob(geometry, srs_id: int) -> bytes | None:
    """A GeoPackage geometry blob (little-endian, XY envelope) for a shapely geometry."""
    if geometry is None:
        return None
    if geometry.is_empty:
        return b"GP\x00" + bytes([0b10001]) + struct.pack("<i", srs_id) + shapely.to_wkb(geometry, flavor="iso")
    minx, miny, maxx, maxy = geometry.bounds
    return (b"GP\x00\x03" + struct.pack("<i", srs_id) + struct.pack("<4d", minx, maxx, miny, maxy)
            + shapely.to_wkb(geometry, flavor="iso", byte_order=1))


def blob_geometry(blob: bytes | None):
    if blob is None:
        return None
    offset, empty, _, _ = _header(blob)
    return shapely.from_wkb(bytes(blob[offset:]))


def _st(index: int):
    def f(blob):
        b = _bounds(blob)
        return None if b is None else b[index]
    return f


def connect(path: str) -> sqlite3.Connection:
    """Open a workspace for a transaction of edits (commit or roll back as a whole)."""
    con = sqlite3.connect(path, isolation_level="DEFERRED")
    con.create_function("ST_IsEmpty", 1, lambda blob: None if blob is None else int(_bounds(blob) is None))
    for i, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        con.create_function(name, 1, _st(i))
    return con


def srs_id(con: sqlite3.Connection, table: str) -> int:
    row = con.execute("SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = ?", (table,)).fetchone()
    return int(row[0]) if row else 0


def read_rows(path: str, table: str) -> list[dict]:
    """Every row of a table as a dict, in fid order, its `geom` decoded to shapely; [] when the table
    does not exist."""
    con = connect(path)
    try:
        if not con.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone():
            return []
        cur = con.execute(f'SELECT * FROM "{table}" ORDER BY fid')
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r)) for r in cur.fetchall()]
    finally:
        con.close()
    for row in rows:
        if "geom" in row:
            row["geom"] = blob_geometry(row["geom"])
    return rows
