"""Deployments, `flow.serve()`, process work pools and workers, driven by the real
client and CLI against our server (scenarios b and c of the reference traffic).

One server per module and backend, with quick background-service loops so that
schedules turn into runs within a second or two.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conformance.background import background, cli, pid_alive, script, wait_for
from tests.conformance.support import Api, client_env, unique_suffix
from tests.conftest import backend_env
from tests.support.server import ServerProcess, start_server

pytestmark = pytest.mark.conformance

FAST_SERVICES = {
    # a run that finds its deployment full is due again soon (the reference's default: 30 s)
    "PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS": "2",
    "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
    "PREFECT_SERVER_SERVICES_SCHEDULER_RECENT_DEPLOYMENTS_LOOP_SECONDS": "1",
    "PREFECT_SERVER_SERVICES_FOREMAN_LOOP_SECONDS": "2",
}


@pytest.fixture(scope="module")
def server(
    backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[ServerProcess]:
    workdir = tmp_path_factory.mktemp(f"deploy-server-{backend}")
    process = start_server({**backend_env(backend, workdir, request), **FAST_SERVICES}, workdir, timeout=60.0)
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def api(server: ServerProcess) -> Iterator[Api]:
    client = Api(server.api_url)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def env(server: ServerProcess, workdir: Path) -> dict[str, str]:
    return client_env(
        server.api_url,
        workdir / "home",
        PREFECT_RUNNER_POLL_FREQUENCY="1",
        PREFECT_WORKER_QUERY_SECONDS="1",
        PREFECT_WORKER_PREFETCH_SECONDS="5",
    )


def _deployment(api: Api, flow_name: str, name: str) -> dict | None:
    response = api.http.get(f"/deployments/name/{flow_name}/{name}")
    return response.json() if response.status_code == 200 else None


def _state(api: Api, run_id: str) -> str:
    return api.flow_run(run_id)["state_type"]


RUN_AND_WAIT = """
from prefect.deployments import run_deployment
run = run_deployment(sys.argv[2], timeout=120, poll_interval=1)
report(id=str(run.id), state=run.state.type.value)
"""

TRIGGER = """
from prefect.deployments import run_deployment
run = run_deployment(sys.argv[2], timeout=0)
report(id=str(run.id))
"""


def _client_script(workdir: Path, env: dict[str, str], source: str, *args: str, timeout: float = 150.0) -> dict:
    import json
    import subprocess

    path = script(workdir, f"client_{unique_suffix()}", source)
    done = subprocess.run(
        [sys.executable, str(path), "x", *args], env=env, cwd=workdir, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    result: dict = {}
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            result.update(json.loads(line[7:]))
    return result


SERVE = """
import os, time
from pathlib import Path
from prefect import flow
from prefect.runtime import flow_run

@flow(name=f"served-{SUFFIX}")
def served(x: int = 1, wait: float = 0):
    Path(f"pid-{flow_run.id}").write_text(str(os.getpid()))
    for _ in range(int(wait)):
        time.sleep(1)
    return x * 2

if __name__ == "__main__":
    served.serve(name="s", interval=int(sys.argv[2]) if len(sys.argv) > 2 else None)
"""


def test_serve_runs_a_triggered_run_and_interval_runs(api: Api, env: dict[str, str], workdir: Path) -> None:
    suffix = unique_suffix()
    path = script(workdir, "serve", SERVE)
    with background([sys.executable, str(path), suffix, "5"], env, workdir, "serve") as served:
        deployment = wait_for(lambda: _deployment(api, f"served-{suffix}", "s"), 60, what="the deployment")
        assert deployment["schedules"][0]["schedule"]["interval"] == 5.0
        triggered = _client_script(workdir, env, RUN_AND_WAIT, f"served-{suffix}/s")
        assert triggered["state"] == "COMPLETED", served.log()
        run = api.flow_run(triggered["id"])
        assert run["deployment_id"] == deployment["id"] and not run["auto_scheduled"]

        def completed_scheduled_run() -> list[dict]:
            runs = api.post("/flow_runs/filter", {"deployments": {"id": {"any_": [deployment["id"]]}}})
            return [r for r in runs if r["auto_scheduled"] and r["state_type"] == "COMPLETED"]

        done = wait_for(completed_scheduled_run, 60, what="an interval run to complete")
        assert done[0]["tags"][0] == "auto-scheduled" and done[0]["created_by"]["type"] == "SCHEDULE"
        assert api.get(f"/deployments/{deployment['id']}")["status"] == "READY"
    # serve pauses its deployment on the way out
    assert wait_for(lambda: api.get(f"/deployments/{deployment['id']}")["paused"], 20, what="the pause")


FLOW_SOURCE = """
import time
from prefect import flow

