"""The PostGIS workspace: the same layers as the GeoPackage workspace, in one schema of a shared database.

A PostGIS workspace is named by a GDAL-style reference without a password::

    PG:service=district schema=qingxi          (a pg_service.conf entry; the password in ~/.pgpass)
    PG:host=gis.example port=5432 dbname=enforcement user=alice schema=qingxi

A reference holding a password is refused: passwords belong in a pg_service file, ~/.pgpass or the QGIS
authentication database, never in a project file, a log or an output. `init_workspace` creates the
schema:

* every layer of ``core.schema`` as a table with the same fields (``fid`` primary key, ``geom`` with a
  GiST index), the code lists enforced by CHECK constraints, plus ``gs_rev``, the row's revision;
* ``gs_workspace`` (the same metadata as the GeoPackage's), ``gs_audit`` (every insert, update and
  delete on any layer: when, database user, editor name, old and new values and geometry — written
  by triggers, so QGIS, scripts and psql are all recorded; ``undo`` restores any earlier state);
* a revision check: an update that carries a revision other than the row's current one + 1 is refused
  (two editors of the same feature: the second is told who changed it and when); an update that does
  not touch ``gs_rev`` (plain SQL) is accepted and counted;
* the roles ``<schema>_viewer`` (read) and ``<schema>_editor`` (read and edit layers).

Identifiers are quoted with psycopg2.sql and values passed as parameters: layer names, field names and
values containing SQL are data.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import shlex
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from . import __version__
from .errors import GreenShieldError
from .schema import CODE_LISTS, DEFAULT_CRS, LAYER_TYPES, SCHEMA_VERSION, LayerType, WorkspaceInfo

PREFIX = "PG:"
META_TABLE = "gs_workspace"
AUDIT_TABLE = "gs_audit"
REV = "gs_rev"
BASE_REV = "gs_base_rev"  # set by an editor to the revision it read: checked, then cleared
_SQL_TYPES = {"text": "text", "int": "bigint", "real": "double precision", "date": "date", "bool": "boolean"}
_GEOMETRY = {"point": "Point", "line": "MultiLineString", "polygon": "MultiPolygon", "any": "Geometry"}
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,47}$")
CONFLICT_STATE = "GS409"  # SQLSTATE raised by the revision check


# --- errors ------------------------------------------------------------------------------------


class PostgisError(GreenShieldError):
    code = "postgis"


class PasswordInReference(PostgisError):
    code = "password_in_reference"

    def __init__(self) -> None:
        super().__init__(
            "The PostGIS reference contains a password. Passwords are never written into references, projects or "
            "logs: put the connection in a pg_service file (PG:service=NAME schema=…) with the password in ~/.pgpass, "
            "or use a QGIS connection with its authentication configuration.",
            "PostGIS 连接串中包含密码。密码不得写入连接串、工程文件或日志：请在 pg_service 文件中配置连接"
            "（PG:service=名称 schema=…），密码写入 ~/.pgpass，或在 QGIS 中使用带认证配置的连接。",
        )


class BadReference(PostgisError):
    code = "bad_postgis_reference"

    def __init__(self, ref: str, problem: str, problem_zh: str) -> None:
        super().__init__(f"PostGIS workspace {ref}: {problem}. Example: PG:service=district schema=qingxi",
                         f"PostGIS 工作空间 {ref}：{problem_zh}。示例：PG:service=district schema=qingxi")


class CannotConnect(PostgisError):
    code = "cannot_connect"

    def __init__(self, ref: str, reason: str) -> None:
        super().__init__(
            f"Cannot connect to {ref}: {reason}. Check the service (pg_service.conf, PGSERVICEFILE), the host and "
            "port, and that ~/.pgpass holds the password.",
            f"无法连接 {ref}：{reason}。请检查服务配置（pg_service.conf、PGSERVICEFILE）、主机与端口，"
            "以及 ~/.pgpass 中的密码。",
        )


class NotAPostgisWorkspace(PostgisError):
    code = "not_a_postgis_workspace"

    def __init__(self, ref: str, why: str, why_zh: str) -> None:
        super().__init__(f"{ref} is not a Green Shield workspace ({why}). Create it with green-shield init-postgis.",
                         f"{ref} 不是绿盾工作空间（{why_zh}）。请先用 green-shield init-postgis 创建。")


class WorkspaceSchemaExists(PostgisError):
    code = "postgis_schema_exists"

    def __init__(self, ref: str) -> None:
        super().__init__(f"Schema of {ref} already exists. Choose another schema, or pass --overwrite to replace it "
                         "(its data and history are dropped).",
                         f"{ref} 的模式（schema）已存在。请换一个模式名，或使用 --overwrite 替换"
                         "（原数据与历史将被删除）。")


class ReadOnlyWorkspace(PostgisError):
    code = "read_only_workspace"

    def __init__(self, ref: str, user: str, table: str) -> None:
        super().__init__(
            f"Database user {user} may only view {ref} (no right to change {table}). Ask the administrator to make "
            "you a member of the editor role, or connect as an editor.",
            f"数据库用户 {user} 对 {ref} 只有查看权限（不能修改 {table}）。如需编辑，请联系管理员将您加入编辑角色，"
            "或以编辑账户连接。",
        )


class EditConflict(PostgisError):
    code = "edit_conflict"

    def __init__(self, ref: str, table: str, fid: int, detail: str) -> None:
        super().__init__(
            f"{table} feature {fid} in {ref} was changed by someone else since you read it ({detail}). Your change "
            "was not saved and is recorded in the history; reload the feature and apply it again.",
            f"{ref} 中 {table} 图层的要素 {fid} 在您读取后已被他人修改（{detail}）。您的修改未保存，已记入历史；"
            "请刷新该要素后重新编辑。",
        )
        self.table, self.fid, self.detail = table, fid, detail


class CopyRefused(PostgisError):
    code = "copy_refused"

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en, zh)


# --- references ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PgWorkspace:
    conninfo: str  # libpq keywords, without the schema and never with a password
    schema: str

    def __str__(self) -> str:
        return f"{PREFIX}{self.conninfo} schema={self.schema}"

    def gdal(self) -> str:
        """The GDAL/OGR datasource of the schema (layer names = table names). With an authcfg, the credentials
        come from the registered resolver (in memory only: never print this string)."""
        return f"{PREFIX}{libpq_conninfo(self)} active_schema={self.schema} schemas={self.schema}"

    @property
    def authcfg(self) -> str | None:
        m = re.search(r"(?:^|\s)authcfg=(\S+)", self.conninfo)
        return m.group(1) if m else None

    @property
    def viewer_role(self) -> str:
        return f"{self.schema}_viewer"

    @property
    def editor_role(self) -> str:
        return f"{self.schema}_editor"


def is_postgis(ref: Any) -> bool:
    return isinstance(ref, (str, PgWorkspace)) and (isinstance(ref, PgWorkspace) or ref.startswith(PREFIX))


def parse(ref: str | PgWorkspace) -> PgWorkspace:
    """`PG:key=value … schema=NAME` → PgWorkspace (password refused, schema checked)."""
    if isinstance(ref, PgWorkspace):
        return ref
    text = ref[len(PREFIX):].strip() if ref.startswith(PREFIX) else ref.strip()
    if re.search(r"(?i)password\s*=|://[^\s/@]*:[^\s/@]*@", text):  # in any value, or a URI with credentials
        raise PasswordInReference()
    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        raise BadReference(_redacted(ref), f"cannot read it ({exc})", f"无法解析（{exc}）") from None
    keys, schema = [], None
    reserved = ("public", "information_schema", "topology", "tiger")
    for token in tokens:
        key, sep, value = token.partition("=")
        if not sep:
            raise BadReference(_redacted(ref), f"{token!r} is not key=value", f"“{token}”不是“键=值”形式")
        key = key.strip().lower()
        if key == "password":
            raise PasswordInReference()
        if key == "schema":
            schema = value
            continue
        if key in ("active_schema", "schemas"):
            schema = schema or value.split(",")[0]
            continue
        keys.append(f"{key}={_quote(value)}")
    if not schema:
        raise BadReference(_redacted(ref), "no schema=NAME", "缺少 schema=模式名")
    if schema in reserved or schema.startswith("pg_"):
        raise BadReference(_redacted(ref), f"schema {schema!r} is reserved for the database itself; choose a name "
                           "of your own (e.g. the district's pinyin)",
                           f"模式名“{schema}”为数据库保留，请另取名称（例如区县拼音）")
    if not _SCHEMA_NAME.match(schema):
        raise BadReference(_redacted(ref), f"schema name {schema!r} must be lower-case letters, digits and _ "
                           "(at most 48), starting with a letter",
                           f"模式名“{schema}”只能由小写字母、数字和下划线组成（最多 48 个），且以字母开头")
    if not keys:
        raise BadReference(_redacted(ref), "no connection (service=NAME or host/dbname)",
                           "缺少连接信息（service=名称 或 host/dbname）")
    return PgWorkspace(" ".join(keys), schema)


def _quote(value: str) -> str:
    if value == "" or re.search(r"[\s'\\]", value):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return value


def _redacted(ref: str) -> str:
    text = re.sub(r"(?i)(password\s*=\s*)('[^']*'|\S+)", r"\1***", str(ref))
    return re.sub(r"(://[^\s/@:]*):[^\s/@]*@", r"\1:***@", text)


# --- connections -------------------------------------------------------------------------------------

# authcfg id → (user, password): QGIS registers one that reads its authentication database, so a reference
# may name a QGIS authentication configuration (authcfg=ID) instead of a pg_service entry.
_auth_resolver = None


def set_auth_resolver(resolver) -> None:
    global _auth_resolver
    _auth_resolver = resolver


class AuthConfigUnavailable(PostgisError):
    code = "authcfg_unavailable"

    def __init__(self, authcfg: str) -> None:
        super().__init__(
            f"The reference names the QGIS authentication configuration {authcfg}, which can only be read inside "
            "QGIS (or it does not exist there). Outside QGIS use a pg_service entry with ~/.pgpass.",
            f"连接串引用了 QGIS 认证配置 {authcfg}，该配置只能在 QGIS 中读取（或在 QGIS 中不存在）。"
            "在 QGIS 之外请使用 pg_service 配置及 ~/.pgpass。",
        )


def libpq_conninfo(ws: PgWorkspace) -> str:
    """The keywords libpq understands: an authcfg is replaced by its user and password (never stored)."""
    authcfg = ws.authcfg
    if not authcfg:
        return ws.conninfo
    if _auth_resolver is None:
        raise AuthConfigUnavailable(authcfg)
    creds = _auth_resolver(authcfg)
    if not creds:
        raise AuthConfigUnavailable(authcfg)
    user, password = creds
    rest = [t for t in shlex.split(ws.conninfo)
            if not t.startswith("authcfg=") and not (user and t.startswith("user="))]
    extra = ([f"user={_quote(user)}"] if user else []) + ([f"password={_quote(password)}"] if password else [])
    return " ".join([_quote_token(t) for t in rest] + extra)


def _quote_token(token: str) -> str:
    key, _, value = token.partition("=")
    return f"{key}={_quote(value)}"


def connect(ref: str | PgWorkspace, editor: str | None = None):
    """A psycopg2 connection to the workspace's database (autocommit off); `editor` is recorded in the history."""
    import psycopg2

    ws = parse(ref)
    try:
        con = psycopg2.connect(libpq_conninfo(ws), application_name="green-shield")
    except (psycopg2.OperationalError, psycopg2.ProgrammingError) as exc:
        raise CannotConnect(str(ws), _redacted(str(exc).strip().splitlines()[0] if str(exc).strip() else "")) from None
    if editor:
        with con.cursor() as cur:
            cur.execute("SELECT set_config('green_shield.editor', %s, false)", (editor,))
        con.commit()
    return con


