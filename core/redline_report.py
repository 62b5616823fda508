"""The printable red-line adjustment review report (生态保护红线评估调整审查报告): one self-contained HTML file.

From a ``core.redline_diff.RedlineDiff``: the sources and the method, a banner when the red
line shrinks overall (the "面积不减少" requirement), balance tables per division, per
ecological function and in total (m² / 公顷 / 亩, % change; boundary noise shown apart and
out of the net), a chart of the net change per division, the flagged changes (violations
first), modified / split / merged patches, projects whose screening verdict changes, the
land-cover make-up of what was added and removed, three maps (before, after, changes) and an
appendix with the warnings.

Same house style as ``core.report`` (its CSS, SVG map helpers and image embedding); no
scripts; no QGIS (``layers.redline_maps`` renders PNG maps, ``layers.report_maps.write_pdf_report``
prints the PDF).
"""

from __future__ import annotations

import datetime as _dt
import os

import shapely

from .redline_diff import CHANGE_ZH, FLAG_SEVERITY, FLAG_ZH, ChangePiece, RedlineDiff, severity
from .report import (
    _DEFS,
    CSS,
    MAP_H,
    MAP_W,
    _attrs,
    _crs_name,
    _css_string,
    _e,
    _Frame,
    _image_src,
    _meta_table,
    _north_arrow,
    _num,
    _scale_bar,
    area_triplet,
    badge,
    zone_style,
)
from .schema import CODE_LISTS

DEFAULT_TITLE = "生态保护红线评估调整比对报告"
SHRINK_ZH = "红线总面积减少"
GREEN, RED, GREY, PINK = "#1a9641", "#d7191c", "#969696", "#fbb4b9"
MATCH_ZH = {"modified": "属性变更", "split": "图斑拆分", "merged": "图斑合并"}
SEVERITY_ZH = {"violation": "违规", "review": "需复核"}
CHANGE_STYLE = {
    "kept": {"fill": PINK, "fill-opacity": "0.55", "stroke": "#c51b7d", "stroke-width": "0.6"},
    "added": {"fill": GREEN, "fill-opacity": "0.8", "stroke": "#005a32", "stroke-width": "1"},
    "removed": {"fill": RED, "fill-opacity": "0.8", "stroke": "#67000d", "stroke-width": "1"},
    "noise": {"fill": GREY, "fill-opacity": "0.9", "stroke": "#525252", "stroke-width": "1.2"},
}
MAP_TITLES = {"before": "调整前（原版本）生态保护红线", "after": "调整后（新版本）生态保护红线",
              "changes": "调整变化：调入、调出与边界噪声"}

EXTRA_CSS = """
.banner { border: 2pt solid #a50f15; background: #fde0dd; color: #67000d; padding: 8px 12px; margin: 10px 0;
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", sans-serif; font-size: 11.5pt; font-weight: bold; }
.banner.ok { border-color: #1b7837; background: #e5f5e0; color: #00441b; }
.pos { color: #1b7837; } .neg { color: #a50f15; }
td .sub { display: block; color: #555; font-size: 8pt; white-space: nowrap; }
table.balance { font-size: 8pt; table-layout: fixed; }
table.balance td, table.balance th { padding: 2px 3px; white-space: normal; }
table.balance th:first-child { width: 13%; } table.balance th:nth-child(7) { width: 7%; }
table.balance .sub { font-size: 7pt; }
.sev { display: inline-block; padding: 0 5px; border: 1pt solid #000; border-radius: 2px; font-weight: bold;
  font-size: 8.5pt; white-space: nowrap; font-family: "Noto Sans CJK SC", sans-serif; }
.sev-violation { background: #a50f15; color: #fff; border-color: #5a0005; }
.sev-review { background: #fff; color: #54278f; border-color: #54278f; }
tr.violation td { background: #fff5f3; }
code { font-size: 8.5pt; word-break: break-all; }
"""


# --- numbers and labels ------------------------------------------------------------------


