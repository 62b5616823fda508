"""WGS84 / CGCS2000 ↔ GCJ-02 (Amap, Tencent) ↔ BD-09 (Baidu) coordinate conversions.

Points picked from Chinese web maps are not in WGS84: Amap and Tencent use GCJ-02 ("Mars
coordinates"), a deliberate, non-linear obfuscation of WGS84 of a few hundred metres, and
Baidu adds a second offset on top (BD-09). Enforcement data must be in CGCS2000, which for
our purposes equals WGS84 (the two differ by centimetres), so imported points have to be
converted back.

The formulas are the widely published ones (Krasovsky 1940 ellipsoid and the
``transformLat``/``transformLon`` polynomials; the BD-09 rotation and shift). As in the
common implementations, points outside a rough bounding box of China
(lon 72.004–137.8347, lat 0.8293–55.8271) are returned unchanged by the GCJ-02 functions:
the maps do not offset them there. BD-09 ↔ GCJ-02 is applied everywhere.

Every function accepts floats or numpy arrays (converted element-wise) and returns the same
kind: a tuple of floats for floats, a tuple of float arrays for array-likes.
"""

from __future__ import annotations

import math
from typing import Callable, Tuple, Union

import numpy as np

Number = Union[float, np.ndarray]

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323  # Krasovsky 1940 first eccentricity squared
_X_PI = math.pi * 3000.0 / 180.0

CHINA_LON_MIN = 72.004
CHINA_LON_MAX = 137.8347
CHINA_LAT_MIN = 0.8293
CHINA_LAT_MAX = 55.8271

_INVERSE_TOLERANCE = 1e-9  # degrees, ≈ 0.1 mm
_INVERSE_MAX_ITERATIONS = 30


def _as_arrays(lon: Number, lat: Number) -> tuple[np.ndarray, np.ndarray, bool]:
    """Float arrays of the input, and whether the caller passed plain scalars."""
    scalar = np.ndim(lon) == 0 and np.ndim(lat) == 0
    lon_a, lat_a = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return lon_a, lat_a, scalar


def _result(lon: np.ndarray, lat: np.ndarray, scalar: bool) -> Tuple[Number, Number]:
    if scalar:
        return float(lon), float(lat)
    return lon, lat


def out_of_china(lon: Number, lat: Number) -> Union[bool, np.ndarray]:
    """True where a point is outside the rough box of China in which GCJ-02 is applied."""
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    outside = (lon_a < CHINA_LON_MIN) | (lon_a > CHINA_LON_MAX) | (lat_a < CHINA_LAT_MIN) | (lat_a > CHINA_LAT_MAX)
    return bool(outside) if scalar else outside


def _transform_lat(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * math.pi) + 40.0 * np.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * math.pi) + 320.0 * np.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * math.pi) + 40.0 * np.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * math.pi) + 300.0 * np.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _gcj_offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 minus WGS84 at a WGS84 point, in degrees, zero outside China."""
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = np.radians(lat)
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * math.pi)
    outside = out_of_china(lon, lat)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def _invert(
    forward: Callable[[np.ndarray, np.ndarray], Tuple[Number, Number]],
    target_x: np.ndarray,
    target_y: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Solve forward(x, y) = target by fixed-point iteration x ← x − (forward(x) − target).

    The offsets vary slowly, so this converges fast (a handful of steps). Each point stops
    moving once its own step is below the tolerance, so an array gives exactly the same
    numbers as converting its points one by one. NaN coordinates stay NaN.
    """
    x = np.array(x, dtype=float)
    y = np.array(y, dtype=float)
    active = np.ones(x.shape, dtype=bool)
    for _ in range(_INVERSE_MAX_ITERATIONS):
        fx, fy = forward(x, y)
        step_x = np.where(active, np.asarray(fx) - target_x, 0.0)
        step_y = np.where(active, np.asarray(fy) - target_y, 0.0)
        x = x - step_x
        y = y - step_y
        active &= (np.abs(step_x) >= _INVERSE_TOLERANCE) | (np.abs(step_y) >= _INVERSE_TOLERANCE)
        if not active.any():
            break
    return x, y


def wgs84_to_gcj02(lon: Number, lat: Number) -> Tuple[Number, Number]:
    """WGS84 → GCJ-02 (what Amap/Tencent display for a GPS position). Unchanged outside China."""
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    dlon, dlat = _gcj_offset(lon_a, lat_a)
    return _result(lon_a + dlon, lat_a + dlat, scalar)


