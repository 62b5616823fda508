"""Translation for the QGIS side: tr() and the Chinese translator.

Source strings are English; i18n/green_shield_zh.ts holds the Chinese, built to .qm by make.
Chinese domain labels (layer titles, code lists) are data in core.schema, not translations.
"""

import os

from qgis.core import QgsApplication, QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLocale, QTranslator

CONTEXT = "GreenShield"
_translators: list = []


def tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


def user_locale() -> str:
    """The QGIS interface locale, e.g. 'zh-Hans' or 'en_US'."""
    settings = QgsSettings()
    if settings.value("locale/overrideFlag", False, type=bool):
        return settings.value("locale/userLocale", "") or QLocale().name()
    return QgsApplication.locale() or QLocale().name()


def is_chinese() -> bool:
    return user_locale().lower().startswith("zh")


def qm_path(language: str = "zh") -> str:
    return os.path.join(os.path.dirname(__file__), f"green_shield_{language}.qm")


def install_translator() -> bool:
    """Load the Chinese translation when QGIS runs in Chinese; idempotent."""
    if _translators or not is_chinese():
        return bool(_translators)
    return load_translation("zh")


def load_translation(language: str) -> bool:
    translator = QTranslator()
    if not translator.load(qm_path(language)):
        return False
    QCoreApplication.installTranslator(translator)
    _translators.append(translator)
    return True


def remove_translators() -> None:
    while _translators:
        QCoreApplication.removeTranslator(_translators.pop())


def error_text(exc) -> str:
    """The user-facing text of a core GreenShieldError in the interface language."""
    return getattr(exc, "message_zh", str(exc)) if is_chinese() else str(exc)
