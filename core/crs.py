"""CGCS2000 coordinate systems: choosing the Gauss-Krüger zone for planar measurement."""

from __future__ import annotations

import math

CGCS2000_GEOGRAPHIC = "EPSG:4490"
_GK3_FIRST_EPSG = 4534  # CGCS2000 / 3-degree Gauss-Kruger CM 75E, no zone prefix
_GK3_FIRST_ZONE = 25
_GK3_LAST_ZONE = 45


def gauss_kruger_zone(lon: float) -> int:
    """3° zone number for a longitude (zone n has its central meridian at 3n °E)."""
    zone = int(math.floor(lon / 3.0 + 0.5))
    if not _GK3_FIRST_ZONE <= zone <= _GK3_LAST_ZONE:
        raise ValueError(f"longitude {lon} is outside China's CGCS2000 3-degree zones (75°E–135°E)")
    return zone


def gauss_kruger_epsg(lon: float) -> str:
    """EPSG code of the CGCS2000 3° Gauss-Krüger CRS (no zone prefix) for a longitude."""
    return f"EPSG:{_GK3_FIRST_EPSG + gauss_kruger_zone(lon) - _GK3_FIRST_ZONE}"


def central_meridian(lon: float) -> int:
    return 3 * gauss_kruger_zone(lon)