def _sql():
    from psycopg2 import sql

    return sql


def _srid(crs: str) -> int:
    from pyproj import CRS

    epsg = CRS.from_user_input(crs).to_epsg()
    if not epsg:
        raise CopyRefused(f"CRS {crs} has no EPSG code; PostGIS workspaces need one (e.g. EPSG:4490).",
                          f"坐标系 {crs} 没有 EPSG 代码；PostGIS 工作空间需要 EPSG 代码（例如 EPSG:4490）。")
    return int(epsg)


# --- creating a workspace ----------------------------------------------------------------------------


def _table_ddl(ws: PgWorkspace, lt: LayerType, srid: int) -> list:
    sql = _sql()
    table = sql.Identifier(ws.schema, lt.table)
    cols = [sql.SQL("fid bigserial PRIMARY KEY")]
    if lt.geometry != "none":
        cols.append(sql.SQL("geom geometry({}, {})").format(sql.SQL(_GEOMETRY[lt.geometry]), sql.Literal(srid)))
    for fd in lt.fields:
        col = sql.SQL("{} {}").format(sql.Identifier(fd.name), sql.SQL(_SQL_TYPES[fd.type]))
        if fd.codelist:
            codes = CODE_LISTS[fd.codelist].codes()
            col = sql.SQL("{} CONSTRAINT {} CHECK ({} IS NULL OR {} IN ({}))").format(
                col, sql.Identifier(f"{lt.table}_{fd.name}_code"[:63]), sql.Identifier(fd.name),
                sql.Identifier(fd.name), sql.SQL(", ").join(sql.Literal(c) for c in codes))
        cols.append(col)
    cols.append(sql.SQL("{} integer NOT NULL DEFAULT 1").format(sql.Identifier(REV)))
    cols.append(sql.SQL("{} integer").format(sql.Identifier(BASE_REV)))
    out = [sql.SQL("CREATE TABLE {} ({})").format(table, sql.SQL(", ").join(cols))]
    if lt.geometry != "none":
        out.append(sql.SQL("CREATE INDEX {} ON {} USING gist (geom)").format(
            sql.Identifier(f"{lt.table}_geom_idx"), table))
    for trigger, when, func in (("gs_rev_check", "BEFORE UPDATE", "gs_check_rev"),
                                ("gs_audit", "AFTER INSERT OR UPDATE OR DELETE", "gs_audit_row")):
        out.append(sql.SQL("CREATE TRIGGER {} {} ON {} FOR EACH ROW EXECUTE FUNCTION {}()").format(
            sql.Identifier(trigger), sql.SQL(when), table, sql.Identifier(ws.schema, func)))
    return out


