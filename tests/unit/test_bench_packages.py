"""The reference's package versions a benchmark report records (bench/targets.py)."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

from bench.report import markdown
from bench.targets import installed_packages


def test_the_versions_are_pips_for_that_interpreter() -> None:
    found = installed_packages(Path(sys.executable), ("aiohttp", "pydantic-core", "no-such-package"))
    # Normalised names, in the order asked, what is missing left out.
    assert found == {"aiohttp": metadata.version("aiohttp"), "pydantic-core": metadata.version("pydantic_core")}


def test_an_interpreter_that_cannot_answer_gives_nothing(tmp_path: Path) -> None:
    assert installed_packages(tmp_path / "missing-python") == {}


def test_the_report_names_them_under_the_targets() -> None:
    meta = {"timestamp": "t", "command": "c", "machine": "m", "wrk": "w", "pinning": "p", "duration": 1, "clients": []}
    target = {"name": "reference", "kind": "reference", "available": True, "packages": {"fastapi": "0.150.0"}}
    assert "reference's packages: fastapi 0.150.0." in markdown({"meta": meta, "targets": [target]}, None)
