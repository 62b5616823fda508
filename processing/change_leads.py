"""greenshield:changeleads — remote-sensing change leads (遥感变化线索) from two land-cover rasters."""

from __future__ import annotations

import os

from qgis.core import (
    QgsFeature,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QDate, QVariant

from ..core.errors import GreenShieldError
from ..core.rules import VERDICT_ZH, VERDICTS
from ..core.schema import LAYER_TYPES
from ..i18n import is_chinese, tr
from .base import ICON_DIR, WORKSPACE_FILTER, GreenShieldAlgorithm, reload_or_load_workspace

MODES = ("classified", "index")
SPECKLE = ("none", "open", "close", "open-close")
METHODS = ("planar", "ellipsoidal")
LEAD = LAYER_TYPES["change_lead"]
_QVARIANT = {"text": QVariant.String, "int": QVariant.LongLong, "real": QVariant.Double, "date": QVariant.Date,
             "bool": QVariant.Bool}
# Fallbacks for the help texts when the transition table cannot be read (its shipped values).
_TABLE_DEFAULTS = {"min_area_m2": 666.67, "distance_m": 500.0, "index_drop": 0.3, "index_min_before": 0.3}


def _icon_name() -> str:
    """icons/change_leads.svg when the plugin ships one, else the screening icon."""
    return "change_leads" if os.path.exists(os.path.join(ICON_DIR, "change_leads.svg")) else "screen"


def _table_defaults() -> dict[str, float]:
    """The settings of the shipped transition table, so an edited table shows up in the help."""
    try:
        from ..core.change_leads import load_transitions

        table = load_transitions(None)
        return {key: float(getattr(table, key)) for key in _TABLE_DEFAULTS}
    except Exception:  # noqa: BLE001 — help text only; a run reports a broken table properly
        return dict(_TABLE_DEFAULTS)


def _same_file(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))


class _LeadStyler(QgsProcessingLayerPostProcessorInterface):
    """Styles an OUTPUT layer of leads as the workspace's change_lead layer (by activity)."""

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 (QGIS API)
        from ..layers.workspace import style_layer

        style_layer(layer, "change_lead")


# Post-processors must outlive the algorithm run; QGIS holds only a pointer.
_stylers: dict[str, _LeadStyler] = {}


