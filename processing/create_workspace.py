"""greenshield:createworkspace — a new, empty enforcement workspace: a GeoPackage, or a PostGIS schema
shared by a team (POSTGIS: ``PG:service=NAME schema=SCHEMA``, core.postgis)."""

from __future__ import annotations

import shlex

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterCrs,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterString,
    QgsSettings,
)

from ..core import postgis as pgw
from ..core.errors import GreenShieldError
from ..core.workspace import create_workspace
from ..i18n import error_text, tr
from ..layers.workspace import store_default_styles
from .base import GreenShieldAlgorithm, load_workspace_on_completion

CONNECTIONS_KEY = "PostgreSQL/connections"


def connection_reference(text: str) -> str:
    """``PG:connection=NAME schema=SCHEMA`` (NAME a QGIS saved PostgreSQL connection) → the same reference
    with the connection's service, or host/port/dbname/user; any other reference is returned as it is.

    The saved password is never taken. A connection that uses an authentication configuration cannot be used
    by the workspace's database code (psycopg2): the user is asked for a pg_service entry instead."""
    text = (text or "").strip()
    body = text[len(pgw.PREFIX):] if text.startswith(pgw.PREFIX) else text
    try:
        tokens = shlex.split(body)
    except ValueError:
        return text  # core.postgis.parse explains
    names = [t.partition("=")[2] for t in tokens if t.partition("=")[0].strip().lower() == "connection"]
    if not names:
        return text
    name = names[0]
    settings = QgsSettings()
    base = f"{CONNECTIONS_KEY}/{name}"
    if name not in _saved_connections(settings):
        raise QgsProcessingException(
            tr("There is no saved PostgreSQL connection named {name} in QGIS.").format(name=name))
    value = lambda key: str(settings.value(f"{base}/{key}", "") or "")  # noqa: E731
    keys = []
    if value("authcfg"):  # resolved through QGIS's authentication manager at connect time (layers.pg_auth)
        keys.append(("authcfg", value("authcfg")))
    if value("service"):
        keys.append(("service", value("service")))
    for key, setting in (("host", "host"), ("port", "port"), ("dbname", "database")):
        if value(setting):
            keys.append((key, value(setting)))
    if value("username") and value("saveUsername").lower() != "false" and not value("authcfg"):
        keys.append(("user", value("username")))
    sslmode = value("sslmode")
    if sslmode in ("disable", "allow", "require", "verify-ca", "verify-full"):
        keys.append(("sslmode", sslmode))
    if not keys:
        raise QgsProcessingException(
            tr("The QGIS connection {name} has neither a service nor a host.").format(name=name))
    rest = [t for t in tokens if t.partition("=")[0].strip().lower() != "connection"]
    return pgw.PREFIX + " ".join([f"{k}={shlex.quote(v)}" for k, v in keys] + [shlex.quote(t) for t in rest])


def _saved_connections(settings: QgsSettings) -> list[str]:
    settings.beginGroup(CONNECTIONS_KEY)
    try:
        return settings.childGroups()
    finally:
        settings.endGroup()


