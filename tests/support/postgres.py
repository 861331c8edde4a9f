"""A real, throwaway PostgreSQL server for the test suite.

`PostgresServer` initialises a cluster with `initdb` in a temporary directory,
starts it with `pg_ctl` listening only on 127.0.0.1 (a free port; unix sockets in
the temporary directory), and stops it and deletes the directory on `stop()`.
It never touches any other PostgreSQL on the machine.

Server binaries are looked for in /usr/lib/postgresql/*/bin, then on PATH. When
none are found and the tests run as root on a Debian-like machine, PostgreSQL is
installed once with `apt-get install -y postgresql`. Otherwise (or if that fails)
`PostgresUnavailable` is raised with the reason: tests that need PostgreSQL error
out loudly instead of being skipped.

PostgreSQL refuses to run as root, so as root the cluster is owned by and run as
the unprivileged `postgres` user (created with `useradd` if missing).

Wiring: tests/conftest.py holds the session fixture `postgres_server` (one server
for the whole session, started on first use); tests ask it for a fresh database::

    def test_something(postgres_server):
        url = postgres_server.create_database()   # postgresql://postgres:...@127.0.0.1:PORT/test_xxx
        ...
        postgres_server.drop_database(url)        # optional; the cluster is deleted at the end

The module-level `postgres_server()` generator is the same fixture body, for
suites that want `pytest.fixture(scope="session")(postgres_server)`.

`postgres_server.url` is the superuser URL (password auth over TCP) of the
`postgres` database; `create_database()` returns the URL of a fresh, empty one.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import pwd
import re
import secrets
import shutil
import subprocess
import tempfile
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

from tests.support.ports import free_port

SUPERUSER = "postgres"
#: The OS account that owns and runs the cluster when the tests run as root.
OS_USER = "postgres"
_INSTALL_LOCK = Path(tempfile.gettempdir()) / "prefect-tests-postgres-install.lock"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class PostgresUnavailable(RuntimeError):
    """PostgreSQL could not be found, installed, or started; the message says why."""


def find_bin_dir() -> Path | None:
    """The directory holding `initdb` and `pg_ctl`, newest version first, or None."""

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(p) for p in re.findall(r"\d+", path.parent.name)) or (0,)

    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for directory in candidates:
        if (directory / "initdb").is_file() and (directory / "pg_ctl").is_file():
            return directory
    return None


def ensure_installed() -> Path:
    """Find the server binaries, installing the `postgresql` package once if we may."""
    found = find_bin_dir()
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise PostgresUnavailable(
            "PostgreSQL server binaries (initdb, pg_ctl) not found in /usr/lib/postgresql/*/bin "
            "or on PATH; install them (Debian/Ubuntu: apt-get install -y postgresql)"
        )
    # A lock file, so parallel test processes install once rather than fight over dpkg.
    with open(_INSTALL_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = find_bin_dir()
        if found:
            return found
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "postgresql"]):
            done = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise PostgresUnavailable(
                    f"PostgreSQL is not installed and `{' '.join(cmd)}` failed "
                    f"(exit {done.returncode}):\n{_tail(done.stdout + done.stderr)}"
                )
    found = find_bin_dir()
    if not found:
        raise PostgresUnavailable("installed the postgresql package but found no initdb/pg_ctl")
    return found


def _tail(text: str, lines: int = 20) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _os_user() -> pwd.struct_passwd | None:
    """The account to run PostgreSQL as: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(OS_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--user-group", "--no-create-home", "--shell", "/bin/sh", OS_USER],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(OS_USER)


class PostgresServer:
    """One PostgreSQL cluster in a temporary directory, for the duration of a test session."""

    def __init__(self, base_dir: str | Path | None = None, durable: bool = False) -> None:
        self._base_dir = base_dir
        # Tests trade durability for time; the benchmark asks for PostgreSQL's own defaults
        # (fsync, synchronous commits, full page writes), as a production user runs it.
        self._durable = durable
        self.bin_dir: Path | None = None
        self.root: Path | None = None
        self.port: int | None = None
        self.password = secrets.token_urlsafe(18)
        self._user: pwd.struct_passwd | None = None
        self._started = False

    @property
    def data_dir(self) -> Path:
        assert self.root is not None, "call start() first"
        return self.root / "data"

    @property
    def url(self) -> str:
        """Superuser URL of the `postgres` database."""
        return self.database_url("postgres")

    def database_url(self, name: str) -> str:
        """URL of database `name` on this server, as the superuser."""
        if self.port is None:
            raise RuntimeError("the PostgreSQL test server is not running")
        return f"postgresql://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{name}"

    def start(self) -> None:
        """Initialise the cluster and start the server; raise `PostgresUnavailable` on failure."""
        if self._started:
            return
        self.bin_dir = ensure_installed()
        self._user = _os_user()
        self.root = Path(tempfile.mkdtemp(prefix="prefect-pg-", dir=self._base_dir))
        atexit.register(self.stop)  # should the session end without fixture teardown
        (self.root / "sock").mkdir()
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.password + "\n")
        self._give_to_user(self.root)
        self._run(
            "initdb", "-D", str(self.data_dir), "-U", SUPERUSER, f"--pwfile={pwfile}",
            "--auth-local=trust", "--auth-host=scram-sha-256",
            "--encoding=UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        pwfile.unlink()
        with open(self.data_dir / "postgresql.conf", "a") as conf:
            # Durability is not worth the time in tests (the benchmark keeps it).
            no_sync = "" if self._durable else "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
            conf.write(
                "\n# prefect tests\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.root / 'sock'}'\n"
                f"{no_sync}"
                "max_connections = 200\n"
            )
        # The port is only free until someone takes it; try another if we lose that race.
        for attempt in range(3):
            self.port = free_port()
            try:
                self._run(
                    "pg_ctl", "-D", str(self.data_dir), "-l", str(self.root / "server.log"),
                    "-o", f"-p {self.port}", "-w", "-t", "60", "start",
                )  # fmt: skip
            except PostgresUnavailable:
                if attempt == 2 or "already in use" not in self.log_tail():
                    with contextlib.suppress(Exception):
                        self.stop()
                    raise
                continue
            self._started = True
            return

    def stop(self) -> None:
        """Stop the server this object started (fast shutdown) and delete its directory.

        Only the postmaster of our own data directory is signalled; safe to call twice.
        """
        self._started = False
        self.port = None
        if self.root is None:
            return
        # A pid file also means a start that timed out after launching the server.
        if (self.data_dir / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "60", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run `sql` as the superuser through psql; return its unaligned output."""
        assert self.bin_dir is not None and self.port is not None, "call start() first"
        psql = self.bin_dir / "psql"
        cmd = [str(psql) if psql.exists() else "psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
        cmd += ["-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER, "-d", database, "-c", sql]
        env = {**os.environ, "PGPASSWORD": self.password, "PGCONNECT_TIMEOUT": "10"}
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"psql failed: {sql}\n{done.stderr.strip()}")
        return done.stdout.strip()

    def create_database(self, name: str | None = None, template: str | None = None) -> str:
        """Create a database (named `name`, or a fresh `test_<random>`) and return its URL:
        empty, or a copy of the database `template` (which nobody may be connected to)."""
        name = name or f"test_{secrets.token_hex(6)}"
        for identifier in filter(None, (name, template)):
            if not _IDENTIFIER.match(identifier):
                raise ValueError(f"use a plain lower-case identifier as database name, not {identifier!r}")
        self.psql(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.database_url(name)

    def drop_database(self, name_or_url: str) -> None:
        """Drop a database created by `create_database`, closing connections still open to it."""
        name = urllib.parse.urlsplit(name_or_url).path.lstrip("/") if "://" in name_or_url else name_or_url
        if not _IDENTIFIER.match(name):
            raise ValueError(f"not a database this server created: {name!r}")
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def log_tail(self, lines: int = 30) -> str:
        """The end of the server's log, for error messages."""
        log = self.root / "server.log" if self.root else None
        return _tail(log.read_text(errors="replace"), lines) if log and log.exists() else ""

    def _give_to_user(self, path: Path) -> None:
        if self._user is None:
            return
        for entry in [path, *path.rglob("*")]:
            os.chown(entry, self._user.pw_uid, self._user.pw_gid)

    def _run(self, program: str, *args: str) -> None:
        assert self.bin_dir is not None
        cmd = [str(self.bin_dir / program), *args]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "HOME": str(self.root)}
        kwargs: dict = {}
        if self._user is not None:
            # PostgreSQL refuses to run as root: drop to the unprivileged account.
            kwargs = {"user": self._user.pw_uid, "group": self._user.pw_gid, "extra_groups": []}
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=self.root, **kwargs)
        if done.returncode != 0:
            raise PostgresUnavailable(
                f"{program} failed (exit {done.returncode}): {_tail(done.stdout + done.stderr)}\n"
                f"server log:\n{self.log_tail()}"
            )

    def __enter__(self) -> PostgresServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def postgres_server() -> Iterator[PostgresServer]:
    """Generator for a session-scoped pytest fixture: one started server, stopped at the end.

    Use as `postgres_server = pytest.fixture(scope="session")(postgres_server)`.
    """
    with PostgresServer() as server:
        yield server
