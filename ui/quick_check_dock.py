"""The quick-check dock: is this site in a protected area? Click, draw or select, and read the verdict."""

from __future__ import annotations

import datetime as _dt
import getpass
import os

import shapely
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsGeometry,
    QgsMapRendererSequentialJob,
    QgsProject,
    QgsSettings,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.gui import QgsDockWidget, QgsDoubleSpinBox, QgsFileWidget, QgsRubberBand
from qgis.PyQt.QtGui import QColor
from qgis.PyQt.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core.errors import GreenShieldError
from ..i18n import error_text, is_chinese, tr
from .map_tools import PointCaptureTool, SketchTool

WORKSPACE_SETTING = "green_shield/workspace"
VERDICT_COLOURS = {"PROHIBITED": "#cb181d", "CONDITIONAL": "#fd8d3c", "REVIEW": "#fecc5c", "CLEAR": "#74c476"}


def to_shapely(geometry: QgsGeometry):
    return shapely.from_wkb(bytes(geometry.asWkb()))


def from_shapely(geom) -> QgsGeometry:
    result = QgsGeometry()
    result.fromWkb(shapely.to_wkb(geom))
    return result


class QuickCheckDock(QgsDockWidget):
    """Bound to one workspace; the checker (its spatial index) is built once per workspace."""

    def __init__(self, canvas, parent=None) -> None:
        super().__init__(tr("选址快速研判 Quick check"), parent)
        self.setObjectName("GreenShieldQuickCheck")
        self.canvas = canvas
        self.checker = None
        self._checker_path: str | None = None
        self.result = None
        self.workspace_crs: QgsCoordinateReferenceSystem | None = None
        self.highlight: QgsRubberBand | None = None
        self.tools = {
            "point": PointCaptureTool(canvas),
            "line": SketchTool(canvas, QgsWkbTypes.LineGeometry),
            "polygon": SketchTool(canvas, QgsWkbTypes.PolygonGeometry),
        }
        for tool in self.tools.values():
            tool.captured.connect(self._captured)
        self._build_ui()
        saved = QgsSettings().value(WORKSPACE_SETTING, "")
        if saved:
            self.workspace_widget.setFilePath(saved)

    # UI ---------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        body = QWidget(self)
        layout = QVBoxLayout(body)
        row = QHBoxLayout()
        row.addWidget(QLabel(tr("Workspace"), body))
        self.workspace_widget = QgsFileWidget(body)
        self.workspace_widget.setFilter(tr("GeoPackage (*.gpkg)"))
        self.workspace_widget.fileChanged.connect(self._workspace_changed)
        row.addWidget(self.workspace_widget)
        layout.addLayout(row)

        row = QHBoxLayout()
        self.tool_buttons = {}
        for key, text, tip in (
            ("point", tr("Point"), tr("Click a point on the map")),
            ("line", tr("Line"), tr("Draw a line: left click adds a vertex, right click finishes")),
            ("polygon", tr("Polygon"), tr("Draw a polygon: left click adds a vertex, right click finishes")),
        ):
            button = QToolButton(body)
            button.setText(text)
            button.setToolTip(tip)
            button.setCheckable(True)
            button.clicked.connect(lambda checked, k=key: self.activate_tool(k) if checked else self.deactivate_tool())
            self.tool_buttons[key] = button
            row.addWidget(button)
        self.selected_button = QPushButton(tr("Use selected features"), body)
        self.selected_button.setToolTip(tr("Check the selected features of the active layer"))
        self.selected_button.clicked.connect(lambda: self.check_selected_features())
        row.addWidget(self.selected_button)
        layout.addLayout(row)

        row = QHBoxLayout()
        row.addWidget(QLabel(tr("Buffer"), body))
        self.buffer_spin = QgsDoubleSpinBox(body)
        self.buffer_spin.setRange(0.0, 100000.0)
        self.buffer_spin.setDecimals(0)
        self.buffer_spin.setSingleStep(50.0)
        self.buffer_spin.setSuffix(" m")
        self.buffer_spin.setClearValue(0.0)
        row.addWidget(self.buffer_spin)
        row.addStretch(1)
        layout.addLayout(row)

        self.verdict_label = QLabel(tr("Click, draw or select a site to check it."), body)
        self.verdict_label.setWordWrap(True)
        layout.addWidget(self.verdict_label)

        self.columns = [tr("Type"), tr("Name"), tr("Level / zone"), tr("Relation"), tr("Overlap m²"),
                        tr("Overlap %"), tr("Distance m"), tr("Verdict"), tr("Legal basis"), tr("Advice")]
        self.table = QTableWidget(0, len(self.columns), body)
        self.table.setHorizontalHeaderLabels(self.columns)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectRows)
        self.table.setSelectionMode(QTableWidget.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.cellClicked.connect(lambda r, _c: self.show_hit(r))
        layout.addWidget(self.table, 1)

        self.save_button = QPushButton(tr("Save this check…"), body)
        self.save_button.setToolTip(tr("Save the check to the workspace and write a one-page HTML report"))
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(lambda: self.save_check())
        layout.addWidget(self.save_button)
        self.setWidget(body)

    # Workspace and checker ------------------------------------------------------------------
    def workspace(self) -> str:
        return self.workspace_widget.filePath()

    def set_workspace(self, path: str) -> None:
        self.workspace_widget.setFilePath(path)

    def _workspace_changed(self, path: str) -> None:
        if path != self._checker_path:
            self.checker = None
            self._checker_path = None
            self.workspace_crs = None

    def quick_checker(self):
        """The checker for the current workspace, built on first use and kept until the workspace changes."""
        from ..core.quick_check import QuickChecker
        from .settings import GreenShieldSettings

        path = self.workspace()
        if self.checker is None or self._checker_path != path:
            settings = GreenShieldSettings()  # the rulebook and area method chosen in 设置
            self.checker = QuickChecker.from_workspace(path, rulebook=settings.rulebook() or None,
                                                       method=settings.area_method())
            self._checker_path = path
            self.workspace_crs = QgsCoordinateReferenceSystem(self.checker.crs)
        return self.checker

    # Map tools ---------------------------------------------------------------------------
    def activate_tool(self, key: str) -> None:
        for other, button in self.tool_buttons.items():
            button.setChecked(other == key)
        self.canvas.setMapTool(self.tools[key])

    def deactivate_tool(self) -> None:
        for button in self.tool_buttons.values():
            button.setChecked(False)
        if self.canvas.mapTool() in self.tools.values():
            self.canvas.unsetMapTool(self.canvas.mapTool())

    def _captured(self, geometry: QgsGeometry) -> None:
        self.check_geometry(geometry, self.canvas.mapSettings().destinationCrs())

    def check_selected_features(self, layer=None):
        layer = layer or self.canvas.currentLayer()
        if not isinstance(layer, QgsVectorLayer) or layer.selectedFeatureCount() == 0:
            self._warn(tr("Select one or more features in a vector layer first."))
            return None
        geometry = QgsGeometry.unaryUnion([f.geometry() for f in layer.selectedFeatures() if f.hasGeometry()])
        return self.check_geometry(geometry, layer.crs())

    # Checking ------------------------------------------------------------------------------
    def check_geometry(self, geometry: QgsGeometry, crs: QgsCoordinateReferenceSystem):
        """Transform to the workspace CRS, run the check and show it; returns the result or None."""
        if not self.workspace():
            self._warn(tr("Choose a workspace first."))
            return None
        try:
            checker = self.quick_checker()
            geometry = QgsGeometry(geometry)
            if crs.isValid() and crs != self.workspace_crs:
                geometry.transform(QgsCoordinateTransform(crs, self.workspace_crs, QgsProject.instance()))
            self.result = checker.check(to_shapely(geometry), buffer_m=self.buffer_spin.value())
        except GreenShieldError as exc:
            self._warn(error_text(exc))
            return None
        self.show_result(self.result)
        return self.result

    def show_result(self, result) -> None:
        from ..core.quick_check import RELATION_ZH

        self._clear_highlight()
        colour = VERDICT_COLOURS.get(result.verdict, "#bdbdbd")
        self.verdict_label.setText(
            f"<b>{tr('Verdict')}: {result.verdict_zh}</b> · {tr('{n} zones hit or near').format(n=len(result.hits))}"
            f" · {result.seconds * 1000:.0f} ms"
            + "".join(f"<br>⚠ {note}" for note in (result.notes_zh if is_chinese() else result.notes)))
        self.verdict_label.setStyleSheet(f"background-color: {colour}; padding: 4px;")
        self.table.setRowCount(0)
        self.table.setRowCount(len(result.hits))
        for row, hit in enumerate(result.hits):
            values = (hit.zone_type_zh, hit.name or "", hit.level_zh or "", RELATION_ZH.get(hit.relation, hit.relation),
                      _number(hit.overlap_m2, 1), _number(hit.overlap_pct, 1), _number(hit.distance_m, 0),
                      hit.verdict_zh, hit.legal_basis or "", hit.advice or "")
            for column, value in enumerate(values):
                item = QTableWidgetItem(str(value))
                if column == 7:
                    item.setBackground(QColor(VERDICT_COLOURS.get(hit.verdict, "#ffffff")))
                self.table.setItem(row, column, item)
        self.save_button.setEnabled(True)

    def show_hit(self, row: int) -> None:
        """Highlight the zone of a result row on the canvas and zoom to it."""
        if self.result is None or not 0 <= row < len(self.result.hits):
            return
        geometry = from_shapely(self.result.hits[row].zone_geometry)
        canvas_crs = self.canvas.mapSettings().destinationCrs()
        if self.workspace_crs is not None and canvas_crs.isValid() and canvas_crs != self.workspace_crs:
            geometry.transform(QgsCoordinateTransform(self.workspace_crs, canvas_crs, QgsProject.instance()))
        self._clear_highlight()
        self.highlight = QgsRubberBand(self.canvas, geometry.type())
        self.highlight.setColor(QColor(255, 0, 255, 220))
        self.highlight.setFillColor(QColor(255, 0, 255, 60))
        self.highlight.setWidth(3)
        self.highlight.setToGeometry(geometry, None)
        extent = geometry.boundingBox()
        extent.scale(1.2)
        self.canvas.setExtent(extent)
        self.canvas.refresh()

    def _clear_highlight(self) -> None:
        if self.highlight is not None:
            self.canvas.scene().removeItem(self.highlight)
            self.highlight = None

    # Saving --------------------------------------------------------------------------------
    def save_check(self, folder: str | None = None):
        """Record the check in the workspace and write its HTML one-pager; returns (check id, report path)."""
        from ..core.quick_check import save_check, write_check_report

        if self.result is None:
            return None
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, tr("Save this check"), os.path.expanduser("~"))
            if not folder:
                return None
        try:
            check_id = save_check(self.workspace(), self.result, by=getpass.getuser())
            stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            base = os.path.join(folder, f"quick_check_{check_id}_{stamp}")
            map_image = None
            if self.canvas.layers():  # the canvas as the user sees it; else the report draws its own map
                job = QgsMapRendererSequentialJob(self.canvas.mapSettings())
                job.start()
                job.waitForFinished()
                job.renderedImage().save(base + ".png", "PNG")
                map_image = os.path.basename(base + ".png")
            from .settings import GreenShieldSettings

            settings = GreenShieldSettings()  # 设置: who signs the one-pager
            path = write_check_report(self.result, base + ".html", map_image=map_image,
                                      author=settings.report_author(), unit=settings.report_unit())
            from ..layers.report_maps import write_pdf_report

            write_pdf_report(path, base + ".pdf")  # the one-pager to print or mail
        except GreenShieldError as exc:
            self._warn(error_text(exc))
            return None
        self.verdict_label.setToolTip(tr("Saved: {path}").format(path=path))
        return check_id, path

    def _warn(self, text: str) -> None:
        if self.isVisible():
            QMessageBox.warning(self, tr("选址快速研判 Quick check"), text)
        else:
            self.verdict_label.setText(text)

    def closeEvent(self, event) -> None:  # noqa: N802
        self.deactivate_tool()
        self._clear_highlight()
        super().closeEvent(event)


def _number(value, decimals: int) -> str:
    return "" if value is None else f"{value:,.{decimals}f}"
