"""Registers the PostgreSQL backend with the server (entry point `prefect_server: postgres`)."""

from prefect_core.hookspecs import hookimpl
from prefect_storage_postgres.backend import PostgresBackend


@hookimpl
def prefect_server_storage_backend() -> type[PostgresBackend]:
    return PostgresBackend
