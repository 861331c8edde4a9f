"""Small modules: no module of the packages grows past 400 lines (issue #8's done-criterion)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("prefect_core", "prefect_storage_sql", "prefect_storage_sqlite", "prefect_storage_postgres", "prefect_http")
MAX_LINES = 400


def test_no_module_exceeds_the_limit() -> None:
    modules = [path for package in PACKAGES for path in (ROOT / package).rglob("*.py")]
    assert len(modules) > 100  # the packages were found
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in modules
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert too_long == {}, f"split these modules (lines > {MAX_LINES}): {too_long}"
