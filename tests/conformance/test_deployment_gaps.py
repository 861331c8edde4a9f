"""Deployments through the real client and CLI where they once differed from the reference:
a deployment pointed at a shared global concurrency limit (as the UI's form does), the
deprecated `concurrency_limit` answered null, `max_scheduled_runs` above the server's maximum,
Jinja templates in a run's parameters, and the `prefect deployment` commands end to end."""

from __future__ import annotations

import json

import pytest

from tests.conformance.background import PREFECT_CLI, cli
from tests.conformance.support import Api, ClientRunner, unique_suffix

pytestmark = pytest.mark.conformance

SHARED_LIMIT = """
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.states import Pending

@flow(name=f"limited-{SUFFIX}")
def limited():
    pass

with get_client(sync_client=True) as client:
    limit_id = client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=f"shared-{SUFFIX}", limit=1))
    ids = [limited.to_deployment(name=name).apply() for name in ("a", "b")]
    for deployment_id in ids:  # what the UI's deployment form sends
        client.request("PATCH", f"/deployments/{deployment_id}", json={"global_concurrency_limit_id": str(limit_id)})
    shown = [client.read_deployment(i) for i in ids]
    runs = [client.create_flow_run_from_deployment(i) for i in ids]
    answers = [client.set_flow_run_state(run.id, Pending()) for run in runs]
    report(
        ids=[str(i) for i in ids],
        limit_id=str(limit_id),
        shown=[(str(d.global_concurrency_limit.id), d.global_concurrency_limit.name, d.concurrency_limit) for d in shown],
        answers=[(a.status.value, a.state.name) for a in answers],
        active=client.read_global_concurrency_limit_by_name(f"shared-{SUFFIX}").active_slots,
    )
"""


def test_deployments_sharing_a_global_limit_through_the_client(prefect: ClientRunner, api: Api) -> None:
    suffix = unique_suffix()
    out = prefect.run(SHARED_LIMIT, suffix=suffix).result
    assert out["shown"] == [[out["limit_id"], f"shared-{suffix}", None]] * 2
    # One slot for both deployments: the second one's run waits for it.
    assert out["answers"] == [["ACCEPT", "Pending"], ["REJECT", "AwaitingConcurrencySlot"]]
    assert out["active"] == 1
    inspected = cli(["deployment", "inspect", f"limited-{suffix}/a", "--output", "json"], prefect.env, prefect.workdir)
    shown = json.loads(inspected.stdout)
    assert shown["global_concurrency_limit"]["name"] == f"shared-{suffix}" and shown["concurrency_limit"] is None


TOO_MANY_RUNS = """
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import DeploymentScheduleCreate
from prefect.client.schemas.schedules import IntervalSchedule

@flow(name=f"scheduled-{SUFFIX}")
def scheduled():
    pass

deployment_id = scheduled.to_deployment(name="s").apply()
with get_client(sync_client=True) as client:
    try:
        client.request(
            "POST",
            f"/deployments/{deployment_id}/schedules",
            json=[DeploymentScheduleCreate(schedule=IntervalSchedule(interval=3600), max_scheduled_runs=60).model_dump(mode="json")],
        )
        refused = None
    except Exception as exc:
        refused = (exc.response.status_code, exc.response.json()["exception_detail"][0]["msg"])
    client.create_deployment_schedules(deployment_id, [(IntervalSchedule(interval=3600), True)])
    report(refused=refused, schedules=len(client.read_deployment_schedules(deployment_id)))
"""


def test_max_scheduled_runs_above_the_servers_maximum(prefect: ClientRunner) -> None:
    # The client's own check (PREFECT_DEPLOYMENT_SCHEDULE_MAX_SCHEDULED_RUNS) is raised past ours.
    env = {"PREFECT_DEPLOYMENT_SCHEDULE_MAX_SCHEDULED_RUNS": "100"}
    out = prefect.run(TOO_MANY_RUNS, env=env).result
    assert out["refused"] == [422, "Value error, `max_scheduled_runs` must be less than or equal to 50."]
    assert out["schedules"] == 1


JINJA_PARAMETERS = """
from prefect import flow
from prefect.deployments import run_deployment

@flow(name=f"templated-{SUFFIX}")
def templated(greeting: str = "hi", count: int = 1):
    return greeting

templated.to_deployment(name="t").apply()
run = run_deployment(
    f"templated-{SUFFIX}/t",
    parameters={"greeting": {"__prefect_kind": "jinja", "template": "{{ 'hello' | upper }} x{{ 2 * 3 }}"}},
    timeout=0,
)
try:
    run_deployment(
        f"templated-{SUFFIX}/t", parameters={"greeting": {"__prefect_kind": "jinja", "template": "{{ 1 / 0 }}"}}, timeout=0
    )
    refused = None
except Exception as exc:
    refused = str(exc)
report(parameters=run.parameters, refused=refused)
"""


