"""API tests run without background services, so nothing changes behind a test's back
(the services have their own tests, which tick them explicitly)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import backend_env

SERVICES = (
    "SCHEDULER",
    "LATE_RUNS",
    "FOREMAN",
    "CANCELLATION_CLEANUP",
    "PAUSE_EXPIRATIONS",
    "REPOSSESSOR",
    "EVENT_RETENTION",
    "TRIGGERS",
    "ACTIONS",
)


@pytest.fixture
def server_env(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    env = backend_env(backend, tmp_path, request)
    env.update({f"PREFECT_SERVER_SERVICES_{name}_ENABLED": "false" for name in SERVICES})
    return env
