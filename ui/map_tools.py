"""Map tools that hand the quick-check dock a geometry in the canvas CRS."""

from __future__ import annotations

from qgis.core import QgsGeometry, QgsPointXY, QgsWkbTypes
from qgis.gui import QgsMapTool, QgsMapToolEmitPoint, QgsRubberBand
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtGui import QColor


class PointCaptureTool(QgsMapToolEmitPoint):
    """One left click: the point, as a geometry."""

    captured = pyqtSignal(QgsGeometry)

    def __init__(self, canvas) -> None:
        super().__init__(canvas)
        self.canvasClicked.connect(self._clicked)

    def _clicked(self, point: QgsPointXY, button) -> None:
        if button == Qt.LeftButton:
            self.captured.emit(QgsGeometry.fromPointXY(point))


class SketchTool(QgsMapTool):
    """Left clicks add vertices to a line or polygon, drawn as a rubber band; a right click finishes."""

    captured = pyqtSignal(QgsGeometry)

    def __init__(self, canvas, geometry_type) -> None:
        super().__init__(canvas)
        self.geometry_type = geometry_type
        self.points: list[QgsPointXY] = []
        self.band = QgsRubberBand(canvas, geometry_type)
        self.band.setColor(QColor(37, 52, 148, 160))
        self.band.setFillColor(QColor(37, 52, 148, 50))
        self.band.setWidth(2)

    def _minimum(self) -> int:
        return 3 if self.geometry_type == QgsWkbTypes.PolygonGeometry else 2

    def canvasMoveEvent(self, event) -> None:  # noqa: N802
        if self.points:
            self._redraw(self.points + [event.mapPoint()])

    def canvasReleaseEvent(self, event) -> None:  # noqa: N802
        if event.button() == Qt.RightButton:
            self.finish()
        elif event.button() == Qt.LeftButton:
            self.points.append(event.mapPoint())
            self._redraw(self.points)

    def finish(self) -> None:
        points, self.points = self.points, []
        self.band.reset(self.geometry_type)
        if len(points) < self._minimum():
            return
        if self.geometry_type == QgsWkbTypes.PolygonGeometry:
            self.captured.emit(QgsGeometry.fromPolygonXY([points]))
        else:
            self.captured.emit(QgsGeometry.fromPolylineXY(points))

    def _redraw(self, points: list[QgsPointXY]) -> None:
        self.band.reset(self.geometry_type)
        for i, point in enumerate(points):
            self.band.addPoint(point, i == len(points) - 1)

    def deactivate(self) -> None:
        self.points = []
        self.band.reset(self.geometry_type)
        super().deactivate()
