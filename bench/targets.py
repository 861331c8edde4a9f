"""The targets a run can measure: our server per backend/broker, the reference server, the ceiling.

A target knows how to build the ServerProcess for a fresh database in a scratch directory;
resources that outlive the process (a PostgreSQL instance) are handled by `open_target`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bench.servers import REPO, SERVER_CORE, ServerProcess, clean_env, free_port

CACHE_DIR = Path(os.environ.get("PREFECT_BENCH_CACHE", "~/.cache/prefect-server-py-bench")).expanduser()
REF_VENV = CACHE_DIR / "ref-venv"
REF_PINS = ("prefect==3.8.8", "fastapi<0.151", "sqlalchemy<2.1")
REF_MARKER = "bench-pins.txt"

OURS_COMBOS = (("sqlite", "memory"), ("postgres", "memory"), ("sqlite", "redis"), ("postgres", "redis"))
IMPLEMENTED_BROKERS = {"memory"}


@dataclass
class Target:
    """One thing to measure. `available` False means it is listed in the report but not run."""

    name: str
    kind: str  # "ours" | "reference" | "ceiling"
    db: str = "sqlite"
    broker: str = "memory"
    available: bool = True
    note: str = ""

    def to_json(self) -> dict:
        """Plain dict for the results file."""
        return {
            "name": self.name,
            "kind": self.kind,
            "db": self.db,
            "broker": self.broker,
            "available": self.available,
            "note": self.note,
        }


def ours(db: str, broker: str) -> Target:
    """Our server on one backend/broker combination (availability filled in here)."""
    t = Target(name=f"ours:{db}+{broker}", kind="ours", db=db, broker=broker)
    if broker not in IMPLEMENTED_BROKERS:
        t.available, t.note = False, f"{broker} broker not available (not implemented yet)"
    elif db == "postgres":
        ok, note = postgres_helper_available()
        t.available, t.note = ok, note
    return t


def parse_targets(spec: str) -> list[Target]:
    """Parse a --targets list: ours, ours:sqlite+memory, ours:postgres+memory, reference, ceiling."""
    out: list[Target] = []
    for raw in (s.strip() for s in spec.split(",")):
        if not raw:
            continue
        if raw == "ours":
            out.append(ours("sqlite", "memory"))
        elif raw.startswith("ours:"):
            db, _, broker = raw[5:].partition("+")
            if (db, broker or "memory") not in OURS_COMBOS:
                raise SystemExit(f"unknown target {raw!r}; combos: {OURS_COMBOS}")
            out.append(ours(db, broker or "memory"))
        elif raw in ("reference", "ceiling"):
            out.append(Target(name=raw, kind=raw))
        else:
            raise SystemExit(f"unknown target {raw!r} (ours, ours:DB+BROKER, reference, ceiling)")
    return out


def postgres_helper_available() -> tuple[bool, str]:
    """Whether tests/support/postgres.py provides PostgresServer (imported lazily, never required)."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    try:
        from tests.support.postgres import PostgresServer  # noqa: F401
    except Exception as exc:
        return False, f"postgres skipped: tests/support/postgres.py not usable ({type(exc).__name__}: {exc})"
    return True, ""


def _first_attr(obj: object, names: tuple[str, ...]) -> str | None:
    for n in names:
        v = getattr(obj, n, None)
        if callable(v):
            v = v()
        if v:
            return str(v)
    return None


