"""greenshield:screenprojects — screen construction projects against protected areas."""

from __future__ import annotations

import os

import numpy as np
import shapely
from qgis.core import (
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QDate, QDateTime, QVariant

from ..core.errors import GreenShieldError
from ..core.importer import plan_field_map
from ..core.postgis import is_postgis
from ..core.rules import VERDICT_ZH, VERDICTS, load_rulebook
from ..core.schema import LAYER_TYPES
from ..core.screening import FeatureSet, ScreeningCanceled, ScreeningOptions, screen
from ..core.screening_io import (
    add_far_projects,
    convert_columns,
    load_projects,
    load_projects_pushdown,
    load_protected,
    write_results,
)
from ..i18n import tr
from ..layers.verdict_style import style_by_verdict
from .base import WORKSPACE_FILTER, GreenShieldAlgorithm

PROTECTED_PARAMS = (
    ("REDLINE", "redline"),
    ("NATURE_RESERVE", "nature_reserve"),
    ("WATER_SOURCE_ZONE", "water_source_zone"),
    ("CONTAMINATED_PLOT", "contaminated_plot"),
)
METHODS = ("planar", "ellipsoidal")


def _plain(value):
    """QGIS attribute values → Python: NULL → None, QDate → date."""
    if value is None or (isinstance(value, QVariant) and value.isNull()):
        return None
    if isinstance(value, QDateTime):
        return value.toPyDateTime()
    if isinstance(value, QDate):
        return value.toPyDate()
    return value


def feature_set_from_source(source, key: str, name: str) -> tuple[FeatureSet, list[str]]:
    """Any QGIS feature source as a core FeatureSet: WKB geometries, columns mapped to the schema."""
    lt = LAYER_TYPES[key]
    columns = [f.name() for f in source.fields()]
    mapping = plan_field_map(columns, lt)
    geoms, fids, raw = [], [], {fd.name: [] for fd in lt.fields}
    for feature in source.getFeatures():
        geometry = feature.geometry()
        geoms.append(None if geometry.isNull() else shapely.from_wkb(bytes(geometry.asWkb())))
        fids.append(feature.id())
        for fd in lt.fields:
            raw[fd.name].append(_plain(feature[mapping[fd.name]]) if fd.name in mapping else None)
    out, notes = convert_columns(lt, raw, lambda i: f"{name} feature {fids[i]}")
    crs = source.sourceCrs()
    return FeatureSet(key, np.array(geoms, dtype=object), out, np.array(fids), crs.authid() or crs.toWkt(), name), notes


class _VerdictStyler(QgsProcessingLayerPostProcessorInterface):
    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 (QGIS API)
        style_by_verdict(layer)


_stylers: dict[str, _VerdictStyler] = {}


class ScreenProjectsAlgorithm(GreenShieldAlgorithm):
    NAME = "screenprojects"
    ICON = "screen"

    def group(self) -> str:
        return tr("Screening")

    def groupId(self) -> str:  # noqa: N802
        return "screening"

    def displayName(self) -> str:  # noqa: N802
        return tr("Screen projects against protected areas")

    def description(self) -> str:
        return tr(
            "For every construction project: which red lines, nature-reserve zones, drinking-water source zones and "
            "contaminated plots it lies inside, crosses, touches or comes within a setback of; the overlap in m², "
            "ha and mu (planar in the CGCS2000 Gauss-Krüger zone of the data, or ellipsoidal); the verdict "
            "(prohibited, conditional, review, clear) with its legal basis from the rulebook. Writes the layers "
            "conflicts and flagged_projects and a printable report."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(
            QgsProcessingParameterFile("WORKSPACE", tr("Workspace"), QgsProcessingParameterFile.File, None,
                                       optional=True, fileFilter=WORKSPACE_FILTER),
            tr("Green Shield workspace (a GeoPackage, or a PostGIS workspace PG:service=… schema=…): its project "
               "layer and protected layers are used unless given below."),
        )
        self.add(
            QgsProcessingParameterFeatureSource("PROJECTS", tr("Projects"), [QgsProcessing.TypeVectorAnyGeometry],
                                                optional=True),
            tr("Construction projects (points, lines or polygons); fields are matched like an import. "
               "Default: the workspace's project layer."),
        )
        for name, key in PROTECTED_PARAMS:
            self.add(
                QgsProcessingParameterFeatureSource(name, LAYER_TYPES[key].title_zh,
                                                    [QgsProcessing.TypeVectorPolygon], optional=True),
                tr("Replaces the workspace's layer of this type for this run."),
                advanced=True,
            )
        self.add(
            QgsProcessingParameterFile("RULES", tr("Rulebook"), QgsProcessingParameterFile.File, "yaml",
                                       optional=True, fileFilter=tr("Rulebook (*.yaml *.yml)")),
            tr("A copy of the rulebook you edited; default: the shipped rulebook."),
        )
        self.add(
            QgsProcessingParameterEnum("METHOD", tr("Area method"),
                                       [tr("Planar (CGCS2000 Gauss-Krüger zone)"), tr("Ellipsoidal")], defaultValue=0),
            tr("Planar areas in the 3-degree Gauss-Krüger zone of the data (default), or areas on the ellipsoid."),
        )
        self.add(
            QgsProcessingParameterNumber("SLIVER_M2", tr("Sliver threshold (m²)"),
                                         QgsProcessingParameterNumber.Double, optional=True, minValue=0),
            tr("Overlaps smaller than this are reported as touching, not as conflicts; default from the rulebook."),
            advanced=True,
        )
        self.add(
            QgsProcessingParameterFileDestination("OUTPUT", tr("Screening results"), tr("GeoPackage (*.gpkg)")),
            tr("GeoPackage with the layers conflicts (one row per project and protected feature hit) and "
               "flagged_projects (one row per project)."),
        )
        self.add(
            QgsProcessingParameterFileDestination("REPORT", tr("Report"), tr("HTML files (*.html)"), optional=True,
                                                  createByDefault=True),
            tr("Printable report with a map of each flagged project; a PDF is written next to it."),
        )
        for verdict in VERDICTS:
            self.addOutput(QgsProcessingOutputNumber(verdict, VERDICT_ZH[verdict]))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        workspace = self.parameterAsFile(parameters, "WORKSPACE", context) or None
        output = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        report = self.parameterAsFileOutput(parameters, "REPORT", context) or None
        try:
            rulebook = load_rulebook(self.parameterAsFile(parameters, "RULES", context) or None)
            notes: list[str] = []
            source = self.parameterAsSource(parameters, "PROJECTS", context)
            if source is not None:
                projects, more = feature_set_from_source(source, "project", tr("Projects"))
                notes += more
            replaced = []
            for name, key in PROTECTED_PARAMS:
                layer_source = self.parameterAsSource(parameters, name, context)
                if layer_source is not None:
                    fs, more = feature_set_from_source(layer_source, key, LAYER_TYPES[key].title_zh)
                    replaced.append(fs)
                    notes += more
            far, zone = None, None
            if source is None:
                if not workspace:
                    raise QgsProcessingException(tr("Give a workspace or a projects layer."))
                if is_postgis(workspace) and not replaced:  # the spatial filter runs in the database
                    projects, far, zone = load_projects_pushdown(workspace, rulebook, ScreeningOptions().near_m)
                else:
                    projects, _ = load_projects(workspace, None)
            protected = []
            if workspace:
                replaced_keys = {fs.key for fs in replaced}
                protected = [fs for fs in load_protected(workspace)[0] if fs.key not in replaced_keys]
            protected += replaced
            if not protected:
                raise QgsProcessingException(tr("No protected layers: give a workspace or at least one protected "
                                                "layer."))
            sliver = parameters.get("SLIVER_M2")
            options = ScreeningOptions(
                method=METHODS[self.parameterAsEnum(parameters, "METHOD", context)], planar_crs=zone,
                sliver_m2=None if sliver in (None, "") else self.parameterAsDouble(parameters, "SLIVER_M2", context),
            )
            result = screen(projects, protected, rulebook, options,
                            progress=lambda f: feedback.setProgress(f * 90), is_canceled=feedback.isCanceled)
            if far is not None:
                add_far_projects(result, far)
                notes.append(tr("{far} projects beyond every protected feature's reach found clear by the database's "
                                "spatial index; {near} screened").format(far=len(far), near=len(projects)))
            result.warnings[:0] = notes
            write_results(result, output)
        except ScreeningCanceled:
            raise QgsProcessingException(tr("Screening canceled; nothing was written.")) from None
        except GreenShieldError as exc:
            raise self.fail(exc) from exc
        if report:
            self._write_report(result, protected, report, feedback)
        counts = result.counts()
        feedback.pushInfo(tr("Rulebook: {rb}").format(rb=rulebook.provenance()))
        feedback.pushInfo(tr("Method: {m}").format(m=result.method_text("zh")))
        feedback.pushInfo(", ".join(f"{VERDICT_ZH[v]} {counts[v]}" for v in VERDICTS))
        for note in result.warnings[:50]:
            feedback.pushWarning(note)
        self._load_results(output, context)
        return {"OUTPUT": output, "REPORT": report, **counts}

    def _write_report(self, result, protected, report, feedback):
        from ..core.report import write_html_report
        from ..layers.report_maps import render_project_maps, write_pdf_report

        folder = os.path.splitext(report)[0] + "_maps"
        feedback.pushInfo(tr("Rendering maps of flagged projects…"))
        images = render_project_maps(result, protected, folder)
        write_html_report(result, report, protected=protected, map_images=images)
        write_pdf_report(report, os.path.splitext(report)[0] + ".pdf")
        feedback.setProgress(100)

    @staticmethod
    def _load_results(output: str, context: QgsProcessingContext) -> None:
        if context.project() is None:
            return
        for table, title in (("flagged_projects", tr("Screened projects")), ("conflicts", tr("Conflicts"))):
            for geometry_type, suffix in (("Point", tr(" (points)")), ("LineString", tr(" (lines)")),
                                          ("Polygon", tr(" (polygons)"))):
                uri = f"{output}|layername={table}|geometrytype={geometry_type}"
                probe = QgsVectorLayer(uri, "probe", "ogr")
                if not probe.isValid() or probe.featureCount() == 0:
                    continue
                styler = _VerdictStyler()
                _stylers[uri] = styler
                details = QgsProcessingContext.LayerDetails(title + suffix, context.project(), table)
                details.setPostProcessor(styler)
                context.addLayerToLoadOnCompletion(uri, details)
