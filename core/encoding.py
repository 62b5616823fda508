"""Guessing the text encoding of Shapefile attribute tables (.dbf) and CSV files.

Data from Chinese agencies is usually written by Chinese-locale ArcGIS or older GDAL in GBK
(code page 936), often without the `.cpg` file that would say so. Read as UTF-8 or latin-1,
every Chinese name and code list value turns into mojibake, so before opening a Shapefile
we decide the encoding ourselves, in this order of trust:

1. a `.cpg` file next to the `.shp` (written by ArcGIS and GDAL; names a code page),
2. the DBF header's language driver id (byte 29) when it names the Chinese code page 936,
3. the bytes themselves: the text (type 'C') fields of all records are checked for being
   ASCII, valid UTF-8, valid GBK or valid GB18030, in that order.

Step 3 works because real Chinese text in GBK is practically never valid UTF-8, and the
reverse. GBK is preferred over GB18030 when both decode, since GBK is what agencies write;
GB18030 (a superset) only when the data holds characters outside GBK.
"""

from __future__ import annotations

import codecs
import os
import struct
from typing import Iterable, Optional

import numpy as np

# DBF language driver ids meaning code page 936 (simplified Chinese, GBK).
# 0x4D is the dBase/ArcGIS value; 0x7A is what ArcGIS and some other writers put for "PRC GBK".
_CHINESE_LDIDS = {0x4D: "GBK", 0x7A: "GBK"}

_CODE_PAGE_NAMES = {
    "936": "GBK",
    "CP936": "GBK",
    "MS936": "GBK",
    "WINDOWS-936": "GBK",
    "GBK": "GBK",
    # GB2312 files are read as GB18030: a superset, so text written as GB2312 by any tool decodes.
    "GB2312": "GB18030",
    "EUC-CN": "GB18030",
    "20936": "GB18030",
    "54936": "GB18030",
    "GB18030": "GB18030",
    "UTF-8": "UTF-8",
    "UTF8": "UTF-8",
    "65001": "UTF-8",
}

_RECORDS_PER_CHUNK = 65536
_SHAPEFILE_EXTENSIONS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx")


def _codec_known(name: str) -> bool:
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


def normalise_code_page(value: str) -> Optional[str]:
    """Encoding name for a `.cpg` value ("936" → "GBK", "65001" → "UTF-8"), None if unusable.

    Values Python does not know are None rather than an error, so the caller can fall back
    to sniffing the data instead of failing to open the layer.
    """
    name = value.strip().strip("\ufeff").strip()
    if name.upper().startswith("ANSI "):  # ArcGIS writes e.g. "ANSI 1252"
        name = name[5:].strip()
    text = name.upper()
    if not text:
        return None
    if text in _CODE_PAGE_NAMES:
        return _CODE_PAGE_NAMES[text]
    if text.isdigit():
        candidate = f"CP{text}"
        return candidate if _codec_known(candidate) else None
    return name if _codec_known(name) else None


def _sibling(base: str, extension: str) -> Optional[str]:
    """Existing file `base + extension`, matching the extension's case loosely (.dbf or .DBF)."""
    for candidate in (base + extension.lower(), base + extension.upper()):
        if os.path.isfile(candidate):
            return candidate
    folder = os.path.dirname(base) or "."
    stem = os.path.basename(base)
    try:
        names = os.listdir(folder)
    except OSError:
        return None
    wanted = (stem + extension).lower()
    for name in names:
        if name.lower() == wanted and os.path.isfile(os.path.join(folder, name)):
            return os.path.join(folder, name)
    return None


def _shapefile_base(path: str) -> str:
    root, ext = os.path.splitext(path)
    return root if ext.lower() in _SHAPEFILE_EXTENSIONS else path