def gcj02_to_wgs84(lon: Number, lat: Number) -> Tuple[Number, Number]:
    """GCJ-02 → WGS84, accurate to well under a centimetre. Unchanged outside China.

    GCJ-02 has no closed-form inverse. The common one-step inverse (subtract the offset
    computed at the GCJ-02 point) is off by up to a few metres, too much for enforcement,
    so the estimate is refined by fixed-point iteration x ← x − (f(x) − target).
    """
    target_lon, target_lat, scalar = _as_arrays(lon, lat)
    dlon, dlat = _gcj_offset(target_lon, target_lat)
    wlon, wlat = _invert(wgs84_to_gcj02, target_lon, target_lat, target_lon - dlon, target_lat - dlat)
    # Points at the edge of the box whose estimate crossed it must stay untouched, as the forward does.
    outside = out_of_china(target_lon, target_lat)
    wlon = np.where(outside, target_lon, wlon)
    wlat = np.where(outside, target_lat, wlat)
    return _result(wlon, wlat, scalar)


def gcj02_to_bd09(lon: Number, lat: Number) -> Tuple[Number, Number]:
    """GCJ-02 → BD-09 (Baidu's extra offset, applied everywhere)."""
    x, y, scalar = _as_arrays(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return _result(z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006, scalar)


def _bd09_inverse_crude(bx: np.ndarray, by: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = bx - 0.0065
    y = by - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def bd09_to_gcj02(lon: Number, lat: Number) -> Tuple[Number, Number]:
    """BD-09 → GCJ-02, refined so that converting back reproduces the input within 1e-9°.

    The usual closed-form inverse is off by up to about 1e-6° (0.1 m); it is the start of the
    same fixed-point iteration as in `gcj02_to_wgs84`.
    """
    bx, by, scalar = _as_arrays(lon, lat)
    x, y = _bd09_inverse_crude(bx, by)
    x, y = _invert(gcj02_to_bd09, bx, by, x, y)
    return _result(x, y, scalar)


def bd09_to_wgs84(lon: Number, lat: Number) -> Tuple[Number, Number]:
    """BD-09 (Baidu) → WGS84."""
    glon, glat = bd09_to_gcj02(lon, lat)
    return gcj02_to_wgs84(glon, glat)


def wgs84_to_bd09(lon: Number, lat: Number) -> Tuple[Number, Number]:
    """WGS84 → BD-09 (Baidu)."""
    glon, glat = wgs84_to_gcj02(lon, lat)
    return gcj02_to_bd09(glon, glat)


def _identity(lon: Number, lat: Number) -> Tuple[Number, Number]:
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    return _result(lon_a.copy(), lat_a.copy(), scalar)


_TO_WGS84 = {
    "wgs84": _identity,
    "gcj02": gcj02_to_wgs84,
    "bd09": bd09_to_wgs84,
}
_ALIASES = {
    "wgs84": "wgs84",
    "wgs-84": "wgs84",
    "wgs_84": "wgs84",
    "cgcs2000": "wgs84",
    "gcj02": "gcj02",
    "gcj-02": "gcj02",
    "gcj_02": "gcj02",
    "bd09": "bd09",
    "bd-09": "bd09",
    "bd_09": "bd09",
}
SOURCE_NAMES = ("wgs84", "gcj02", "bd09", "WGS-84", "GCJ-02", "BD-09", "cgcs2000")


def normalise_source(source: str) -> str:
    """Canonical name ("wgs84", "gcj02" or "bd09") of a coordinate source; ValueError if unknown."""
    key = str(source).strip().lower()
    if key not in _ALIASES:
        raise ValueError(
            f"Unknown coordinate source '{source}'. Use one of: {', '.join(SOURCE_NAMES)} (case-insensitive)."
        )
    return _ALIASES[key]


def convert_points(lons: Number, lats: Number, source: str) -> Tuple[Number, Number]:
    """Convert points from a web-map coordinate system to WGS84/CGCS2000 for storage.

    ``source`` is "wgs84" (or "WGS-84", "cgcs2000": returned as is), "gcj02"/"GCJ-02"
    (Amap, Tencent) or "bd09"/"BD-09" (Baidu), case-insensitive.
    """
    return _TO_WGS84[normalise_source(source)](lons, lats)
