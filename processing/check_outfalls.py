"""greenshield:checkoutfalls — sewage-outfall compliance and along-river distances (排污口合规检查)."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
)

from ..core.errors import GreenShieldError
from ..i18n import tr
from .base import GreenShieldAlgorithm
from .redline_diff import layer_spec

# Optional layers replacing the workspace's: parameter → keyword of core.outfalls.load_inputs.
LAYER_PARAMETERS = (("OUTFALLS", "outfalls"), ("ZONES", "zones"), ("REDLINE", "redlines"), ("RESERVES", "reserves"),
                    ("RIVERS", "rivers"), ("INTAKES", "intakes"), ("SECTIONS", "sections"))


class _CheckStyler(QgsProcessingLayerPostProcessorInterface):
    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 (QGIS API)
        from ..layers.outfall_style import style_outfall_checks

        style_outfall_checks(layer)


_stylers: dict[str, _CheckStyler] = {}


class CheckOutfallsAlgorithm(GreenShieldAlgorithm):
    NAME = "checkoutfalls"
    ICON = "outfalls"

    def group(self) -> str:
        return tr("Water sources")

    def groupId(self) -> str:  # noqa: N802
        return "water"

    def displayName(self) -> str:  # noqa: N802
        return tr("Check sewage outfalls")

    def description(self) -> str:
        return tr(
            "Checks every sewage outfall: inside a drinking-water source protection zone it must be banned (Water "
            "Pollution Law art. 64); inside a red line or nature reserve it is flagged; it is snapped to the river "
            "centre lines and the distance along the river, following the flow, to the nearest intake and "
            "monitoring section downstream is measured; outfalls within the flag distance upstream of an intake "
            "are flagged; and the next workflow step follows from its status and these findings. Distances are "
            "planar metres in the CGCS2000 Gauss-Krüger zone of the outfalls."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(QgsProcessingParameterFile("WORKSPACE", tr("Workspace"), QgsProcessingParameterFile.File, "gpkg",
                                            optional=True, fileFilter=tr("GeoPackage (*.gpkg)")),
                 tr("Its outfall, water-source zone, red-line, nature-reserve, river, intake and monitoring-section "
                    "layers are used, and its case ledger for overdue rectification."))
        point, line, polygon = (QgsProcessing.TypeVectorPoint, QgsProcessing.TypeVectorLine,
                                QgsProcessing.TypeVectorPolygon)
        layers = (
            ("OUTFALLS", tr("Sewage outfalls"), point, tr("Outfall points; instead of the workspace's.")),
            ("RIVERS", tr("River centre lines"), line,
             tr("Line direction is the flow direction; without rivers, along-river distances are skipped.")),
            ("INTAKES", tr("Water intakes"), point, tr("Intakes; instead of the workspace's.")),
            ("SECTIONS", tr("Monitoring sections"), point, tr("Water-quality monitoring sections (考核断面).")),
            ("ZONES", tr("Water-source protection zones"), polygon, tr("Instead of the workspace's zones.")),
            ("REDLINE", tr("Ecological red line"), polygon, tr("Instead of the workspace's red line.")),
            ("RESERVES", tr("Nature reserves"), polygon, tr("Instead of the workspace's nature reserves.")),
        )
        for name, label, kind, help_text in layers:
            self.add(QgsProcessingParameterVectorLayer(name, label, [kind], optional=True), help_text,
                     advanced=name in ("ZONES", "REDLINE", "RESERVES"))
            if name == "RIVERS":
                self.add(QgsProcessingParameterString("REVERSED_FIELD", tr("Reversed-line field"), optional=True),
                         tr("A field of the river lines whose value is true (是, 1, true, yes, y, 反向) for lines "
                            "drawn against the flow; those lines are followed in the opposite direction."),
                         advanced=True)
        from ..core.outfalls import load_rules

        try:  # the defaults are the rule file's, so an edited file shows up in the dialog
            defaults = load_rules()
            tolerance, upstream = defaults.snap_tolerance_m, defaults.upstream_of_intake_m
        except GreenShieldError:
            tolerance, upstream = 200.0, 5000.0
        self.add(QgsProcessingParameterNumber("TOLERANCE", tr("Snap tolerance (m)"),
                                              QgsProcessingParameterNumber.Double, tolerance, minValue=0.001),
                 tr("Outfalls farther than this from every river centre line are reported off-network."))
        self.add(QgsProcessingParameterNumber("UPSTREAM_M", tr("Flag distance upstream of an intake (m)"),
                                              QgsProcessingParameterNumber.Double, upstream, minValue=0.001),
                 tr("Outfalls within this distance along the river upstream of an intake are flagged (an editable "
                    "default, not a legal figure)."))
        self.add(QgsProcessingParameterFile("RULES", tr("Outfall rules"), QgsProcessingParameterFile.File, "yaml",
                                            optional=True, fileFilter=tr("YAML files (*.yaml *.yml)")),
                 tr("Rules for the next steps and the legal basis; default core/data/outfall_rules.yaml."),
                 advanced=True)
        self.add(QgsProcessingParameterFileDestination("OUTPUT", tr("Outfall checks"), tr("GeoPackage (*.gpkg)")),
                 tr("GeoPackage with the point layer outfall_checks (and river_network_issues when there are any)."))
        self.add(QgsProcessingParameterFileDestination("REPORT", tr("Report"), tr("HTML files (*.html)"),
                                                       optional=True, createByDefault=False),
                 tr("Printable report: summary, outfalls to ban, outfalls upstream of intakes, off-network outfalls."))
        for name, text in (("OUTFALL_COUNT", tr("Outfalls checked")), ("BAN", tr("Outfalls to ban")),
                           ("UPSTREAM", tr("Outfalls upstream of an intake")), ("OFF_NETWORK", tr("Off-network"))):
            self.addOutput(QgsProcessingOutputNumber(name, text))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        from ..core.errors import NoOutfallInput
        from ..core.outfall_report import write_outfall_report
        from ..core.outfalls import check_outputs, run_outfall_check, write_checks

        workspace = self.parameterAsFile(parameters, "WORKSPACE", context) or None
        files = {}
        for name, keyword in LAYER_PARAMETERS:
            layer = self.parameterAsVectorLayer(parameters, name, context)
            if layer is not None:
                files[keyword] = layer_spec(layer)
        output = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        report = self.parameterAsFileOutput(parameters, "REPORT", context) or None
        try:
            if not workspace and "outfalls" not in files:
                raise NoOutfallInput()
            rules = self.parameterAsFile(parameters, "RULES", context) or None
            check_outputs({"--out": output, "--report": report}, workspace=workspace, rules=rules, **files)
            result = run_outfall_check(
                workspace, rules_path=rules,
                tolerance_m=self.parameterAsDouble(parameters, "TOLERANCE", context),
                upstream_m=self.parameterAsDouble(parameters, "UPSTREAM_M", context),
                reversed_field=self.parameterAsString(parameters, "REVERSED_FIELD", context) or None, **files)
            write_checks(result, output)
            if report:
                write_outfall_report(result, report)
        except GreenShieldError as exc:
            raise self.fail(exc) from exc
        for note in result.notes_zh if _chinese() else result.notes:
            feedback.pushWarning(note)
        for issue in result.network_issues:
            feedback.pushWarning(issue.detail_zh if _chinese() else issue.detail)
        counts = result.counts()
        feedback.pushInfo(tr("{n} outfalls: {ban} to ban, {up} upstream of an intake, {off} off-network.").format(
            n=counts["outfalls"], ban=counts["ban"], up=counts["upstream_of_intake"], off=counts["off_network"]))
        if context.project() is not None:
            uri = f"{output}|layername=outfall_checks"
            _stylers[uri] = _CheckStyler()
            details = QgsProcessingContext.LayerDetails(tr("Outfall checks"), context.project(), "outfall_checks")
            details.setPostProcessor(_stylers[uri])
            context.addLayerToLoadOnCompletion(uri, details)
        return {"OUTPUT": output, "REPORT": report, "OUTFALL_COUNT": counts["outfalls"], "BAN": counts["ban"],
                "UPSTREAM": counts["upstream_of_intake"], "OFF_NETWORK": counts["off_network"]}


def _chinese() -> bool:
    from ..i18n import is_chinese

    return is_chinese()
