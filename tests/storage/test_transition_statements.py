"""How many SQL statements each kind of state transition costs, on every backend.

Orchestration loads only the context the rules of a transition need, so transitions
no rule looks further into cost no extra reads. The budgets below are the counts
measured when rules started declaring their context (issue #8); a change that adds a
statement to one of these paths fails here and has to say why.
"""

from __future__ import annotations

import datetime as dt

import pytest

from prefect_core import timeutil
from prefect_core.schemas.deployments import Deployment
from prefect_core.schemas.flows import Flow
from prefect_core.schemas.runs import FlowRunCreate, TaskRunCreate
from prefect_core.schemas.states import State, StateCreate, StateDetails, StateType
from prefect_core.services.container import Services
from prefect_core.services.deployment_limits import apply_limit_fields
from tests.support.statements import counting_statements

pytestmark = pytest.mark.timeout(60)

S = StateType


class Recording:
    """An event sink keeping what it is given."""

    def __init__(self) -> None:
        self.events: list = []

    async def emit(self, events) -> None:
        self.events.extend(events)


async def _flow(storage) -> Flow:
    async with storage.write() as uow:
        return await uow.flows.get_or_create(Flow(name="counted"))


async def _deployment(storage, flow: Flow, limit: int | None) -> Deployment:
    async with storage.write() as uow:
        deployment, _ = await uow.deployments.upsert(Deployment(name=f"d-{limit}", flow_id=flow.id), set())
        await apply_limit_fields(uow, deployment, {"concurrency_limit": limit})
    return deployment


def _state(type_: StateType, **details) -> StateCreate:
    return StateCreate(type=type_, state_details=StateDetails(**details))


async def measure(storage, services: Services) -> dict[str, int]:
    """Statements per transition, by scenario name."""
    counts: dict[str, int] = {}

    async def count(name: str, call):
        with counting_statements(storage) as log:
            result = await call
        counts[name] = len(log)
        return result

    flow = await _flow(storage)
    orch = services.orchestration
    run, _ = await count("flow: create (PENDING)", services.flow_runs.create(FlowRunCreate(flow_id=flow.id)))
    await count("flow: PENDING -> RUNNING", orch.set_flow_run_state(run.id, _state(S.RUNNING)))
    await count("flow: RUNNING -> COMPLETED", orch.set_flow_run_state(run.id, _state(S.COMPLETED)))

    for limit in (None, 2):
        deployment = await _deployment(storage, flow, limit)
        body = FlowRunCreate(flow_id=flow.id, deployment_id=deployment.id, state=_state(S.SCHEDULED))
        dep_run, _ = await services.flow_runs.create(body)
        label = "no limit" if limit is None else "limit"
        await count(
            f"deployment ({label}): SCHEDULED -> PENDING", orch.set_flow_run_state(dep_run.id, _state(S.PENDING))
        )
        await count(f"deployment ({label}): PENDING -> RUNNING", orch.set_flow_run_state(dep_run.id, _state(S.RUNNING)))
        await count(
            f"deployment ({label}): RUNNING -> COMPLETED", orch.set_flow_run_state(dep_run.id, _state(S.COMPLETED))
        )
    late_body = FlowRunCreate(
        flow_id=flow.id,
        deployment_id=deployment.id,
        state=_state(S.SCHEDULED, scheduled_time=timeutil.now() - dt.timedelta(minutes=5)),
    )
    late, _ = await services.flow_runs.create(late_body)
    late_state = State(type=S.SCHEDULED, name="Late", state_details=StateDetails(scheduled_time=timeutil.now()))
    await count("deployment (limit): mark late", orch.set_flow_run_state(late.id, late_state, policy="mark_late"))

    parent, _ = await services.flow_runs.create(FlowRunCreate(flow_id=flow.id, state=_state(S.RUNNING)))
    task, _ = await count(
        "task: create (PENDING)",
        services.task_runs.create(TaskRunCreate(flow_run_id=parent.id, task_key="t", dynamic_key="0")),
    )
    await count("task: PENDING -> RUNNING", orch.set_task_run_state(task.id, _state(S.RUNNING)))
    await count(
        "task: RUNNING -> COMPLETED (cache key)",
        orch.set_task_run_state(task.id, _state(S.COMPLETED, cache_key="k")),
    )
    mirror, _ = await services.task_runs.create(TaskRunCreate(flow_run_id=parent.id, task_key="s", dynamic_key="0"))
    child, _ = await services.flow_runs.create(FlowRunCreate(flow_id=flow.id, parent_task_run_id=mirror.id))
    await count(
        "subflow: PENDING -> RUNNING (parent task mirrored)", orch.set_flow_run_state(child.id, _state(S.RUNNING))
    )

    deferred = TaskRunCreate(task_key="bg", dynamic_key="0", state=_state(S.SCHEDULED, deferred=True))
    bg, _ = await count("background task: create (SCHEDULED, queued)", services.task_runs.create(deferred))
    delivered = await services.task_workers.next_run(["bg"], timeout=0)
    assert delivered is not None and delivered.id == bg.id and delivered.state.name == "Scheduled"
    services.task_workers.acknowledge(delivered)
    await count(
        "background task: SCHEDULED -> PENDING", orch.set_task_run_state(bg.id, _state(S.PENDING, deferred=True))
    )
    await count("background task: PENDING -> RUNNING", orch.set_task_run_state(bg.id, _state(S.RUNNING, deferred=True)))
    await orch.set_task_run_state(bg.id, _state(S.FAILED, deferred=True))
    retry = StateCreate(type=S.SCHEDULED, name="AwaitingRetry", state_details=StateDetails(deferred=True))
    answer = await count("background task: FAILED -> AwaitingRetry (queued)", orch.set_task_run_state(bg.id, retry))
    assert answer.status.value == "ACCEPT"
    # The effects happened: every flow-run state announced, the background run queued again.
    announced = [e.event.removeprefix("prefect.flow-run.") for e in services.events.events]  # type: ignore[attr-defined]
    assert announced == [
        "Pending",
        "Running",
        "Completed",  # the plain run
        "Scheduled",
        "Pending",
        "Running",
        "Completed",
        "Scheduled",
        "Pending",
        "Running",
        "Completed",  # the deployment runs
        "Scheduled",
        "Late",  # the late one
        "Running",  # the parent
        "Pending",
        "Running",  # the subflow
    ]
    queued = await services.task_workers.next_run(["bg"], timeout=0)
    assert queued is not None and queued.id == bg.id and queued.state.name == "AwaitingRetry"
    return counts


