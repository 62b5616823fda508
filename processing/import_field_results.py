"""greenshield:importfieldresults — merge a returned field package into the case ledger."""

from __future__ import annotations

import getpass

from qgis.core import (
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
)

from ..core.errors import GreenShieldError
from ..i18n import is_chinese, tr
from .base import InspectionPlanningAlgorithm, reload_or_load_workspace


class ImportFieldResultsAlgorithm(InspectionPlanningAlgorithm):
    NAME = "importfieldresults"
    ICON = "field_import"

    def displayName(self) -> str:  # noqa: N802
        return tr("Import field results")

    def description(self) -> str:
        return tr(
            "Merges a field package returned from QField into the case ledger, in one transaction. A case the field "
            "changed is updated when the office has not edited it since export: findings are written and the status "
            "moves along the chain one allowed step at a time, each step in the case history (channel field). The "
            "field may set inspected, rectification ordered, rectified or excluded; closing a case is an office "
            "decision after review, so a case the field closed is rejected, as is a status the chain cannot reach: "
            "nothing of a rejected case is applied and its field version is kept in gs_field_conflict. A case edited "
            "both in the office and in the field is a conflict: the ledger keeps the office version and the field "
            "version is kept in gs_field_conflict too. Cases deleted from the ledger since export are reported and "
            "the others merged. Photos missing from the package are reported as warnings. A package is imported "
            "only once. The merge report lists every case."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(QgsProcessingParameterFile("PACKAGE", tr("Field package"), QgsProcessingParameterFile.File, "gpkg",
                                            fileFilter=tr("GeoPackage (*.gpkg)")),
                 tr("The team's GeoPackage from the package folder, as it came back from the device."))
        self.add(QgsProcessingParameterFile("WORKSPACE", tr("Workspace"), QgsProcessingParameterFile.File, "gpkg",
                                            fileFilter=tr("GeoPackage (*.gpkg)")),
                 tr("The workspace the package was exported from."))
        self.add(QgsProcessingParameterBoolean("DRY_RUN", tr("Check only (dry run)"), False),
                 tr("Check the package and write the report, but change nothing in the workspace."))
        self.add(QgsProcessingParameterFileDestination("REPORT", tr("Merge report"), tr("CSV files (*.csv)"),
                                                       optional=True, createByDefault=True),
                 tr("One row per case: applied, conflict, rejected or unchanged, with the status transitions."))
        for name, text in (("APPLIED", tr("Cases applied")), ("CONFLICTS", tr("Conflicts found")),
                           ("REJECTED", tr("Rejected changes")), ("UNCHANGED", tr("Cases unchanged"))):
            self.addOutput(QgsProcessingOutputNumber(name, text))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        from ..core.field_merge import OUTCOME_ZH, merge_field_package

        workspace = self.parameterAsFile(parameters, "WORKSPACE", context)
        dry_run = self.parameterAsBoolean(parameters, "DRY_RUN", context)
        try:
            result = merge_field_package(
                workspace, self.parameterAsFile(parameters, "PACKAGE", context), by=getpass.getuser(),
                dry_run=dry_run, report=self.parameterAsFileOutput(parameters, "REPORT", context) or None)
        except GreenShieldError as exc:
            raise self.fail(exc) from exc
        s = result.summary()
        message = tr("Applied {applied}, conflicts {conflict}, rejected {rejected}, unchanged {unchanged}.")
        feedback.pushInfo(message.format(**s))
        if dry_run:
            feedback.pushWarning(tr("Dry run: nothing was written to the workspace."))
        elif not result.recorded:
            feedback.pushWarning(tr("The package holds no field changes; the import was not recorded, so the "
                                    "package can be imported when the team returns it."))
        chinese = is_chinese()
        for row in result.rows:
            if row.outcome == "unchanged":
                continue
            texts = (row.reason_zh, row.warning_zh) if chinese else (row.reason, row.warning)
            line = tr("{case}: {outcome} {transitions} {reason}").format(
                case=row.case_id, outcome=OUTCOME_ZH[row.outcome] if chinese else row.outcome,
                transitions="→".join(row.transitions),
                reason=("；" if chinese else "; ").join(t for t in texts if t))
            if row.outcome in ("conflict", "rejected") or row.warning:
                feedback.pushWarning(line)
            else:
                feedback.pushInfo(line)
        feedback.pushInfo(tr("Merge report: {path}").format(path=result.report))
        self._workspace = None if dry_run else workspace
        return {"REPORT": result.report, "APPLIED": s["applied"], "CONFLICTS": s["conflict"],
                "REJECTED": s["rejected"], "UNCHANGED": s["unchanged"]}

    def postProcessAlgorithm(self, context, feedback):  # noqa: N802 (main thread: may touch the project)
        reload_or_load_workspace(getattr(self, "_workspace", None), context)
        return {}
