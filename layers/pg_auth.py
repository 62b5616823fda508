"""QGIS's authentication database as the source of PostGIS credentials (`authcfg=ID` in a reference).

core.postgis cannot read QGIS's encrypted store; inside QGIS (the plugin, Processing, qgis_process) this
resolver hands it the user name and password of a configuration at connect time, in memory only — they
never enter a reference, a project file, a log or an output.
"""

from __future__ import annotations


def _resolve(authcfg: str):
    from qgis.core import QgsApplication, QgsAuthMethodConfig

    manager = QgsApplication.authManager()
    if manager is None or authcfg not in manager.configIds():
        return None
    config = QgsAuthMethodConfig()
    if not manager.loadAuthenticationConfig(authcfg, config, True):
        return None
    return config.config("username") or None, config.config("password") or None


def register() -> None:
    """Let core.postgis resolve authcfg=ID through QGIS's authentication manager."""
    from ..core import postgis

    postgis.set_auth_resolver(_resolve)
