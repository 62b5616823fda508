"""The printable screening report (core.report): content, escaping, order, and a real browser."""

from __future__ import annotations

import html
import os
import re
import shutil
import struct
import subprocess
import time
import zlib

import pytest

from green_shield.core.report import M2_PER_MU, UNVERIFIED_ZH, area_triplet, project_order, write_html_report
from green_shield.core.rules import VERDICT_ZH, VERDICTS, load_rulebook
from green_shield.core.sample_district import build_sample_district
from green_shield.core.screening import screen
from green_shield.core.screening_io import load_projects, load_protected

NASTY = '<script>alert("x")</script>恶意 & "项目"'
NASTY_ZONE = "<b>红线</b> & <i>斑块</i>"
CHROMIUM = shutil.which("chromium")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync")


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    """The sample district screened, with one flagged project and one zone renamed to hostile HTML."""
    folder = tmp_path_factory.mktemp("report")
    path = str(folder / "sample_district.gpkg")
    build_sample_district(path)
    rulebook = load_rulebook()
    projects, _ = load_projects(path, None)
    protected, _ = load_protected(path)
    first = screen(projects, protected, rulebook)
    victim = next(p.index for p in first.projects if p.verdict == "PROHIBITED")
    projects.attributes["name"][victim] = NASTY
    redline = next(layer for layer in protected if layer.key == "redline")
    zone = next(c.zone for c in first.conflicts if c.zone_type == "redline" and c.verdict != "CLEAR")
    redline.attributes["name"][zone] = NASTY_ZONE
    result = screen(projects, protected, rulebook)
    started = time.perf_counter()
    report = write_html_report(result, str(folder / "report.html"), protected)
    seconds = time.perf_counter() - started
    with open(report, encoding="utf-8") as fh:
        text = fh.read()
    return {"path": path, "folder": folder, "result": result, "protected": protected, "report": report,
            "text": text, "victim": victim, "seconds": seconds}


def test_header_has_provenance_and_method(district):
    text, result = district["text"], district["result"]
    rb = result.rulebook
    assert html.escape(rb.version) in text
    assert rb.checksum[:12] in text
    assert rb.checksum in text  # full sha256 in the appendix
    assert html.escape(rb.provenance()) in text
    assert html.escape(result.method_text("zh")) in text
    assert html.escape(result.method_text("en")) in text
    assert result.planar_crs in text
    assert f"{result.sliver_m2:,.1f} m²" in text
    assert f"审查项目 {len(result.projects)} 个" in text
    assert html.escape(district["path"]) in text  # input sources


def test_every_flagged_project_has_a_section(district):
    text, result = district["text"], district["result"]
    flagged = [p for p in result.projects if p.verdict != "CLEAR"]
    assert flagged
    for p in flagged:
        assert f'id="p-{p.index}"' in text
        assert html.escape(p.code) in text
    clear = [p for p in result.projects if p.verdict == "CLEAR"]
    assert all(f'id="p-{p.index}"' not in text for p in clear)
    # projects without conflicts are listed in the appendix
    appendix = text[text.index("附录 B"):]
    assert all(html.escape(p.code) in appendix for p in clear)


def test_counts_by_verdict_match_the_result(district):
    text, result = district["text"], district["result"]
    shown = {v: int(n) for v, n in re.findall(r'data-verdict="(\w+)">(\d+)<', text)}
    assert shown == result.counts()
    assert set(shown) == set(VERDICTS)
    for verdict in VERDICTS:
        assert f'class="badge v-{verdict}">{VERDICT_ZH[verdict]}</span>' in text
    assert "<svg class=\"chart\"" in text


def test_prohibited_basis_with_the_original_phrase(district):
    text, result = district["text"], district["result"]
    rules = {r.id: r for r in result.rulebook.rules}
    art65 = [c for c in result.conflicts if c.verdict == "PROHIBITED"
             and any(rules[r].basis.article_zh == "第六十五条" for r in c.rule_ids)]
    assert art65, "the sample district plants projects in level-1 water-source zones"
    rule = next(rules[r] for r in art65[0].rule_ids if rules[r].basis.article_zh == "第六十五条")
    assert html.escape(rule.basis.cite_zh()) in text
    assert "第六十五条" in text and html.escape(rule.basis.text) in text
    assert html.escape(rule.advice_zh) in text
    assert rule.id in text


def test_unverified_rules_are_flagged(district):
    text, result = district["text"], district["result"]
    rules = {r.id: r for r in result.rulebook.rules}
    used = {r for c in result.conflicts for r in c.rule_ids}
    if any(not rules[r].verified for r in used):
        assert UNVERIFIED_ZH in text


def test_units(district):
    text, result = district["text"], district["result"]
    assert "m²" in text and "公顷" in text and "亩" in text
    top = project_order(result.projects)[0]
    m2, ha, mu = area_triplet(top.overlap_m2)
    assert f"{m2} m²" in text and f"{ha} 公顷" in text and f"{mu} 亩" in text
    assert area_triplet(666.67)[2] == "1.00" and abs(M2_PER_MU - 666.67) < 0.01
    assert area_triplet(12345.6) == ("12,345.6", "1.2346", "18.52")


def test_user_text_is_escaped(district):
    text = district["text"]
    assert "<script" not in text.lower()
    assert html.escape(NASTY) in text
    assert "<b>红线</b>" not in text and html.escape(NASTY_ZONE) in text


