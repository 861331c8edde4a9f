"""Flow-run filters of a common shape run a prebuilt statement: same rows, same order as the general path."""

from __future__ import annotations

import datetime as dt
from uuid import uuid4

import pytest

from prefect_core import timeutil
from prefect_core.schemas import filters as f
from prefect_core.schemas.bodies.queries import RunFilterBody
from prefect_core.schemas.flows import Flow
from prefect_core.schemas.runs import FlowRun, TaskRun
from prefect_core.schemas.sorting import FlowRunSort
from prefect_core.schemas.states import State, StateType
from prefect_storage_sql.repositories.run_filter_shapes import shape_of

T0 = timeutil.now().replace(microsecond=0)


async def _runs(storage) -> tuple[list[FlowRun], list[TaskRun]]:
    """Eight flow runs in assorted states, times and parents."""
    kinds = [
        (StateType.SCHEDULED, "Scheduled"),
        (StateType.SCHEDULED, "Late"),
        (StateType.PAUSED, "Paused"),
        (StateType.CANCELLING, "Cancelling"),
        (StateType.RUNNING, "Running"),
        (StateType.COMPLETED, "Completed"),
        (StateType.SCHEDULED, "Scheduled"),
        (StateType.PAUSED, "Suspended"),
    ]
    async with storage.write() as uow:
        flow = await uow.flows.get_or_create(Flow(name="shapes"))
        parent = await uow.flow_runs.insert(FlowRun(flow_id=flow.id, name="parent"))
        tasks = [
            await uow.task_runs.insert(TaskRun(flow_run_id=parent.id, task_key="k", dynamic_key=str(i)))
            for i in range(3)
        ]
        runs = []
        for i, (kind, name) in enumerate(kinds):
            run = await uow.flow_runs.insert(
                FlowRun(
                    flow_id=flow.id,
                    name=f"run-{i}",
                    parent_task_run_id=tasks[i % 3].id if i % 4 else None,
                    idempotency_key=f"key-{i}",
                )
            )
            when = T0 + dt.timedelta(minutes=i - 4)
            await uow.flow_run_states.add(
                run.id,
                State(type=kind, name=name, timestamp=when),
                {
                    "next_scheduled_start_time": when if kind is StateType.SCHEDULED else None,
                    "expected_start_time": when,
                    "end_time": when,
                },
            )
            runs.append(run)
    return runs, tasks


def _bodies(runs: list[FlowRun], tasks: list[TaskRun]) -> list[RunFilterBody]:
    state = f.FlowRunFilterState
    kind = f.FlowRunFilterStateType
    name = f.FlowRunFilterStateName
    return [
        RunFilterBody(flow_runs=f.FlowRunFilter(parent_task_run_id=f.FlowRunFilterParentTaskRunId(any_=[tasks[1].id]))),
        RunFilterBody(
            flow_runs=f.FlowRunFilter(parent_task_run_id=f.FlowRunFilterParentTaskRunId(any_=[tasks[0].id, uuid4()]))
        ),
        RunFilterBody(flow_runs=f.FlowRunFilter(state=state(type=kind(any_=[StateType.PAUSED])))),
        RunFilterBody(
            flow_runs=f.FlowRunFilter(
                parent_task_run_id=f.FlowRunFilterParentTaskRunId(is_null_=False),
                state=state(type=kind(any_=[StateType.PAUSED, StateType.SCHEDULED])),
            )
        ),
        RunFilterBody(flow_runs=f.FlowRunFilter(parent_task_run_id=f.FlowRunFilterParentTaskRunId(is_null_=True))),
        RunFilterBody(flow_runs=f.FlowRunFilter(state=state(type=kind(any_=[StateType.CANCELLING, "RUNNING"])))),
        RunFilterBody(
            flow_runs=f.FlowRunFilter(
                next_scheduled_start_time=f.FlowRunFilterNextScheduledStartTime(before_=T0),
                state=state(type=kind(any_=[StateType.SCHEDULED]), name=name(any_=["Scheduled"])),
            )
        ),
        RunFilterBody(
            flow_runs=f.FlowRunFilter(
                state=state(operator="or_", type=kind(any_=[StateType.RUNNING]), name=name(any_=["Late", "Paused"]))
            )
        ),
        RunFilterBody(
            flow_runs=f.FlowRunFilter(
                operator="or_",
                id=f.FlowRunFilterId(any_=[runs[0].id, runs[5].id]),
                end_time=f.FlowRunFilterEndTime(after_=T0 + dt.timedelta(minutes=2)),
            )
        ),
        RunFilterBody(
            flow_runs=f.FlowRunFilter(
                end_time=f.FlowRunFilterEndTime(
                    after_=T0 - dt.timedelta(minutes=2), before_=T0 + dt.timedelta(minutes=1)
                )
            )
        ),
        RunFilterBody(
            flow_runs=f.FlowRunFilter(
                idempotency_key=f.FlowRunFilterIdempotencyKey(any_=["key-3", "key-4", "nope"]),
                expected_start_time=f.FlowRunFilterExpectedStartTime(before_=T0 + dt.timedelta(days=1)),
            )
        ),
    ]


