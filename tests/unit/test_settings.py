from pathlib import Path

from prefect_core.settings import Settings


def test_defaults() -> None:
    s = Settings.from_env({})
    assert (s.api_host, s.api_port, s.database_backend) == ("127.0.0.1", 4200, "sqlite")
    assert s.database_path == Path("prefect.db")


def test_environment_variables() -> None:
    s = Settings.from_env(
        {
            "PREFECT_SERVER_API_HOST": "0.0.0.0",
            "PREFECT_SERVER_API_PORT": "4300",
            "PREFECT_DATABASE_BACKEND": "postgres",
            "PREFECT_DATABASE_URL": "postgresql://u:p@h:5432/d",
            "PREFECT_SERVER_LOGGING_LEVEL": "DEBUG",
            "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
        }
    )
    assert s.api_host == "0.0.0.0" and s.api_port == 4300
    assert s.database_backend == "postgres" and s.database_url == "postgresql://u:p@h:5432/d"
    assert s.logging_level == "DEBUG"
    assert s.service_enabled("scheduler") is False
    assert s.service_enabled("late_runs") is True


def test_overrides_win() -> None:
    s = Settings.from_env({"PREFECT_SERVER_API_PORT": "1"}, api_port=2)
    assert s.api_port == 2
