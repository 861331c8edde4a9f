"""Automations with the real client: the SDK's Automation objects, the CLI, deployment triggers."""

from __future__ import annotations

import json

import pytest

from tests.conformance.background import cli
from tests.conformance.support import Api, ClientRunner, unique_suffix

pytestmark = pytest.mark.conformance

SDK = """
from prefect.automations import Automation, DoNothing
from prefect.events.schemas.automations import EventTrigger, Posture

created = Automation(
    name=f"sdk-{SUFFIX}",
    trigger=EventTrigger(expect={"my.event"}, match={"prefect.resource.id": "my.*"}, posture=Posture.Reactive,
                         threshold=2, within=30),
    actions=[DoNothing()],
).create()
read = Automation.read(id=created.id)
by_name = Automation.read(name=f"sdk-{SUFFIX}")
read.description = "changed by update()"
read.update()
described = Automation.read(id=created.id).description
read.disable()
disabled = Automation.read(id=created.id).enabled
read.enable()
enabled = Automation.read(id=created.id).enabled
read.delete()
try:
    Automation.read(id=created.id)
    gone = False
except ValueError:
    gone = True
report(id=str(created.id), read_name=read.name, by_name=str(by_name.id), threshold=read.trigger.threshold,
       within=read.trigger.within.total_seconds(), described=described, disabled=disabled, enabled=enabled, gone=gone)
"""


def test_sdk_automation_lifecycle(prefect: ClientRunner) -> None:
    suffix = unique_suffix()
    got = prefect.run(SDK, suffix=suffix).result
    assert got["read_name"] == f"sdk-{suffix}" and got["by_name"] == got["id"]
    assert (got["threshold"], got["within"]) == (2, 30.0)
    assert got["described"] == "changed by update()"
    assert (got["disabled"], got["enabled"], got["gone"]) == (False, True, True)


@pytest.mark.one_backend
def test_cli_automation_commands(prefect: ClientRunner, api: Api) -> None:
    suffix = unique_suffix()
    name = f"cli-{suffix}"
    created = api.post(
        "/automations/",
        {
            "name": name,
            "trigger": {"posture": "Reactive", "expect": ["x.y"], "match": {"prefect.resource.id": "x.*"}},
            "actions": [{"type": "do-nothing"}],
        },
    )

    def run(*args: str) -> str:
        return cli(list(args), {**prefect.env, "COLUMNS": "400"}, prefect.workdir).stdout

    assert name in run("automation", "ls")
    inspected = json.loads(run("automation", "inspect", name, "--output", "json"))
    inspected = inspected[0] if isinstance(inspected, list) else inspected  # a name may match several
    assert inspected["id"] == created["id"] and inspected["trigger"]["expect"] == ["x.y"]
    run("automation", "pause", name)
    assert api.get(f"/automations/{created['id']}")["enabled"] is False
    run("automation", "resume", "--id", created["id"])
    assert api.get(f"/automations/{created['id']}")["enabled"] is True
    run("automation", "delete", "--id", created["id"])
    assert api.post("/automations/filter", {"automations": {"name": {"any_": [name]}}}) == []


DEPLOYMENT_TRIGGERS = """
from prefect import flow
from prefect.events import DeploymentEventTrigger

@flow(name=f"triggered-{SUFFIX}")
def triggered():
    return 1

ids = []
for _ in range(2):
    deployment = triggered.to_deployment(
        name="d",
        triggers=[DeploymentEventTrigger(expect={"external.ping"}, match={"prefect.resource.id": "ext.*"},
                                         parameters={"x": "{{ event.id }}"})],
    )
    ids.append(str(deployment.apply()))
report(ids=ids)
"""


def test_deployment_triggers_are_owned_and_replaced(prefect: ClientRunner, api: Api) -> None:
    suffix = unique_suffix()
    got = prefect.run(DEPLOYMENT_TRIGGERS, suffix=suffix).result
    deployment_id = got["ids"][0]
    assert got["ids"] == [deployment_id, deployment_id]
    owned = api.get(f"/automations/related-to/prefect.deployment.{deployment_id}")
    assert len(owned) == 1, owned
    action = owned[0]["actions"][0]
    assert action["type"] == "run-deployment" and action["deployment_id"] == deployment_id
    assert action["parameters"] == {"x": "{{ event.id }}"}
    assert owned[0]["trigger"]["expect"] == ["external.ping"]
    inspected = cli(
        ["deployment", "inspect", f"triggered-{suffix}/d"], {**prefect.env, "COLUMNS": "400"}, prefect.workdir
    )
    assert deployment_id in inspected.stdout


RUN_ONCE = """
from prefect import flow

@flow(name=f"watched-once-{SUFFIX}")
def once():
    return 1

report(id=str(once(return_state=True).state_details.flow_run_id))
"""


def test_flow_run_watch_exits_zero_with_live_logs_off(prefect: ClientRunner) -> None:
    """With the log stream off (the default, as the reference's), `/logs/out` is still served:
    `prefect flow-run watch` follows the run's events and exits 0 once it is final."""
    run_id = prefect.run(RUN_ONCE).result["id"]
    done = cli(["flow-run", "watch", run_id, "--timeout", "60"], {**prefect.env, "COLUMNS": "400"}, prefect.workdir)
    assert done.returncode == 0