@pytest.mark.parametrize("sort", [FlowRunSort.ID_DESC, FlowRunSort.EXPECTED_START_TIME_DESC, FlowRunSort.NAME_ASC])
async def test_shaped_filters_return_what_the_general_path_returns(storage, sort) -> None:
    runs, tasks = await _runs(storage)
    for body in _bodies(runs, tasks):
        assert shape_of(body) is not None, body  # each takes the prebuilt path
        for offset, limit in ((0, 200), (1, 2), (0, 1)):
            async with storage.read() as uow:
                shaped = await uow.flow_runs.filter(body, sort, offset, limit)
                uow.flow_runs.filter_shapes = False  # this unit of work's repository only
                general = await uow.flow_runs.filter(body, sort, offset, limit)
            assert [r.id for r in shaped] == [r.id for r in general], (body, offset, limit)
            now_dependent = {"estimated_run_time", "estimated_start_time_delta"}  # computed at read time
            assert [r.model_dump(exclude=now_dependent) for r in shaped] == [
                r.model_dump(exclude=now_dependent) for r in general
            ]
    # The filters are not vacuous: they pick some runs and leave others.
    async with storage.read() as uow:
        picked = [len(await uow.flow_runs.filter(b, sort, 0, 200)) for b in _bodies(runs, tasks)]
    assert all(0 < n < len(runs) for n in picked), str(picked)


def test_other_shapes_take_the_general_path() -> None:
    some = [uuid4()]
    general = [
        RunFilterBody(),
        RunFilterBody(flow_runs=f.FlowRunFilter()),
        RunFilterBody(flow_runs=f.FlowRunFilter(parent_task_run_id=f.FlowRunFilterParentTaskRunId(any_=[]))),
        RunFilterBody(flow_runs=f.FlowRunFilter(name=f.FlowRunFilterName(like_="x"))),
        RunFilterBody(flow_runs=f.FlowRunFilter(tags=f.FlowRunFilterTags(all_=["a"]))),
        RunFilterBody(flow_runs=f.FlowRunFilter(end_time=f.FlowRunFilterEndTime(is_null_=True))),
        RunFilterBody(
            flow_runs=f.FlowRunFilter(id=f.FlowRunFilterId(any_=some)), flows=f.FlowFilter(id=f.FlowFilterId(any_=some))
        ),
        RunFilterBody(
            flow_runs=f.FlowRunFilter(id=f.FlowRunFilterId(any_=some)),
            task_runs=f.TaskRunFilter(id=f.TaskRunFilterId(any_=some)),
        ),
    ]
    assert [shape_of(body) for body in general] == [None] * len(general)
