"""Issue and check CSRF tokens.

A token is 32 random bytes (hex); only its SHA-256 is stored, so the table never
holds a usable token. Each issue replaces the client's previous token and sweeps
expired ones, as the reference does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from prefect_core import timeutil
from prefect_core.ids import uuid7
from prefect_core.ports import Storage
from prefect_core.schemas.csrf_tokens import CsrfToken


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class CsrfTokenService:
    def __init__(self, storage: Storage, lifetime: dt.timedelta) -> None:
        self.storage = storage
        self.lifetime = lifetime

    async def issue(self, client: str) -> CsrfToken:
        """A new token for `client`, valid for the configured lifetime."""
        now = timeutil.now()
        token = secrets.token_hex(32)
        expiration = now + self.lifetime
        async with self.storage.write() as uow:
            await uow.csrf_tokens.put(client, _digest(token), expiration)
            await uow.csrf_tokens.delete_expired(now)
        return CsrfToken(id=uuid7(), created=now, updated=now, token=token, client=client, expiration=expiration)

    async def is_valid(self, client: str, token: str) -> bool:
        """Whether `token` is `client`'s current, unexpired token (constant-time compare)."""
        async with self.storage.read() as uow:
            stored = await uow.csrf_tokens.digest_for(client, timeutil.now())
        return stored is not None and hmac.compare_digest(stored, _digest(token))
