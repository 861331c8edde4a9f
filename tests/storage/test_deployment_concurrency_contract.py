"""The deployment repository's concurrency count, on every backend."""

from __future__ import annotations

import asyncio

import pytest

from prefect_core.schemas.deployments import ConcurrencyOptions, Deployment, DeploymentConcurrency
from prefect_core.schemas.flows import Flow
from prefect_core.schemas.runs import FlowRun, FlowRunPolicy
from prefect_core.schemas.states import State, StateType

pytestmark = pytest.mark.timeout(60)


async def _deployment(storage, limit: int | None, strategy: str | None = None) -> tuple[Flow, Deployment]:
    options = ConcurrencyOptions(collision_strategy=strategy) if strategy else None
    async with storage.write() as uow:
        flow = await uow.flows.get_or_create(Flow(name="f", tags=["ft"]))
        candidate = Deployment(
            name=f"d{limit}{strategy}",
            flow_id=flow.id,
            concurrency_limit=limit,
            concurrency_options=options,
            tags=["dt"],
        )
        deployment, _ = await uow.deployments.upsert(candidate, set())
    return flow, deployment


async def _run_in(storage, deployment: Deployment, state: State | None, **fields) -> FlowRun:
    async with storage.write() as uow:
        run = await uow.flow_runs.insert(FlowRun(flow_id=deployment.flow_id, deployment_id=deployment.id, **fields))
        if state is not None:
            await uow.flow_run_states.add(run.id, state)
    return run


async def _count(storage, deployment: Deployment, exclude=None) -> DeploymentConcurrency | None:
    async with storage.write() as uow:
        return await uow.deployments.lock_and_count_active(deployment.id, exclude_run_id=exclude)


async def test_no_limit_or_no_deployment_counts_nothing(storage) -> None:
    _, unlimited = await _deployment(storage, None)
    await _run_in(storage, unlimited, State(type=StateType.RUNNING))
    assert await _count(storage, unlimited) is None
    async with storage.write() as uow:
        assert await uow.deployments.lock_and_count_active(FlowRun(flow_id=unlimited.flow_id).id) is None


async def test_holders_are_active_runs_and_in_process_retries(storage) -> None:
    _, dep = await _deployment(storage, 3, "CANCEL_NEW")
    assert await _count(storage, dep) == DeploymentConcurrency(3, "CANCEL_NEW", 0)
    active = (StateType.PENDING, StateType.RUNNING, StateType.CANCELLING)
    held = [await _run_in(storage, dep, State(type=t)) for t in active]
    for t in (StateType.SCHEDULED, StateType.COMPLETED, StateType.PAUSED, StateType.CRASHED):
        await _run_in(storage, dep, State(type=t))
    await _run_in(storage, dep, None)
    in_process = FlowRunPolicy(retries=1, retry_type="in_process")
    awaiting_retry = State(type=StateType.SCHEDULED, name="AwaitingRetry")
    retrying = await _run_in(storage, dep, awaiting_retry, empirical_policy=in_process)
    # An AwaitingRetry the run was sent to from outside (say, a SIGTERM reschedule) holds nothing.
    await _run_in(storage, dep, State(type=StateType.SCHEDULED, name="AwaitingRetry"))

    assert await _count(storage, dep) == DeploymentConcurrency(3, "CANCEL_NEW", 4)
    assert (await _count(storage, dep, exclude=held[0].id)).active_slots == 3
    assert (await _count(storage, dep, exclude=retrying.id)).active_slots == 3
    async with storage.read() as uow:
        shown = (await uow.deployments.get(dep.id)).global_concurrency_limit
    assert (shown.name, shown.limit, shown.active_slots) == (f"deployment:{dep.id}", 3, 4)


async def test_strategy_defaults_to_enqueue(storage) -> None:
    _, dep = await _deployment(storage, 1)
    assert (await _count(storage, dep)).collision_strategy == "ENQUEUE"


async def test_a_second_counter_waits_for_the_first_to_commit(storage) -> None:
    _, dep = await _deployment(storage, 1)
    run = await _run_in(storage, dep, State(type=StateType.SCHEDULED))
    first_counted = asyncio.Event()
    release = asyncio.Event()

    async def first() -> int:
        async with storage.write() as uow:
            counted = await uow.deployments.lock_and_count_active(dep.id, exclude_run_id=run.id)
            first_counted.set()
            await release.wait()
            await uow.flow_run_states.add(run.id, State(type=StateType.PENDING))
        return counted.active_slots

    async def second() -> int:
        async with storage.write() as uow:
            return (await uow.deployments.lock_and_count_active(dep.id)).active_slots

    task_one = asyncio.create_task(first())
    await first_counted.wait()
    task_two = asyncio.create_task(second())
    await asyncio.sleep(0.3)
    assert not task_two.done()  # it waits on the deployment (or, on SQLite, the write lock)
    release.set()
    assert await task_one == 0
    assert await task_two == 1


async def test_the_stored_count_is_the_cores_definition(storage) -> None:
    """Every state type, with and without an in-process retry policy and the retry
    wait's name: the storage's count of slot holders is exactly the runs that
    `prefect_core.run_facts.holds_deployment_slot` says hold one."""
    from prefect_core import run_facts

    _, dep = await _deployment(storage, 1000)
    wait = run_facts.IN_PROCESS_RETRY_WAIT
    holders = 0
    for state_type in StateType:
        for name in (None, wait.state_name):
            for retry_type in (None, wait.retry_type):
                policy = FlowRunPolicy(retries=1, retry_type=retry_type) if retry_type else FlowRunPolicy()
                state = State(type=state_type, name=name) if name else State(type=state_type)
                await _run_in(storage, dep, state, empirical_policy=policy)
                holders += run_facts.holds_deployment_slot(state_type, state.name, retry_type)
    assert 0 < holders < len(StateType) * 4
    assert (await _count(storage, dep)).active_slots == holders
