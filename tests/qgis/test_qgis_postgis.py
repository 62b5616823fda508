"""The PostGIS workspace in real QGIS, on a real PostgreSQL + PostGIS server (the `pg` fixture):
greenshield:createworkspace with POSTGIS, the project group through the "postgres" provider, edits
recorded in the history, two editors of one feature, a view-only user, no password anywhere."""

import pytest
from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsProcessingException,
    QgsProject,
    QgsSettings,
    QgsVectorLayer,
    QgsVectorLayerUtils,
    QgsWkbTypes,
)

from green_shield.core import postgis as pgw
from green_shield.core.sample_district import build_sample_district
from green_shield.core.schema import LAYER_TYPES
from green_shield.core.workspace import open_workspace, read_layer

EXPECTED_LAYERS = [
    "检查案件", "遥感变化线索", "建设项目（点）", "建设项目（线）", "建设项目（面）", "入河排污口", "取水口",
    "考核断面", "监管对象", "污染地块", "饮用水水源保护区", "自然保护地", "生态保护红线", "河流", "水面",
    "行政区", "案件状态记录",
]


def ref(schema: str, user: str | None = None) -> str:
    return f"PG:service=gs_test schema={schema}" + (f" user={user}" if user else "")


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("qgis_pg") / "district.gpkg")
    build_sample_district(path)
    return path


@pytest.fixture(scope="module")
def district_pg(pg, district):
    """The sample district copied into PostGIS; qg_editor1 and qg_editor2 edit it, viewer1 only views."""
    schema = "qg_district"
    pgw.copy_gpkg_to_postgis(district, ref(schema))
    for name in ("qg_editor1", "qg_editor2", "viewer1"):
        pg.create_login_role(name)
    pg.psql(f"GRANT {schema}_editor TO qg_editor1; GRANT {schema}_editor TO qg_editor2; "
            f"GRANT {schema}_viewer TO viewer1")
    return schema


def _group_layers(project, name):
    group = project.layerTreeRoot().findGroup(name)
    assert group is not None, name
    return [node.layer() for node in group.findLayers()]


def _style_summary(layer):
    """What the user sees of a layer's style and form, comparable between providers."""
    renderer = layer.renderer()
    summary = {"renderer": renderer.type() if renderer else None, "display": layer.displayExpression()}
    if isinstance(renderer, QgsCategorizedSymbolRenderer):
        summary["class"] = renderer.classAttribute()
        summary["categories"] = [(c.value(), c.label()) for c in renderer.categories()]
    if renderer is not None and hasattr(renderer, "symbol") and renderer.symbol() is not None:
        summary["symbol"] = [sl.layerType() for sl in renderer.symbol().symbolLayers()]
    fields = layer.fields()
    form = {}
    for fd in LAYER_TYPES[layer.customProperty("green_shield/layer_type")].fields:
        idx = fields.indexFromName(fd.name)
        setup = layer.editorWidgetSetup(idx)
        form[fd.name] = (layer.attributeAlias(idx), setup.type(), layer.defaultValueDefinition(idx).expression())
    summary["form"] = form
    return summary


def _layer(schema, key, user=None):
    """A styled QGIS layer of one table, as the plugin makes them (one per editor)."""
    from green_shield.layers.workspace import postgres_uri, style_layer

    layer = QgsVectorLayer(postgres_uri(ref(schema, user), key).uri(False), key, "postgres")
    assert layer.isValid()
    style_layer(layer, key)
    return layer


# --- creating ---------------------------------------------------------------------------------------


