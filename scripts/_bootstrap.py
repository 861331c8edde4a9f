"""Shared by scripts/serve and scripts/test: a project virtualenv that installs itself."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("PREFECT_SERVER_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"


def _stamp_for(extras: str) -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()[:16]
    return digest


def ensure_venv(extras: str = "") -> Path:
    """Create .venv and install the project (with `extras`) unless already up to date."""
    if not PYTHON.exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp_file = VENV / f".installed-{extras or 'base'}"
    stamp = _stamp_for(extras)
    if stamp_file.exists() and stamp_file.read_text() == stamp:
        return PYTHON
    target = f"{ROOT}[{extras}]" if extras else str(ROOT)
    if not _install_with_uv(target):
        subprocess.run([str(PYTHON), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
        subprocess.run([str(PYTHON), "-m", "pip", "install", "-q", "-e", target], check=True)
    stamp_file.write_text(stamp)
    return PYTHON


def _install_with_uv(target: str) -> bool:
    """Install `target` (editable) into the venv with uv; False when uv cannot be had.

    uv resolves and downloads in parallel: on a machine with an empty package cache the
    suite's dependencies install in ~15 s against ~100 s with pip, which counts against CI's
    time limit. It is itself a wheel from the same package index, installed into the venv;
    any failure falls back to pip, so only Python is required.
    """

    def quietly(*args: str) -> bool:
        done = subprocess.run([str(PYTHON), "-m", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return done.returncode == 0

    if not quietly("uv", "--version") and not quietly("pip", "install", "-q", "uv"):
        return False
    # Bytecode compiled at install, as pip does: not by each of the suite's processes on first import.
    command = ["uv", "pip", "install", "-q", "--compile-bytecode", "--python", str(PYTHON), "-e", target]
    done = subprocess.run([str(PYTHON), "-m", *command])
    return done.returncode == 0


def exec_in_venv(python: Path, args: list[str]) -> None:
    os.execv(str(python), [str(python), *args])


if __name__ == "__main__":  # pragma: no cover
    sys.exit("import me")
