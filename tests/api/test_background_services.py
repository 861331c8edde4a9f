"""Background services, ticked by hand against the app's storage."""

from __future__ import annotations

import datetime as dt
import itertools
import types

from prefect_core import timeutil
from prefect_core.services.background import scheduler as scheduler_module
from prefect_core.services.background.cancellation import CancellationCleanup
from prefect_core.services.background.foreman import Foreman
from prefect_core.services.background.late_runs import LateRuns
from prefect_core.services.background.pauses import PauseExpirations
from prefect_core.services.background.scheduler import Scheduler
from prefect_core.services.scheduling.runs import Horizon
from prefect_http.keys import SERVICES


def _services(client):
    return client.server.app[SERVICES]


async def _deployment(client, **body) -> dict:
    flow = await (await client.post("/api/flows/", json={"name": "f"})).json()
    resp = await client.post("/api/deployments/", json={"name": "d", "flow_id": flow["id"], **body})
    return await resp.json()


async def _runs(client, dep_id: str) -> list[dict]:
    body = {"deployments": {"id": {"any_": [dep_id]}}, "sort": "EXPECTED_START_TIME_ASC"}
    return await (await client.post("/api/flow_runs/filter", json=body)).json()


def _freeze_scheduler_clock(monkeypatch) -> None:
    """The scheduler's "now" stays put, so a horizon cannot slide past a cron slot between two ticks."""
    frozen = timeutil.now()
    clock = types.SimpleNamespace(**{k: getattr(timeutil, k) for k in dir(timeutil) if not k.startswith("__")})
    clock.now = lambda: frozen
    monkeypatch.setattr(scheduler_module, "timeutil", clock)


async def test_scheduler_fills_horizon_idempotently(client, monkeypatch) -> None:
    _freeze_scheduler_clock(monkeypatch)
    dep = await _deployment(client, schedules=[{"schedule": {"cron": "*/5 * * * *"}}])
    scheduler = Scheduler(_services(client).storage, Horizon(min_time=dt.timedelta(hours=1)))
    first = await scheduler.tick()
    assert 12 <= first <= 13
    assert await scheduler.tick() == 0
    assert await scheduler.tick_recent() == 0
    runs = await _runs(client, dep["id"])
    assert len(runs) == first
    times = [timeutil.parse(r["expected_start_time"]) for r in runs]
    assert all(t.minute % 5 == 0 and t.second == 0 for t in times)
    assert all(b - a == dt.timedelta(minutes=5) for a, b in itertools.pairwise(times))
    # A second scheduler (another server process) adds nothing either.
    assert await Scheduler(_services(client).storage, Horizon()).tick() == 0
    # Pausing drops the auto-scheduled runs and stops scheduling.
    await client.post(f"/api/deployments/{dep['id']}/pause_deployment")
    assert await _runs(client, dep["id"]) == []
    assert await scheduler.tick() == 0


async def test_recent_scheduler_and_schedule_change(client) -> None:
    dep = await _deployment(client, schedules=[{"schedule": {"interval": 3600}, "slug": "h"}])
    scheduler = Scheduler(_services(client).storage, Horizon(), recent_interval=5)
    assert await scheduler.tick_recent() == 3
    schedules = await (await client.get(f"/api/deployments/{dep['id']}/schedules")).json()
    await client.patch(
        f"/api/deployments/{dep['id']}/schedules/{schedules[0]['id']}", json={"schedule": {"interval": 1800}}
    )
    assert await _runs(client, dep["id"]) == []
    assert await scheduler.tick_recent() == 3


async def test_late_runs_become_late(client) -> None:
    dep = await _deployment(client)
    past = (timeutil.now() - dt.timedelta(minutes=5)).isoformat()
    body = {"state": {"type": "SCHEDULED", "state_details": {"scheduled_time": past}}}
    late = await (await client.post(f"/api/deployments/{dep['id']}/create_flow_run", json=body)).json()
    fresh = await (await client.post(f"/api/deployments/{dep['id']}/create_flow_run", json={})).json()
    services = _services(client)
    assert await LateRuns(services.storage, services.orchestration, after=15).tick() == 1
    read = await (await client.get(f"/api/flow_runs/{late['id']}")).json()
    assert read["state"]["name"] == "Late" and read["state"]["type"] == "SCHEDULED"
    assert (await (await client.get(f"/api/flow_runs/{fresh['id']}")).json())["state"]["name"] == "Scheduled"
    assert await LateRuns(services.storage, services.orchestration, after=15).tick() == 0


