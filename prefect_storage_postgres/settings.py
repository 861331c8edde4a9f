"""The PostgreSQL backend's own settings (docs/configuration.md lists them)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from prefect_core.settings import EnvironSettings


class PostgresSettings(EnvironSettings):
    """Where the server is and how the connection pool behaves."""

    # The URL holds a password: a validation error must not echo it.
    secret_variables: ClassVar[frozenset[str]] = frozenset({"PREFECT_DATABASE_URL"})

    #: A libpq connection URI, `postgresql://user:password@host:port/db?sslmode=...`.
    url: str | None = Field(default=None, validation_alias="PREFECT_DATABASE_URL")
    #: Connections the pool keeps open.
    pool_size: int = Field(default=10, ge=1, validation_alias="PREFECT_DATABASE_POOL_SIZE")
    #: Extra connections opened under load beyond the pool size, closed after 10 s idle.
    pool_max_overflow: int = Field(default=5, ge=0, validation_alias="PREFECT_DATABASE_POOL_MAX_OVERFLOW")
    #: Seconds to wait for a new connection (a `connect_timeout` in the URL wins).
    connect_timeout: float = Field(default=10.0, gt=0, validation_alias="PREFECT_DATABASE_CONNECT_TIMEOUT")
    #: Seconds a statement may run before it is cancelled; 0 for no limit.
    statement_timeout: float = Field(default=30.0, ge=0, validation_alias="PREFECT_DATABASE_STATEMENT_TIMEOUT")
    #: The longest a connection uses a prepared statement before it prepares it again (its
    #: first preparations last 1 s, then 2, 4, ... up to this; renewed only once it has run
    #: past PostgreSQL's custom plans, `engine.CUSTOM_PLANS_BEFORE_GENERIC`). PostgreSQL keeps a prepared
    #: statement's generic plan until an ANALYZE of its tables invalidates it, so a plan made
    #: while a table was nearly empty (where a sequential scan is the cheapest) outlives the
    #: table's growth until autovacuum gets to it; a statement prepared again is planned for
    #: the table's current size (docs/postgres.md, "Plans that follow the tables").
    prepared_statement_max_age: float = Field(
        default=10.0, gt=0, validation_alias="PREFECT_DATABASE_PREPARED_STATEMENT_MAX_AGE"
    )
    #: Long reads (a run history, a count over every run, a day of events) run at most this
    #: many at a time; 0 for no limit. A long read is a statement shape lately taking
    #: `heavy_read_ms` or more (`prefect_storage_postgres.heavy_reads`, which says why).
    heavy_read_concurrency: int = Field(default=1, ge=0, validation_alias="PREFECT_DATABASE_HEAVY_READ_CONCURRENCY")
    #: Milliseconds from which a read counts as long.
    heavy_read_ms: float = Field(default=20.0, gt=0, validation_alias="PREFECT_DATABASE_HEAVY_READ_MS")
