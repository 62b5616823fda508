"""The synthetic before/after land-cover pair with planted changes (core/sample_change.py)."""

from __future__ import annotations

import hashlib
import json
import os

import numpy as np
import pytest
import rasterio
import rasterio.features
import shapely
from pyproj import Transformer

from green_shield.core.errors import GreenShieldError
from green_shield.core.sample_change import (
    AFTER_NAME,
    BEFORE_NAME,
    EXPECTATIONS_NAME,
    NoRoomForPlantedChange,
    build_sample_change_pair,
)
from green_shield.core.sample_district import build_sample_district
from green_shield.core.workspace import create_workspace, read_layer, write_features

PROTECTED = ("nature_reserve", "redline", "water_source_zone", "contaminated_plot")
MIN_AREA_M2 = 666.67
NAMES = ("mining_in_reserve", "industry_crossing_redline", "road_in_redline", "ponds_in_water_zone",
         "near_reserve", "far_outside", "tiny_in_reserve")


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sample_change")
    workspace = str(folder / "qingxi.gpkg")
    build_sample_district(workspace)
    result = build_sample_change_pair(str(folder / "a"), workspace)
    with rasterio.open(result["before"]) as src:
        before = src.read(1)
    with rasterio.open(result["after"]) as src:
        after = src.read(1)
    return folder, workspace, result, before, after


@pytest.fixture(scope="module")
def zones(pair):
    """{layer: [(geometry in EPSG:4544, {field: value})]}."""
    _folder, workspace, _result, _before, _after = pair
    to_planar = Transformer.from_crs("EPSG:4490", "EPSG:4544", always_xy=True)
    out = {}
    for key in PROTECTED:
        geoms, columns, _fids = read_layer(workspace, key)
        geoms = shapely.make_valid(shapely.transform(geoms, lambda x, y: to_planar.transform(x, y),
                                                     interleaved=False))
        out[key] = [(g, {k: v[i] for k, v in columns.items()}) for i, g in enumerate(geoms)]
    return out


def _planted(result, name):
    return next(p for p in result["planted"] if p["name"] == name)


def _mask(path, polygon, all_touched=False):
    with rasterio.open(path) as src:
        return rasterio.features.rasterize([(polygon, 1)], out_shape=(src.height, src.width),
                                           transform=src.transform, fill=0, dtype="uint8",
                                           all_touched=all_touched).astype(bool)


def _pixel_geometry(path, mask):
    with rasterio.open(path) as src:
        transform = src.transform
    parts = [shapely.geometry.shape(g) for g, v in rasterio.features.shapes(
        mask.astype("uint8"), mask=mask, transform=transform, connectivity=4) if v == 1]
    return parts


def _dilate(mask, radius):
    out = mask.copy()
    for axis in (0, 1):
        grown = out.copy()
        for d in range(1, radius + 1):
            grown |= np.roll(out, d, axis=axis) | np.roll(out, -d, axis=axis)
        out = grown
    return out


def test_rasters_share_grid_and_files(pair):
    folder, workspace, result, before, after = pair
    assert result["crs"] == "EPSG:4544" and result["pixel_m"] == 10.0
    assert os.path.basename(result["before"]) == BEFORE_NAME and os.path.basename(result["after"]) == AFTER_NAME
    with rasterio.open(result["before"]) as b, rasterio.open(result["after"]) as a:
        assert b.crs.to_epsg() == a.crs.to_epsg() == 4544
        assert b.transform == a.transform and (b.width, b.height) == (a.width, a.height)
        assert b.res == a.res == (10.0, 10.0)
        assert b.nodata == a.nodata == 0 and b.dtypes[0] == a.dtypes[0] == "uint8"
        assert a.colormap(1)[3][:3] == b.colormap(1)[3][:3]
    assert ((before == 0) == (after == 0)).all()  # nodata stays nodata, and nothing becomes nodata
    assert set(np.unique(after)) <= set(range(10))

    assert [p["name"] for p in result["planted"]] == list(NAMES)
    with open(os.path.join(folder, "a", EXPECTATIONS_NAME), encoding="utf-8") as fh:
        saved = json.load(fh)
    assert saved["noise_spots"] == result["noise_spots"] and saved["before"] == result["before"]
    for record, stored in zip(result["planted"], saved["planted"]):
        assert shapely.equals_exact(shapely.from_wkt(stored["polygon"]), record["polygon"], tolerance=0.006)
        assert {k: v for k, v in stored.items() if k != "polygon"} == {
            k: v for k, v in record.items() if k != "polygon"}


