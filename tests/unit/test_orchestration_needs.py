"""Rules declare what they need; policies say what a transition needs; loaders exist for each."""

from __future__ import annotations

import inspect
from typing import Any
from uuid import uuid4

import pytest

from prefect_core.orchestration import POLICIES, Need
from prefect_core.orchestration.base import Rule
from prefect_core.orchestration.policies import BACKGROUND_TASK, CORE_FLOW, CORE_TASK, MINIMAL_FLOW, MINIMAL_TASK
from prefect_core.services.context_loaders import CONTEXT_LOADERS, load_context
from tests.unit.orchestration_builders import S, flow_ctx, flow_run, state, task_ctx, task_run

#: The context fields each need fills.
FIELDS = {
    Need.DEPLOYMENT_SLOTS: ("deployment_concurrency",),
    Need.DEPLOYMENT_LEASE: ("deployment_lease_alive",),
    Need.PARENT_FLOW_RUN: ("parent_flow_run_state", "parent_flow_run_run_count"),
    Need.CACHED_STATE: ("cached_state",),
}


def all_rules() -> set[Rule]:
    return {r for policy in POLICIES.values() for r in policy.rules}


def test_every_need_has_a_loader_and_known_fields() -> None:
    assert set(CONTEXT_LOADERS) == set(Need)
    assert set(FIELDS) == set(Need)


@pytest.mark.parametrize("rule", sorted(all_rules(), key=lambda r: r.name), ids=lambda r: r.name)
def test_a_rule_reading_loaded_context_declares_the_need(rule: Rule) -> None:
    source = inspect.getsource(rule.check)
    for need, fields in FIELDS.items():
        if any(f"ctx.{field}" in source for field in fields):
            assert need in rule.needs, f"{rule.name} reads what {need.name} loads without declaring it"


@pytest.mark.parametrize(
    "policy,initial,proposed,expected",
    [
        (CORE_FLOW, S.RUNNING, S.COMPLETED, set()),
        (CORE_FLOW, S.PENDING, S.RUNNING, {Need.DEPLOYMENT_SLOTS, Need.DEPLOYMENT_LEASE}),
        (CORE_FLOW, S.SCHEDULED, S.PENDING, {Need.DEPLOYMENT_SLOTS}),
        (MINIMAL_FLOW, S.SCHEDULED, S.PENDING, set()),
        (CORE_TASK, S.PENDING, S.RUNNING, {Need.PARENT_FLOW_RUN, Need.CACHED_STATE}),
        (CORE_TASK, S.RUNNING, S.COMPLETED, set()),
        (CORE_TASK, S.COMPLETED, S.RUNNING, {Need.PARENT_FLOW_RUN, Need.CACHED_STATE}),
        (CORE_TASK, S.FAILED, S.COMPLETED, {Need.PARENT_FLOW_RUN}),
        (CORE_TASK, None, S.PENDING, set()),
        (BACKGROUND_TASK, S.PENDING, S.RUNNING, {Need.PARENT_FLOW_RUN, Need.CACHED_STATE}),
        (BACKGROUND_TASK, None, S.SCHEDULED, set()),
        (MINIMAL_TASK, S.PENDING, S.RUNNING, set()),
    ],
)
def test_a_policy_needs_what_the_rules_governing_the_transition_need(policy, initial, proposed, expected) -> None:
    current = state(initial) if initial else None
    ctx = (flow_ctx if policy.kind.value == "flow" else task_ctx)(current, state(proposed))
    assert policy.needs(ctx) == expected


class NoStorage:
    """A unit of work that fails any use: loaders that have nothing to load must not touch it."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the loader used uow.{name}")


async def test_loaders_read_nothing_for_runs_that_have_nothing_of_the_kind() -> None:
    uow: Any = NoStorage()
    flow_transition = flow_ctx(state(S.SCHEDULED), state(S.PENDING), flow_run(state(S.SCHEDULED)))
    assert await load_context(uow, flow_transition, {Need.DEPLOYMENT_SLOTS}) is flow_transition
    # A run starting without a deployment lease needs neither its limit nor a lease.
    starting = flow_ctx(state(S.PENDING), state(S.RUNNING), flow_run(state(S.PENDING), deployment_id=uuid4()))
    assert await load_context(uow, starting, {Need.DEPLOYMENT_SLOTS, Need.DEPLOYMENT_LEASE}) is starting
    orphan_task = task_ctx(state(S.PENDING), state(S.RUNNING), task_run(state(S.PENDING)))
    assert await load_context(uow, orphan_task, {Need.PARENT_FLOW_RUN}) is orphan_task
    # Without a cache key (or with refresh_cache) there is nothing to look up.
    assert await load_context(uow, orphan_task, {Need.CACHED_STATE}) is orphan_task
    refreshing = task_ctx(state(S.PENDING), state(S.RUNNING, cache_key="k", refresh_cache=True))
    assert await load_context(uow, refreshing, {Need.CACHED_STATE}) is refreshing
    assert await load_context(uow, orphan_task, ()) is orphan_task
