"""Server configuration, read once from the environment into immutable objects.

`EnvironSettings` is the base of every settings class, the core's and each
plugin's: a pydantic-settings class whose fields name their environment
variable (`validation_alias`), read from a mapping given to `from_env` (the
process environment by default), so tests configure a server with a plain dict.
An invalid value is a `ConfigurationError` naming the variable.

`Settings` holds only what is not specific to a storage backend; each backend
reads its own options (file path, pool size, ...) with a class of its own from
`Settings.environ`. See docs/configuration.md for every variable and its owner.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar, Self

from pydantic import AliasChoices, Field, PrivateAttr, SecretStr, TypeAdapter, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

from prefect_core.errors import ConfigurationError

#: The mapping `from_env` is reading; unset when a settings class is built directly,
#: which then takes its defaults and keyword arguments only (never os.environ by accident).
_ENVIRON: ContextVar[Mapping[str, str] | None] = ContextVar("prefect_settings_environ", default=None)


class MappingEnvSource(EnvSettingsSource):
    """pydantic-settings' environment source, over a given mapping instead of os.environ."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self.env_vars = {
            (name if self.case_sensitive else name.lower()): value
            for name, value in environ.items()
            if not (self.env_ignore_empty and value == "")
        }


class EnvironSettings(BaseSettings):
    """Settings read from environment variables, one field per variable.

    Subclasses declare fields as `Field(default=..., validation_alias="PREFECT_...")`
    (an `AliasChoices` where several names are accepted, first wins) and build
    instances with `from_env(environ, **overrides)`. Empty variables count as unset.
    """

    model_config = SettingsConfigDict(
        frozen=True, extra="ignore", populate_by_name=True, env_ignore_empty=True, case_sensitive=False
    )

    #: Variables whose values must never be echoed in an error (they may hold passwords).
    secret_variables: ClassVar[frozenset[str]] = frozenset()

    _environ: Mapping[str, str] = PrivateAttr(default_factory=dict)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        environ = _ENVIRON.get()
        if environ is None:
            return (init_settings,)
        return (init_settings, MappingEnvSource(settings_cls, environ), *cls.extra_sources(settings_cls, environ))

    @classmethod
    def extra_sources(
        cls, settings_cls: type[BaseSettings], environ: Mapping[str, str]
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Sources after the plain variables (for variables whose names are not fixed)."""
        return ()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Self:
        """Read the settings from `environ` (os.environ when None); `overrides` (by
        field name) win. Raises `ConfigurationError` naming each invalid variable."""
        snapshot = dict(os.environ if environ is None else environ)
        token = _ENVIRON.set(snapshot)
        try:
            settings = cls(**overrides)
        except ValidationError as exc:
            raise ConfigurationError(cls._describe(exc, snapshot)) from None
        finally:
            _ENVIRON.reset(token)
        settings._environ = snapshot
        return settings

    @property
    def environ(self) -> Mapping[str, str]:
        """The variables these settings were read from (for plugins' own settings)."""
        return self._environ

    @classmethod
    def _aliases_of(cls, name: str) -> list[str]:
        """Every variable name of the field that pydantic reports as `name`."""
        for field in cls.model_fields.values():
            alias = field.validation_alias
            choices = alias.choices if isinstance(alias, AliasChoices) else [alias]
            names = [str(choice) for choice in choices if isinstance(choice, str)]
            if name.lower() in (n.lower() for n in names):
                return names
        return []

    @classmethod
    def _describe(cls, exc: ValidationError, environ: Mapping[str, str]) -> str:
        """One line per validation error, naming the variable (or keyword) and its value."""
        lowered = {name.lower(): name for name in environ}
        parts = []
        for error in exc.errors():
            where = str(error["loc"][0]) if error["loc"] else cls.__name__
            # pydantic names a field by its first alias; show the one that was set.
            variable = next(
                (lowered[name.lower()] for name in cls._aliases_of(where) if name.lower() in lowered),
                lowered.get(where.lower(), where),
            )
            if variable in cls.secret_variables:
                shown = variable
            else:
                shown = f"{variable}={environ[variable]!r}" if variable in environ else variable
            message = error["msg"].removeprefix("Value error, ")
            parts.append(f"invalid {shown}: {message}")
        return "; ".join(parts)


def _flag(value: str, default: bool) -> bool:
    if value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _duration(value: object) -> object:
    """Seconds (`3600`) or what pydantic reads as a duration (`PT1H`, `01:00:00`)."""
    if not isinstance(value, str):
        return value
    try:
        return timedelta(seconds=float(value))
    except ValueError:
        return TypeAdapter(timedelta).validate_python(value.strip())


class ServiceVariablesSource(PydanticBaseSettingsSource):
    """`PREFECT_SERVER_SERVICES_<NAME>_ENABLED` switches and numeric
    `PREFECT_SERVER_SERVICES_<NAME>_<OPTION>` values, whose names are open-ended.

    A switch is on unless its value is a word other than 1/true/yes/on; an option
    that is not a number is ignored (the reference has non-numeric service settings
    of its own, which this server does not read).
    """

    PREFIX = "PREFECT_SERVER_SERVICES_"

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self.environ = environ

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # everything is done in __call__

    def __call__(self) -> dict[str, Any]:
        switches: dict[str, bool] = {}
        options: dict[str, float] = {}
        for name, raw in self.environ.items():
            if not name.startswith(self.PREFIX):
                continue
            rest = name[len(self.PREFIX) :].lower()
            if rest.endswith("_enabled"):
                switches[rest.removesuffix("_enabled")] = _flag(raw, True)
            else:
                try:
                    options[rest] = float(raw)
                except ValueError:
                    pass
        return {"services_enabled": switches, "service_options": options}


_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Settings(EnvironSettings):
    """What the server is configured with, apart from any one backend's options."""

    secret_variables = frozenset({"PREFECT_SERVER_API_AUTH_STRING", "PREFECT_SERVER_ENCRYPTION_KEY"})

    api_host: str = Field(default="127.0.0.1", validation_alias="PREFECT_SERVER_API_HOST")
    api_port: int = Field(default=4200, ge=0, le=65535, validation_alias="PREFECT_SERVER_API_PORT")
    logging_level: str = Field(
        default="WARNING", validation_alias=AliasChoices("PREFECT_SERVER_LOGGING_LEVEL", "PREFECT_LOGGING_SERVER_LEVEL")
    )

    #: The storage plugin's scheme (or one of its aliases); the plugin reads the rest.
    database_backend: str = Field(default="sqlite", validation_alias="PREFECT_DATABASE_BACKEND")

    broker_backend: str = Field(default="memory", validation_alias="PREFECT_BROKER_BACKEND")
    redis_url: str = Field(default="redis://127.0.0.1:6379/0", validation_alias="PREFECT_REDIS_URL")

    max_request_body_bytes: int = Field(
        default=32 * 1024 * 1024, gt=0, validation_alias="PREFECT_SERVER_MAX_REQUEST_BODY_BYTES"
    )
    csrf_protection_enabled: bool = Field(
        default=False,
        validation_alias=AliasChoices(
            "PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED", "PREFECT_SERVER_CSRF_PROTECTION_ENABLED"
        ),
    )
    #: How long a CSRF token from /csrf-token stays valid.
    csrf_token_expiration: timedelta = Field(
        default=timedelta(hours=1),
        validation_alias=AliasChoices(
            "PREFECT_SERVER_API_CSRF_TOKEN_EXPIRATION", "PREFECT_SERVER_CSRF_TOKEN_EXPIRATION"
        ),
    )
    #: "user:password" every REST request must present as HTTP Basic credentials
    #: (and every websocket as its auth token); None: no authentication.
    api_auth_string: SecretStr | None = Field(default=None, validation_alias="PREFECT_SERVER_API_AUTH_STRING")
    #: The Fernet key block document data is encrypted with; None: a key generated once and
    #: kept in the database (so a dump of the database alone reveals no block secrets only
    #: when this is set).
    encryption_key: SecretStr | None = Field(default=None, validation_alias="PREFECT_SERVER_ENCRYPTION_KEY")

    #: The web UI (docs/ui.md): served from the installed `prefect` package's bundles.
    ui_enabled: bool = Field(
        default=True, validation_alias=AliasChoices("PREFECT_SERVER_UI_ENABLED", "PREFECT_UI_ENABLED")
    )
    #: Whether neutral entry points (`/`) open the V2 UI rather than V1.
    ui_v2_enabled: bool = Field(default=True, validation_alias="PREFECT_SERVER_UI_V2_ENABLED")
    #: The API URL the UI calls; None: PREFECT_API_URL, else http://{api_host}:{api_port}/api.
    ui_api_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("PREFECT_SERVER_UI_API_URL", "PREFECT_UI_API_URL", "PREFECT_API_URL"),
    )
    #: The UI's address for links in automation templates (`ui_url`); None: the API URL
    #: without its `/api` when PREFECT_API_URL (or the UI's API URL) is set, else no links.
    ui_url: str | None = Field(default=None, validation_alias="PREFECT_UI_URL")
    #: The URL path the V1 UI is served under (V2 under `<it>/v2`).
    ui_serve_base: str = Field(
        default="/", validation_alias=AliasChoices("PREFECT_SERVER_UI_SERVE_BASE", "PREFECT_UI_SERVE_BASE")
    )
    #: Where the prepared UI copies are kept; None: next to the bundles in the prefect package.
    ui_static_directory: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("PREFECT_SERVER_UI_STATIC_DIRECTORY", "PREFECT_UI_STATIC_DIRECTORY"),
    )
    #: Task-run events are buffered and written in batches; this bounds the delay.
    event_flush_interval: float = Field(default=0.2, gt=0, validation_alias="PREFECT_SERVER_EVENT_FLUSH_INTERVAL")

    #: The longest wait (seconds) a client denied a slot of a limit without decay is told
    #: to retry after: limits named `tag:...` (task tags) and the others.
    tag_concurrency_slot_wait_seconds: float = Field(
        default=10.0,
        ge=0,
        validation_alias=AliasChoices(
            "PREFECT_SERVER_TASKS_TAG_CONCURRENCY_SLOT_WAIT_SECONDS",
            "PREFECT_TASK_RUN_TAG_CONCURRENCY_SLOT_WAIT_SECONDS",
        ),
    )
    maximum_concurrency_slot_wait_seconds: float = Field(
        default=30.0, ge=0, validation_alias="PREFECT_SERVER_CONCURRENCY_MAXIMUM_CONCURRENCY_SLOT_WAIT_SECONDS"
    )
    #: How long a run that finds its deployment's slots all taken waits (ENQUEUE) before
    #: it is due again.
    deployment_concurrency_slot_wait_seconds: float = Field(
        default=30.0, ge=0, validation_alias="PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS"
    )
    #: How long a run's lease on its deployment's slot first lasts (unless the deployment's
    #: `concurrency_options.grace_period_seconds` says otherwise); the client renews it while it runs.
    initial_deployment_lease_duration: float = Field(
        default=300.0, ge=30, le=3600, validation_alias="PREFECT_SERVER_CONCURRENCY_INITIAL_DEPLOYMENT_LEASE_DURATION"
    )

    #: The most runs a deployment schedule may ask for (`max_scheduled_runs`); more is a 422.
    deployment_schedule_max_scheduled_runs: int = Field(
        default=50,
        validation_alias=AliasChoices(
            "PREFECT_SERVER_DEPLOYMENT_SCHEDULE_MAX_SCHEDULED_RUNS", "PREFECT_DEPLOYMENT_SCHEDULE_MAX_SCHEDULED_RUNS"
        ),
    )

    #: Events older than this are deleted by the event retention service (the reference's default).
    events_retention_period: timedelta = Field(
        default=timedelta(days=7),
        validation_alias=AliasChoices("PREFECT_SERVER_EVENTS_RETENTION_PERIOD", "PREFECT_EVENTS_RETENTION_PERIOD"),
    )
    #: How long the related resources of a flow run's state events (its flow, deployment,
    #: work queue, pool and parent task run) are kept between its transitions, as the
    #: reference does (`prefect_core.events.relatives_cache`); 0 reads them every time.
    events_related_resource_cache_ttl: timedelta = Field(
        default=timedelta(minutes=5),
        validation_alias=AliasChoices(
            "PREFECT_SERVER_EVENTS_RELATED_RESOURCE_CACHE_TTL", "PREFECT_API_EVENTS_RELATED_RESOURCE_CACHE_TTL"
        ),
    )
    #: `/logs/out` streams live logs (both off by default, as in the reference): stored logs
    #: are handed to the stream when publishing is on, and sent to subscribers when out is on.
    logs_stream_out_enabled: bool = Field(default=False, validation_alias="PREFECT_SERVER_LOGS_STREAM_OUT_ENABLED")
    logs_stream_publishing_enabled: bool = Field(
        default=False, validation_alias="PREFECT_SERVER_LOGS_STREAM_PUBLISHING_ENABLED"
    )

    services_enabled: dict[str, bool] = Field(default_factory=dict)
    #: Numeric service options, e.g. "scheduler_loop_seconds" from
    #: PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS.
    service_options: dict[str, float] = Field(default_factory=dict)

    @field_validator("encryption_key")
    @classmethod
    def _fernet_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            from prefect_core.services.block_cipher import check_key

            check_key(value.get_secret_value())
        return value

    @field_validator("logging_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in _LEVELS:
            raise ValueError(f"must be one of {', '.join(_LEVELS)}")
        return value.upper()

    @field_validator(
        "csrf_token_expiration", "events_retention_period", "events_related_resource_cache_ttl", mode="before"
    )
    @classmethod
    def _read_duration(cls, value: object) -> object:
        return _duration(value)

    @classmethod
    def extra_sources(
        cls, settings_cls: type[BaseSettings], environ: Mapping[str, str]
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (ServiceVariablesSource(settings_cls, environ),)

    @property
    def resolved_ui_api_url(self) -> str:
        """The API URL /ui-settings gives the UI (the reference's default when none is set)."""
        return self.ui_api_url or f"http://{self.api_host}:{self.api_port}/api"

    @property
    def resolved_ui_url(self) -> str | None:
        """The UI's address for links (the reference infers it from the API URL likewise)."""
        if self.ui_url:
            return self.ui_url
        if self.ui_api_url:
            return self.ui_api_url.removesuffix("/").removesuffix("/api")
        return None

    def service_enabled(self, name: str, default: bool = True) -> bool:
        """Whether the background service `name` should run."""
        return self.services_enabled.get(name, default)

    def service_option(self, service: str, option: str, default: float) -> float:
        """A numeric option of a background service (PREFECT_SERVER_SERVICES_<SERVICE>_<OPTION>)."""
        return self.service_options.get(f"{service}_{option}", default)
