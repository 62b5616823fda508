"""The plugin follows the QGIS interface locale: Chinese for zh, zh-Hans, zh_CN and zh-CN,
English otherwise, for the menu, algorithm names and algorithm help alike."""

import re

import pytest
from qgis.core import QgsApplication, QgsSettings

CJK = re.compile(r"[\u4e00-\u9fff]")
LOCALE_KEYS = ("locale/overrideFlag", "locale/userLocale")


@pytest.fixture
def locale(qgis_app):
    """Set the QGIS interface locale as the Options dialog does; restore it afterwards."""
    from green_shield.i18n import remove_translators

    settings = QgsSettings()
    saved = {key: settings.value(key) for key in LOCALE_KEYS}

    def switch(name: str) -> None:
        remove_translators()
        settings.setValue("locale/overrideFlag", True)
        settings.setValue("locale/userLocale", name)

    yield switch
    remove_translators()
    for key, value in saved.items():
        if value is None:
            settings.remove(key)
        else:
            settings.setValue(key, value)


def _load_plugin(iface):
    """Load the plugin as QGIS does at start-up: translator first, then menus and provider."""
    from green_shield import classFactory

    registry = QgsApplication.processingRegistry()
    if registry.providerById("greenshield") is not None:
        registry.removeProvider("greenshield")
    plugin = classFactory(iface)
    plugin.initGui()
    return plugin


def _menu_texts(plugin):
    texts = [a.text() for a in plugin.menu.actions() if not a.isSeparator()]
    for submenu in (plugin.water_menu, plugin.planning_menu):
        texts += [a.text() for a in submenu.actions()]
    return texts


def _help_pieces(algorithm):
    """What shortHelpString is built from: the description and every parameter's label and help."""
    pieces = {"displayName": algorithm.displayName(), "description": algorithm.description()}
    for p in algorithm.parameterDefinitions():
        pieces[f"{p.name()} label"] = p.description()
        pieces[f"{p.name()} help"] = p.help()
    return pieces


@pytest.mark.parametrize("name", ["zh", "zh-Hans", "zh_CN", "zh-CN"])
def test_chinese_locales_translate_menu_names_and_help(iface, locale, name):
    from green_shield.i18n import is_chinese, tr

    locale(name)
    assert is_chinese()
    plugin = _load_plugin(iface)
    try:
        assert tr("New workspace…") == "新建工作空间…"
        texts = _menu_texts(plugin)
        assert texts[0] == "新建工作空间…" and "设置…" in texts
        assert [t for t in texts if not CJK.search(t)] == []

        registry = QgsApplication.processingRegistry()
        importer = registry.algorithmById("greenshield:importlayer")
        assert importer.displayName() == "导入到工作空间"
        help_html = importer.shortHelpString()
        assert importer.description() in help_html and CJK.search(importer.description())
        target = importer.parameterDefinition("TARGET")
        assert f"<b>目标图层</b>: {target.help()}" in help_html and CJK.search(target.help())

        untranslated = {
            f"{algorithm.id()} {what}": text
            for algorithm in registry.providerById("greenshield").algorithms()
            for what, text in _help_pieces(algorithm).items()
            if text and not CJK.search(text)
        }
        assert untranslated == {}
    finally:
        plugin.unload()


def test_english_locale_keeps_english(iface, locale):
    from green_shield.i18n import is_chinese, tr

    locale("en_US")
    assert not is_chinese()
    plugin = _load_plugin(iface)
    try:
        assert tr("New workspace…") == "New workspace…"
        texts = _menu_texts(plugin)
        assert texts[0] == "New workspace…" and "Settings…" in texts
        assert [t for t in texts if not re.search("[A-Za-z]", t)] == []
        importer = QgsApplication.processingRegistry().algorithmById("greenshield:importlayer")
        assert importer.displayName() == "Import into workspace"
        help_html = importer.shortHelpString()
        assert not CJK.search(importer.description()) and importer.description() in help_html
        assert "<b>Target layer</b>" in help_html
    finally:
        plugin.unload()


def test_switching_back_and_forth(iface, locale):
    from green_shield.i18n import install_translator, tr

    for name, expected in (("zh_CN", "新建工作空间…"), ("en_US", "New workspace…"), ("zh-Hans", "新建工作空间…")):
        locale(name)
        install_translator()
        assert tr("New workspace…") == expected, name