_FUNCTIONS = """
CREATE TABLE {audit} (
    audit_id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    db_user text NOT NULL DEFAULT session_user,
    editor text,
    layer text NOT NULL,
    fid bigint,
    op text NOT NULL CHECK (op IN ('insert', 'update', 'delete', 'conflict', 'undo')),
    old_values jsonb,
    new_values jsonb,
    old_geom geometry,
    new_geom geometry,
    note text
);
CREATE INDEX ON {audit} (layer, fid);
CREATE FUNCTION {audit_row}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, public AS $$
DECLARE
    editor text := nullif(current_setting('green_shield.editor', true), '');
    note text := nullif(current_setting('green_shield.note', true), '');
    o jsonb; n jsonb; og geometry; ng geometry;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        o := to_jsonb(OLD) - 'gs_base_rev';
        IF o ? 'geom' THEN EXECUTE 'SELECT ($1).geom' INTO og USING OLD; END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        n := to_jsonb(NEW) - 'gs_base_rev';
        IF n ? 'geom' THEN EXECUTE 'SELECT ($1).geom' INTO ng USING NEW; END IF;
    END IF;
    INSERT INTO {audit} (editor, layer, fid, op, old_values, new_values, old_geom, new_geom, note)
    VALUES (editor, TG_TABLE_NAME, coalesce((n->>'fid')::bigint, (o->>'fid')::bigint),
            CASE WHEN note = 'undo' THEN 'undo' ELSE lower(TG_OP) END,
            o - 'geom', n - 'geom', og, ng, CASE WHEN note = 'undo' THEN NULL ELSE note END);
    RETURN NULL;
END $$;
CREATE FUNCTION {record_conflict}(p_layer text, p_fid bigint, p_values jsonb, p_geom geometry, p_note text)
RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = {schema}, public AS $$
    INSERT INTO {audit} (editor, layer, fid, op, new_values, new_geom, note)
    VALUES (nullif(current_setting('green_shield.editor', true), ''), p_layer, p_fid, 'conflict', p_values, p_geom,
            p_note);
$$;
REVOKE EXECUTE ON FUNCTION {record_conflict}(text, bigint, jsonb, geometry, text) FROM PUBLIC;
CREATE FUNCTION {check_rev}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, public AS $$
DECLARE
    last record;
BEGIN
    IF NEW.gs_base_rev IS NOT NULL AND NEW.gs_base_rev IS DISTINCT FROM OLD.gs_base_rev
            AND NEW.gs_base_rev <> OLD.gs_rev THEN
        SELECT at, coalesce(editor, db_user) AS who INTO last FROM {audit}
            WHERE layer = TG_TABLE_NAME AND fid = OLD.fid AND op IN ('insert', 'update', 'undo')
            ORDER BY audit_id DESC LIMIT 1;
        RAISE EXCEPTION USING ERRCODE = '{conflict}',
            MESSAGE = format('conflict: %s feature %s is at revision %s, the edit was based on revision %s',
                             TG_TABLE_NAME, OLD.fid, OLD.gs_rev, NEW.gs_base_rev),
            DETAIL = format('last changed by %s at %s', coalesce(last.who, '?'),
                            coalesce(to_char(last.at, 'YYYY-MM-DD HH24:MI:SS TZ'), '?'));
    END IF;
    NEW.gs_rev := OLD.gs_rev + 1;  -- every change counts; an edit without a base revision is not checked
    NEW.gs_base_rev := NULL;
    RETURN NEW;
END $$;
"""


def init_workspace(ref: str | PgWorkspace, crs: str = DEFAULT_CRS, *, overwrite: bool = False,
                   roles: bool = True) -> WorkspaceInfo:
    """Create the workspace schema (tables, code-list checks, GiST indexes, history, revision check and
    roles) in one transaction: on any error nothing is left behind."""
    import psycopg2

    ws = parse(ref)
    con = connect(ws)
    try:
        with con, con.cursor() as cur:
            _create_schema(cur, ws, crs, overwrite, roles)
    except psycopg2.Error as exc:
        raise _refused(exc, ws) from None
    finally:
        con.close()
    return open_workspace(ws)


def _refused(exc, ws: PgWorkspace) -> PostgisError:
    """A database refusal while creating or filling a workspace, as a message."""
    import psycopg2

    reason = (getattr(exc, "diag", None) and exc.diag.message_primary) or str(exc).strip().splitlines()[0]
    if isinstance(exc, psycopg2.errors.InsufficientPrivilege):
        return PostgisError(
            f"The database refused to create or fill {ws}: {reason}. Creating a workspace needs a database user "
            "allowed to create schemas and roles (ask the database administrator).",
            f"数据库拒绝创建或写入 {ws}：{reason}。创建工作空间需要有权创建模式（schema）和角色的数据库用户"
            "（请联系数据库管理员）。")
    return PostgisError(f"The database refused to create or fill {ws}: {reason}",
                        f"数据库拒绝创建或写入 {ws}：{reason}")


def _create_schema(cur, ws: PgWorkspace, crs: str, overwrite: bool, roles: bool, meta: dict | None = None) -> None:
    from .workspace import normalise_crs

    sql = _sql()
    crs = normalise_crs(crs)
    srid = _srid(crs)
    cur.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (ws.schema,))
    if cur.fetchone():
        if not overwrite:
            raise WorkspaceSchemaExists(str(ws))
        cur.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
                    (ws.schema, META_TABLE))
        if not cur.fetchone():  # never drop a schema that is not a workspace, whatever it holds
            raise NotAPostgisWorkspace(str(ws), "the schema exists and is not a workspace, so it is not replaced",
                                       "该模式已存在且不是工作空间，不予替换")
        cur.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(ws.schema)))
    cur.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(ws.schema)))
    cur.execute(sql.SQL(_FUNCTIONS.replace("$$", "$GS$")).format(
        audit=sql.Identifier(ws.schema, AUDIT_TABLE), audit_row=sql.Identifier(ws.schema, "gs_audit_row"),
        check_rev=sql.Identifier(ws.schema, "gs_check_rev"), schema=sql.Identifier(ws.schema),
        record_conflict=sql.Identifier(ws.schema, "gs_record_conflict"),
        conflict=sql.SQL(CONFLICT_STATE)))
    cur.execute(sql.SQL("CREATE TABLE {} (key text PRIMARY KEY, value text)").format(
        sql.Identifier(ws.schema, META_TABLE)))
    values = {"schema_version": str(SCHEMA_VERSION), "workspace_id": uuid.uuid4().hex, "crs": crs,
              "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
              "created_by": f"Green Shield {__version__}"}
    values.update({k: v for k, v in (meta or {}).items() if k in ("workspace_id", "created", "created_by")})
    for key, value in values.items():
        cur.execute(sql.SQL("INSERT INTO {} VALUES (%s, %s)").format(sql.Identifier(ws.schema, META_TABLE)),
                    (key, value))
    for lt in LAYER_TYPES.values():
        for statement in _table_ddl(ws, lt, srid):
            cur.execute(statement)
    if roles:
        _grant_roles(cur, ws)


def _schema_exists(ws: PgWorkspace) -> bool:
    con = connect(ws)
    try:
        with con.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (ws.schema,))
            return cur.fetchone() is not None
    finally:
        con.close()


