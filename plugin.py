"""The QGIS plugin: a 绿盾 Green Shield menu and toolbar, and the `greenshield` Processing provider."""

from __future__ import annotations

import os

from qgis.core import QgsApplication, QgsProject
from qgis.PyQt.QtWidgets import QAction, QFileDialog, QMenu, QMessageBox

from .i18n import error_text, install_translator, remove_translators, tr
from .processing.base import icon

MENU_OBJECT_NAME = "GreenShieldMenu"
TOOLBAR_OBJECT_NAME = "GreenShieldToolbar"


class GreenShieldPlugin:
    def __init__(self, iface) -> None:
        self.iface = iface
        self.provider = None
        self.menu: QMenu | None = None
        self.toolbar = None
        self.actions: list[QAction] = []
        install_translator()

    # Processing ------------------------------------------------------------------------
    def initProcessing(self) -> None:  # noqa: N802 (QGIS calls it, also from qgis_process)
        from .processing.provider import GreenShieldProvider

        if self.provider is None:
            self.provider = GreenShieldProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    # GUI --------------------------------------------------------------------------------
    def initGui(self) -> None:  # noqa: N802
        self.initProcessing()
        main_window = self.iface.mainWindow()
        self.menu = QMenu("绿盾 Green Shield", main_window)
        self.menu.setObjectName(MENU_OBJECT_NAME)
        self.toolbar = self.iface.addToolBar("绿盾 Green Shield")
        self.toolbar.setObjectName(TOOLBAR_OBJECT_NAME)
        self._add_action("workspace", tr("New workspace…"), tr("Create an enforcement workspace GeoPackage"),
                         lambda: self._run_dialog("greenshield:createworkspace"))
        self._add_action("open_workspace", tr("Open workspace…"),
                         tr("Add an existing workspace's layers to the project, styled"), self.open_workspace)
        postgis_action = self._add_action(
            "open_postgis", tr("Open PostGIS workspace…"),
            tr("Add the layers of a shared PostGIS workspace (PG:service=… schema=…) to the project"),
            self.open_postgis_workspace, toolbar=False)
        postgis_action.setIcon(icon("workspace"))
        self._add_action("import", tr("Import into workspace…"),
                         tr("Import a file into a workspace layer with validation"),
                         lambda: self._run_dialog("greenshield:importlayer"))
        self._add_action("screen", tr("Screen projects…"),
                         tr("Screen construction projects against protected areas, with verdicts and a report"),
                         lambda: self._run_dialog("greenshield:screenprojects"))
        self._add_action("redline_diff", tr("Compare red-line versions…"),
                         tr("Compare two red-line versions: what moved, the balance, and changes that break the rules"),
                         lambda: self._run_dialog("greenshield:redlinediff"))
        from .processing.change_leads import ChangeLeadsAlgorithm

        leads_action = self._add_action(
            "change_leads", tr("Remote-sensing change leads…"),
            tr("Compare two land-cover images: new human activity in or near protected areas, with verdicts"),
            lambda: self._run_dialog("greenshield:changeleads"), toolbar=False)
        leads_action.setIcon(icon(ChangeLeadsAlgorithm.ICON))  # the algorithm's icon (screening until one is drawn)
        self.quick_check_dock = None
        self.quick_check_action = self._add_action(
            "quick_check", tr("Quick check…"),
            tr("Quick check: is a point, line, polygon or selected feature in a protected area?"),
            self.toggle_quick_check)
        self.quick_check_action.setCheckable(True)
        self.water_menu = self.menu.addMenu(icon("water_zones"), tr("Water sources and outfalls"))
        self.water_menu.menuAction().setObjectName("GreenShield_water")
        self._add_action("water_zones", tr("Generate default protection zones…"),
                         tr("Default water-source protection zones (HJ 338-2018) for sources without official ones"),
                         lambda: self._run_dialog("greenshield:generatewaterzones"), toolbar=False,
                         menu=self.water_menu)
        self._add_action("outfalls", tr("Check sewage outfalls…"),
                         tr("Outfalls in protected zones, upstream of intakes, along-river distances, next steps"),
                         lambda: self._run_dialog("greenshield:checkoutfalls"), toolbar=False, menu=self.water_menu)
        self.planning_menu = self.menu.addMenu(icon("routes"), tr("Inspection planning"))
        self.planning_menu.menuAction().setObjectName("GreenShield_inspection")
        for name, algorithm, text, tip in (
            ("cases", "buildcases", tr("Build inspection cases…"),
             tr("Open cases from screening results and the outfall and plot registers")),
            ("random_draw", "randomdraw", tr("Random draw (双随机)…"),
             tr("Draw targets and inspectors at random, reproducibly, with a printable record")),
            ("routes", "planroutes", tr("Plan inspection routes…"),
             tr("Split cases into team-days and order each day's stops")),
            ("field_export", "exportfieldpackage", tr("Export field package (QField)…"),
             tr("A GeoPackage and QGIS project per team for offline field work")),
            ("field_import", "importfieldresults", tr("Import field results…"),
             tr("Merge a returned field package into the case ledger; conflicts are kept, never overwritten")),
            ("inspection_sheets", "inspectionsheets", tr("Print inspection sheets…"),
             tr("A PDF per team-day: a map and a checklist for every stop")),
        ):
            self._add_action(name, text, tip, lambda _=False, a=algorithm: self._run_dialog(f"greenshield:{a}"),
                             toolbar=name in ("cases", "routes"), menu=self.planning_menu)
        self.menu.addSeparator()
        self._add_action("sample_district", tr("Build sample district…"),
                         tr("Build the fictional sample district for training"),
                         lambda: self._run_dialog("greenshield:sampledistrict"), toolbar=False)
        self._add_action("settings", tr("Settings…"), tr("Workspace, rulebook, area method, CRS and report defaults"),
                         self.show_settings, toolbar=False)
        menu_bar = main_window.menuBar()
        help_menu = next((a for a in menu_bar.actions() if a.menu() and a.menu().objectName() == "mHelpMenu"), None)
        if help_menu is not None:
            menu_bar.insertMenu(help_menu, self.menu)
        else:
            menu_bar.addMenu(self.menu)

    def _add_action(self, icon_name: str, text: str, tip: str, slot, toolbar: bool = True,
                    menu: QMenu | None = None) -> QAction:
        action = QAction(icon(icon_name), text, self.iface.mainWindow())
        action.setObjectName(f"GreenShield_{icon_name}")
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(slot)
        (menu or self.menu).addAction(action)
        if toolbar:
            self.toolbar.addAction(action)
        self.actions.append(action)
        return action

    def unload(self) -> None:
        if getattr(self, "quick_check_dock", None) is not None:
            self.quick_check_dock.close()
            self.iface.removeDockWidget(self.quick_check_dock)
            self.quick_check_dock.deleteLater()
            self.quick_check_dock = None
        for action in self.actions:
            if self.toolbar is not None:
                self.toolbar.removeAction(action)
            action.deleteLater()
        self.actions = []
        if self.menu is not None:
            self.menu.menuAction().setVisible(False)
            self.iface.mainWindow().menuBar().removeAction(self.menu.menuAction())
            self.menu.deleteLater()
            self.menu = None
        if self.toolbar is not None:
            self.iface.mainWindow().removeToolBar(self.toolbar)
            self.toolbar.deleteLater()
            self.toolbar = None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        remove_translators()

    # Actions ------------------------------------------------------------------------------
    def _run_dialog(self, algorithm_id: str) -> None:
        import processing

        processing.execAlgorithmDialog(algorithm_id, {})
        self._reload_workspace_layers()

    def _reload_workspace_layers(self) -> None:
        """After an import, show the new features in layers already on the map."""
        for layer in QgsProject.instance().mapLayers().values():
            if layer.customProperty("green_shield/workspace"):
                layer.dataProvider().reloadData()
                layer.triggerRepaint()

    def toggle_quick_check(self, checked: bool) -> None:
        """Show or hide the quick-check dock; it is created on first use."""
        from qgis.PyQt.QtCore import Qt

        from .ui.quick_check_dock import QuickCheckDock

        if self.quick_check_dock is None:
            self.quick_check_dock = QuickCheckDock(self.iface.mapCanvas(), self.iface.mainWindow())
            self.quick_check_dock.visibilityChanged.connect(self.quick_check_action.setChecked)
            self.iface.addDockWidget(Qt.RightDockWidgetArea, self.quick_check_dock)
        self.quick_check_dock.setVisible(checked)

    def open_workspace(self) -> None:
        from .core.errors import GreenShieldError
        from .core.workspace import open_workspace
        from .layers.workspace import add_workspace_to_project

        path, _ = QFileDialog.getOpenFileName(
            self.iface.mainWindow(), tr("Open workspace"), os.path.expanduser("~"), tr("GeoPackage (*.gpkg)")
        )
        if not path:
            return
        try:
            open_workspace(path)
            add_workspace_to_project(path, QgsProject.instance())
        except GreenShieldError as exc:
            QMessageBox.warning(self.iface.mainWindow(), tr("Open workspace"), error_text(exc))

    def open_postgis_workspace(self) -> None:
        """Ask for a PostGIS reference (no password: pg_service or a QGIS authentication configuration), add
        its layers; a user who may only view gets read-only layers and is told so."""
        from qgis.core import Qgis
        from qgis.PyQt.QtWidgets import QInputDialog

        from .core.errors import GreenShieldError
        from .core.workspace import open_workspace
        from .layers.workspace import add_workspace_to_project, readonly_message
        from .ui.settings import GreenShieldSettings

        settings = GreenShieldSettings()
        last = settings.workspace() if settings.workspace().startswith("PG:") else "PG:service= schema="
        ref, ok = QInputDialog.getText(
            self.iface.mainWindow(), tr("Open PostGIS workspace"),
            tr("PostGIS workspace, e.g. PG:service=district schema=qingxi (no password: use a pg_service "
               "entry with ~/.pgpass, or authcfg=ID for a QGIS authentication configuration)"), text=last)
        if not ok or not ref.strip():
            return
        ref = ref.strip()
        if not ref.startswith("PG:"):
            ref = "PG:" + ref
        try:
            open_workspace(ref)
            add_workspace_to_project(ref, QgsProject.instance())
        except GreenShieldError as exc:
            QMessageBox.warning(self.iface.mainWindow(), tr("Open PostGIS workspace"), error_text(exc))
            return
        settings.set_workspace(ref)  # the quick check and the other tools use it from now on
        message = readonly_message(ref)
        if message:
            self.iface.messageBar().pushMessage(tr("Open PostGIS workspace"), message, Qgis.Warning, 0)

    def show_settings(self) -> None:
        from .ui.settings import SettingsDialog

        SettingsDialog(parent=self.iface.mainWindow()).exec_()
