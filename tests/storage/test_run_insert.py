"""A run inserted now is handed back as built from what was written: the same run a read gives."""

from __future__ import annotations

import datetime as dt
from uuid import uuid4

from prefect_core import timeutil
from prefect_core.schemas.flows import Flow
from prefect_core.schemas.runs import CreatedBy, FlowRun, Parameter, TaskRun, TaskRunPolicy, TaskRunResult
from prefect_core.schemas.states import State, StateType

#: Derived from the clock at read time, so two reads a moment apart may differ.
NOW_DEPENDENT = {"estimated_run_time", "estimated_start_time_delta"}


async def test_insert_returns_what_a_read_returns(storage) -> None:
    async with storage.write() as uow:
        flow = await uow.flows.get_or_create(Flow(name="ins"))
        parent = await uow.flow_runs.insert(FlowRun(flow_id=flow.id))
    candidates = [
        TaskRun(flow_run_id=parent.id, task_key="plain", dynamic_key="0"),
        TaskRun(
            flow_run_id=parent.id,
            task_key="full",
            dynamic_key="1",
            name="full-1",
            cache_key="ck",
            cache_expiration=timeutil.now() + dt.timedelta(hours=1),
            task_version="v2",
            empirical_policy=TaskRunPolicy(max_retries=3, retry_delay=[1, 2]),
            tags=["a", "b"],
            labels={"team": "x"},
            task_inputs={"x": [TaskRunResult(id=uuid4())], "y": [Parameter(name="p")]},
            # A state on the candidate is not stored by insert (states are set by orchestration).
            state=State(type=StateType.RUNNING),
            state_type=StateType.RUNNING,
        ),
        TaskRun(task_key="no-flow-run", dynamic_key="2", labels=None),
    ]
    for candidate in candidates:
        async with storage.write() as uow:
            inserted = await uow.task_runs.insert(candidate)
        async with storage.read() as uow:
            stored = await uow.task_runs.get(candidate.id)
        assert stored is not None and inserted.id == candidate.id and inserted.state is None
        assert inserted.model_dump(exclude=NOW_DEPENDENT) == stored.model_dump(exclude=NOW_DEPENDENT)


async def test_insert_of_a_known_task_hands_back_the_stored_run(storage) -> None:
    async with storage.write() as uow:
        flow = await uow.flows.get_or_create(Flow(name="ins2"))
        parent = await uow.flow_runs.insert(FlowRun(flow_id=flow.id))
        first = await uow.task_runs.insert(TaskRun(flow_run_id=parent.id, task_key="k", dynamic_key="0"))
        again = await uow.task_runs.insert(TaskRun(flow_run_id=parent.id, task_key="k", dynamic_key="0", tags=["t"]))
    assert again.id == first.id and again.tags == []


async def test_flow_run_insert_returns_what_a_read_returns(storage) -> None:
    async with storage.write() as uow:
        flow = await uow.flows.get_or_create(Flow(name="ins3"))
        parent = await uow.flow_runs.insert(FlowRun(flow_id=flow.id))
        task = await uow.task_runs.insert(TaskRun(flow_run_id=parent.id, task_key="sub", dynamic_key="0"))
    candidates = [
        FlowRun(flow_id=flow.id),
        FlowRun(
            flow_id=flow.id,
            name="full",
            flow_version="1.0",
            parameters={"x": 1, "nested": {"a": [1, 2.5, None, "s"]}},
            context={"k": "v"},
            parent_task_run_id=task.id,
            idempotency_key="idem",
            tags=["a"],
            labels={"l": "1"},
            job_variables={"image": "x"},
            created_by=CreatedBy(id=uuid4(), type="AUTOMATION", display_value="a"),
            state=State(type=StateType.RUNNING),
            state_type=StateType.RUNNING,
        ),
    ]
    for candidate in candidates:
        async with storage.write() as uow:
            inserted = await uow.flow_runs.insert(candidate)
        async with storage.read() as uow:
            stored = await uow.flow_runs.get(candidate.id)
        assert stored is not None and inserted.id == candidate.id and inserted.state is None
        assert inserted.model_dump(exclude=NOW_DEPENDENT) == stored.model_dump(exclude=NOW_DEPENDENT)
    async with storage.write() as uow:  # the same idempotency key again: the stored run
        again = await uow.flow_runs.insert(FlowRun(flow_id=flow.id, idempotency_key="idem"))
    assert again.id == candidates[1].id