def _grant_roles(cur, ws: PgWorkspace) -> None:
    sql = _sql()
    schema = sql.Identifier(ws.schema)
    viewer, editor = sql.Identifier(ws.viewer_role), sql.Identifier(ws.editor_role)
    for role in (ws.viewer_role, ws.editor_role):
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
        if not cur.fetchone():
            cur.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
    cur.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}, {}").format(schema, viewer, editor))
    cur.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}, {}").format(schema, viewer, editor))
    layers = sql.SQL(", ").join(sql.Identifier(ws.schema, lt.table) for lt in LAYER_TYPES.values())
    cur.execute(sql.SQL("GRANT INSERT, UPDATE, DELETE ON {} TO {}").format(layers, editor))
    cur.execute(sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(schema, editor))
    cur.execute(sql.SQL("GRANT EXECUTE ON FUNCTION {}(text, bigint, jsonb, geometry, text) TO {}").format(
        sql.Identifier(ws.schema, "gs_record_conflict"), editor))


# --- reading -----------------------------------------------------------------------------------------


def read_meta(ref: str | PgWorkspace) -> dict[str, str]:
    import psycopg2

    sql = _sql()
    ws = parse(ref)
    con = connect(ws)
    try:
        with con.cursor() as cur:
            try:
                cur.execute(sql.SQL("SELECT key, value FROM {}").format(sql.Identifier(ws.schema, META_TABLE)))
            except psycopg2.errors.UndefinedTable:
                raise NotAPostgisWorkspace(str(ws), f"no table {ws.schema}.{META_TABLE}",
                                           f"没有表 {ws.schema}.{META_TABLE}") from None
            return dict(cur.fetchall())
    finally:
        con.close()


def open_workspace(ref: str | PgWorkspace) -> WorkspaceInfo:
    """Check the schema is a workspace; its CRS, version and layer counts."""
    sql = _sql()
    ws = parse(ref)
    meta = read_meta(ws)
    con = connect(ws)
    try:
        with con.cursor() as cur:
            cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (ws.schema,))
            present = {r[0] for r in cur.fetchall()}
            missing = [lt.table for lt in LAYER_TYPES.values() if lt.table not in present]
            if missing:
                raise NotAPostgisWorkspace(str(ws), f"missing layers: {', '.join(missing)}",
                                           f"缺少图层：{'、'.join(missing)}")
            counts = {}
            for key, lt in LAYER_TYPES.items():
                cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(ws.schema, lt.table)))
                counts[key] = int(cur.fetchone()[0])
    finally:
        con.close()
    return WorkspaceInfo(str(ws), meta.get("crs", DEFAULT_CRS), int(meta.get("schema_version", 0)), counts)


def read_layer(ref: str | PgWorkspace, key: str):
    """(geometries, {field: values}, fids) of a layer, as workspace.read_layer gives them, in fid order; read
    through GDAL's PostgreSQL driver with the table named in full (schema.table), never left to a search
    path."""

    sql = _sql()
    ws = parse(ref)
    lt = LAYER_TYPES[key]
    cols = [sql.Identifier("fid")] + ([sql.Identifier("geom")] if lt.geometry != "none" else []) \
        + [sql.Identifier(f.name) for f in lt.fields]
    con = connect(ws)
    try:
        query = sql.SQL("SELECT {} FROM {} ORDER BY fid").format(
            sql.SQL(", ").join(cols), sql.Identifier(ws.schema, lt.table)).as_string(con)
    finally:
        con.close()
    return _gdal_sql(ws, query)


def _gdal_sql(ws: PgWorkspace, query: str):
    """(geometries, {column: values}, fids) of an SQL query through GDAL's PostgreSQL driver."""
    import pyogrio.raw

    meta, fids, geometry, field_data = pyogrio.raw.read(ws.gdal(), sql=query, return_fids=True)
    data = dict(zip(list(meta["fields"]), field_data))
    if "fid" in data:  # GDAL may keep fid as a field of an SQL result: the real fids
        fids = np.asarray(data.pop("fid"), dtype="int64")
    geoms = shapely.from_wkb(geometry) if geometry is not None else np.full(len(fids), None, dtype=object)
    return np.asarray(geoms, dtype=object), data, np.asarray(fids)


def fetch_rows(ref: str | PgWorkspace, key: str, where: Any = None, params: Sequence = ()) -> list[dict]:
    """Rows of a layer as dicts (geometry as shapely in `geom`, revision in `gs_rev`); `where` a psycopg2.sql
    Composable (never a string built from user input)."""
    sql = _sql()
    ws = parse(ref)
    lt = LAYER_TYPES[key]
    cols = [sql.Identifier("fid")] + [sql.Identifier(f.name) for f in lt.fields] + [sql.Identifier(REV)]
    if lt.geometry != "none":
        cols.append(sql.SQL("ST_AsBinary(geom) AS geom"))
    query = sql.SQL("SELECT {} FROM {}").format(sql.SQL(", ").join(cols), sql.Identifier(ws.schema, lt.table))
    if where is not None:
        query = sql.SQL("{} WHERE {}").format(query, where)
    query = sql.SQL("{} ORDER BY fid").format(query)
    con = connect(ws)
    try:
        with con.cursor() as cur:
            cur.execute(query, params)
            names = [d[0] for d in cur.description]
            rows = [dict(zip(names, r)) for r in cur.fetchall()]
    finally:
        con.close()
    for row in rows:
        if "geom" in row:
            row["geom"] = shapely.from_wkb(bytes(row["geom"])) if row["geom"] is not None else None
    return rows


# --- editing -----------------------------------------------------------------------------------------


def _geom_sql(lt: LayerType, srid: int):
    """The geometry placeholder: WKB with the workspace's SRID; a Polygon (LineString) into a MultiPolygon
    (MultiLineString) layer is promoted, as the GeoPackage workspace does."""
    sql = _sql()
    inner = sql.SQL("ST_SetSRID(ST_GeomFromWKB(%s), {})").format(sql.Literal(int(srid)))
    if _GEOMETRY.get(lt.geometry, "").startswith("Multi"):
        return sql.SQL("ST_Multi({})").format(inner)
    return inner


def _value(fd, value):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if fd.type == "date" and isinstance(value, (np.datetime64,)):
        return None if np.isnat(value) else str(value)[:10]
    if isinstance(value, np.generic):
        value = value.item()
    if fd.type == "bool" and not isinstance(value, bool):
        return bool(value)
    if fd.type == "int" and isinstance(value, float):
        return int(value)
    return value


def _translate(exc, ws: PgWorkspace, table: str, cur=None):
    """A database error → a GreenShieldError the user can act on."""
    import psycopg2

    if isinstance(exc, psycopg2.errors.InsufficientPrivilege):
        user = "?"
        try:
            user = exc.cursor.connection.info.user if exc.cursor else "?"
        except Exception:  # noqa: BLE001 — only for the message
            pass
        return ReadOnlyWorkspace(str(ws), user, table)
    if isinstance(exc, psycopg2.errors.CheckViolation):
        return PostgisError(f"{table}: a value is not in its code list ({exc.diag.constraint_name}): "
                            f"{exc.diag.message_primary}",
                            f"{table}：取值不在代码表中（{exc.diag.constraint_name}）")
    if isinstance(exc, (psycopg2.DataError, psycopg2.IntegrityError)):
        reason = exc.diag.message_primary or str(exc).strip().splitlines()[0]
        return PostgisError(f"{table}: the database refused a value: {reason}",
                            f"{table}：数据库拒绝了某个取值：{reason}")
    return None


