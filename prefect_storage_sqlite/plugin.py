"""Registers the SQLite backend with the server (entry point `prefect_server: sqlite`)."""

from prefect_core.hookspecs import hookimpl
from prefect_storage_sqlite.backend import SqliteBackend


@hookimpl
def prefect_server_storage_backend() -> type[SqliteBackend]:
    return SqliteBackend
