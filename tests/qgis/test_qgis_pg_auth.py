"""A PostGIS reference naming a QGIS authentication configuration (authcfg=ID): credentials from QGIS's
encrypted store at connect time, in memory only."""

from __future__ import annotations

import pytest
from qgis.core import QgsApplication, QgsAuthMethodConfig

from green_shield.core import postgis as pgw
from green_shield.core.workspace import open_workspace


@pytest.fixture
def auth_config(qgis_app):
    manager = QgsApplication.authManager()
    assert manager.setMasterPassword("gs-test-master", True)
    config = QgsAuthMethodConfig()
    config.setName("绿盾测试")
    config.setMethod("Basic")
    config.setConfig("username", "dora")
    config.setConfig("password", "secret-in-the-store")
    assert manager.storeAuthenticationConfig(config)
    yield config.id()
    manager.removeAuthenticationConfig(config.id())


def test_authcfg_reference_connects_through_qgis(provider, pg, auth_config, capsys):
    pg.create_login_role("dora")
    pgw.init_workspace("PG:service=gs_test schema=ws_qauth")
    pg.psql("GRANT ws_qauth_viewer TO dora")
    ref = f"PG:service=gs_test authcfg={auth_config} schema=ws_qauth"
    info = open_workspace(ref)  # the provider registered the resolver
    assert info.crs == "EPSG:4490" and "secret" not in info.path
    con = pgw.connect(ref)
    try:
        assert con.info.user == "dora"
    finally:
        con.close()
    assert not pgw.can_edit(ref)
    with pytest.raises(pgw.AuthConfigUnavailable):
        open_workspace("PG:service=gs_test authcfg=nosuch1 schema=ws_qauth")
    assert "secret-in-the-store" not in capsys.readouterr().out
