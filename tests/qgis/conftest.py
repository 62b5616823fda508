"""Real QGIS, offscreen: one application for the session, the provider registered once."""

import os
import sys
import tempfile

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("XDG_RUNTIME_DIR", f"/tmp/runtime-{os.getuid()}")
# A throw-away QGIS authentication database: tests may store configurations, never in the user's own.
os.environ.setdefault("QGIS_AUTH_DB_DIR_PATH", tempfile.mkdtemp(prefix="gs-qgis-auth-"))
# QGIS's own Python plugins (processing) first, so they win over any same-named folder.
for path in ("/usr/share/qgis/python/plugins", "/usr/share/qgis/python"):
    if os.path.isdir(path) and path not in sys.path:
        sys.path.insert(0, path)

from qgis.core import QgsApplication, QgsProject  # noqa: E402
from qgis.PyQt.QtWidgets import QMainWindow  # noqa: E402

_keep: list = []
_app = QgsApplication([], True)
_app.initQgis()


@pytest.fixture(scope="session")
def qgis_app():
    from processing.core.Processing import Processing

    Processing.initialize()
    yield _app


@pytest.fixture
def provider(qgis_app):
    """The greenshield provider, registered as the plugin's initProcessing does (once, kept)."""
    from green_shield.processing.provider import GreenShieldProvider

    registry = QgsApplication.processingRegistry()
    existing = registry.providerById("greenshield")
    if existing is None:
        existing = GreenShieldProvider()
        assert registry.addProvider(existing)
        _keep.append(existing)  # Python must hold the provider, as the plugin does
    yield existing


@pytest.fixture
def project(qgis_app):
    project = QgsProject.instance()
    project.clear()
    yield project
    project.clear()


class StubIface:
    """The parts of QgisInterface the plugin uses, on a real QMainWindow."""

    def __init__(self) -> None:
        self.window = QMainWindow()
        self.window.menuBar()
        self.canvas = None

    def mainWindow(self):  # noqa: N802
        return self.window

    def addToolBar(self, name):  # noqa: N802
        return self.window.addToolBar(name)

    def mapCanvas(self):  # noqa: N802
        from qgis.gui import QgsMapCanvas

        if self.canvas is None:
            self.canvas = QgsMapCanvas(self.window)
        return self.canvas

    def addDockWidget(self, area, dock):  # noqa: N802
        self.window.addDockWidget(area, dock)

    def removeDockWidget(self, dock):  # noqa: N802
        self.window.removeDockWidget(dock)


@pytest.fixture
def iface(qgis_app):
    stub = StubIface()
    yield stub
    stub.window.deleteLater()
