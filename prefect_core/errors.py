"""Domain errors. The HTTP adapter maps each to the reference API's status and body."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the core raises on purpose."""

    status = 400
    #: Response headers the error carries (e.g. Retry-After).
    headers: dict[str, str] = {}

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    """The addressed object does not exist (HTTP 404)."""

    status = 404


class Conflict(DomainError):
    """The request clashes with what is stored, e.g. a unique name (HTTP 409)."""

    status = 409


class Forbidden(DomainError):
    """The request touches something reserved, e.g. a pool named "prefect..." (HTTP 403)."""

    status = 403


class BadRequest(DomainError):
    """The request cannot be served as asked (HTTP 400 with a detail string)."""

    status = 400


class InvalidInput(DomainError):
    """Input that parses but makes no sense (HTTP 422 with a detail string)."""

    status = 422


class Gone(DomainError):
    """The addressed object existed but no longer does, e.g. an expired lease (HTTP 410)."""

    status = 410


class Locked(DomainError):
    """The resource is held by others; retry after `retry_after` seconds, when given (HTTP 423)."""

    status = 423

    def __init__(self, detail: str = "Locked", retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
        self.headers = {} if retry_after is None else {"Retry-After": str(retry_after)}


class StorageUnavailable(DomainError):
    """The storage backend could not serve the request; retry later (HTTP 503)."""

    status = 503


class ConfigurationError(Exception):
    """The server cannot start with the given settings (bad backend, bad URL...)."""
