"""A throw-away PostgreSQL + PostGIS server for the tests.

``start()`` runs ``initdb`` in a temporary folder, starts the server on 127.0.0.1 at a free TCP port
(and on a unix socket in that folder), makes the database ``greenshield_test`` with PostGIS and a
pg_service file with the service ``gs_test``; ``stop()`` stops the server and removes the folder.
The server binaries are the distribution's (``make deps`` installs postgresql and
postgresql-postgis). ``initdb`` and ``postgres`` refuse to run as root: as root the cluster is
owned by, and run as, the ``postgres`` system user (``runuser``).

With ``GREEN_SHIELD_TEST_PG`` set to a libpq conninfo of an existing server (a superuser
connection), that server is used instead: the test databases and roles are made there and dropped
again by ``stop()``.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ENV_VAR = "GREEN_SHIELD_TEST_PG"
SERVICE = "gs_test"
DBNAME = "greenshield_test"
SUPERUSER = "gs_super"
TEMPLATE = "gs_postgis_template"
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_HINT = "run `make deps` (it installs the postgresql, postgresql-postgis and python3-psycopg2 packages)"


class PgServerUnavailable(RuntimeError):
    """PostgreSQL, PostGIS or psycopg2 is missing, or the server did not start."""


def _psycopg2():
    try:
        import psycopg2
        import psycopg2.extensions
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise PgServerUnavailable(f"psycopg2 is not importable ({exc}): {_HINT}") from exc
    return psycopg2


def _version_key(path: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in re.split(r"[.]", Path(path).parent.name))


def find_bindir() -> tuple[Path, Path]:
    """(bin dir, extension dir) of the newest installed PostgreSQL server that has PostGIS."""
    found_server = []
    for bindir in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True):
        if not all(os.access(os.path.join(bindir, b), os.X_OK) for b in ("initdb", "pg_ctl", "postgres")):
            continue
        found_server.append(bindir)
        version = Path(bindir).parent.name
        extdir = Path("/usr/share/postgresql") / version / "extension"
        if (extdir / "postgis.control").exists():
            return Path(bindir), extdir
    # Elsewhere (not Debian/Ubuntu): initdb on PATH and pg_config to find the extensions.
    initdb = shutil.which("initdb")
    pg_config = shutil.which("pg_config")
    if initdb and pg_config:
        bindir = Path(initdb).parent
        share = subprocess.run([pg_config, "--sharedir"], capture_output=True, text=True).stdout.strip()
        extdir = Path(share) / "extension"
        if (bindir / "pg_ctl").exists() and (extdir / "postgis.control").exists():
            return bindir, extdir
        found_server.append(str(bindir))
    if found_server:
        raise PgServerUnavailable(f"PostgreSQL is installed ({', '.join(found_server)}) but PostGIS is not: {_HINT}")
    raise PgServerUnavailable(f"no PostgreSQL server (initdb, pg_ctl, postgres) found: {_HINT}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _quote(value: str) -> str:
    """A libpq conninfo value."""
    if value and re.fullmatch(r"[A-Za-z0-9_./:-]+", value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class PgServer:
    """A running server. Attributes: host, port, dbname, superuser, conninfo, service_file, service,
    socket_dir, workdir (the temporary folder), external (True when GREEN_SHIELD_TEST_PG is used),
    startup_seconds."""

    service = SERVICE

    def __init__(self) -> None:
        self.host: str | None = "127.0.0.1"
        self.port: int = 0
        self.dbname = DBNAME
        self.superuser = SUPERUSER
        self.workdir: Path | None = None
        self.service_file: Path | None = None
        self.external = False
        self.startup_seconds = 0.0
        self._bindir: Path | None = None
        self._run_as: str | None = None
        self._admin_conninfo = ""  # superuser, maintenance database
        self._roles: list[str] = []
        self._databases: list[str] = []
        self._running = False
        self._watchdog: subprocess.Popen | None = None

    # -- what the tests use --------------------------------------------------------------------

    @property
    def socket_dir(self) -> Path | None:
        """The folder of the server's unix socket (None for an external server)."""
        return None if self.external else self.workdir

    @property
    def conninfo(self) -> str:
        """libpq keyword string for the superuser in the test database (no service needed)."""
        return self.conninfo_for()

    def conninfo_for(self, dbname: str | None = None, user: str | None = None) -> str:
        parts = []
        if self.host:
            parts.append(f"host={_quote(self.host)}")
        if self.port:
            parts.append(f"port={self.port}")
        parts.append(f"dbname={_quote(dbname or self.dbname)}")
        parts.append(f"user={_quote(user or self.superuser)}")
        return " ".join(parts)

    def connect(self, dbname: str | None = None, user: str | None = None):
        """A psycopg2 connection (the caller closes it)."""
        return _psycopg2().connect(self.conninfo_for(dbname, user))

    def psql(self, sql: str, dbname: str | None = None, user: str | None = None) -> list[tuple]:
        """Run SQL (one or more statements, autocommit) as the superuser in ``dbname`` (default the
        test database); the rows of the last statement, [] if it returns none."""
        conn = self.connect(dbname, user)
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(sql)
                return cur.fetchall() if cur.description is not None else []
        finally:
            conn.close()

    def create_login_role(self, name: str, member_of: str | list[str] | None = None) -> str:
        """A LOGIN role without password (trust auth) and without superuser, optionally a member
        of other roles (made as NOLOGIN roles if they do not exist). Returns the name."""
        self._check_name(name)
        groups = [member_of] if isinstance(member_of, str) else list(member_of or [])
        for group in groups:
            self._check_name(group)
            self._ensure_role(group, login=False)
        self._ensure_role(name, login=True)
        for group in groups:
            self._admin(f'GRANT "{group}" TO "{name}"')
        return name

    def create_database(self, name: str, owner: str | None = None) -> str:
        """A new database with PostGIS (copied from a PostGIS template database). Returns the name."""
        self._check_name(name)
        stmt = f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"'
        if owner:
            self._check_name(owner)
            stmt += f' OWNER "{owner}"'
        self._admin(stmt)
        self._databases.append(name)
        return name

    # -- start and stop --------------------------------------------------------------------------

    def start(self) -> PgServer:
        t0 = time.monotonic()
        _psycopg2()
        external = os.environ.get(ENV_VAR, "").strip()
        base = None if len(tempfile.gettempdir()) < 60 else "/tmp"  # unix socket paths are short
        self.workdir = Path(tempfile.mkdtemp(prefix="gs-pg-", dir=base))
        try:
            if external:
                self._use_external(external)
            else:
                self._start_local()
            self._admin_conninfo = self.conninfo_for("postgres")
            self._wait_ready()
            if self.external:
                for db in (DBNAME, TEMPLATE):
                    self._admin(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
            self._admin(f"CREATE DATABASE {TEMPLATE}")
            self._databases.append(TEMPLATE)
            self.psql("CREATE EXTENSION postgis", dbname=TEMPLATE)
            self.create_database(DBNAME)
            self._write_service_file()
        except BaseException:
            self.stop()
            raise
        atexit.register(self.stop)
        self.startup_seconds = time.monotonic() - t0
        return self

    def stop(self) -> None:
        """Stop the server and remove its folder (for an external server: drop what was made)."""
        if self.external and self._running:
            self._drop_external_objects()
        if self._watchdog is not None:
            self._watchdog.kill()
            self._watchdog.wait()
            self._watchdog = None
        if self.workdir is not None and not self.external:
            _stop_cluster(self._bindir, self.workdir, self._run_as, "fast")
        elif self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
        self._running = False
        self.workdir = None

    # -- internals -------------------------------------------------------------------------------

    def _start_local(self) -> None:
        self._bindir, _ = find_bindir()
        workdir = self.workdir
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise PgServerUnavailable(f"running as root and there is no 'postgres' user: {_HINT}") from exc
            self._run_as = "postgres"
            os.chown(workdir, pw.pw_uid, pw.pw_gid)
        os.chmod(workdir, 0o755)  # the service file is read by whoever runs the tests
        data = workdir / "data"
        last_error = ""
        for locale in ("C.UTF-8", "C"):
            result = self._run([self._bin("initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
                                f"--locale={locale}", "--no-sync"], check=False)
            if result.returncode == 0:
                break
            last_error = result.stderr + result.stdout
            shutil.rmtree(data, ignore_errors=True)
        else:
            raise PgServerUnavailable(f"initdb failed:\n{last_error}")
        log = workdir / "server.log"
        for _attempt in range(5):
            self.port = _free_port()
            with open(data / "postgresql.conf", "a", encoding="utf-8") as conf:
                conf.write(
                    "\n# green shield tests\n"
                    f"port = {self.port}\n"
                    "listen_addresses = '127.0.0.1'\n"
                    f"unix_socket_directories = '{workdir}'\n"
                    "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                    "max_connections = 50\nshared_buffers = 32MB\n"
                    "log_min_messages = warning\n"
                )
            result = self._run([self._bin("pg_ctl"), "start", "-D", str(data), "-l", str(log), "-w", "-t", "60"],
                               check=False, new_session=True)
            if result.returncode == 0:
                self._running = True
                self._start_watchdog()
                return
            log_text = log.read_text(errors="replace") if log.exists() else ""
            if "could not bind" not in log_text and "in use" not in log_text:
                break
        raise PgServerUnavailable(f"pg_ctl start failed:\n{result.stdout}{result.stderr}\n{log_text[-3000:]}")

    def _use_external(self, conninfo: str) -> None:
        psycopg2 = _psycopg2()
        params = psycopg2.extensions.parse_dsn(conninfo)
        conn = psycopg2.connect(conninfo)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT current_user, inet_server_port(), "
                            "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user)")
                user, port, is_super = cur.fetchone()
        finally:
            conn.close()
        if not is_super:
            raise PgServerUnavailable(f"{ENV_VAR}: {user} is not a superuser")
        self.external = True
        self.host = params.get("host") or params.get("hostaddr")
        self.port = int(params.get("port") or port or 0)
        self.superuser = user
        self._running = True

    def _wait_ready(self, timeout: float = 30.0) -> None:
        psycopg2 = _psycopg2()
        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg2.connect(self._admin_conninfo, connect_timeout=2).close()
                return
            except psycopg2.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise PgServerUnavailable(f"the server does not accept connections: {exc}") from exc
                time.sleep(0.1)

    def _write_service_file(self) -> None:
        lines = [f"[{SERVICE}]"]
        if self.host:
            lines.append(f"host={self.host}")
        if self.port:
            lines.append(f"port={self.port}")
        lines += [f"dbname={self.dbname}", f"user={self.superuser}", ""]
        self.service_file = self.workdir / "pg_service.conf"
        self.service_file.write_text("\n".join(lines), encoding="utf-8")
        os.chmod(self.service_file, 0o644)

    def _ensure_role(self, name: str, login: bool) -> None:
        exists = self._admin_rows(f"SELECT 1 FROM pg_roles WHERE rolname = '{name}'")
        attrs = "LOGIN NOSUPERUSER" if login else "NOLOGIN"
        if exists:
            if login:
                self._admin(f'ALTER ROLE "{name}" {attrs}')
            return
        self._admin(f'CREATE ROLE "{name}" {attrs}')
        self._roles.append(name)

    def _drop_external_objects(self) -> None:
        for db in reversed(self._databases):
            self._admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)', check=False)
        for role in reversed(self._roles):
            self._admin(f'DROP OWNED BY "{role}"', check=False)
            self._admin(f'DROP ROLE IF EXISTS "{role}"', check=False)
        self._databases.clear()
        self._roles.clear()

    def _admin(self, stmt, check: bool = True) -> None:
        psycopg2 = _psycopg2()
        try:
            conn = psycopg2.connect(self._admin_conninfo)
        except psycopg2.Error:
            if check:
                raise
            return
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(stmt)
        except psycopg2.Error:
            if check:
                raise
        finally:
            conn.close()

    def _admin_rows(self, query: str) -> list[tuple]:
        conn = _psycopg2().connect(self._admin_conninfo)
        try:
            with conn.cursor() as cur:
                cur.execute(query)
                return cur.fetchall()
        finally:
            conn.close()

    @staticmethod
    def _check_name(name: str) -> None:
        if not _NAME.match(name):
            raise ValueError(f"not a plain lower-case SQL name: {name!r}")

    def _bin(self, name: str) -> str:
        return str(self._bindir / name)

    def _run(self, cmd: list[str], check: bool = True, new_session: bool = False) -> subprocess.CompletedProcess:
        return _run(cmd, self._run_as, self.workdir, check=check, new_session=new_session)

    def _start_watchdog(self) -> None:
        """A process that stops the cluster when this one dies without stop() (a crash in QGIS):
        it waits for the end of a pipe only this process holds."""
        self._watchdog = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--watchdog", str(self._bindir), str(self.workdir),
             self._run_as or ""],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, cwd=self.workdir)


