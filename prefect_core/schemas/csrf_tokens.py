"""CSRF tokens (`GET /csrf-token?client=...`)."""

from __future__ import annotations

from prefect_core.schemas.base import DateTime, ORMModel

#: The longest client identifier accepted (clients send a UUID).
MAX_CLIENT_LENGTH = 255


class CsrfToken(ORMModel):
    """A token issued to one client; valid until `expiration`."""

    token: str
    client: str
    expiration: DateTime
