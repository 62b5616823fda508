"""QGIS side of the workspace: styled layers with Chinese forms, added to a project group.

Symbology comes from layers/styles/<key>.qml; aliases, value maps, widgets and not-null
constraints are set from core.schema so the forms can never drift from the data model.
The finished style is also saved into the GeoPackage (layer_styles) as the default, so the
workspace opens styled even when dragged into QGIS without the plugin.

A PostGIS workspace (``PG:service=NAME schema=SCHEMA``, core.postgis) opens through the
"postgres" provider with the same names, styles and forms; nothing is stored in the database.
Its revision columns are hidden, and ``gs_base_rev`` takes the revision the edit was based on,
so the database refuses an edit of a feature someone else changed meanwhile. A user who may
only view gets read-only layers and a message (`readonly_message`).
"""

from __future__ import annotations

import os
import sqlite3
import time

from qgis.core import (
    QgsDataSourceUri,
    QgsDefaultValue,
    QgsEditorWidgetSetup,
    QgsFieldConstraints,
    QgsLayerTreeGroup,
    QgsProcessingUtils,
    QgsProject,
    QgsVectorDataProvider,
    QgsVectorLayer,
    QgsWkbTypes,
)

from ..core import postgis as pgw
from ..core.schema import CODE_LISTS, LAYER_TYPES, LayerType

STYLE_DIR = os.path.join(os.path.dirname(__file__), "styles")
PROPERTY_TYPE = "green_shield/layer_type"
PROPERTY_WORKSPACE = "green_shield/workspace"
PROPERTY_RANK = "green_shield/rank"
PROPERTY_READONLY = "green_shield/readonly_message"  # set on the layers of a view-only PostGIS workspace

# Drawing order, top first; the project table is shown as three layers by geometry type.
LAYER_ORDER = (
    ("inspection_case", None, ""),
    ("change_lead", None, ""),
    ("project", "Point", "（点）"),
    ("project", "MultiLineString", "（线）"),
    ("project", "MultiPolygon", "（面）"),
    ("sewage_outfall", None, ""),
    ("water_intake", None, ""),
    ("monitoring_section", None, ""),
    ("supervised_entity", None, ""),
    ("contaminated_plot", None, ""),
    ("water_source_zone", None, ""),
    ("nature_reserve", None, ""),
    ("redline", None, ""),
    ("river", None, ""),
    ("water_body", None, ""),
    ("district", None, ""),
    ("case_history", None, ""),  # a table: no symbology, listed last
)
_PROJECT_STYLE = {"Point": "project_point", "MultiLineString": "project_line", "MultiPolygon": "project_polygon"}
DEFAULTS = {("sewage_outfall", "status"): "suspected", ("contaminated_plot", "list_status"): "suspected",
            ("inspection_case", "status"): "pending", ("inspection_case", "priority"): "medium",
            ("inspection_case", "source"): "complaint"}
_YEAR = "format_date(now(), 'yyyy')"
_NEXT_CASE_ID = (  # AJ<year><5-digit sequence>, as core.cases numbers cases
    f"'AJ' || {_YEAR} || lpad(to_string(coalesce(to_int(substr(aggregate(@layer, 'max', \"case_id\", "
    f"filter:=left(\"case_id\", 6) = 'AJ' || {_YEAR}), 7)), 0) + 1), 5, '0')"
)
# Expressions filled when a case is created or edited in QGIS: number, who edits and when
# (the ledger's triggers keep `rev` and the history whatever program edits).
DEFAULT_EXPRESSIONS = {
    ("inspection_case", "case_id"): (_NEXT_CASE_ID, False),
    ("inspection_case", "opened"): ("now()", False),
    ("inspection_case", "check_due"): (  # as core.cases.CHECK_DAYS: 15 / 30 / 60 days by priority
        "to_date(now() + to_interval(CASE WHEN \"priority\" = 'high' THEN '15 days' "
        "WHEN \"priority\" = 'low' THEN '60 days' ELSE '30 days' END))", False),
    ("inspection_case", "updated_by"): ("@user_full_name", True),
    ("inspection_case", "updated_at"): ("format_date(now(), 'yyyy-MM-ddTHH:mm:ss')", True),
    ("inspection_case", "rev"): ("1", False),
}
READ_ONLY = {("inspection_case", "rev"), ("inspection_case", "updated_at"), ("inspection_case", "case_id")}
MULTILINE = {"notes", "problem", "legal_basis", "finding", "status_note"}


def is_postgis(path) -> bool:
    """Is `path` a PostGIS workspace reference (``PG:… schema=…``) rather than a GeoPackage?"""
    return pgw.is_postgis(path)


