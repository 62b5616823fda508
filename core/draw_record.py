"""The records of a random draw (双随机抽查记录): JSON for machines, HTML for the file and the public.

The JSON record holds everything needed to re-run the draw (inputs with their SHA-256, the seed,
ratios, options) and its result; ``green-shield draw --verify`` reads it. ``result_sha256`` is the
SHA-256 of the result (every field of every target) and ``record_sha256`` that of the whole record
without itself, both as compact JSON with sorted keys, so an edit to the record is noticed. The HTML record is one
self-contained A4 page set in Chinese, in the style of the screening report, with a signature
block for the people who ran and witnessed the draw.
"""

from __future__ import annotations

import datetime as _dt
import html
import json
import os
from typing import Any

from .draw import METHOD, POOL_LIST, POOLS, RESULT_KEYS, ROLES, DrawRun, json_digest
from .errors import InvalidDrawRecord

RECORD_FORMAT = "green-shield-draw-record"
RECORD_VERSION = 2  # 2: result_sha256 covers every field of the result; record_sha256 covers the record
TITLE = "“双随机、一公开”抽查记录"

METHOD_EN = (
    "SHA-256 ranking (gs-sha256-rank-v1). Each entity's draw key is SHA-256 of \"seed|draw|entity_id\" "
    "(UTF-8, hex); in each stratum the ceil(ratio × size) entities with the smallest keys are drawn. Drawn "
    "targets are taken in the order of SHA-256 \"seed|order|entity_id\"; each gets a team (least loaded per "
    "member among the teams that can send enough inspectors who did not visit it last time; ties by SHA-256 "
    "\"seed|team|entity_id|team\") and its inspectors (ranked by: at the load cap, visited last time, load, "
    "SHA-256 \"seed|inspector|entity_id|inspector_id\"). Independent of input row order and of software versions."
)
METHOD_ZH = (
    "SHA-256 排序法（gs-sha256-rank-v1）：每个监管对象的抽取值为字符串“种子|draw|监管对象编码”的 SHA-256 值"
    "（UTF-8 编码，十六进制）；各抽取层按抽取值从小到大取前 ⌈比例 × 对象数⌉ 家。抽中对象按“种子|order|监管对象编码”"
    "的 SHA-256 值依次分派检查人员：先选检查组（在仍有足够人数且上次未检查该对象的检查组中，取人均任务最少者，"
    "并列时按“种子|team|监管对象编码|检查组”的 SHA-256 值），再在组内按（是否已达上限、上次是否检查过该对象、"
    "已分派数、“种子|inspector|监管对象编码|执法证号”的 SHA-256 值）排序选取。结果与输入文件的行序及软件版本无关，"
    "任何人可用任意编程语言复算。"
)


def _e(value: Any) -> str:
    return "" if value is None else html.escape(str(value), quote=True)


def _relative(path: str, folder: str) -> str:
    try:
        return os.path.relpath(path, folder).replace(os.sep, "/")
    except ValueError:  # another drive on Windows
        return path


def canonical(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: item.get(k) for k in RESULT_KEYS} for item in items]


def record_digest(record: dict[str, Any]) -> str:
    """The record's own checksum: everything but record_sha256 (and what load_record adds)."""
    return json_digest({k: v for k, v in record.items() if k not in ("record_sha256", "result_canonical")})


def record_dict(run: DrawRun, record_path: str | None = None) -> dict[str, Any]:
    """The machine-readable record; input paths are relative to the record's folder (and absolute)."""
    folder = os.path.dirname(os.path.abspath(record_path)) if record_path else os.getcwd()
    r, table = run.result, run.ratio_table
    sizes, counts = r.pool_sizes(), r.pool_counts()
    record = {
        "format": RECORD_FORMAT,
        "format_version": RECORD_VERSION,
        "draw_id": run.draw_id,
        "period": run.period,
        "created": run.created,
        "software": run.software,
        "method": {"name": METHOD, "description": METHOD_EN, "description_zh": METHOD_ZH},
        "seed": run.seed,
        "seed_source": run.seed_source,
        "inputs": [{"role": f.role, "path": _relative(f.path, folder), "abs_path": f.path, "layer": f.layer,
                    "sha256": f.sha256, "checksum_of": f.checksum_of, "rows": f.rows} for f in run.inputs],
        "ratios_file": {"name": table.name, "version": table.version, "path": table.path, "sha256": table.sha256},
        "parameters": {
            "ratios": {p: r.options.ratios[p] for p in POOLS},
            "positive_factor": r.options.positive_factor,
            "per_target": r.options.per_target,
            "mix_teams": r.options.mix_teams,
            "rounding": "ceil",
            "verified": table.verified,
            "overridden": list(table.overridden),
        },
        "crs": run.crs,
        "team_mode": r.team_mode,
        "load_cap": r.load_cap,
        "pools": {p: {"label_zh": POOL_LIST.label_zh(p), "size": sizes[p], "drawn": counts[p]} for p in POOLS},
        "strata": [{"stratum": s.name, "pool": s.pool, "positive_list": s.positive, "size": s.size, "ratio": s.ratio,
                    "count": s.count, "drawn": s.ids} for s in r.strata],
        "history_visits": run.history_visits,
        "loads": dict(sorted(r.loads.items())),
        "result": r.canonical(),
        "result_sha256": r.digest(),
        "notes": [{"en": en, "zh": zh} for en, zh in run.notes + r.notes],
    }
    record["record_sha256"] = record_digest(record)
    return record


