"""The interface in Chinese: the built .qm translates menus and algorithm texts."""

from qgis.core import QgsApplication


def test_chinese_translation_applies_to_menu_and_algorithms(iface, qgis_app):
    from green_shield import classFactory
    from green_shield.i18n import load_translation, remove_translators, tr

    assert load_translation("zh"), "i18n/green_shield_zh.qm missing: run make i18n"
    try:
        assert tr("New workspace…") == "新建工作空间…"
        registry = QgsApplication.processingRegistry()
        if registry.providerById("greenshield") is not None:
            registry.removeProvider("greenshield")
        plugin = classFactory(iface)
        plugin.initGui()
        texts = [a.text() for a in plugin.menu.actions() if not a.isSeparator()]
        assert texts == ["新建工作空间…", "打开工作空间…", "打开 PostGIS 工作空间…", "导入到工作空间…", "审查建设项目…",
                         "比对红线版本…",
                         "遥感变化线索…", "选址快速研判…", "水源地与排污口", "检查计划", "生成示例区县…", "设置…"]
        assert [a.text() for a in plugin.planning_menu.actions()] == [
            "生成检查案件…", "双随机抽查…", "规划检查路线…", "导出外业数据包（QField）…", "导入外业成果…",
            "打印现场检查单…"]
        algorithm = registry.algorithmById("greenshield:importlayer")
        assert algorithm.displayName() == "导入到工作空间"
        assert algorithm.parameterDefinition("TARGET").description() == "目标图层"
        plugin.unload()
    finally:
        remove_translators()
    assert tr("New workspace…") == "New workspace…"