class RunsSql(Protocol):
    """What `vacuum_analyze` needs of tests/support/postgres.py's PostgresServer."""

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run `sql` as the superuser in `database`; its unaligned output."""
        ...


@contextlib.contextmanager
def postgres_database() -> Iterator[tuple[str, RunsSql]]:
    """Start a throwaway PostgreSQL through tests/support/postgres.py; yield (url of a fresh db, server).

    Uses PostgresServer().start()/stop() (or its context manager) and create_database() when the
    helper has it, else its `url`. The cluster lives in the system temp dir (PostgreSQL runs as the
    `postgres` user there, so not under the harness' private scratch dir).
    """
    from tests.support.postgres import PostgresServer

    srv = PostgresServer(durable=True)  # PostgreSQL's own durability defaults, as users run it
    entered = None
    if hasattr(srv, "start"):
        srv.start()
    else:
        entered = srv.__enter__()
    try:
        holder = entered or srv
        url: str | None
        if hasattr(holder, "create_database"):
            url = holder.create_database()
        else:
            url = _first_attr(holder, ("url", "dsn", "database_url", "connection_url"))
        if not url:
            raise RuntimeError("PostgresServer exposes no create_database()/url")
        yield url, holder
    finally:
        if entered is not None:
            srv.__exit__(None, None, None)
        elif hasattr(srv, "stop"):
            srv.stop()


def ensure_reference_venv(log=print) -> Path:
    """Create (or reuse) the reference server's venv with prefect==3.8.8 and the pins; return its python."""
    py = REF_VENV / "bin" / "python"
    marker = REF_VENV / REF_MARKER
    if py.exists() and marker.exists() and marker.read_text().split() == list(REF_PINS):
        return py
    partial = CACHE_DIR / "ref-venv.partial"
    shutil.rmtree(partial, ignore_errors=True)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    log(f"creating reference venv {REF_VENV} ({' '.join(REF_PINS)}); this takes a minute or two ...")
    base_python = getattr(sys, "_base_executable", None) or sys.executable
    subprocess.run([base_python, "-m", "venv", str(partial)], check=True, timeout=300)
    subprocess.run(
        [str(partial / "bin" / "python"), "-m", "pip", "install", "-q", *REF_PINS],
        check=True,
        timeout=1200,
        stdout=subprocess.DEVNULL,
    )
    (partial / REF_MARKER).write_text("\n".join(REF_PINS) + "\n")
    shutil.rmtree(REF_VENV, ignore_errors=True)
    partial.rename(REF_VENV)  # scripts' shebangs break on rename; we always use `python -m prefect`
    return py


#: The reference's packages whose versions a report records: the pins leave most of them
#: open, and a newer web stack moved the reference's speed between runs (docs/benchmarks.md).
REF_REPORTED = (
    "prefect", "fastapi", "starlette", "uvicorn", "uvloop", "httptools",
    "pydantic", "pydantic-core", "sqlalchemy", "aiosqlite", "orjson",
)  # fmt: skip


def installed_packages(python: Path, names: tuple[str, ...] = REF_REPORTED) -> dict[str, str]:
    """The versions of `names` installed for `python` (pip's names, normalised to lower case
    with dashes), or {} when pip cannot say."""
    try:
        done = subprocess.run(
            [str(python), "-m", "pip", "list", "--format", "json", "--disable-pip-version-check"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        listed = json.loads(done.stdout) if done.returncode == 0 else []
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return {}
    found = {str(p["name"]).lower().replace("_", "-"): str(p["version"]) for p in listed}
    return {name: found[name] for name in names if name in found}


#: Our packages, compiled to bytecode before our server starts (see `compile_our_bytecode`).
OUR_PACKAGES = (
    "prefect_core",
    "prefect_http",
    "prefect_storage_sql",
    "prefect_storage_sqlite",
    "prefect_storage_postgres",
)


def compile_our_bytecode() -> bool:
    """Write the `__pycache__` of our packages in the repository (git ignores it); True when all compiled.

    pip compiles every installed package, the reference's included, but an editable install runs our
    sources in place: under PYTHONDONTWRITEBYTECODE (set in some shells and CI images) every start of
    ours would compile its ~320 modules from source again (about 0.5 s of CPU here), which is not the
    start-up of an installed server. Unchanged files are skipped, so this costs little after the first run.
    """
    import compileall

    return all(
        compileall.compile_dir(str(REPO / name), quiet=1, workers=1) for name in OUR_PACKAGES if (REPO / name).is_dir()
    )


def our_server_exe() -> str | None:
    """The `prefect-server` console script of the venv running the harness, if installed."""
    exe = Path(sys.executable).parent / "prefect-server"
    return str(exe) if exe.exists() else shutil.which("prefect-server")


def build_process(
    target: Target, workdir: Path, pin: bool, db_url: str | None = None, extra_env: dict[str, str] | None = None
) -> ServerProcess:
    """Build (not start) the ServerProcess for `target` with a fresh database under `workdir`;
    `extra_env` is added to a server's environment (not the ceiling's)."""
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    home = workdir / "prefect-home"
    home.mkdir(exist_ok=True)
    log_path = workdir / "server.log"
    host_port = ["--host", "127.0.0.1", "--port", str(port)]
    if target.kind == "ceiling":
        argv = [sys.executable, str(REPO / "bench" / "ceiling_app.py"), *host_port]
        env = clean_env({})
    elif target.kind == "reference":
        py = ensure_reference_venv()
        argv = [str(py), "-m", "prefect", "server", "start", *host_port]
        env = clean_env(
            {
                "PREFECT_HOME": str(home),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "PREFECT_SERVER_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{workdir / 'reference.db'}",
                "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
                "PREFECT_LOGGING_LEVEL": "WARNING",
                "PREFECT_UI_ENABLED": "false",
            }
        )
    elif target.kind == "ours":
        exe = our_server_exe()
        if exe is None:
            raise RuntimeError("prefect-server console script not found (pip install -e . in the venv)")
        argv = [exe, *host_port]
        compile_our_bytecode()
        extra = {
            "PREFECT_HOME": str(home),
            "PREFECT_DATABASE_BACKEND": target.db,
            "PREFECT_BROKER_BACKEND": target.broker,
            "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
            "PREFECT_LOGGING_LEVEL": "WARNING",
        }
        if target.db == "sqlite":
            extra["PREFECT_DATABASE_PATH"] = str(workdir / "ours.db")
        else:
            if not db_url:
                raise RuntimeError("postgres target needs a database url")
            extra["PREFECT_DATABASE_URL"] = db_url
        env = clean_env(extra)
    else:
        raise ValueError(target.kind)
    if extra_env and target.kind != "ceiling":
        env.update(extra_env)
    return ServerProcess(name=target.name, argv=argv, env=env, log_path=log_path, port=port, pin=pin)


@contextlib.contextmanager
def open_target(
    target: Target, workdir: Path, pin: bool, log=print, extra_env: dict[str, str] | None = None
) -> Iterator[ServerProcess]:
    """Yield a (not yet started) ServerProcess for `target`, with any database it needs running.

    For PostgreSQL the postmaster's pid is added to the process' aux_pids, so the CPU seconds of
    the database count as server CPU (as SQLite's do, being in-process).
    """
    if target.kind == "ours" and target.db == "postgres":
        with postgres_database() as (url, pg):
            server = build_process(target, workdir, pin, db_url=url, extra_env=extra_env)
            pid = postmaster_pid(pg)
            if pid:
                server.aux_pids.append(pid)
                if pin:
                    _pin_tree(pid)
            server.settle = lambda: vacuum_analyze(pg, url)
            yield server
    else:
        yield build_process(target, workdir, pin, extra_env=extra_env)


#: How long `vacuum_analyze` waits for autovacuum workers still busy after its own pass.
AUTOVACUUM_WAIT_S = 120.0


def vacuum_analyze(pg: RunsSql, url: str) -> dict[str, object]:
    """`VACUUM (ANALYZE)` the database at `url`, then wait (bounded) until no autovacuum worker
    runs in it; return the seconds each took.

    After a bulk load the PostgreSQL manual advises an ANALYZE: until autovacuum catches up the
    planner has no statistics for the new rows and no visibility map for index-only scans, and
    autovacuum's own work takes the CPU from whatever is measured next. A database that grew to
    that size over weeks has been vacuumed and analyzed long since; this is that state.
    """
    psql = pg.psql
    database = urllib.parse.urlsplit(url).path.lstrip("/")
    started = time.monotonic()
    psql("VACUUM (ANALYZE)", database)
    vacuumed = time.monotonic()
    busy = "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"
    while int(psql(busy, database) or 0) and time.monotonic() - vacuumed < AUTOVACUUM_WAIT_S:
        time.sleep(1.0)
    return {
        "vacuum_analyze_s": round(vacuumed - started, 1),
        "autovacuum_wait_s": round(time.monotonic() - vacuumed, 1),
    }


def postmaster_pid(pg: object) -> int | None:
    """The PostgreSQL postmaster pid: a `pid` attribute, or the first line of data_dir/postmaster.pid."""
    pid = getattr(pg, "pid", None)
    if pid:
        return int(pid)
    data_dir = getattr(pg, "data_dir", None)
    try:
        return int((Path(data_dir) / "postmaster.pid").read_text().split()[0]) if data_dir else None
    except (OSError, ValueError, IndexError):
        return None


def _pin_tree(pid: int) -> None:
    """Best effort: move a process tree (the postmaster, whose backends inherit it) to the server core."""
    import psutil

    try:
        root = psutil.Process(pid)
        for p in [root, *root.children(recursive=True)]:
            p.cpu_affinity([SERVER_CORE])
    except psutil.Error:
        pass
