"""greenshield:sampledistrict — the fictional sample district, for training and trying features."""

from qgis.core import QgsProcessingParameterBoolean, QgsProcessingParameterFileDestination

from ..core.errors import GreenShieldError
from ..i18n import tr
from ..layers.workspace import store_default_styles
from .base import GreenShieldAlgorithm, load_workspace_on_completion


class SampleDistrictAlgorithm(GreenShieldAlgorithm):
    NAME = "sampledistrict"
    ICON = "sample_district"
    OUTPUT = "OUTPUT"
    OVERWRITE = "OVERWRITE"

    def displayName(self) -> str:  # noqa: N802
        return tr("Build sample district")

    def description(self) -> str:
        return tr(
            "Builds a workspace holding a fictional district (a river valley near 106.2°E 29.0°N, CGCS2000) "
            "with rivers, a reservoir, intakes, water-source zones, red lines, nature reserves, outfalls, "
            "contaminated plots and about 300 construction projects, for training and for trying every feature."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(
            QgsProcessingParameterBoolean(self.OVERWRITE, tr("Replace an existing file"), False),
            tr("If the file exists it is replaced; otherwise the algorithm refuses to touch it."),
        )
        self.add(
            QgsProcessingParameterFileDestination(self.OUTPUT, tr("Workspace file"), tr("GeoPackage (*.gpkg)")),
            tr("The GeoPackage file to create."),
        )

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        from ..core.sample_district import build_sample_district

        path = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        try:
            counts = build_sample_district(path, overwrite=self.parameterAsBoolean(parameters, self.OVERWRITE, context))
        except GreenShieldError as exc:
            raise self.fail(exc) from exc
        feedback.setProgress(70)
        store_default_styles(path)
        for key, count in counts.items():
            feedback.pushInfo(f"{key}: {count}")
        load_workspace_on_completion(path, context)
        return {self.OUTPUT: path}