def test_create_postgis_workspace_adds_styled_group(pg, provider, project, tmp_path):
    import processing
    from green_shield.layers.workspace import BASE_REV_EXPRESSION, PROPERTY_READONLY, readonly_message

    result = processing.runAndLoadResults("greenshield:createworkspace",
                                          {"POSTGIS": ref("qg_create"), "CRS": "EPSG:4490"})
    assert result["LAYERS"] == len(LAYER_TYPES) and result["WORKSPACE"] == ref("qg_create")
    assert not result.get("OUTPUT")
    assert pg.psql("SELECT count(*) FROM pg_namespace WHERE nspname = 'qg_create'")[0][0] == 1
    assert open_workspace(ref("qg_create")).crs == "EPSG:4490"
    layers = _group_layers(project, "绿盾工作空间：qg_create（PostGIS）")
    assert [layer.name() for layer in layers] == EXPECTED_LAYERS
    assert all(layer.isValid() and layer.providerType() == "postgres" for layer in layers)
    assert all("password" not in layer.source().lower() for layer in layers)
    assert all("service='gs_test'" in layer.source() and "qg_create" in layer.source() for layer in layers)
    by_name = {layer.name(): layer for layer in layers}
    assert all(layer.crs().authid() == "EPSG:4490" for layer in layers if layer.isSpatial())
    assert not by_name["案件状态记录"].isSpatial()
    assert QgsWkbTypes.displayString(by_name["建设项目（点）"].wkbType()) == "Point"
    assert QgsWkbTypes.displayString(by_name["建设项目（线）"].wkbType()) == "MultiLineString"
    assert QgsWkbTypes.displayString(by_name["建设项目（面）"].wkbType()) == "MultiPolygon"
    # the revision columns: hidden, and gs_base_rev takes the revision read on every change
    for layer in layers:
        fields = layer.fields()
        for name in ("gs_rev", "gs_base_rev"):
            assert layer.editorWidgetSetup(fields.indexFromName(name)).type() == "Hidden", (layer.name(), name)
        default = layer.defaultValueDefinition(fields.indexFromName("gs_base_rev"))
        assert default.expression() == BASE_REV_EXPRESSION and default.applyOnUpdate()
        assert not layer.readOnly() and layer.customProperty(PROPERTY_READONLY) is None
    assert readonly_message(ref("qg_create")) is None  # the creator edits

    # styled and formed exactly as the GeoPackage workspace
    processing.runAndLoadResults("greenshield:createworkspace",
                                 {"OUTPUT": str(tmp_path / "qg_create.gpkg"), "CRS": "EPSG:4490"})
    gpkg_layers = _group_layers(project, "绿盾工作空间：qg_create")
    assert [layer.name() for layer in gpkg_layers] == EXPECTED_LAYERS
    for pg_layer, gpkg_layer in zip(layers, gpkg_layers):
        assert _style_summary(pg_layer) == _style_summary(gpkg_layer), pg_layer.name()
    wsz = by_name["饮用水水源保护区"].renderer()
    assert isinstance(wsz, QgsCategorizedSymbolRenderer) and wsz.classAttribute() == "level"
    assert by_name["入河排污口"].renderer().classAttribute() == "status"
    assert by_name["检查案件"].renderer().classAttribute() == "status"


def test_create_postgis_refusals(pg, provider, project):
    import processing

    processing.run("greenshield:createworkspace", {"POSTGIS": ref("qg_again")})
    with pytest.raises(QgsProcessingException, match="already exists"):
        processing.run("greenshield:createworkspace", {"POSTGIS": ref("qg_again")})
    pg.psql("INSERT INTO qg_again.redline (name) VALUES ('kept?')")
    processing.run("greenshield:createworkspace", {"POSTGIS": ref("qg_again"), "OVERWRITE": True})
    assert pg.psql("SELECT count(*) FROM qg_again.redline")[0][0] == 0
    with pytest.raises(QgsProcessingException) as err:
        processing.run("greenshield:createworkspace",
                       {"POSTGIS": "PG:service=gs_test password=s3cret schema=qg_pw"})
    assert "s3cret" not in str(err.value) and "password" in str(err.value).lower()
    assert pg.psql("SELECT count(*) FROM pg_namespace WHERE nspname = 'qg_pw'")[0][0] == 0
    with pytest.raises(QgsProcessingException):  # neither a file nor a PostGIS workspace
        processing.run("greenshield:createworkspace", {"CRS": "EPSG:4490"})