@flow
def work(msg: str = "hi"):
    print("worker ran", msg)
    return msg

@flow
def slow():
    for _ in range(300):
        time.sleep(1)
"""

DEPLOY = """
from prefect import flow
source, entrypoint, name, pool = sys.argv[2:6]
deployment_id = flow.from_source(source=source, entrypoint=entrypoint).deploy(
    name=name, work_pool_name=pool, build=False, push=False
)
report(id=str(deployment_id))
"""


@pytest.fixture
def pool(env: dict[str, str], workdir: Path, api: Api) -> Iterator[str]:
    name = f"pool-{unique_suffix()}"
    cli(["work-pool", "create", name, "--type", "process"], env, workdir)
    created = api.get(f"/work_pools/{name}")
    assert created["type"] == "process" and created["base_job_template"]["job_configuration"]
    yield name


def _deploy(env: dict[str, str], workdir: Path, entrypoint: str, name: str, pool: str) -> str:
    source = workdir / "src"
    source.mkdir(exist_ok=True)
    (source / "flows.py").write_text(FLOW_SOURCE)
    return _client_script(workdir, env, DEPLOY, str(source), entrypoint, name, pool)["id"]


def _worker(pool: str, env: dict[str, str], workdir: Path):  # type: ignore[no-untyped-def]
    from tests.conformance.background import PREFECT_CLI

    return background([PREFECT_CLI, "worker", "start", "--pool", pool, "--type", "process"], env, workdir, "worker")


def test_process_worker_runs_a_deployment_from_local_source(
    api: Api, env: dict[str, str], workdir: Path, pool: str
) -> None:
    deployment_id = _deploy(env, workdir, "flows.py:work", "w", pool)
    deployment = api.get(f"/deployments/{deployment_id}")
    assert deployment["work_pool_name"] == pool and deployment["work_queue_name"] == "default"
    with _worker(pool, env, workdir) as worker:
        result = _client_script(workdir, env, RUN_AND_WAIT, "work/w")
        assert result["state"] == "COMPLETED", worker.log()
        run = api.flow_run(result["id"])
        assert run["work_pool_name"] == pool and run["work_queue_name"] == "default"
        workers = api.post(f"/work_pools/{pool}/workers/filter", {"workers": {"status": {"any_": ["ONLINE"]}}})
        assert len(workers) == 1
        assert api.get(f"/work_pools/{pool}")["status"] == "READY"


def _cancel_running(api: Api, env: dict[str, str], workdir: Path, deployment: str, log, pid_of) -> None:  # type: ignore[no-untyped-def]
    """Start a run of `deployment`, cancel it with the CLI once it runs, and check it
    ends CANCELLED with its process gone (`pid_of(run)` names the process)."""
    run_id = _client_script(workdir, env, TRIGGER, deployment)["id"]
    running = wait_for(
        lambda: (r := api.flow_run(run_id))["state_type"] == "RUNNING" and pid_of(r) and r,
        90,
        what=f"the run to start\n{log()}",
    )
    pid = pid_of(running)
    cli(["flow-run", "cancel", run_id], env, workdir)
    wait_for(lambda: _state(api, run_id) == "CANCELLED", 60, what=f"the run to be cancelled\n{log()}")
    wait_for(lambda: not pid_alive(pid), 30, what="the flow run process to stop")


def _infrastructure_pid(run: dict) -> int | None:
    return int(str(run["infrastructure_pid"]).rsplit(":", 1)[-1]) if run["infrastructure_pid"] else None


def test_cancel_a_run_under_a_worker(api: Api, env: dict[str, str], workdir: Path, pool: str) -> None:
    _deploy(env, workdir, "flows.py:slow", "slow", pool)
    with _worker(pool, env, workdir) as worker:
        _cancel_running(api, env, workdir, "slow/slow", worker.log, _infrastructure_pid)


def test_cancel_a_run_under_serve(api: Api, env: dict[str, str], workdir: Path) -> None:
    suffix = unique_suffix()
    path = script(workdir, "serve_slow", SERVE.replace("x: int = 1, wait: float = 0", "x: int = 1, wait: float = 300"))
    with background([sys.executable, str(path), suffix], env, workdir, "serve") as served:
        wait_for(lambda: _deployment(api, f"served-{suffix}", "s"), 60, what="the deployment")

        def pid_file(run: dict) -> int | None:
            path = workdir / f"pid-{run['id']}"
            return int(path.read_text()) if path.exists() and path.read_text() else None

        _cancel_running(api, env, workdir, f"served-{suffix}/s", served.log, pid_file)


def _deployment_with_schedule(api: Api, schedule: dict) -> dict:
    flow = api.post("/flows/", {"name": f"cron-{unique_suffix()}"})
    return api.post("/deployments/", {"name": "c", "flow_id": flow["id"], "schedules": [{"schedule": schedule}]})


def _future_runs(api: Api, deployment_id: str) -> list[dt.datetime]:
    runs = api.post(
        "/flow_runs/filter", {"deployments": {"id": {"any_": [deployment_id]}}, "sort": "EXPECTED_START_TIME_ASC"}
    )
    return [dt.datetime.fromisoformat(r["expected_start_time"].replace("Z", "+00:00")) for r in runs]


def test_cron_schedule_produces_exactly_the_expected_runs(api: Api) -> None:
    created = dt.datetime.now(dt.UTC)
    if (created.minute % 10) * 60 + created.second > 590:  # too close to a mark: the horizon may roll over
        wait_for(lambda: dt.datetime.now(dt.UTC).second < 50, 20)
        created = dt.datetime.now(dt.UTC)
    deployment = _deployment_with_schedule(api, {"cron": "*/10 * * * *"})
    runs = wait_for(lambda: len(got := _future_runs(api, deployment["id"])) >= 7 and got, 30, what="the runs")
    first = created.replace(second=0, microsecond=0) + dt.timedelta(minutes=10 - created.minute % 10)
    assert runs == [first + dt.timedelta(minutes=10 * k) for k in range(7)]
    time.sleep(3)  # a few more scheduler ticks
    assert _future_runs(api, deployment["id"]) == runs  # later ticks add nothing

    zone = ZoneInfo("America/New_York")
    daily = _deployment_with_schedule(api, {"cron": "0 9 * * *", "timezone": "America/New_York"})
    got = wait_for(lambda: len(r := _future_runs(api, daily["id"])) >= 3 and r, 30, what="the daily runs")
    local_now = dt.datetime.now(zone)
    day = local_now.date() if local_now.hour < 9 else local_now.date() + dt.timedelta(days=1)
    expected = [dt.datetime.combine(day + dt.timedelta(days=k), dt.time(9), zone).astimezone(dt.UTC) for k in range(3)]
    assert got == expected


def test_four_pollers_claim_500_runs_exactly_once(api: Api) -> None:
    import threading

    import httpx

    pool = f"load-{unique_suffix()}"
    api.post("/work_pools/", {"name": pool, "type": "process"})
    flow = api.post("/flows/", {"name": f"load-{unique_suffix()}"})
    deployment = api.post("/deployments/", {"name": "l", "flow_id": flow["id"], "work_pool_name": pool})
    created = {api.post(f"/deployments/{deployment['id']}/create_flow_run", {})["id"] for _ in range(500)}
    claims: list[list[str]] = [[] for _ in range(4)]
    accepted: list[list[str]] = [[] for _ in range(4)]
    errors: list[BaseException] = []

    def poller(i: int) -> None:
        try:
            with httpx.Client(base_url=api.http.base_url, timeout=60) as http:
                while True:
                    response = http.post(f"/work_pools/{pool}/get_scheduled_flow_runs", json={"limit": 25})
                    response.raise_for_status()
                    batch = [r["flow_run"]["id"] for r in response.json()]
                    if not batch:
                        return
                    claims[i] += batch
                    for run_id in batch:
                        result = http.post(f"/flow_runs/{run_id}/set_state", json={"state": {"type": "PENDING"}}).json()
                        if result["status"] == "ACCEPT":
                            accepted[i].append(run_id)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=poller, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=240)
    assert not errors and not any(t.is_alive() for t in threads)
    everything = [run_id for c in claims for run_id in c]
    assert len(everything) == len(set(everything)) == 500 and set(everything) == created
    assert sum(len(a) for a in accepted) == 500
    assert sum(1 for c in claims if c) >= 2  # the work was really shared


TASK_MODULE = """
from prefect import task