def insert_features(ref: str | PgWorkspace, key: str, geometries: Sequence, records: Iterable[dict], *,
                    editor: str | None = None) -> list[int]:
    """Insert features in one transaction; return their fids."""
    import psycopg2

    sql = _sql()
    ws = parse(ref)
    lt = LAYER_TYPES[key]
    meta = read_meta(ws)
    srid = _srid(meta.get("crs", DEFAULT_CRS))
    names = [f.name for f in lt.fields]
    cols = [sql.Identifier(n) for n in names]
    marks = [sql.Placeholder()] * len(names)
    if lt.geometry != "none":
        cols.insert(0, sql.Identifier("geom"))
        marks.insert(0, _geom_sql(lt, srid))
    query = sql.SQL("INSERT INTO {} ({}) VALUES ({}) RETURNING fid").format(
        sql.Identifier(ws.schema, lt.table), sql.SQL(", ").join(cols), sql.SQL(", ").join(marks))
    records = list(records)
    if len(records) != len(geometries):
        raise ValueError("one record per geometry")
    fids = []
    con = connect(ws, editor)
    try:
        with con, con.cursor() as cur:
            for geom, record in zip(geometries, records):
                values = [_value(fd, record.get(fd.name)) for fd in lt.fields]
                if lt.geometry != "none":
                    values.insert(0, None if geom is None else psycopg2.Binary(shapely.to_wkb(geom)))
                try:
                    cur.execute(query, values)
                except psycopg2.Error as exc:
                    raise (_translate(exc, ws, lt.table) or exc) from None
                fids.append(int(cur.fetchone()[0]))
    finally:
        con.close()
    return fids


def replace_features(ref: str | PgWorkspace, key: str, field: str, value: Any, geometries: Sequence,
                     records: Sequence[dict], *, editor: str | None = None) -> int:
    """Delete the layer's rows whose `field` equals `value` and insert `records`, in one transaction."""
    import psycopg2

    sql = _sql()
    ws = parse(ref)
    lt = LAYER_TYPES[key]
    if field not in lt.field_names():
        raise PostgisError(f"{lt.table} has no field {field}", f"{lt.table} 图层没有字段 {field}")
    srid = _srid(read_meta(ws).get("crs", DEFAULT_CRS))
    names = lt.field_names()
    cols = [sql.Identifier(n) for n in names]
    marks = [sql.Placeholder()] * len(names)
    if lt.geometry != "none":
        cols.insert(0, sql.Identifier("geom"))
        marks.insert(0, _geom_sql(lt, srid))
    insert = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
        sql.Identifier(ws.schema, lt.table), sql.SQL(", ").join(cols), sql.SQL(", ").join(marks))
    con = connect(ws, editor)
    try:
        with con, con.cursor() as cur:
            try:
                cur.execute(sql.SQL("DELETE FROM {} WHERE {} = %s").format(
                    sql.Identifier(ws.schema, lt.table), sql.Identifier(field)), (value,))
                for geom, record in zip(geometries, records):
                    values = [_value(fd, record.get(fd.name)) for fd in lt.fields]
                    if lt.geometry != "none":
                        values.insert(0, None if geom is None else psycopg2.Binary(shapely.to_wkb(geom)))
                    cur.execute(insert, values)
            except psycopg2.Error as exc:
                raise (_translate(exc, ws, lt.table) or exc) from None
    finally:
        con.close()
    return len(records)


def update_feature(ref: str | PgWorkspace, key: str, fid: int, values: dict, *, based_on_rev: int,
                   geometry: Any = None, editor: str | None = None) -> int:
    """Change one feature, as read at revision `based_on_rev`; return the new revision. A feature changed by
    someone else since raises EditConflict (and the refused change is kept in the history)."""
    import psycopg2

    sql = _sql()
    ws = parse(ref)
    lt = LAYER_TYPES[key]
    known = {f.name: f for f in lt.fields}
    bad = [k for k in values if k not in known]
    if bad:
        raise PostgisError(f"{lt.table} has no field {', '.join(bad)}", f"{lt.table} 图层没有字段 {'、'.join(bad)}")
    sets = [sql.SQL("{} = %s").format(sql.Identifier(k)) for k in values]
    params = [_value(known[k], v) for k, v in values.items()]
    if geometry is not None and lt.geometry != "none":
        srid = _srid(read_meta(ws).get("crs", DEFAULT_CRS))
        sets.append(sql.SQL("geom = {}").format(_geom_sql(lt, srid)))
        params.append(psycopg2.Binary(shapely.to_wkb(geometry)))
    sets.append(sql.SQL("{} = %s").format(sql.Identifier(BASE_REV)))
    params.append(int(based_on_rev))
    query = sql.SQL("UPDATE {} SET {} WHERE fid = %s RETURNING {}").format(
        sql.Identifier(ws.schema, lt.table), sql.SQL(", ").join(sets), sql.Identifier(REV))
    con = connect(ws, editor)
    try:
        try:
            with con, con.cursor() as cur:
                cur.execute(query, params + [int(fid)])
                row = cur.fetchone()
                if row is None:
                    raise PostgisError(f"{lt.table} has no feature {fid}", f"{lt.table} 图层中没有要素 {fid}")
                return int(row[0])
        except psycopg2.Error as exc:
            if getattr(exc, "pgcode", None) == CONFLICT_STATE:
                detail = (exc.diag.message_detail or "").strip()
                srid = _srid(read_meta(ws).get("crs", DEFAULT_CRS))
                _record_conflict(con, ws, lt.table, int(fid), values, editor, detail, geometry, srid)
                raise EditConflict(str(ws), lt.table, int(fid), detail) from None
            raise (_translate(exc, ws, lt.table) or exc) from None
    finally:
        con.close()


def _record_conflict(con, ws: PgWorkspace, table: str, fid: int, values: dict, editor: str | None,
                     detail: str, geometry=None, srid: int = 0) -> None:
    """The refused change (values and geometry), kept in the history in its own transaction (through a
    function only editors may call, as nobody writes the history table directly)."""
    import psycopg2

    sql = _sql()
    geom = None if geometry is None else psycopg2.Binary(shapely.to_wkb(geometry))
    with con, con.cursor() as cur:
        cur.execute(sql.SQL("SELECT {}(%s, %s, %s, ST_SetSRID(ST_GeomFromWKB(%s), %s), %s)").format(
            sql.Identifier(ws.schema, "gs_record_conflict")),
            (table, fid, json.dumps(values, ensure_ascii=False, default=str), geom, srid, detail))


def delete_features(ref: str | PgWorkspace, key: str, fids: Sequence[int], *, editor: str | None = None) -> int:
    import psycopg2

    sql = _sql()
    ws = parse(ref)
    lt = LAYER_TYPES[key]
    con = connect(ws, editor)
    try:
        with con, con.cursor() as cur:
            try:
                cur.execute(sql.SQL("DELETE FROM {} WHERE fid = ANY(%s)").format(sql.Identifier(ws.schema, lt.table)),
                            ([int(f) for f in fids],))
            except psycopg2.Error as exc:
                raise (_translate(exc, ws, lt.table) or exc) from None
            return cur.rowcount
    finally:
        con.close()