def _signed(value: float, digits: int = 1) -> str:
    if abs(value) < 0.5 * 10 ** -digits:
        value = 0.0
    return ("+" if value > 0 else "−" if value < 0 else "") + f"{abs(value):,.{digits}f}"


def _sign_class(value: float) -> str:
    return "pos" if value > 1e-9 else "neg" if value < -1e-9 else ""


def _area_cell(m2: float, signed: bool = False) -> str:
    """'12,345.6 m²' with '1.2346 公顷 / 18.52 亩' under it."""
    if signed:
        cls, m2s, ha, mu = f"n {_sign_class(m2)}", _signed(m2), _signed(m2 / 1e4, 4), _signed(m2 * 15 / 1e4, 2)
    else:
        cls, (m2s, ha, mu) = "n", area_triplet(m2)
    return f'<td class="{cls}">{m2s} m²<span class="sub">{ha} 公顷</span><span class="sub">{mu} 亩</span></td>'


def _pct_cell(pct: float, old: float) -> str:
    if not old:
        return '<td class="n">—</td>'
    return f'<td class="n {_sign_class(pct)}">{_signed(pct, 2)}%</td>'


def eco_function_zh(code: str) -> str:
    if not code:
        return "（未填写）"
    try:
        return CODE_LISTS["eco_function"].label_zh(code)
    except KeyError:
        return code


def _division_zh(key: str) -> str:
    return key or "（未填写）"


def _class_table(classes):
    if classes is not None:
        return classes
    try:
        from .landcover import load_class_table
    except ImportError:
        return {}
    try:
        return load_class_table()
    except Exception:  # noqa: BLE001 - names are decoration: fall back to codes
        return {}


def _class_name(classes, code) -> str:
    """A land-cover class name from a class table of any reasonable shape (mapping or list), else the code."""
    entry = None
    if isinstance(classes, dict):
        entry = classes.get(code, classes.get(str(code)))
        if entry is None:
            try:
                entry = classes.get(int(code))
            except (TypeError, ValueError):
                entry = None
    elif classes:
        for item in classes:
            if str(getattr(item, "code", item.get("code") if isinstance(item, dict) else None)) == str(code):
                entry = item
                break
    if entry is None:
        return f"地类 {code}"
    if isinstance(entry, str):
        return f"{entry}（{code}）"
    if isinstance(entry, (tuple, list)) and entry and entry[0]:  # load_class_table: code → (name_zh, name_en)
        return f"{entry[0]}（{code}）"
    for name in ("name_zh", "zh", "label_zh", "name"):
        value = entry.get(name) if isinstance(entry, dict) else getattr(entry, name, None)
        if value:
            return f"{value}（{code}）"
    return f"地类 {code}"


# --- chart -------------------------------------------------------------------------------


def net_chart(rows) -> str:
    """Horizontal bars of the net change per division around a zero axis: gains green, losses red."""
    rows = list(rows)
    peak = max([abs(r.net_m2) for r in rows] + [1e-9])
    row_h, label_w, half, value_w = 28, 130, 230, 150
    width = label_w + 2 * half + value_w
    height = row_h * max(1, len(rows)) + 26
    zero = label_w + half
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="各行政区红线面积净变化" '
             f'xmlns="http://www.w3.org/2000/svg">',
             f'<line x1="{zero}" y1="2" x2="{zero}" y2="{height - 20}" stroke="#333" stroke-width="1"/>',
             f'<text x="{zero}" y="{height - 6}" text-anchor="middle" class="cn">0</text>',
             f'<text x="{zero - half}" y="{height - 6}" text-anchor="start" class="cn">减少</text>',
             f'<text x="{zero + half}" y="{height - 6}" text-anchor="end" class="cn">增加</text>']
    for i, r in enumerate(rows):
        y = 4 + i * row_h
        w = half * abs(r.net_m2) / peak
        x = zero if r.net_m2 >= 0 else zero - w
        colour = GREEN if r.net_m2 > 0 else RED
        parts.append(f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" class="cl">'
                     f"{_e(_division_zh(r.key))}</text>")
        parts.append(f'<rect x="{label_w}" y="{y + 2}" width="{2 * half}" height="{row_h - 8}" fill="#f4f4f2"/>')
        if w > 0.05:
            parts.append(f'<rect x="{x:.1f}" y="{y + 2}" width="{max(w, 1.0):.1f}" height="{row_h - 8}" '
                         f'fill="{colour}" stroke="#222" stroke-width="0.6"/>')
        parts.append(f'<text x="{label_w + 2 * half + 8}" y="{y + 16}" class="cn">{_signed(r.net_m2 / 1e4, 4)} 公顷'
                     f"</text>")
    parts.append("</svg>")
    return "".join(parts)


