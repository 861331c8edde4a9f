"""Settings come from environment variables (a dict in tests), each owned by one component."""

from pathlib import Path

import pytest

from prefect_core.errors import ConfigurationError
from prefect_core.settings import Settings
from prefect_storage_postgres.settings import PostgresSettings
from prefect_storage_sqlite.settings import SqliteSettings


def test_defaults() -> None:
    s = Settings.from_env({})
    assert (s.api_host, s.api_port, s.database_backend, s.logging_level) == ("127.0.0.1", 4200, "sqlite", "WARNING")
    assert (s.max_request_body_bytes, s.csrf_protection_enabled, s.services_enabled) == (32 * 1024 * 1024, False, {})
    sqlite = SqliteSettings.from_env({})
    assert (sqlite.path, sqlite.busy_timeout_ms, sqlite.cache_size) == (Path("prefect.db"), 60_000, -2_000)
    pg = PostgresSettings.from_env({})
    assert (pg.url, pg.pool_size, pg.pool_max_overflow, pg.connect_timeout, pg.statement_timeout) == (
        None,
        10,
        5,
        10.0,
        30.0,
    )


def test_environment_variables() -> None:
    env = {
        "PREFECT_SERVER_API_HOST": "0.0.0.0",
        "PREFECT_SERVER_API_PORT": "4300",
        "PREFECT_DATABASE_BACKEND": "postgres",
        "PREFECT_DATABASE_URL": "postgresql://u:p@h:5432/d",
        "PREFECT_DATABASE_POOL_SIZE": "3",
        "PREFECT_SERVER_LOGGING_LEVEL": "debug",
        "PREFECT_SERVER_CSRF_PROTECTION_ENABLED": "yes",
        "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "7.5",
        "PREFECT_SERVER_SERVICES_TRIGGERS_SOMETHING": "not-a-number",
    }
    s = Settings.from_env(env)
    assert s.api_host == "0.0.0.0" and s.api_port == 4300
    assert s.database_backend == "postgres" and s.logging_level == "DEBUG" and s.csrf_protection_enabled is True
    assert s.service_enabled("scheduler") is False and s.service_enabled("late_runs") is True
    assert s.service_option("scheduler", "loop_seconds", 60.0) == 7.5
    assert s.service_options == {"scheduler_loop_seconds": 7.5}  # a non-number is not an option of ours
    # The core keeps no backend's options; the backend reads them from the same variables.
    assert not {"database_url", "database_path", "database_pool_size"} & set(Settings.model_fields)
    assert s.environ == env
    pg = PostgresSettings.from_env(s.environ)
    assert (pg.url, pg.pool_size) == ("postgresql://u:p@h:5432/d", 3)


def test_second_name_and_empty_values() -> None:
    s = Settings.from_env({"PREFECT_LOGGING_SERVER_LEVEL": "info", "PREFECT_SERVER_API_PORT": ""})
    assert (s.logging_level, s.api_port) == ("INFO", 4200)
    both = Settings.from_env({"PREFECT_SERVER_LOGGING_LEVEL": "error", "PREFECT_LOGGING_SERVER_LEVEL": "info"})
    assert both.logging_level == "ERROR"


def test_overrides_win() -> None:
    s = Settings.from_env({"PREFECT_SERVER_API_PORT": "1"}, api_port=2)
    assert s.api_port == 2


def test_direct_construction_never_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_SERVER_API_PORT", "4999")
    assert Settings().api_port == 4200 and Settings().environ == {}
    assert Settings.from_env().api_port == 4999  # from_env() without a mapping reads it


@pytest.mark.parametrize(
    "model, env, message",
    [
        (
            Settings,
            {"PREFECT_SERVER_API_PORT": "abc"},
            "invalid PREFECT_SERVER_API_PORT='abc': Input should be a valid integer",
        ),
        (
            Settings,
            {"PREFECT_SERVER_API_PORT": "70000"},
            "invalid PREFECT_SERVER_API_PORT='70000': Input should be less",
        ),
        (
            Settings,
            {"PREFECT_SERVER_CSRF_PROTECTION_ENABLED": "maybe"},
            "PREFECT_SERVER_CSRF_PROTECTION_ENABLED='maybe'",
        ),
        (Settings, {"PREFECT_LOGGING_SERVER_LEVEL": "loud"}, "must be one of DEBUG, INFO"),
        (SqliteSettings, {"PREFECT_SQLITE_BUSY_TIMEOUT_MS": "-1"}, "invalid PREFECT_SQLITE_BUSY_TIMEOUT_MS='-1'"),
        (PostgresSettings, {"PREFECT_DATABASE_STATEMENT_TIMEOUT": "soon"}, "PREFECT_DATABASE_STATEMENT_TIMEOUT='soon'"),
    ],
)
def test_invalid_values_name_the_variable(model: type[Settings], env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        model.from_env(env)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_every_invalid_variable_is_named_at_once() -> None:
    with pytest.raises(ConfigurationError) as err:
        Settings.from_env({"PREFECT_SERVER_API_PORT": "x", "PREFECT_SERVER_MAX_REQUEST_BODY_BYTES": "0"})
    message = str(err.value)
    assert "PREFECT_SERVER_API_PORT='x'" in message and "PREFECT_SERVER_MAX_REQUEST_BODY_BYTES='0'" in message
