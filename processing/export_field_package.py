"""greenshield:exportfieldpackage — a QField package per team (外业包)."""

from __future__ import annotations

import getpass

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputFolder,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
)

from ..core.errors import GreenShieldError
from ..core.field_merge import DEFAULT_BUFFER_M
from ..i18n import tr
from .base import InspectionPlanningAlgorithm


class ExportFieldPackageAlgorithm(InspectionPlanningAlgorithm):
    NAME = "exportfieldpackage"
    ICON = "field_export"

    def displayName(self) -> str:  # noqa: N802
        return tr("Export field packages")

    def description(self) -> str:
        return tr(
            "Writes one folder per team, ready for QField offline: a GeoPackage with the team's cases (with day, "
            "sequence and ETA from a route plan) and the protected zones clipped to the team's area, and a QGIS "
            "project with relative paths, the case form in Chinese (visit time, finding, violation type, status, "
            "rectification required, photos under DCIM/, notes; office data read-only) and styles. The package "
            "records each case's revision and values at export, so 'Import field results' can tell what the field "
            "changed. Copy the whole team folder to the device."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(QgsProcessingParameterFile("WORKSPACE", tr("Workspace"), QgsProcessingParameterFile.File, "gpkg",
                                            fileFilter=tr("GeoPackage (*.gpkg)")),
                 tr("The workspace with the case ledger and the protected zones."))
        self.add(QgsProcessingParameterVectorLayer("STOPS", tr("Stops"), [QgsProcessing.TypeVectorPoint],
                                                   optional=True),
                 tr("The stops of a route plan (fields case_id, team, day, date, sequence, eta). Without it, each "
                    "team gets its open cases from the ledger (field team)."))
        self.add(QgsProcessingParameterVectorLayer("ROUTES", tr("Routes"), [QgsProcessing.TypeVectorLine],
                                                   optional=True),
                 tr("The route lines of the plan; each team's lines (field team) are copied into its package."))
        self.add(QgsProcessingParameterString("TEAMS", tr("Teams"), optional=True),
                 tr("Export only these teams (comma-separated); all teams when empty."))
        self.add(QgsProcessingParameterNumber("BUFFER", tr("Zone margin (m)"), QgsProcessingParameterNumber.Double,
                                              DEFAULT_BUFFER_M, minValue=0),
                 tr("Protected zones are clipped to the extent of the team's cases grown by this margin."))
        self.add(QgsProcessingParameterBoolean("OVERWRITE", tr("Replace existing packages"), False),
                 tr("Replace a team's package already in the output folder. A package replaced before its field "
                    "results were imported loses them."), advanced=True)
        self.add(QgsProcessingParameterFolderDestination("OUTPUT", tr("Output folder")),
                 tr("A folder per team is written here: TEAM/TEAM.gpkg, TEAM/TEAM.qgs and TEAM/DCIM/."))
        self.addOutput(QgsProcessingOutputFolder("OUTPUT", tr("Output folder")))
        self.addOutput(QgsProcessingOutputNumber("PACKAGES", tr("Packages written")))
        self.addOutput(QgsProcessingOutputNumber("CASES", tr("Cases exported")))
        self.addOutput(QgsProcessingOutputString("PROJECTS", tr("Project files (one per line)")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        from ..layers.field_package import export_field_packages

        workspace = self.parameterAsFile(parameters, "WORKSPACE", context)
        out_dir = self.parameterAsString(parameters, "OUTPUT", context)
        teams = [t.strip() for t in self.parameterAsString(parameters, "TEAMS", context).split(",") if t.strip()]
        try:
            written = export_field_packages(
                workspace, out_dir,
                stops=self.parameterAsVectorLayer(parameters, "STOPS", context),
                routes=self.parameterAsVectorLayer(parameters, "ROUTES", context),
                teams=teams or None,
                buffer_m=self.parameterAsDouble(parameters, "BUFFER", context),
                by=getpass.getuser(),
                overwrite=self.parameterAsBoolean(parameters, "OVERWRITE", context),
                feedback=feedback)
        except GreenShieldError as exc:
            raise self.fail(exc) from exc
        for item in written:
            feedback.pushInfo(tr("Team {team}: {cases} cases → {project}").format(
                team=item["team"], cases=item["cases"], project=item["project"]))
        return {"OUTPUT": out_dir, "PACKAGES": len(written), "CASES": sum(i["cases"] for i in written),
                "PROJECTS": "\n".join(i["project"] for i in written)}
