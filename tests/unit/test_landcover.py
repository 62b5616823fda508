"""Land-cover composition: exact pixel-centre areas, reprojection, ellipsoidal pixels, nodata, windowed
reading, bad input, class tables, and the sample land-cover raster."""

from __future__ import annotations

import hashlib
import math
import time

import numpy as np
import pytest
import rasterio
import rasterio.io
import shapely
from pyproj import CRS, Transformer
from rasterio.transform import from_origin

from green_shield.core import landcover as lc
from green_shield.core.errors import InvalidCRS
from green_shield.core.sample_district import build_sample_district
from green_shield.core.sample_landcover import FOREST, build_sample_landcover
from green_shield.core.workspace import read_layer

# A 10 m grid in EPSG:4544 near the sample district (106.2°E 29°N); corner on whole metres.
X0, Y0 = 616930.0, 3209860.0
PIXEL = 10.0
SIZE = 200  # pixels per side
SPLIT_COL = 100  # columns left of this are forest (3), the rest cropland (1)
TO_4490 = Transformer.from_crs("EPSG:4544", "EPSG:4490", always_xy=True)


def write_raster(path, data, crs="EPSG:4544", transform=None, nodata=0, **options) -> str:
    transform = transform if transform is not None else from_origin(X0, Y0, PIXEL, PIXEL)
    profile = {"driver": "GTiff", "width": data.shape[1], "height": data.shape[0], "count": 1, "dtype": data.dtype,
               "transform": transform, "nodata": nodata, **options}
    if crs is not None:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
    return str(path)


def halves() -> np.ndarray:
    data = np.full((SIZE, SIZE), 1, dtype=np.uint8)
    data[:, :SPLIT_COL] = 3
    return data


@pytest.fixture
def projected(tmp_path) -> str:
    return write_raster(tmp_path / "halves.tif", halves())


def straddling_square() -> shapely.Polygon:
    """Offsets chosen off the pixel grid: 74 pixel centres across (39 forest, 35 cropland), 73 down."""
    return shapely.box(X0 + 612.0, Y0 - 1733.0, X0 + 1347.0, Y0 - 1001.0)


def to_4490(geom, segment: float | None = None):
    if segment:
        geom = shapely.segmentize(geom, segment)
    return shapely.transform(geom, lambda x, y: TO_4490.transform(x, y), interleaved=False)


