"""The data the UI pages show, made by the real `prefect` client (3.8.8) in one subprocess.

`SECTIONS` are pieces of one client script; each makes one kind of data and reports the keys
the pages need (`report(key=value)`). A page names the keys it needs (`pages.UiPage.needs`),
so a new group adds a section here and its pages
there. After the script, `settle()` reads back from the API what only the server knows (task
run ids, event ids) and waits for what arrives late (task runs and events come through the
event pipeline).
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.conformance.support import ClientRunner, eventually

FLOWS = """
from prefect import flow, task, get_run_logger

@task(tags=["browser-tag"])
def double(x):
    get_run_logger().info("doubling %s", x)
    return x * 2

@flow(name=f"browser-child-{SUFFIX}")
def child(n: int):
    get_run_logger().info("child run with %s", n)
    return double(n)

@flow(name=f"browser-{SUFFIX}")
def parent():
    get_run_logger().info("hello from the browser test")
    values = [double(i) for i in range(3)]
    values.append(child(10))
    return values

@flow(name=f"browser-failing-{SUFFIX}")
def failing():
    get_run_logger().error("about to fail")
    raise ValueError("this run fails on purpose")

state = parent(return_state=True)
failed = failing(return_state=True)
report(
    flow_run_id=str(state.state_details.flow_run_id),
    flow_state=state.type.value, failed_run_id=str(failed.state_details.flow_run_id),
    failed_state=failed.type.value, flow_name=f"browser-{SUFFIX}", failed_flow_name=f"browser-failing-{SUFFIX}",
)
"""

DEPLOYMENT = """
import pathlib
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.workers.process import ProcessWorker

pool = f"browser-pool-{SUFFIX}"
with get_client(sync_client=True) as client:
    client.create_work_pool(WorkPoolCreate(
        name=pool, type="process", base_job_template=ProcessWorker.get_default_base_job_template(),
        description="the browser test's pool",
    ))
source = pathlib.Path("src-" + SUFFIX)
source.mkdir()
(source / "flows.py").write_text(
    "from prefect import flow\\n\\n@flow(name='browser-deployed-" + SUFFIX + "')\\n"
    "def work(msg: str = 'hi', times: int = 1):\\n    return msg * times\\n"
)
deployment_id = flow.from_source(source=str(source.resolve()), entrypoint="flows.py:work").deploy(
    name=f"browser-deployment-{SUFFIX}", work_pool_name=pool, build=False, push=False,
    interval=3600, parameters={"msg": "hello"}, tags=["browser"], description="made by the browser test",
    print_next_steps=False,
)
with get_client(sync_client=True) as client:
    client.send_worker_heartbeat(pool, f"browser-worker-{SUFFIX}", heartbeat_interval_seconds=30)
report(work_pool_name=pool, deployment_id=str(deployment_id), deployment_name=f"browser-deployment-{SUFFIX}",
       work_queue_name="default")
"""

CONCURRENCY = """
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate

with get_client(sync_client=True) as client:
    tag_limit_id = client.create_concurrency_limit(tag="browser-tag", concurrency_limit=10)
    gcl_name = f"browser-gcl-{SUFFIX}"
    gcl_id = client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=gcl_name, limit=5))
report(tag_limit_id=str(tag_limit_id), global_limit_id=str(gcl_id), global_limit_name=gcl_name)
"""

EVENTS = """
from prefect.events import emit_event

event = emit_event(
    event="browser.test.happened", resource={"prefect.resource.id": f"browser.thing.{SUFFIX}"},
    payload={"made_by": "the browser test"},
)
report(event_id=str(event.id), event_name=event.event)
"""

VARIABLES = """
from prefect.variables import Variable

Variable.set(f"browser_var_{SUFFIX}", {"made_by": "the browser test", "n": 3})
report(variable_name=f"browser_var_{SUFFIX}")
"""

ARTIFACTS = """
from prefect import flow
from prefect.artifacts import create_markdown_artifact, create_table_artifact

