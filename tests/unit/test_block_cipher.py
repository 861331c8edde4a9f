"""The block cipher's keys are Fernet's, checked as Fernet checks them, and sealed data opens
with the same key only; `cryptography` loads only once data is sealed or opened."""

from __future__ import annotations

import base64
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from prefect_core.services.block_cipher import BlockCipher, check_key, new_key


@pytest.mark.parametrize(
    "key",
    [
        base64.urlsafe_b64encode(bytes(range(32))).decode(),
        base64.urlsafe_b64encode(bytes(range(32))).decode().rstrip("="),  # unpadded
        base64.urlsafe_b64encode(b"x" * 31).decode(),
        base64.urlsafe_b64encode(b"x" * 33).decode(),
        "not a key",
        "",
        "=" * 44,
    ],
)
def test_keys_are_accepted_exactly_when_fernet_accepts_them(key: str) -> None:
    try:
        Fernet(key.encode())
        fernet_accepts = True
    except (ValueError, TypeError):
        fernet_accepts = False
    try:
        check_key(key)
        ours = True
    except ValueError:
        ours = False
    assert ours == fernet_accepts


def test_sealed_data_opens_with_its_key_only() -> None:
    key = new_key()
    Fernet(key.encode())  # a key Fernet accepts
    sealed = BlockCipher(key).seal({"password": "s3cret"})
    assert "s3cret" not in sealed
    assert Fernet(key.encode()).decrypt(sealed.encode())  # what the reference can read
    assert BlockCipher(key).open(sealed) == {"password": "s3cret"}
    with pytest.raises(RuntimeError, match="another key"):
        BlockCipher(new_key()).open(sealed)


def test_cryptography_is_not_loaded_until_data_is_sealed() -> None:
    script = (
        "import sys\n"
        "from prefect_core.services.block_cipher import BlockCipher, new_key\n"
        "c = BlockCipher(new_key())\n"
        "print('cryptography' in sys.modules)\n"
        "c.seal({})\n"
        "print('cryptography' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.split() == ["False", "True"]
