"""The printable outfall compliance report (入河排污口合规检查): one self-contained HTML file for A4.

For the outfall tracing team (排污口溯源整治): a summary, the outfalls to ban (取缔) with the
legal basis, those within the flag distance upstream of an intake with their along-river
distances, those off the river network, the next step for every outfall, then the river
network's problems and the method. Uses the screening report's print stylesheet.
"""

from __future__ import annotations

from .outfalls import ISSUE_ZH, OutfallCheck, OutfallCheckResult
from .report import CSS, _css_string, _e
from .workspace import refuse_workspace_as_output

TITLE = "入河排污口合规检查报告"
EXTRA_CSS = """
table.outfalls { table-layout: fixed; } table.outfalls td, table.outfalls th { font-size: 8.2pt; white-space: normal;
  overflow-wrap: anywhere; } td.nw { white-space: nowrap; }
table.outfalls td:first-child, table.outfalls th:first-child { width: 14%; white-space: nowrap; }
.a-ban { color: #a50f15; font-weight: bold; } .a-recheck { color: #b35806; font-weight: bold; }
.a-flag { color: #b35806; } .a-locate { color: #54278f; } .a-none { color: #555; }
"""
__all__ = ["ISSUE_ZH", "TITLE", "write_outfall_report"]


def _m(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _outfall_cell(c: OutfallCheck) -> str:
    return f'<td class="nw">{_e(c.outfall_code)}</td><td>{_e(c.name)}</td><td class="nw">{_e(c.status_zh)}</td>'


def write_outfall_report(result: OutfallCheckResult, path: str, *, title: str = TITLE) -> dict:
    """Write the report as printable HTML; return the summary counts."""
    refuse_workspace_as_output(path)
    counts = result.counts()
    checks = result.checks
    out = [f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{_e(title)}</title>',
           f"<style>{CSS.replace('建设项目生态保护空间审查报告', _css_string(title))}{EXTRA_CSS}</style></head><body>",
           '<div class="doc"><header class="cover"><div class="kicker">绿盾 · 入河排污口溯源整治</div>',
           f"<h1>{_e(title)}</h1>",
           f'<div class="subtitle">检查日期 {result.today.isoformat()} · 排污口 {counts["outfalls"]} 个，'
           f'应取缔 {counts["ban"]} 个，取水口上游 {counts["upstream_of_intake"]} 个，'
           f'未接入河网 {counts["off_network"]} 个</div></header>']

    protected_label = "位于生态保护红线或自然保护区内"
    if any(layer == "zone_not_banned" for c in checks for layer, _ in c.protected):
        protected_label = "位于生态保护红线、自然保护区或不在取缔范围级别的水源保护区内"
    out.append("<h2>一、概况</h2><table><thead><tr><th>项目</th><th>数量</th></tr></thead><tbody>")
    for label, key in (("排污口总数", "outfalls"), ("位于饮用水水源保护区内", "in_zone"), ("应予取缔", "ban"),
                       ("已销号但仍在保护区内（需复核）", "recheck"), (protected_label, "protected"),
                       (f"位于取水口上游 {result.upstream_m:,.0f} 米以内", "upstream_of_intake"),
                       ("未接入河网", "off_network"), ("整治逾期", "overdue")):
        out.append(f'<tr><td>{_e(label)}</td><td class="n">{counts[key]}</td></tr>')
    out.append("</tbody></table>")

    # the section lists both the outfalls to ban and the closed ones to recheck, so its title counts both
    banned = [c for c in checks if c.action in ("ban", "recheck")]
    tally = f"应取缔 {counts['ban']} 个" + (f"，复核 {counts['recheck']} 个" if counts["recheck"] else "")
    out.append(f"<h2>二、位于饮用水水源保护区内的排污口（{tally}）</h2>")
    if banned:
        out.append('<table class="outfalls"><thead><tr><th>编码</th><th>名称</th><th>状态</th><th>处理</th>'
                   "<th>所在保护区</th><th>下一步</th><th>法律依据</th></tr></thead><tbody>")
        for c in banned:
            out.append(f'<tr>{_outfall_cell(c)}<td class="a-{c.action} nw">{_e(c.action_zh)}</td>'
                       f"<td>{_e('、'.join(c.zones))}</td>"
                       f'<td class="a-{c.action}">{_e(c.next_step_zh)}</td>'
                       f"<td>{_e(c.legal_basis[0] if c.legal_basis else '')}</td></tr>")
        out.append("</tbody></table>")
    else:
        out.append("<p>无位于饮用水水源保护区内的排污口。</p>")
    protected = [c for c in checks if c.protected and c.status != "rejected"]
    if protected:
        out.append("<h3>位于生态保护红线、自然保护区等区域内的排污口（重点关注）</h3>"
                   '<table class="outfalls"><thead><tr><th>编码</th><th>名称</th><th>状态</th><th>所在区域</th>'
                   "<th>下一步</th></tr></thead><tbody>")
        for c in protected:
            out.append(f"<tr>{_outfall_cell(c)}<td>{_e('、'.join(label for _, label in c.protected))}</td>"
                       f"<td>{_e(c.next_step_zh)}</td></tr>")
        out.append("</tbody></table>")

    out.append(f"<h2>三、取水口上游 {result.upstream_m:,.0f} 米以内的排污口</h2>")
    if not result.distances_computed:
        out.append("<p>缺少河流中心线，未计算沿河距离。</p>")
    upstream = sorted((c for c in checks if c.upstream_of_intake_within and c.status != "rejected"),
                      key=lambda c: c.downstream_intake_m)
    if upstream:
        out.append('<table class="outfalls"><thead><tr><th>编码</th><th>名称</th><th>状态</th><th>河流</th>'
                   "<th>下游取水口（水源地）</th><th>沿河距离（米）</th><th>下游考核断面</th><th>沿河距离（米）</th>"
                   "<th>下一步</th></tr></thead><tbody>")
        for c in upstream:
            out.append(f"<tr>{_outfall_cell(c)}<td>{_e(c.river or '')}</td>"
                       f"<td>{_e(c.downstream_intake)}<br>{_e(c.downstream_source or '')}</td>"
                       f'<td class="n">{_m(c.downstream_intake_m)}</td><td>{_e(c.downstream_section or "—")}</td>'
                       f'<td class="n">{_m(c.downstream_section_m)}</td><td>{_e(c.next_step_zh)}</td></tr>')
        out.append("</tbody></table>")
        out.append(f'<p class="muted">{_e(result.rules.legal_basis.get("upstream_of_intake", ""))}</p>')
    elif result.distances_computed:
        out.append("<p>无。</p>")

    out.append(f"<h2>四、未接入河网的排污口（距河流中心线超过 {result.tolerance_m:,.0f} 米）</h2>")
    off = [c for c in checks if c.snapped is False]
    if off:
        out.append('<table class="outfalls"><thead><tr><th>编码</th><th>名称</th><th>状态</th>'
                   "<th>距最近河流（米）</th><th>下一步</th></tr></thead><tbody>")
        for c in off:
            out.append(f'<tr>{_outfall_cell(c)}<td class="n">{_m(c.distance_to_channel_m)}</td>'
                       f"<td>{_e(c.next_step_zh)}；核对排污口位置或补充受纳河流</td></tr>")
        out.append("</tbody></table>")
    else:
        out.append("<p>无。</p>" if result.distances_computed else "<p>缺少河流中心线，未进行河网捕捉。</p>")

    out.append("<h2>五、各排污口下一步工作</h2>"
               '<table class="outfalls"><thead><tr><th>编码</th><th>名称</th><th>状态</th><th>处理</th>'
               "<th>发现</th><th>下游取水口（米）</th><th>下游断面（米）</th><th>下一步</th></tr></thead><tbody>")
    for c in checks:
        intake = f"{_e(c.downstream_intake)} {_m(c.downstream_intake_m)}" if c.downstream_intake else "—"
        section = f"{_e(c.downstream_section)} {_m(c.downstream_section_m)}" if c.downstream_section else "—"
        out.append(f'<tr>{_outfall_cell(c)}<td class="a-{c.action} nw">{_e(c.action_zh)}</td>'
                   f"<td>{_e('；'.join(c.flags_zh()) or '—')}</td><td>{intake}</td><td>{section}</td>"
                   f"<td>{_e(c.next_step_zh)}</td></tr>")
    out.append("</tbody></table>")

    out.append("<h2>六、河网问题与说明</h2>")
    if result.network_issues:
        out.append("<table><thead><tr><th>类型</th><th>位置（平面坐标）</th><th>说明</th></tr></thead><tbody>")
        for issue in result.network_issues:
            out.append(f"<tr><td class=\"nw\">{_e(ISSUE_ZH.get(issue.kind, issue.kind))}</td>"
                       f'<td class="nw">{issue.x:,.0f}, {issue.y:,.0f}</td>'
                       f"<td>{_e(issue.detail_zh or issue.detail)}</td></tr>")
        out.append("</tbody></table>")
    for note in result.notes_zh:
        out.append(f"<p>{_e(note)}</p>")
    out.append(f'<p class="muted">计算方法：{_e(result.method_text())}。规则文件：{_e(result.rules.source)}。'
               "下一步工作由状态与检查结果按规则文件依次匹配得出，可按本地要求修改。</p></div></body></html>")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("".join(out))
    return counts