@flow(name=f"browser-artifacts-{SUFFIX}")
def with_artifacts():
    table_id = create_table_artifact(key=f"browser-table-{SUFFIX}", table=[{"a": 1, "b": 2}], description="a table")
    markdown_id = create_markdown_artifact(
        key=f"browser-report-{SUFFIX}", markdown="# Browser report\\n\\nall good", description="a report"
    )
    return str(markdown_id), str(table_id)

artifacts_state = with_artifacts(return_state=True)
markdown_id, table_id = artifacts_state.result()
report(artifact_id=markdown_id, artifact_key=f"browser-report-{SUFFIX}",
       artifacts_run_id=str(artifacts_state.state_details.flow_run_id))
"""

BLOCKS = """
from prefect.blocks.system import Secret

block_id = Secret(value="not-for-screens").save(f"browser-secret-{SUFFIX}")
report(block_id=str(block_id), block_name=f"browser-secret-{SUFFIX}", block_type_slug="secret")
"""

# After DEPLOYMENT (it names `deployment_id` and `pool`). The trigger waits for an event nobody
# emits, so the automation never fires: its actions would start a run and pause the queue the
# interaction tests use.
AUTOMATIONS = """
from prefect.automations import Automation
from prefect.events.actions import PauseWorkQueue, RunDeployment
from prefect.events.schemas.automations import EventTrigger, Posture

with get_client(sync_client=True) as client:
    queue = client.read_work_queue_by_name("default", work_pool_name=pool)
automation = Automation(
    name=f"browser-automation-{SUFFIX}", description="made by the browser test",
    trigger=EventTrigger(
        match={"prefect.resource.id": f"prefect.deployment.{deployment_id}"},
        expect={"browser.test.never-emitted"}, posture=Posture.Reactive, threshold=1, within=0,
    ),
    actions=[
        RunDeployment(source="selected", deployment_id=deployment_id, parameters={"msg": "from the automation"}),
        PauseWorkQueue(source="selected", work_queue_id=queue.id),
    ],
).create()
report(automation_id=str(automation.id), automation_name=automation.name, work_queue_id=str(queue.id))
"""

#: The pieces of the client script, in order. Other groups append theirs (and their keys).
SECTIONS: list[str] = [FLOWS, DEPLOYMENT, CONCURRENCY, EVENTS, VARIABLES, ARTIFACTS, BLOCKS, AUTOMATIONS]


def make(runner: ClientRunner) -> dict[str, Any]:
    """Run every section in one client process and return what they reported."""
    script = "\n".join(SECTIONS)
    result = runner.run(script, timeout=180).result
    assert result["flow_state"] == "COMPLETED" and result["failed_state"] == "FAILED", result
    return result


def settle(api_url: str, data: dict[str, Any]) -> dict[str, Any]:
    """Add what only the server knows, once it has arrived: a task run of the parent, the
    child run, the event's date."""
    with httpx.Client(base_url=api_url, timeout=30) as http:

        def task_runs() -> list[dict[str, Any]]:
            body = {"flow_runs": {"id": {"any_": [data["flow_run_id"]]}}, "sort": "EXPECTED_START_TIME_ASC"}
            return http.post("/task_runs/filter", json=body).json()

        runs = eventually(task_runs, lambda got: sum(run["state_type"] == "COMPLETED" for run in got) >= 4)
        task_run = next(run for run in runs if run["name"].startswith("double"))

        def events() -> list[dict[str, Any]]:
            body = {"filter": {"id": {"id": [data["event_id"]]}}, "limit": 5}
            return http.post("/events/filter", json=body).json()["events"]

        event = eventually(events, bool)[0]
        flow_id = http.get(f"/flow_runs/{data['flow_run_id']}").json()["flow_id"]
        failed_flow_id = http.get(f"/flow_runs/{data['failed_run_id']}").json()["flow_id"]
        deployed_flow_id = http.get(f"/deployments/{data['deployment_id']}").json()["flow_id"]
    # the UI's event route names the day as the browser sees it; the test browser runs in UTC
    return {
        **data,
        "flow_id": flow_id,
        "failed_flow_id": failed_flow_id,
        "deployed_flow_id": deployed_flow_id,
        "task_run_id": task_run["id"],
        "event_date": event["occurred"][:10],
    }