def test_jinja_templates_in_a_runs_parameters(prefect: ClientRunner) -> None:
    out = prefect.run(JINJA_PARAMETERS).result
    assert out["parameters"] == {"greeting": "HELLO x6"}
    assert out["refused"] is not None and "400" in out["refused"]
    assert "Error hydrating flow run parameters: Invalid jinja: Failed to render template" in out["refused"]


REGISTER = """
from prefect import flow

@flow(name=f"cli-{SUFFIX}")
def greet(name: str = "world", times: int = 1):
    return name

report(id=str(greet.to_deployment(name="d", parameters={"name": "ada"}).apply()))
"""


@pytest.mark.one_backend
def test_the_deployment_commands_end_to_end(prefect: ClientRunner, api: Api) -> None:
    suffix = unique_suffix()
    name = f"cli-{suffix}/d"
    deployment_id = prefect.run(REGISTER, suffix=suffix).result["id"]

    wide = {**prefect.env, "COLUMNS": "250"}  # Rich tables unwrapped

    def run(*args: str) -> str:
        return cli(["deployment", *args], wide, prefect.workdir).stdout

    inspected = json.loads(run("inspect", name, "--output", "json"))
    assert (inspected["id"], inspected["name"], inspected["parameters"]) == (deployment_id, "d", {"name": "ada"})
    assert name in run("ls")
    listed = json.loads(run("ls", "--output", "json"))
    assert [(d["id"], d["concurrency_limit"]) for d in listed if d["id"] == deployment_id] == [(deployment_id, None)]

    started = run("run", name, "--param", "times=3", "--job-variable", 'env={"X": "1"}')
    runs = api.post("/flow_runs/filter", {"deployments": {"id": {"any_": [deployment_id]}}})
    assert [(r["parameters"], r["job_variables"]) for r in runs] == [({"name": "ada", "times": 3}, {"env": {"X": "1"}})]
    assert runs[0]["name"] in started

    run("schedule", "create", name, "--interval", "3600", "--timezone", "Europe/Paris")
    run("schedule", "create", name, "--cron", "0 9 * * 1")
    [hourly, weekly] = sorted(api.get(f"/deployments/{deployment_id}/schedules"), key=lambda s: "cron" in s["schedule"])
    assert hourly["schedule"]["interval"] == 3600 and hourly["schedule"]["timezone"] == "Europe/Paris"
    assert weekly["schedule"]["cron"] == "0 9 * * 1" and weekly["active"] is True
    listed = json.loads(run("schedule", "ls", name, "--output", "json"))
    assert sorted(s["id"] for s in listed) == sorted([hourly["id"], weekly["id"]])
    run("schedule", "ls", name)  # the table renders (the CLI exits 0)

    run("schedule", "pause", name, weekly["id"])
    assert {s["id"]: s["active"] for s in api.get(f"/deployments/{deployment_id}/schedules")} == {
        hourly["id"]: True,
        weekly["id"]: False,
    }
    run("schedule", "resume", name, weekly["id"])
    assert all(s["active"] for s in api.get(f"/deployments/{deployment_id}/schedules"))
    run("schedule", "delete", name, hourly["id"], "--accept-yes")
    assert [s["id"] for s in api.get(f"/deployments/{deployment_id}/schedules")] == [weekly["id"]]
    run("schedule", "create", name, "--interval", "60", "--replace", "--accept-yes")
    [replaced] = api.get(f"/deployments/{deployment_id}/schedules")
    assert replaced["schedule"]["interval"] == 60
    run("schedule", "clear", name, "--accept-yes")
    assert api.get(f"/deployments/{deployment_id}/schedules") == []

    run("delete", name)
    gone = api.http.get(f"/deployments/{deployment_id}")
    assert gone.status_code == 404
    missing = cli_fails(prefect, ["deployment", "inspect", name])
    assert "not found" in missing.lower()


def cli_fails(prefect: ClientRunner, args: list[str]) -> str:
    import subprocess

    done = subprocess.run(
        [PREFECT_CLI, *args], env=prefect.env, cwd=prefect.workdir, capture_output=True, text=True, timeout=90
    )
    assert done.returncode != 0, done.stdout
    return done.stdout + done.stderr
