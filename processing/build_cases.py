"""greenshield:buildcases — open or refresh inspection cases from screening results and registers."""

from __future__ import annotations

import getpass

from qgis.core import (
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFile,
)

from ..core.errors import GreenShieldError
from ..i18n import tr
from .base import InspectionPlanningAlgorithm, reload_or_load_workspace


class BuildCasesAlgorithm(InspectionPlanningAlgorithm):
    NAME = "buildcases"
    ICON = "cases"

    def displayName(self) -> str:  # noqa: N802
        return tr("Build inspection cases")

    def description(self) -> str:
        return tr(
            "Opens a case in the workspace's case ledger for every project a screening flagged (禁止 high, 需复核 "
            "medium, 有条件准入 low priority), every active outfall inside a drinking-water source protection zone "
            "(high, Water Pollution Law art. 64), every suspected outfall or outfall under rectification, and every "
            "listed, contaminated or suspected plot. A target that already has an open case gets that case "
            "refreshed, never a second one. Everything is written in one transaction."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(QgsProcessingParameterFile("WORKSPACE", tr("Workspace"), QgsProcessingParameterFile.File, "gpkg",
                                            fileFilter=tr("GeoPackage (*.gpkg)")),
                 tr("The workspace whose case ledger (检查案件) receives the cases."))
        self.add(QgsProcessingParameterFile("SCREENING", tr("Screening result"), QgsProcessingParameterFile.File,
                                            "gpkg", optional=True, fileFilter=tr("GeoPackage (*.gpkg)")),
                 tr("The GeoPackage written by 'Screen construction projects'; its flagged projects become cases."))
        self.add(QgsProcessingParameterBoolean("REGISTERS", tr("Cases from the outfall and plot registers"), True),
                 tr("Also open cases from the workspace's sewage outfalls and contaminated plots."))
        self.add(QgsProcessingParameterBoolean("REOPEN_EXCLUDED", tr("Reopen targets excluded before"), False),
                 tr("Normally a target whose last case was excluded as a false lead gets no new case."), advanced=True)
        self.add(QgsProcessingParameterBoolean("LEADS", tr("Cases from remote-sensing change leads"), True),
                 tr("Also open a case for every lead in the workspace's change_lead layer (遥感变化线索; 禁止 high, "
                    "需复核 medium, otherwise low priority)."))
        for name, text in (("CREATED", tr("Cases opened")), ("UPDATED", tr("Cases refreshed")),
                           ("UNCHANGED", tr("Cases unchanged")), ("SKIPPED", tr("Targets skipped"))):
            self.addOutput(QgsProcessingOutputNumber(name, text))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        from ..core.cases import build_cases

        workspace = self.parameterAsFile(parameters, "WORKSPACE", context)
        screening = self.parameterAsFile(parameters, "SCREENING", context) or None
        try:
            result = build_cases(workspace, screening,
                                 registers=self.parameterAsBoolean(parameters, "REGISTERS", context),
                                 by=getpass.getuser(),
                                 reopen_excluded=self.parameterAsBoolean(parameters, "REOPEN_EXCLUDED", context),
                                 leads=self.parameterAsBoolean(parameters, "LEADS", context))
        except GreenShieldError as exc:
            raise self.fail(exc) from exc
        summary = result.summary()
        feedback.pushInfo(tr("Opened {created}, refreshed {updated}, unchanged {unchanged}, skipped {skipped}.")
                          .format(**summary))
        for target, reason in result.skipped:
            feedback.pushInfo(tr("Skipped {target}: {reason}").format(target=target, reason=reason))
        feedback.setProgress(100)
        self._workspace = workspace
        return {"CREATED": summary["created"], "UPDATED": summary["updated"], "UNCHANGED": summary["unchanged"],
                "SKIPPED": summary["skipped"]}

    def postProcessAlgorithm(self, context, feedback):  # noqa: N802 (main thread: may touch the project)
        reload_or_load_workspace(getattr(self, "_workspace", None), context)
        return {}