def centres_inside(geom, transform, shape) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) of the pixels whose centre lies strictly inside geom: an independent pixel-centre count."""
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]]
    xs, ys = rasterio.transform.xy(transform, rows.ravel(), cols.ravel(), offset="center")
    inside = shapely.contains_xy(geom, np.asarray(xs), np.asarray(ys))
    return rows.ravel()[inside], cols.ravel()[inside]


# --- exact areas -----------------------------------------------------------------------------


def test_straddling_square_exact_areas(projected):
    areas = lc.composition(projected, [straddling_square()], "EPSG:4544")
    assert areas == [{0: 0.0, 1: 35 * 73 * 100.0, 2: 0.0, 3: 39 * 73 * 100.0, 4: 0.0, 5: 0.0, 6: 0.0, 7: 0.0,
                      8: 0.0, 9: 0.0}]


def test_irregular_polygon_follows_pixel_centre_rule(projected):
    poly = shapely.Polygon([(X0 + 233, Y0 - 171), (X0 + 1707, Y0 - 402), (X0 + 1288, Y0 - 1569),
                            (X0 + 941, Y0 - 911), (X0 + 402, Y0 - 1838)])
    rows, cols = centres_inside(poly, from_origin(X0, Y0, PIXEL, PIXEL), (SIZE, SIZE))
    expected = {3: float(np.sum(cols < SPLIT_COL)) * 100.0, 1: float(np.sum(cols >= SPLIT_COL)) * 100.0}
    got = lc.composition(projected, [poly], "EPSG:4544")[0]
    assert got[3] == expected[3] and got[1] == expected[1]
    assert sum(got.values()) == pytest.approx(poly.area, rel=0.01)


def test_same_square_in_cgcs2000_geographic(projected):
    planar = lc.composition(projected, [straddling_square()], "EPSG:4544")[0]
    for segment in (None, 50.0):  # plain reprojected vertices, and densified edges
        geographic = lc.composition(projected, [to_4490(straddling_square(), segment)], "EPSG:4490")[0]
        for code in (1, 3):
            assert geographic[code] == pytest.approx(planar[code], rel=0.005)


def _authalic_cell_area(lat_bottom, lat_top, dlon, crs: CRS) -> np.ndarray:
    """Area of a lat/lon cell on the ellipsoid, closed form (independent of the implementation)."""
    a, inv_f = crs.ellipsoid.semi_major_metre, crs.ellipsoid.inverse_flattening
    f = 1.0 / inv_f
    e2 = f * (2 - f)
    e = math.sqrt(e2)
    b2 = a * a * (1 - e2)

    def q(lat):
        s = np.sin(np.radians(lat))
        return s / (1 - e2 * s * s) + np.log((1 + e * s) / (1 - e * s)) / (2 * e)

    return np.abs(np.radians(dlon) * b2 / 2 * (q(lat_top) - q(lat_bottom)))


def test_geographic_raster_ellipsoidal_pixel_areas(tmp_path, projected):
    # A lon/lat grid over the same ground, about 10 m × 11 m pixels; split at the meridian of the square's middle.
    square = straddling_square()
    lon0, lat0 = TO_4490.transform(X0 - 200, Y0 + 200)
    dlon, dlat = 0.0001, 0.0001
    n = 260
    split_lon = TO_4490.transform(X0 + 1000.0, Y0 - 1367.0)[0]
    transform = from_origin(lon0, lat0, dlon, dlat)
    data = np.full((n, n), 1, dtype=np.uint8)
    cols = np.arange(n)
    data[:, lon0 + (cols + 0.5) * dlon < split_lon] = 3
    path = write_raster(tmp_path / "geographic.tif", data, crs="EPSG:4490", transform=transform)

    result = lc.measure_composition(path, [square], "EPSG:4544")
    assert result.pixel_area == "ellipsoidal"
    got = result.areas[0]
    # Independent expectation: the pixel centres inside the reprojected square, each with its cell's area.
    rows, cols_in = centres_inside(to_4490(square, 10.0), transform, data.shape)
    top = lat0 - rows * dlat
    cell = _authalic_cell_area(top - dlat, top, dlon, CRS.from_epsg(4490))
    for code in (1, 3):
        assert got[code] == pytest.approx(float(cell[data[rows, cols_in] == code].sum()), rel=1e-6)
    # Consistent with the projected case: all pixels of the lon/lat grid together have the planar EPSG:4544
    # area of the grid's footprint (which includes the Gauss-Krüger scale error of ~0.04 % here).
    footprint = shapely.box(lon0, lat0 - n * dlat, lon0 + n * dlon, lat0)
    whole = lc.composition(path, [footprint], "EPSG:4490")[0]
    to_planar = Transformer.from_crs("EPSG:4490", "EPSG:4544", always_xy=True)
    planar_footprint = shapely.transform(shapely.segmentize(footprint, dlon), lambda x, y: to_planar.transform(x, y),
                                         interleaved=False)
    assert sum(whole.values()) == pytest.approx(planar_footprint.area, rel=0.005)
    # And with the 10 m projected raster measuring the same square, within what pixel-centre counting on two
    # different grids allows (about half a pixel along the perimeter).
    planar = lc.composition(projected, [square], "EPSG:4544")[0]
    assert sum(got.values()) == pytest.approx(sum(planar.values()), rel=0.01)
    for code in (1, 3):
        assert got[code] == pytest.approx(planar[code], rel=0.02)


def test_nodata_counted_under_zero(tmp_path):
    data = halves()
    data[:50, :] = 0  # code 0
    data[150:, :] = 255  # the raster's nodata value
    path = write_raster(tmp_path / "nodata.tif", data, nodata=255)
    whole = shapely.box(X0, Y0 - SIZE * PIXEL, X0 + SIZE * PIXEL, Y0)
    areas = lc.composition(path, [whole], "EPSG:4544")[0]
    assert areas[0] == 100 * SIZE * PIXEL * PIXEL  # 50 + 50 rows
    assert areas[1] == areas[3] == 100 * 100 * PIXEL * PIXEL  # rows 50–149, half the columns each
    assert 255 not in areas
    assert sum(areas.values()) == SIZE * SIZE * PIXEL * PIXEL


def test_outside_and_partly_outside(projected):
    outside = shapely.box(X0 - 5000, Y0 - 5000, X0 - 4000, Y0 - 4000)
    partly = shapely.box(X0 - 500, Y0 - 1000, X0 + 500, Y0)  # west half outside
    result = lc.measure_composition(projected, [outside, partly, None, shapely.Point(X0 + 5, Y0 - 5)], "EPSG:4544")
    assert all(v == 0.0 for v in result.areas[0].values())
    assert set(result.areas[0]) == set(lc.load_class_table())
    assert "outside the raster" in result.notes_for(0)[0].message
    assert result.areas[1][3] == 50 * 100 * 100.0
    note = result.notes_for(1)[0]
    assert "500,000 m² (50.0%)" in note.message and "栅格范围之外" in note.message_zh
    assert "Empty" in result.notes_for(2)[0].message
    assert "not a polygon" in result.notes_for(3)[0].message
    assert any("planar in EPSG:4544" in n.message for n in result.notes_for(None))


def test_tiny_polygon_between_pixel_centres(projected):
    result = lc.measure_composition(projected, [shapely.box(X0 + 11, Y0 - 19, X0 + 14, Y0 - 11)], "EPSG:4544")
    assert sum(result.areas[0].values()) == 0.0
    assert "No pixel centre" in result.notes_for(0)[0].message


def test_unknown_codes_are_reported(tmp_path):
    data = halves()
    data[:, 150:] = 42
    path = write_raster(tmp_path / "unknown.tif", data)
    result = lc.measure_composition(path, [shapely.box(X0, Y0 - 100, X0 + 2000, Y0)], "EPSG:4544")
    assert result.areas[0][42] == 50 * 10 * 100.0
    assert any("Code 42" in n.message for n in result.notes_for(None))
    rows = result.rows()
    assert [r["name_zh"] for r in rows if r["code"] == 42] == ["未知类别 42"]


def test_composition_table_rows(projected):
    rows = lc.composition_table(projected, [straddling_square(), shapely.box(0, 0, 1, 1)], "EPSG:4544")
    assert [(r["index"], r["code"], r["name_zh"]) for r in rows] == [(0, 1, "耕地"), (0, 3, "林地"), (1, 0, "无数据")]
    assert rows[0]["share"] + rows[1]["share"] == pytest.approx(1.0)
    assert rows[1]["share"] == pytest.approx(39 / 74)
    assert rows[1]["area_m2"] == 39 * 73 * 100.0 and rows[1]["name_en"] == "forest"
    assert rows[2]["area_m2"] == 0.0 and "outside" in rows[2]["note"]
    full = lc.composition_table(projected, [straddling_square()], "EPSG:4544", include_zero=True)
    assert len(full) == len(lc.load_class_table())


def test_multipolygon_and_custom_classes(projected):
    parts = shapely.MultiPolygon([shapely.box(X0, Y0 - 100, X0 + 100, Y0), shapely.box(X0 + 1900, Y0 - 100,
                                                                                         X0 + 2000, Y0)])
    areas = lc.composition(projected, [parts], "EPSG:4544", classes={1: ("耕地", "cropland"), 3: ("林地", "forest")})
    assert areas == [{0: 0.0, 1: 10000.0, 3: 10000.0}]


# --- windowed reading and speed ------------------------------------------------------------------


def test_reads_only_the_window(tmp_path, monkeypatch):
    big = np.kron(np.random.default_rng(3).integers(1, 10, (40, 40), dtype=np.uint8), np.ones((50, 50), np.uint8))
    path = write_raster(tmp_path / "big.tif", big, compress="deflate", tiled=True, blockxsize=256, blockysize=256)
    windows = []
    original = rasterio.io.DatasetReader.read

    def spy(self, *args, **kwargs):
        windows.append(kwargs.get("window"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(rasterio.io.DatasetReader, "read", spy)
    polys = [shapely.Point(X0 + 3000 + 4000 * i, Y0 - 5000 - 3000 * i).buffer(150.0) for i in range(4)]
    areas = lc.composition(path, polys, "EPSG:4544")
    assert len(windows) == 4 and all(w is not None for w in windows)
    for w in windows:
        assert w.width * w.height <= 32 * 32  # ~30 × 30 pixels out of 2000 × 2000
    assert all(sum(a.values()) == pytest.approx(math.pi * 150**2, rel=0.03) for a in areas)


def test_large_windows_are_read_in_strips(projected, monkeypatch):
    poly = shapely.Polygon([(X0 + 233, Y0 - 171), (X0 + 1707, Y0 - 402), (X0 + 1288, Y0 - 1569), (X0 + 402, Y0 - 1838)])
    whole = lc.composition(projected, [poly], "EPSG:4544")
    reads = []
    original = rasterio.io.DatasetReader.read
    monkeypatch.setattr(rasterio.io.DatasetReader, "read",
                        lambda self, *a, **k: reads.append(k["window"]) or original(self, *a, **k))
    monkeypatch.setattr(lc, "STRIP_PIXELS", 2000)
    assert lc.composition(projected, [poly], "EPSG:4544") == whole
    assert len(reads) > 10 and all(w.width * w.height <= 2000 for w in reads)


def test_south_up_raster(tmp_path):
    data = halves()
    data[:140] = 5  # rows depend on north/south too
    north_up = write_raster(tmp_path / "north_up.tif", data)
    south_up = write_raster(tmp_path / "south_up.tif", data[::-1].copy(),
                            transform=rasterio.Affine(PIXEL, 0, X0, 0, PIXEL, Y0 - SIZE * PIXEL))
    expected = lc.composition(north_up, [straddling_square()], "EPSG:4544")
    assert expected[0][5] > 0 and expected[0][3] > 0
    assert lc.composition(south_up, [straddling_square()], "EPSG:4544") == expected


def test_thousands_of_small_polygons_in_a_large_raster(tmp_path):
    """A 7 500 × 7 500 raster and 1 000 small polygons: every polygon measured, areas equal to the
    polygons' own (speed is shown by make bench, never asserted here)."""
    rng = np.random.default_rng(7)
    big = np.kron(rng.integers(1, 10, (300, 300), dtype=np.uint8), np.ones((25, 25), np.uint8))  # 7500 × 7500
    path = write_raster(tmp_path / "huge.tif", big, compress="deflate", tiled=True, blockxsize=256, blockysize=256)
    n = 1000
    xs, ys = rng.uniform(X0 + 1000, X0 + 74000, n), rng.uniform(Y0 - 74000, Y0 - 1000, n)
    polys = [shapely.Point(x, y).buffer(r, quad_segs=8) for x, y, r in zip(xs, ys, rng.uniform(20, 250, n))]
    areas = lc.composition(path, polys, "EPSG:4544")
    assert len(areas) == n
    for poly, parts in zip(polys[:50], areas[:50]):
        assert sum(parts.values()) == pytest.approx(poly.area, rel=0.2, abs=300)  # pixel-centre rule, 10 m