async def test_foreman_marks_silent_workers_offline(client) -> None:
    await client.post("/api/work_pools/", json={"name": "tp", "type": "process"})
    await client.post("/api/work_pools/tp/workers/heartbeat", json={"name": "w", "heartbeat_interval_seconds": 1})
    assert (await (await client.get("/api/work_pools/tp")).json())["status"] == "READY"
    await client.post("/api/work_pools/tp/get_scheduled_flow_runs", json={})
    foreman = Foreman(_services(client).storage, heartbeat_multiple=0, polled_timeout_seconds=0)
    await foreman.tick()
    workers = await (await client.post("/api/work_pools/tp/workers/filter", json={})).json()
    assert workers[0]["status"] == "OFFLINE"
    assert (await (await client.get("/api/work_pools/tp")).json())["status"] == "NOT_READY"
    assert (await (await client.get("/api/work_pools/tp/queues/default")).json())["status"] == "NOT_READY"


async def test_pause_expiration_fails_the_run(client) -> None:
    flow = await (await client.post("/api/flows/", json={"name": "f"})).json()
    run = await (await client.post("/api/flow_runs/", json={"flow_id": flow["id"]})).json()
    await client.post(f"/api/flow_runs/{run['id']}/set_state", json={"state": {"type": "RUNNING"}})
    past = (timeutil.now() - dt.timedelta(seconds=5)).isoformat()
    paused = {"type": "PAUSED", "state_details": {"pause_timeout": past}}
    await client.post(f"/api/flow_runs/{run['id']}/set_state", json={"state": paused, "force": True})
    services = _services(client)
    assert await PauseExpirations(services.storage, services.orchestration).tick() == 1
    assert (await (await client.get(f"/api/flow_runs/{run['id']}")).json())["state"]["type"] == "FAILED"


async def test_cancellation_cleanup_times_out_cancelling(client) -> None:
    flow = await (await client.post("/api/flows/", json={"name": "f"})).json()
    run = await (await client.post("/api/flow_runs/", json={"flow_id": flow["id"]})).json()
    await client.post(f"/api/flow_runs/{run['id']}/set_state", json={"state": {"type": "RUNNING"}})
    await client.post(f"/api/flow_runs/{run['id']}/set_state", json={"state": {"type": "CANCELLING"}})
    services = _services(client)
    await CancellationCleanup(services.storage, services.orchestration, timeout=3600).tick()
    assert (await (await client.get(f"/api/flow_runs/{run['id']}")).json())["state"]["type"] == "CANCELLING"
    await CancellationCleanup(services.storage, services.orchestration, timeout=0).tick()
    assert (await (await client.get(f"/api/flow_runs/{run['id']}")).json())["state"]["type"] == "CANCELLED"


async def test_cancellation_cleanup_cancels_what_a_cancelled_flow_run_left(client) -> None:
    flow = await (await client.post("/api/flows/", json={"name": "f"})).json()
    parent = await (await client.post("/api/flow_runs/", json={"flow_id": flow["id"]})).json()
    other = await (await client.post("/api/flow_runs/", json={"flow_id": flow["id"]})).json()
    tasks = {}
    for run in (parent, other):
        body = {"flow_run_id": run["id"], "task_key": "t", "dynamic_key": "0", "state": {"type": "RUNNING"}}
        tasks[run["id"]] = await (await client.post("/api/task_runs/", json=body)).json()
    mirror = await (
        await client.post("/api/task_runs/", json={"flow_run_id": parent["id"], "task_key": "sub", "dynamic_key": "0"})
    ).json()
    sub = await (
        await client.post("/api/flow_runs/", json={"flow_id": flow["id"], "parent_task_run_id": mirror["id"]})
    ).json()
    await client.post(f"/api/flow_runs/{sub['id']}/set_state", json={"state": {"type": "RUNNING"}})
    services = _services(client)
    cleanup = CancellationCleanup(services.storage, services.orchestration)

    async def state_of(kind: str, run_id: str) -> str:
        return (await (await client.get(f"/api/{kind}/{run_id}")).json())["state"]["type"]

    await cleanup.tick()  # nothing cancelled yet: nothing changes
    assert [await state_of("task_runs", t["id"]) for t in tasks.values()] == ["RUNNING", "RUNNING"]
    assert await state_of("flow_runs", sub["id"]) == "RUNNING"

    await client.post(f"/api/flow_runs/{parent['id']}/set_state", json={"state": {"type": "CANCELLED"}, "force": True})
    await cleanup.tick()
    assert await state_of("task_runs", tasks[parent["id"]]["id"]) == "CANCELLED"
    assert await state_of("task_runs", tasks[other["id"]]["id"]) == "RUNNING"  # its flow run was not cancelled
    assert await state_of("flow_runs", sub["id"]) == "CANCELLED"
