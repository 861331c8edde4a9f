"""Registers the SQLite backend with the server (entry point `prefect_server: sqlite`).

The backend module is imported only when PREFECT_DATABASE_BACKEND chooses it, so a server on
another backend never loads this one's driver (`prefect_core.plugins.LazyStorageBackend`).
"""

from prefect_core.hookspecs import hookimpl
from prefect_core.plugins import LazyStorageBackend

BACKEND = LazyStorageBackend("sqlite", ("sqlite3",), "prefect_storage_sqlite.backend:SqliteBackend")


@hookimpl
def prefect_server_storage_backend() -> LazyStorageBackend:
    return BACKEND
