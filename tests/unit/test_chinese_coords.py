"""WGS84 ↔ GCJ-02 ↔ BD-09 conversions: reference values, accuracy of the inverses, vectorisation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from green_shield.core.chinese_coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    convert_points,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    out_of_china,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

lons_cn = st.floats(min_value=73.0, max_value=135.0, allow_nan=False)
lats_cn = st.floats(min_value=18.0, max_value=53.0, allow_nan=False)


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Approximate ground distance (equirectangular, fine for sub-kilometre offsets)."""
    r = 6371000.0
    dx = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2)) * r
    dy = math.radians(lat2 - lat1) * r
    return math.hypot(dx, dy)


# Test vector from the widely used coordtransform library (wandergis/coordtransform, test/app.js).
def test_reference_wgs84_to_gcj02_beijing() -> None:
    lon, lat = wgs84_to_gcj02(116.404, 39.915)
    assert lon == pytest.approx(116.41024449916938, abs=1e-10)
    assert lat == pytest.approx(39.91640428150164, abs=1e-10)
    # Roughly 0.006° east and 0.0014° north near Tiananmen: a few hundred metres.
    assert 0.005 < lon - 116.404 < 0.007
    assert 0.001 < lat - 39.915 < 0.002
    assert 300 < metres(116.404, 39.915, lon, lat) < 800


def test_reference_bd09() -> None:
    assert gcj02_to_bd09(116.404, 39.915) == pytest.approx((116.41036949371029, 39.92133699351021), abs=1e-10)
    # coordtransform's closed-form inverse gives (116.39762729119315, 39.90865673957631); ours is
    # refined by iteration, so it agrees to about 1e-6° and maps back exactly.
    lon, lat = bd09_to_gcj02(116.404, 39.915)
    assert (lon, lat) == pytest.approx((116.39762729119315, 39.90865673957631), abs=2e-6)
    assert gcj02_to_bd09(lon, lat) == pytest.approx((116.404, 39.915), abs=1e-9)


def test_gcj02_to_wgs84_is_more_accurate_than_crude_inverse() -> None:
    # The one-step inverse of coordtransform gives (116.39775550083061, 39.91359571849836);
    # the iterated one differs from it by a few decimetres but maps back exactly.
    lon, lat = gcj02_to_wgs84(116.404, 39.915)
    assert lon == pytest.approx(116.39775550083061, abs=1e-5)
    assert lat == pytest.approx(39.91359571849836, abs=1e-5)
    assert wgs84_to_gcj02(lon, lat) == pytest.approx((116.404, 39.915), abs=1e-9)


def test_offset_magnitude_chongqing() -> None:
    lon, lat = wgs84_to_gcj02(106.5, 29.5)
    assert 100 < metres(106.5, 29.5, lon, lat) < 1000


@settings(max_examples=300, deadline=None)
@given(lons_cn, lats_cn)
def test_gcj02_round_trip(lon: float, lat: float) -> None:
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert abs(back[0] - lon) < 1e-7
    assert abs(back[1] - lat) < 1e-7


@settings(max_examples=300, deadline=None)
@given(lons_cn, lats_cn)
def test_gcj02_round_trip_other_way(lon: float, lat: float) -> None:
    forward = wgs84_to_gcj02(*gcj02_to_wgs84(lon, lat))
    assert abs(forward[0] - lon) < 1e-7
    assert abs(forward[1] - lat) < 1e-7


@settings(max_examples=300, deadline=None)
@given(lons_cn, lats_cn)
def test_bd09_round_trip(lon: float, lat: float) -> None:
    back = bd09_to_gcj02(*gcj02_to_bd09(lon, lat))
    assert abs(back[0] - lon) < 1e-7
    assert abs(back[1] - lat) < 1e-7
    back = bd09_to_wgs84(*wgs84_to_bd09(lon, lat))
    assert abs(back[0] - lon) < 1e-6
    assert abs(back[1] - lat) < 1e-6


@pytest.mark.parametrize(
    "lon, lat",
    [(2.35, 48.85), (-74.0, 40.7), (139.7, 35.7), (71.0, 39.0), (100.0, 0.5), (100.0, 56.0), (151.2, -33.9)],
)
def test_outside_china_unchanged(lon: float, lat: float) -> None:
    assert out_of_china(lon, lat)
    assert wgs84_to_gcj02(lon, lat) == (lon, lat)
    assert gcj02_to_wgs84(lon, lat) == (lon, lat)


def test_vectorised_equals_scalar() -> None:
    rng = np.random.default_rng(42)
    lons = np.concatenate([rng.uniform(73, 135, 50), [2.35, 139.7]])
    lats = np.concatenate([rng.uniform(18, 53, 50), [48.85, 35.7]])
    for func in (wgs84_to_gcj02, gcj02_to_wgs84, gcj02_to_bd09, bd09_to_gcj02, bd09_to_wgs84, wgs84_to_bd09):
        vlon, vlat = func(lons, lats)
        assert isinstance(vlon, np.ndarray) and vlon.shape == lons.shape
        for i in range(len(lons)):
            slon, slat = func(float(lons[i]), float(lats[i]))
            assert isinstance(slon, float) and isinstance(slat, float)
            assert vlon[i] == pytest.approx(slon, abs=1e-12)
            assert vlat[i] == pytest.approx(slat, abs=1e-12)


def test_lists_and_nan() -> None:
    lon, lat = gcj02_to_wgs84([116.4, float("nan")], [39.9, 30.0])
    assert isinstance(lon, np.ndarray)
    assert np.isnan(lon[1]) and np.isnan(lat[1])
    assert lon[0] == pytest.approx(gcj02_to_wgs84(116.4, 39.9)[0], abs=1e-12)


def test_convert_points_sources() -> None:
    lons = np.array([116.404, 106.5])
    lats = np.array([39.915, 29.5])
    for name in ("wgs84", "WGS-84", "CGCS2000"):
        lon, lat = convert_points(lons, lats, name)
        np.testing.assert_array_equal(lon, lons)
        np.testing.assert_array_equal(lat, lats)
    for name in ("gcj02", "GCJ-02"):
        lon, lat = convert_points(lons, lats, name)
        np.testing.assert_allclose(lon, gcj02_to_wgs84(lons, lats)[0])
    for name in ("bd09", "BD-09", "Bd09"):
        lon, lat = convert_points(lons, lats, name)
        np.testing.assert_allclose(lat, bd09_to_wgs84(lons, lats)[1])
    assert convert_points(116.404, 39.915, "wgs84") == (116.404, 39.915)


def test_convert_points_unknown_source() -> None:
    with pytest.raises(ValueError, match="gcj02.*bd09"):
        convert_points([1.0], [2.0], "mercator")