def history(ref: str | PgWorkspace, key: str | None = None, fid: int | None = None, *,
            audit_id: int | None = None, last: int | None = None) -> list[dict]:
    """The audit rows, oldest first (geometries as shapely); `last` keeps only the newest rows (read from the
    database as such, so a long history is not loaded)."""
    sql = _sql()
    ws = parse(ref)
    where, params = [], []
    if audit_id is not None:
        where.append(sql.SQL("audit_id = %s"))
        params.append(int(audit_id))
    if key:
        where.append(sql.SQL("layer = %s"))
        params.append(LAYER_TYPES[key].table)
    if fid is not None:
        where.append(sql.SQL("fid = %s"))
        params.append(int(fid))
    query = sql.SQL("SELECT audit_id, at, db_user, editor, layer, fid, op, old_values, new_values, "
                    "ST_AsBinary(old_geom), ST_AsBinary(new_geom), note FROM {}").format(
        sql.Identifier(ws.schema, AUDIT_TABLE))
    if where:
        query = sql.SQL("{} WHERE {}").format(query, sql.SQL(" AND ").join(where))
    if last:
        query = sql.SQL("SELECT * FROM ({} ORDER BY audit_id DESC LIMIT {}) newest").format(
            query, sql.Literal(int(last)))
    con = connect(ws)
    try:
        with con.cursor() as cur:
            cur.execute(sql.SQL("{} ORDER BY 1").format(query), params)
            rows = cur.fetchall()
    finally:
        con.close()
    names = ("audit_id", "at", "db_user", "editor", "layer", "fid", "op", "old_values", "new_values", "old_geom",
             "new_geom", "note")
    out = []
    for r in rows:
        row = dict(zip(names, r))
        for g in ("old_geom", "new_geom"):
            row[g] = shapely.from_wkb(bytes(row[g])) if row[g] is not None else None
        out.append(row)
    return out


class UndoRefused(PostgisError):
    code = "undo_refused"

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en, zh)


def undo(ref: str | PgWorkspace, audit_id: int, *, editor: str | None = None, force: bool = False) -> str:
    """Put the feature of one history row back as it was before that change: a feature the change created is
    deleted, one it deleted is inserted again with its fid, an update is reverted. The feature must still be as
    that change left it — later changes are undone first (newest first), or `force` overwrites them. The
    undo is recorded in the history too. Return what was done."""
    import psycopg2

    sql = _sql()
    ws = parse(ref)
    rows = history(ws, audit_id=int(audit_id))
    if not rows:
        raise PostgisError(f"No history row {audit_id} in {ws}", f"{ws} 的历史中没有第 {audit_id} 条记录")
    row = rows[0]
    if row["op"] == "conflict":
        raise UndoRefused(f"History row {audit_id} is a refused edit; it changed nothing, so there is nothing to undo",
                          f"历史记录 {audit_id} 是被拒绝的编辑，未改变数据，无需撤销")
    lt = next(lt for lt in LAYER_TYPES.values() if lt.table == row["layer"])
    table = sql.Identifier(ws.schema, lt.table)
    srid = _srid(read_meta(ws).get("crs", DEFAULT_CRS))
    before, before_geom = row["old_values"], row["old_geom"]  # None: the change created the feature
    after = row["new_values"]  # None: the change deleted it
    con = connect(ws, editor)
    try:
        with con, con.cursor() as cur:
            cur.execute("SELECT set_config('green_shield.note', 'undo', true)")
            try:
                cur.execute(sql.SQL("SELECT {} FROM {} WHERE fid = %s FOR UPDATE").format(sql.Identifier(REV), table),
                            (row["fid"],))
                current = cur.fetchone()
                still = (current is None) if after is None else (
                    current is not None and int(current[0]) == int(after.get(REV, -1)))
                if not still and not force:
                    raise UndoRefused(
                        f"{lt.table} feature {row['fid']} was changed again after history row {audit_id}; undo the "
                        "later changes first (newest first, see pg-history), or force it to overwrite them",
                        f"{lt.table} 图层要素 {row['fid']} 在第 {audit_id} 条历史记录之后又被修改过；"
                        "请先（从最新的开始）撤销之后的修改（见 pg-history），或强制撤销以覆盖这些修改")
                names = [f.name for f in lt.fields]
                if before is None:  # the change created it
                    cur.execute(sql.SQL("DELETE FROM {} WHERE fid = %s").format(table), (row["fid"],))
                    done = "deleted"
                else:
                    params = [before.get(n) for n in names]
                    geom_sql = _geom_sql(lt, srid)
                    geom = psycopg2.Binary(shapely.to_wkb(before_geom)) if before_geom is not None else None
                    if current is None:  # deleted: insert it again with its fid
                        cols = [sql.Identifier("fid")] + [sql.Identifier(n) for n in names]
                        marks = [sql.Placeholder()] * (len(names) + 1)
                        values = [row["fid"]] + params
                        if lt.geometry != "none":
                            cols.append(sql.Identifier("geom"))
                            marks.append(geom_sql)
                            values.append(geom)
                        cur.execute(sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
                            table, sql.SQL(", ").join(cols), sql.SQL(", ").join(marks)), values)
                        done = "restored"
                    else:
                        sets = [sql.SQL("{} = %s").format(sql.Identifier(n)) for n in names]
                        values = params
                        if lt.geometry != "none":
                            sets.append(sql.SQL("geom = {}").format(geom_sql))
                            values = values + [geom]
                        cur.execute(sql.SQL("UPDATE {} SET {} WHERE fid = %s").format(
                            table, sql.SQL(", ").join(sets)), values + [row["fid"]])
                        done = "reverted"
            except psycopg2.Error as exc:
                raise (_translate(exc, ws, lt.table) or exc) from None
    finally:
        con.close()
    return done


def can_edit(ref: str | PgWorkspace) -> bool:
    """May the connecting user change the layers?"""
    sql = _sql()
    ws = parse(ref)
    con = connect(ws)
    try:
        with con.cursor() as cur:
            cur.execute(sql.SQL("SELECT has_table_privilege({}, 'UPDATE')").format(
                sql.Literal(f"{ws.schema}.{LAYER_TYPES['redline'].table}")))
            return bool(cur.fetchone()[0])
    finally:
        con.close()


# --- copying ------------------------------------------------------------------------------------------


