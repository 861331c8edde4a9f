"""PREFECT_DATABASE_URL handling for PostgreSQL, without a server."""

from __future__ import annotations

import sys

import pytest

from prefect_core.errors import ConfigurationError
from prefect_storage_postgres.backend import PostgresBackend
from prefect_storage_postgres.connection import APPLICATION_NAME, ConnectionTarget, redact
from prefect_storage_postgres.settings import PostgresSettings


@pytest.mark.parametrize(
    "url, dsn",
    [
        ("postgresql://u:p@db:5432/prefect", "postgresql://u:p@db:5432/prefect"),
        ("postgres://u:p@db/prefect", "postgresql://u:p@db/prefect"),
        ("postgresql+asyncpg://u:p@db/prefect?sslmode=require", "postgresql://u:p@db/prefect?sslmode=require"),
        ("postgresql:///prefect?host=/run/postgresql", "postgresql:///prefect?host=%2Frun%2Fpostgresql"),
        ("postgresql://u:p@h1:5432,h2:5433/prefect", "postgresql://u:p@h1:5432,h2:5433/prefect"),
    ],
)
def test_urls_are_normalised_for_asyncpg(url: str, dsn: str) -> None:
    assert ConnectionTarget.from_url(url).dsn == dsn


def test_connect_arguments_come_from_settings() -> None:
    target = ConnectionTarget.from_url("postgresql://u:p@db/prefect")
    settings = PostgresSettings(connect_timeout=3, statement_timeout=0)
    assert target.connect_args(settings) == {
        "dsn": "postgresql://u:p@db/prefect",
        "timeout": 3,
        "command_timeout": None,
        "server_settings": {"application_name": APPLICATION_NAME},
    }


def test_url_options_win_over_defaults() -> None:
    target = ConnectionTarget.from_url("postgresql://db/prefect?connect_timeout=2&application_name=mine")
    args = target.connect_args(PostgresSettings(connect_timeout=10))
    assert args["timeout"] == 2 and "server_settings" not in args
    assert args["dsn"] == "postgresql://db/prefect?application_name=mine"


@pytest.mark.parametrize(
    "url",
    ["postgresql://u:secret@db/x?sslmode", "postgresql://u:secret@db/x?connect_timeout=soon", "sqlite:///x.db"],
)
def test_malformed_urls_are_configuration_errors(url: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        ConnectionTarget.from_url(url)
    assert "secret" not in str(err.value)


def test_redact_hides_passwords() -> None:
    assert redact("postgresql://u:s3cr:t@db/x?password=p&a=b") == "postgresql://u:***@db/x?password=***&a=b"
    assert redact("postgresql://db/x") == "postgresql://db/x"


async def test_missing_driver_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "asyncpg", None)  # makes `import asyncpg` fail
    settings = PostgresSettings(url="postgresql://db/prefect")
    with pytest.raises(ConfigurationError, match=r"prefect-server-py\[postgres\]"):
        async with PostgresBackend(settings).open():
            pass