class ChangeLeadsAlgorithm(GreenShieldAlgorithm):
    NAME = "changeleads"
    ICON = _icon_name()

    def group(self) -> str:
        return tr("Remote sensing")

    def groupId(self) -> str:  # noqa: N802
        return "remotesensing"

    def displayName(self) -> str:  # noqa: N802
        return tr("Remote-sensing change leads")

    def description(self) -> str:
        return tr(
            "Compares two land-cover rasters of the same area (before and after), pixel by pixel on a common grid: "
            "the class changes the transition table counts as human activity (mining, industry, energy, tourism, "
            "transport, aquaculture, other) become change patches; patches at least the minimum area that lie in "
            "or near a protected area (red line, nature reserve, water-source zone) become leads, each with the "
            "rulebook's verdict and legal basis. The leads are saved into the workspace's change_lead layer "
            "(遥感变化线索) and can become inspection cases ('Build inspection cases'). Leads are clues for a field "
            "check, not findings."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        defaults = _table_defaults()
        self.add(QgsProcessingParameterFile("WORKSPACE", tr("Workspace"), QgsProcessingParameterFile.File, None,
                                            fileFilter=WORKSPACE_FILTER),
                 tr("Its red lines, nature reserves and water-source zones are checked; its change_lead layer "
                    "receives the leads."))
        self.add(QgsProcessingParameterRasterLayer("BEFORE", tr("Before image")),
                 tr("The earlier raster (a file, e.g. GeoTIFF) with a coordinate reference system."))
        self.add(QgsProcessingParameterRasterLayer("AFTER", tr("After image")),
                 tr("The later raster; when the grids differ, the other image is warped onto this one's grid "
                    "(or onto the before image's, when only that one is projected)."))
        self.add(QgsProcessingParameterEnum("MODE", tr("Image type"),
                                            [tr("Classified land cover (分类影像)"),
                                             tr("Vegetation index, e.g. NDVI (指数影像)")], defaultValue=0),
                 tr("Classified: class codes of the class table, compared with the transition table. Index: a "
                    "single-band index; a drop of at least the index threshold is a vegetation loss."))
        self.add(QgsProcessingParameterFile("CLASSES", tr("Class table"), QgsProcessingParameterFile.File,
                                            optional=True, fileFilter=tr("Class tables (*.yaml *.yml *.csv)")),
                 tr("The codes and names of the land-cover classes; default core/data/landcover_classes.yaml."),
                 advanced=True)
        self.add(QgsProcessingParameterFile("AFTER_CLASSES", tr("Class table of the after image"),
                                            QgsProcessingParameterFile.File, optional=True,
                                            fileFilter=tr("Class tables (*.yaml *.yml *.csv)")),
                 tr("Only when the after image was classified with its own table; it must agree with the class "
                    "table above."), advanced=True)
        self.add(QgsProcessingParameterFile("TRANSITIONS", tr("Transition table"), QgsProcessingParameterFile.File,
                                            "yaml", optional=True, fileFilter=tr("YAML files (*.yaml *.yml)")),
                 tr("Which class changes count as which human activity, and the default thresholds; default "
                    "core/data/change_transitions.yaml (copy and edit it)."), advanced=True)
        self.add(QgsProcessingParameterNumber("MIN_AREA", tr("Minimum patch area (m²)"),
                                              QgsProcessingParameterNumber.Double, optional=True, minValue=0),
                 tr("Smaller change patches are left out. Empty: the transition table's value ({value:g} m² in the "
                    "shipped table, 1 mu).").format(value=defaults["min_area_m2"]))
        self.add(QgsProcessingParameterNumber("DISTANCE", tr("Distance to protected areas (m)"),
                                              QgsProcessingParameterNumber.Double, optional=True, minValue=0),
                 tr("Patches inside a protected area or within this distance of one become leads. Empty: the "
                    "transition table's value ({value:g} m in the shipped table).").format(
                     value=defaults["distance_m"]))
        self.add(QgsProcessingParameterNumber("DROP", tr("Index threshold"), QgsProcessingParameterNumber.Double,
                                              optional=True),
                 tr("Index images only: a pixel whose index falls by at least this much is a change. Empty: the "
                    "transition table's value ({value:g} in the shipped table).").format(
                     value=defaults["index_drop"]))
        self.add(QgsProcessingParameterNumber("MIN_BEFORE", tr("Index before at least"),
                                              QgsProcessingParameterNumber.Double, optional=True),
                 tr("Index images only: a pixel counts only where the before value reaches this (vegetation "
                    "before). Empty: the transition table's value ({value:g} in the shipped table).").format(
                     value=defaults["index_min_before"]), advanced=True)
        self.add(QgsProcessingParameterNumber("BAND_BEFORE", tr("Band of the before image"),
                                              QgsProcessingParameterNumber.Integer, 1, minValue=1),
                 tr("The band holding the classes (or the index) in the before image."), advanced=True)
        self.add(QgsProcessingParameterNumber("BAND_AFTER", tr("Band of the after image"),
                                              QgsProcessingParameterNumber.Integer, 1, minValue=1),
                 tr("The band holding the classes (or the index) in the after image."), advanced=True)
        self.add(QgsProcessingParameterNumber("WINDOW", tr("Processing window (pixels)"),
                                              QgsProcessingParameterNumber.Integer, 2048, minValue=64),
                 tr("The images are processed in square windows of this many pixels, so memory stays bounded; "
                    "the result does not depend on it."), advanced=True)
        self.add(QgsProcessingParameterEnum("SPECKLE", tr("Speckle filter"),
                                            [tr("None"), tr("Opening (removes isolated pixels)"),
                                             tr("Closing (fills small gaps)"), tr("Opening, then closing")],
                                            defaultValue=0),
                 tr("A 3×3 morphological filter on the changed pixels before they are grouped into patches."),
                 advanced=True)
        self.add(QgsProcessingParameterFile("RULES", tr("Rulebook"), QgsProcessingParameterFile.File, "yaml",
                                            optional=True, fileFilter=tr("Rulebook (*.yaml *.yml)")),
                 tr("A copy of the rulebook you edited; default: the shipped rulebook."), advanced=True)
        self.add(QgsProcessingParameterEnum("METHOD", tr("Area method"),
                                            [tr("Planar (CGCS2000 Gauss-Krüger zone)"), tr("Ellipsoidal")],
                                            defaultValue=0),
                 tr("Planar areas in the 3-degree Gauss-Krüger zone of the data (default), or areas on the "
                    "ellipsoid."), advanced=True)
        self.add(QgsProcessingParameterBoolean("SAVE", tr("Save the leads into the workspace"), True),
                 tr("Write the leads into the workspace's change_lead layer; a run on the same images replaces its "
                    "earlier leads."))
        self.add(QgsProcessingParameterFileDestination("REPORT", tr("Report"), tr("HTML files (*.html)"),
                                                       optional=True, createByDefault=False),
                 tr("Printable list of the leads with before and after thumbnails of each (image files are written "
                    "next to it)."))
        self.add(QgsProcessingParameterFeatureSink("OUTPUT", tr("Change leads"), QgsProcessing.TypeVectorPolygon,
                                                   optional=True, createByDefault=False),
                 tr("The leads as a separate layer too, styled by activity (e.g. to look at them without saving "
                    "them into the workspace)."))
        for name, text in (("LEADS", tr("Leads")), ("PATCHES", tr("Change patches")),
                           ("DROPPED_FAR", tr("Patches far from protected areas")), ("SAVED", tr("Leads saved"))):
            self.addOutput(QgsProcessingOutputNumber(name, text))
        for verdict in VERDICTS:
            self.addOutput(QgsProcessingOutputNumber(verdict, VERDICT_ZH[verdict]))

    # -- helpers ---------------------------------------------------------------------------

    def _raster_path(self, parameters, name, context) -> str:
        layer = self.parameterAsRasterLayer(parameters, name, context)
        if layer is None:
            value = parameters.get(name)
            raise QgsProcessingException(tr("Cannot open the raster {value}.").format(value=value))
        if layer.providerType() != "gdal":
            raise QgsProcessingException(
                tr("Raster {name} is not stored in a file; save it (e.g. as GeoTIFF) first.").format(name=layer.name()))
        return layer.source().split("|")[0]

    def _number(self, parameters, name, context) -> float | None:
        if parameters.get(name) in (None, ""):
            return None
        return self.parameterAsDouble(parameters, name, context)

    # -- run -------------------------------------------------------------------------------

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        from ..core.change_leads import (
            ChangeLeadsCanceled,
            ChangeOptions,
            find_change_leads,
            save_leads,
            write_lead_report,
        )
        from ..core.change_report import check_report_path

        workspace = self.parameterAsFile(parameters, "WORKSPACE", context)
        before = self._raster_path(parameters, "BEFORE", context)
        after = self._raster_path(parameters, "AFTER", context)
        report = self.parameterAsFileOutput(parameters, "REPORT", context) or None
        save = self.parameterAsBoolean(parameters, "SAVE", context)
        self._reload = None
        for path in (workspace, before, after):
            if _same_file(report, path):
                raise QgsProcessingException(
                    tr("The report would replace {path}, an input of this run; choose another file.").format(
                        path=path))
        rules = self.parameterAsFile(parameters, "RULES", context) or None
        options = ChangeOptions(
            mode=MODES[self.parameterAsEnum(parameters, "MODE", context)],
            classes=self.parameterAsFile(parameters, "CLASSES", context) or None,
            after_classes=self.parameterAsFile(parameters, "AFTER_CLASSES", context) or None,
            transitions=self.parameterAsFile(parameters, "TRANSITIONS", context) or None,
            min_area_m2=self._number(parameters, "MIN_AREA", context),
            distance_m=self._number(parameters, "DISTANCE", context),
            index_drop=self._number(parameters, "DROP", context),
            speckle=SPECKLE[self.parameterAsEnum(parameters, "SPECKLE", context)],
            index_min_before=self._number(parameters, "MIN_BEFORE", context),
            window=self.parameterAsInt(parameters, "WINDOW", context) or 2048,
            band_before=self.parameterAsInt(parameters, "BAND_BEFORE", context) or 1,
            band_after=self.parameterAsInt(parameters, "BAND_AFTER", context) or 1,
        )
        try:
            if report:  # refused before any work: an input, a folder, a missing folder, not .html
                check_report_path(report, (before, after, workspace, options.classes, options.after_classes,
                                           options.transitions, rules))
            result = find_change_leads(
                workspace, before, after, options, rulebook=rules,
                method=METHODS[self.parameterAsEnum(parameters, "METHOD", context)],
                progress=lambda f: feedback.setProgress(f * 85), is_canceled=feedback.isCanceled)
            if feedback.isCanceled():
                raise ChangeLeadsCanceled()
            if report:  # before saving: a report that cannot be written leaves the workspace as it was
                feedback.pushInfo(tr("Writing the report with thumbnails…"))
                write_lead_report(result, report, is_canceled=feedback.isCanceled)
            feedback.setProgress(90)
            if feedback.isCanceled():
                raise ChangeLeadsCanceled()
            saved = save_leads(workspace, result) if save else 0
        except ChangeLeadsCanceled:
            raise QgsProcessingException(tr("Change detection canceled; nothing was saved.")) from None
        except GreenShieldError as exc:
            raise self.fail(exc) from exc
        dest = self._write_sink(parameters, context, workspace, result)
        feedback.setProgress(100)
        self._report(result, saved, save, feedback)
        self._reload = workspace if save else None
        counts = result.counts()
        return {"OUTPUT": dest, "REPORT": report, "LEADS": len(result.leads),
                "PATCHES": len(result.detection.patches), "DROPPED_FAR": result.dropped_far, "SAVED": saved,
                **{v: counts[v] for v in VERDICTS}}

    def _report(self, result, saved: int, save: bool, feedback) -> None:
        for note in result.notes_zh if is_chinese() else result.notes:  # alignment, nodata, far patches
            feedback.pushInfo(note)
        feedback.pushInfo(tr("Rulebook: {rb}").format(rb=result.rulebook))
        feedback.pushInfo(tr("{leads} leads from {patches} change patches.").format(
            leads=len(result.leads), patches=len(result.detection.patches)))
        counts = result.counts()
        feedback.pushInfo("，".join(f"{VERDICT_ZH[v]} {counts[v]}" for v in VERDICTS))
        if save:
            feedback.pushInfo(tr("{n} leads saved into the workspace layer change_lead (run {run}).").format(
                n=saved, run=result.run_id))
        else:
            feedback.pushWarning(tr("The leads were not saved into the workspace."))

    def _write_sink(self, parameters, context, workspace: str, result) -> str | None:
        from qgis.core import QgsCoordinateReferenceSystem

        from ..core.workspace import read_meta

        fields = QgsFields()
        for fd in LEAD.fields:
            fields.append(QgsField(fd.name, _QVARIANT[fd.type]))
        crs = QgsCoordinateReferenceSystem(read_meta(workspace).get("crs") or "EPSG:4490")
        sink, dest = self.parameterAsSink(parameters, "OUTPUT", context, fields, QgsWkbTypes.MultiPolygon, crs)
        if sink is None:
            return None
        for lead in result.leads:
            values = _lead_values(lead, result)
            feature = QgsFeature(fields)
            for fd in LEAD.fields:
                value = values.get(fd.name)
                if fd.type == "date" and value:
                    value = QDate.fromString(str(value)[:10], "yyyy-MM-dd")
                feature[fd.name] = value
            geometry = QgsGeometry()
            geometry.fromWkb(_wkb(lead.geometry))
            geometry.convertToMultiType()
            feature.setGeometry(geometry)
            sink.addFeature(feature, QgsFeatureSink.FastInsert)
        if context.willLoadLayerOnCompletion(dest):
            _stylers[dest] = _LeadStyler()
            context.layerToLoadOnCompletionDetails(dest).setPostProcessor(_stylers[dest])
        return dest

    def postProcessAlgorithm(self, context, feedback):  # noqa: N802 (main thread: may touch the project)
        workspace = getattr(self, "_reload", None)
        if not workspace:
            return {}
        reload_or_load_workspace(workspace, context)
        _add_missing_lead_layer(workspace, context)
        return {}


def _wkb(geometry) -> bytes:
    import shapely

    return shapely.to_wkb(geometry)


def _lead_values(lead, result) -> dict:
    """A lead as the change_lead layer's attributes, exactly as save_leads writes them."""
    from ..core.change_leads import lead_record

    return lead_record(lead, result)


def _add_missing_lead_layer(workspace: str, context: QgsProcessingContext) -> None:
    """A project that shows the workspace from before change leads existed gets its change_lead layer."""
    from ..layers.workspace import PROPERTY_TYPE, PROPERTY_WORKSPACE, layer_specs
    from .base import _placers, _WorkspaceLayerPlacer

    project = context.project()
    if project is None:
        return
    from ..layers.workspace import workspace_key

    path = workspace_key(workspace)
    ours = [layer for layer in project.mapLayers().values() if layer.customProperty(PROPERTY_WORKSPACE) == path]
    if not ours or any(layer.customProperty(PROPERTY_TYPE) == "change_lead" for layer in ours):
        return  # nothing shown yet (the whole workspace is being loaded) or the layer is there
    for rank, (uri, name, key, style) in enumerate(layer_specs(path)):
        if key != "change_lead":
            continue
        _placers[uri] = _WorkspaceLayerPlacer(path, key, style, rank)
        details = QgsProcessingContext.LayerDetails(name, project, name)
        details.setPostProcessor(_placers[uri])
        context.addLayerToLoadOnCompletion(uri, details)