# --- bad input ---------------------------------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(lc.RasterNotFound) as exc:
        lc.composition(str(tmp_path / "nope.tif"), [straddling_square()], "EPSG:4544")
    assert "nope.tif does not exist" in exc.value.message and "不存在" in exc.value.message_zh


def test_text_file_is_not_a_raster(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("这不是栅格 not a raster\n", encoding="utf-8")
    with pytest.raises(lc.NotARaster) as exc:
        lc.composition(str(path), [straddling_square()], "EPSG:4544")
    assert "is not a raster" in exc.value.message and "GeoTIFF" in exc.value.message_zh


@pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")
def test_raster_without_crs(tmp_path):
    path = write_raster(tmp_path / "nocrs.tif", halves(), crs=None)
    with pytest.raises(lc.RasterWithoutCRS) as exc:
        lc.composition(path, [straddling_square()], "EPSG:4544")
    assert "no coordinate reference system" in exc.value.message and "gdal_edit" in exc.value.message
    assert "坐标参照系" in exc.value.message_zh


def test_float_raster_band_and_crs_refused(tmp_path, projected):
    path = write_raster(tmp_path / "float.tif", halves().astype(np.float32))
    with pytest.raises(lc.UnsupportedRaster, match="not class codes"):
        lc.composition(path, [straddling_square()], "EPSG:4544")
    with pytest.raises(lc.UnsupportedRaster, match="band 2 does not exist"):
        lc.composition(projected, [straddling_square()], "EPSG:4544", band=2)
    with pytest.raises(InvalidCRS):
        lc.composition(projected, [straddling_square()], "EPSG:999999")


# --- class tables -------------------------------------------------------------------------------


def test_default_class_table():
    table = lc.load_class_table()
    assert list(table) == list(range(10))
    assert table[0] == ("无数据", "no data")
    assert table[3] == ("林地", "forest") and table[7] == ("建设用地", "built-up") and table[8][0] == "交通运输用地"
    assert lc.load_class_colors()[6] == (0x2F, 0x6F, 0xD0)


def test_csv_class_table_with_and_without_header(tmp_path):
    with_header = tmp_path / "classes.csv"
    with_header.write_bytes("code,name_zh,name_en\n1,水田,paddy\n2,旱地,dry land\n".encode("gbk"))
    assert lc.load_class_table(str(with_header)) == {0: ("无数据", "no data"), 1: ("水田", "paddy"),
                                                     2: ("旱地", "dry land")}
    bare = tmp_path / "bare.csv"
    bare.write_text("# my classes\n11,水田,paddy\n\n12,旱地,dry land\n", encoding="utf-8-sig")
    assert list(lc.load_class_table(str(bare))) == [0, 11, 12]
    chinese = tmp_path / "chinese.csv"
    chinese.write_text("英文名称,代码,中文名称\npaddy,1,水田\n", encoding="utf-8")
    assert lc.load_class_table(str(chinese))[1] == ("水田", "paddy")


def test_yaml_class_table(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("- {code: 10, name_zh: 水田, name_en: paddy}\n- {code: 20, name_zh: 旱地, name_en: dry land}\n",
                    encoding="utf-8")
    assert lc.load_class_table(str(path)) == {0: ("无数据", "no data"), 10: ("水田", "paddy"),
                                              20: ("旱地", "dry land")}


@pytest.mark.parametrize(
    ("name", "text", "where", "problem"),
    [
        ("bad_code.csv", "code,name_zh,name_en\n1,耕地,cropland\n300,林地,forest\n", "row 3", "outside 0–255"),
        ("neg.csv", "1,耕地,cropland\n-1,林地,forest\n", "row 2", "outside 0–255"),
        ("word.csv", "code,name_zh,name_en\nthree,林地,forest\n", "row 2", "not a whole number"),
        ("noname.csv", "code,name_zh,name_en\n1,耕地,cropland\n\n3,,forest\n", "row 4", "no Chinese name"),
        ("noen.csv", "1,耕地\n", "row 1", "no English name"),
        ("dup.csv", "1,耕地,cropland\n1,林地,forest\n", "row 2", "appears twice"),
        ("nocode.csv", "name_zh,name_en\n耕地,cropland\n", "row 1", "no code column"),
        ("empty.csv", "\n", "file", "empty"),
        ("only0.csv", "0,无数据,no data\n", "file", "no classes besides 0"),
        ("bad.yaml", "classes:\n  - {code: 1, name_zh: 耕地, name_en: cropland}\n  - {code: 2.5, name_zh: 园地, "
         "name_en: orchard}\n", "entry 2 (line 3)", "not a whole number"),
        ("bool.yaml", "classes:\n  - {code: true, name_zh: 耕地, name_en: cropland}\n", "entry 1", "not a whole"),
        ("noen.yaml", "classes:\n  - code: 4\n    name_zh: 草地\n", "entry 1 (line 2)", "no English name"),
        ("colour.yaml", "classes:\n  - {code: 4, name_zh: 草地, name_en: grass, color: green}\n", "entry 1",
         "not #RRGGBB"),
        ("syntax.yaml", "classes:\n  - {code: 4, name_zh: 草地\n", "line", "YAML syntax error"),
        ("nolist.yaml", "klassen: []\n", "file", "no class list"),
        ("table.xlsx", "x", "file", "unknown file type"),
    ],
)
def test_bad_class_tables(tmp_path, name, text, where, problem):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(lc.ClassTableError) as exc:
        lc.load_class_table(str(path))
    assert str(path) in exc.value.message and f", {where}" in exc.value.message and problem in exc.value.message
    assert str(path) in exc.value.message_zh and "土地覆盖分类表" in exc.value.message_zh


def test_missing_class_table_and_bad_dictionary(tmp_path, projected):
    with pytest.raises(lc.ClassTableError, match="does not exist"):
        lc.load_class_table(str(tmp_path / "none.yaml"))
    with pytest.raises(lc.ClassTableError, match="no English name"):
        lc.composition(projected, [straddling_square()], "EPSG:4544", classes={1: "耕地"})
    with pytest.raises(lc.ClassTableError, match="outside 0–255"):
        lc.composition(projected, [straddling_square()], "EPSG:4544", classes={256: ("x", "y")})


# --- the sample land cover ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("landcover")
    workspace = str(folder / "qingxi.gpkg")
    build_sample_district(workspace)
    return folder, workspace


def _array_hash(path) -> str:
    with rasterio.open(path) as src:
        return hashlib.sha256(src.read(1).tobytes()).hexdigest()


def test_sample_landcover_deterministic_and_plausible(sample):
    folder, workspace = sample
    start = time.perf_counter()
    first = build_sample_landcover(str(folder / "a.tif"), workspace)
    elapsed = time.perf_counter() - start
    second = build_sample_landcover(str(folder / "b.tif"), workspace)
    assert _array_hash(first["path"]) == _array_hash(second["path"])
    assert first["class_pixels"] == second["class_pixels"]
    assert elapsed < 5.0 and first["bytes"] < 10_000_000
    with rasterio.open(first["path"]) as src:
        assert src.crs.to_epsg() == 4544 and src.res == (10.0, 10.0) and src.nodata == 0
        assert src.dtypes[0] == "uint8" and src.block_shapes[0] == (256, 256)
        assert src.compression.name.lower() == "deflate"
        assert src.colormap(1)[3][:3] == (0x2F, 0x7D, 0x32)
    land = {code: n for code, n in first["class_pixels"].items() if code != 0}
    assert set(land) == set(range(1, 10))  # every class appears
    assert all(land[code] / sum(land.values()) > 0.2 for code in (1, 3))

    # Measured through the composition (workspace EPSG:4490 → raster EPSG:4544): red lines are mostly forest,
    # water bodies water, contaminated plots built-up.
    redlines, _fields, _fids = read_layer(workspace, "redline")
    areas = lc.composition(first["path"], redlines, "EPSG:4490")
    forest = sum(a[FOREST] for a in areas) / sum(sum(a.values()) for a in areas)
    assert forest > 0.75
    water, _f, _i = read_layer(workspace, "water_body")
    water_areas = lc.composition(first["path"], water, "EPSG:4490")
    assert sum(a[6] for a in water_areas) / sum(sum(a.values()) for a in water_areas) > 0.95
    plots, _f, _i = read_layer(workspace, "contaminated_plot")
    assert all(a[7] / sum(a.values()) > 0.9 for a in lc.composition(first["path"], plots, "EPSG:4490"))


def test_sample_landcover_without_workspace(tmp_path):
    first = build_sample_landcover(str(tmp_path / "a.tif"))
    second = build_sample_landcover(str(tmp_path / "b.tif"))
    assert _array_hash(first["path"]) == _array_hash(second["path"])
    assert not first["from_workspace"] and first["bytes"] < 10_000_000
    assert len([c for c in first["class_pixels"] if c != 0]) >= 7
    assert first["class_pixels"][0] > 0  # outside the district outline
