"""greenshield:generatewaterzones — default drinking-water protection zones (HJ 338-2018) from intakes."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
)

from ..core.errors import GreenShieldError
from ..i18n import is_chinese, tr
from .base import GreenShieldAlgorithm, reload_or_load_workspace
from .redline_diff import layer_spec

LAKE_SIZES = ("auto", "small", "medium", "large")


class GenerateWaterZonesAlgorithm(GreenShieldAlgorithm):
    NAME = "generatewaterzones"
    ICON = "water_zones"

    def group(self) -> str:
        return tr("Water sources")

    def groupId(self) -> str:  # noqa: N802
        return "water"

    def displayName(self) -> str:  # noqa: N802
        return tr("Generate default water-source protection zones")

    def description(self) -> str:
        return tr(
            "Draws level-1 and level-2 drinking-water source protection zones with the HJ 338-2018 default sizes "
            "(unverified, editable) for intakes whose source has no zones yet: along the river channel over the "
            "network (1000 m up / 100 m down, then 2000 m / 200 m further, upstream into every tributary), a radius "
            "in lakes and reservoirs, radii around wells, with bank buffers as land zones. Every zone is marked "
            "'generated default — needs official delineation'; sources that already have zones are skipped."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(QgsProcessingParameterFile("WORKSPACE", tr("Workspace"), QgsProcessingParameterFile.File, "gpkg",
                                            optional=True, fileFilter=tr("GeoPackage (*.gpkg)")),
                 tr("Intakes, rivers, water bodies and existing zones are read from it unless given below; its "
                    "CRS is the output CRS."))
        self.add(QgsProcessingParameterVectorLayer("INTAKES", tr("Water intakes"), [QgsProcessing.TypeVectorPoint],
                                                   optional=True),
                 tr("Intake points with source_code, name, water_body_type (river, lake_reservoir, groundwater), "
                    "daily_supply_t, population_served; default: the workspace's water_intake layer."))
        self.add(QgsProcessingParameterVectorLayer("RIVERS", tr("River centre lines"),
                                                   [QgsProcessing.TypeVectorLine], optional=True),
                 tr("Drawn in the flow direction (name, width_m); default: the workspace's river layer."))
        self.add(QgsProcessingParameterString("REVERSED_FIELD", tr("Reversed-line field"), optional=True),
                 tr("A field of the river lines that is true (1, 是) for lines drawn against the flow."))
        self.add(QgsProcessingParameterVectorLayer("RIVER_POLYGONS", tr("River water surfaces"),
                                                   [QgsProcessing.TypeVectorPolygon], optional=True),
                 tr("River polygons the water zones are clipped to; default: the workspace's water_body polygons "
                    "that are not lakes or reservoirs. Without any, the reach is buffered to the river width."))
        self.add(QgsProcessingParameterVectorLayer("LAKES", tr("Lakes and reservoirs"),
                                                   [QgsProcessing.TypeVectorPolygon], optional=True),
                 tr("Lake and reservoir polygons; default: the workspace's water_body polygons of type "
                    "lake_reservoir."))
        self.add(QgsProcessingParameterEnum("LAKE_SIZE", tr("Lake/reservoir size"),
                                            [tr("Automatic (by area)"), tr("Small (whole surface is level 1)"),
                                             tr("Medium (300 m radius)"), tr("Large (500 m radius)")],
                                            defaultValue=0),
                 tr("Automatic: large from 10 km² of water surface (an assumption; HJ 338 classes reservoirs by "
                    "storage capacity), else medium."))
        self.add(QgsProcessingParameterNumber("WELL_RADIUS", tr("Well level-2 radius (m)"),
                                              QgsProcessingParameterNumber.Double, 300.0, minValue=1.0),
                 tr("Used when the hydrogeology below is not given (level 1 is 30 m)."))
        for name, label, help_text in (
                ("ALPHA", tr("Hydrogeology: factor α"), tr("R = α·K·I·T/n; give all four to compute the well radii.")),
                ("K", tr("Hydrogeology: conductivity K (m/d)"), tr("Hydraulic conductivity of the aquifer.")),
                ("GRADIENT", tr("Hydrogeology: gradient I"), tr("Hydraulic gradient.")),
                ("POROSITY", tr("Hydrogeology: porosity n"), tr("Effective porosity."))):
            self.add(QgsProcessingParameterNumber(name, label, QgsProcessingParameterNumber.Double, optional=True,
                                                  minValue=0.0), help_text, advanced=True)
        self.add(QgsProcessingParameterNumber("SNAP", tr("Snap tolerance (m)"), QgsProcessingParameterNumber.Double,
                                              5.0, minValue=0.0),
                 tr("River line ends closer than this are joined; bigger gaps are reported."), advanced=True)
        self.add(QgsProcessingParameterNumber("TOLERANCE", tr("Intake tolerance (m)"),
                                              QgsProcessingParameterNumber.Double, 100.0, minValue=0.0),
                 tr("Intakes farther than this from their water body are reported and skipped."), advanced=True)
        self.add(QgsProcessingParameterFile("DEFAULTS", tr("Zone sizes file"), QgsProcessingParameterFile.File,
                                            "yaml", optional=True, fileFilter=tr("YAML files (*.yaml *.yml)")),
                 tr("A copy of core/data/water_zone_defaults.yaml with the sizes your province uses."),
                 advanced=True)
        self.add(QgsProcessingParameterBoolean("APPEND", tr("Append to the workspace"), False),
                 tr("Add the zones to the workspace's water_source_zone layer (only sources without zones)."))
        self.add(QgsProcessingParameterFileDestination("OUTPUT", tr("Generated zones"), tr("GeoPackage (*.gpkg)"),
                                                       optional=True, createByDefault=True),
                 tr("GeoPackage with the layers water_source_zone, reaches and issues."))
        for name, text in (("ZONES", tr("Zone parts generated")), ("SOURCES", tr("Sources with generated zones")),
                           ("SKIPPED", tr("Sources skipped")), ("ISSUES", tr("Issues reported"))):
            self.addOutput(QgsProcessingOutputNumber(name, text))

    def _spec(self, parameters, name, context) -> str | None:
        layer = self.parameterAsVectorLayer(parameters, name, context)
        return layer_spec(layer) if layer is not None else None

    def _number(self, parameters, name, context) -> float | None:
        if parameters.get(name) in (None, ""):
            return None
        return self.parameterAsDouble(parameters, name, context)

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        from ..core.water_zones import (
            Hydrogeology,
            append_to_workspace,
            check_output,
            run_water_zones,
            write_zone_file,
        )

        workspace = self.parameterAsFile(parameters, "WORKSPACE", context) or None
        output = self.parameterAsFileOutput(parameters, "OUTPUT", context) or None
        append = self.parameterAsBool(parameters, "APPEND", context)
        hydro = [self._number(parameters, n, context) for n in ("ALPHA", "K", "GRADIENT", "POROSITY")]
        try:
            if not output and not (append and workspace):
                from ..core.errors import NoZoneOutput

                raise NoZoneOutput()
            inputs = {"intakes": self._spec(parameters, "INTAKES", context),
                      "rivers": self._spec(parameters, "RIVERS", context),
                      "river_polygons": self._spec(parameters, "RIVER_POLYGONS", context),
                      "lakes": self._spec(parameters, "LAKES", context),
                      "defaults": self.parameterAsFile(parameters, "DEFAULTS", context) or None}
            check_output(output, **inputs)  # before any work: never replace an input
            result, notes = run_water_zones(
                workspace=workspace, **inputs,
                reversed_field=self.parameterAsString(parameters, "REVERSED_FIELD", context) or None,
                lake_size=LAKE_SIZES[self.parameterAsEnum(parameters, "LAKE_SIZE", context)],
                well_level2_radius_m=self.parameterAsDouble(parameters, "WELL_RADIUS", context),
                hydrogeology=Hydrogeology(*hydro) if all(v for v in hydro) else None,
                snap_m=self.parameterAsDouble(parameters, "SNAP", context),
                intake_tolerance_m=self.parameterAsDouble(parameters, "TOLERANCE", context))
            if output:
                write_zone_file(result, output)
            if append and workspace:
                append_to_workspace(result, workspace)
        except GreenShieldError as exc:
            raise self.fail(exc) from exc
        chinese = is_chinese()
        for note in notes:
            feedback.pushInfo(note)
        for issue in result.issues:
            text = issue.message_zh if chinese else issue.message
            feedback.pushWarning(f"[{issue.kind}] {text} ({issue.x:.6f}, {issue.y:.6f})")
        for reach in result.reaches:
            feedback.pushInfo(tr("{code} {level}: {length:.0f} m of channel").format(
                code=reach.source_code, level=reach.level, length=reach.length_m))
        self._reload = workspace if append else None
        if output and context.project() is not None:
            details = QgsProcessingContext.LayerDetails(tr("Generated water-source zones"), context.project(),
                                                        "water_source_zone")
            context.addLayerToLoadOnCompletion(f"{output}|layername=water_source_zone", details)
        return {"OUTPUT": output, "ZONES": len(result.zones), "SOURCES": len(result.generated_sources),
                "SKIPPED": len(result.skipped_sources), "ISSUES": len(result.issues)}

    def postProcessAlgorithm(self, context, feedback):  # noqa: N802 (main thread: may touch the project)
        reload_or_load_workspace(getattr(self, "_reload", None), context)
        return {}
