"""Server configuration, read once from the environment into an immutable object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, TypeAdapter


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _duration(value: str) -> timedelta:
    """Seconds (`3600`) or what pydantic reads as a duration (`PT1H`, `01:00:00`)."""
    try:
        return timedelta(seconds=float(value))
    except ValueError:
        return TypeAdapter(timedelta).validate_python(value.strip())


class Settings(BaseModel):
    """Everything the server can be configured with. See docs/configuration.md."""

    model_config = ConfigDict(frozen=True)

    api_host: str = "127.0.0.1"
    api_port: int = 4200
    logging_level: str = "WARNING"

    database_backend: str = "sqlite"
    database_path: Path = Path("prefect.db")
    database_url: str | None = None
    database_pool_size: int = 10
    database_pool_max_overflow: int = 5
    database_connect_timeout: float = 10.0
    database_statement_timeout: float = 30.0
    sqlite_busy_timeout_ms: int = 60_000
    #: SQLite page cache per connection; negative means KiB (-8000: 8 MiB).
    sqlite_cache_size: int = -8_000

    broker_backend: str = "memory"
    redis_url: str = "redis://127.0.0.1:6379/0"

    max_request_body_bytes: int = 32 * 1024 * 1024
    csrf_protection_enabled: bool = False
    #: How long a CSRF token from /csrf-token stays valid.
    csrf_token_expiration: timedelta = timedelta(hours=1)
    #: "user:password" every REST request must present as HTTP Basic credentials
    #: (and every websocket as its auth token); None: no authentication.
    api_auth_string: SecretStr | None = None

    #: The web UI (docs/ui.md): served from the installed `prefect` package's bundles.
    ui_enabled: bool = True
    #: Whether neutral entry points (`/`) open the V2 UI rather than V1.
    ui_v2_enabled: bool = True
    #: The API URL the UI calls; None: PREFECT_API_URL, else http://{api_host}:{api_port}/api.
    ui_api_url: str | None = None
    #: The URL path the V1 UI is served under (V2 under `<it>/v2`).
    ui_serve_base: str = "/"
    #: Where the prepared UI copies are kept; None: next to the bundles in the prefect package.
    ui_static_directory: Path | None = None
    #: Task-run events are buffered and written in batches; this bounds the delay.
    event_flush_interval: float = 0.2

    #: The longest wait (seconds) a client denied a slot of a limit without decay is told
    #: to retry after: limits named `tag:...` (task tags) and the others.
    tag_concurrency_slot_wait_seconds: float = Field(default=10.0, ge=0)
    maximum_concurrency_slot_wait_seconds: float = Field(default=30.0, ge=0)

    services_enabled: dict[str, bool] = Field(default_factory=dict)
    #: Numeric service options, e.g. "scheduler_loop_seconds" from
    #: PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS.
    service_options: dict[str, float] = Field(default_factory=dict)

    @property
    def resolved_ui_api_url(self) -> str:
        """The API URL /ui-settings gives the UI (the reference's default when none is set)."""
        return self.ui_api_url or f"http://{self.api_host}:{self.api_port}/api"

    def service_enabled(self, name: str, default: bool = True) -> bool:
        """Whether the background service `name` should run."""
        return self.services_enabled.get(name, default)

    def service_option(self, service: str, option: str, default: float) -> float:
        """A numeric option of a background service (PREFECT_SERVER_SERVICES_<SERVICE>_<OPTION>)."""
        return self.service_options.get(f"{service}_{option}", default)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> "Settings":
        """Build settings from `PREFECT_*` environment variables, then apply overrides."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}

        def take(key: str, *names: str, cast=str) -> None:
            for name in names:
                raw = env.get(name)
                if raw not in (None, ""):
                    values[key] = cast(raw)
                    return

        take("api_host", "PREFECT_SERVER_API_HOST")
        take("api_port", "PREFECT_SERVER_API_PORT", cast=int)
        take("logging_level", "PREFECT_SERVER_LOGGING_LEVEL", "PREFECT_LOGGING_SERVER_LEVEL")
        take("database_backend", "PREFECT_DATABASE_BACKEND")
        take("database_path", "PREFECT_DATABASE_PATH", cast=Path)
        take("database_url", "PREFECT_DATABASE_URL")
        take("database_pool_size", "PREFECT_DATABASE_POOL_SIZE", cast=int)
        take("database_pool_max_overflow", "PREFECT_DATABASE_POOL_MAX_OVERFLOW", cast=int)
        take("database_connect_timeout", "PREFECT_DATABASE_CONNECT_TIMEOUT", cast=float)
        take("database_statement_timeout", "PREFECT_DATABASE_STATEMENT_TIMEOUT", cast=float)
        take("sqlite_busy_timeout_ms", "PREFECT_SQLITE_BUSY_TIMEOUT_MS", cast=int)
        take("sqlite_cache_size", "PREFECT_SQLITE_CACHE_SIZE", cast=int)
        take("broker_backend", "PREFECT_BROKER_BACKEND")
        take("redis_url", "PREFECT_REDIS_URL")
        take("max_request_body_bytes", "PREFECT_SERVER_MAX_REQUEST_BODY_BYTES", cast=int)
        take("event_flush_interval", "PREFECT_SERVER_EVENT_FLUSH_INTERVAL", cast=float)
        take("csrf_protection_enabled", "PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED",
             "PREFECT_SERVER_CSRF_PROTECTION_ENABLED", cast=lambda raw: _flag(raw, False))
        take("csrf_token_expiration", "PREFECT_SERVER_API_CSRF_TOKEN_EXPIRATION",
             "PREFECT_SERVER_CSRF_TOKEN_EXPIRATION", cast=_duration)
        take("api_auth_string", "PREFECT_SERVER_API_AUTH_STRING", cast=SecretStr)
        take("ui_enabled", "PREFECT_SERVER_UI_ENABLED", "PREFECT_UI_ENABLED", cast=lambda raw: _flag(raw, True))
        take("ui_v2_enabled", "PREFECT_SERVER_UI_V2_ENABLED", cast=lambda raw: _flag(raw, True))
        take("ui_api_url", "PREFECT_SERVER_UI_API_URL", "PREFECT_UI_API_URL", "PREFECT_API_URL")
        take("ui_serve_base", "PREFECT_SERVER_UI_SERVE_BASE", "PREFECT_UI_SERVE_BASE")
        take("ui_static_directory", "PREFECT_SERVER_UI_STATIC_DIRECTORY", "PREFECT_UI_STATIC_DIRECTORY", cast=Path)
        take(
            "tag_concurrency_slot_wait_seconds",
            "PREFECT_SERVER_TASKS_TAG_CONCURRENCY_SLOT_WAIT_SECONDS",
            "PREFECT_TASK_RUN_TAG_CONCURRENCY_SLOT_WAIT_SECONDS",
            cast=float,
        )
        take(
            "maximum_concurrency_slot_wait_seconds",
            "PREFECT_SERVER_CONCURRENCY_MAXIMUM_CONCURRENCY_SLOT_WAIT_SECONDS",
            cast=float,
        )

        services: dict[str, bool] = {}
        options: dict[str, float] = {}
        prefix = "PREFECT_SERVER_SERVICES_"
        for name, raw in env.items():
            if name.startswith(prefix) and name.endswith("_ENABLED"):
                service = name[len(prefix) : -len("_ENABLED")].lower()
                services[service] = _flag(raw, True)
            elif name.startswith(prefix):
                try:
                    options[name[len(prefix):].lower()] = float(raw)
                except ValueError:
                    pass
        values["services_enabled"] = services
        values["service_options"] = options
        values.update(overrides)
        return cls(**values)