def test_strictest_sections_first(district):
    text, result = district["text"], district["result"]
    at = {p.index: text.index(f'id="p-{p.index}"') for p in result.projects if p.verdict != "CLEAR"}
    by = {v: [at[p.index] for p in result.projects if p.verdict == v] for v in VERDICTS if v != "CLEAR"}
    assert by["PROHIBITED"] and by["REVIEW"]
    assert max(by["PROHIBITED"]) < min(by["CONDITIONAL"] or by["REVIEW"])
    if by["CONDITIONAL"]:
        assert max(by["CONDITIONAL"]) < min(by["REVIEW"])
    # within a verdict, larger overlap first
    order = project_order(result.projects)
    areas = [p.overlap_m2 for p in order if p.verdict == "PROHIBITED"]
    assert areas == sorted(areas, reverse=True)
    assert [p.index for p in order] == sorted(at, key=at.get)


def test_printable_and_self_contained(district):
    text = district["text"]
    assert "@page" in text and "size: A4" in text
    assert "break-before: page" in text and "break-inside: avoid" in text
    assert "<script" not in text
    assert not re.search(r'(?:src|href)="(?:https?:)?//', text)  # no external resources
    assert text.count('<svg class="map"') == sum(1 for p in district["result"].projects if p.verdict != "CLEAR")


def test_size_and_speed(district):
    size = os.path.getsize(district["report"])
    print(f"\nsample district report: {size / 1024:.0f} KiB in {district['seconds']:.2f} s")
    assert size < 3_000_000
    assert district["seconds"] < 10


def test_without_protected_layers_and_with_map_images(district, tmp_path):
    result = district["result"]
    bare = write_html_report(result, str(tmp_path / "bare.html"))
    with open(bare, encoding="utf-8") as fh:
        assert '<svg class="map"' in fh.read()
    png = tmp_path / "maps" / "one.png"
    png.parent.mkdir()
    png.write_bytes(_png(4, 4, [(255, 0, 0)] * 16))
    first = project_order(result.projects)[0]
    embedded = write_html_report(result, str(tmp_path / "embedded.html"), district["protected"],
                                 map_images={first.index: str(png)})
    with open(embedded, encoding="utf-8") as fh:
        text = fh.read()
    assert text.count("data:image/png;base64,") == 1
    assert text.count('<svg class="map"') == sum(1 for p in result.projects if p.verdict != "CLEAR") - 1
    linked = write_html_report(result, str(tmp_path / "linked.html"), district["protected"],
                               map_images={first.index: str(png)}, embed_images=False)
    with open(linked, encoding="utf-8") as fh:
        assert 'src="maps/one.png"' in fh.read()


# --- a real browser -----------------------------------------------------------------------------


def _chromium(tmp_path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    return subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=180)


def _console_problems(stderr: str) -> list[str]:
    # the report has no scripts: any console message (":CONSOLE") or uncaught error is a fault
    return [line for line in stderr.splitlines() if "Uncaught" in line or ":CONSOLE" in line]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (the Makefile installs the Debian "
                                              "package `chromium`); cannot render the report in a browser")
def test_renders_in_headless_chromium(district, tmp_path):
    report = district["report"]
    url = "file://" + os.path.abspath(report)
    shot = tmp_path / "report.png"
    run = _chromium(tmp_path, "--enable-logging=stderr", "--v=0", "--hide-scrollbars", f"--screenshot={shot}",
                    "--window-size=1200,1600", url)
    assert shot.exists() and shot.stat().st_size > 10_000, run.stderr[-2000:]
    assert _console_problems(run.stderr) == []
    width, height, colours = _png_colours(shot.read_bytes())
    assert (width, height) == (1200, 1600)
    assert len(colours) > 200, "the screenshot looks blank"
    dom = _chromium(tmp_path, "--dump-dom", url)
    assert dom.returncode == 0 and "附录 B" in dom.stdout
    assert _console_problems(dom.stderr) == []
    pdf = tmp_path / "report.pdf"
    printed = _chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", url)
    assert pdf.exists(), printed.stderr[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", data))
    flagged = sum(1 for p in district["result"].projects if p.verdict != "CLEAR")
    assert pages > flagged  # every flagged project starts a page


# --- a tiny PNG codec, so the test needs no imaging library -------------------------------------


def _png(width: int, height: int, pixels: list[tuple[int, int, int]]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\0" + bytes(v for px in pixels[y * width:(y + 1) * width] for v in px) for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _png_colours(data: bytes, step: int = 3) -> tuple[int, int, set]:
    """(width, height, distinct colours of every `step`-th pixel) of an 8-bit RGB(A) PNG."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    try:
        import io

        from PIL import Image
    except ImportError:  # decode by hand (slower)
        pass
    else:
        image = Image.open(io.BytesIO(data)).convert("RGB")
        pixels = image.load()
        return image.width, image.height, {pixels[x, y] for x in range(0, image.width, step)
                                           for y in range(0, image.height, step)}
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, ctype, _, _, interlace = header
    assert depth == 8 and ctype in (2, 6) and interlace == 0
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    colours = set()
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        if y % step == 0:
            colours.update(bytes(line[x:x + 3]) for x in range(0, stride, bpp * step))
        prev = line
    return width, height, colours
