"""The Processing provider `greenshield`."""

from qgis.core import QgsProcessingProvider

from ..__about__ import __version__
from ..i18n import tr
from .base import icon
from .create_workspace import CreateWorkspaceAlgorithm
from .import_layer import ImportLayerAlgorithm
from .redline_diff import RedlineDiffAlgorithm
from .sample_district import SampleDistrictAlgorithm
from .screen_projects import ScreenProjectsAlgorithm

ALGORITHMS = (CreateWorkspaceAlgorithm, ImportLayerAlgorithm, SampleDistrictAlgorithm, ScreenProjectsAlgorithm,
              RedlineDiffAlgorithm)


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
        for algorithm in ALGORITHMS:
            self.addAlgorithm(algorithm())