def test_planted_footprints_are_exact(pair):
    _folder, _workspace, result, before, after = pair
    changed = before != after
    planted_union = np.zeros(before.shape, dtype=bool)
    for p in result["planted"]:
        mask = _mask(result["before"], p["polygon"])
        assert mask.sum() == p["pixels"] > 0, p["name"]
        assert p["area_m2"] == p["pixels"] * 100.0
        assert (before[mask] == p["from_class"]).all(), p["name"]
        assert (after[mask] == p["to_class"]).all(), p["name"]
        assert changed[mask].all()
        # Around the footprint (5 pixels), nothing else changed.
        assert not (changed & _dilate(mask, 5) & ~mask).any(), p["name"]
        assert len(_pixel_geometry(result["before"], mask)) == 1, p["name"]  # one 4-connected patch
        boundary = _mask(result["before"], p["polygon"].boundary, all_touched=True)
        assert boundary.sum() == p["boundary_pixels"]
        assert abs(p["polygon_area_m2"] - p["polygon"].area) < 0.01
        assert not p["polygon"].is_empty and p["polygon"].is_valid
        planted_union |= mask
    assert changed.sum() == planted_union.sum() + result["noise_pixels"]

    activity = {p["name"]: (p["activity"], p["from_class"], p["to_class"]) for p in result["planted"]}
    assert activity == {
        "mining_in_reserve": ("mining", 3, 9),
        "industry_crossing_redline": ("industry", 1, 7),
        "road_in_redline": ("transport", 3, 8),
        "ponds_in_water_zone": ("aquaculture", 1, 6),
        "near_reserve": ("industry", 4, 7),
        "far_outside": ("mining", 3, 9),
        "tiny_in_reserve": ("mining", 3, 9),
    }
    area = {p["name"]: p["area_m2"] for p in result["planted"]}
    assert 13000 <= area["mining_in_reserve"] <= 17000
    assert 8500 <= area["industry_crossing_redline"] <= 11500
    assert 6800 <= area["ponds_in_water_zone"] <= 9200
    assert 4000 <= area["near_reserve"] <= 6000
    assert 8500 <= area["far_outside"] <= 11500
    assert area["tiny_in_reserve"] == 300.0
    road = _planted(result, "road_in_redline")
    assert 550 <= road["polygon"].area / 12.0 <= 650 and road["area_m2"] >= MIN_AREA_M2
    assert len(shapely.get_coordinates(road["polygon"])) > 5  # bent, not a rectangle
    for p in result["planted"]:
        assert p["expect_lead"] == (p["name"] not in ("far_outside", "tiny_in_reserve"))
        if p["expect_lead"]:
            assert p["area_m2"] >= MIN_AREA_M2