@task(name="double")
def double(x: int) -> int:
    return x * 10
"""

TASK_WORKER = """
from tasks_mod import double
double.serve()
"""

SUBMIT = """
from tasks_mod import double
futures = [double.delay(i) for i in range(3)]
report(results=[f.result(timeout=90) for f in futures], ids=[str(f.task_run_id) for f in futures])
"""


def test_task_worker_runs_delayed_tasks(api: Api, env: dict[str, str], workdir: Path) -> None:
    (workdir / "tasks_mod.py").write_text(TASK_MODULE)
    path = script(workdir, "task_worker", TASK_WORKER)
    with background([sys.executable, str(path), "x"], env, workdir, "task_worker") as worker:
        # The client logs this just before it opens its subscription on our server.
        wait_for(lambda: "Subscribing to runs of task(s): double" in worker.log(), 60, what="the task worker to start")
        result = _client_script(workdir, env, SUBMIT)
        assert result["results"] == [0, 10, 20], worker.log()
        for run_id in result["ids"]:
            run = api.task_run(run_id)
            assert run["state_type"] == "COMPLETED" and run["flow_run_id"] is None


LIMITED_SOURCE = """
import json, time
from pathlib import Path
from prefect import flow
from prefect.runtime import flow_run

@flow
def one_at_a_time(out: str):
    start = time.time()
    time.sleep(3)
    Path(out, f"{flow_run.id}.json").write_text(json.dumps({"start": start, "end": time.time()}))