def workspace_key(path) -> str:
    """How a workspace is named in the project (layer and group property): the absolute path of a
    GeoPackage, the reference of a PostGIS workspace as core.postgis writes it (never a password)."""
    return str(pgw.parse(path)) if is_postgis(path) else os.path.abspath(path)


def layer_uri(path: str, key: str, geometry_type: str | None = None) -> str:
    """An "ogr" provider URI of a workspace layer (a PostGIS workspace through GDAL's PG driver, the table
    named schema.table; for maps and reports drawn on the fly, never saved into a project)."""
    table = LAYER_TYPES[key].table
    if is_postgis(path):
        ws = pgw.parse(path)
        if ws.authcfg:  # credentials resolved in memory for this temporary layer
            path = ws.gdal()
        else:
            path, table = f"PG:{ws.conninfo}", f"{ws.schema}.{table}"
    uri = f"{path}|layername={table}"
    return f"{uri}|geometrytype={geometry_type}" if geometry_type else uri


def postgres_uri(ref, key: str, geometry_type: str | None = None) -> QgsDataSourceUri:
    """The "postgres" provider URI of a layer of a PostGIS workspace: the reference's connection
    (service, or host/port/dbname/user; an ``authcfg=ID`` becomes the authentication configuration),
    schema, table, ``geom`` and the key ``fid``; the project table's three layers filtered by geometry
    type. Never a password (core.postgis.parse refuses a reference holding one)."""
    ws = pgw.parse(ref)
    uri = QgsDataSourceUri(ws.conninfo)
    uri.setPassword("")
    lt = LAYER_TYPES[key]
    uri.setDataSource(ws.schema, lt.table, "" if lt.geometry == "none" else "geom", "", "fid")
    if geometry_type:
        uri.setWkbType(QgsWkbTypes.parseType(geometry_type))
    return uri


def _layer_list(path: str) -> list[tuple[str, str, str, str, str]]:
    """(provider, uri, layer name, layer type key, style name) for every layer, in drawing order."""
    postgis = is_postgis(path)
    specs = []
    for key, geometry_type, suffix in LAYER_ORDER:
        lt = LAYER_TYPES[key]
        style = _PROJECT_STYLE[geometry_type] if geometry_type else key
        if postgis:
            provider, uri = "postgres", postgres_uri(path, key, geometry_type).uri(False)
        else:
            provider, uri = "ogr", layer_uri(path, key, geometry_type)
        specs.append((provider, uri, lt.title_zh + suffix, key, style))
    return specs


def layer_specs(path: str) -> list[tuple[str, str, str, str]]:
    """(uri, layer name, layer type key, style name) for every layer, in drawing order.

    The URIs load with Processing (QgsProcessingUtils.mapLayerFromString): a GeoPackage layer
    as an "ogr" URI, a PostGIS layer as ``postgres://…`` (provider key and URI)."""
    specs = []
    for provider, uri, name, key, style in _layer_list(path):
        if provider != "ogr":
            uri = QgsProcessingUtils.encodeProviderKeyAndUri(provider, uri)
        specs.append((uri, name, key, style))
    return specs


def apply_form(layer: QgsVectorLayer, lt: LayerType) -> None:
    """Aliases, value maps, date and check-box widgets, not-null constraints from the schema."""
    fields = layer.fields()
    for fd in lt.fields:
        idx = fields.indexFromName(fd.name)
        if idx < 0:
            continue
        layer.setFieldAlias(idx, fd.alias_zh)
        if fd.codelist:
            items = CODE_LISTS[fd.codelist].items
            setup = QgsEditorWidgetSetup("ValueMap", {"map": [{item.zh: item.code} for item in items]})
        elif fd.type == "date":
            setup = QgsEditorWidgetSetup(
                "DateTime",
                {"display_format": "yyyy-MM-dd", "field_format": "yyyy-MM-dd", "calendar_popup": True,
                 "allow_null": True},
            )
        elif fd.type == "bool":
            setup = QgsEditorWidgetSetup("CheckBox", {"CheckedState": "", "UncheckedState": ""})
        else:
            setup = QgsEditorWidgetSetup("TextEdit", {"IsMultiline": fd.name in MULTILINE, "UseHtml": False})
        layer.setEditorWidgetSetup(idx, setup)
        if fd.required:
            layer.setFieldConstraint(
                idx, QgsFieldConstraints.Constraint.ConstraintNotNull,
                QgsFieldConstraints.ConstraintStrength.ConstraintStrengthHard,
            )
        default = DEFAULTS.get((lt.key, fd.name))
        if default is not None:
            layer.setDefaultValueDefinition(idx, QgsDefaultValue(f"'{default}'"))
        expression = DEFAULT_EXPRESSIONS.get((lt.key, fd.name))
        if expression is not None:
            layer.setDefaultValueDefinition(idx, QgsDefaultValue(*expression))
        if (lt.key, fd.name) in READ_ONLY:
            form = layer.editFormConfig()
            form.setReadOnly(idx, True)
            layer.setEditFormConfig(form)
    layer.setDisplayExpression(f'"{lt.fields[1].name}"' if len(lt.fields) > 1 else f'"{lt.fields[0].name}"')


