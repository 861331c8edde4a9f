"""Block document data at rest: sealed with Fernet (AES-128-CBC and an HMAC), as the
reference stores it, under the key the server is configured with
(`PREFECT_SERVER_ENCRYPTION_KEY`) or else one generated once and kept in the database.

`cryptography` is imported only when data is first sealed or opened: a server that never
touches a block document does not carry it (~6.6 MiB of RSS). A key is what Fernet's own
`generate_key` makes, 32 random bytes in url-safe base64, checked the way Fernet checks it."""

from __future__ import annotations

import base64
import binascii
import json
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cryptography.fernet import Fernet


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def check_key(key: str) -> None:
    """Raise ValueError unless `key` is a Fernet key (32 url-safe base64-encoded bytes)."""
    try:
        raw = base64.urlsafe_b64decode(key.encode())
    except (binascii.Error, ValueError, TypeError):
        raw = b""
    if len(raw) != 32:
        raise ValueError("must be a Fernet key: 32 url-safe base64-encoded bytes")


class BlockCipher:
    def __init__(self, key: str) -> None:
        check_key(key)
        self._key = key
        self._fernet: Fernet | None = None

    def _cipher(self) -> Fernet:
        if self._fernet is None:
            from cryptography.fernet import Fernet

            self._fernet = Fernet(self._key.encode())
        return self._fernet

    def seal(self, data: dict[str, Any]) -> str:
        return self._cipher().encrypt(json.dumps(data).encode()).decode()

    def open(self, sealed: str) -> dict[str, Any]:
        from cryptography.fernet import InvalidToken

        try:
            opened = json.loads(self._cipher().decrypt(sealed.encode()).decode())
        except InvalidToken:
            raise RuntimeError(
                "block document data was sealed with another key (PREFECT_SERVER_ENCRYPTION_KEY)"
            ) from None
        assert isinstance(opened, dict)
        return opened
