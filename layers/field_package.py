"""QGIS side of the field package (外业包): a QField-ready project per team.

core.field_merge writes the package's data (cases, clipped zones, export record and
snapshot); here each team folder gets its QGIS project: relative paths, the cases on top
labelled by day and sequence, the zones styled and read-only, and the case form QField
shows: office data read-only, the field's findings editable with Chinese value maps (the status
offers only what the field may set: no 销号, which the office decides after review), a
date-time widget for the visit, a check box for rectification and a photo attachment stored
under DCIM/ relative to the project.

    TEAM/
      TEAM.gpkg     cases, zones, routes (when given), gs_field_export, gs_field_snapshot
      TEAM.qgs      open it in QField (copy the whole folder to the device)
      DCIM/         photos taken in QField
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

from qgis.core import (
    Qgis,
    QgsAttributeEditorContainer,
    QgsAttributeEditorField,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsDefaultValue,
    QgsEditFormConfig,
    QgsEditorWidgetSetup,
    QgsFeatureRequest,
    QgsFieldConstraints,
    QgsLineSymbol,
    QgsPalLayerSettings,
    QgsProject,
    QgsRectangle,
    QgsReferencedRectangle,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsUnitTypes,
    QgsVectorFileWriter,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtCore import QDate, QDateTime, QTime, QVariant
from qgis.PyQt.QtGui import QColor, QFont

from ..core import field_merge
from ..core.crs import gauss_kruger_epsg
from ..core.errors import FieldPackageExists
from ..core.schema import CODE_LISTS, LAYER_TYPES
from .workspace import apply_form, style_layer

FONT = "Noto Sans CJK SC"
CASE = LAYER_TYPES["inspection_case"]
STOP_ALIASES = {name: alias for name, _, alias in field_merge.STOP_FIELDS}
# Order of the form: what the office knows (read-only), then what the field records.
OFFICE_FORM = ("case_id", "day", "date", "sequence", "eta", "target_type", "target_name", "target_id", "priority",
               "check_due", "problem", "legal_basis")
FIELD_FORM = ("status", "visit_time", "finding", "violation_type", "rectification_required", "photos", "notes")
VISIT_TIME_FORMAT = "yyyy-MM-ddTHH:mm:ss"
# QField names a new photo by this expression (QFieldSync's per-field attachment naming).
PHOTO_NAME = "'DCIM/' || \"case_id\" || '_' || format_date(now(), 'yyyyMMddhhmmsszzz') || '.{extension}'"
SEQUENCE_LABEL = ("CASE WHEN \"sequence\" IS NULL THEN \"case_id\" WHEN \"day\" IS NULL THEN to_string(\"sequence\") "
                  "ELSE to_string(\"day\") || '-' || to_string(\"sequence\") END")
ZONES_BOTTOM_UP = ("redline", "nature_reserve", "water_source_zone", "contaminated_plot")


def plain_value(value: Any) -> Any:
    """A QGIS attribute value as plain Python (NULL → None, dates as ISO text)."""
    if value is None or (isinstance(value, QVariant) and value.isNull()):
        return None
    if isinstance(value, QDateTime):
        return value.toString("yyyy-MM-ddTHH:mm:ss") if value.isValid() else None
    if isinstance(value, QDate):
        return value.toString("yyyy-MM-dd") if value.isValid() else None
    if isinstance(value, QTime):
        return value.toString("HH:mm") if value.isValid() else None
    return value


def stop_rows(layer: QgsVectorLayer | None) -> list[dict[str, Any]] | None:
    """The attributes of a route plan's stops layer as dicts (None without a layer)."""
    if layer is None:
        return None
    names = layer.fields().names()
    if not names:
        return []
    return [{name: plain_value(f[name]) for name in names} for f in layer.getFeatures()]


def display_crs(layer: QgsVectorLayer) -> QgsCoordinateReferenceSystem:
    """A metric CRS to show a layer in: its Gauss-Krüger zone when the layer is in longitude/latitude."""
    if not layer.crs().isGeographic() or not layer.featureCount():
        return layer.crs()
    try:
        return QgsCoordinateReferenceSystem(gauss_kruger_epsg(layer.extent().center().x()))
    except ValueError:  # outside China's CGCS2000 zones
        return layer.crs()


def _package_layer(gpkg: str, table: str, name: str) -> QgsVectorLayer:
    options = QgsVectorLayer.LayerOptions(QgsProject.instance().transformContext())
    options.loadDefaultStyle = False
    layer = QgsVectorLayer(f"{gpkg}|layername={table}", name, "ogr", options)
    if not layer.isValid():
        raise RuntimeError(f"cannot open {table} in {gpkg}")
    return layer


