"""Block document data at rest: sealed with Fernet (AES-128-CBC and an HMAC), as the
reference stores it, under the key the server is configured with
(`PREFECT_SERVER_ENCRYPTION_KEY`) or else one generated once and kept in the database."""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken


def new_key() -> str:
    return Fernet.generate_key().decode()


def check_key(key: str) -> None:
    """Raise ValueError unless `key` is a Fernet key (32 url-safe base64-encoded bytes)."""
    try:
        Fernet(key.encode())
    except (ValueError, TypeError):
        raise ValueError("must be a Fernet key: 32 url-safe base64-encoded bytes") from None


class BlockCipher:
    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key.encode())

    def seal(self, data: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(data).encode()).decode()

    def open(self, sealed: str) -> dict[str, Any]:
        try:
            opened = json.loads(self._fernet.decrypt(sealed.encode()).decode())
        except InvalidToken:
            raise RuntimeError(
                "block document data was sealed with another key (PREFECT_SERVER_ENCRYPTION_KEY)"
            ) from None
        assert isinstance(opened, dict)
        return opened
