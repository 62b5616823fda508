"""The printable case ledger (案件台账): one self-contained HTML file for A4.

For the head of an enforcement team: counts by status and priority, the overdue cases first,
cases by team, then every case with its problem, legal basis, deadlines and its status
history (who changed what, when, why). Uses the screening report's print stylesheet.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections import Counter

from .case_rules import OPEN_STATUSES
from .cases import PRIORITY_RANK, case_history, label_zh, read_cases
from .report import CSS, _css_string, _e
from .schema import CODE_LISTS
from .workspace import refuse_workspace_as_output

TITLE = "生态环境执法检查案件台账"
STATUS = CODE_LISTS["case_status"]
PRIORITY = CODE_LISTS["case_priority"]
EXTRA_CSS = """
table.ledger td { font-size: 8.6pt; } table.ledger td.problem { font-size: 8.2pt; }
table.ledger td:nth-child(4), table.ledger td:nth-child(5), table.ledger td:nth-child(3) { white-space: nowrap; }
.overdue { color: #a50f15; font-weight: bold; }
.p-high { color: #a50f15; font-weight: bold; } .p-medium { color: #b35806; } .p-low { color: #555; }
table.hist td { font-size: 8pt; padding: 1px 4px; }
"""


def overdue(case: dict, today: _dt.date) -> bool:
    """Still to be checked after the check deadline, or still to be rectified after the rectification one."""
    due = case.get("check_due") if case["status"] == "pending" else (
        case.get("rectify_due") if case["status"] == "ordered" else None)
    return bool(due) and str(due) < today.isoformat()


def ledger_summary(cases: list[dict], today: _dt.date) -> dict:
    by_status = Counter(c["status"] for c in cases)
    by_priority_open = Counter(c["priority"] for c in cases if c["status"] in OPEN_STATUSES)
    teams: dict[str, Counter] = {}
    for c in cases:
        teams.setdefault(c.get("team") or "（未分配）", Counter())[c["status"]] += 1
    return {"total": len(cases), "open": sum(by_status[s] for s in OPEN_STATUSES), "by_status": by_status,
            "by_priority_open": by_priority_open, "teams": teams,
            "overdue": [c for c in cases if overdue(c, today)]}


def write_ledger_report(workspace: str, path: str, *, today: _dt.date | None = None, title: str = TITLE) -> dict:
    """Write the ledger as printable HTML; return the summary figures."""
    refuse_workspace_as_output(path)
    today = today or _dt.date.today()
    cases = read_cases(workspace)
    history: dict[str, list[dict]] = {}
    for row in case_history(workspace):
        history.setdefault(row["case_id"], []).append(row)
    summary = ledger_summary(cases, today)
    statuses = STATUS.codes()
    out = [f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{_e(title)}</title>',
           f"<style>{CSS.replace('建设项目生态保护空间审查报告', _css_string(title))}{EXTRA_CSS}</style></head><body>",
           '<div class="doc"><header class="cover"><div class="kicker">绿盾 · 执法检查</div>',
           f"<h1>{_e(title)}</h1>",
           f'<div class="subtitle">工作空间 {_e(os.path.basename(workspace))} · 统计日期 {today.isoformat()} · '
           f"案件 {summary['total']} 件，未结 {summary['open']} 件，逾期 {len(summary['overdue'])} 件</div></header>"]
    out.append("<h2>一、案件状态统计</h2><table><thead><tr><th>状态</th>"
               + "".join(f"<th>{_e(STATUS.label_zh(s))}</th>" for s in statuses) + "<th>合计</th></tr></thead><tbody>")
    out.append("<tr><td>案件数</td>" + "".join(f'<td class="n">{summary["by_status"][s]}</td>' for s in statuses)
               + f'<td class="n">{summary["total"]}</td></tr></tbody></table>')
    out.append("<p>未结案件按优先级：" + "，".join(
        f"{PRIORITY.label_zh(p)} {summary['by_priority_open'][p]} 件" for p in PRIORITY.codes()) + "。</p>")
    out.append("<h2>二、逾期案件</h2>")
    if summary["overdue"]:
        out.append(_case_table(summary["overdue"], today))
    else:
        out.append("<p>无逾期案件。</p>")
    out.append("<h2>三、各检查组案件</h2><table><thead><tr><th>检查组</th>"
               + "".join(f"<th>{_e(STATUS.label_zh(s))}</th>" for s in statuses) + "</tr></thead><tbody>")
    for team, counts in sorted(summary["teams"].items()):
        out.append(f"<tr><td>{_e(team)}</td>" + "".join(f'<td class="n">{counts[s]}</td>' for s in statuses)
                   + "</tr>")
    out.append("</tbody></table>")
    out.append("<h2>四、案件明细</h2>")
    ordered = sorted(cases, key=lambda c: (c["status"] not in OPEN_STATUSES, PRIORITY_RANK.get(c["priority"], 9),
                                           c["case_id"]))
    out.append(_case_table(ordered, today, history))
    out.append('<p class="muted">状态流程：待核查 → 已检查 → 责令整改 → 已整改 → 销号；误报线索为“排除”。'
               "状态记录由工作空间自动登记（任何途径的修改均记录）。</p></div></body></html>")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("".join(out))
    return {"total": summary["total"], "open": summary["open"], "overdue": len(summary["overdue"]),
            "by_status": dict(summary["by_status"])}


def _case_table(cases: list[dict], today: _dt.date, history: dict[str, list[dict]] | None = None) -> str:
    rows = ['<table class="ledger"><thead><tr><th>案件编号</th><th>对象</th><th>来源</th><th>优先级</th>'
            "<th>状态</th><th>期限</th><th>检查组</th><th>问题与依据</th></tr></thead><tbody>"]
    for c in cases:
        due = c.get("rectify_due") if c["status"] in ("ordered", "rectified") else c.get("check_due")
        late = ' <span class="overdue">逾期</span>' if overdue(c, today) else ""
        problem = _e(c.get("problem") or "")
        missing_basis = [b for b in (c.get("legal_basis") or "").split("；") if b and b not in (c.get("problem") or "")]
        if missing_basis:  # screening reasons already quote their basis; register cases carry it apart
            problem += f'<br><span class="muted">依据：{_e("；".join(missing_basis))}</span>'
        if c.get("finding"):
            problem += f"<br>检查情况：{_e(c['finding'])}"
        if history and c["case_id"] in history:
            steps = "；".join(
                f"{_e(str(h['changed_at'])[:16].replace('T', ' '))} {_e(h.get('changed_by') or '')} "
                f"{_e(label_zh('case_status', h['to_status']))}{('（' + _e(h['note']) + '）') if h.get('note') else ''}"
                for h in history[c["case_id"]])
            problem += f'<br><span class="muted">记录：{steps}</span>'
        rows.append(
            f'<tr><td class="nw">{_e(c["case_id"])}</td>'
            f"<td>{_e(label_zh('case_target', c['target_type']))}<br>{_e(c['target_id'])}<br>"
            f"{_e(c.get('target_name') or '')}"
            f"</td><td>{_e(label_zh('case_source', c['source']))}</td>"
            f'<td class="c p-{_e(c["priority"])}">{_e(label_zh("case_priority", c["priority"]))}</td>'
            f'<td class="c">{_e(label_zh("case_status", c["status"]))}</td><td class="nw">{_e(due or "")}{late}</td>'
            f"<td>{_e(c.get('team') or '')}</td><td class=\"problem\">{problem}</td></tr>")
    rows.append("</tbody></table>")
    return "".join(rows)