class CreateWorkspaceAlgorithm(GreenShieldAlgorithm):
    NAME = "createworkspace"
    ICON = "workspace"
    OUTPUT = "OUTPUT"
    CRS = "CRS"
    OVERWRITE = "OVERWRITE"
    POSTGIS = "POSTGIS"
    WORKSPACE = "WORKSPACE"

    def displayName(self) -> str:  # noqa: N802
        return tr("Create workspace")

    def description(self) -> str:
        return tr(
            "Creates a GeoPackage workspace holding every enforcement layer (red lines, nature reserves, "
            "drinking-water source zones, intakes, sewage outfalls, contaminated plots, projects and base "
            "layers) with Chinese forms and styles, and adds it to the project as a layer group."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add(
            QgsProcessingParameterCrs(self.CRS, tr("Workspace CRS"), "EPSG:4490", optional=True),
            tr("Coordinate reference system of every layer; CGCS2000 (EPSG:4490) by default."),
        )
        self.add(
            QgsProcessingParameterBoolean(self.OVERWRITE, tr("Replace an existing file"), False),
            tr("If the file exists it is replaced; otherwise the algorithm refuses to touch it."),
        )
        self.add(
            QgsProcessingParameterFileDestination(
                self.OUTPUT, tr("Workspace file"), tr("GeoPackage (*.gpkg)"), optional=True
            ),
            tr("The GeoPackage file to create."),
        )
        self.add(
            QgsProcessingParameterString(
                self.POSTGIS, tr("PostGIS workspace (PG:service=… schema=…)"), optional=True
            ),
            tr(
                "Create the workspace as a schema of a PostgreSQL/PostGIS database shared by a team, instead of "
                "the workspace file: PG:service=NAME schema=SCHEMA (a pg_service.conf entry, the password in "
                "~/.pgpass), PG:host=… port=… dbname=… user=… schema=…, or PG:connection=NAME schema=SCHEMA "
                "for a saved QGIS PostgreSQL connection. Never a password. Every change is recorded in the "
                "history and the roles SCHEMA_viewer and SCHEMA_editor are made; with “Replace an existing "
                "file” an existing schema is replaced, its data and history dropped."
            ),
        )
        self.addOutput(QgsProcessingOutputNumber("LAYERS", tr("Number of layers")))
        self.addOutput(QgsProcessingOutputString(self.WORKSPACE, tr("Workspace")))

    def checkParameterValues(self, parameters, context):  # noqa: N802
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        text = self._postgis_text(parameters, context)
        if text:
            try:
                pgw.parse(connection_reference(text))
            except GreenShieldError as exc:
                return False, error_text(exc)
            except QgsProcessingException as exc:
                return False, str(exc)
        elif not self._output_given(parameters):
            return False, tr("Choose the workspace file, or give a PostGIS workspace.")
        return True, ""

    def _postgis_text(self, parameters, context) -> str:
        return (self.parameterAsString(parameters, self.POSTGIS, context) or "").strip()

    def _output_given(self, parameters) -> bool:
        value = parameters.get(self.OUTPUT)
        return value is not None and str(value).strip() != ""

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        crs = self.parameterAsCrs(parameters, self.CRS, context)
        crs_id = (crs.authid() or crs.toWkt()) if crs.isValid() else "EPSG:4490"
        overwrite = self.parameterAsBoolean(parameters, self.OVERWRITE, context)
        text = self._postgis_text(parameters, context)
        if text:
            return self._create_postgis(text, parameters, crs_id, overwrite, context, feedback)
        path = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        if not path:
            raise QgsProcessingException(tr("Choose the workspace file, or give a PostGIS workspace."))
        try:
            info = create_workspace(path, crs_id, overwrite=overwrite)
        except GreenShieldError as exc:
            raise self.fail(exc) from exc
        feedback.setProgress(60)
        store_default_styles(path)
        feedback.pushInfo(tr("Workspace created: {path} ({crs}, {n} layers)").format(
            path=path, crs=info.crs, n=len(info.layers)))
        load_workspace_on_completion(path, context)
        feedback.setProgress(100)
        return {self.OUTPUT: path, "LAYERS": len(info.layers), self.WORKSPACE: path}

    def _create_postgis(self, text, parameters, crs_id, overwrite, context, feedback) -> dict:
        output = parameters.get(self.OUTPUT)
        if self._output_given(parameters) and str(output) != QgsProcessing.TEMPORARY_OUTPUT:
            feedback.pushWarning(tr("The workspace is created in PostGIS; the workspace file is not written."))
        try:
            ws = pgw.parse(connection_reference(text))
            info = pgw.init_workspace(ws, crs_id, overwrite=overwrite)
        except GreenShieldError as exc:
            raise self.fail(exc) from exc
        except Exception as exc:  # a database refusal core does not translate (e.g. no right to create roles)
            if type(exc).__module__.split(".")[0] != "psycopg2":
                raise
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise QgsProcessingException(
                tr("The database refused to create the PostGIS workspace {ref}: {reason}").format(
                    ref=ws, reason=first)) from None
        ref = str(ws)
        feedback.setProgress(60)
        feedback.pushInfo(tr("PostGIS workspace created: {ref} ({crs}, {n} layers; roles {viewer} and {editor})")
                          .format(ref=ref, crs=info.crs, n=len(info.layers), viewer=ws.viewer_role,
                                  editor=ws.editor_role))
        load_workspace_on_completion(ref, context)
        feedback.setProgress(100)
        return {"LAYERS": len(info.layers), self.WORKSPACE: ref}