def test_create_from_a_saved_qgis_connection(pg, provider, project):
    import processing

    settings = QgsSettings()
    base = "PostgreSQL/connections"
    try:
        settings.setValue(f"{base}/团队库/service", "gs_test")
        settings.setValue(f"{base}/团队库/password", "never-used")
        settings.setValue(f"{base}/带认证/host", "127.0.0.1")
        settings.setValue(f"{base}/带认证/database", "greenshield_test")
        settings.setValue(f"{base}/带认证/authcfg", "abc1234")
        result = processing.run("greenshield:createworkspace",
                                {"POSTGIS": "PG:connection=团队库 schema=qg_conn"})
        assert result["WORKSPACE"] == ref("qg_conn")
        assert "never-used" not in result["WORKSPACE"]
        assert open_workspace(ref("qg_conn")).layers == {key: 0 for key in LAYER_TYPES}
        with pytest.raises(QgsProcessingException, match="abc1234"):  # no such configuration in this QGIS
            processing.run("greenshield:createworkspace", {"POSTGIS": "PG:connection=带认证 schema=qg_auth"})
        with pytest.raises(QgsProcessingException, match="no saved PostgreSQL connection"):
            processing.run("greenshield:createworkspace", {"POSTGIS": "PG:connection=没有 schema=qg_none"})
    finally:
        settings.remove(f"{base}/团队库")
        settings.remove(f"{base}/带认证")


# --- opening, editing ---------------------------------------------------------------------------------


def test_sample_district_loads_with_the_geopackage_counts(pg, project, district, district_pg):
    from green_shield.layers.workspace import add_workspace_to_project

    from_gpkg = add_workspace_to_project(district, project)
    from_pg = add_workspace_to_project(ref(district_pg), project)
    again = add_workspace_to_project(ref(district_pg), project)  # opening again replaces
    assert len(project.mapLayers()) == 2 * len(EXPECTED_LAYERS)
    assert [layer.name() for layer in again] == [layer.name() for layer in from_gpkg] == EXPECTED_LAYERS
    counts_gpkg = {layer.name(): layer.featureCount() for layer in from_gpkg}
    counts_pg = {layer.name(): layer.featureCount() for layer in again}
    assert counts_pg == counts_gpkg and sum(counts_pg.values()) > 500
    assert all(layer.providerType() == "postgres" for layer in again)
    assert all(layer.customProperty("green_shield/workspace") == ref(district_pg) for layer in again)
    # the same features (the PostGIS feature ids are the GeoPackage's fids)
    by_name_gpkg = {layer.name(): layer for layer in from_gpkg}
    by_name_pg = {layer.name(): layer for layer in again}
    for name in ("自然保护地", "建设项目（点）", "建设项目（面）", "入河排污口"):
        assert sorted(f["name"] for f in by_name_pg[name].getFeatures()) == \
            sorted(f["name"] for f in by_name_gpkg[name].getFeatures()), name
    _, columns, fids = read_layer(district, "nature_reserve")
    assert sorted((f.id(), f["name"]) for f in by_name_pg["自然保护地"].getFeatures()) == \
        sorted(zip(map(int, fids), columns["name"]))
    del from_pg
    # layer_uri gives an "ogr" URI (GDAL's PG driver) that the report and map modules can read as well
    from green_shield.layers.workspace import layer_uri

    through_gdal = QgsVectorLayer(layer_uri(ref(district_pg), "project", "MultiPolygon"), "gdal", "ogr")
    assert through_gdal.isValid() and through_gdal.featureCount() == counts_gpkg["建设项目（面）"]


def test_qgis_edit_is_in_the_history_with_the_database_user(pg, project, district_pg):
    layer = _layer(district_pg, "redline", "qg_editor1")
    feature = next(layer.getFeatures())
    rev = feature["gs_rev"]
    assert layer.startEditing()
    assert layer.changeAttributeValue(feature.id(), layer.fields().indexFromName("name"), "QGIS 改名")
    assert layer.commitChanges(), layer.commitErrors()
    last = pgw.history(ref(district_pg), "redline", feature.id())[-1]
    assert last["op"] == "update" and last["db_user"] == "qg_editor1"
    assert last["old_values"]["name"] == feature["name"] and last["new_values"]["name"] == "QGIS 改名"
    row = next(r for r in pgw.fetch_rows(ref(district_pg), "redline") if r["fid"] == feature.id())
    assert row["name"] == "QGIS 改名" and row["gs_rev"] == rev + 1
    assert pg.psql(f"SELECT gs_base_rev FROM {district_pg}.redline WHERE fid = {feature.id()}")[0][0] is None
    # a feature added in QGIS gets its revision from the database, and no base revision
    assert layer.startEditing()
    new = QgsVectorLayerUtils.createFeature(layer, feature.geometry(), {layer.fields().indexFromName("name"): "新红线"})
    assert layer.addFeature(new)
    assert layer.commitChanges(), layer.commitErrors()
    added = pg.psql(f"SELECT gs_rev, gs_base_rev FROM {district_pg}.redline WHERE name = '新红线'")
    assert added == [(1, None)]
    assert pgw.history(ref(district_pg), "redline")[-1]["op"] == "insert"