def copy_gpkg_to_postgis(gpkg: str, ref: str | PgWorkspace, *, overwrite: bool = False, roles: bool = True) -> dict:
    """A new PostGIS workspace holding every feature of a GeoPackage workspace (same fids, fields, codes,
    geometries). All or nothing: the schema is created and filled in one transaction."""
    import psycopg2
    from psycopg2.extras import execute_values

    from . import workspace as gw

    sql = _sql()
    ws = parse(ref)
    info = gw.open_workspace(gpkg)
    meta = gw.read_meta(gpkg)
    srid = _srid(info.crs)
    counts = {}
    fill_existing = False
    if _schema_exists(ws) and not overwrite:
        try:
            existing = open_workspace(ws)
        except NotAPostgisWorkspace:
            raise WorkspaceSchemaExists(str(ws)) from None
        if any(existing.layers.values()):
            raise WorkspaceSchemaExists(str(ws))
        if existing.crs != info.crs:
            raise CopyRefused(f"{ws} is in {existing.crs}, {gpkg} in {info.crs}; copy into a new schema instead.",
                              f"{ws} 的坐标系为 {existing.crs}，{gpkg} 为 {info.crs}；请复制到新的模式。")
        fill_existing = True  # an empty workspace made with init-postgis: filled, its roles kept
    con = connect(ws, "copy")
    try:
        with con, con.cursor() as cur:
            if not fill_existing:
                _create_schema(cur, ws, info.crs, overwrite, roles, meta)
            cur.execute("SELECT set_config('green_shield.note', %s, true)", (f"copied from {gpkg}",))
            for key, lt in LAYER_TYPES.items():
                geoms, columns, fids = gw.read_layer(gpkg, key)
                names = [f.name for f in lt.fields]
                cols = [sql.Identifier("fid")] + [sql.Identifier(n) for n in names]
                template = ["%s"] * (len(names) + 1)
                if lt.geometry != "none":
                    cols.append(sql.Identifier("geom"))
                    template.append(_geom_sql(lt, srid).as_string(cur))
                query = sql.SQL("INSERT INTO {} ({}) VALUES %s").format(
                    sql.Identifier(ws.schema, lt.table), sql.SQL(", ").join(cols)).as_string(cur)
                rows = []
                for i, fid in enumerate(fids):
                    values = [int(fid)] + [_value(lt.fields[j], columns[n][i]) for j, n in enumerate(names)]
                    if lt.geometry != "none":
                        g = geoms[i]
                        values.append(None if g is None else psycopg2.Binary(shapely.to_wkb(g)))
                    rows.append(values)
                row_template = "(" + ", ".join(template) + ")"
                cur.execute("SAVEPOINT gs_layer")
                try:
                    execute_values(cur, query, rows, template=row_template, page_size=1000)
                except psycopg2.Error as exc:
                    if isinstance(exc, psycopg2.errors.InsufficientPrivilege):
                        raise _refused(exc, ws) from None
                    cur.execute("ROLLBACK TO SAVEPOINT gs_layer")
                    fid, reason = _first_bad_row(cur, query, rows, row_template, exc)
                    raise CopyRefused(f"{gpkg}, layer {lt.table}, feature {fid}: {reason}. Correct it in the "
                                      "GeoPackage (nothing was copied).",
                                      f"{gpkg} 的 {lt.table} 图层要素 {fid}：{reason}。请在 GeoPackage 中改正后重试"
                                      "（未复制任何数据）。") from None
                if len(fids):
                    cur.execute(sql.SQL("SELECT setval(pg_get_serial_sequence({}, 'fid'), %s)").format(
                        sql.Literal(f"{ws.schema}.{lt.table}")), (int(max(fids)),))
                counts[key] = len(fids)
    except psycopg2.Error as exc:
        raise _refused(exc, ws) from None
    finally:
        con.close()
    return counts


def _first_bad_row(cur, query: str, rows: list, template: str, exc) -> tuple:
    """The fid of the first row the database refuses, and why (each tried under its own savepoint)."""
    import psycopg2
    from psycopg2.extras import execute_values

    for row in rows:
        cur.execute("SAVEPOINT gs_row")
        try:
            execute_values(cur, query, [row], template=template)
        except psycopg2.Error as bad:
            cur.execute("ROLLBACK TO SAVEPOINT gs_row")
            return row[0], (bad.diag.message_primary or str(bad).strip().splitlines()[0])
        cur.execute("ROLLBACK TO SAVEPOINT gs_row")
    return "?", (exc.diag.message_primary or str(exc))


def copy_postgis_to_gpkg(ref: str | PgWorkspace, gpkg: str, *, overwrite: bool = False) -> dict:
    """A GeoPackage workspace holding every feature of a PostGIS workspace (same fids, fields, codes, geometries),
    built aside and moved into place at the end."""
    import os

    from . import workspace as gw

    ws = parse(ref)
    info = open_workspace(ws)
    meta = read_meta(ws)
    if os.path.exists(gpkg) and not overwrite:
        from .errors import WorkspaceExists

        raise WorkspaceExists(gpkg)
    folder = os.path.dirname(os.path.abspath(gpkg))
    tmp = os.path.join(folder, f".copying-{os.path.basename(gpkg)}")
    if os.path.exists(tmp):
        os.remove(tmp)
    counts = {}
    try:
        gw.create_workspace(tmp, info.crs)
        for key, lt in LAYER_TYPES.items():
            rows = fetch_rows(ws, key)
            counts[key] = len(rows)
            if key == "case_history":  # the GeoPackage's ledger triggers logged the cases just copied: the
                import sqlite3  # database's own history replaces those rows

                with sqlite3.connect(tmp) as lite:
                    lite.execute("DELETE FROM case_history")
            if not rows:
                continue
            records = [{f.name: r[f.name] for f in lt.fields} for r in rows]
            gw.write_features(tmp, key, [r.get("geom") for r in rows], records)
            _set_fids(tmp, lt.table, [int(r["fid"]) for r in rows])
        import sqlite3

        with sqlite3.connect(tmp) as con:
            for key in ("workspace_id", "created", "created_by"):
                if key in meta:
                    con.execute(f"UPDATE {gw.META_TABLE} SET value = ? WHERE key = ?", (meta[key], key))
        os.replace(tmp, gpkg)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return counts


def _set_fids(gpkg: str, table: str, fids: list[int]) -> None:
    """Give the rows just appended (in order) the fids they had in PostGIS."""
    import sqlite3

    from .gpkg import connect as gpkg_connect

    con = gpkg_connect(gpkg)
    try:
        with con:
            have = [r[0] for r in con.execute(f'SELECT fid FROM "{table}" ORDER BY fid')]
            if have == fids:  # already the same (the usual case: fids counted up from 1 in both)
                return
            offset = max(max(have), max(fids)) + 1
            # two steps, so a new fid never meets an old one
            for old, new in zip(have, fids):
                con.execute(f'UPDATE "{table}" SET fid = ? WHERE fid = ?', (new + offset, old))
            for new in fids:
                con.execute(f'UPDATE "{table}" SET fid = ? WHERE fid = ?', (new, new + offset))
    except sqlite3.DatabaseError:
        raise
    finally:
        con.close()


# --- command line -----------------------------------------------------------------------------------


def _cmd_init(args) -> int:
    info = init_workspace(args.ref, args.crs, overwrite=args.overwrite, roles=not args.no_roles)
    ws = parse(args.ref)
    roles = "" if args.no_roles else f"; roles {ws.viewer_role} (view) and {ws.editor_role} (edit)"
    print(f"PostGIS workspace {ws} created ({info.crs}, schema version {info.schema_version}){roles}")
    return 0


def _cmd_copy(args) -> int:
    if is_postgis(args.target):
        counts = copy_gpkg_to_postgis(args.source, args.target, overwrite=args.overwrite)
    elif is_postgis(args.source):
        counts = copy_postgis_to_gpkg(args.source, args.target, overwrite=args.overwrite)
    else:
        raise CopyRefused("One side of the copy must be a PostGIS workspace (PG:… schema=…).",
                          "复制的一端须为 PostGIS 工作空间（PG:… schema=…）。")
    total = sum(counts.values())
    print(f"copied {total} features" + (": " + ", ".join(f"{k} {v}" for k, v in counts.items() if v) if total else ""))
    return 0


def _cmd_history(args) -> int:
    for row in history(args.ref, args.layer, args.fid, last=args.last):
        who = row["editor"] or row["db_user"]
        changed = ""
        if row["op"] == "update" and row["old_values"] and row["new_values"]:
            keys = [k for k in row["new_values"] if k not in ("gs_rev",)
                    and row["old_values"].get(k) != row["new_values"].get(k)]
            changed = ", ".join(f"{k}: {row['old_values'].get(k)!r} → {row['new_values'].get(k)!r}" for k in keys)
            if row["old_geom"] is not None and row["new_geom"] is not None and \
                    not row["old_geom"].equals(row["new_geom"]):
                changed += (", " if changed else "") + "geometry"
        print("\t".join(str(x) for x in (row["audit_id"], row["at"].isoformat(timespec="seconds"), who, row["layer"],
                                         row["fid"], row["op"], changed or (row["note"] or ""))))
    return 0


