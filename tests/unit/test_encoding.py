"""Encoding detection of Shapefile attribute tables and CSV files."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
import shapely

from builders import write_shapefile
from green_shield.core import encoding as encoding_module
from green_shield.core.encoding import detect_text_encoding, normalise_code_page, shapefile_encoding

GBK_NAMES = ["重庆市自然保护区", "缙云山国家级自然保护区", "渝北"]


def write_points(path: Path, names: list[str], encoding: str) -> Path:
    """A real point Shapefile with one text field "name", written by GDAL in `encoding`."""
    points = shapely.points([(106.5 + i * 0.01, 29.5) for i in range(len(names))])
    write_shapefile(path, list(points), {"name": names}, encoding=encoding, geometry_type="Point")
    return path


def raw_text_values(dbf: Path) -> list[bytes]:
    """Independent minimal DBF reader: raw bytes of every character field, padding stripped."""
    data = dbf.read_bytes()
    n_records = struct.unpack("<I", data[4:8])[0]
    header_length, record_length = struct.unpack("<HH", data[8:12])
    fields = []
    offset = 1
    pos = 32
    while data[pos] != 0x0D:
        width = data[pos + 16]
        if data[pos + 11 : pos + 12] == b"C":
            fields.append((offset, width))
        offset += width
        pos += 32
    values = []
    for r in range(n_records):
        record = data[header_length + r * record_length : header_length + (r + 1) * record_length]
        values += [record[o : o + w].rstrip(b" ") for o, w in fields]
    return values


def write_dbf(path: Path, values: list[bytes], width: int = 20, ldid: int = 0) -> Path:
    """Hand-made dBase III table with one character field, for byte patterns GDAL will not write."""
    header_length = 32 + 32 + 1
    record_length = 1 + width
    header = struct.pack("<BBBBIHH", 3, 124, 1, 1, len(values), header_length, record_length)
    header += bytes(17) + bytes([ldid]) + bytes(2)
    descriptor = b"NAME".ljust(11, b"\0") + b"C" + bytes(4) + bytes([width, 0]) + bytes(14)
    records = b"".join(b" " + value.ljust(width, b" ")[:width] for value in values)
    path.write_bytes(header + descriptor + b"\r" + records + b"\x1a")
    return path


def set_ldid(dbf: Path, ldid: int) -> None:
    data = bytearray(dbf.read_bytes())
    data[29] = ldid
    dbf.write_bytes(bytes(data))


def test_pyogrio_writes_gbk_with_cpg_and_no_ldid(tmp_path: Path) -> None:
    shp = write_points(tmp_path / "gbk.shp", GBK_NAMES, "GBK")
    assert (tmp_path / "gbk.cpg").read_text().strip() == "GBK"
    assert (tmp_path / "gbk.dbf").read_bytes()[29] == 0  # GDAL leaves the language driver id empty
    assert raw_text_values(tmp_path / "gbk.dbf") == [name.encode("gbk") for name in GBK_NAMES]
    assert shapefile_encoding(str(shp)) == ("GBK", ".cpg file says 'GBK'")


def test_gbk_without_cpg(tmp_path: Path) -> None:
    shp = write_points(tmp_path / "gbk.shp", GBK_NAMES, "GBK")
    (tmp_path / "gbk.cpg").unlink()
    assert shapefile_encoding(str(shp)) == ("GBK", "attribute text is valid GBK")


def test_utf8_without_cpg(tmp_path: Path) -> None:
    shp = write_points(tmp_path / "utf8.shp", GBK_NAMES, "UTF-8")
    (tmp_path / "utf8.cpg").unlink()
    assert raw_text_values(tmp_path / "utf8.dbf") == [name.encode("utf-8") for name in GBK_NAMES]
    assert shapefile_encoding(str(shp)) == ("UTF-8", "attribute text is valid UTF-8")


def test_ascii_only(tmp_path: Path) -> None:
    shp = write_points(tmp_path / "ascii.shp", ["XZ-001", "XZ-002"], "GBK")
    (tmp_path / "ascii.cpg").unlink()
    assert shapefile_encoding(str(shp)) == ("UTF-8", "ascii only")


@pytest.mark.parametrize(
    "cpg, expected",
    [
        ("936", "GBK"),
        ("CP936", "GBK"),
        ("gbk\r\n", "GBK"),
        ("GB2312", "GB18030"),
        ("UTF-8", "UTF-8"),
        ("65001", "UTF-8"),
    ],
)
def test_cpg_wins(tmp_path: Path, cpg: str, expected: str) -> None:
    # The data is ASCII, so anything other than "UTF-8" can only come from the .cpg.
    shp = write_points(tmp_path / "layer.shp", ["a", "b"], "UTF-8")
    (tmp_path / "layer.cpg").write_text(cpg)
    found, how = shapefile_encoding(str(shp))
    assert found == expected
    assert ".cpg" in how


def test_unusable_cpg_falls_back_to_data(tmp_path: Path) -> None:
    shp = write_points(tmp_path / "layer.shp", GBK_NAMES, "GBK")
    (tmp_path / "layer.cpg").write_text("no-such-codepage")
    found, how = shapefile_encoding(str(shp))
    assert found == "GBK"
    assert "valid GBK" in how and "not understood" in how


@pytest.mark.parametrize("ldid", [0x4D, 0x7A])
def test_chinese_ldid_with_ascii_data(tmp_path: Path, ldid: int) -> None:
    shp = write_points(tmp_path / "ldid.shp", ["abc"], "UTF-8")
    (tmp_path / "ldid.cpg").unlink()
    set_ldid(tmp_path / "ldid.dbf", ldid)
    found, how = shapefile_encoding(str(shp))
    assert found == "GBK"
    assert f"0x{ldid:02X}" in how


def test_other_ldid_is_ignored(tmp_path: Path) -> None:
    shp = write_points(tmp_path / "ldid.shp", ["abc"], "UTF-8")
    (tmp_path / "ldid.cpg").unlink()
    set_ldid(tmp_path / "ldid.dbf", 0x57)  # "ANSI": whatever the writer's Windows code page was
    assert shapefile_encoding(str(shp)) == ("UTF-8", "ascii only")


def test_gb18030_only_characters(tmp_path: Path) -> None:
    names = ["𠀀村", "王䶮", "重庆"]
    shp = write_points(tmp_path / "rare.shp", names, "GB18030")
    (tmp_path / "rare.cpg").unlink()
    assert raw_text_values(tmp_path / "rare.dbf") == [name.encode("gb18030") for name in names]
    found, how = shapefile_encoding(str(shp))
    assert found == "GB18030"
    assert "GB18030" in how


def test_dbf_path_and_path_without_extension(tmp_path: Path) -> None:
    write_points(tmp_path / "保护区.shp", GBK_NAMES, "GBK")
    (tmp_path / "保护区.cpg").unlink()
    assert shapefile_encoding(str(tmp_path / "保护区.dbf"))[0] == "GBK"
    assert shapefile_encoding(str(tmp_path / "保护区"))[0] == "GBK"


def test_upper_case_extensions(tmp_path: Path) -> None:
    write_points(tmp_path / "layer.shp", GBK_NAMES, "GBK")
    (tmp_path / "layer.cpg").unlink()
    for ext in ("shp", "shx", "dbf", "prj"):
        (tmp_path / f"layer.{ext}").rename(tmp_path / f"LAYER.{ext.upper()}")
    assert shapefile_encoding(str(tmp_path / "LAYER.SHP"))[0] == "GBK"


def test_missing_dbf(tmp_path: Path) -> None:
    shp = write_points(tmp_path / "layer.shp", ["a"], "UTF-8")
    (tmp_path / "layer.dbf").unlink()
    with pytest.raises(FileNotFoundError, match=r"\.dbf"):
        shapefile_encoding(str(shp))
    with pytest.raises(FileNotFoundError, match="nothing"):
        shapefile_encoding(str(tmp_path / "nothing.shp"))


def test_utf8_cut_at_field_width_is_still_utf8(tmp_path: Path) -> None:
    # Writers cut over-long text at the field width, possibly inside a multi-byte character.
    cut = "重庆市".encode()[:5]
    write_dbf(tmp_path / "cut.dbf", [cut, "渝北".encode()], width=5)
    assert shapefile_encoding(str(tmp_path / "cut.shp")) == ("UTF-8", "attribute text is valid UTF-8")


def test_undecodable_falls_back_to_latin1(tmp_path: Path) -> None:
    write_dbf(tmp_path / "bad.dbf", [b"caf\xe9 \xff", b"ok"])
    assert shapefile_encoding(str(tmp_path / "bad.dbf")) == ("latin-1", "undecodable, latin-1")


def test_hand_made_ldid_and_empty_table(tmp_path: Path) -> None:
    write_dbf(tmp_path / "ldid.dbf", ["渝北".encode()], ldid=0x4D)
    assert shapefile_encoding(str(tmp_path / "ldid.dbf"))[0] == "GBK"
    write_dbf(tmp_path / "empty.dbf", [])
    assert shapefile_encoding(str(tmp_path / "empty.dbf")) == ("UTF-8", "ascii only")


def test_all_records_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(encoding_module, "_RECORDS_PER_CHUNK", 2)
    values = [b"A-%d" % i for i in range(7)] + ["缙云山".encode("gbk")]
    write_dbf(tmp_path / "many.dbf", values)
    assert shapefile_encoding(str(tmp_path / "many.dbf"))[0] == "GBK"


def test_normalise_code_page() -> None:
    assert normalise_code_page("ANSI 1252") == "CP1252"
    assert normalise_code_page("utf8") == "UTF-8"
    assert normalise_code_page("54936") == "GB18030"
    assert normalise_code_page("") is None
    assert normalise_code_page("88591x") is None


@pytest.mark.parametrize(
    "raw, expected",
    [
        (b"\xef\xbb\xbfname,area\n" + "保护区,1".encode(), "utf-8-sig"),
        ("名称,面积\n缙云山,7600\n".encode(), "utf-8"),
        (b"name,area\n1,2\n", "utf-8"),
        ("名称,面积\n缙云山,7600\n".encode("gbk"), "gbk"),
        ("名称\n王䶮\n".encode("gb18030"), "gb18030"),
        (b"caf\xe9,\xff\n", "latin-1"),
        ("名称".encode("utf-16"), "utf-16"),
        (b"", "utf-8"),
    ],
)
def test_detect_text_encoding(raw: bytes, expected: str) -> None:
    assert detect_text_encoding(raw) == expected


def test_detect_text_encoding_tolerates_cut_prefix() -> None:
    raw = ("名称,面积\n" * 100).encode()
    assert detect_text_encoding(raw[:-1]) == "utf-8"
    assert detect_text_encoding(("名称,面积\n" * 100).encode("gbk")[:-2]) == "gbk"