def test_two_editors_of_one_feature_in_qgis(pg, project, district_pg):
    """Both start from the same revision; the first commit is saved, the second refused with the conflict."""
    first = _layer(district_pg, "nature_reserve", "qg_editor1")
    target = next(first.getFeatures())
    second = _layer(district_pg, "nature_reserve", "qg_editor2")  # loaded before the first commits
    notes = first.fields().indexFromName("notes")
    assert first.startEditing() and second.startEditing()
    assert first.changeAttributeValue(target.id(), notes, "编辑一的修改")
    assert second.changeAttributeValue(target.id(), notes, "编辑二的修改")
    assert first.commitChanges(), first.commitErrors()
    assert not second.commitChanges()
    errors = "\n".join(second.commitErrors())
    assert "conflict" in errors and f"feature {target.id()}" in errors and "qg_editor1" in errors
    row = next(r for r in pgw.fetch_rows(ref(district_pg), "nature_reserve") if r["fid"] == target.id())
    assert row["notes"] == "编辑一的修改" and row["gs_rev"] == target["gs_rev"] + 1
    # the second editor drops the refused change, reloads and edits again: saved
    assert second.rollBack()
    second.dataProvider().reloadData()
    assert second.startEditing()
    assert second.changeAttributeValue(target.id(), notes, "编辑二重新修改")
    assert second.commitChanges(), second.commitErrors()
    history = pgw.history(ref(district_pg), "nature_reserve", target.id())
    assert [(h["op"], h["db_user"]) for h in history[-2:]] == [("update", "qg_editor1"), ("update", "qg_editor2")]
    # a geometry change alone carries the revision too
    first.dataProvider().reloadData()
    second.dataProvider().reloadData()
    geom = next(first.getFeatures()).geometry()
    geom.translate(0.001, 0)
    assert first.startEditing() and second.startEditing()
    assert first.changeGeometry(target.id(), geom) and second.changeGeometry(target.id(), geom)
    assert first.commitChanges(), first.commitErrors()
    assert not second.commitChanges() and "conflict" in "\n".join(second.commitErrors())
    second.rollBack()


def test_viewer_gets_read_only_layers_and_a_message(pg, project, district_pg):
    from green_shield.layers.workspace import PROPERTY_READONLY, add_workspace_to_project, readonly_message

    viewer = ref(district_pg, "viewer1")
    message = readonly_message(viewer)
    assert message is not None and "viewer1" in message and "只读" in message and f"{district_pg}_editor" in message
    assert readonly_message(ref(district_pg, "qg_editor1")) is None
    layers = add_workspace_to_project(viewer, project)
    assert [layer.name() for layer in layers] == EXPECTED_LAYERS
    assert all(layer.isValid() and layer.readOnly() for layer in layers)
    assert all(layer.customProperty(PROPERTY_READONLY) == message for layer in layers)
    assert all(layer.featureCount() == open_workspace(ref(district_pg)).layers[layer.customProperty(
        "green_shield/layer_type")] for layer in layers if layer.customProperty("green_shield/layer_type") != "project")
    assert not layers[0].startEditing()
    assert all("user='viewer1'" in layer.source() for layer in layers)


def test_project_file_holds_no_password(pg, project, district, district_pg, tmp_path):
    from green_shield.layers.workspace import add_workspace_to_project

    add_workspace_to_project(ref(district_pg, "qg_editor1"), project)
    path = str(tmp_path / "team.qgs")
    assert project.write(path)
    text = open(path, encoding="utf-8").read()
    assert "service='gs_test'" in text and "qg_district" in text
    assert "password=" not in text.lower() and "password='" not in text.lower()
    # the project opens again with valid postgres layers
    other = QgsProject()
    assert other.read(path)
    layers = [layer for layer in other.mapLayers().values() if layer.providerType() == "postgres"]
    assert len(layers) == len(EXPECTED_LAYERS) and all(layer.isValid() for layer in layers)
    other.clear()


