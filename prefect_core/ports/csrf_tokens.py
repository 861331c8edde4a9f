"""CSRF tokens issued to clients."""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class CsrfTokenRepository(Protocol):
    """One token per client, stored as a digest (the token itself is only ever sent once)."""

    async def put(self, client: str, digest: str, expiration: dt.datetime) -> None:
        """Store `digest` as `client`'s token until `expiration`, replacing any it had."""
        ...

    async def digest_for(self, client: str, now: dt.datetime) -> str | None:
        """The digest of `client`'s token if it is still valid at `now`, else None."""
        ...

    async def delete_expired(self, now: dt.datetime) -> int:
        """Delete the tokens expired before `now`; how many went."""
        ...
