"""`prefect deployment run --watch` and `prefect flow-run watch` against our server, with live
logs on (`WS /logs/out`): they stream the run's logs and exit 0 once it completes."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from tests.conformance.background import background, cli, script, wait_for
from tests.conformance.support import Api, ClientRunner, ConformanceServer, unique_suffix
from tests.conftest import backend_env
from tests.support.server import start_server

pytestmark = pytest.mark.conformance

LOG_STREAM = {
    "PREFECT_SERVER_LOGS_STREAM_OUT_ENABLED": "true",
    "PREFECT_SERVER_LOGS_STREAM_PUBLISHING_ENABLED": "true",
}


@pytest.fixture(scope="module")
def conformance_server(
    backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[ConformanceServer]:
    workdir = tmp_path_factory.mktemp(f"server-{backend}")
    process = start_server({**backend_env(backend, workdir, request), **LOG_STREAM}, workdir, timeout=60.0)
    try:
        yield ConformanceServer(process.api_url, process)
    finally:
        process.stop()


SERVE = """
import time
from prefect import flow, get_run_logger

@flow(name=f"watched-{SUFFIX}")
def watched():
    logger = get_run_logger()
    for i in range(3):
        logger.info("watched line %d", i)
        time.sleep(1)
    return 1

if __name__ == "__main__":
    watched.serve(name="w")
"""


def test_deployment_run_watch_and_flow_run_watch_exit_zero(prefect: ClientRunner, api: Api) -> None:
    suffix = unique_suffix()
    path = script(prefect.workdir, f"serve_{suffix}", SERVE)
    env = {**prefect.env, "COLUMNS": "400"}
    with background([sys.executable, str(path), suffix], prefect.env, prefect.workdir, f"serve-{suffix}") as served:
        wait_for(
            lambda: api.post(
                "/deployments/filter",
                {"deployments": {"name": {"any_": ["w"]}}, "flows": {"name": {"any_": [f"watched-{suffix}"]}}},
            ),
            60,
            what="the served deployment",
        )
        done = cli(
            ["deployment", "run", f"watched-{suffix}/w", "--watch", "--watch-timeout", "120"],
            env,
            prefect.workdir,
            timeout=150,
        )
        assert "watched line 2" in done.stdout, done.stdout + served.log()
        runs = api.post("/flow_runs/filter", {"flows": {"name": {"any_": [f"watched-{suffix}"]}}})
        assert [r["state_type"] for r in runs] == ["COMPLETED"]
        watched = cli(["flow-run", "watch", runs[0]["id"], "--timeout", "60"], env, prefect.workdir, timeout=90)
        assert watched.returncode == 0