def style_layer(layer: QgsVectorLayer, key: str, style: str | None = None) -> None:
    """Symbology from the .qml file, then the schema's form configuration."""
    qml = os.path.join(STYLE_DIR, f"{style or key}.qml")
    if os.path.exists(qml):
        message, ok = layer.loadNamedStyle(qml)
        if not ok:
            raise RuntimeError(f"cannot load style {qml}: {message}")
    apply_form(layer, LAYER_TYPES[key])
    apply_revision_fields(layer)
    layer.setCustomProperty(PROPERTY_TYPE, key)


# Filled when QGIS changes a feature (default value applied on update): the revision the edit was based
# on. The database refuses it when the feature has been changed since (core.postgis, SQLSTATE GS409);
# new features (negative ids until saved) carry none.
BASE_REV_EXPRESSION = f'if($id > 0, "{pgw.REV}", NULL)'


def apply_revision_fields(layer: QgsVectorLayer) -> None:
    """A PostGIS workspace layer: hide gs_rev and gs_base_rev in forms; gs_base_rev takes the revision
    read, on every change made in QGIS."""
    fields = layer.fields()
    for name in (pgw.REV, pgw.BASE_REV):
        idx = fields.indexFromName(name)
        if idx < 0:
            continue
        layer.setEditorWidgetSetup(idx, QgsEditorWidgetSetup("Hidden", {}))
        layer.setFieldAlias(idx, "修订号" if name == pgw.REV else "编辑所据修订号")
    idx = fields.indexFromName(pgw.BASE_REV)
    if idx >= 0 and fields.indexFromName(pgw.REV) >= 0:
        layer.setDefaultValueDefinition(idx, QgsDefaultValue(BASE_REV_EXPRESSION, True))


def store_default_styles(path: str) -> None:
    """Save each layer's style (symbology and forms) into the GeoPackage as its default.

    The mixed-geometry project table gets no default style: one style cannot suit points,
    lines and polygons alike, so the plugin styles its three layers when it adds them.
    A PostGIS workspace stores nothing: its layers are styled when the plugin adds them.
    """
    if is_postgis(path):
        return
    _forget_stored_styles(path)
    for key in LAYER_TYPES:
        if LAYER_TYPES[key].geometry == "any":
            continue
        options = QgsVectorLayer.LayerOptions(QgsProject.instance().transformContext())
        options.loadDefaultStyle = False  # reading the old default would hold the file while we write
        layer = QgsVectorLayer(layer_uri(path, key), key, "ogr", options)
        if not layer.isValid():
            raise RuntimeError(f"cannot open layer {key} of {path}")
        style_layer(layer, key)
        message = layer.saveStyleToDatabase(key, "Green Shield 绿盾", True, "")
        del layer
        if message:
            raise RuntimeError(f"cannot save the style of {key} into {path}: {message}")


def _forget_stored_styles(path: str) -> None:
    """Remove styles saved earlier, so saving writes fresh rows.

    QGIS 3.22 hangs when it updates a style row it finds in a GeoPackage (the style is
    demoted, then the update waits on a lock forever); inserting anew works.
    """
    with sqlite3.connect(path) as con:
        if con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='layer_styles'").fetchone():
            names = [key for key in LAYER_TYPES]
            con.execute(
                f"DELETE FROM layer_styles WHERE f_table_name IN ({','.join('?' * len(names))})", names
            )


def workspace_group_name(path: str) -> str:
    if is_postgis(path):
        return f"绿盾工作空间：{pgw.parse(path).schema}（PostGIS）"
    return f"绿盾工作空间：{os.path.splitext(os.path.basename(path))[0]}"


def workspace_group(project: QgsProject, path: str) -> QgsLayerTreeGroup:
    root = project.layerTreeRoot()
    name = workspace_group_name(path)
    group = root.findGroup(name)
    if group is None:
        group = root.insertGroup(0, name)
        group.setCustomProperty(PROPERTY_WORKSPACE, workspace_key(path))
    return group


# --- who may edit a PostGIS workspace ------------------------------------------------------------------


