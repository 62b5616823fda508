"""The case ledger's status chain, kept by the GeoPackage itself.

The allowed status changes live in the table `gs_case_transition`; SQLite triggers on
`inspection_case` refuse any other change, write a `case_history` row for every status change
(whoever makes it: QGIS's attribute form, the field merge, a script) and raise the case's
revision number on every edit. The revision is what the field merge compares to find cases
edited both in the office and in the field.
"""

from __future__ import annotations

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

_TRIGGERS = f"""
CREATE TRIGGER IF NOT EXISTS gs_case_status_valid BEFORE INSERT ON inspection_case
WHEN NEW.status NOT IN (SELECT from_status FROM {TRANSITION_TABLE})
BEGIN SELECT RAISE(ABORT, '{INVALID_MESSAGE}'); END;

CREATE TRIGGER IF NOT EXISTS gs_case_status_chain BEFORE UPDATE OF status ON inspection_case
WHEN NEW.status IS NOT OLD.status AND NOT EXISTS (
    SELECT 1 FROM {TRANSITION_TABLE} t WHERE t.from_status = OLD.status AND t.to_status = NEW.status)
BEGIN SELECT RAISE(ABORT, '{REFUSED_MESSAGE}'); END;

CREATE TRIGGER IF NOT EXISTS gs_case_history_created AFTER INSERT ON inspection_case
BEGIN
    INSERT INTO case_history (case_id, from_status, to_status, changed_at, changed_by, channel, note)
    VALUES (NEW.case_id, NULL, NEW.status, COALESCE(NEW.updated_at, {NOW_SQL}), NEW.updated_by, 'created',
            NEW.status_note);
END;

CREATE TRIGGER IF NOT EXISTS gs_case_history_changed AFTER UPDATE OF status ON inspection_case
WHEN NEW.status IS NOT OLD.status
BEGIN
    INSERT INTO case_history (case_id, from_status, to_status, changed_at, changed_by, channel, note)
    VALUES (NEW.case_id, OLD.status, NEW.status,
            CASE WHEN NEW.updated_at IS OLD.updated_at OR NEW.updated_at IS NULL THEN {NOW_SQL}
                 ELSE NEW.updated_at END,
            NEW.updated_by, 'edit', NEW.status_note);
END;

CREATE TRIGGER IF NOT EXISTS gs_case_revision AFTER UPDATE ON inspection_case
WHEN NEW.rev IS OLD.rev
BEGIN
    UPDATE inspection_case
    SET rev = COALESCE(OLD.rev, 0) + 1,
        updated_at = CASE WHEN NEW.updated_at IS OLD.updated_at OR NEW.updated_at IS NULL THEN {NOW_SQL}
                          ELSE NEW.updated_at END
    WHERE fid = NEW.fid;
END;
"""


def install_case_rules(path: str) -> None:
    """Create the transition table and the ledger triggers in a workspace (idempotent)."""
    with sqlite3.connect(path) as con:
        con.execute(f"CREATE TABLE IF NOT EXISTS {TRANSITION_TABLE} (from_status TEXT NOT NULL, to_status TEXT, "
                    "PRIMARY KEY (from_status, to_status))")
        con.execute(f"DELETE FROM {TRANSITION_TABLE}")
        rows = [(a, b) for a, targets in TRANSITIONS.items() for b in targets]
        rows += [(a, None) for a, targets in TRANSITIONS.items() if not targets]
        con.executemany(f"INSERT INTO {TRANSITION_TABLE} VALUES (?, ?)", rows)
        con.executescript(_TRIGGERS)