def _dbf_text_samples(dbf_path: str) -> set[tuple[bytes, bool]]:
    """Distinct (raw value, fills the field) pairs of all character fields of a DBF.

    Parsed by hand (dBase III layout, as in Shapefiles) because the point is to look at the
    bytes before any library decodes them. "Fills the field" matters because writers cut
    over-long text at the field width, possibly in the middle of a multi-byte character.
    """
    with open(dbf_path, "rb") as f:
        header = f.read(32)
        if len(header) < 32:
            return set()
        n_records = struct.unpack("<I", header[4:8])[0]
        header_length, record_length = struct.unpack("<HH", header[8:12])
        descriptors = f.read(max(header_length - 32, 0))
        fields: list[tuple[int, int]] = []  # (offset in record, width) of the 'C' fields
        offset = 1  # byte 0 of a record is the deletion flag
        for start in range(0, len(descriptors) - 31, 32):
            descriptor = descriptors[start : start + 32]
            if descriptor[0] == 0x0D:
                break
            field_type = chr(descriptor[11])
            if field_type in "NF":
                width = descriptor[16]
            else:  # as shapelib does: character fields may use byte 17 as the high byte of the width
                width = descriptor[16] + 256 * descriptor[17]
            if field_type == "C" and width > 0 and offset + width <= record_length:
                fields.append((offset, width))
            offset += width
        samples: set[tuple[bytes, bool]] = set()
        if not fields or record_length <= 0:
            return samples
        dtype = np.dtype(
            {
                "names": [f"f{i}" for i in range(len(fields))],
                "formats": [f"S{width}" for _, width in fields],
                "offsets": [field_offset for field_offset, _ in fields],
                "itemsize": record_length,
            }
        )
        f.seek(header_length)
        remaining = n_records
        while remaining > 0:
            count = min(remaining, _RECORDS_PER_CHUNK)
            chunk = f.read(count * record_length)
            count = len(chunk) // record_length
            if count == 0:
                break
            records = np.frombuffer(chunk[: count * record_length], dtype=dtype, count=count)
            for i, (_, width) in enumerate(fields):
                for raw in np.unique(records[f"f{i}"]):  # numpy drops trailing NULs
                    value = raw.rstrip(b" \x00")
                    if value and not value.isascii():
                        samples.add((value, len(value) == width))
            remaining -= count
    return samples


def _all_decode(samples: Iterable[tuple[bytes, bool]], codec: str) -> bool:
    """Whether every value decodes; a value that fills its field may end in a cut character."""
    for value, full in samples:
        decoder = codecs.getincrementaldecoder(codec)()
        try:
            decoder.decode(value, final=not full)
        except UnicodeDecodeError:
            return False
    return True


def shapefile_encoding(shp_path: str) -> tuple[str, str]:
    """Encoding of a Shapefile's attribute table, and how it was decided.

    `shp_path` may name the .shp, the .dbf, or the common path without extension. Returns
    e.g. ("GBK", ".cpg file says '936'") or ("UTF-8", "ascii only"); names are ones both
    Python and GDAL (the SHAPE_ENCODING open option) understand.
    """
    base = _shapefile_base(shp_path)
    dbf_path = _sibling(base, ".dbf")
    if dbf_path is None:
        raise FileNotFoundError(
            f"No attribute table (.dbf) found for Shapefile '{shp_path}': expected '{base}.dbf'. "
            "Copy all files of the Shapefile (.shp, .shx, .dbf, .prj, .cpg) together."
        )

    cpg_note = ""
    cpg_path = _sibling(base, ".cpg")
    if cpg_path is not None:
        with open(cpg_path, "rb") as f:
            cpg_text = f.read(256).decode("utf-8-sig", errors="replace")
        encoding = normalise_code_page(cpg_text)
        if encoding is not None:
            return encoding, f".cpg file says '{cpg_text.strip()}'"
        cpg_note = f"; .cpg value '{cpg_text.strip()}' not understood"

    with open(dbf_path, "rb") as f:
        header = f.read(32)
    if len(header) > 29 and header[29] in _CHINESE_LDIDS:
        return _CHINESE_LDIDS[header[29]], f"DBF language driver id 0x{header[29]:02X} (code page 936){cpg_note}"

    samples = _dbf_text_samples(dbf_path)
    if not samples:
        return "UTF-8", "ascii only" + cpg_note
    if _all_decode(samples, "utf-8"):
        return "UTF-8", "attribute text is valid UTF-8" + cpg_note
    if _all_decode(samples, "gbk"):
        return "GBK", "attribute text is valid GBK" + cpg_note
    if _all_decode(samples, "gb18030"):
        return "GB18030", "attribute text is valid GB18030 (characters outside GBK)" + cpg_note
    return "latin-1", "undecodable, latin-1" + cpg_note


def detect_text_encoding(raw: bytes) -> str:
    """Python codec name for the bytes of a text (CSV) file: utf-8-sig, utf-8, gbk, gb18030 or latin-1.

    Excel on Chinese Windows saves CSV as GBK, newer Excel as UTF-8 with a BOM. `raw` may be
    only the first part of a file: a multi-byte character cut at its end is tolerated. A
    UTF-16 byte order mark (Excel's "Unicode text") gives "utf-16".
    """
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for codec in ("utf-8", "gbk", "gb18030"):
        try:
            codecs.getincrementaldecoder(codec)().decode(raw, final=False)
        except UnicodeDecodeError:
            continue
        return codec
    return "latin-1"
