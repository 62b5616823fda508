"""greenshield:redlinediff — compare two red-line versions (评估调整比对)."""

from __future__ import annotations

import os

from qgis.core import (
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
)

from ..core.errors import GreenShieldError
from ..i18n import tr
from .base import WORKSPACE_FILTER, GreenShieldAlgorithm


def layer_spec(layer) -> str:
    """A file-based QGIS vector layer as FILE[:LAYER] for the core reader; the red-line layer of a PostGIS
    workspace as the workspace's reference (its redline table is read)."""
    from ..layers.workspace import PROPERTY_TYPE, PROPERTY_WORKSPACE

    ref = layer.customProperty(PROPERTY_WORKSPACE)
    if layer.providerType() == "postgres" and isinstance(ref, str) and ref.startswith("PG:") \
            and layer.customProperty(PROPERTY_TYPE) == "redline":
        return ref
    if layer.providerType() != "ogr":
        raise QgsProcessingException(
            tr("Layer {name} is not stored in a file; save it (e.g. as GeoPackage) first.").format(name=layer.name()))
    parts = layer.source().split("|")
    options = dict(p.split("=", 1) for p in parts[1:] if "=" in p)
    return f"{parts[0]}:{options['layername']}" if "layername" in options else parts[0]


class _ChangeStyler(QgsProcessingLayerPostProcessorInterface):
    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 (QGIS API)
        from ..layers.redline_maps import style_changes

        style_changes(layer)


_stylers: dict[str, _ChangeStyler] = {}


class RedlineDiffAlgorithm(GreenShieldAlgorithm):
    NAME = "redlinediff"
    ICON = "redline_diff"

    def group(self) -> str:
        return tr("Red line")

    def groupId(self) -> str:  # noqa: N802
        return "redline"

    def displayName(self) -> str:  # noqa: N802
        return tr("Compare red-line versions")

    def description(self) -> str:
        return tr(
            "Compares two versions of the ecological protection red line: added, removed and kept areas (m², ha, "
            "mu), alignment noise set apart, features matched by identifier (modified, split, merged), the balance "
            "per division and per function type, removals inside core zones or level-1 water zones or without a "
            "reason, additions over projects or listed plots, projects whose screening verdict changes, and the "
            "land cover of the changes."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(QgsProcessingParameterVectorLayer("OLD", tr("Old version"), [QgsProcessing.TypeVectorPolygon]),
                 tr("The red line before the adjustment."))
        self.add(QgsProcessingParameterVectorLayer("NEW", tr("New version"), [QgsProcessing.TypeVectorPolygon]),
                 tr("The red line after the adjustment; a reason field (保留/退出/扣除) is used when present."))
        self.add(QgsProcessingParameterFile("WORKSPACE", tr("Workspace"), QgsProcessingParameterFile.File, None,
                                            optional=True, fileFilter=WORKSPACE_FILTER),
                 tr("For the rule checks (core zones, level-1 water zones, projects, listed plots) and the projects "
                    "whose verdict changes."))
        self.add(QgsProcessingParameterString("BY", tr("Balance by field"), "xzqmc"),
                 tr("The administrative division field for the balance table."))
        self.add(QgsProcessingParameterString("MATCH_FIELD", tr("Identifier field"), "bsm"),
                 tr("Features are matched by this field; without it, by geometry."))
        self.add(QgsProcessingParameterNumber("TOLERANCE", tr("Noise tolerance (m)"),
                                              QgsProcessingParameterNumber.Double, 1.0, minValue=0),
                 tr("Slivers thinner than this are alignment noise, not change."), advanced=True)
        self.add(QgsProcessingParameterNumber("MIN_AREA", tr("Minimum change area (m²)"),
                                              QgsProcessingParameterNumber.Double, 100.0, minValue=0),
                 tr("Change pieces smaller than this are noise."), advanced=True)
        self.add(QgsProcessingParameterRasterLayer("LANDCOVER", tr("Land-cover raster"), optional=True),
                 tr("A classified raster for the land-cover composition of added and removed areas."))
        self.add(QgsProcessingParameterFileDestination("OUTPUT", tr("Comparison results"), tr("GeoPackage (*.gpkg)")),
                 tr("GeoPackage with the layers changes, balance, matches and verdict_changes."))
        self.add(QgsProcessingParameterFileDestination("REPORT", tr("Report"), tr("HTML files (*.html)"),
                                                       optional=True, createByDefault=True),
                 tr("Printable report with before, after and change maps; a PDF is written next to it."))
        for name, text in (("ADDED_M2", tr("Added (m²)")), ("REMOVED_M2", tr("Removed (m²)")),
                           ("NET_M2", tr("Net change (m²)")), ("FLAGGED", tr("Flagged changes"))):
            self.addOutput(QgsProcessingOutputNumber(name, text))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        from ..core.cli import run_redline_diff
        from ..core.redline_diff import write_diff

        old = layer_spec(self.parameterAsVectorLayer(parameters, "OLD", context))
        new = layer_spec(self.parameterAsVectorLayer(parameters, "NEW", context))
        raster = self.parameterAsRasterLayer(parameters, "LANDCOVER", context)
        output = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        report = self.parameterAsFileOutput(parameters, "REPORT", context) or None
        try:
            diff = run_redline_diff(
                old, new, workspace=self.parameterAsFile(parameters, "WORKSPACE", context) or None,
                by=self.parameterAsString(parameters, "BY", context) or "xzqmc",
                match_field=self.parameterAsString(parameters, "MATCH_FIELD", context) or None,
                tolerance=self.parameterAsDouble(parameters, "TOLERANCE", context),
                min_area=self.parameterAsDouble(parameters, "MIN_AREA", context),
                landcover=raster.source() if raster is not None else None,
                progress=lambda f: feedback.setProgress(f * 80))
            write_diff(diff, output)
        except GreenShieldError as exc:
            raise self.fail(exc) from exc
        if report:
            from ..core.redline_report import write_redline_report
            from ..layers.redline_maps import render_redline_maps
            from ..layers.report_maps import write_pdf_report

            images = render_redline_maps(diff, os.path.splitext(report)[0] + "_maps")
            write_redline_report(diff, report, map_images=images)
            write_pdf_report(report, os.path.splitext(report)[0] + ".pdf")
        total = diff.total
        if diff.shrinks:
            feedback.reportError(tr("The red line shrinks overall by {ha:.2f} ha.").format(ha=-total.net_m2 / 1e4))
        for note in diff.warnings:
            feedback.pushWarning(note)
        if context.project() is not None:
            uri = f"{output}|layername=changes"
            _stylers[uri] = _ChangeStyler()
            details = QgsProcessingContext.LayerDetails(tr("Red-line changes"), context.project(), "changes")
            details.setPostProcessor(_stylers[uri])
            context.addLayerToLoadOnCompletion(uri, details)
        return {"OUTPUT": output, "REPORT": report, "ADDED_M2": total.added_m2, "REMOVED_M2": total.removed_m2,
                "NET_M2": total.net_m2, "FLAGGED": len(diff.flagged())}
