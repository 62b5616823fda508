"""README screenshots from a real QGIS window: run inside QGIS by `make screenshots`.

`make screenshots` starts the QGIS desktop under Xvfb with a throw-away profile in Chinese, the
plugin from this checkout and the demo project, and passes this file with `--code`. It opens the
绿盾 menu and the quick-check dock (a check of a point inside a red line), saves
docs/menu_zh.png and docs/quick_check_dock.png, and ends QGIS.
"""

import os

from qgis.core import QgsApplication, QgsCoordinateReferenceSystem, QgsGeometry, QgsPointXY
from qgis.PyQt.QtCore import QPoint, Qt, QTimer
from qgis.PyQt.QtWidgets import QApplication
from qgis.utils import iface, loadPlugin, plugins, startPlugin

OUT = os.environ["GS_SHOT_DIR"]
WORKSPACE = os.environ["GS_WORKSPACE"]


def _pump(ms: int = 300) -> None:
    import time

    end = time.time() + ms / 1000
    while time.time() < end:
        QApplication.processEvents()


def _finish(code: int) -> None:
    import sys

    sys.stdout.flush()
    os._exit(code)  # no "save the project?" question on the way out


def _redline_point() -> tuple[float, float]:
    import shapely

    from green_shield.core.workspace import read_layer

    geoms, _, _ = read_layer(WORKSPACE, "redline")
    largest = max(geoms, key=lambda g: g.area)
    point = shapely.point_on_surface(largest)
    return point.x, point.y


def shoot() -> None:
    try:
        if "green_shield" not in plugins:
            loadPlugin("green_shield")
            startPlugin("green_shield")
        plugin = plugins["green_shield"]
        window = iface.mainWindow()
        window.resize(1500, 920)
        iface.messageBar().clearWidgets()
        _pump(500)

        # the Chinese menu, opened under its title in the menu bar
        menu = plugin.menu
        bar = window.menuBar()
        geometry = bar.actionGeometry(menu.menuAction())
        menu.popup(bar.mapToGlobal(QPoint(geometry.left(), geometry.bottom())))
        _pump(800)
        screen = QApplication.primaryScreen()
        top_left = window.mapToGlobal(QPoint(0, 0))
        screen.grabWindow(0, top_left.x(), top_left.y(), 900, 520).save(os.path.join(OUT, "menu_zh.png"))
        menu.hide()
        _pump(300)

        # the dock: a point inside the largest red-line patch
        action = next(a for a in plugin.actions if a.objectName() == "GreenShield_quick_check")
        action.trigger()
        _pump(500)
        dock = plugin.quick_check_dock
        window.resizeDocks([dock], [700], Qt.Horizontal)  # room for the results table
        dock.set_workspace(WORKSPACE)
        x, y = _redline_point()
        dock.check_geometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)), QgsCoordinateReferenceSystem("EPSG:4490"))
        if dock.table.rowCount():
            dock.table.selectRow(0)
            dock.show_hit(0)
        iface.messageBar().clearWidgets()
        _pump(1500)
        window.grab().save(os.path.join(OUT, "quick_check_dock.png"))
        print("screenshots written to", OUT)
        _finish(0)
    except Exception:  # noqa: BLE001 - report anything and end QGIS, never hang the build
        import traceback

        traceback.print_exc()
        _finish(1)


QTimer.singleShot(int(os.environ.get("GS_SHOT_DELAY_MS", "4000")), shoot)
QgsApplication.instance()  # keep the import used: the script runs inside the QGIS application