def write_record_json(run: DrawRun, path: str, record_path: str | None = None) -> str:
    """The record as JSON at path; record_path: where it will finally be, if it is written aside first."""
    path = os.fspath(path)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(record_dict(run, record_path or path), fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    return path


def load_record(path: str) -> dict[str, Any]:
    """A record written by write_record_json, checked for the keys --verify needs."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise InvalidDrawRecord(path, "file not found", "文件不存在")
    try:
        with open(path, encoding="utf-8") as fh:
            record = json.load(fh)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InvalidDrawRecord(path, f"not JSON: {exc}", "不是有效的 JSON 文件") from None
    if not isinstance(record, dict) or record.get("format") != RECORD_FORMAT:
        raise InvalidDrawRecord(path, f"format is not {RECORD_FORMAT}", f"格式不是 {RECORD_FORMAT}")
    if record.get("format_version") != RECORD_VERSION:
        raise InvalidDrawRecord(path, f"record format version {record.get('format_version')} is not "
                                      f"{RECORD_VERSION}; verify it with the Green Shield version that wrote it",
                                f"记录格式版本为 {record.get('format_version')}，本软件读取的版本为 {RECORD_VERSION}；"
                                "请用生成该记录的绿盾版本核验")
    keys = ("draw_id", "seed", "inputs", "parameters", "result", "result_sha256", "record_sha256")
    missing = [k for k in keys if k not in record]
    if missing:
        raise InvalidDrawRecord(path, f"missing {', '.join(missing)}", f"缺少 {'、'.join(missing)} 项")
    try:
        record["result_canonical"] = canonical(record["result"])
        _ = [record["parameters"][k] for k in ("ratios", "positive_factor", "per_target")]
    except (KeyError, TypeError, AttributeError) as exc:
        raise InvalidDrawRecord(path, f"malformed: {exc}", "内容不完整或格式有误") from None
    return record


# --- HTML ----------------------------------------------------------------------------------

CSS = """
@page { size: A4; margin: 16mm 15mm 18mm 15mm;
  @bottom-center { content: "第 " counter(page) " 页 / 共 " counter(pages) " 页"; font-size: 8.5pt; color: #555; }
  @top-right { content: "“双随机、一公开”抽查记录"; font-size: 8pt; color: #777; } }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "Noto Serif CJK SC", "Source Han Serif SC", "SimSun", "Songti SC", serif; font-size: 10.5pt;
  line-height: 1.55; color: #111; margin: 0; background: #e9e9e6; }
.doc { max-width: 180mm; margin: 0 auto; background: #fff; padding: 14mm 15mm; }
h1, h2, h3, th, .kicker, .sign { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "SimHei",
  sans-serif; }
header.cover { text-align: center; border-bottom: 3px double #b00000; padding-bottom: 10px; margin-bottom: 14px; }
.kicker { color: #b00000; letter-spacing: 0.3em; font-size: 11pt; font-weight: bold; }
h1 { font-size: 21pt; margin: 6px 0 4px; letter-spacing: 0.08em; }
.subtitle { font-size: 10pt; color: #444; }
h2 { font-size: 14pt; margin: 18px 0 8px; padding: 2px 0 3px 8px; border-left: 5px solid #b00000;
  border-bottom: 1px solid #999; break-after: avoid; }
p { margin: 4px 0 6px; text-align: justify; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 10px; font-size: 9pt; }
th, td { border: 0.6pt solid #555; padding: 3px 5px; vertical-align: top; }
th { background: #ecebe4; font-weight: bold; text-align: center; white-space: nowrap; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
table.meta th { width: 22%; text-align: left; white-space: normal; }
table.meta td { word-break: break-all; }
td.n, th.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.c { text-align: center; } .nw { white-space: nowrap; }
tr.total td { font-weight: bold; background: #f6f5f0; }
code { font-family: "Noto Sans Mono", "DejaVu Sans Mono", monospace; font-size: 8.5pt; word-break: break-all; }
code.id { font-size: 7.5pt; white-space: nowrap; word-break: normal; }
.notice { border: 1pt solid #b00000; background: #fff7f5; padding: 6px 9px; font-size: 9.5pt; margin: 8px 0; }
.muted { color: #555; font-size: 9pt; }
.en { color: #444; font-size: 8.8pt; font-style: italic; font-family: "Noto Sans", "Liberation Sans", sans-serif; }
.unverified { color: #9a3412; font-weight: bold; }
.revisit { color: #9a3412; font-weight: bold; }
ul.plain { margin: 4px 0; padding-left: 18px; }
.sign { display: flex; justify-content: space-between; gap: 12mm; margin-top: 14mm; break-inside: avoid; }
.sign div { flex: 1; border-top: 0.8pt solid #111; padding-top: 3px; text-align: center; font-size: 9.5pt; }
footer { margin-top: 16px; border-top: 1px solid #999; padding-top: 4px; font-size: 8.5pt; color: #555; }
@media print { body { background: #fff; } .doc { max-width: none; padding: 0; margin: 0; } }
"""

def _meta(rows: list[tuple[str, str]]) -> str:
    return '<table class="meta"><tbody>' + "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows) + \
        "</tbody></table>"


def _pct(value: float) -> str:
    return f"{value:g}%"


def record_html(run: DrawRun, record_json: str | None = None) -> str:
    """The printable record as one HTML string."""
    r, table = run.result, run.ratio_table
    created = _dt.datetime.fromisoformat(run.created)
    sizes, counts = r.pool_sizes(), r.pool_counts()
    total, size = sum(counts.values()), sum(sizes.values())
    seed_how = "系统安全随机源生成" if run.seed_source == "generated" else "抽查前公布/指定"
    inputs = "<br>".join(
        f"{ROLES.get(f.role, (f.role, f.role))[1]}：<code>{_e(f.spec)}</code>（{f.rows} 行）<br>"
        f"SHA-256{'（图层内容）' if f.checksum_of == 'layer' else ''}：<code>{_e(f.sha256)}</code>" for f in run.inputs)
    ratio_src = f"{_e(table.name)} {_e(table.version)}"
    if table.overridden:
        ratio_src += f"（本次调整：{_e('、'.join(table.overridden))}）"
    teams = ("按检查组分派：先随机确定检查组，再在组内抽取执法人员" if r.team_mode else
             "跨检查组抽取执法人员，案件检查组记为第一名执法人员所在组")
    d = [
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">",
        f"<title>{_e(TITLE)} {_e(run.draw_id)}</title>",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="Green Shield 绿盾">',
        f"<style>{CSS}</style></head><body><div class=\"doc\">",
        '<header class="cover"><div class="kicker">绿盾 · 双随机、一公开</div>',
        f"<h1>{_e(TITLE)}</h1>",
        f'<div class="subtitle">抽查批次 {_e(run.draw_id)}　期次 {_e(run.period)}　'
        f"抽取时间 {created.year} 年 {created.month} 月 {created.day} 日 {created:%H:%M}</div></header>",
        '<div class="notice">抽查名单在检查实施前应予保密；检查结束后按规定向社会公开抽查事项、对象和结果。'
        '<br><span class="en">Keep the list confidential until the inspections; publish it afterwards.</span></div>',
        "<h2>一、抽查概况</h2>",
        _meta([
            ("抽查批次", _e(run.draw_id)),
            ("随机种子", f"<b>{run.seed}</b>（{seed_how}）"),
            ("抽取方法", f"{_e(METHOD_ZH)}<br><span class=\"en\">{_e(METHOD_EN)}</span>"),
            ("抽查比例来源", ratio_src),
            ("正面清单", _positive_text(run)),
            ("检查人员", f"每个抽查对象 {r.options.per_target} 名；{teams}；"
                     f"每人最多 {r.load_cap} 个对象（⌈{r.options.per_target} × 对象数 ÷ 人数⌉ + 1）"),
            ("回避", f"上次抽查记录 {run.history_visits} 人次，已检查过同一对象的执法人员予以回避"
                   if run.history_visits else "未提供上次抽查结果"),
            ("输入数据", inputs),
            ("软件", _e(run.software)),
        ]),
        "<h2>二、抽查比例与抽取数量</h2>",
        f"<p>监管对象共 {size} 家，本次抽取 {total} 家。抽取数量 = ⌈抽查比例 × 对象数⌉，向上取整："
        "类别中有对象且比例大于 0 时至少抽取 1 家。</p>",
        '<table><thead><tr><th>监管类别</th><th>抽取层</th><th class="n">对象数</th><th class="n">抽查比例</th>'
        '<th class="n">抽取数量</th><th>比例依据</th></tr></thead><tbody>',
    ]
    for s in r.strata:
        layer = "正面清单企业" if s.positive else ("非正面清单企业" if s.positive is False else "全部")
        key = "positive_list" if s.positive else s.pool
        flag = "" if table.verified.get(s.pool) and (not s.positive or table.verified.get("positive_list")) \
            else ' <span class="unverified">（未核实的默认值）</span>'
        basis = _e(table.basis.get(key) or table.basis.get(s.pool) or "")
        d.append(f"<tr><td>{_e(POOL_LIST.label_zh(s.pool))}</td><td>{layer}</td><td class=\"n\">{s.size}</td>"
                 f'<td class="n">{_pct(s.ratio)}</td><td class="n">{s.count}</td><td>{basis}{flag}</td></tr>')
    d.append(f'<tr class="total"><td colspan="2">合计</td><td class="n">{size}</td><td></td>'
             f'<td class="n">{total}</td><td></td></tr></tbody></table>')

    d.append("<h2>三、抽查结果</h2>")
    if r.targets:
        d.append('<table><thead><tr><th>序号</th><th>监管类别</th><th>单位名称</th><th>监管对象编码</th>'
                 "<th>地址</th><th>检查组</th><th>检查人员（执法证号）</th></tr></thead><tbody>")
        for t in r.targets:
            e = t.entity
            pool = POOL_LIST.label_zh(e.pool) + ("<br><span class=\"muted\">正面清单</span>" if e.positive_list else "")
            people = "<br>".join(
                f"{_e(i.name)}（{_e(i.inspector_id)}）"
                + (' <span class="revisit">上次已检查</span>' if i.inspector_id in t.revisits else "")
                for i in t.inspectors)
            d.append(f'<tr><td class="c">{t.seq}</td><td class="nw">{pool}</td><td>{_e(e.name)}</td>'
                     f'<td><code class="id">{_e(e.entity_id)}</code></td><td>{_e(e.address) or "—"}</td>'
                     f'<td class="nw">{_e(t.team) or "—"}</td><td class="nw">{people}</td></tr>')
        d.append("</tbody></table>")
    else:
        d.append("<p>本次未抽中任何监管对象。</p>")

    d.append("<h2>四、执法人员任务分配</h2>")
    by_id = {i.inspector_id: i for t in r.targets for i in t.inspectors}
    d.append('<table><thead><tr><th>执法证号</th><th>姓名</th><th>检查组</th><th class="n">分派对象数</th></tr>'
             "</thead><tbody>")
    for iid, load in sorted(r.loads.items(), key=lambda kv: (-kv[1], kv[0])):
        person = by_id.get(iid)
        d.append(f"<tr><td><code>{_e(iid)}</code></td><td>{_e(person.name if person else '')}</td>"
                 f"<td>{_e(person.team if person else '')}</td><td class=\"n\">{load}</td></tr>")
    d.append("</tbody></table>")

    d.append("<h2>五、说明与复核</h2><ul class=\"plain\">")
    for _en, zh in run.notes + r.notes:
        d.append(f"<li>{_e(zh)}</li>")
    verify = f"green-shield draw --verify {os.path.basename(record_json)}" if record_json else \
        "green-shield draw --verify 记录文件.json"
    d.append(f"<li>结果校验值（SHA-256）：<code>{r.digest()}</code></li>"
             f"<li>复核：使用同一输入文件运行 <code>{_e(verify)}</code>，软件将核对记录本身及输入文件的 SHA-256 "
             "并重新抽取，结果一致时显示“verified”。</li></ul>")
    d.append('<div class="sign"><div>抽取人（签字）</div><div>监督人（签字）</div><div>日期</div></div>')
    d.append(f"<footer>由绿盾（{_e(run.software)}）生成。本记录与同名 .json 记录文件内容一致，"
             "后者可由软件自动核验。</footer></div></body></html>\n")
    return "".join(d)


def _positive_text(run: DrawRun) -> str:
    r = run.result
    factor = r.options.positive_factor
    n = sum(s.size for s in r.strata if s.positive)
    if factor == 1:
        return "正面清单企业与其他企业同等抽取（不单独分层）"
    if factor == 0:
        return f"正面清单企业（{n} 家）不参加现场抽查，实行非现场检查"
    return (f"重点、一般排污单位中的正面清单企业（{n} 家）单独分层，按类别比例的 {factor:g} 倍抽取；"
            "特殊监管对象不适用正面清单")


def write_record_html(run: DrawRun, path: str, record_json: str | None = None) -> str:
    """The printable record at path; record_json: the JSON record it refers to (default: path with .json)."""
    path = os.fspath(path)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(record_html(run, record_json or os.path.splitext(path)[0] + ".json"))
    return path
