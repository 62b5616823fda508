"""The settings dialog with real widgets (offscreen): defaults, persistence, refusal of bad input.

Every test writes to its own QgsSettings organisation, cleared afterwards, so nothing leaks
into the user's QGIS settings or into other tests.
"""

import os

import pytest
from qgis.core import QgsApplication, QgsCoordinateReferenceSystem, QgsSettings


@pytest.fixture
def scope(tmp_path):
    return "GreenShieldTests", f"settings-{os.getpid()}-{tmp_path.name}"


@pytest.fixture
def scoped_settings(qgis_app, scope):
    settings = QgsSettings(*scope)
    settings.clear()
    yield settings
    settings.clear()
    settings.sync()
    if os.path.exists(settings.fileName()):
        os.remove(settings.fileName())


@pytest.fixture
def warnings(monkeypatch):
    """Record the message boxes instead of showing them (a modal box would block the test)."""
    from green_shield.ui import settings as settings_module

    shown = []
    monkeypatch.setattr(settings_module.QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    return shown


@pytest.fixture
def workspace(tmp_path):
    from green_shield.core.workspace import create_workspace

    path = str(tmp_path / "ws.gpkg")
    create_workspace(path)
    return path


def _dialog(scoped_settings):
    from green_shield.ui.settings import GreenShieldSettings, SettingsDialog

    return SettingsDialog(GreenShieldSettings(scoped_settings))


def test_defaults(scoped_settings):
    from green_shield.ui.settings import GreenShieldSettings

    s = GreenShieldSettings(scoped_settings)
    assert (s.workspace(), s.rulebook(), s.area_method(), s.default_crs(), s.coordinate_system(),
            s.report_author(), s.report_unit()) == ("", "", "planar", "EPSG:4490", "wgs84", "", "")
    dialog = _dialog(scoped_settings)
    assert dialog.workspace.filePath() == "" and dialog.rulebook.filePath() == ""
    assert dialog.area_method.currentData() == "planar"
    assert dialog.crs.crs().authid() == "EPSG:4490"
    assert dialog.coordinates.currentData() == "wgs84"
    assert dialog.author.text() == "" and dialog.unit.text() == ""


def test_unknown_stored_choice_falls_back_and_bad_choice_is_refused(scoped_settings):
    from green_shield.ui.settings import GreenShieldSettings

    scoped_settings.setValue("green_shield/area_method", "guess")
    s = GreenShieldSettings(scoped_settings)
    assert s.area_method() == "planar"
    with pytest.raises(ValueError):
        s.set_coordinate_system("utm")


def test_values_set_in_the_dialog_persist(scoped_settings, scope, workspace, warnings):
    from qgis.PyQt.QtWidgets import QDialog

    from green_shield.core.rules import DEFAULT_RULEBOOK

    dialog = _dialog(scoped_settings)
    dialog.workspace.setFilePath(workspace)
    dialog.rulebook.setFilePath(DEFAULT_RULEBOOK)
    dialog.area_method.setCurrentIndex(dialog.area_method.findData("ellipsoidal"))
    dialog.crs.setCrs(QgsCoordinateReferenceSystem("EPSG:4549"))
    dialog.coordinates.setCurrentIndex(dialog.coordinates.findData("gcj02"))
    dialog.author.setText("张三")
    dialog.unit.setText("某市生态环境局")
    dialog.accept()
    assert warnings == [] and dialog.result() == QDialog.Accepted

    scoped_settings.sync()
    reread = QgsSettings(*scope)
    assert reread.value("green_shield/workspace") == workspace
    reopened = _dialog(reread)
    assert reopened.workspace.filePath() == workspace
    assert reopened.rulebook.filePath() == DEFAULT_RULEBOOK
    assert reopened.area_method.currentData() == "ellipsoidal"
    assert reopened.crs.crs().authid() == "EPSG:4549"
    assert reopened.coordinates.currentData() == "gcj02"
    assert (reopened.author.text(), reopened.unit.text()) == ("张三", "某市生态环境局")


def test_a_file_that_is_not_a_workspace_is_refused_and_nothing_saved(scoped_settings, tmp_path, warnings):
    from qgis.PyQt.QtWidgets import QDialog

    not_a_workspace = tmp_path / "notes.gpkg"
    not_a_workspace.write_text("not a GeoPackage")
    dialog = _dialog(scoped_settings)
    dialog.workspace.setFilePath(str(not_a_workspace))
    dialog.author.setText("李四")
    dialog.accept()
    assert dialog.result() != QDialog.Accepted
    assert len(warnings) == 1 and warnings[0] == dialog.last_error
    assert warnings[0].startswith("The workspace is not a Green Shield workspace:")
    assert str(not_a_workspace) in warnings[0]
    assert scoped_settings.value("green_shield/workspace") is None
    assert scoped_settings.value("green_shield/report_author") is None


def test_a_broken_rulebook_is_refused(scoped_settings, tmp_path, warnings):
    rulebook = tmp_path / "rules.yaml"
    rulebook.write_text("name: x\nversion: 1\n", encoding="utf-8")
    dialog = _dialog(scoped_settings)
    dialog.rulebook.setFilePath(str(rulebook))
    dialog.accept()
    assert len(warnings) == 1 and warnings[0].startswith("The rulebook cannot be loaded:")
    assert scoped_settings.value("green_shield/rulebook") is None


def test_cancel_saves_nothing(scoped_settings):
    dialog = _dialog(scoped_settings)
    dialog.author.setText("王五")
    dialog.reject()
    assert scoped_settings.value("green_shield/report_author") is None


def test_menu_action_opens_the_dialog(iface, qgis_app, monkeypatch):
    from green_shield import classFactory
    from green_shield.ui import settings as settings_module

    opened = []
    monkeypatch.setattr(settings_module.SettingsDialog, "exec_", lambda self: opened.append(self) or 0)
    registry = QgsApplication.processingRegistry()
    if registry.providerById("greenshield") is not None:  # the plugin registers its own, as in QGIS
        registry.removeProvider("greenshield")
    plugin = classFactory(iface)
    plugin.initGui()
    try:
        action = next(a for a in plugin.actions if a.objectName() == "GreenShield_settings")
        assert not action.icon().isNull()
        assert action not in plugin.toolbar.actions()
        action.trigger()
        assert len(opened) == 1 and opened[0].parent() is iface.mainWindow()
    finally:
        plugin.unload()


def test_settings_feed_the_import_default_and_the_check_report(qgis_app, tmp_path):
    """What 设置 holds is used: the import's coordinate default and the signature of the one-pager."""
    from qgis.core import QgsSettings

    from green_shield.core.quick_check import QuickChecker, write_check_report
    from green_shield.core.sample_district import build_sample_district
    from green_shield.processing.import_layer import ImportLayerAlgorithm
    from green_shield.ui.settings import GreenShieldSettings

    global_settings = QgsSettings()
    before = {k: global_settings.value(f"green_shield/{k}") for k in ("coordinate_system", "report_author",
                                                                      "report_unit")}
    try:
        settings = GreenShieldSettings()
        settings.set_coordinate_system("gcj02")
        algorithm = ImportLayerAlgorithm()
        algorithm.initAlgorithm()
        assert algorithm.parameterDefinition("COORDINATES").defaultValue() == 1
        ws = str(tmp_path / "d.gpkg")
        build_sample_district(ws)
        result = QuickChecker.from_workspace(ws).check(__import__("shapely").Point(106.2, 29.0))
        html = open(write_check_report(result, str(tmp_path / "c.html"), author="张三", unit="青溪区生态环境局"),
                    encoding="utf-8").read()
        assert "研判单位 青溪区生态环境局" in html and "研判人 张三" in html
    finally:
        for key, value in before.items():
            if value is None:
                global_settings.remove(f"green_shield/{key}")
            else:
                global_settings.setValue(f"green_shield/{key}", value)
