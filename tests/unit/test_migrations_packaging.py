"""The shipped revisions reach an installed wheel: every file Alembic reads is package data."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

from prefect_storage_sql import migrations

ROOT = Path(__file__).resolve().parents[2]


def test_every_migration_file_is_in_the_wheel() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = setuptools["package-data"]["*"]
    folder = Path(migrations.__file__).parent
    for path in folder.rglob("*"):
        if path.is_dir() or "__pycache__" in path.parts:
            continue
        if path.suffix == ".py":
            # Modules ship when their folder is a package that packages.find includes.
            assert (path.parent / "__init__.py").exists(), path
            assert any(fnmatch.fnmatch("prefect_storage_sql", p) for p in setuptools["packages"]["find"]["include"])
        else:
            assert any(fnmatch.fnmatch(path.name, p) for p in patterns), f"{path.name} is not package data"


def test_no_sql_file_trees_remain() -> None:
    # One source for every backend: the hand-kept SQL trees live on only as test fixtures.
    for package in ("prefect_storage_sql", "prefect_storage_sqlite", "prefect_storage_postgres"):
        assert list((ROOT / package).rglob("*.sql")) == [], package
