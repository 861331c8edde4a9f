"""Automations firing against our server with the real client: `emit_event` fires a
reactive automation whose run-deployment action starts a run that `flow.serve()`
executes; an `/events/out` subscriber sees `prefect.automation.triggered`; a proactive
trigger fires when its event does not come (and not when it does); and a server
restarted between the two events of a threshold-2 trigger fires once."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conformance.background import background, script, wait_for
from tests.conformance.support import Api, ClientRunner, client_env, unique_suffix
from tests.conftest import backend_env
from tests.support.server import ServerProcess, start_server

pytestmark = pytest.mark.conformance

#: A fast proactive clock, so a 10-second window is decided within seconds of closing.
SERVER_ENV = {"PREFECT_SERVER_SERVICES_TRIGGERS_LOOP_SECONDS": "1"}


@pytest.fixture(scope="module")
def server_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("automation-server")


@pytest.fixture(scope="module")
def database_env(backend: str, server_home: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    return {**backend_env(backend, server_home, request), **SERVER_ENV}


@pytest.fixture(scope="module")
def server(database_env: dict[str, str], server_home: Path) -> Iterator[ServerProcess]:
    process = start_server(database_env, server_home, timeout=60.0)
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


@pytest.fixture(scope="module")
def prefect(server: ServerProcess, tmp_path_factory: pytest.TempPathFactory) -> ClientRunner:
    home = tmp_path_factory.mktemp("automation-client")
    return ClientRunner(home, client_env(server.api_url, home))


SERVE = """
from pathlib import Path
from prefect import flow

@flow(name=f"target-{SUFFIX}")
def target(who: str = "nobody"):
    Path(f"ran-{SUFFIX}").write_text(who)
    return who

if __name__ == "__main__":
    target.serve(name="t")
"""

AUTOMATE = """
import time
from uuid import UUID
from prefect.automations import Automation
from prefect.events import emit_event
from prefect.events.actions import RunDeployment
from prefect.events.schemas.automations import EventTrigger, Posture

automation = Automation(
    name=f"run-it-{SUFFIX}",
    trigger=EventTrigger(expect={f"ext.go.{SUFFIX}"}, match={"prefect.resource.id": "ext.caller.*"},
                         posture=Posture.Reactive, threshold=1, within=0),
    actions=[RunDeployment(source="selected", deployment_id=UUID(sys.argv[2]),
                           parameters={"who": "{{ event.resource.id }}"})],
).create()
emit_event(event=f"ext.go.{SUFFIX}", resource={"prefect.resource.id": f"ext.caller.{SUFFIX}"})
report(automation=str(automation.id))
"""


def test_emit_event_runs_a_served_deployment(prefect: ClientRunner, api: Api) -> None:
    suffix = unique_suffix()
    path = script(prefect.workdir, f"serve_{suffix}", SERVE)
    with background([sys.executable, str(path), suffix], prefect.env, prefect.workdir, f"serve-{suffix}") as served:
        deployments = wait_for(
            lambda: api.post("/deployments/filter", {"flows": {"name": {"any_": [f"target-{suffix}"]}}}),
            60,
            what="the served deployment",
        )
        deployment_id = deployments[0]["id"]
        got = prefect.run(AUTOMATE, args=[deployment_id], suffix=suffix).result

        def completed() -> list[dict]:
            runs = api.post("/flow_runs/filter", {"deployments": {"id": {"any_": [deployment_id]}}})
            return [r for r in runs if r["state_type"] == "COMPLETED"]

        runs = wait_for(completed, 90, what="the automation's run to complete")
        assert runs[0]["parameters"] == {"who": f"ext.caller.{suffix}"}, served.log()
        assert (prefect.workdir / f"ran-{suffix}").read_text() == f"ext.caller.{suffix}"
        executed = api.post(
            "/events/filter",
            {
                "filter": {
                    "event": {"name": ["prefect.automation.action.executed"]},
                    "resource": {"id": [f"prefect.automation.{got['automation']}"]},
                }
            },
        )["events"]
        assert len(executed) == 1 and executed[0]["payload"]["action_type"] == "run-deployment"


SUBSCRIBE = """
import asyncio
from prefect.automations import Automation, DoNothing
from prefect.events import emit_event
from prefect.events.clients import get_events_subscriber
from prefect.events.filters import EventFilter, EventNameFilter
from prefect.events.schemas.automations import EventTrigger, Posture

automation = Automation(
    name=f"seen-{SUFFIX}",
    trigger=EventTrigger(expect={f"ext.seen.{SUFFIX}"}, posture=Posture.Reactive),
    actions=[DoNothing()],
).create()

async def main():
    flt = EventFilter(event=EventNameFilter(prefix=["prefect.automation.triggered"]))
    async with get_events_subscriber(filter=flt) as subscriber:
        emit_event(event=f"ext.seen.{SUFFIX}", resource={"prefect.resource.id": f"ext.seen.{SUFFIX}"})
        async def first():
            async for event in subscriber:
                if event.resource.id == f"prefect.automation.{automation.id}":
                    return event
        return await asyncio.wait_for(first(), timeout=60)

event = asyncio.run(main())
report(event=event.event, posture=event.resource.get("prefect.posture"),
       triggering=event.payload["triggering_event"]["event"])
