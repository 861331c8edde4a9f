"""From PREFECT_DATABASE_URL to asyncpg connect arguments, and from connect failures
to one clear `ConfigurationError`.

The URL is a standard libpq connection URI. We hand it to asyncpg as its `dsn`
rather than splitting it into SQLAlchemy URL parts: SQLAlchemy passes URL query
options to `asyncpg.connect()` verbatim, which rejects libpq names like
`sslmode`, whereas asyncpg's own DSN parser understands them (sslmode, sslrootcert,
sslcert, sslkey, passfile, several hosts, a unix socket `host=` ...) and sends any
other option to the server as a run-time setting (e.g. `?search_path=prefect`).
"""

from __future__ import annotations

import re
import socket
import urllib.parse
from dataclasses import dataclass
from typing import Any

from prefect_core.errors import ConfigurationError
from prefect_storage_postgres.settings import PostgresSettings

#: What `application_name` the server shows in pg_stat_activity unless the URL sets one.
APPLICATION_NAME = "prefect-server-py"

_SCHEMES = {"postgres", "postgresql", "postgresql+asyncpg"}
_PASSWORD = re.compile(r"(?<=://)([^:/@]*):[^@]*@")


def redact(url: str) -> str:
    """`url` with its password replaced by `***`, for messages and /admin/settings."""
    url = _PASSWORD.sub(r"\1:***@", url)
    return re.sub(r"(?i)([?&]password=)[^&]*", r"\1***", url)


@dataclass(frozen=True)
class ConnectionTarget:
    """A validated PREFECT_DATABASE_URL."""

    #: The URL in the `postgresql://` form asyncpg parses.
    dsn: str
    #: Options taken out of the URL because asyncpg does not know them.
    connect_timeout: float | None
    application_name_in_url: bool

    @classmethod
    def from_url(cls, url: str | None) -> ConnectionTarget:
        """Check the URL's shape; raise `ConfigurationError` when it is missing or malformed.

        Whether host, credentials and database are right is only known on connecting.
        """
        if not url:
            raise ConfigurationError(
                "PREFECT_DATABASE_URL must be set when PREFECT_DATABASE_BACKEND=postgres "
                "(e.g. postgresql://user:password@localhost:5432/prefect)"
            )
        scheme, sep, rest = url.partition("://")
        if not sep or scheme.lower() not in _SCHEMES:
            raise ConfigurationError(f"PREFECT_DATABASE_URL must be a postgresql:// URL, got {redact(url)!r}")
        try:
            parts = urllib.parse.urlsplit("postgresql://" + rest)
            query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
        except ValueError as exc:
            raise ConfigurationError(f"PREFECT_DATABASE_URL is not a valid URL ({exc}): {redact(url)!r}") from None
        for host in parts.netloc.rpartition("@")[2].split(","):
            port = host.rpartition("]")[2].partition(":")[2]  # after an [IPv6] address
            if port and not port.isdigit():
                raise ConfigurationError(f"PREFECT_DATABASE_URL has a port that is not a number: {redact(url)!r}")
        timeout = None
        kept = []
        for key, value in query:
            if key == "connect_timeout":  # libpq's name; asyncpg takes it as an argument
                try:
                    timeout = float(value)
                except ValueError:
                    raise ConfigurationError(
                        f"connect_timeout in PREFECT_DATABASE_URL must be a number, got {value!r}"
                    ) from None
            else:
                kept.append((key, value))
        query_string = urllib.parse.urlencode(kept)
        # Built by hand: urlunsplit would drop the `//` of `postgresql:///db` (no host).
        dsn = f"postgresql://{parts.netloc}{parts.path}" + (f"?{query_string}" if query_string else "")
        return cls(
            dsn=dsn,
            connect_timeout=timeout,
            application_name_in_url=any(k == "application_name" for k, _ in kept),
        )

    @property
    def display(self) -> str:
        """The URL without its password."""
        return redact(self.dsn)

    def connect_args(self, settings: PostgresSettings) -> dict[str, Any]:
        """Keyword arguments for `asyncpg.connect()` (via SQLAlchemy's `connect_args`)."""
        args: dict[str, Any] = {
            "dsn": self.dsn,
            "timeout": self.connect_timeout or settings.connect_timeout,
            # asyncpg cancels a statement that runs longer than this (None: no limit).
            "command_timeout": settings.statement_timeout or None,
        }
        if not self.application_name_in_url:
            # asyncpg lets an explicit server_settings key override the URL's, so only
            # set ours when the URL has none.
            args["server_settings"] = {"application_name": APPLICATION_NAME}
        return args


def _causes(exc: BaseException) -> list[BaseException]:
    """`exc`, the driver error SQLAlchemy wrapped (`.orig`), and their causes."""
    seen: list[BaseException] = []
    stack: list[BaseException | None] = [exc]
    while stack:
        current = stack.pop()
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        stack += [getattr(current, "orig", None), current.__cause__, current.__context__]
    return seen


def connect_failure(exc: BaseException, target: ConnectionTarget, timeout: float) -> ConfigurationError | None:
    """A one-line `ConfigurationError` for a failure to connect, or None if `exc` is not one.

    Recognises bad credentials, a missing database, an unreachable or refusing
    server, a timeout and a malformed URL, by the driver's error under SQLAlchemy's
    wrapping, so callers can `raise ... from None` without losing the reason.
    """
    import asyncpg  # only needed once something went wrong

    where = f"cannot connect to PostgreSQL at {target.display}"
    for cause in _causes(exc):
        sqlstate = getattr(cause, "sqlstate", None)
        detail = redact(str(cause).strip() or type(cause).__name__)
        if sqlstate in ("28P01", "28000"):  # invalid_password, invalid_authorization_specification
            return ConfigurationError(f"{where}: {detail} (check the user and password in the URL)")
        if sqlstate == "3D000":  # invalid_catalog_name
            return ConfigurationError(f"{where}: {detail} (create it first, e.g. createdb)")
        if isinstance(cause, asyncpg.PostgresError):
            return ConfigurationError(f"{where}: the server refused the connection: {detail}")
        if isinstance(cause, asyncpg.ClientConfigurationError | asyncpg.InterfaceError):
            return ConfigurationError(f"{where}: {detail}")
        if isinstance(cause, TimeoutError):
            return ConfigurationError(f"{where}: no answer within {timeout:g}s (PREFECT_DATABASE_CONNECT_TIMEOUT)")
        if isinstance(cause, ConnectionRefusedError):
            return ConfigurationError(f"{where}: connection refused (is the server running and listening there?)")
        if isinstance(cause, socket.gaierror):
            return ConfigurationError(f"{where}: unknown host ({detail})")
        if isinstance(cause, OSError):
            return ConfigurationError(f"{where}: {detail}")
        if isinstance(cause, ValueError):  # asyncpg's DSN parser: bad port, bad option value...
            return ConfigurationError(f"PREFECT_DATABASE_URL is invalid: {detail}: {target.display}")
    return None