#: Statements per transition (SQLite, PostgreSQL). PostgreSQL locks a run as it reads it.
#: When rules started declaring their needs, each count was higher: task RUNNING ->
#: COMPLETED read the parent flow run (+1), a background run put back in its queue was
#: read back (+1), and creating a flow run announced nothing (now its first state's event
#: names its relatives: one read). Since then: a flow run's relatives are read once and
#: kept between its transitions (`prefect_core.events.relatives_cache`, -1 per later
#: flow-run transition), a new run is answered as written instead of read back (-1 per
#: create; a task run's flow run is only checked for existence), and on PostgreSQL a
#: state's INSERT and its run's UPDATE are one statement (-1 per state written), and a
#: run is locked by the read of it (-1 per locked run, unless that read had to wait).
BUDGET: dict[str, tuple[int, int]] = {
    "flow: create (PENDING)": (5, 4),
    "flow: PENDING -> RUNNING": (3, 2),
    "flow: RUNNING -> COMPLETED": (3, 2),
    "deployment (no limit): SCHEDULED -> PENDING": (4, 3),
    "deployment (no limit): PENDING -> RUNNING": (3, 2),
    "deployment (no limit): RUNNING -> COMPLETED": (3, 2),
    # Leased slots: the deployment's limit, the locked global limit row; taking a slot
    # adds its increment and the lease (two rows), RUNNING reads and renews the lease,
    # leaving the slot takes the lease back and gives back the slot.
    "deployment (limit): SCHEDULED -> PENDING": (8, 8),
    "deployment (limit): PENDING -> RUNNING": (8, 7),
    "deployment (limit): RUNNING -> COMPLETED": (6, 6),
    "deployment (limit): mark late": (5, 4),
    "task: create (PENDING)": (4, 3),
    "task: PENDING -> RUNNING": (4, 3),
    "task: RUNNING -> COMPLETED (cache key)": (4, 3),
    "subflow: PENDING -> RUNNING (parent task mirrored)": (6, 4),
    "background task: create (SCHEDULED, queued)": (3, 2),
    "background task: SCHEDULED -> PENDING": (3, 2),
    "background task: PENDING -> RUNNING": (3, 2),
    "background task: FAILED -> AwaitingRetry (queued)": (3, 2),
}


async def test_no_transition_costs_more_statements_than_its_budget(storage, settings, backend) -> None:
    counts = await measure(storage, Services(storage, settings, events=Recording()))
    assert set(counts) == set(BUDGET)
    column = 0 if backend == "sqlite" else 1
    over = {name: (n, BUDGET[name][column]) for name, n in counts.items() if n > BUDGET[name][column]}
    assert not over, f"statements (counted, budget): {over}"