"""

DEPLOY_LIMITED = """
from prefect import flow
source, pool = sys.argv[2:4]
deployment_id = flow.from_source(source=source, entrypoint="limited.py:one_at_a_time").deploy(
    name="one", work_pool_name=pool, build=False, push=False, concurrency_limit=1
)
report(id=str(deployment_id))
"""

TRIGGER_WITH = """
from prefect.deployments import run_deployment
run = run_deployment(sys.argv[2], parameters={"out": sys.argv[3]}, timeout=0)
report(id=str(run.id))
"""


def test_a_deployment_with_concurrency_limit_one_runs_its_runs_one_after_another(
    api: Api, env: dict[str, str], workdir: Path, pool: str
) -> None:
    source = workdir / "src"
    source.mkdir(exist_ok=True)
    (source / "limited.py").write_text(LIMITED_SOURCE)
    out = workdir / "out"
    out.mkdir()
    deployment_id = _client_script(workdir, env, DEPLOY_LIMITED, str(source), pool)["id"]
    deployment = api.get(f"/deployments/{deployment_id}")
    assert deployment["concurrency_limit"] is None  # deprecated: null, as the reference answers it
    limit = deployment["global_concurrency_limit"]
    assert (limit["name"], limit["limit"]) == (f"deployment:{deployment_id}", 1)

    run_ids = [_client_script(workdir, env, TRIGGER_WITH, "one-at-a-time/one", str(out))["id"] for _ in range(3)]
    with _worker(pool, env, workdir) as worker:

        def all_done() -> bool:
            return all(_state(api, run_id) in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") for run_id in run_ids)

        wait_for(all_done, 150, what=f"the three runs to finish\n{worker.log()}")
    assert [_state(api, run_id) for run_id in run_ids] == ["COMPLETED"] * 3
    spans = sorted((s["start"], s["end"]) for s in (json.loads((out / f"{r}.json").read_text()) for r in run_ids))
    for (_, earlier_end), (later_start, _) in itertools.pairwise(spans):
        assert later_start >= earlier_end, f"runs overlapped: {spans}"
    # the runs waited their turn, and every slot came back
    waited = [s["name"] for run_id in run_ids for s in api.flow_run_states(run_id)]
    assert "AwaitingConcurrencySlot" in waited
    leases = {s["state_details"]["deployment_concurrency_lease_id"] for r in run_ids for s in api.flow_run_states(r)}
    assert len(leases - {None}) == 3  # one lease per run, as the engine renewed it
    assert api.get(f"/v2/concurrency_limits/{limit['id']}")["active_slots"] == 0
