"""The plugin's settings (QgsSettings under "green_shield/") and the dialog that edits them.

Settings hold what a user would otherwise pick again in every dialog: the workspace, the
rulebook, how areas are measured, the default CRS, which datum typed or imported coordinates
use (Chinese web maps shift WGS-84 to GCJ-02 or BD-09), and who signs reports.
"""

from __future__ import annotations

from qgis.core import QgsCoordinateReferenceSystem, QgsSettings
from qgis.gui import QgsFileWidget, QgsProjectionSelectionWidget
from qgis.PyQt.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
)

from ..core.errors import GreenShieldError
from ..core.rules import load_rulebook
from ..core.schema import DEFAULT_CRS
from ..core.workspace import open_workspace
from ..i18n import error_text, tr

PREFIX = "green_shield/"
AREA_METHODS = ("planar", "ellipsoidal")
COORDINATE_SYSTEMS = ("wgs84", "gcj02", "bd09")


class GreenShieldSettings:
    """Typed access to the plugin's QgsSettings; empty paths mean "none chosen" / the default rulebook."""

    def __init__(self, settings: QgsSettings | None = None) -> None:
        self._settings = settings if settings is not None else QgsSettings()

    def _text(self, key: str, default: str = "") -> str:
        value = self._settings.value(PREFIX + key, default)
        return str(value) if value is not None else default

    def _choice(self, key: str, choices: tuple[str, ...]) -> str:
        value = self._text(key, choices[0])
        return value if value in choices else choices[0]

    def _set(self, key: str, value: str) -> None:
        self._settings.setValue(PREFIX + key, value)

    def _set_choice(self, key: str, value: str, choices: tuple[str, ...]) -> None:
        if value not in choices:
            raise ValueError(f"{key} must be one of {', '.join(choices)}, not {value!r}")
        self._set(key, value)

    def workspace(self) -> str:
        return self._text("workspace")

    def set_workspace(self, path: str) -> None:
        self._set("workspace", path)

    def rulebook(self) -> str:
        return self._text("rulebook")

    def set_rulebook(self, path: str) -> None:
        self._set("rulebook", path)

    def area_method(self) -> str:
        return self._choice("area_method", AREA_METHODS)

    def set_area_method(self, method: str) -> None:
        self._set_choice("area_method", method, AREA_METHODS)

    def default_crs(self) -> str:
        return self._text("default_crs", DEFAULT_CRS) or DEFAULT_CRS

    def set_default_crs(self, authid: str) -> None:
        self._set("default_crs", authid)

    def coordinate_system(self) -> str:
        """The datum of typed or imported coordinates: wgs84, gcj02 or bd09."""
        return self._choice("coordinate_system", COORDINATE_SYSTEMS)

    def set_coordinate_system(self, system: str) -> None:
        self._set_choice("coordinate_system", system, COORDINATE_SYSTEMS)

    def report_author(self) -> str:
        return self._text("report_author")

    def set_report_author(self, author: str) -> None:
        self._set("report_author", author)

    def report_unit(self) -> str:
        return self._text("report_unit")

    def set_report_unit(self, unit: str) -> None:
        self._set("report_unit", unit)


class SettingsDialog(QDialog):
    """Edits GreenShieldSettings; OK checks the workspace and rulebook before saving anything."""

    def __init__(self, settings: GreenShieldSettings | None = None, parent=None) -> None:
        super().__init__(parent)
        self.settings = settings or GreenShieldSettings()
        self.last_error = ""
        self.setObjectName("GreenShieldSettingsDialog")
        self.setWindowTitle(tr("Green Shield settings"))

        self.workspace = QgsFileWidget(self)
        self.workspace.setStorageMode(QgsFileWidget.GetFile)
        self.workspace.setFilter(tr("GeoPackage (*.gpkg)"))
        self.rulebook = QgsFileWidget(self)
        self.rulebook.setStorageMode(QgsFileWidget.GetFile)
        self.rulebook.setFilter(tr("Rulebook (*.yaml *.yml)"))
        self.rulebook.lineEdit().setPlaceholderText(tr("Default rulebook"))
        self.area_method = QComboBox(self)
        self.area_method.addItem(tr("Planar (Gauss-Krüger zone)"), "planar")
        self.area_method.addItem(tr("Ellipsoidal"), "ellipsoidal")
        self.crs = QgsProjectionSelectionWidget(self)
        self.coordinates = QComboBox(self)
        self.coordinates.addItem(tr("WGS-84 (GPS)"), "wgs84")
        self.coordinates.addItem(tr("GCJ-02 (Gaode, Tencent)"), "gcj02")
        self.coordinates.addItem(tr("BD-09 (Baidu)"), "bd09")
        self.author = QLineEdit(self)
        self.unit = QLineEdit(self)

        form = QFormLayout()
        form.addRow(tr("Workspace"), self.workspace)
        form.addRow(tr("Rulebook"), self.rulebook)
        form.addRow(tr("Area method"), self.area_method)
        form.addRow(tr("Default CRS"), self.crs)
        form.addRow(tr("Typed and imported coordinates"), self.coordinates)
        form.addRow(tr("Report author"), self.author)
        form.addRow(tr("Report unit"), self.unit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.load()

    def load(self) -> None:
        s = self.settings
        self.workspace.setFilePath(s.workspace())
        self.rulebook.setFilePath(s.rulebook())
        self.area_method.setCurrentIndex(self.area_method.findData(s.area_method()))
        self.crs.setCrs(QgsCoordinateReferenceSystem(s.default_crs()))
        self.coordinates.setCurrentIndex(self.coordinates.findData(s.coordinate_system()))
        self.author.setText(s.report_author())
        self.unit.setText(s.report_unit())

    def validation_error(self) -> str:
        """The message for the first invalid entry, or "" when everything can be saved."""
        workspace = self.workspace.filePath().strip()
        rulebook = self.rulebook.filePath().strip()
        try:
            if workspace:
                open_workspace(workspace)
        except GreenShieldError as exc:
            return tr("The workspace is not a Green Shield workspace: {error}").format(error=error_text(exc))
        except OSError as exc:
            return tr("The workspace cannot be opened: {error}").format(error=str(exc))
        try:
            if rulebook:
                load_rulebook(rulebook)
        except GreenShieldError as exc:
            return tr("The rulebook cannot be loaded: {error}").format(error=error_text(exc))
        if not self.crs.crs().isValid():
            return tr("Choose a valid default CRS.")
        return ""

    def save(self) -> None:
        s = self.settings
        s.set_workspace(self.workspace.filePath().strip())
        s.set_rulebook(self.rulebook.filePath().strip())
        s.set_area_method(self.area_method.currentData())
        s.set_default_crs(self.crs.crs().authid())
        s.set_coordinate_system(self.coordinates.currentData())
        s.set_report_author(self.author.text().strip())
        s.set_report_unit(self.unit.text().strip())

    def accept(self) -> None:
        error = self.validation_error()
        if error:
            self.last_error = error
            QMessageBox.warning(self, tr("Green Shield settings"), error)
            return
        self.last_error = ""
        self.save()
        super().accept()