# --- SVG maps ------------------------------------------------------------------------------


def _frame(diff: RedlineDiff) -> _Frame | None:
    geoms = [p.geometry for p in diff.pieces if p.geometry is not None and not shapely.is_empty(p.geometry)]
    if not geoms:
        return None
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    margin = 0.06 * max(xmax - xmin, ymax - ymin, 1.0) + 20.0
    xmin, ymin, xmax, ymax = xmin - margin, ymin - margin, xmax + margin, ymax + margin
    w, h, aspect = xmax - xmin, ymax - ymin, MAP_W / MAP_H
    if w / h < aspect:
        xmin, xmax = xmin - (h * aspect - w) / 2, xmax + (h * aspect - w) / 2
    else:
        ymin, ymax = ymin - (w / aspect - h) / 2, ymax + (w / aspect - h) / 2
    return _Frame(xmin, ymin, xmax, ymax, MAP_W, MAP_H)


def _paths(frame: _Frame, geoms, style: dict, tolerance: float) -> str:
    out = []
    for g in geoms:
        d = frame.path(g, tolerance)
        if d:
            out.append(f'<path d="{d}" {_attrs(style)} fill-rule="evenodd"/>')
    return "".join(out)


def _redline_paths(frame: _Frame, geoms, tolerance: float) -> str:
    geoms = [g for g in geoms if g is not None and not shapely.is_empty(g)]
    if not geoms:
        return ""
    merged = [shapely.union_all([frame.clip(g) for g in geoms])]
    return "".join(_paths(frame, merged, style, tolerance) for style in zone_style("redline", {}))


def svg_maps(diff: RedlineDiff, flagged: list[ChangePiece] | None = None) -> dict[str, str]:
    """{"before", "after", "changes": inline SVG} drawn from the pieces (empty when there are none)."""
    frame = _frame(diff)
    if frame is None:
        return {}
    tol = max(diff.tolerance_m / 4, 0.1)
    by = {c: [p.geometry for p in diff.of(c)] for c in ("kept", "added", "removed", "noise")}
    deco = (_scale_bar(frame) + _north_arrow(frame)
            + f'<text x="{frame.width - 8}" y="{frame.height - 8}" text-anchor="end" class="crs">'
            f"{_e(diff.planar_crs)}</text>")
    head = (f'<svg class="map" viewBox="0 0 {frame.width} {frame.height}" xmlns="http://www.w3.org/2000/svg" '
            f'role="img" aria-label="{{label}}"><rect width="{frame.width}" height="{frame.height}" fill="#fbfbf8"/>')
    tail = (f'<rect x="0.5" y="0.5" width="{frame.width - 1}" height="{frame.height - 1}" fill="none" '
            f'stroke="#333" stroke-width="1.5"/></svg>')
    out = {
        "before": head.format(label=MAP_TITLES["before"]) + _redline_paths(frame, by["kept"] + by["removed"], tol)
        + deco + tail,
        "after": head.format(label=MAP_TITLES["after"]) + _redline_paths(frame, by["kept"] + by["added"], tol)
        + deco + tail,
    }
    body = "".join(_paths(frame, by[c], CHANGE_STYLE[c], tol) for c in ("kept", "removed", "added", "noise"))
    marks = []
    for k, p in enumerate(flagged or [], 1):
        point = shapely.point_on_surface(p.geometry)
        if point is None or point.is_empty:
            continue
        x, y = (point.x - frame.xmin) * frame.scale, (frame.ymax - point.y) * frame.scale
        if 0 <= x <= frame.width and 0 <= y <= frame.height:
            colour = "#a50f15" if severity(p) == "violation" else "#54278f"
            marks.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="#fff" stroke="{colour}" stroke-width="2"/>'
                         f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" class="n">{k}</text>')
    out["changes"] = head.format(label=MAP_TITLES["changes"]) + body + "".join(marks) + deco + tail
    return out