def configure_case_form(layer: QgsVectorLayer) -> None:
    """The QField form: office data read-only, field findings editable, Chinese labels."""
    apply_form(layer, CASE)  # aliases, value maps with Chinese labels, check box, dates
    fields = layer.fields()
    for idx in range(fields.count()):  # no default numbering or stamps in the field: the office owns them
        layer.setDefaultValueDefinition(idx, QgsDefaultValue())
    for name, alias in STOP_ALIASES.items():
        idx = fields.indexFromName(name)
        if idx >= 0:
            layer.setFieldAlias(idx, alias)

    def setup(name: str, widget: str, config: dict) -> None:
        idx = fields.indexFromName(name)
        if idx >= 0:
            layer.setEditorWidgetSetup(idx, QgsEditorWidgetSetup(widget, config))

    field_statuses = ("pending", *field_merge.FIELD_STATUSES)
    setup("status", "ValueMap", {"map": [{item.zh: item.code} for item in CODE_LISTS["case_status"].items
                                         if item.code in field_statuses]})
    setup("visit_time", "DateTime", {"field_format": VISIT_TIME_FORMAT, "display_format": "yyyy-MM-dd HH:mm",
                                     "calendar_popup": True, "allow_null": True})
    for name in ("finding", "notes", "problem", "legal_basis"):
        setup(name, "TextEdit", {"IsMultiline": True, "UseHtml": False})
    setup("photos", "ExternalResource", {
        "DocumentViewer": 1,  # show the image
        "DocumentViewerHeight": 0,
        "DocumentViewerWidth": 0,
        "FileWidget": True,
        "FileWidgetButton": True,
        "FileWidgetFilter": "",
        "RelativeStorage": 1,  # relative to the project file: DCIM/…
        "StorageMode": 0,  # files
        "UseLink": True,
        "FullUrl": True,
        "DefaultRoot": "",
    })
    status = fields.indexFromName("status")
    layer.setFieldConstraint(status, QgsFieldConstraints.Constraint.ConstraintNotNull,
                             QgsFieldConstraints.ConstraintStrength.ConstraintStrengthHard)

    form = layer.editFormConfig()
    form.setLayout(QgsEditFormConfig.EditorLayout.TabLayout)
    form.clearTabs()
    root = form.invisibleRootContainer()
    office = QgsAttributeEditorContainer(field_merge.FIELD_TEXT["tab_office"], root)
    office.setIsGroupBox(False)
    field_tab = QgsAttributeEditorContainer(field_merge.FIELD_TEXT["tab_field"], root)
    field_tab.setIsGroupBox(False)
    for container, names in ((field_tab, FIELD_FORM), (office, OFFICE_FORM)):
        for name in names:
            idx = fields.indexFromName(name)
            if idx >= 0:
                container.addChildElement(QgsAttributeEditorField(name, idx, container))
    form.addTab(field_tab)
    form.addTab(office)
    editable = set(FIELD_FORM)
    for idx, fld in enumerate(fields):
        form.setReadOnly(idx, fld.name() not in editable)
    layer.setEditFormConfig(form)
    layer.setDisplayExpression("\"case_id\" || ' ' || coalesce(\"target_name\", '')")
    # QField (QFieldSync settings): where a new photo is stored and how it is named.
    naming = json.dumps({"photos": PHOTO_NAME})
    layer.setCustomProperty("QFieldSync/attachment_naming", naming)
    layer.setCustomProperty("QFieldSync/photo_naming", naming)


def style_cases(layer: QgsVectorLayer) -> None:
    """Flags by status (the ledger's style), labelled day-sequence (e.g. 1-3) or the case number."""
    style_layer(layer, "inspection_case")
    sequence_labels(layer, SEQUENCE_LABEL, 1.2)


def sequence_labels(layer: QgsVectorLayer, expression: str, dist: float) -> None:
    """Bold dark-blue labels with a white halo beside each stop (the visit order on maps and sheets)."""
    settings = QgsPalLayerSettings()
    settings.fieldName = expression
    settings.isExpression = True
    settings.enabled = True
    settings.placement = QgsPalLayerSettings.OrderedPositionsAroundPoint
    settings.dist = dist
    fmt = QgsTextFormat()
    font = QFont(FONT)
    font.setBold(True)
    fmt.setFont(font)
    fmt.setSize(9)
    fmt.setSizeUnit(QgsUnitTypes.RenderPoints)
    fmt.setColor(QColor("#08306b"))
    buffer = QgsTextBufferSettings()
    buffer.setEnabled(True)
    buffer.setSize(1.0)
    buffer.setColor(QColor("#ffffff"))
    fmt.setBuffer(buffer)
    settings.setFormat(fmt)
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)


