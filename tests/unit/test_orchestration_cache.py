"""Task caching: a cached completion replaces running; completions with keys are cached."""

from __future__ import annotations

from uuid import uuid4

from prefect_core.orchestration import CacheWrite
from tests.unit.orchestration_builders import NOW, S, ago, later, persisted_result, state, task, task_run


def _cached():
    return state(
        S.COMPLETED,
        at=ago(3600),
        message="All done",
        data=persisted_result(),
        cache_key="k",
        cache_expiration=later(3600),
        task_run_id=uuid4(),
    )


def test_running_with_a_cache_hit_becomes_a_cached_completion():
    pending = state(S.PENDING, at=ago(1))
    run = task_run(pending, flow_run_id=uuid4(), expected_start_time=ago(1))
    cached = _cached()
    decision = task(
        pending,
        state(S.RUNNING, cache_key="k"),
        run,
        cached_state=cached,
        parent_flow_run_state=state(S.RUNNING),
        parent_flow_run_run_count=1,
    )
    assert decision.status == "REJECT"
    assert decision.reason == "Retrieved state from cache"
    assert decision.writes_state
    hit = decision.state
    assert (hit.type, hit.name, hit.message, hit.data) == (S.COMPLETED, "Cached", "All done", persisted_result())
    assert hit.id != cached.id
    assert hit.timestamp == NOW
    assert hit.state_details.cache_key == "k"
    assert hit.state_details.task_run_id == run.id  # points at this run, not the cached one
    assert decision.run_updates == {"start_time": NOW, "end_time": NOW}
    assert decision.effects == []  # the hit is not cached again
    assert cached.name == "Completed"  # the cached state itself is untouched


def test_refresh_cache_runs_anyway():
    pending = state(S.PENDING, at=ago(1))
    decision = task(pending, state(S.RUNNING, cache_key="k", refresh_cache=True), cached_state=_cached())
    assert decision.status == "ACCEPT"
    assert decision.state.type is S.RUNNING


def test_no_cache_hit_runs():
    pending = state(S.PENDING, at=ago(1))
    assert task(pending, state(S.RUNNING, cache_key="k")).status == "ACCEPT"


def test_cache_hit_is_ignored_without_a_cache_key_on_the_proposal():
    pending = state(S.PENDING, at=ago(1))
    assert task(pending, state(S.RUNNING), cached_state=_cached()).status == "ACCEPT"


def test_cache_hit_wins_over_a_stopped_flow():
    pending = state(S.PENDING, at=ago(1))
    run = task_run(pending, flow_run_id=uuid4())
    decision = task(
        pending,
        state(S.RUNNING, cache_key="k"),
        run,
        cached_state=_cached(),
        parent_flow_run_state=state(S.CANCELLED),
        parent_flow_run_run_count=1,
    )
    assert decision.state.name == "Cached"


def test_completion_with_a_cache_key_is_cached():
    running = state(S.RUNNING, at=ago(1))
    proposed = state(S.COMPLETED, cache_key="k", cache_expiration=later(60), data=persisted_result())
    decision = task(running, proposed)
    assert decision.status == "ACCEPT"
    assert decision.effects == [CacheWrite("k", later(60))]
    assert "cache_key" not in decision.run_updates  # the run row's key is set at creation only


def test_completion_without_a_cache_key_is_not_cached():
    running = state(S.RUNNING, at=ago(1))
    assert task(running, state(S.COMPLETED)).effects == []


def test_overlong_cache_key_is_rejected_but_written_like_the_reference():
    running = state(S.RUNNING, at=ago(1))
    key = "x" * 2001
    decision = task(running, state(S.COMPLETED, cache_key=key))
    assert decision.status == "REJECT"
    assert decision.reason == "Cache key exceeded maximum allowed length of 2000 characters."
    assert decision.writes_state
    assert decision.state.type is S.COMPLETED
    assert decision.effects == [CacheWrite(key, None)]


def test_cache_key_limit_is_configurable():
    running = state(S.RUNNING, at=ago(1))
    decision = task(running, state(S.COMPLETED, cache_key="abcd"), max_cache_key_length=3)
    assert decision.reason == "Cache key exceeded maximum allowed length of 3 characters."


def test_forced_completion_is_not_cached():
    running = state(S.RUNNING, at=ago(1))
    assert task(running, state(S.COMPLETED, cache_key="k"), force=True).effects == []
