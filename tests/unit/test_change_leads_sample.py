"""Change leads on the sample district: every planted change → exactly one lead, noise → none."""

from __future__ import annotations

import os

import numpy as np
import pytest
import rasterio
import shapely
from pyproj import Transformer

from green_shield.core import cases
from green_shield.core import change_leads as cl
from green_shield.core.sample_change import build_sample_change_pair
from green_shield.core.sample_district import build_sample_district


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("change")
    ws = str(folder / "district.gpkg")
    build_sample_district(ws)
    pair = build_sample_change_pair(str(folder), ws)
    result = cl.find_change_leads(ws, pair["before"], pair["after"])
    return folder, ws, pair, result


def _to_planar(geom):
    t = Transformer.from_crs("EPSG:4490", "EPSG:4544", always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def _leads_on(result, polygon):
    return [lead for lead in result.leads if _to_planar(lead.geometry).intersects(polygon)]


def test_each_planted_change_is_one_lead_with_area_class_and_zone(sample):
    _, _, pair, result = sample
    expected = [p for p in pair["planted"] if p["expect_lead"]]
    assert len(expected) == 5
    for p in expected:
        found = _leads_on(result, p["polygon"])
        assert len(found) == 1, p["name"]
        lead = found[0]
        assert lead.activity == p["activity"], p["name"]
        # the pixels planted, exactly; the drawn polygon within one pixel's area per boundary pixel
        assert lead.area_m2 == pytest.approx(p["area_m2"], abs=0.5), p["name"]
        assert abs(lead.area_m2 - p["polygon_area_m2"]) <= p["boundary_pixels"] * 100.0, p["name"]
        assert lead.area_mu == pytest.approx(lead.area_m2 / 666.6667, rel=1e-4)
        assert lead.zone_type == p["zone_type"] and lead.zone_name == p["zone_name"], p["name"]
        assert lead.relation == p["relation"], p["name"]
        assert lead.legal_basis or lead.verdict == "CLEAR", p["name"]
        assert "平面" in lead.area_method and "EPSG:45" in lead.area_method
    # nothing else: the far change, the tiny one and the noise give no lead
    assert len(result.leads) == len(expected)
    for p in pair["planted"]:
        if not p["expect_lead"]:
            assert _leads_on(result, p["polygon"]) == [], p["name"]
    # noise spots whose flip is a listed transition are patches too small to keep
    assert result.dropped_far >= 1 and result.detection.stats["patches_too_small"] > 1000


def test_verdicts_and_articles(sample):
    _, _, pair, result = sample
    by_name = {p["name"]: _leads_on(result, p["polygon"])[0] for p in pair["planted"] if p["expect_lead"]}
    mining = by_name["mining_in_reserve"]
    assert mining.verdict == "PROHIBITED" and mining.relation_zh == "位于保护区内"
    assert "禁止" in mining.legal_basis and "《" in mining.legal_basis
    assert mining.transition == "林地→其他土地 100%"
    assert by_name["industry_crossing_redline"].verdict == "PROHIBITED"
    assert 0 < by_name["industry_crossing_redline"].overlap_m2 < by_name["industry_crossing_redline"].area_m2
    near = by_name["near_reserve"]
    assert near.relation == "near" and 100 <= near.distance_m <= 300
    ponds = by_name["ponds_in_water_zone"]
    assert ponds.zone_type == "water_source_zone" and ponds.zone_level == "二级保护区"
    # centroid coordinates: planar in the workspace's Gauss-Krüger zone and CGCS2000 degrees
    for lead in result.leads:
        planar = _to_planar(lead.geometry)
        assert planar.centroid.distance(shapely.Point(lead.centroid_x, lead.centroid_y)) < 0.01
        assert 105 < lead.lon < 107 and 28 < lead.lat < 31


def test_saving_is_idempotent_and_cases_follow(sample):
    _, ws, pair, result = sample
    assert cl.save_leads(ws, result) == 5
    assert cl.save_leads(ws, result) == 5
    rows = cl.read_leads(ws)
    assert len(rows) == 5 and {r["lead_id"] for r in rows} == {lead.lead_id for lead in result.leads}
    row = next(r for r in rows if r["activity"] == "mining")
    assert row["verdict"] == "PROHIBITED" and row["area_mu"] > 0 and row["run_id"] == result.run_id
    assert row["before_image"] == "landcover_before.tif" and row["zone_type"] == "自然保护地"
    # the same pair again with other options replaces the run's rows; unchanged patches keep their numbers
    again = cl.find_change_leads(ws, pair["before"], pair["after"], cl.ChangeOptions(min_area_m2=6000.0))
    assert cl.save_leads(ws, again) < 5
    rows = cl.read_leads(ws)
    assert len(rows) == len(again.leads) and {r["lead_id"] for r in rows} <= {lead.lead_id for lead in result.leads}
    cl.save_leads(ws, result)
    built = cases.build_cases(ws, registers=False)
    assert len(built.created) == 5
    ledger = {c["target_id"]: c for c in cases.read_cases(ws)}
    mining = next(lead for lead in result.leads if lead.activity == "mining")
    case = ledger[mining.lead_id]
    assert case["source"] == "rs_lead" and case["target_type"] == "lead" and case["priority"] == "high"
    assert "采矿采石" in case["problem"] and case["legal_basis"]
    assert len(cases.build_cases(ws, registers=False).created) == 0  # no duplicate open cases


def test_report_has_thumbnails_per_lead(sample):
    folder, _, _, result = sample
    path = cl.write_lead_report(result, str(folder / "leads.html"))
    text = open(path, encoding="utf-8").read()
    for lead in result.leads:
        assert lead.lead_id in text
        for which in ("before", "after"):
            png = folder / "leads_files" / f"{lead.lead_id}_{which}.png"
            with rasterio.open(png) as img:
                assert img.count == 3 and img.width >= 200
                pixels = img.read()
            # the lead outline is drawn in magenta
            assert ((pixels[0] == 255) & (pixels[1] == 0) & (pixels[2] == 255)).any()
    assert "平方米" in text and "亩" in text and "法律依据" in text and "现场核查情况" in text
    assert not any(name.endswith(".aux.xml") for name in os.listdir(folder / "leads_files"))


def test_after_image_in_another_crs_gives_the_same_leads(sample, tmp_path):
    """The after image delivered in geographic CGCS2000: aligned back onto the before grid."""
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    _, ws, pair, result = sample
    with rasterio.open(pair["after"]) as src:
        t, w, h = calculate_default_transform(src.crs, "EPSG:4490", src.width, src.height, *src.bounds,
                                              resolution=(0.00005, 0.00005))
        arr = np.zeros((h, w), dtype=np.uint8)
        reproject(src.read(1), arr, src_transform=src.transform, src_crs=src.crs, dst_transform=t,
                  dst_crs="EPSG:4490", resampling=Resampling.nearest, src_nodata=0, dst_nodata=0)
        profile = src.profile | dict(crs="EPSG:4490", transform=t, width=w, height=h)
    after = str(tmp_path / "after_4490.tif")
    with rasterio.open(after, "w", **profile) as dst:
        dst.write(arr, 1)
    moved = cl.find_change_leads(ws, pair["before"], after)
    assert moved.detection.grid_crs == "EPSG:4544"  # the before image is projected: its grid is kept
    assert any("EPSG:4490" in n for n in moved.notes_zh)
    assert sorted(lead.activity for lead in moved.leads) == sorted(lead.activity for lead in result.leads)
    for lead in result.leads:
        twin = [m for m in moved.leads if m.geometry.intersects(lead.geometry)]
        assert len(twin) == 1 and twin[0].activity == lead.activity
        boundary_px = _to_planar(lead.geometry).length / 10.0
        assert abs(twin[0].area_m2 - lead.area_m2) <= boundary_px * 100.0


def test_workspace_without_protected_layers(tmp_path, sample):
    from green_shield.core.workspace import create_workspace

    _, _, pair, _ = sample
    empty = str(tmp_path / "empty.gpkg")
    create_workspace(empty)
    with pytest.raises(cl.NoProtectedAreas) as err:
        cl.find_change_leads(empty, pair["before"], pair["after"])
    assert "没有任何保护对象" in err.value.message_zh


def test_same_pixels_saved_again_are_the_same_run_and_cases_are_not_doubled(sample, tmp_path):
    """The after image saved again with other compression and overviews: the same run (rows replaced);
    a run with another speckle filter moves lead numbers, yet opens no second case for the same place."""
    _, ws, pair, result = sample
    again = str(tmp_path / "after_lzw.tif")
    with rasterio.open(pair["after"]) as src:
        profile = src.profile | {"compress": "lzw"}
        with rasterio.open(again, "w", **profile) as dst:
            dst.write(src.read())
            dst.build_overviews([2, 4])
    rerun = cl.find_change_leads(ws, pair["before"], again)
    assert rerun.run_id == result.run_id
    assert [lead.lead_id for lead in rerun.leads] == [lead.lead_id for lead in result.leads]
    cl.save_leads(ws, result)
    cases.build_cases(ws, registers=False)
    n_cases = len(cases.read_cases(ws))
    filtered = cl.find_change_leads(ws, pair["before"], pair["after"], cl.ChangeOptions(speckle="open-close"))
    assert filtered.run_id == result.run_id  # the same images: this run replaces the rows
    moved = {lead.lead_id for lead in filtered.leads} - {lead.lead_id for lead in result.leads}
    assert moved  # filtering changed some patches' centre pixels
    cl.save_leads(ws, filtered)
    built = cases.build_cases(ws, registers=False)
    assert built.created == [] and len(cases.read_cases(ws)) == n_cases


def test_thumbnails_of_a_large_lead_are_decimated_and_coloured(tmp_path):
    """A lead of 2 000 × 2 000 pixels: thumbnails a few hundred pixels wide, in the raster's own
    colours when the class table has none."""
    import time

    from rasterio.transform import from_origin

    from green_shield.core.workspace import create_workspace, write_features

    ws = str(tmp_path / "ws.gpkg")
    create_workspace(ws, crs="EPSG:4544")
    reserve = shapely.box(500_000, 3_270_000, 530_000, 3_300_000)
    write_features(ws, "nature_reserve", [shapely.MultiPolygon([reserve])], [{"name": "大保护区", "zone": "core"}])
    b = np.full((3000, 3000), 3, np.uint8)
    a = b.copy()
    a[500:2500, 500:2500] = 9
    paths = []
    for name, arr in (("b.tif", b), ("a.tif", a)):
        path = str(tmp_path / name)
        with rasterio.open(path, "w", driver="GTiff", width=3000, height=3000, count=1, dtype="uint8",
                           crs="EPSG:4544", transform=from_origin(500_000, 3_300_000, 10, 10), nodata=0,
                           tiled=True) as dst:
            dst.write(arr, 1)
            dst.write_colormap(1, {3: (0, 100, 0, 255), 9: (200, 180, 150, 255)})
        paths.append(path)
    classes = tmp_path / "classes.csv"  # a table without colours
    classes.write_text("code,name_zh,name_en\n3,林地,forest\n9,其他土地,bare\n", "utf-8")
    result = cl.find_change_leads(ws, *paths, cl.ChangeOptions(classes=str(classes)))
    assert len(result.leads) == 1 and result.leads[0].area_m2 == pytest.approx(4e8)
    started = time.perf_counter()
    cl.write_lead_report(result, str(tmp_path / "big.html"))
    assert time.perf_counter() - started < 60  # generous: not the minutes a full-resolution read took
    lead = result.leads[0]
    with rasterio.open(tmp_path / "big_files" / f"{lead.lead_id}_after.png") as img:
        assert 200 <= img.width <= 260
        pixels = img.read()
    colours = {tuple(pixels[:, r, c]) for r in range(0, img.height, 7) for c in range(0, img.width, 7)}
    assert (0, 100, 0) in colours and (200, 180, 150) in colours  # the raster's colour table


def test_command_line_refuses_a_report_over_an_input(sample, tmp_path, capsys):
    from green_shield.core.cli import main

    _, ws, pair, _ = sample
    copy = str(tmp_path / "before_copy.tif")
    import shutil

    shutil.copy(pair["before"], copy)
    code = main(["change-leads", ws, "--before", copy, "--after", pair["after"], "--no-save", "--report", copy])
    assert code != 0
    with rasterio.open(copy) as src:
        assert src.driver == "GTiff"
    assert ".html" in capsys.readouterr().err
