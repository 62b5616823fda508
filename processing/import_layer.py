"""greenshield:importlayer — import a file into a workspace layer with validation."""

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterCrs,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterString,
)

from ..core.errors import GreenShieldError
from ..core.importer import COORDINATE_SYSTEMS, ImportCanceled, import_file, parse_mapping
from ..core.schema import LAYER_TYPES
from ..i18n import is_chinese, tr
from .base import GreenShieldAlgorithm

TARGETS = list(LAYER_TYPES)
ENCODINGS = ("", "UTF-8", "GBK", "GB18030")


class ImportLayerAlgorithm(GreenShieldAlgorithm):
    NAME = "importlayer"
    ICON = "import"

    def displayName(self) -> str:  # noqa: N802
        return tr("Import into workspace")

    def description(self) -> str:
        return tr(
            "Imports a Shapefile, GeoPackage, GeoJSON, CSV or XLSX file into a workspace layer. Fields are "
            "matched by name and Chinese alias; coordinates are reprojected; GBK shapefiles and GCJ-02/BD-09 "
            "points are handled; invalid geometries are repaired and listed; rows that cannot be imported are "
            "rejected into an error report. Nothing is written unless the whole import succeeds."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(
            QgsProcessingParameterFile(
                "INPUT", tr("Input file"), QgsProcessingParameterFile.File, "",
                fileFilter=tr("Spatial data (*.shp *.gpkg *.geojson *.json *.csv *.xlsx);;All files (*.*)"),
            ),
            tr("The file to import."),
        )
        self.add(
            QgsProcessingParameterString("INPUT_LAYER", tr("Layer inside the input file"), optional=True),
            tr("For a GeoPackage or other multi-layer file: the layer to read (default: the first)."),
        )
        self.add(
            QgsProcessingParameterFile(
                "WORKSPACE", tr("Workspace"), QgsProcessingParameterFile.File, "gpkg",
                fileFilter=tr("GeoPackage (*.gpkg)"),
            ),
            tr("The Green Shield workspace GeoPackage to import into."),
        )
        self.add(
            QgsProcessingParameterEnum(
                "TARGET", tr("Target layer"),
                [f"{LAYER_TYPES[k].title_zh} ({k})" for k in TARGETS], defaultValue=0,
            ),
            tr("The workspace layer that receives the features."),
        )
        self.add(
            QgsProcessingParameterString("FIELD_MAP", tr("Field mapping"), multiLine=True, optional=True),
            tr("One FIELD=COLUMN per line to override the automatic matching; FIELD= leaves a field empty."),
        )
        self.add(
            QgsProcessingParameterString("CONSTANTS", tr("Values for every row"), multiLine=True, optional=True),
            tr("One FIELD=VALUE per line, e.g. version=2020, for fields the input lacks."),
        )
        self.add(
            QgsProcessingParameterCrs("SOURCE_CRS", tr("CRS of the input (if it has none)"), optional=True),
            tr("Only used when the input has no CRS (a Shapefile without .prj, a CSV); otherwise the input's own CRS "
               "is used."),
        )
        self.add(
            QgsProcessingParameterEnum(
                "ENCODING", tr("Text encoding"),
                [tr("Detect automatically"), "UTF-8", "GBK", "GB18030"], defaultValue=0,
            ),
            tr("Encoding of a Shapefile or CSV; detected from .cpg, the DBF header or the text itself."),
        )
        self.add(
            QgsProcessingParameterEnum(
                "COORDINATES", tr("Point coordinates are"),
                [tr("As in the CRS (WGS84/CGCS2000 or projected)"), tr("GCJ-02 (Amap, Tencent)"), tr("BD-09 (Baidu)")],
                defaultValue=_default_coordinates(),
            ),
            tr("Points copied from Chinese web maps are offset by hundreds of metres; they are converted to "
               "WGS84/CGCS2000."),
        )
        self.add(QgsProcessingParameterString("X_FIELD", tr("Longitude / X column"), optional=True),
                 tr("For CSV/XLSX: the longitude or X column (default: detected, e.g. 经度, lon, x)."), advanced=True)
        self.add(QgsProcessingParameterString("Y_FIELD", tr("Latitude / Y column"), optional=True),
                 tr("For CSV/XLSX: the latitude or Y column (default: detected, e.g. 纬度, lat, y)."), advanced=True)
        self.add(
            QgsProcessingParameterBoolean("STRICT", tr("Import nothing if any row is rejected"), False),
            tr("Strict mode: a single rejected row cancels the whole import."),
        )
        self.add(
            QgsProcessingParameterBoolean("DRY_RUN", tr("Check only (write nothing)"), False),
            tr("Validate every row and write the error report, but leave the workspace untouched."),
        )
        self.add(
            QgsProcessingParameterFileDestination(
                "REPORT", tr("Error report"), tr("CSV files (*.csv)"), optional=True, createByDefault=True,
            ),
            tr("CSV listing every rejected or repaired row with the field and the reason."),
        )
        self.addOutput(QgsProcessingOutputNumber("IMPORTED", tr("Imported features")))
        self.addOutput(QgsProcessingOutputNumber("REJECTED", tr("Rejected rows")))
        self.addOutput(QgsProcessingOutputNumber("REPAIRED", tr("Repaired geometries")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        source = self.parameterAsFile(parameters, "INPUT", context)
        workspace = self.parameterAsFile(parameters, "WORKSPACE", context)
        target = TARGETS[self.parameterAsEnum(parameters, "TARGET", context)]
        crs = self.parameterAsCrs(parameters, "SOURCE_CRS", context)
        report = self.parameterAsFileOutput(parameters, "REPORT", context) or None
        try:
            result = import_file(
                workspace,
                source,
                target,
                layer=self.parameterAsString(parameters, "INPUT_LAYER", context) or None,
                field_map=parse_mapping(self.parameterAsString(parameters, "FIELD_MAP", context)),
                constants=parse_mapping(self.parameterAsString(parameters, "CONSTANTS", context)),
                source_crs=(crs.authid() or crs.toWkt()) if crs.isValid() else None,
                encoding=ENCODINGS[self.parameterAsEnum(parameters, "ENCODING", context)] or None,
                coordinates=COORDINATE_SYSTEMS[self.parameterAsEnum(parameters, "COORDINATES", context)],
                x_field=self.parameterAsString(parameters, "X_FIELD", context) or None,
                y_field=self.parameterAsString(parameters, "Y_FIELD", context) or None,
                strict=self.parameterAsBoolean(parameters, "STRICT", context),
                dry_run=self.parameterAsBoolean(parameters, "DRY_RUN", context),
                report=report,
                progress=lambda f: feedback.setProgress(f * 100),
                is_canceled=feedback.isCanceled,
            )
        except ImportCanceled:
            raise QgsProcessingException(tr("Import canceled; the workspace was not changed.")) from None
        except GreenShieldError as exc:
            raise self.fail(exc) from exc
        feedback.pushInfo(tr("Encoding: {enc} ({how}); CRS: {crs}; coordinates: {coords}").format(
            enc=result.encoding, how=result.encoding_how, crs=result.source_crs, coords=result.coordinates))
        feedback.pushInfo(tr("Field mapping: {map}").format(
            map=", ".join(f"{t} ← {s}" for t, s in result.field_map.items())))
        if result.unused_columns:
            feedback.pushInfo(tr("Columns not imported: {cols}").format(cols=", ".join(result.unused_columns)))
        chinese = is_chinese()
        for issue in result.issues:
            text = tr("Row {row}, {field}: {action}: {reason}").format(
                row=issue.row, field=issue.field,
                action=tr("rejected") if issue.action == "rejected" else tr("repaired"),
                reason=issue.reason_zh if chinese else issue.reason)
            (feedback.reportError if issue.action == "rejected" else feedback.pushWarning)(text)
        summary = tr("{imported} of {total} rows imported into {layer}; {rejected} rejected; {repaired} repaired.")
        if result.dry_run:
            summary = tr("Check only: {ok} of {total} rows would be imported into {layer}; {rejected} rejected; "
                         "{repaired} repaired.")
        feedback.pushInfo(summary.format(
            imported=result.imported, ok=result.total - result.rejected_rows, total=result.total,
            layer=LAYER_TYPES[target].title_zh, rejected=result.rejected_rows, repaired=len(result.repaired)))
        return {
            "IMPORTED": result.imported,
            "REJECTED": result.rejected_rows,
            "REPAIRED": len(result.repaired),
            "REPORT": report,
        }


def _default_coordinates() -> int:
    """The coordinate system chosen in 设置 (Settings) for typed and imported coordinates."""
    from ..ui.settings import GreenShieldSettings

    system = GreenShieldSettings().coordinate_system()
    return COORDINATE_SYSTEMS.index(system) if system in COORDINATE_SYSTEMS else 0
