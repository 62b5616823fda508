"""The Processing provider `greenshield`."""

from qgis.core import QgsProcessingProvider

from ..__about__ import __version__
from ..i18n import tr
from .base import icon
from .build_cases import BuildCasesAlgorithm
from .change_leads import ChangeLeadsAlgorithm
from .check_outfalls import CheckOutfallsAlgorithm
from .create_workspace import CreateWorkspaceAlgorithm
from .export_field_package import ExportFieldPackageAlgorithm
from .generate_water_zones import GenerateWaterZonesAlgorithm
from .import_field_results import ImportFieldResultsAlgorithm
from .import_layer import ImportLayerAlgorithm
from .inspection_sheets import InspectionSheetsAlgorithm
from .plan_routes import PlanRoutesAlgorithm
from .random_draw import RandomDrawAlgorithm
from .redline_diff import RedlineDiffAlgorithm
from .sample_district import SampleDistrictAlgorithm
from .screen_projects import ScreenProjectsAlgorithm

ALGORITHMS = (CreateWorkspaceAlgorithm, ImportLayerAlgorithm, SampleDistrictAlgorithm, ScreenProjectsAlgorithm,
              RedlineDiffAlgorithm, BuildCasesAlgorithm, RandomDrawAlgorithm, PlanRoutesAlgorithm,
              ExportFieldPackageAlgorithm, ImportFieldResultsAlgorithm, InspectionSheetsAlgorithm,
              GenerateWaterZonesAlgorithm, CheckOutfallsAlgorithm, ChangeLeadsAlgorithm)


class GreenShieldProvider(QgsProcessingProvider):
    def id(self) -> str:
        return "greenshield"

    def name(self) -> str:
        return tr("Green Shield 绿盾")

    def longName(self) -> str:  # noqa: N802
        return f"{self.name()} {__version__}"

    def icon(self):
        return icon("green_shield")

    def versionInfo(self) -> str:  # noqa: N802
        return __version__

    def loadAlgorithms(self):  # noqa: N802
        from ..layers import pg_auth

        pg_auth.register()  # PostGIS references may name a QGIS authentication configuration
        for algorithm in ALGORITHMS:
            self.addAlgorithm(algorithm())
