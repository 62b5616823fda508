"""The plugin in a real (offscreen) QGIS: load, menus, toolbar, provider, unload."""

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QCoreApplication, QEvent, Qt
from qgis.PyQt.QtWidgets import QAction, QDockWidget, QMenu, QToolBar

EXPECTED_ALGORITHMS = {"greenshield:createworkspace", "greenshield:importlayer", "greenshield:sampledistrict",
                       "greenshield:screenprojects", "greenshield:redlinediff", "greenshield:buildcases",
                       "greenshield:randomdraw", "greenshield:planroutes", "greenshield:exportfieldpackage",
                       "greenshield:importfieldresults", "greenshield:inspectionsheets",
                       "greenshield:generatewaterzones", "greenshield:checkoutfalls", "greenshield:changeleads"}


def _flush_deletes():
    QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)


def _our_actions(window):
    return [a for a in window.findChildren(QAction) if a.objectName().startswith("GreenShield_")]


def test_load_and_unload_twice_leaves_nothing(iface, qgis_app):
    from green_shield import classFactory

    registry = QgsApplication.processingRegistry()
    if registry.providerById("greenshield") is not None:
        registry.removeProvider("greenshield")
    window = iface.mainWindow()
    for _ in range(2):
        plugin = classFactory(iface)
        plugin.initGui()
        menus = [a.menu() for a in window.menuBar().actions() if a.menu()]
        ours = [m for m in menus if m.objectName() == "GreenShieldMenu"]
        assert len(ours) == 1 and ours[0].title() == "绿盾 Green Shield"
        assert [a.objectName() for a in ours[0].actions() if not a.isSeparator()] == [
            "GreenShield_workspace", "GreenShield_open_workspace", "GreenShield_open_postgis", "GreenShield_import",
            "GreenShield_screen", "GreenShield_redline_diff", "GreenShield_change_leads", "GreenShield_quick_check",
            "GreenShield_water", "GreenShield_inspection", "GreenShield_sample_district", "GreenShield_settings"]
        water = next(a.menu() for a in ours[0].actions() if a.objectName() == "GreenShield_water")
        assert [a.objectName() for a in water.actions()] == ["GreenShield_water_zones", "GreenShield_outfalls"]
        planning = next(a.menu() for a in ours[0].actions() if a.objectName() == "GreenShield_inspection")
        assert [a.objectName() for a in planning.actions()] == [
            "GreenShield_cases", "GreenShield_random_draw", "GreenShield_routes", "GreenShield_field_export",
            "GreenShield_field_import", "GreenShield_inspection_sheets"]
        toolbars = window.findChildren(QToolBar, "GreenShieldToolbar")
        assert len(toolbars) == 1 and len(toolbars[0].actions()) == 8
        provider = registry.providerById("greenshield")
        assert provider is not None
        assert {a.id() for a in provider.algorithms()} == EXPECTED_ALGORITHMS
        assert all(not a.icon().isNull() for a in _our_actions(window))

        quick_check = next(a for a in _our_actions(window) if a.objectName() == "GreenShield_quick_check")
        assert quick_check.isCheckable()
        quick_check.trigger()
        docks = window.findChildren(QDockWidget, "GreenShieldQuickCheck")
        assert len(docks) == 1 and window.dockWidgetArea(docks[0]) == Qt.RightDockWidgetArea

        plugin.unload()
        _flush_deletes()
        assert window.findChildren(QDockWidget, "GreenShieldQuickCheck") == []
        assert registry.providerById("greenshield") is None
        assert window.findChildren(QToolBar, "GreenShieldToolbar") == []
        assert window.findChildren(QMenu, "GreenShieldMenu") == []
        assert _our_actions(window) == []
        assert not any(a.menu() and a.menu().objectName() == "GreenShieldMenu" for a in window.menuBar().actions())


def test_init_processing_alone_registers_provider(qgis_app):
    """qgis_process calls initProcessing() without initGui()."""
    from green_shield.plugin import GreenShieldPlugin

    registry = QgsApplication.processingRegistry()
    if registry.providerById("greenshield") is not None:
        registry.removeProvider("greenshield")
    plugin = GreenShieldPlugin(iface=None)
    plugin.initProcessing()
    assert registry.providerById("greenshield") is not None
    plugin.unload()
    assert registry.providerById("greenshield") is None


def test_every_algorithm_documents_every_parameter(provider):
    for algorithm in provider.algorithms():
        help_text = algorithm.shortHelpString()
        for parameter in algorithm.parameterDefinitions():
            assert parameter.help(), f"{algorithm.id()} {parameter.name()} has no help"
            assert parameter.description() in help_text
        assert not algorithm.icon().isNull()