def _swatch(style: dict) -> str:
    return f'<svg class="sw" viewBox="0 0 26 14"><rect x="1" y="1" width="24" height="12" {_attrs(style)}/></svg>'


def _legend(kind: str) -> str:
    if kind == "changes":
        items = [(CHANGE_STYLE[c], CHANGE_ZH[c]) for c in ("added", "removed", "noise", "kept")]
        spans = "".join(f"<span>{_swatch(s)}{label}</span>" for s, label in items)
        return (f'<div class="legend">{spans}<span>〇 数字：第四部分问题图斑序号</span></div>')
    rects = "".join(f'<rect x="1" y="1" width="24" height="12" {_attrs(s)}/>' for s in zone_style("redline", {}))
    return f'<div class="legend"><span><svg class="sw" viewBox="0 0 26 14">{rects}</svg>生态保护红线</span></div>'


# --- the document --------------------------------------------------------------------------


def _balance_table(rows, label, first: str) -> str:
    head = (f'<table class="balance"><thead><tr><th>{first}</th><th class="n">原面积</th><th class="n">新面积</th>'
            '<th class="n">调入</th><th class="n">调出</th><th class="n">净变化（不含噪声）</th>'
            '<th class="n">变化率</th><th class="n">边界噪声净值</th></tr></thead><tbody>')
    body = []
    for r in rows:
        cls = ' class="total"' if r.group == "total" else ""
        body.append(f"<tr{cls}><td>{_e(label(r.key))}</td>{_area_cell(r.old_m2)}{_area_cell(r.new_m2)}"
                    f"{_area_cell(r.added_m2)}{_area_cell(r.removed_m2)}{_area_cell(r.net_m2, True)}"
                    f"{_pct_cell(r.pct, r.old_m2)}{_area_cell(r.noise_m2, True)}</tr>")
    if not rows:
        body.append('<tr><td colspan="8" class="c">无</td></tr>')
    return head + "".join(body) + "</tbody></table>"


def _sev(level: str) -> str:
    return f'<span class="sev sev-{_e(level)}">{_e(SEVERITY_ZH.get(level, level))}</span>' if level else ""


def flagged_order(diff: RedlineDiff) -> list[ChangePiece]:
    """Flagged pieces: violations (core zone, level-1 water) first, then reviews; larger first."""
    return sorted(diff.flagged(), key=lambda p: (0 if severity(p) == "violation" else 1, -p.area_m2))


