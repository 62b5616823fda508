"""The case ledger's status chain, kept by the GeoPackage itself.

The allowed status changes live in the table `gs_case_transition`; SQLite triggers on
`inspection_case` refuse any other change, write a `case_history` row for every status change
(whoever makes it: QGIS's attribute form, the field merge, a script) and raise the case's
revision number on every edit. The revision is what the field merge compares to find cases
edited both in the office and in the field.
"""

from __future__ import annotations

import hashlib
import sqlite3

# status → statuses it may change to. 待核查 → 已检查 → 责令整改 → 已整改 → 销号, and 排除 for false leads.
# An inspection that finds nothing closes the case; a rectification that fails review is ordered again.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "pending": ("inspected", "excluded"),
    "inspected": ("ordered", "closed", "excluded"),
    "ordered": ("rectified",),
    "rectified": ("closed", "ordered"),
    "closed": (),
    "excluded": (),
}
OPEN_STATUSES = ("pending", "inspected", "ordered", "rectified")
TRANSITION_TABLE = "gs_case_transition"
NOW_SQL = "strftime('%Y-%m-%dT%H:%M:%S', 'now', 'localtime')"
REFUSED_MESSAGE = (
    "gs_case_status: status change not allowed. Chain: 待核查→已检查→责令整改→已整改→销号, 排除 for false leads "
    "(see table gs_case_transition) / 案件状态变更不符合流程"
)
INVALID_MESSAGE = "gs_case_status: unknown status / 未知的案件状态"

TRIGGERS = ("gs_case_status_valid", "gs_case_status_chain", "gs_case_history_created", "gs_case_history_changed",
            "gs_case_revision")
_TRIGGERS = f"""
CREATE TRIGGER gs_case_status_valid BEFORE INSERT ON inspection_case
WHEN NEW.status IS NULL OR NEW.status NOT IN (SELECT from_status FROM {TRANSITION_TABLE})
BEGIN SELECT RAISE(ABORT, '{INVALID_MESSAGE}'); END;

CREATE TRIGGER gs_case_status_chain BEFORE UPDATE OF status ON inspection_case
WHEN NEW.status IS NOT OLD.status AND NOT EXISTS (
    SELECT 1 FROM {TRANSITION_TABLE} t WHERE t.from_status = OLD.status AND t.to_status = NEW.status)
BEGIN SELECT RAISE(ABORT, '{REFUSED_MESSAGE}'); END;

CREATE TRIGGER gs_case_history_created AFTER INSERT ON inspection_case
BEGIN
    INSERT INTO case_history (case_id, from_status, to_status, changed_at, changed_by, channel, note)
    VALUES (NEW.case_id, NULL, NEW.status, COALESCE(NEW.updated_at, {NOW_SQL}), NEW.updated_by, 'created',
            NEW.status_note);
END;

CREATE TRIGGER gs_case_history_changed AFTER UPDATE OF status ON inspection_case
WHEN NEW.status IS NOT OLD.status
BEGIN
    INSERT INTO case_history (case_id, from_status, to_status, changed_at, changed_by, channel, note)
    VALUES (NEW.case_id, OLD.status, NEW.status,
            CASE WHEN NEW.updated_at IS OLD.updated_at OR NEW.updated_at IS NULL THEN {NOW_SQL}
                 ELSE NEW.updated_at END,
            NEW.updated_by, 'edit', CASE WHEN NEW.status_note IS OLD.status_note THEN NULL ELSE NEW.status_note END);
END;

CREATE TRIGGER gs_case_revision AFTER UPDATE ON inspection_case
WHEN NEW.rev IS NOT COALESCE(OLD.rev, 0) + 1
BEGIN
    UPDATE inspection_case
    SET rev = COALESCE(OLD.rev, 0) + 1,
        updated_at = CASE WHEN NEW.updated_at IS OLD.updated_at OR NEW.updated_at IS NULL THEN {NOW_SQL}
                          ELSE NEW.updated_at END
    WHERE fid = NEW.fid;
END;
"""


def install_case_rules(path: str) -> None:
    """Create (or renew) the transition table, the ledger triggers and the unique case number index.

    Idempotent, and writes nothing when the workspace already has the current rules; a
    workspace made by an older version gets them.
    """
    from .workspace import META_TABLE

    digest = hashlib.sha256((_TRIGGERS + repr(sorted(TRANSITIONS.items()))).encode()).hexdigest()[:16]
    with sqlite3.connect(path) as con:
        present = con.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN "
                              f"({', '.join('?' * len(TRIGGERS))})", TRIGGERS).fetchone()[0]
        if present == len(TRIGGERS) and con.execute(
                f"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '{META_TABLE}'").fetchone() and \
                con.execute(f"SELECT 1 FROM {META_TABLE} WHERE key = 'case_rules' AND value = ?", (digest,)).fetchone():
            return
        duplicates = con.execute("SELECT case_id FROM inspection_case GROUP BY case_id HAVING count(*) > 1 "
                                 "ORDER BY case_id").fetchall()
        if duplicates:
            from .errors import LedgerEditFailed

            listed = ", ".join(row[0] or "(empty)" for row in duplicates)
            raise LedgerEditFailed(f"case numbers used twice: {listed}; give each case its own number",
                                   f"案件编号重复：{listed}；请为每个案件设置不同编号")
        con.execute("CREATE UNIQUE INDEX IF NOT EXISTS gs_case_id_unique ON inspection_case (case_id)")
        for name in TRIGGERS:
            con.execute(f"DROP TRIGGER IF EXISTS {name}")
        con.execute(f"CREATE TABLE IF NOT EXISTS {TRANSITION_TABLE} (from_status TEXT NOT NULL, to_status TEXT, "
                    "PRIMARY KEY (from_status, to_status))")
        con.execute(f"DELETE FROM {TRANSITION_TABLE}")
        rows = [(a, b) for a, targets in TRANSITIONS.items() for b in targets]
        rows += [(a, None) for a, targets in TRANSITIONS.items() if not targets]
        con.executemany(f"INSERT INTO {TRANSITION_TABLE} VALUES (?, ?)", rows)
        con.executescript(_TRIGGERS)
        if con.execute(f"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '{META_TABLE}'").fetchone():
            con.execute(f"DELETE FROM {META_TABLE} WHERE key = 'case_rules'")
            con.execute(f"INSERT INTO {META_TABLE} (key, value) VALUES ('case_rules', ?)", (digest,))
