"""Fixtures for all tests. No QGIS here: tests/qgis/conftest.py sets QGIS up for its own tests."""

import os

import pytest


@pytest.fixture(scope="session")
def pg():
    """A PostgreSQL + PostGIS server for the session (tests/pg_server.py), started on first use.

    PGSERVICEFILE points at its service file, so ``service=gs_test`` (psycopg2, GDAL's
    ``PG:service=gs_test``, QGIS's ``service='gs_test'``) reaches the test database. Missing
    PostgreSQL/PostGIS is an error (``make deps``), never a skip.
    """
    import pg_server

    server = pg_server.start()
    previous = os.environ.get("PGSERVICEFILE")
    try:
        os.environ["PGSERVICEFILE"] = str(server.service_file)
        yield server
    finally:
        if previous is None:
            os.environ.pop("PGSERVICEFILE", None)
        else:
            os.environ["PGSERVICEFILE"] = previous
        server.stop()
