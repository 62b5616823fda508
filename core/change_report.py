"""The printable change-lead report (遥感变化线索核查清单): one HTML file for A4, thumbnails beside it.

For the 绿盾 verification teams: what was compared and how (images, common grid, transition table,
minimum area, distance, rulebook), the leads by verdict and activity, then one block per lead with
before/after thumbnails (the lead outlined in magenta), where it is, how big (m², 亩, method), the
protected areas it meets, the verdict and its legal basis, and a line for the field finding.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import rasterio
import rasterio.features
from affine import Affine
from rasterio.errors import NotGeoreferencedWarning

from .errors import GreenShieldError
from .landcover import load_class_colors
from .report import CSS, _css_string, _e, badge
from .workspace import refuse_workspace_as_output

TITLE = "遥感变化线索核查清单"
MAX_THUMBNAILS = 400  # beyond this many leads the list goes on without pictures (the report stays printable)
THUMB_PX = 220
OUTLINE = (255, 0, 255)
EXTRA_CSS = """
.lead { page-break-inside: avoid; break-inside: avoid; border-top: 1px solid #999; padding: 6px 0 8px; }
.lead h3 { margin: 4px 0; font-size: 11pt; }
.thumbs figure { display: inline-block; margin: 0 10px 0 0; text-align: center; font-size: 8.5pt; }
.thumbs img { width: 55mm; height: 55mm; image-rendering: pixelated; border: 1px solid #666; }
table.kv td { font-size: 8.6pt; vertical-align: top; } table.kv td:first-child { white-space: nowrap; width: 22%; }
.field { border: 1px dashed #888; min-height: 12mm; padding: 3px; font-size: 8.5pt; color: #555; }
"""


def _colourise(arr: np.ndarray, mode: str, colours: dict, nodata) -> np.ndarray:
    h, w = arr.shape
    rgb = np.zeros((3, h, w), dtype=np.uint8)
    if mode == "classified":
        lut = np.zeros((max(256, int(arr.max()) + 1 if arr.size else 256), 3), dtype=np.uint8)
        for code, c in colours.items():
            if code < len(lut):
                lut[code] = c
        if nodata is not None:
            arr = np.where(arr == nodata, 0, arr)
        pix = lut[arr.astype(np.intp)]
        return np.moveaxis(pix, 2, 0).copy()
    v = arr.astype(np.float64)
    bad = ~np.isfinite(v) | ((v == nodata) if nodata is not None else False)
    g = np.clip((np.nan_to_num(v) + 0.2) / 1.1, 0, 1)
    rgb[0] = (255 * (1 - g) * 0.8).astype(np.uint8)
    rgb[1] = (60 + 195 * g).astype(np.uint8)
    rgb[2] = (255 * (1 - g) * 0.5).astype(np.uint8)
    rgb[:, bad] = 0
    return rgb


DEFAULT_PALETTE = ((242, 226, 140), (227, 163, 59), (47, 125, 50), (165, 212, 106), (95, 196, 184),
                   (47, 111, 208), (216, 69, 59), (125, 125, 125), (205, 183, 158), (153, 102, 204),
                   (255, 153, 0), (0, 153, 153))


def _class_colours(classes_path, sources, band: int) -> dict:
    """Class code → colour: the class table's colours, else the raster's own colour table, else a palette."""
    colours = load_class_colors(classes_path)
    if len(colours) > 1:
        return colours
    for src in sources:
        try:
            table = src.colormap(band)
        except ValueError:  # no colour table
            continue
        return {int(code): tuple(int(v) for v in rgba[:3]) for code, rgba in table.items()}
    from .landcover import load_class_table

    return {code: DEFAULT_PALETTE[(code - 1) % len(DEFAULT_PALETTE)] for code in load_class_table(classes_path)
            if code != 0}


def _thumbnails(result, folder: str, is_canceled=None) -> dict:
    """{lead_id: (before_png, after_png)} written into folder. A thumbnail is THUMB_PX pixels or more wide:
    small leads are enlarged, large ones read decimated (memory stays small whatever the lead's size)."""
    from .change_leads import ChangeLeadsCanceled, _Grid, _open_index
    from .landcover import _open_raster

    opts = result.options
    opener = _open_raster if opts.mode == "classified" else _open_index
    out: dict = {}
    leads = result.leads[:MAX_THUMBNAILS]
    if not leads:
        return out
    os.makedirs(folder, exist_ok=True)
    src_b, src_a = opener(result.before, opts.band_before), opener(result.after, opts.band_after)
    colours = _class_colours(opts.classes, (src_b, src_a), opts.band_before) if opts.mode == "classified" else {}
    grid = _Grid(src_b, src_a, opts, (result.before, result.after))
    try:
        inv = ~grid.transform
        for lead in leads:
            if is_canceled is not None and is_canceled():
                raise ChangeLeadsCanceled()
            minx, miny, maxx, maxy = lead.grid_geometry.bounds
            c0, r0 = inv * (minx, maxy)
            c1, r1 = inv * (maxx, miny)
            size = max(c1 - c0, r1 - r0)
            side = int(max(40, size * 2.0))
            cc, rc = (c0 + c1) / 2.0, (r0 + r1) / 2.0
            col0 = int(max(0, min(grid.width - side, round(cc - side / 2))))
            row0 = int(max(0, min(grid.height - side, round(rc - side / 2))))
            cols, rows = min(side, grid.width - col0), min(side, grid.height - row0)
            wt = grid.transform * Affine.translation(col0, row0)
            if max(rows, cols) <= THUMB_PX:  # enlarge by a whole factor
                scale = -(-THUMB_PX // max(rows, cols))
                out_rows, out_cols, read_shape = rows * scale, cols * scale, None
            else:  # read decimated
                f = THUMB_PX / max(rows, cols)
                out_rows, out_cols = max(1, round(rows * f)), max(1, round(cols * f))
                scale, read_shape = 1, (out_rows, out_cols)
            out_t = wt * Affine.scale(cols / out_cols, rows / out_rows)
            px = abs(out_t.a)  # a thumbnail pixel, in metres
            # the outline: a band one or two thumbnail pixels wide just outside the lead (a line along pixel
            # edges is missed by rasterize, and a one-pixel road must stay visible)
            shape = lead.grid_geometry.simplify(px / 2.0) if px > grid.resolution else lead.grid_geometry
            band = shape.boundary.buffer(1.2 * px).difference(shape)
            outline = rasterio.features.rasterize([(band, 1)], out_shape=(out_rows, out_cols), transform=out_t,
                                                  all_touched=True, fill=0, dtype="uint8") > 0
            names = []
            for which, label in ((0, "before"), (1, "after")):
                arr = grid.read(which, (opts.band_before, opts.band_after)[which], row0, col0, rows, cols,
                                out_shape=read_shape)
                rgb = _colourise(arr, opts.mode, colours, grid.nodata[which])
                if scale > 1:
                    rgb = rgb.repeat(scale, axis=1).repeat(scale, axis=2)
                for k in range(3):
                    rgb[k][outline] = OUTLINE[k]
                name = f"{lead.lead_id}_{label}.png"
                with warnings.catch_warnings():  # a picture, not a map: no georeferencing wanted
                    warnings.simplefilter("ignore", NotGeoreferencedWarning)
                    dst = rasterio.open(os.path.join(folder, name), "w", driver="PNG", width=rgb.shape[2],
                                        height=rgb.shape[1], count=3, dtype="uint8")
                    with dst:
                        dst.write(rgb)
                names.append(name)
            out[lead.lead_id] = tuple(names)
    finally:
        grid.close()
        src_a.close()
        src_b.close()
        # rasterio's PNG driver leaves .aux.xml files (no georeferencing); remove them
        for name in os.listdir(folder):
            if name.endswith(".aux.xml"):
                os.remove(os.path.join(folder, name))
    return out


class ReportPathError(GreenShieldError):
    code = "report_path"

    def __init__(self, path: str, problem: str, problem_zh: str) -> None:
        super().__init__(f"Cannot write the report {path}: {problem}", f"无法写入报告 {path}：{problem_zh}")


def check_report_path(path: str, inputs=()) -> None:
    """Refuse, before any work, a report path that is not an .html file in an existing folder, or that is
    one of the inputs (images, tables, workspace) or would put its thumbnails over a file."""
    path = os.fspath(path)
    if os.path.splitext(path)[1].lower() not in (".html", ".htm"):
        raise ReportPathError(path, "give a file name ending in .html (the report is a web page)",
                              "报告为网页文件，文件名须以 .html 结尾")
    full = os.path.realpath(path)
    for other in inputs:
        if other and os.path.realpath(os.fspath(other)) == full:
            raise ReportPathError(path, "it is one of the inputs; choose another file name",
                                  "该文件是输入数据之一，请另选文件名")
    if os.path.isdir(path):
        raise ReportPathError(path, "it is a folder; give a file name in it, e.g. leads.html",
                              "这是一个文件夹，请给出其中的文件名，例如 leads.html")
    parent = os.path.dirname(full)
    if not os.path.isdir(parent):
        raise ReportPathError(path, f"the folder {parent} does not exist", f"文件夹 {parent} 不存在")
    files = os.path.join(parent, f"{os.path.splitext(os.path.basename(path))[0]}_files")
    if os.path.exists(files) and not os.path.isdir(files):
        raise ReportPathError(path, f"the thumbnails' folder {files} is a file",
                              f"缩略图文件夹位置 {files} 已是一个文件")
    refuse_workspace_as_output(path)


def write_change_report(result, html_path: str, *, title: str = TITLE, is_canceled=None) -> str:
    """Write the report; return its path."""
    from .change_leads import ACTIVITIES
    from .schema import CODE_LISTS

    html_path = os.fspath(html_path)
    opts = result.options
    check_report_path(html_path, (result.before, result.after, result.workspace, opts.classes, opts.after_classes,
                                  opts.transitions))
    stem = os.path.splitext(os.path.basename(html_path))[0]
    folder_name = f"{stem}_files"
    folder = os.path.join(os.path.dirname(os.path.abspath(html_path)), folder_name)
    try:
        thumbs = _thumbnails(result, folder, is_canceled)
    except OSError as exc:
        raise ReportPathError(html_path, str(exc), str(exc)) from None
    det = result.detection
    counts = result.counts()
    e = _e
    out = [f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{e(title)}</title>',
           f"<style>{CSS.replace('建设项目生态保护空间审查报告', _css_string(title))}{EXTRA_CSS}</style></head><body>",
           '<div class="doc"><header class="cover"><div class="kicker">绿盾 · 遥感监测人类活动核查</div>',
           f"<h1>{e(title)}</h1>",
           f'<div class="subtitle">识别日期 {e(result.detected)} · 批次 {e(result.run_id)} · 线索 {counts["leads"]} 个'
           f'（禁止 {counts["PROHIBITED"]}，需复核 {counts["REVIEW"]}，有条件准入 {counts["CONDITIONAL"]}，'
           f'无冲突 {counts["CLEAR"]}）</div></header>']
    out.append("<h2>一、数据与方法</h2><table class=\"kv\"><tbody>")
    mode_zh = "分类影像逐像元比较" if det.mode == "classified" else "指数影像（如 NDVI）下降检测"
    rows = [
        ("前时相影像", os.path.basename(result.before)), ("后时相影像", os.path.basename(result.after)),
        ("比较方式", mode_zh),
        ("统一格网", f"{det.grid_crs}，像元 {det.pixel_area_m2 ** 0.5:g} 米，{det.width} × {det.height} 像元"),
        ("地类转换表", f"{det.table.name} v{det.table.version}（sha256 {det.table.checksum[:12]}…）"),
        ("最小图斑面积", f"{det.min_area_m2:,.2f} 平方米（{det.min_area_m2 * 15 / 10000:.2f} 亩）"),
        ("线索范围", f"位于保护对象内或距保护对象不超过 {result.distance_m:,.0f} 米"),
        ("审查规则库", result.rulebook), ("面积算法", result.method_text),
        ("处理统计", f"比较像元 {det.stats['pixels_compared']:,} 个，变化像元 {det.stats['changed_pixels']:,} 个，"
                     f"变化图斑 {det.stats['patches']} 个（另有 {det.stats['patches_too_small']} 个小于最小面积），"
                     f"距保护对象过远 {result.dropped_far} 个；用时 {det.stats['seconds']:.1f} 秒"),
    ]
    for k, v in rows:
        out.append(f"<tr><td>{e(k)}</td><td>{e(v)}</td></tr>")
    out.append("</tbody></table>")
    for note in result.notes_zh:
        out.append(f'<p class="muted">{e(note)}</p>')
    out.append("<h2>二、线索汇总</h2><table><thead><tr><th>活动类型</th><th>线索数</th></tr></thead><tbody>")
    for a in ACTIVITIES:
        if counts[a]:
            out.append(f'<tr><td>{e(CODE_LISTS["activity_class"].label_zh(a))}</td><td class="n">{counts[a]}</td></tr>')
    out.append("</tbody></table>")
    if result.leads:
        out.append('<table><thead><tr><th>编号</th><th>活动类型</th><th>面积（亩）</th><th>保护对象</th>'
                   "<th>空间关系</th><th>结论</th></tr></thead><tbody>")
        for lead in result.leads:
            zone = lead.zone_type_zh + (f"·{lead.zone_level}" if lead.zone_level else "") + \
                (f"（{lead.zone_name}）" if lead.zone_name else "")
            out.append(f'<tr><td class="nw">{e(lead.lead_id)}</td><td>{e(lead.activity_zh)}</td>'
                       f'<td class="n">{lead.area_mu:,.2f}</td><td>{e(zone)}</td><td>{e(lead.relation_zh)}</td>'
                       f"<td>{badge(lead.verdict)}</td></tr>")
        out.append("</tbody></table>")
    else:
        out.append("<p>未发现位于保护对象内或附近的变化图斑。</p>")
    out.append("<h2>三、逐条线索</h2>")
    for lead in result.leads:
        out.append(f'<div class="lead"><h3>{e(lead.lead_id)} {e(lead.activity_zh)} {badge(lead.verdict)}</h3>')
        if lead.lead_id in thumbs:
            b, a = thumbs[lead.lead_id]
            out.append(f'<div class="thumbs"><figure><img src="{e(folder_name)}/{e(b)}" alt="前时相"><figcaption>'
                       f"前时相 {e(os.path.basename(result.before))}</figcaption></figure>"
                       f'<figure><img src="{e(folder_name)}/{e(a)}" alt="后时相"><figcaption>'
                       f"后时相 {e(os.path.basename(result.after))}</figcaption></figure></div>")
        zone = lead.zone_type_zh + (f"·{lead.zone_level}" if lead.zone_level else "") + \
            (f"（{lead.zone_name}）" if lead.zone_name else "")
        where = lead.relation_zh + (f"，距离 {lead.distance_m:,.0f} 米" if lead.relation == "near" else "") + \
            (f"，保护区内 {lead.overlap_m2:,.1f} 平方米" if lead.relation == "crossing" else "")
        kv = [
            ("地类变化", lead.transition),
            ("面积", f"{lead.area_m2:,.1f} 平方米 / {lead.area_m2 / 10000:.4f} 公顷 / {lead.area_mu:,.2f} 亩"
                     f"（{lead.area_method}）"),
            ("中心点", f"经度 {lead.lon:.6f}，纬度 {lead.lat:.6f}（CGCS2000）；"
                       f"X {lead.centroid_x:,.1f}，Y {lead.centroid_y:,.1f}（{lead.centroid_crs}）"),
            ("保护对象", f"{zone}，{where}"), ("全部命中", lead.reasons),
            ("审查结论", lead.verdict_zh), ("法律依据", lead.legal_basis or "—"),
        ]
        out.append('<table class="kv"><tbody>')
        for k, v in kv:
            out.append(f"<tr><td>{e(k)}</td><td>{e(v)}</td></tr>")
        out.append('</tbody></table><div class="field">'
                   "现场核查情况（活动类型、建设主体、手续、是否违法）：</div></div>")
    if len(result.leads) > MAX_THUMBNAILS:
        out.append(f'<p class="muted">线索超过 {MAX_THUMBNAILS} 个，其余线索未附缩略图。</p>')
    out.append('<p class="muted">缩略图：品红色为线索边界；颜色按分类表显示地类（指数影像由低到高为红到绿）。'
               "变化图斑由两期影像逐像元比较得出，须经现场核实后方可认定违法行为。</p></div></body></html>")
    try:
        with open(html_path, "w", encoding="utf-8") as fh:
            fh.write("".join(out))
    except OSError as exc:
        raise ReportPathError(html_path, str(exc), str(exc)) from None
    return html_path
