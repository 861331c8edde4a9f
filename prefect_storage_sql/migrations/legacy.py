"""Adopting databases made before Alembic, by the hand-kept SQL migrations.

Those recorded the applied files' names in a `_migrations` table. Each complete set of
names corresponds to one Alembic revision whose schema is the same, so such a
database is stamped at that revision (nothing is rebuilt, every row stays), its old
ledger dropped, and then upgraded like any other.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from prefect_core.errors import ConfigurationError
from prefect_storage_sql.migrations.config import VERSION_TABLE

log = logging.getLogger(__name__)

LEDGER_TABLE = "_migrations"

_BASELINE_FILES = frozenset(
    {"0001_initial", "0002_event_resources", "0003_deployments_work_pools", "0004_flow_run_input"}
)

#: Applied SQL files -> the Alembic revision with exactly their schema.
LEGACY_LEDGERS: dict[frozenset[str], str] = {
    _BASELINE_FILES: "0001",
    _BASELINE_FILES | {"0005_concurrency_limits"}: "0002",
}


def adopt_legacy_database(connection: sa.Connection, config: Config) -> str | None:
    """Stamp a pre-Alembic database at its revision; return it (None: nothing to adopt).

    Raises `ConfigurationError` for a ledger this version does not know (a partial
    one, or files from a newer hand-kept tree): guessing would risk the data.
    """
    present = set(sa.inspect(connection).get_table_names())
    if LEDGER_TABLE not in present or VERSION_TABLE in present:
        return None
    applied = frozenset(row[0] for row in connection.execute(sa.text(f"SELECT name FROM {LEDGER_TABLE}")))
    revision = LEGACY_LEDGERS.get(applied)
    if revision is None:
        raise ConfigurationError(
            f"the database lists schema migrations {sorted(applied)} in {LEDGER_TABLE}, which this "
            "version cannot adopt; open it once with the release that wrote them, then upgrade"
        )
    command.stamp(config, revision)
    connection.execute(sa.text(f"DROP TABLE {LEDGER_TABLE}"))
    log.info("adopted a database made by the SQL-file migrations at revision %s", revision)
    return revision