def _readonly_text(ws, user: str) -> str:
    return (f"PostGIS 工作空间 {ws} 对数据库用户 {user} 只读：您只能查看，不能修改，图层已设为只读。"
            f"如需编辑，请联系管理员将该用户加入 {ws.editor_role} 角色，或改用有编辑权限的账户连接。")


def readonly_message(ref) -> str | None:
    """For a PostGIS workspace the connecting user may only view: the message to show (Chinese);
    None when the user may edit, or for a GeoPackage.

    core.postgis.can_edit decides. A reference with ``authcfg=ID`` (a QGIS authentication configuration,
    which psycopg2 cannot use) is asked through QGIS instead: may the provider change the red-line table?
    """
    if not is_postgis(ref):
        return None
    ws = pgw.parse(ref)
    if QgsDataSourceUri(ws.conninfo).authConfigId():
        layer = QgsVectorLayer(postgres_uri(ws, "redline").uri(False), "redline", "postgres",
                               QgsVectorLayer.LayerOptions(False))
        if not layer.isValid():
            raise pgw.CannotConnect(str(ws), "QGIS cannot open the red-line table")
        if layer.dataProvider().capabilities() & QgsVectorDataProvider.ChangeAttributeValues:
            return None
        return _readonly_text(ws, layer.dataProvider().uri().username() or "?")
    if pgw.can_edit(ws):
        return None
    con = pgw.connect(ws)
    try:
        user = con.info.user
    finally:
        con.close()
    return _readonly_text(ws, user)


_ACCESS_SECONDS = 60.0
_access: dict[str, tuple[float, str | None]] = {}  # workspace key → (when asked, readonly_message)


def _readonly_message_cached(ref) -> str | None:
    """readonly_message, asked at most once a minute per workspace (Processing places layers one by one)."""
    key = workspace_key(ref)
    now = time.monotonic()
    cached = _access.get(key)
    if cached is None or now - cached[0] > _ACCESS_SECONDS:
        cached = (now, readonly_message(ref))
        _access[key] = cached
    return cached[1]


def apply_access(layer: QgsVectorLayer, message: str | None) -> None:
    """A view-only workspace layer is read-only and carries the message (PROPERTY_READONLY)."""
    if message:
        layer.setReadOnly(True)
        layer.setCustomProperty(PROPERTY_READONLY, message)
    else:
        layer.setReadOnly(False)
        layer.removeCustomProperty(PROPERTY_READONLY)


def place_in_group(project: QgsProject, layer: QgsVectorLayer, path: str, rank: int) -> None:
    """Move a project layer into the workspace group at its place in the drawing order."""
    group = workspace_group(project, path)
    layer.setCustomProperty(PROPERTY_RANK, rank)
    layer.setCustomProperty(PROPERTY_WORKSPACE, workspace_key(path))
    if is_postgis(path):
        apply_access(layer, _readonly_message_cached(path))
    index = 0
    for child in group.children():
        other = getattr(child, "layer", lambda: None)()
        if other is not None and int(other.customProperty(PROPERTY_RANK, 999)) < rank:
            index += 1
    root = project.layerTreeRoot()
    node = root.findLayer(layer.id())
    clone = node.clone() if node is not None else None
    if clone is None:
        group.insertLayer(index, layer)
        return
    group.insertChildNode(index, clone)
    node.parent().removeChildNode(node)


def add_workspace_to_project(path: str, project: QgsProject | None = None) -> list[QgsVectorLayer]:
    """Add every workspace layer, styled, into one group of the project.

    A PostGIS workspace the user may only view gets read-only layers carrying the message
    (PROPERTY_READONLY; readonly_message gives it too)."""
    project = project or QgsProject.instance()
    postgis = is_postgis(path)
    message = None
    if postgis:
        message = readonly_message(path)
        _access[workspace_key(path)] = (time.monotonic(), message)
    group = workspace_group(project, path)
    for layer in group.findLayers():  # opening again replaces, never duplicates
        project.removeMapLayer(layer.layerId())
    layers = []
    for rank, (provider, uri, name, key, style) in enumerate(_layer_list(path)):
        options = QgsVectorLayer.LayerOptions(project.transformContext())
        if postgis:
            options.loadDefaultStyle = False  # styled below; nothing is read from the database's layer_styles
        layer = QgsVectorLayer(uri, name, provider, options)
        if not layer.isValid():
            raise RuntimeError(f"cannot open {uri}")
        style_layer(layer, key, style)
        layer.setCustomProperty(PROPERTY_RANK, rank)
        layer.setCustomProperty(PROPERTY_WORKSPACE, workspace_key(path))
        if postgis:
            apply_access(layer, message)
        project.addMapLayer(layer, False)
        group.addLayer(layer)
        layers.append(layer)
    return layers
