"""Base class for Green Shield algorithms: help on every parameter, core errors as messages,
and loading a workspace's styled layers into the project when an algorithm finishes."""

from __future__ import annotations

import os

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingParameterDefinition,
)
from qgis.PyQt.QtGui import QIcon

from ..core.errors import GreenShieldError
from ..i18n import error_text, tr
from ..layers.workspace import PROPERTY_WORKSPACE, layer_specs, place_in_group, style_layer

ICON_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "icons")


def icon(name: str) -> QIcon:
    return QIcon(os.path.join(ICON_DIR, f"{name}.svg"))


class GreenShieldAlgorithm(QgsProcessingAlgorithm):
    """Subclasses set NAME, ICON and implement displayName(), description(), initAlgorithm()."""

    NAME = ""
    ICON = "green_shield"

    def createInstance(self):  # noqa: N802 (QGIS API)
        return type(self)()

    def name(self) -> str:
        return self.NAME

    def icon(self) -> QIcon:
        return icon(self.ICON)

    def group(self) -> str:
        return tr("Workspace")

    def groupId(self) -> str:  # noqa: N802
        return "workspace"

    def description(self) -> str:
        raise NotImplementedError

    def add(self, parameter, help_text: str, advanced: bool = False):
        """Add a parameter with its help text (shown in the dialog and in shortHelpString)."""
        parameter.setHelp(help_text)
        if advanced:
            parameter.setFlags(parameter.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        self.addParameter(parameter)
        return parameter

    def shortHelpString(self) -> str:  # noqa: N802
        items = "".join(f"<li><b>{p.description()}</b>: {p.help()}</li>" for p in self.parameterDefinitions())
        return f"<p>{self.description()}</p><ul>{items}</ul>"

    @staticmethod
    def fail(exc: GreenShieldError) -> QgsProcessingException:
        return QgsProcessingException(error_text(exc))


class InspectionPlanningAlgorithm(GreenShieldAlgorithm):
    """The algorithms of the 检查计划 (inspection planning) group."""

    def group(self) -> str:
        return tr("Inspection planning")

    def groupId(self) -> str:  # noqa: N802
        return "inspection"


class _WorkspaceLayerPlacer(QgsProcessingLayerPostProcessorInterface):
    """Styles a loaded workspace layer and moves it into the workspace group."""

    def __init__(self, path: str, key: str, style: str, rank: int) -> None:
        super().__init__()
        self.path, self.key, self.style, self.rank = path, key, style, rank

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 (QGIS API)
        style_layer(layer, self.key, self.style)
        project = context.project()
        if project is not None:
            place_in_group(project, layer, self.path, self.rank)


# Post-processors must outlive the algorithm run; QGIS holds only a pointer.
_placers: dict[str, _WorkspaceLayerPlacer] = {}


def load_workspace_on_completion(path: str, context: QgsProcessingContext) -> None:
    """Ask Processing to add the workspace's layers, styled and grouped, when the run ends."""
    if context.project() is None:
        return
    for rank, (uri, name, key, style) in enumerate(layer_specs(path)):
        placer = _WorkspaceLayerPlacer(path, key, style, rank)
        _placers[uri] = placer
        details = QgsProcessingContext.LayerDetails(name, context.project(), name)
        details.setPostProcessor(placer)
        context.addLayerToLoadOnCompletion(uri, details)


# A workspace parameter's file filter: GeoPackage files, and any other text, so a PostGIS workspace reference
# (PG:service=… schema=…, no file extension) is accepted where the engine takes one.
WORKSPACE_FILTER = "GeoPackage (*.gpkg);;All files (*)"


def reload_or_load_workspace(path: str | None, context: QgsProcessingContext) -> None:
    """After an edit of a workspace: refresh its layers already in the project, or add them.

    Call from postProcessAlgorithm (the main thread).
    """
    project = context.project()
    if not path or project is None:
        return
    from ..layers.workspace import workspace_key

    path = workspace_key(path)  # a GeoPackage's absolute path, or a PostGIS reference
    loaded = [layer for layer in project.mapLayers().values()
              if layer.customProperty(PROPERTY_WORKSPACE) == path]
    if not loaded:
        load_workspace_on_completion(path, context)
        return
    for layer in loaded:
        layer.dataProvider().reloadData()
        layer.triggerRepaint()
