"""Automations evaluated against stored events, on real storage: reactive and proactive
event triggers, compound and sequence triggers, actions and the events they leave."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from prefect_core import timeutil
from prefect_http.keys import SERVICES


@pytest.fixture
def server_env(server_env: dict[str, str]) -> dict[str, str]:
    # Reactive evaluation on (it belongs to TRIGGERS); actions are run by hand below.
    return {**server_env, "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "true"}


def _services(client):
    return client.server.app[SERVICES]


def _event(name: str, resource: str = "ext.thing.1", seconds_ago: float = 0.0, **extra) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "occurred": (timeutil.now() - dt.timedelta(seconds=seconds_ago)).isoformat(),
        "event": name,
        "resource": {"prefect.resource.id": resource},
        **extra,
    }


async def _send(client, *events: dict) -> None:
    assert (await client.post("/api/events", json=list(events))).status == 204
    await _services(client).events.flush()


async def _automation(client, trigger: dict, actions: list[dict] | None = None, **fields) -> dict:
    body = {
        "name": f"a-{uuid.uuid4().hex[:6]}",
        "trigger": trigger,
        "actions": actions or [{"type": "do-nothing"}],
        **fields,
    }
    resp = await client.post("/api/automations/", json=body)
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def _act(client) -> int:
    done = await _services(client).automation_runtime.act_on_pending()
    await _services(client).events.flush()
    return done


async def _events(client, prefix: str, automation_id: str | None = None) -> list[dict]:
    flt: dict = {"event": {"prefix": [prefix]}}
    if automation_id:
        flt["resource"] = {"id": [f"prefect.automation.{automation_id}"]}
    page = await (await client.post("/api/events/filter", json={"filter": flt, "limit": 50})).json()
    return page["events"]


async def test_reactive_threshold_fires_once_with_its_events(client) -> None:
    automation = await _automation(
        client,
        {
            "posture": "Reactive",
            "expect": ["ext.ping"],
            "match": {"prefect.resource.id": "ext.*"},
            "threshold": 2,
            "within": 60,
        },
    )
    first = _event("ext.ping", seconds_ago=2)
    await _send(client, first, _event("other.ping"), _event("ext.ping", resource="nope.1"))
    assert await _act(client) == 0
    second = _event("ext.ping", seconds_ago=1)
    await _send(client, second)
    assert await _act(client) == 1
    # A duplicate of a stored event is not counted again.
    await _send(client, second, _event("ext.ping"))
    assert await _act(client) == 0

    triggered = await _events(client, "prefect.automation.triggered", automation["id"])
    assert len(triggered) == 1
    t = triggered[0]
    assert (
        t["resource"]["prefect.resource.name"] == automation["name"] and t["resource"]["prefect.posture"] == "Reactive"
    )
    assert t["related"] == [
        {"prefect.resource.id": f"prefect.event.{second['id']}", "prefect.resource.role": "triggering-event"}
    ]
    assert t["payload"]["triggering_event"]["id"] == second["id"]
    executed = await _events(client, "prefect.automation.action.", automation["id"])
    names = sorted(e["event"] for e in executed)
    assert names == ["prefect.automation.action.executed", "prefect.automation.action.triggered"]
    done = next(e for e in executed if e["event"].endswith("executed"))
    assert done["payload"]["action_type"] == "do-nothing" and done["payload"]["action_index"] == 0
    roles = {r["prefect.resource.role"] for r in done["related"]}
    assert roles == {"automation-triggered-event", "triggering-event"}


async def test_for_each_counts_each_resource_apart(client) -> None:
    await _automation(
        client,
        {
            "posture": "Reactive",
            "expect": ["ext.ping"],
            "for_each": ["prefect.resource.id"],
            "threshold": 2,
            "within": 60,
        },
    )
    await _send(client, _event("ext.ping", "ext.a"), _event("ext.ping", "ext.b"))
    assert await _act(client) == 0
    await _send(client, _event("ext.ping", "ext.b"))
    assert await _act(client) == 1
    triggered = await _events(client, "prefect.automation.triggered")
    assert triggered[0]["payload"]["triggering_labels"] == {"prefect.resource.id": "ext.b"}


async def test_disabled_automations_do_not_fire(client) -> None:
    automation = await _automation(client, {"posture": "Reactive", "expect": ["ext.ping"]})
    await client.patch(f"/api/automations/{automation['id']}", json={"enabled": False})
    await _send(client, _event("ext.ping"))
    assert await _act(client) == 0
    await client.patch(f"/api/automations/{automation['id']}", json={"enabled": True})
    await _send(client, _event("ext.ping"))
    assert await _act(client) == 1


async def test_proactive_fires_when_the_event_does_not_arrive(client) -> None:
    services = _services(client)
    quiet = await _automation(client, {"posture": "Proactive", "expect": ["ext.heartbeat"], "within": 10})
    runtime = services.automation_runtime
    async with services.storage.write() as uow:  # opens the window now
        assert await runtime.evaluator.evaluate_proactive(uow, timeutil.now()) == []
    await _send(client, _event("ext.heartbeat"))  # arrives in time: no firing
    async with services.storage.write() as uow:
        assert await runtime.evaluator.evaluate_proactive(uow, timeutil.now() + dt.timedelta(seconds=11)) == []
    async with services.storage.write() as uow:  # the next window passes with nothing
        fired = await runtime.evaluator.evaluate_proactive(uow, timeutil.now() + dt.timedelta(seconds=30))
    assert [f.automation.id for f in fired] == [uuid.UUID(quiet["id"])]


async def test_compound_all_fires_when_every_part_arrived(client) -> None:
    parts = [{"posture": "Reactive", "expect": [name]} for name in ("ext.a", "ext.b")]
    await _automation(client, {"type": "compound", "require": "all", "within": 60, "triggers": parts})
    await _send(client, _event("ext.a"))
    await _send(client, _event("ext.a"))
    assert await _act(client) == 0
    await _send(client, _event("ext.b"))
    assert await _act(client) == 1
    await _send(client, _event("ext.b"))  # the parts were used up
    assert await _act(client) == 0


async def test_sequence_fires_only_in_order(client) -> None:
    parts = [{"posture": "Reactive", "expect": [name]} for name in ("ext.first", "ext.second")]
    await _automation(client, {"type": "sequence", "within": 60, "triggers": parts})
    await _send(client, _event("ext.second", seconds_ago=3))
    await _send(client, _event("ext.first", seconds_ago=2))
    assert await _act(client) == 0
    await _send(client, _event("ext.second", seconds_ago=1))
    assert await _act(client) == 1


async def test_run_deployment_action_creates_a_templated_run(client) -> None:
    flow = await (await client.post("/api/flows/", json={"name": "f"})).json()
    dep = await (await client.post("/api/deployments/", json={"name": "d", "flow_id": flow["id"]})).json()
    await _automation(
        client,
        {"posture": "Reactive", "expect": ["ext.go"]},
        [
            {
                "type": "run-deployment",
                "deployment_id": dep["id"],
                "parameters": {"who": "{{ event.resource.id }}", "n": 3},
                "job_variables": {"tag": "{{ event.event }}"},
            }
        ],
    )
    sent = _event("ext.go", resource="ext.caller.9")
    await _send(client, sent)
    assert await _act(client) == 1
    runs = await (
        await client.post("/api/flow_runs/filter", json={"deployments": {"id": {"any_": [dep["id"]]}}})
    ).json()
    assert len(runs) == 1
    assert runs[0]["parameters"] == {"who": "ext.caller.9", "n": 3}
    assert runs[0]["job_variables"] == {"tag": "ext.go"} and runs[0]["state_type"] == "SCHEDULED"
    executed = await _events(client, "prefect.automation.action.executed")
    flow_run = [r for r in executed[0]["related"] if r["prefect.resource.role"] == "flow-run"]
    assert flow_run[0]["prefect.resource.id"] == f"prefect.flow-run.{runs[0]['id']}"


async def test_failing_actions_are_recorded_and_the_rest_run(client) -> None:
    flow = await (await client.post("/api/flows/", json={"name": "f"})).json()
    dep = await (await client.post("/api/deployments/", json={"name": "d", "flow_id": flow["id"]})).json()
    automation = await _automation(
        client,
        {"posture": "Reactive", "expect": ["ext.go"]},
        [
            {"type": "run-deployment", "deployment_id": str(uuid.uuid4())},
            {"type": "cancel-flow-run"},
            {"type": "pause-deployment", "source": "inferred"},
        ],
    )
    related = [{"prefect.resource.id": f"prefect.deployment.{dep['id']}", "prefect.resource.role": "deployment"}]
    await _send(client, _event("ext.go", related=related))
    assert await _act(client) == 1
    failed = await _events(client, "prefect.automation.action.failed", automation["id"])
    reasons = sorted(e["payload"]["reason"] for e in failed)
    assert len(reasons) == 2 and "No flow run could be inferred" in reasons
    executed = await _events(client, "prefect.automation.action.executed", automation["id"])
    assert [e["payload"]["action_type"] for e in executed] == ["pause-deployment"]
    assert (await (await client.get(f"/api/deployments/{dep['id']}")).json())["paused"] is True


async def test_flow_run_and_automation_actions(client) -> None:
    flow = await (await client.post("/api/flows/", json={"name": "f"})).json()
    run = await (
        await client.post("/api/flow_runs/", json={"flow_id": flow["id"], "state": {"type": "RUNNING"}})
    ).json()
    automation = await _automation(
        client,
        {"posture": "Reactive", "expect": ["ext.stop"], "match": {"prefect.resource.id": "prefect.flow-run.*"}},
        [
            {"type": "change-flow-run-state", "state": "FAILED", "message": "stopped"},
            {"type": "pause-automation", "source": "inferred"},
        ],
    )
    await _send(
        client,
        _event(
            "ext.stop",
            resource=f"prefect.flow-run.{run['id']}",
            related=[{"prefect.resource.id": f"prefect.automation.{automation['id']}", "prefect.resource.role": "x"}],
        ),
    )
    assert await _act(client) == 1
    stored = await (await client.get(f"/api/flow_runs/{run['id']}")).json()
    assert stored["state"]["type"] == "FAILED" and stored["state"]["message"] == "stopped"
    assert (await (await client.get(f"/api/automations/{automation['id']}")).json())["enabled"] is False


async def test_replacing_an_automation_resets_its_counts(client) -> None:
    trigger = {"posture": "Reactive", "expect": ["ext.ping"], "threshold": 2, "within": 60}
    automation = await _automation(client, trigger)
    await _send(client, _event("ext.ping"))
    body = {"name": automation["name"], "trigger": trigger, "actions": [{"type": "do-nothing"}]}
    assert (await client.put(f"/api/automations/{automation['id']}", json=body)).status == 204
    await _send(client, _event("ext.ping"))
    assert await _act(client) == 0
    await _send(client, _event("ext.ping"))
    assert await _act(client) == 1


async def test_templates_see_the_objects_the_event_names(client) -> None:
    flow = await (await client.post("/api/flows/", json={"name": "templated-flow"})).json()
    dep = await (await client.post("/api/deployments/", json={"name": "d", "flow_id": flow["id"]})).json()
    run = await (await client.post("/api/flow_runs/", json={"flow_id": flow["id"], "name": "the-run"})).json()
    parameters = {"run": "{{ flow_run.name }}", "flow": "{{ flow.name }}", "missing": "{{ work_pool.name }}"}
    await _automation(
        client,
        {"posture": "Reactive", "expect": ["ext.templated"]},
        [{"type": "run-deployment", "deployment_id": dep["id"], "parameters": parameters}],
    )
    related = [{"prefect.resource.id": f"prefect.flow.{flow['id']}", "prefect.resource.role": "flow"}]
    await _send(client, _event("ext.templated", resource=f"prefect.flow-run.{run['id']}", related=related))
    assert await _act(client) == 1
    runs = await (
        await client.post("/api/flow_runs/filter", json={"deployments": {"id": {"any_": [dep["id"]]}}})
    ).json()
    assert runs[0]["parameters"] == {"run": "the-run", "flow": "templated-flow", "missing": ""}


async def test_a_burst_fires_once_per_window_even_out_of_order(client) -> None:
    automation = await _automation(
        client, {"posture": "Reactive", "expect": ["ext.burst"], "threshold": 100, "within": 600}
    )
    burst = [_event("ext.burst", seconds_ago=(i * 7919) % 250 / 10) for i in range(250)]  # shuffled times
    for start in range(0, 250, 60):  # several requests, several batches
        assert (await client.post("/api/events", json=burst[start : start + 60])).status == 204
    await _services(client).events.flush()
    assert await _act(client) == 1
    assert len(await _events(client, "prefect.automation.triggered", automation["id"])) == 1


async def test_proactive_stuck_runs_per_resource_are_cancelled(client) -> None:
    flow = await (await client.post("/api/flows/", json={"name": "f"})).json()
    stuck = await (
        await client.post("/api/flow_runs/", json={"flow_id": flow["id"], "state": {"type": "RUNNING"}})
    ).json()
    fine = await (
        await client.post("/api/flow_runs/", json={"flow_id": flow["id"], "state": {"type": "RUNNING"}})
    ).json()
    await _automation(
        client,
        {
            "posture": "Proactive",
            "after": ["ext.run.started"],
            "expect": ["ext.run.finished"],
            "for_each": ["prefect.resource.id"],
            "match": {"prefect.resource.id": "prefect.flow-run.*"},
            "within": 60,
        },
        [{"type": "cancel-flow-run"}],
    )
    for run in (stuck, fine):
        await _send(client, _event("ext.run.started", resource=f"prefect.flow-run.{run['id']}"))
    await _send(client, _event("ext.run.finished", resource=f"prefect.flow-run.{fine['id']}"))
    services = _services(client)
    async with services.storage.write() as uow:
        fired = await services.automation_runtime.evaluator.evaluate_proactive(
            uow, timeutil.now() + dt.timedelta(seconds=61)
        )
    assert [f.firing.triggering_labels for f in fired] == [{"prefect.resource.id": f"prefect.flow-run.{stuck['id']}"}]
    for firing in fired:
        await services.automation_runtime.act(firing)
    assert (await (await client.get(f"/api/flow_runs/{stuck['id']}")).json())["state"]["type"] == "CANCELLING"
    assert (await (await client.get(f"/api/flow_runs/{fine['id']}")).json())["state"]["type"] == "RUNNING"