def test_create_postgis_workspace_with_qgis_process(pg, tmp_path):
    """A scheduled job: qgis_process creates the PostGIS workspace (PGSERVICEFILE names the service)."""
    import os
    import shutil
    import subprocess
    import sysconfig

    qgis_process = shutil.which("qgis_process.bin") or "/usr/lib/qgis/qgis_process.bin"
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    os.symlink(root, plugins / "green_shield")
    env = dict(os.environ, HOME=str(tmp_path), QGIS_PLUGINPATH=str(plugins), QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=sysconfig.get_paths()["purelib"], XDG_RUNTIME_DIR=str(tmp_path / "run"),
               PGSERVICEFILE=str(pg.service_file))
    run = subprocess.run([qgis_process, "plugins", "enable", "green_shield"], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    run = subprocess.run([qgis_process, "run", "greenshield:createworkspace", "--", f"POSTGIS={ref('qg_batch')}"],
                         env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"WORKSPACE:\t{ref('qg_batch')}" in run.stdout
    assert open_workspace(ref("qg_batch")).layers == {key: 0 for key in LAYER_TYPES}


def test_authentication_configuration_references(pg, provider, project, district_pg):
    """`authcfg=ID` reaches QGIS as the layer's authentication configuration (never a password); core cannot
    resolves it through QGIS's authentication manager (an unknown configuration is a clear error), and whether
    the user may edit is asked through QGIS."""
    import processing
    from green_shield.layers.workspace import postgres_uri, readonly_message

    uri = postgres_uri(f"PG:service=gs_test user=viewer1 authcfg=gs00001 schema={district_pg}", "redline")
    assert uri.authConfigId() == "gs00001" and uri.password() == "" and uri.username() == "viewer1"
    assert "authcfg=gs00001" in uri.uri(False) and "password" not in uri.uri(False)
    with pytest.raises(QgsProcessingException, match="gs00001"):
        processing.run("greenshield:createworkspace", {"POSTGIS": "PG:service=gs_test authcfg=gs00001 schema=qg_ac"})
    assert pg.psql("SELECT count(*) FROM pg_namespace WHERE nspname = 'qg_ac'")[0][0] == 0
    # no such configuration in this QGIS: the server trusts the test users, so the connection still works
    message = readonly_message(f"PG:service=gs_test user=viewer1 authcfg=gs00001 schema={district_pg}")
    assert message is not None and "只读" in message and "viewer1" in message
    assert readonly_message(f"PG:service=gs_test user=qg_editor1 authcfg=gs00001 schema={district_pg}") is None


def test_processing_takes_a_postgis_workspace(pg, provider, project, tmp_path):
    """screenprojects (spatial filter in the database) gives the GeoPackage's verdicts; redlinediff takes the
    PostGIS red-line layer of a workspace group."""
    import pyogrio.raw

    import processing
    from green_shield.core.postgis import copy_gpkg_to_postgis
    from green_shield.core.sample_district import build_sample_district
    from green_shield.layers.workspace import add_workspace_to_project

    district = str(tmp_path / "fresh.gpkg")  # untouched by the editing tests above
    build_sample_district(district)
    copy_gpkg_to_postgis(district, ref("qg_proc"))
    runs = {}
    for name, ws in (("gpkg", district), ("pg", ref("qg_proc"))):
        out = str(tmp_path / f"screen_{name}.gpkg")
        result = processing.run("greenshield:screenprojects", {"WORKSPACE": ws, "OUTPUT": out})
        meta, _, _, data = pyogrio.raw.read(out, layer="flagged_projects", read_geometry=False)
        fields = dict(zip(meta["fields"], data))
        runs[name] = (dict(zip(fields["project_fid"].tolist(), fields["verdict"].tolist())),
                      {v: result[v] for v in ("PROHIBITED", "CONDITIONAL", "REVIEW", "CLEAR")})
    diff = {f: (v, runs["gpkg"][0].get(f)) for f, v in runs["pg"][0].items() if runs["gpkg"][0].get(f) != v}
    assert diff == {} and runs["pg"][1] == runs["gpkg"][1] and runs["pg"][1]["PROHIBITED"] > 0
    layers = add_workspace_to_project(ref("qg_proc"), project)
    red = next(layer for layer in layers if layer.customProperty("green_shield/layer_type") == "redline")
    assert red.providerType() == "postgres"
    result = processing.run("greenshield:redlinediff", {"OLD": red, "NEW": red, "OUTPUT": str(tmp_path / "d.gpkg")})
    assert result["OUTPUT"]
