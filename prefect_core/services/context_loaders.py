"""Loading what the rules of a transition need: one async loader per `Need`.

The service asks the governing policy for the needs of the proposed transition
(`Policy.needs`) and calls `load_context`, which runs the loader of each inside the
transition's unit of work and returns the context with the fields they fill. A
loader returns only the `TransitionContext` fields it sets (none when the run has
nothing of the kind, e.g. no deployment), and reads nothing it does not need.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any
from uuid import UUID

from prefect_core.orchestration.base import TransitionContext
from prefect_core.orchestration.needs import Need
from prefect_core.ports import UnitOfWork
from prefect_core.schemas.states import StateType

#: A loader: (unit of work, context so far) -> the context fields it fills.
ContextLoader = Callable[[UnitOfWork, TransitionContext], Awaitable[dict[str, Any]]]


def _initial_lease(ctx: TransitionContext) -> UUID | None:
    return ctx.initial.state_details.deployment_concurrency_lease_id if ctx.initial is not None else None


async def _deployment_slots(uow: UnitOfWork, ctx: TransitionContext) -> dict[str, Any]:
    deployment_id = getattr(ctx.run, "deployment_id", None)
    if deployment_id is None:
        return {}
    if ctx.proposed.type is StateType.RUNNING and _initial_lease(ctx) is None:
        return {}  # at RUNNING only a run holding a lease needs its limit
    # Read under the limit row's lock, taken after the run's: the decision and the slot
    # it takes are written before any other run of the deployment can read the limit.
    return {"deployment_concurrency": await uow.deployments.lock_concurrency(deployment_id)}


async def _deployment_lease(uow: UnitOfWork, ctx: TransitionContext) -> dict[str, Any]:
    lease_id = _initial_lease(ctx)
    if lease_id is None:
        return {}
    lease = await uow.concurrency_leases.get(lease_id)
    return {"deployment_lease_alive": lease is not None and lease.expiration > ctx.now}


async def _parent_flow_run(uow: UnitOfWork, ctx: TransitionContext) -> dict[str, Any]:
    flow_run_id = getattr(ctx.run, "flow_run_id", None)
    if flow_run_id is None:
        return {}
    parent = await uow.flow_runs.get(flow_run_id)
    if parent is None:
        return {}
    return {"parent_flow_run_state": parent.state, "parent_flow_run_run_count": parent.run_count}


async def _cached_state(uow: UnitOfWork, ctx: TransitionContext) -> dict[str, Any]:
    proposed = ctx.proposed
    details = proposed.state_details
    if proposed.type is not StateType.RUNNING or not details.cache_key or details.refresh_cache:
        return {}
    return {"cached_state": await uow.task_cache.get(details.cache_key, ctx.now)}


#: Every need and its loader.
CONTEXT_LOADERS: Mapping[Need, ContextLoader] = MappingProxyType(
    {
        Need.DEPLOYMENT_SLOTS: _deployment_slots,
        Need.DEPLOYMENT_LEASE: _deployment_lease,
        Need.PARENT_FLOW_RUN: _parent_flow_run,
        Need.CACHED_STATE: _cached_state,
    }
)


async def load_context(
    uow: UnitOfWork,
    ctx: TransitionContext,
    needs: Iterable[Need],
    loaders: Mapping[Need, ContextLoader] = CONTEXT_LOADERS,
) -> TransitionContext:
    """`ctx` with what `needs` asks for loaded (in the enum's order, so locks are
    always taken in the same order)."""
    wanted = set(needs)
    if not wanted:
        return ctx
    fields: dict[str, Any] = {}
    for need in Need:
        if need in wanted:
            fields.update(await loaders[need](uow, ctx))
    return replace(ctx, **fields) if fields else ctx
