"""greenshield:createworkspace — a new, empty enforcement workspace GeoPackage."""

from qgis.core import (
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterCrs,
    QgsProcessingParameterFileDestination,
)

from ..core.errors import GreenShieldError
from ..core.workspace import create_workspace
from ..i18n import tr
from ..layers.workspace import store_default_styles
from .base import GreenShieldAlgorithm, load_workspace_on_completion


class CreateWorkspaceAlgorithm(GreenShieldAlgorithm):
    NAME = "createworkspace"
    ICON = "workspace"
    OUTPUT = "OUTPUT"
    CRS = "CRS"
    OVERWRITE = "OVERWRITE"

    def displayName(self) -> str:  # noqa: N802
        return tr("Create workspace")

    def description(self) -> str:
        return tr(
            "Creates a GeoPackage workspace holding every enforcement layer (red lines, nature reserves, "
            "drinking-water source zones, intakes, sewage outfalls, contaminated plots, projects and base "
            "layers) with Chinese forms and styles, and adds it to the project as a layer group."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(
            QgsProcessingParameterCrs(self.CRS, tr("Workspace CRS"), "EPSG:4490", optional=True),
            tr("Coordinate reference system of every layer; CGCS2000 (EPSG:4490) by default."),
        )
        self.add(
            QgsProcessingParameterBoolean(self.OVERWRITE, tr("Replace an existing file"), False),
            tr("If the file exists it is replaced; otherwise the algorithm refuses to touch it."),
        )
        self.add(
            QgsProcessingParameterFileDestination(
                self.OUTPUT, tr("Workspace file"), tr("GeoPackage (*.gpkg)")
            ),
            tr("The GeoPackage file to create."),
        )
        self.addOutput(QgsProcessingOutputNumber("LAYERS", tr("Number of layers")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        path = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        crs = self.parameterAsCrs(parameters, self.CRS, context)
        crs_id = (crs.authid() or crs.toWkt()) if crs.isValid() else "EPSG:4490"
        overwrite = self.parameterAsBoolean(parameters, self.OVERWRITE, context)
        try:
            info = create_workspace(path, crs_id, overwrite=overwrite)
        except GreenShieldError as exc:
            raise self.fail(exc) from exc
        feedback.setProgress(60)
        store_default_styles(path)
        feedback.pushInfo(tr("Workspace created: {path} ({crs}, {n} layers)").format(
            path=path, crs=info.crs, n=len(info.layers)))
        load_workspace_on_completion(path, context)
        feedback.setProgress(100)
        return {self.OUTPUT: path, "LAYERS": len(info.layers)}
