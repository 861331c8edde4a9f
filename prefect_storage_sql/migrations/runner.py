"""Applying the shipped revisions at start-up."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.runtime.migration import MigrationContext

from prefect_storage_sql.migrations.config import VERSION_TABLE, alembic_config, script_directory
from prefect_storage_sql.migrations.legacy import adopt_legacy_database

log = logging.getLogger("prefect_storage_sql.migrations")


def upgrade_schema(connection: sa.Connection) -> list[str]:
    """Bring the database on `connection` to the newest revision; return the ones applied now.

    A plain synchronous SQLAlchemy connection, whatever the backend runs at request
    time (an `AsyncConnection` passes its own through `run_sync`). Everything happens
    in the connection's current transaction and nothing is committed here: the caller
    commits, so it can serialise migrating servers first (PostgreSQL takes an advisory
    lock in the same transaction) and a failed revision leaves nothing half-applied
    where the database has transactional DDL (PostgreSQL, SQLite).
    """
    applied: list[str] = []

    def record(*, step: Any, **_: Any) -> None:
        if not step.is_stamp:
            applied.append(step.up_revision_id)
            log.info("applied migration %s", step.up_revision_id)

    config = alembic_config(connection)
    config.attributes["on_version_apply"] = record
    with _alembic_quiet():
        adopt_legacy_database(connection, config)
        command.upgrade(config, "head")
    return applied


@contextmanager
def _alembic_quiet() -> Iterator[None]:
    # Alembic logs its set-up ("Context impl ...") at INFO on every start; each applied
    # revision is logged above instead. An explicitly configured level is left alone.
    logger = logging.getLogger("alembic")
    if logger.level != logging.NOTSET:
        yield
        return
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(logging.NOTSET)


def current_revision(connection: sa.Connection) -> str | None:
    """The revision the database is at (None: not under Alembic yet)."""
    return MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE}).get_current_revision()


def head_revision() -> str:
    """The newest shipped revision; exactly one (two heads are a merge to resolve)."""
    head = script_directory().get_current_head()
    assert head is not None, "no revisions shipped"
    return head