def test_planted_positions(pair, zones):
    _folder, _workspace, result, _before, _after = pair

    def pixels(p):
        (geom,) = _pixel_geometry(result["before"], _mask(result["before"], p["polygon"]))
        return geom

    def named(layer, p):
        field = "source_name" if layer == "water_source_zone" else "name"
        return [(g, r) for g, r in zones[layer] if r[field] == p["zone_name"]]

    every = shapely.union_all([g for layer in PROTECTED for g, _r in zones[layer]])

    mining = _planted(result, "mining_in_reserve")
    assert (mining["zone_type"], mining["relation"]) == ("nature_reserve", "inside")
    holders = [g for g, r in named("nature_reserve", mining) if r["zone"] == mining["zone_level"]]
    assert len(holders) == 1 and holders[0].contains(pixels(mining).buffer(30.0))

    tiny = _planted(result, "tiny_in_reserve")
    assert (tiny["zone_type"], tiny["relation"], tiny["pixels"]) == ("nature_reserve", "inside", 3)
    assert any(g.contains(pixels(tiny).buffer(30.0)) for g, _r in named("nature_reserve", tiny))

    industry = _planted(result, "industry_crossing_redline")
    assert (industry["zone_type"], industry["relation"]) == ("redline", "crossing")
    (redline,) = [g for g, _r in named("redline", industry)]
    for geom in (industry["polygon"], pixels(industry)):
        share = geom.intersection(redline).area / geom.area
        assert 0.3 <= share <= 0.7

    road = _planted(result, "road_in_redline")
    assert (road["zone_type"], road["relation"]) == ("redline", "inside")
    (redline,) = [g for g, _r in named("redline", road)]
    assert redline.contains(pixels(road).buffer(30.0))

    ponds = _planted(result, "ponds_in_water_zone")
    assert (ponds["zone_type"], ponds["zone_level"], ponds["relation"]) == ("water_source_zone", "level2", "inside")
    level2 = shapely.union_all([g for g, r in named("water_source_zone", ponds) if r["level"] == "level2"])
    assert level2.contains(pixels(ponds).buffer(30.0))
    level1 = shapely.union_all([g for g, r in zones["water_source_zone"] if r["level"] == "level1"])
    assert shapely.distance(pixels(ponds), level1) > 200.0

    near = _planted(result, "near_reserve")
    assert (near["zone_type"], near["relation"]) == ("nature_reserve", "near")
    reserve = shapely.union_all([g for g, _r in named("nature_reserve", near)])
    for geom in (near["polygon"], pixels(near)):
        assert not geom.intersects(every)
        assert 100.0 <= shapely.distance(geom, reserve) <= 300.0

    far = _planted(result, "far_outside")
    assert far["zone_type"] is None and far["relation"] is None and far["zone_name"] is None
    assert shapely.distance(pixels(far), every) > 2000.0 and shapely.distance(far["polygon"], every) > 2000.0

    # Irregular shapes, apart from each other.
    for p in result["planted"]:
        rectangle = p["polygon"].minimum_rotated_rectangle
        assert p["polygon"].area / rectangle.area < 0.97 or len(shapely.get_coordinates(p["polygon"])) > 5
    polygons = [p["polygon"] for p in result["planted"]]
    for i, a in enumerate(polygons):
        for b in polygons[i + 1:]:
            assert shapely.distance(a, b) >= 50.0


def test_noise_is_small_isolated_and_clear_of_planted(pair):
    _folder, _workspace, result, before, after = pair
    noise = before != after
    near_planted = np.zeros(before.shape, dtype=bool)
    for p in result["planted"]:
        mask = _mask(result["before"], p["polygon"])
        noise &= ~mask
        near_planted |= _dilate(mask, 5)
    assert not (noise & near_planted).any()
    valid = int((before != 0).sum())
    assert 0.0015 * valid <= noise.sum() <= 0.0025 * valid
    assert noise.sum() == result["noise_pixels"]
    # Components counted with 8-connectivity: so no two spots touch, not even diagonally.
    with rasterio.open(result["before"]) as src:
        spots = [shapely.geometry.shape(g) for g, v in rasterio.features.shapes(
            noise.astype("uint8"), mask=noise, transform=src.transform, connectivity=8) if v == 1]
    assert len(spots) == result["noise_spots"]
    areas = np.array([s.area for s in spots])
    assert set(np.unique(areas)) == {100.0, 400.0}  # single pixels and 2×2 clusters, ≤ 400 m² each
    assert 1 <= (areas == 400.0).sum() <= 100


def test_two_builds_are_identical(pair):
    folder, workspace, result, before, after = pair
    second = build_sample_change_pair(str(folder / "b"), workspace)
    for key, array in (("before", before), ("after", after)):
        with rasterio.open(second[key]) as src:
            assert hashlib.sha256(src.read(1).tobytes()).digest() == hashlib.sha256(array.tobytes()).digest()
    assert second["noise_spots"] == result["noise_spots"]
    for a, b in zip(result["planted"], second["planted"]):
        assert a["polygon"].equals_exact(b["polygon"], tolerance=0.0)
        assert {k: v for k, v in a.items() if k != "polygon"} == {k: v for k, v in b.items() if k != "polygon"}


def test_workspace_without_reserves(tmp_path):
    workspace = str(tmp_path / "bare.gpkg")
    create_workspace(workspace)
    write_features(workspace, "district", [shapely.MultiPolygon([shapely.box(106.2, 29.0, 106.23, 29.03)])],
                   [{"xzqdm": "500199", "xzqmc": "测试区"}])
    with pytest.raises(NoRoomForPlantedChange) as caught:
        build_sample_change_pair(str(tmp_path / "out"), workspace)
    error = caught.value
    assert isinstance(error, GreenShieldError) and error.code == "no_room_for_planted_change"
    assert "mining_in_reserve" in error.message and "mining_in_reserve" in error.message_zh
    assert "自然保护地" in error.message_zh