def _cmd_undo(args) -> int:
    done = undo(args.ref, args.audit_id, editor=args.by, force=args.force)
    print(f"history row {args.audit_id}: feature {done}")
    return 0


def add_cli(sub) -> None:
    """`green-shield init-postgis`, `pg-copy`, `pg-history`, `pg-undo`."""
    import os

    p = sub.add_parser("init-postgis",
                       help="create a PostGIS workspace (schema, history, roles) / 创建 PostGIS 工作空间")
    p.add_argument("ref", help="PG:service=NAME schema=SCHEMA (no password: use pg_service.conf and ~/.pgpass)")
    p.add_argument("--crs", default=DEFAULT_CRS)
    p.add_argument("--overwrite", action="store_true", help="replace an existing schema (its data and history)")
    p.add_argument("--no-roles", action="store_true", help="do not create the viewer and editor roles")
    p.set_defaults(func=_cmd_init)
    c = sub.add_parser("pg-copy", help="copy a GeoPackage workspace into PostGIS or back / 复制工作空间")
    c.add_argument("source", help="GeoPackage workspace or PG:… schema=…")
    c.add_argument("target", help="PG:… schema=… or a GeoPackage to create")
    c.add_argument("--overwrite", action="store_true")
    c.set_defaults(func=_cmd_copy)
    h = sub.add_parser("pg-history", help="the edit history of a PostGIS workspace / 编辑历史")
    h.add_argument("ref")
    h.add_argument("--layer", choices=list(LAYER_TYPES))
    h.add_argument("--fid", type=int)
    h.add_argument("--last", type=int, default=50)
    h.set_defaults(func=_cmd_history)
    u = sub.add_parser("pg-undo", help="undo one change from the history / 撤销一次修改")
    u.add_argument("ref")
    u.add_argument("audit_id", type=int)
    u.add_argument("--by", default=os.environ.get("USER", "green-shield"))
    u.add_argument("--force", action="store_true", help="undo even if the feature was changed again since")
    u.set_defaults(func=_cmd_undo)


# --- screening pushed into the database --------------------------------------------------------------


def _near_fids(ws: PgWorkspace, reach_m: float, crs: str, keys: Sequence[str]):
    """A CTE `near(fid)`: the projects whose box meets a protected feature's box grown by reach_m. The grown
    boxes are computed once (a few hundred zones) and joined to the projects through the projects' GiST index.

    In a geographic CRS the growth is in degrees, generous at the workspace's highest latitude, so no project
    within reach is ever left out; the exact test is the screening's own."""
    import math

    from pyproj import CRS

    sql = _sql()
    dx = dy = float(reach_m)
    con = connect(ws)
    try:
        with con.cursor() as cur:
            boxes = []
            for key in keys:
                cur.execute(sql.SQL("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
                                    "(SELECT ST_Extent(geom) AS e FROM {}) x").format(
                    sql.Identifier(ws.schema, LAYER_TYPES[key].table)))
                box = cur.fetchone()
                if box and box[0] is not None:
                    boxes.append(box)
    finally:
        con.close()
    source = CRS.from_user_input(crs)
    if source.is_geographic:
        lat = max([max(abs(b[1]), abs(b[3])) for b in boxes] + [0.0])
        lat = min(lat + 1.0, 89.0)
        dx = reach_m / (111_320.0 * math.cos(math.radians(lat))) * 1.01
        dy = reach_m / 110_574.0 * 1.01
    elif boxes:  # a projected CRS: grown by its largest scale factor over the protected features (Web Mercator)
        from pyproj import Proj, Transformer

        to_lonlat = Transformer.from_crs(source, "EPSG:4326", always_xy=True)
        proj = Proj(source.to_wkt())
        scale = 1.0
        for b in boxes:
            for x, y in ((b[0], b[1]), (b[0], b[3]), (b[2], b[1]), (b[2], b[3]), ((b[0] + b[2]) / 2,
                                                                                   (b[1] + b[3]) / 2)):
                lon, lat = to_lonlat.transform(x, y)
                try:
                    f = proj.get_factors(lon, lat)
                    scale = max(scale, float(f.meridional_scale), float(f.parallel_scale))
                except Exception:  # noqa: BLE001 — no factors for this CRS: take it as true to scale
                    pass
        dx = dy = reach_m * scale * 1.01
    boxes = sql.SQL(" UNION ALL ").join(
        sql.SQL("SELECT ST_Expand(geom, {}, {}) AS box FROM {} WHERE geom IS NOT NULL").format(
            sql.Literal(dx), sql.Literal(dy), sql.Identifier(ws.schema, LAYER_TYPES[key].table)) for key in keys)
    project = sql.Identifier(ws.schema, LAYER_TYPES["project"].table)
    return sql.SQL("WITH z AS MATERIALIZED ({}), near AS MATERIALIZED (SELECT DISTINCT q.fid FROM z JOIN {} q "
                   "ON q.geom && z.box)").format(boxes, project)


def read_projects_near(ref: str | PgWorkspace, reach_m: float, keys: Sequence[str]):
    """The projects within reach of the protected layers `keys` — (geometries, columns, fids), as read_layer
    gives them — with the spatial filter run in the database, the others as rows (fid, project_code, name,
    category) without geometry, and the extent of all projects. One statement, so one snapshot: a project is
    in exactly one of the two lists. A project without a geometry is in the first (screening gives it 需复核)."""

    sql = _sql()
    ws = parse(ref)
    crs = read_meta(ws).get("crs", DEFAULT_CRS)
    near = _near_fids(ws, reach_m, crs, keys)
    lt = LAYER_TYPES["project"]
    table = sql.Identifier(ws.schema, lt.table)
    flag = sql.SQL("(n.fid IS NOT NULL OR p.geom IS NULL OR ST_IsEmpty(p.geom))")
    fields = sql.SQL(", ").join(sql.SQL("p.{}").format(sql.Identifier(f.name)) for f in lt.fields)
    con = connect(ws)
    try:
        query = sql.SQL("{} SELECT p.fid, CASE WHEN {} THEN p.geom END AS geom, {}, {} AS gs_near FROM {} p "
                        "LEFT JOIN near n ON n.fid = p.fid ORDER BY p.fid").format(
            near, flag, fields, flag, table).as_string(con)
        with con.cursor() as cur:
            cur.execute(sql.SQL("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
                                "(SELECT ST_Extent(geom) AS e FROM {}) x").format(table))
            extent = cur.fetchone()
    finally:
        con.close()
    geoms, data, fids = _gdal_sql(ws, query)
    flags = np.asarray(data.pop("gs_near")).astype(bool)
    columns = {k: np.asarray(v)[flags] for k, v in data.items()}
    far = [{"fid": int(fids[i]), "project_code": data["project_code"][i], "name": data["name"][i],
            "category": data["category"][i]} for i in np.flatnonzero(~flags)]
    bounds = tuple(extent) if extent and extent[0] is not None else None
    return (np.asarray(geoms, dtype=object)[flags], columns, np.asarray(fids)[flags]), far, bounds
