"""greenshield:inspectionsheets — printable inspection sheets per team-day (现场检查记录表)."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputFolder,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
)

from ..core.errors import GreenShieldError
from ..i18n import tr
from .base import InspectionPlanningAlgorithm


class InspectionSheetsAlgorithm(InspectionPlanningAlgorithm):
    NAME = "inspectionsheets"
    ICON = "inspection_sheets"

    def displayName(self) -> str:  # noqa: N802
        return tr("Print inspection sheets")

    def description(self) -> str:
        return tr(
            "Prints an inspection sheet for every stop, one PDF per team and day, from a print layout atlas in "
            "visiting order: team, day, date, sequence and ETA; a map of the stop with the protected zones around it "
            "and a scale bar; the case's target, problem and legal basis; and the checklist the inspectors fill in "
            "and sign (problem found, violation type, rectification required, signatures, date)."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(QgsProcessingParameterFile("WORKSPACE", tr("Workspace"), QgsProcessingParameterFile.File, "gpkg",
                                            fileFilter=tr("GeoPackage (*.gpkg)")),
                 tr("The workspace with the case ledger and the protected zones."))
        self.add(QgsProcessingParameterVectorLayer("STOPS", tr("Stops"), [QgsProcessing.TypeVectorPoint],
                                                   optional=True),
                 tr("The stops of a route plan (fields case_id, team, day, date, sequence, eta). Without it, each "
                    "team gets its open cases from the ledger (field team), one PDF per team."))
        self.add(QgsProcessingParameterString("TEAMS", tr("Teams"), optional=True),
                 tr("Print only these teams (comma-separated); all teams when empty."))
        self.add(QgsProcessingParameterNumber("SCALE", tr("Map scale (1:n)"), QgsProcessingParameterNumber.Double,
                                              10000.0, minValue=500),
                 tr("Scale of the map of each stop."))
        self.add(QgsProcessingParameterFolderDestination("OUTPUT", tr("Output folder")),
                 tr("One PDF per team-day is written here (检查单_TEAM_第N天.pdf)."))
        self.addOutput(QgsProcessingOutputFolder("OUTPUT", tr("Output folder")))
        self.addOutput(QgsProcessingOutputNumber("PAGES", tr("Pages printed")))
        self.addOutput(QgsProcessingOutputString("PDFS", tr("PDF files (one per line)")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        from ..layers.inspection_sheet import write_inspection_sheets

        out_dir = self.parameterAsString(parameters, "OUTPUT", context)
        teams = [t.strip() for t in self.parameterAsString(parameters, "TEAMS", context).split(",") if t.strip()]
        try:
            written = write_inspection_sheets(
                self.parameterAsFile(parameters, "WORKSPACE", context), out_dir,
                stops=self.parameterAsVectorLayer(parameters, "STOPS", context), teams=teams or None,
                scale=self.parameterAsDouble(parameters, "SCALE", context), feedback=feedback)
        except GreenShieldError as exc:
            raise self.fail(exc) from exc
        for item in written:
            feedback.pushInfo(tr("{path}: {pages} pages").format(path=item["path"], pages=item["pages"]))
        return {"OUTPUT": out_dir, "PAGES": sum(i["pages"] for i in written),
                "PDFS": "\n".join(i["path"] for i in written)}
