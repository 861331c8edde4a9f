"""The flow-run relatives repository (what a flow run's events name), on every backend."""

from __future__ import annotations

import pytest

from prefect_core.ports import FlowRunRelatives
from prefect_core.schemas.deployments import Deployment
from prefect_core.schemas.flows import Flow
from prefect_core.schemas.runs import FlowRun, TaskRun
from prefect_core.schemas.work_pools import WorkPool, WorkQueue
from tests.support.statements import counting_statements

pytestmark = pytest.mark.timeout(60)


async def test_flow_run_relatives_in_one_read(storage) -> None:
    async with storage.write() as uow:
        flow = await uow.flows.get_or_create(Flow(name="parent", tags=["ft"]))
        pool = WorkPool(name="tp", type="process")
        await uow.work_pools.insert(pool)
        queue = WorkQueue(name="q", work_pool_id=pool.id)
        await uow.work_queues.insert(queue)
        deployment, _ = await uow.deployments.upsert(
            Deployment(name="d", flow_id=flow.id, tags=["dt"], work_queue_id=queue.id), set()
        )
        parent = await uow.flow_runs.insert(FlowRun(flow_id=flow.id))
        task = await uow.task_runs.insert(
            TaskRun(flow_run_id=parent.id, task_key="k", dynamic_key="0", name="t-0", tags=["tt"])
        )
        with counting_statements(storage) as log:
            everything = await uow.flow_run_relatives.get(
                flow.id, deployment_id=deployment.id, work_queue_id=queue.id, parent_task_run_id=task.id
            )
        assert len(log) == 1
        nothing_else = await uow.flow_run_relatives.get(
            flow.id, deployment_id=None, work_queue_id=None, parent_task_run_id=None
        )
    assert (everything.flow.id, everything.flow.name, everything.flow.tags) == (flow.id, "parent", ("ft",))
    assert (everything.deployment.id, everything.deployment.name, everything.deployment.tags) == (
        deployment.id,
        "d",
        ("dt",),
    )
    assert (everything.work_queue.id, everything.work_queue.name) == (queue.id, "q")
    assert (everything.work_pool.id, everything.work_pool.name, everything.work_pool.type) == (pool.id, "tp", "process")
    assert (everything.parent_task_run.id, everything.parent_task_run.name, everything.parent_task_run.tags) == (
        task.id,
        "t-0",
        ("tt",),
    )
    assert nothing_else.flow.id == flow.id
    assert (nothing_else.deployment, nothing_else.work_queue, nothing_else.work_pool, nothing_else.parent_task_run) == (
        None,
        None,
        None,
        None,
    )


async def test_a_missing_flow_names_nothing(storage) -> None:
    async with storage.read() as uow:
        found = await uow.flow_run_relatives.get(
            Flow(name="gone").id, deployment_id=None, work_queue_id=None, parent_task_run_id=None
        )
    assert found == FlowRunRelatives()