"""


def test_events_out_subscriber_sees_the_automation_trigger(prefect: ClientRunner) -> None:
    suffix = unique_suffix()
    got = prefect.run(SUBSCRIBE, suffix=suffix).result
    assert got == {"event": "prefect.automation.triggered", "posture": "Reactive", "triggering": f"ext.seen.{suffix}"}


def _triggered(api: Api, automation_id: str) -> list[dict]:
    body = {
        "filter": {
            "event": {"name": ["prefect.automation.triggered"]},
            "resource": {"id": [f"prefect.automation.{automation_id}"]},
        }
    }
    return api.post("/events/filter", body)["events"]


def test_proactive_trigger_fires_only_without_its_event(prefect: ClientRunner, api: Api) -> None:
    suffix = unique_suffix()

    def proactive(name: str) -> str:
        return api.post(
            "/automations/",
            {
                "name": f"{name}-{suffix}",
                "trigger": {
                    "posture": "Proactive",
                    "expect": [f"ext.beat.{name}.{suffix}"],
                    "after": [f"ext.start.{name}.{suffix}"],
                    "within": 10,
                },
                "actions": [{"type": "do-nothing"}],
            },
        )["id"]

    silent, beating = proactive("silent"), proactive("beating")
    for name in ("silent", "beating"):
        _send(api, _client_event(f"ext.start.{name}.{suffix}"))
    time.sleep(3)
    _send(api, _client_event(f"ext.beat.beating.{suffix}"))
    fired = wait_for(lambda: _triggered(api, silent), 40, what="the silent automation to fire")
    assert fired[0]["resource"]["prefect.posture"] == "Proactive"
    time.sleep(3)  # the beating one's window closed too, with its event
    assert _triggered(api, beating) == []


def _send(api: Api, *events: dict) -> None:
    assert api.http.post("/events", json=list(events)).status_code == 204


def _client_event(name: str) -> dict:
    import datetime as dt
    import uuid

    return {
        "id": str(uuid.uuid4()),
        "occurred": dt.datetime.now(dt.UTC).isoformat(),
        "event": name,
        "resource": {"prefect.resource.id": "ext.thing"},
    }


def test_restart_between_two_events_of_a_threshold_two_trigger_fires_once(
    database_env: dict[str, str], tmp_path: Path
) -> None:
    suffix = unique_suffix()
    first = start_server(database_env, tmp_path, timeout=60.0)
    try:
        api = Api(first.api_url)
        automation = api.post(
            "/automations/",
            {
                "name": f"restart-{suffix}",
                "trigger": {"posture": "Reactive", "expect": [f"ext.twice.{suffix}"], "threshold": 2, "within": 300},
                "actions": [{"type": "do-nothing"}],
            },
        )
        _send(api, _client_event(f"ext.twice.{suffix}"))
        stored = {"filter": {"event": {"name": [f"ext.twice.{suffix}"]}}}
        wait_for(lambda: api.post("/events/filter", stored)["total"] == 1, 20, what="the first event stored")
        api.close()
    finally:
        first.stop()
    second = start_server(database_env, tmp_path, timeout=60.0)
    try:
        api = Api(second.api_url)
        assert _triggered(api, automation["id"]) == []
        _send(api, _client_event(f"ext.twice.{suffix}"))
        fired = wait_for(lambda: _triggered(api, automation["id"]), 30, what="the automation to fire")
        assert len(fired) == 1
        time.sleep(2)
        assert len(_triggered(api, automation["id"])) == 1
        api.close()
    finally:
        second.stop()


COMPOSITE = """
import time
from prefect.automations import Automation, DoNothing
from prefect.events import emit_event
from prefect.events.schemas.automations import CompoundTrigger, EventTrigger, Posture, SequenceTrigger

def part(name):
    return EventTrigger(expect={f"ext.{name}.{SUFFIX}"}, posture=Posture.Reactive, threshold=1, within=0)

compound = Automation(
    name=f"compound-{SUFFIX}",
    trigger=CompoundTrigger(require="all", within=120, triggers=[part("a"), part("b")]),
    actions=[DoNothing()],
).create()
sequence = Automation(
    name=f"sequence-{SUFFIX}",
    trigger=SequenceTrigger(within=120, triggers=[part("first"), part("second")]),
    actions=[DoNothing()],
).create()

def emit(name):
    emit_event(event=f"ext.{name}.{SUFFIX}", resource={"prefect.resource.id": f"ext.{SUFFIX}"})
    time.sleep(1.5)  # one at a time, so their order is the order they occurred

emit("a")
emit("second")  # before "first": does not count for the sequence
emit("first")
report(compound=str(compound.id), sequence=str(sequence.id))
"""


def test_compound_and_sequence_fire_only_when_their_parts_arrive(prefect: ClientRunner, api: Api) -> None:
    suffix = unique_suffix()
    ids = prefect.run(COMPOSITE, suffix=suffix).result
    time.sleep(3)
    assert _triggered(api, ids["compound"]) == [] and _triggered(api, ids["sequence"]) == []
    second = ADD_PARTS.replace("SUFFIX_VALUE", suffix)
    prefect.run(second, suffix=suffix)
    wait_for(lambda: _triggered(api, ids["compound"]), 30, what="the compound automation to fire")
    wait_for(lambda: _triggered(api, ids["sequence"]), 30, what="the sequence automation to fire")
    time.sleep(2)
    assert len(_triggered(api, ids["compound"])) == 1 and len(_triggered(api, ids["sequence"])) == 1


ADD_PARTS = """
import time
from prefect.events import emit_event
for name in ("b", "second"):
    emit_event(event=f"ext.{name}.SUFFIX_VALUE", resource={"prefect.resource.id": "ext.SUFFIX_VALUE"})
    time.sleep(1.5)
report(done=True)
"""
