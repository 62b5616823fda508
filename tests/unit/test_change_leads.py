"""Remote-sensing change leads: detection on a common grid, windows, alignment, bad input, leads."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
import rasterio.features
import shapely
from rasterio.transform import from_origin

from green_shield.core import change_leads as cl
from green_shield.core.change_leads import ChangeOptions, detect_changes

FOREST, BARE, BUILT, CROP, WATER, TRANSPORT = 3, 9, 7, 1, 6, 8
X0, Y0 = 500_000.0, 3_300_000.0  # EPSG:4544 (CM 105°E)


def write_raster(path, arr, crs="EPSG:4544", transform=None, nodata=0, dtype=None):
    arr = np.asarray(arr)
    profile = dict(driver="GTiff", width=arr.shape[1], height=arr.shape[0], count=1, dtype=dtype or arr.dtype,
                   transform=transform or from_origin(X0, Y0, 10.0, 10.0), nodata=nodata)
    if crs:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(arr.astype(profile["dtype"]), 1)
    return str(path)


def pair(tmp_path, before, after, **kw):
    return write_raster(tmp_path / "before.tif", before, **kw), write_raster(tmp_path / "after.tif", after, **kw)


def forest(h=300, w=300):
    return np.full((h, w), FOREST, dtype=np.uint8)


def areas(det):
    return sorted(round(p.area_m2) for p in det.patches)


def test_each_change_one_patch_with_activity_area_and_transition(tmp_path):
    b, a = forest(), forest()
    b[10:30, 10:40] = FOREST
    a[10:30, 10:40] = BARE  # 600 px → 60 000 m², mining
    b[100:110, 100:180] = CROP
    a[100:110, 100:180] = BUILT  # 800 px, industry
    a[200:202, 200:202] = BARE  # 4 px = 400 m² < 666.67: dropped
    a[250, 10:150] = TRANSPORT  # a 1-pixel-wide road, 140 px, transport
    det = detect_changes(*pair(tmp_path, b, a))
    got = {p.activity: p for p in det.patches}
    assert set(got) == {"mining", "industry", "transport"}
    assert got["mining"].area_m2 == pytest.approx(60_000.0) and got["mining"].pixels == 600
    assert got["mining"].transitions == {(FOREST, BARE): 600}
    assert got["industry"].geometry.area == pytest.approx(80_000.0)
    assert got["transport"].transitions == {(FOREST, TRANSPORT): 140}
    assert det.stats["patches_too_small"] == 1
    assert det.grid_crs == "EPSG:4544" and det.pixel_area_m2 == 100.0
    # the polygon is where the pixels are
    assert got["mining"].geometry.equals(shapely.box(X0 + 100, Y0 - 300, X0 + 400, Y0 - 100))


def test_windows_give_the_same_patches_as_one_window(tmp_path):
    rng = np.random.default_rng(7)
    b = forest(400, 400)
    a = b.copy()
    # blobs straddling window edges, a ring (hole), touching activities, diagonal-only neighbours
    yy, xx = np.mgrid[0:400, 0:400]
    a[(yy - 64) ** 2 + (xx - 64) ** 2 < 30 ** 2] = BARE
    ring = ((yy - 200) ** 2 + (xx - 130) ** 2 < 50 ** 2) & ((yy - 200) ** 2 + (xx - 130) ** 2 >= 20 ** 2)
    a[ring] = BUILT
    a[60:70, 128:260] = TRANSPORT
    a[300:340, 300:340] = BARE
    a[340:380, 340:380] = BARE  # diagonal only → two patches (4-connectivity)
    noise = rng.random((400, 400)) < 0.01
    a[noise] = BUILT
    before, after = pair(tmp_path, b, a)
    whole = detect_changes(before, after, ChangeOptions(window=100_000, min_area_m2=0))
    small = detect_changes(before, after, ChangeOptions(window=64, min_area_m2=0))
    assert small.stats["windows"] == 49 and whole.stats["windows"] == 1
    def key(d):
        return sorted((p.activity, p.pixels, round(p.geometry.area), p.geometry.wkb_hex) for p in d.patches)
    assert [k[:3] for k in key(small)] == [k[:3] for k in key(whole)]
    for p in small.patches:  # every patch is one polygon whose area is its pixel count
        assert p.geometry.geom_type == "Polygon" and p.geometry.area == pytest.approx(p.pixels * 100.0)
    for p_small, p_whole in zip(sorted(small.patches, key=lambda p: (p.activity, p.pixels, p.geometry.bounds)),
                                sorted(whole.patches, key=lambda p: (p.activity, p.pixels, p.geometry.bounds))):
        assert p_small.geometry.equals(p_whole.geometry) and p_small.transitions == p_whole.transitions
    # the two diagonal-only squares stay two patches
    assert len([p for p in small.patches if p.activity == "mining" and p.pixels > 1000]) == 3
    # the ring keeps its hole
    ring_patch = max((p for p in small.patches if p.activity == "industry"), key=lambda p: p.pixels)
    assert len(ring_patch.geometry.interiors) == 1
    # defaults: noise pixels are below the minimum area
    default = detect_changes(before, after, ChangeOptions(window=64))
    assert all(p.area_m2 >= 666.67 for p in default.patches)
    assert sorted(p.pixels for p in default.patches) == sorted(p.pixels for p in whole.patches if p.pixels >= 7)


def test_speckle_filter_same_in_windows_and_whole(tmp_path):
    rng = np.random.default_rng(3)
    b = forest(256, 256)
    a = b.copy()
    a[rng.random((256, 256)) < 0.05] = BARE
    a[40:90, 40:120] = BARE
    before, after = pair(tmp_path, b, a)
    for speckle in ("open", "close", "open-close"):
        whole = detect_changes(before, after, ChangeOptions(window=4096, speckle=speckle, min_area_m2=0))
        small = detect_changes(before, after, ChangeOptions(window=64, speckle=speckle, min_area_m2=0))
        assert sorted((p.pixels, round(p.geometry.area)) for p in small.patches) == \
            sorted((p.pixels, round(p.geometry.area)) for p in whole.patches), speckle
    opened = detect_changes(before, after, ChangeOptions(speckle="open"))
    assert len(opened.patches) == 1  # the rectangle survives opening, the salt does not


def test_nodata_is_never_a_change(tmp_path):
    b, a = forest(), forest()
    a[0:50, :] = BARE
    b[0:50, 0:150] = 0  # before has no data over half the change
    det = detect_changes(*pair(tmp_path, b, a))
    assert [p.pixels for p in det.patches] == [50 * 150]
    assert det.stats["nodata_pixels"] == 50 * 150
    assert any("无数据" in n for n in det.notes_zh)


def test_reprojected_coarser_before_is_aligned(tmp_path):
    """A before image in geographic CGCS2000 at ~20 m and an after image in EPSG:4544 at 10 m."""
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    b, a = forest(400, 400), forest(400, 400)
    a[100:160, 100:200] = BARE  # 6 000 px = 600 000 m²
    before_planar = write_raster(tmp_path / "b_planar.tif", b)
    after = write_raster(tmp_path / "after.tif", a)
    with rasterio.open(before_planar) as src:
        t, w, h = calculate_default_transform(src.crs, "EPSG:4490", src.width, src.height, *src.bounds,
                                              resolution=(0.0002, 0.0002))
        dst_arr = np.zeros((h, w), dtype=np.uint8)
        reproject(src.read(1), dst_arr, src_transform=src.transform, src_crs=src.crs, dst_transform=t,
                  dst_crs="EPSG:4490", resampling=Resampling.nearest, src_nodata=0, dst_nodata=0)
    before = write_raster(tmp_path / "before_4490.tif", dst_arr, crs="EPSG:4490", transform=t)
    det = detect_changes(before, after)
    # compared at the coarser resolution, on the after image's pixel edges: the after image is coarsened by
    # the majority class, the before image reprojected by nearest neighbour
    r = det.pixel_area_m2 ** 0.5
    assert det.grid_crs == "EPSG:4544" and 19.0 < r < 23.0
    assert any("EPSG:4490" in n and "最邻近" in n for n in det.notes_zh)
    assert any("after.tif" in n and "众数" in n for n in det.notes_zh)
    assert [p.activity for p in det.patches] == ["mining"]
    boundary_pixels = 2 * (600 + 1000) / r + 4
    assert abs(det.patches[0].area_m2 - 600_000.0) <= boundary_pixels * r * r
    assert det.patches[0].area_m2 == pytest.approx(det.patches[0].geometry.area)


def test_coarser_before_in_the_same_crs_gives_no_false_edges(tmp_path):
    """A 30 m before image and a 10 m after image of the same classes: compared at 30 m, so class
    boundaries do not turn into changes; the after image is coarsened by the majority class."""
    rng = np.random.default_rng(5)
    # 180 × 180 pixels of 10 m: forest and grassland in 30 m blocks
    fine = np.repeat(np.repeat(rng.choice([3, 4], size=(60, 60)).astype(np.uint8), 3, axis=0), 3, axis=1)
    after = fine.copy()
    after[30:90, 30:90] = BARE  # 60 × 60 px at 10 m = 36 ha, aligned with the 30 m pixels
    coarse = fine[::3, ::3]
    before = write_raster(tmp_path / "before30.tif", coarse, transform=from_origin(X0, Y0, 30.0, 30.0))
    after = write_raster(tmp_path / "after10.tif", after)
    det = detect_changes(before, after, ChangeOptions(min_area_m2=0))
    assert det.pixel_area_m2 == pytest.approx(900.0)
    assert len(det.patches) == 1 and det.patches[0].area_m2 == pytest.approx(360_000.0)


def test_extents_differ_compared_on_overlap(tmp_path):
    b = forest(300, 300)
    a = forest(200, 200)
    a[50:80, 50:80] = BARE
    before = write_raster(tmp_path / "b.tif", b)
    after = write_raster(tmp_path / "a.tif", a, transform=from_origin(X0 + 500, Y0 - 500, 10, 10))
    det = detect_changes(before, after)
    assert (det.width, det.height) == (200, 200)
    assert det.patches[0].geometry.bounds == (X0 + 1000, Y0 - 1300, X0 + 1300, Y0 - 1000)


def test_index_mode_ndvi_drop(tmp_path):
    b = np.full((200, 200), 0.7, dtype=np.float32)
    a = b.copy()
    a[20:60, 20:60] = 0.15  # vegetation lost: 1 600 px
    a[100:140, 100:140] = 0.55  # a small decline: not a change
    b[150:190, 10:50] = 0.1  # bare before (below min_before): a further drop is not a change
    a[150:190, 10:50] = -0.3
    b[0:5, 0:5] = np.nan
    before = write_raster(tmp_path / "ndvi_b.tif", b, nodata=-9999.0)
    after = write_raster(tmp_path / "ndvi_a.tif", a, nodata=-9999.0)
    det = detect_changes(before, after, ChangeOptions(mode="index"))
    assert [(p.activity, p.pixels) for p in det.patches] == [("other", 1600)]
    det = detect_changes(before, after, ChangeOptions(mode="index", index_drop=0.1))
    assert sorted(p.pixels for p in det.patches) == [1600, 1600]
    with pytest.raises(cl.UnsupportedRaster):  # class mode refuses real numbers
        detect_changes(before, after)


# --- bad input ------------------------------------------------------------------------------------


def test_rasters_that_do_not_overlap(tmp_path):
    before = write_raster(tmp_path / "b.tif", forest(100, 100))
    after = write_raster(tmp_path / "a.tif", forest(100, 100), transform=from_origin(X0 + 50_000, Y0, 10, 10))
    with pytest.raises(cl.RastersDoNotOverlap) as err:
        detect_changes(before, after)
    assert "没有重叠" in err.value.message_zh and "do not overlap" in str(err.value)


def test_missing_crs(tmp_path):
    before = write_raster(tmp_path / "b.tif", forest(50, 50), crs=None)
    after = write_raster(tmp_path / "a.tif", forest(50, 50))
    with pytest.raises(cl.RasterWithoutCRS) as err:
        detect_changes(before, after)
    assert "gdal_edit" in str(err.value) and "b.tif" in str(err.value)


def test_all_nodata(tmp_path):
    before = write_raster(tmp_path / "b.tif", np.zeros((50, 50), np.uint8))
    after = write_raster(tmp_path / "a.tif", forest(50, 50))
    with pytest.raises(cl.AllNoData) as err:
        detect_changes(before, after)
    assert "无数据" in err.value.message_zh


def test_different_class_tables(tmp_path):
    before, after = pair(tmp_path, forest(50, 50), forest(50, 50))
    other = tmp_path / "globeland.csv"
    other.write_text("code,name_zh,name_en\n10,耕地,cropland\n20,林地,forest\n80,人造地表,artificial\n", "utf-8")
    with pytest.raises(cl.ClassTablesDiffer) as err:
        detect_changes(before, after, ChangeOptions(after_classes=str(other)))
    assert "重分类" in err.value.message_zh
    # an image holding codes the table does not know
    a = forest(50, 50)
    a[10:20, 10:20] = 80
    after = write_raster(tmp_path / "a80.tif", a)
    with pytest.raises(cl.UnknownClassCodes) as err:
        detect_changes(before, after)
    assert "80" in str(err.value) and "a80.tif" in str(err.value)


def test_bad_transition_table(tmp_path):
    before, after = pair(tmp_path, forest(50, 50), forest(50, 50))
    bad = tmp_path / "t.yaml"
    bad.write_text("transitions:\n  - {from: 林地, to: 月球, activity: mining}\n", "utf-8")
    with pytest.raises(cl.TransitionTableError) as err:
        detect_changes(before, after, ChangeOptions(transitions=str(bad)))
    assert "月球" in err.value.message_zh
    bad.write_text("transitions:\n  - {from: 林地, to: 其他土地, activity: logging}\n", "utf-8")
    with pytest.raises(cl.TransitionTableError) as err:
        detect_changes(before, after, ChangeOptions(transitions=str(bad)))
    assert "logging" in str(err.value) and "采矿采石" in err.value.message_zh
    with pytest.raises(cl.BadChangeOption):
        detect_changes(before, after, ChangeOptions(speckle="median"))


def test_custom_transition_table_energy_class(tmp_path):
    """A class table with a solar-farm class and a rule for it: energy leads."""
    classes = tmp_path / "classes.csv"
    classes.write_text("code,name_zh,name_en\n3,林地,forest\n4,草地,grassland\n10,光伏用地,solar farm\n", "utf-8")
    table = tmp_path / "t.yaml"
    table.write_text("settings: {min_area_m2: 100}\ntransitions:\n  - {from: '*', to: 光伏用地, activity: 能源设施}\n",
                     "utf-8")
    b, a = forest(60, 60), forest(60, 60)
    a[5:15, 5:15] = 10
    a[30:40, 30:40] = 4  # forest → grassland: no rule, not a change
    det = detect_changes(*pair(tmp_path, b, a), ChangeOptions(classes=str(classes), transitions=str(table)))
    assert [(p.activity, p.pixels) for p in det.patches] == [("energy", 100)]


def test_cancel(tmp_path):
    before, after = pair(tmp_path, forest(), forest())
    with pytest.raises(cl.ChangeLeadsCanceled):
        detect_changes(before, after, ChangeOptions(window=64), is_canceled=lambda: True)


def test_transition_table_first_rule_wins():
    table = cl.load_transitions()
    lut = table.lookup()
    def act(f, t):
        return cl.ACTIVITIES[lut[f, t] - 1] if lut[f, t] else None
    assert act(FOREST, BARE) == "mining" and act(CROP, BUILT) == "industry" and act(CROP, WATER) == "aquaculture"
    assert act(FOREST, TRANSPORT) == "transport" and act(WATER, CROP) == "other"
    assert act(FOREST, FOREST) is None and act(0, BARE) is None and act(BUILT, FOREST) is None
    assert table.min_area_m2 == pytest.approx(666.67) and table.distance_m == 500


def test_touching_activities_are_separate_patches(tmp_path):
    b, a = forest(60, 60), forest(60, 60)
    a[10:20, 10:40] = BARE  # bare | built | bare in one row of changed pixels, a built strip below
    a[10:20, 20:30] = BUILT
    a[20:30, 10:40] = BUILT
    det = detect_changes(*pair(tmp_path, b, a), ChangeOptions(min_area_m2=0))
    assert sorted((p.activity, p.pixels) for p in det.patches) == [
        ("industry", 400), ("mining", 100), ("mining", 100)]
    # the same codes in a 16-bit raster take the general path and agree
    wide = detect_changes(*pair(tmp_path, b.astype(np.uint16), a.astype(np.uint16)), ChangeOptions(min_area_m2=0))
    assert sorted((p.activity, p.pixels) for p in wide.patches) == sorted((p.activity, p.pixels) for p in det.patches)
    a16 = a.astype(np.uint16)
    a16[0, 0] = 300
    with pytest.raises(cl.UnknownClassCodes) as err:
        detect_changes(*pair(tmp_path, b.astype(np.uint16), a16))
    assert "300" in str(err.value)


# --- found in review ------------------------------------------------------------------------------


def test_index_without_nodata_warped_has_no_false_edge(tmp_path):
    """An index image without a nodata value, warped: pixels outside it are not zeros compared."""
    from pyproj import Transformer

    lon, lat = Transformer.from_crs("EPSG:4544", "EPSG:4490", always_xy=True).transform(X0 + 500, Y0 - 500)
    before = write_raster(tmp_path / "b.tif", np.full((300, 300), 0.8, np.float32), nodata=None)
    after = write_raster(tmp_path / "a.tif", np.full((200, 200), 0.8, np.float32), crs="EPSG:4490", nodata=None,
                         transform=from_origin(lon, lat, 0.0001, 0.0001))
    det = detect_changes(before, after, ChangeOptions(mode="index", min_area_m2=0))
    assert det.patches == [] and det.stats["nodata_pixels"] > 0


def test_index_out_of_range_and_scaled_index(tmp_path):
    b = np.full((100, 100), 8000, np.int16)
    a = b.copy()
    a[10:40, 10:40] = 1500  # 0.80 → 0.15 once scaled
    a[60:90, 60:90] = 7990  # a one-unit drop: no change
    before, after = pair(tmp_path, b, a, nodata=-32768)
    with pytest.raises(cl.IndexOutOfRange) as err:
        detect_changes(before, after, ChangeOptions(mode="index"))
    assert "gdal_edit.py -scale 0.0001" in str(err.value) and "缩放系数" in err.value.message_zh
    assert [p.pixels for p in detect_changes(before, after, ChangeOptions(mode="index", index_drop=3000,
                                                                          index_min_before=3000)).patches] == [900]
    for path in (before, after):
        with rasterio.open(path, "r+") as dst:
            dst.scales = (0.0001,)
    assert [p.pixels for p in detect_changes(before, after, ChangeOptions(mode="index")).patches] == [900]


def test_minimum_area_is_ground_area_in_web_mercator(tmp_path):
    """EPSG:3857 at 29°N maps 1 m² of ground as ≈ 1.3 m²: areas and the minimum are ground areas."""
    from pyproj import Proj, Transformer

    x, y = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True).transform(106.2, 29.0)
    t = from_origin(x, y, 10.0, 10.0)
    b, a = forest(100, 100), forest(100, 100)
    a[20:27, 20:30] = BARE  # 70 px: 7 000 m² on the map
    before, after = pair(tmp_path, b, a, crs="EPSG:3857", transform=t)
    scale = Proj("EPSG:3857").get_factors(106.2, 29.0 - 0.005).areal_scale
    det = detect_changes(before, after, ChangeOptions(min_area_m2=5000))
    assert len(det.patches) == 1 and det.patches[0].area_m2 == pytest.approx(7000 / scale, rel=0.002)
    assert any("面积变形" in n for n in det.notes_zh)
    assert detect_changes(before, after, ChangeOptions(min_area_m2=6000)).patches == []


def test_closing_never_fills_nodata(tmp_path):
    b, a = forest(80, 80), forest(80, 80)
    a[20:60, 20:60] = BARE
    a[20:60, 40] = 0  # a nodata column through the patch
    det = detect_changes(*pair(tmp_path, b, a), ChangeOptions(speckle="close", min_area_m2=0))
    assert sum(p.pixels for p in det.patches) == 40 * 39
    assert all(set(p.transitions) == {(FOREST, BARE)} for p in det.patches)


def test_transition_table_mistakes_are_explained(tmp_path):
    before, after = pair(tmp_path, forest(50, 50), forest(50, 50))
    bad = tmp_path / "t.yaml"
    cases = {
        "settings: [1, 2]\ntransitions:\n  - {from: 林地, to: 其他土地, activity: mining}\n": ("settings", "键值对"),
        "transitions:\n  - {from: *, to: 其他土地, activity: mining}\n": ("quotes", "引号"),
        "transitions:\n  - {from: 3, to: 42, activity: mining}\n": ("code 42", "代码为 42"),
        "transitions:\n  - {from: 林地 to: 其他土地, activity: mining\n": ("line", "第"),
    }
    for text, (en, zh) in cases.items():
        bad.write_text(text, "utf-8")
        with pytest.raises(cl.TransitionTableError) as err:
            detect_changes(before, after, ChangeOptions(transitions=str(bad)))
        assert en in str(err.value) and zh in err.value.message_zh, text
        assert "transition 1" not in err.value.message_zh


def test_report_path_is_checked_before_any_work(tmp_path):
    from green_shield.core.change_report import ReportPathError, check_report_path

    before, after = pair(tmp_path, forest(50, 50), forest(50, 50))
    for path, zh in ((before, ".html"), (str(tmp_path), ".html"), (str(tmp_path / "no" / "r.html"), "不存在")):
        with pytest.raises(ReportPathError) as err:
            check_report_path(path, (before, after))
        assert zh in err.value.message_zh
    (tmp_path / "x.html").write_text("old", "utf-8")
    with pytest.raises(ReportPathError):
        check_report_path(str(tmp_path / "x.html"), (str(tmp_path / "x.html"),))
    folder = tmp_path / "dir.html"
    folder.mkdir()
    with pytest.raises(ReportPathError) as err:
        check_report_path(str(folder), ())
    assert "文件夹" in err.value.message_zh