def write_redline_report(diff: RedlineDiff, path: str, map_images: dict[str, str] | None = None, classes=None,
                         title: str = DEFAULT_TITLE, embed_images: bool = True) -> str:
    """Write the red-line adjustment review report as one self-contained printable HTML; returns its path.

    map_images: {"before"|"after"|"changes": PNG path or data URI} rendered elsewhere (e.g. by
    ``layers.redline_maps.render_redline_maps``), else inline SVG maps are drawn from the pieces.
    classes: a land-cover class table (code → name, or objects with code and name_zh); by default
    ``core.landcover.load_class_table()`` when that module is present, else codes are printed.
    """
    from .workspace import refuse_workspace_as_output

    refuse_workspace_as_output(path)
    path = os.fspath(path)
    html_dir = os.path.dirname(os.path.abspath(path))
    os.makedirs(html_dir, exist_ok=True)
    map_images = map_images or {}
    total = diff.total
    today = _dt.date.today()
    flagged = flagged_order(diff)
    parts: list[str] = []
    add = parts.append
    css = CSS.replace("建设项目生态保护空间审查报告", _css_string(title)) + EXTRA_CSS
    add('<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="generator" content="Green Shield 绿盾">'
        f"<style>{css}</style></head><body>{_DEFS}<div class=\"doc\">")

    # --- header
    add('<header class="cover"><div class="kicker">绿盾 · 生态保护红线评估调整审查</div>'
        f"<h1>{_e(title)}</h1>"
        f'<div class="subtitle">报告日期：{today.year} 年 {today.month} 月 {today.day} 日　'
        f"调入 {len(diff.of('added'))} 处 · 调出 {len(diff.of('removed'))} 处 · 问题图斑 {len(flagged)} 处</div>"
        "</header>")
    crs_name = _crs_name(diff.planar_crs)
    add("<h2>一、比对概况</h2>")
    add(_meta_table([
        ("原版本（调整前）", f"<code>{_e(diff.old_source)}</code>"),
        ("新版本（调整后）", f"<code>{_e(diff.new_source)}</code>"),
        ("平面坐标系", f"{_e(diff.planar_crs)} {_e(crs_name)}（面积按该投影平面计算）"),
        ("边界容差", f"{diff.tolerance_m:g} m：差异部分中宽度小于容差的细条视为边界对齐误差（边界噪声）"),
        ("最小面积", f"{_num(diff.min_area_m2, 1)} m²：小于该面积的差异部分视为边界噪声"),
        ("图斑匹配字段", f"<code>{_e(diff.match_field)}</code>" if diff.match_field else "（无，按几何匹配）"),
        ("分区统计字段", f"<code>{_e(diff.by_field)}</code>"),
        ("比对时间", _e(diff.started) or "—"),
    ]))

    # --- verdict on the total
    m2, ha, mu = area_triplet(abs(total.net_m2))
    if diff.shrinks:
        add(f'<div class="banner">⚠ {SHRINK_ZH} {m2} m²（{ha} 公顷，{mu} 亩，{_signed(total.pct, 2)}%），'
            "不符合“面积不减少”的要求。请核实调出图斑的调整依据，或补划同等面积。</div>")
    else:
        add(f'<div class="banner ok">✓ 红线总面积未减少（净变化 {_signed(total.new_m2 - total.old_m2)} m²，'
            f"{_signed((total.new_m2 - total.old_m2) / 1e4, 4)} 公顷），符合“面积不减少”的要求。</div>")
    if any(severity(p) == "violation" for p in flagged):
        n = sum(1 for p in flagged if severity(p) == "violation")
        add(f'<div class="banner">⚠ 存在 {n} 处违规调出（自然保护地核心保护区或饮用水水源一级保护区），'
            "详见第四部分。</div>")

    # --- balance
    add("<h2>二、面积平衡</h2>")
    add('<p>净变化 = 调入 − 调出，不含边界噪声（容差以内的边界对齐误差）；噪声净值单列。'
        "各行合计满足：原面积 + 调入 − 调出 + 边界噪声净值 = 新面积（总计按融合后面积；分组按图斑面积之和）。</p>")
    check = total.old_m2 + total.added_m2 - total.removed_m2 + total.noise_m2
    add(_meta_table([
        ("原红线面积", area_html_line(total.old_m2)),
        ("新红线面积", area_html_line(total.new_m2)),
        ("调入面积", f"{area_html_line(total.added_m2)}（{len(diff.of('added'))} 处）"),
        ("调出面积", f"{area_html_line(total.removed_m2)}（{len(diff.of('removed'))} 处）"),
        ("净变化（不含噪声）", f'<span class="{_sign_class(total.net_m2)}">{_signed(total.net_m2)} m²，'
                          f"{_signed(total.net_m2 / 1e4, 4)} 公顷，{_signed(total.net_m2 * 15 / 1e4, 2)} 亩，"
                          f"{_signed(total.pct, 2)}%</span>"),
        ("边界噪声净值", f"{_signed(total.noise_m2)} m²（{len(diff.of('noise'))} 处，不计入净变化）"),
        ("核算", f"{_num(total.old_m2)} + {_num(total.added_m2)} − {_num(total.removed_m2)} "
               f"{'+' if total.noise_m2 >= 0 else '−'} {_num(abs(total.noise_m2))} = {_num(check)} m²"
               f"（新红线面积 {_num(total.new_m2)} m²）"),
    ]))
    division = [r for r in diff.balance if r.group == "division"]
    eco = [r for r in diff.balance if r.group == "eco_function"]
    add(f"<h3>（一）按行政区统计（字段 {_e(diff.by_field)}）</h3>")
    add(_balance_table(division + [total], _division_zh, "行政区"))
    add('<figure class="chart-fig">' + net_chart(division)
        + "<figcaption>图 1　各行政区红线面积净变化（公顷；绿色增加，红色减少）</figcaption></figure>")
    add("<h3>（二）按生态功能类型统计</h3>")
    add(_balance_table(eco + [total], lambda k: k if k == total.key else eco_function_zh(k), "生态功能类型"))

    # --- maps
    add("<h2>三、调整前后对比图</h2>")
    drawn = {} if all(k in map_images for k in MAP_TITLES) else svg_maps(diff, flagged)
    for n, kind in enumerate(("before", "after", "changes"), 2):
        if kind in map_images:
            image = f'<img src="{_e(_image_src(map_images[kind], html_dir, embed_images))}" alt="{MAP_TITLES[kind]}">'
        elif kind in drawn:
            image = drawn[kind]
        else:
            continue
        add(f'<figure class="map-fig">{image}{_legend(kind)}'
            f"<figcaption>图 {n}　{MAP_TITLES[kind]}</figcaption></figure>")

    # --- flagged
    add("<h2>四、问题图斑</h2>")
    add('<p class="muted">违规：调出部分位于自然保护地核心保护区或饮用水水源一级保护区；需复核：调出无调整原因，'
        "或调入部分与建设项目、名录内污染地块重叠。序号与变化图中的编号一致。</p>")
    add('<table class="flag-list"><thead><tr><th>序号</th><th>性质</th><th>类型</th><th class="n">面积</th>'
        "<th>标识码（原 / 新）</th><th>行政区</th><th>调整原因</th><th>问题</th></tr></thead><tbody>")
    for k, p in enumerate(flagged, 1):
        level = severity(p)
        notes = "<br>".join(f"{_sev(FLAG_SEVERITY.get(f, ''))} {_e(FLAG_ZH.get(f, f))}" for f in p.flags)
        add(f'<tr class="{level}"><td class="c">{k}</td><td class="c">{_sev(level)}</td>'
            f"<td class=\"c\">{_e(CHANGE_ZH.get(p.change, p.change))}</td>{_area_cell(p.area_m2)}"
            f"<td>{_e(p.bsm_old) or '—'} / {_e(p.bsm_new) or '—'}</td><td>{_e(_division_zh(p.division))}</td>"
            f"<td>{_e(p.reason) or '（未记录）'}</td><td>{notes}</td></tr>")
    if not flagged:
        add('<tr><td colspan="8" class="c">未发现问题图斑（或未进行规则检查）</td></tr>')
    add("</tbody></table>")

    # --- matches
    add("<h2>五、图斑变更</h2>")
    add('<table class="matches"><thead><tr><th>序号</th><th>变更类型</th><th>原标识码</th><th>新标识码</th>'
        "<th>说明</th></tr></thead><tbody>")
    order = {"modified": 0, "split": 1, "merged": 2}
    for k, m in enumerate(sorted(diff.matches, key=lambda m: order.get(m.kind, 3)), 1):
        add(f'<tr><td class="c">{k}</td><td class="c nw">{_e(MATCH_ZH.get(m.kind, m.kind))}</td>'
            f"<td>{_e(m.bsm_old)}</td><td>{_e(m.bsm_new)}</td><td>{_e(m.note)}</td></tr>")
    if not diff.matches:
        add('<tr><td colspan="5" class="c">无属性变更、拆分或合并的图斑</td></tr>')
    add("</tbody></table>")

    # --- verdict changes
    add("<h2>六、审查结论发生变化的建设项目</h2>")
    if diff.verdict_changes:
        add('<table class="verdicts"><thead><tr><th>序号</th><th>项目编号</th><th>项目名称</th><th>原结论</th>'
            "<th>新结论</th><th>说明</th></tr></thead><tbody>")
        for k, v in enumerate(diff.verdict_changes, 1):
            add(f'<tr><td class="c">{k}</td><td>{_e(v.project_code)}</td><td>{_e(v.name)}</td>'
                f'<td class="c">{badge(v.old_verdict)}</td><td class="c">{badge(v.new_verdict)}</td>'
                f"<td>{_e(v.note)}</td></tr>")
        add("</tbody></table>")
    else:
        add('<p class="muted">无（或未提供建设项目数据）：红线调整未改变任何建设项目的审查结论。</p>')

    # --- land cover
    if diff.landcover:
        table = _class_table(classes)
        added, removed = diff.landcover.get("added", {}), diff.landcover.get("removed", {})
        sum_a, sum_r = sum(added.values()) or 1.0, sum(removed.values()) or 1.0
        codes = sorted(set(added) | set(removed), key=lambda c: -(added.get(c, 0) + removed.get(c, 0)))
        add("<h2>七、调入、调出区域土地覆盖构成</h2>")
        add('<table class="landcover"><thead><tr><th>地类</th><th class="n">调入面积</th><th class="n">占调入</th>'
            '<th class="n">调出面积</th><th class="n">占调出</th></tr></thead><tbody>')
        for code in codes:
            a, r = added.get(code, 0.0), removed.get(code, 0.0)
            add(f"<tr><td>{_e(_class_name(table, code))}</td>{_area_cell(a)}<td class=\"n\">{100 * a / sum_a:.1f}%"
                f"</td>{_area_cell(r)}<td class=\"n\">{100 * r / sum_r:.1f}%</td></tr>")
        add("</tbody></table>")

    # --- appendix
    add('<h2>附录　说明与警告</h2><h3>（一）处理警告</h3>')
    if diff.warnings:
        add('<ul class="plain warnings">' + "".join(f"<li>{_e(w)}</li>" for w in diff.warnings) + "</ul>")
    else:
        add('<p class="muted">无。</p>')
    add("<h3>（二）方法</h3>"
        "<p>两个版本投影到同一平面坐标系后逐图斑叠加：几何完全相同的图斑视为未变；其余图斑求差，"
        "仅在新版本中的部分为调入，仅在原版本中的部分为调出。差异部分经容差一半的形态学开运算，"
        "宽度小于容差或面积小于最小面积的部分归为边界噪声，保留在成果中但不计入面积平衡的净变化。"
        "调出部分与自然保护地核心保护区、饮用水水源一级保护区叠加判定违规；调出无调整原因、"
        "调入与建设项目或名录内污染地块重叠的列为需复核。</p>")
    add("<h3>（三）问题类型</h3><ul class=\"plain\">"
        + "".join(f"<li>{_sev(FLAG_SEVERITY[k])} {_e(v)}</li>" for k, v in FLAG_ZH.items()) + "</ul>")
    add('<div class="notice">本报告由绿盾系统自动生成，为生态保护红线评估调整成果的空间比对初审意见，'
        "不替代主管部门的审查决定；调整是否合规以经依法批准的成果和现行规定为准。</div>")
    add(f"<footer>Green Shield 绿盾 · {_e(title)} · {today.isoformat()}</footer></div></body></html>\n")

    tmp = path + ".writing"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write("".join(parts))
    os.replace(tmp, path)
    return path


def area_html_line(m2: float) -> str:
    m2s, ha, mu = area_triplet(m2)
    return f"{m2s} m²，{ha} 公顷，{mu} 亩"


__all__ = ["DEFAULT_TITLE", "SHRINK_ZH", "flagged_order", "net_chart", "svg_maps", "write_redline_report"]
