"""The real client against a server with authentication and CSRF protection both on:
`PREFECT_API_AUTH_STRING` on the client side, tokens fetched by the client itself.
Flows with tasks and logs, `flow.serve()` and a process worker run as they do on an
open server; requests without the credentials or the token are refused.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conformance.background import PREFECT_CLI, background, cli, script, wait_for
from tests.conformance.support import Api, ClientRunner, client_env, unique_suffix
from tests.conformance.test_deployments_workers import DEPLOY, FAST_SERVICES, FLOW_SOURCE, RUN_AND_WAIT, SERVE
from tests.conftest import backend_env
from tests.support.server import ServerProcess, start_server

pytestmark = pytest.mark.conformance

SECRET = "conformance-user:" + uuid.uuid4().hex


class GuardedApi(Api):
    """Api for assertions that authenticates and carries a CSRF token, as a client must."""

    def __init__(self, api_url: str) -> None:
        super().__init__(api_url)
        user, password = SECRET.split(":", 1)
        self.http = httpx.Client(base_url=api_url, timeout=15.0, auth=(user, password))
        client_id = str(uuid.uuid4())
        token = self.http.get("/csrf-token", params={"client": client_id}).json()["token"]
        self.http.headers.update({"Prefect-Csrf-Token": token, "Prefect-Csrf-Client": client_id})


@pytest.fixture(scope="module")
def server(
    backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[ServerProcess]:
    workdir = tmp_path_factory.mktemp(f"guarded-{backend}")
    env = {
        **backend_env(backend, workdir, request),
        **FAST_SERVICES,
        "PREFECT_SERVER_API_AUTH_STRING": SECRET,
        "PREFECT_SERVER_CSRF_PROTECTION_ENABLED": "true",
    }
    process = start_server(env, workdir, timeout=60.0)
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def api(server: ServerProcess) -> Iterator[GuardedApi]:
    client = GuardedApi(server.api_url)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def env(server: ServerProcess, tmp_path: Path) -> dict[str, str]:
    return client_env(
        server.api_url,
        tmp_path / "home",
        PREFECT_API_AUTH_STRING=SECRET,
        PREFECT_RUNNER_POLL_FREQUENCY="1",
        PREFECT_WORKER_QUERY_SECONDS="1",
        PREFECT_WORKER_PREFETCH_SECONDS="5",
    )


def _client_script(workdir: Path, env: dict[str, str], source: str, *args: str) -> dict:
    return ClientRunner(workdir, env).run(source, args=args, timeout=150.0).result


def _deployment(api: Api, flow_name: str, name: str) -> dict | None:
    response = api.http.get(f"/deployments/name/{flow_name}/{name}")
    return response.json() if response.status_code == 200 else None


def test_the_guards_are_on(server: ServerProcess, api: GuardedApi) -> None:
    assert httpx.get(f"{server.api_url}/flows/{uuid.uuid4()}").status_code == 401
    user, password = SECRET.split(":", 1)
    refused = httpx.post(f"{server.api_url}/flows/", json={"name": "x"}, auth=(user, password))
    assert refused.status_code == 403 and refused.json() == {"detail": "Missing CSRF token."}
    assert isinstance(api.post("/flows/count", {}), int)  # the guarded client passes both


FLOW = """
from prefect import flow, task, get_run_logger

@task
def add(a, b):
    return a + b

@flow(name=f"guarded-{SUFFIX}")
def guarded():
    get_run_logger().info("behind the guards")
    return add(1, 2) + add.submit(3, 4).result()

state = guarded(return_state=True)
report(state=state.type.value, result=state.result(), flow_run_id=str(state.state_details.flow_run_id))
"""


def test_a_flow_with_tasks_and_logs(api: GuardedApi, env: dict[str, str], tmp_path: Path) -> None:
    result = _client_script(tmp_path, env, FLOW)
    assert result["state"] == "COMPLETED" and result["result"] == 10
    run = api.flow_run(result["flow_run_id"])
    assert run["state_type"] == "COMPLETED"
    tasks = api.settled_task_runs(result["flow_run_id"], 2)  # task runs arrive over the events websocket
    assert sorted(t["state_type"] for t in tasks) == ["COMPLETED", "COMPLETED"]
    logs = wait_for(
        lambda: [l for l in api.logs(result["flow_run_id"]) if "behind the guards" in l["message"]],
        20,
        what="the flow's log line",
    )
    assert logs


def test_serve_runs_a_triggered_run(api: GuardedApi, env: dict[str, str], tmp_path: Path) -> None:
    suffix = unique_suffix()
    path = script(tmp_path, "serve", SERVE)
    with background([sys.executable, str(path), suffix], env, tmp_path, "serve") as served:
        deployment = wait_for(lambda: _deployment(api, f"served-{suffix}", "s"), 60, what="the deployment")
        triggered = _client_script(tmp_path, env, RUN_AND_WAIT, f"served-{suffix}/s")
        assert triggered["state"] == "COMPLETED", served.log()
        assert api.flow_run(triggered["id"])["deployment_id"] == deployment["id"]


def test_a_process_worker_runs_a_deployment(api: GuardedApi, env: dict[str, str], tmp_path: Path) -> None:
    pool = f"guarded-pool-{unique_suffix()}"
    cli(["work-pool", "create", pool, "--type", "process"], env, tmp_path)
    source = tmp_path / "src"
    source.mkdir()
    (source / "flows.py").write_text(FLOW_SOURCE)
    _client_script(tmp_path, env, DEPLOY, str(source), "flows.py:work", "w", pool)
    with background(
        [PREFECT_CLI, "worker", "start", "--pool", pool, "--type", "process"], env, tmp_path, "worker"
    ) as worker:
        result = _client_script(tmp_path, env, RUN_AND_WAIT, "work/w")
        assert result["state"] == "COMPLETED", worker.log()
        assert api.flow_run(result["id"])["work_pool_name"] == pool
        online = api.post(f"/work_pools/{pool}/workers/filter", {"workers": {"status": {"any_": ["ONLINE"]}}})
        assert len(online) == 1