def _run(cmd: list[str], run_as: str | None, cwd, check: bool = True,
         new_session: bool = False) -> subprocess.CompletedProcess:
    """Run a server program, as ``run_as`` (via runuser) when given."""
    if run_as:
        runuser = shutil.which("runuser") or next(
            (p for p in ("/usr/sbin/runuser", "/sbin/runuser") if os.path.exists(p)), "runuser")
        cmd = [runuser, "-u", run_as, "--", *cmd]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(LC_ALL="C", LANG="C")
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                            stdin=subprocess.DEVNULL, start_new_session=new_session)
    if check and result.returncode != 0:
        raise PgServerUnavailable(f"{' '.join(cmd)} failed:\n{result.stdout}{result.stderr}")
    return result


def _stop_cluster(bindir, workdir: Path, run_as: str | None, mode: str) -> None:
    workdir = Path(workdir)
    if bindir is not None and (workdir / "data" / "postmaster.pid").exists():
        _run([str(Path(bindir) / "pg_ctl"), "stop", "-D", str(workdir / "data"), "-m", mode, "-w"], run_as,
             workdir, check=False)
    shutil.rmtree(workdir, ignore_errors=True)


def start() -> PgServer:
    """A started server (GREEN_SHIELD_TEST_PG's, or a throw-away local one)."""
    return PgServer().start()


if __name__ == "__main__" and len(sys.argv) == 5 and sys.argv[1] == "--watchdog":
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.stdin.buffer.read()  # EOF: the test process is gone (stop() kills this process first)
    _stop_cluster(sys.argv[2], Path(sys.argv[3]), sys.argv[4] or None, "immediate")