def _copy_routes(routes: QgsVectorLayer, gpkg: str, team: str) -> bool:
    """Copy the team's route lines into the package; False when the team has none."""
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = field_merge.ROUTES_TABLE
    options.actionOnExistingFile = QgsVectorFileWriter.ActionOnExistingFile.CreateOrOverwriteLayer
    if routes.fields().indexFromName("team") >= 0:
        request = QgsFeatureRequest().setFilterExpression(f"\"team\" = '{team.replace(chr(39), chr(39) * 2)}'")
        ids = [f.id() for f in routes.getFeatures(request)]
        if not ids:
            return False
        options.onlySelectedFeatures = True
        routes.selectByIds(ids)
    try:
        error, message, *_ = QgsVectorFileWriter.writeAsVectorFormatV3(
            routes, gpkg, QgsProject.instance().transformContext(), options)
    finally:
        routes.removeSelection()
    if error != QgsVectorFileWriter.WriterError.NoError:
        raise RuntimeError(f"cannot copy the routes into {gpkg}: {message}")
    return True


def write_field_project(folder: str, gpkg: str, record: dict[str, str], has_routes: bool = False) -> str:
    """The team's QGIS project (.qgs, relative paths) next to its GeoPackage."""
    team = record["team"]
    path = os.path.join(folder, os.path.splitext(os.path.basename(gpkg))[0] + ".qgs")
    project = QgsProject()
    project.setFileName(path)
    project.setFilePathStorage(Qgis.FilePathType.Relative)
    project.setTitle(field_merge.FIELD_TEXT["project_title"].format(team=team))
    cases = _package_layer(gpkg, field_merge.CASE_TABLE, CASE.title_zh)
    style_cases(cases)  # first: loading the style resets the form
    configure_case_form(cases)
    extent = cases.extent()
    crs = display_crs(cases)
    project.setCrs(crs)
    layers = [cases]
    if has_routes:
        routes = _package_layer(gpkg, field_merge.ROUTES_TABLE, field_merge.FIELD_TEXT["routes"])
        routes.renderer().setSymbol(QgsLineSymbol.createSimple({"line_color": "#2166ac", "line_width": "0.8"}))
        routes.setReadOnly(True)
        layers.append(routes)
    zones = []
    for key in reversed(ZONES_BOTTOM_UP):
        layer = _package_layer(gpkg, key, LAYER_TYPES[key].title_zh)
        style_layer(layer, key)
        layer.setReadOnly(True)  # reference data: the field only edits cases
        zones.append(layer)
    project.addMapLayers(layers + zones, False)
    root = project.layerTreeRoot()
    for layer in layers:
        root.addLayer(layer)
    group = root.addGroup(field_merge.FIELD_TEXT["zones_group"])
    for layer in zones:
        group.addLayer(layer)
    area = QgsRectangle(extent)
    for layer in zones:
        if layer.featureCount():
            area.combineExtentWith(layer.extent())
    view = QgsCoordinateTransform(cases.crs(), crs, project).transformBoundingBox(area)
    project.viewSettings().setDefaultViewExtent(QgsReferencedRectangle(view, crs))
    project.writeEntry("GreenShield", "/field_export_id", record["export_id"])
    project.writeEntry("GreenShield", "/team", team)
    if not project.write(path):
        raise RuntimeError(f"cannot write {path}: {project.error()}")
    project.clear()
    return path


def export_field_packages(workspace: str, out_dir: str, *, stops: QgsVectorLayer | None = None,
                          routes: QgsVectorLayer | None = None, teams: Sequence[str] | None = None,
                          buffer_m: float = field_merge.DEFAULT_BUFFER_M, by: str = "green-shield",
                          overwrite: bool = False, feedback=None) -> list[dict[str, Any]]:
    """One folder per team in `out_dir` with the package GeoPackage, the .qgs project and DCIM/."""
    exports = field_merge.plan_field_export(workspace, stop_rows(stops), teams, buffer_m)
    written = []
    for n, export in enumerate(exports):
        if feedback is not None and feedback.isCanceled():
            break
        name = field_merge.team_folder_name(export.team)
        folder = os.path.join(out_dir, name)
        gpkg = os.path.join(folder, f"{name}.gpkg")
        project_path = os.path.join(folder, f"{name}.qgs")
        if os.path.exists(gpkg) or os.path.exists(project_path):
            if not overwrite:
                raise FieldPackageExists(folder)
            for path in (gpkg, project_path):
                if os.path.exists(path):
                    os.remove(path)
        os.makedirs(os.path.join(folder, field_merge.PHOTO_DIR), exist_ok=True)
        record = field_merge.write_field_package(gpkg, export, workspace=workspace, by=by, buffer_m=buffer_m)
        has_routes = routes is not None and _copy_routes(routes, gpkg, export.team)
        project_path = write_field_project(folder, gpkg, record, has_routes)
        written.append({"team": export.team, "folder": folder, "package": gpkg, "project": project_path,
                        "cases": len(export.cases), "export_id": record["export_id"],
                        "zones": {k: len(v[0]) for k, v in export.zones.items()}})
        if feedback is not None:
            feedback.setProgress(100.0 * (n + 1) / len(exports))
    return written

