"""The Retry-After of a denied slot request."""

from __future__ import annotations

import random

from prefect_core.ports_concurrency import SlotWaits
from prefect_core.schemas.concurrency_limits import ConcurrencyLimitV2
from prefect_core.services.concurrency_waits import JITTER, jittered, mean_wait, retry_after

WAITS = SlotWaits(tag_seconds=10, other_seconds=30)


def limit(**fields) -> ConcurrencyLimitV2:
    return ConcurrencyLimitV2(**{"name": "x", "limit": 1, **fields})


def test_rate_limits_wait_one_decay_interval_per_queued_slot() -> None:
    assert mean_wait([limit(slot_decay_per_second=0.5, denied_slots=3)], WAITS) == 6.0


def test_steady_limits_wait_an_occupancy_per_turn_capped_by_the_setting() -> None:
    assert mean_wait([limit(limit=2, denied_slots=4, avg_slot_occupancy_seconds=3.0)], WAITS) == 6.0
    assert mean_wait([limit(denied_slots=100, avg_slot_occupancy_seconds=3.0)], WAITS) == 30.0
    tagged = limit(name="tag:db", denied_slots=100, avg_slot_occupancy_seconds=3.0)
    assert mean_wait([tagged], WAITS) == 10.0
    # a long occupancy counts only up to the cap
    assert mean_wait([limit(name="tag:db", denied_slots=1, avg_slot_occupancy_seconds=500.0)], WAITS) == 10.0


def test_the_most_contended_limit_decides() -> None:
    light = limit(name="a", limit=10, denied_slots=1, avg_slot_occupancy_seconds=1.0)
    heavy = limit(name="b", limit=1, denied_slots=5, avg_slot_occupancy_seconds=1.0)
    assert mean_wait([light, heavy], WAITS) == 5.0
    assert mean_wait([], WAITS) == 0.0


def test_jitter_stays_within_bounds_and_near_the_mean() -> None:
    rng = random.Random(7)
    draws = [jittered(4.0, rng) for _ in range(2000)]
    assert all(0 < d <= 4.0 * (1 + JITTER) + 1e-9 for d in draws)
    assert 3.0 < sum(draws) / len(draws) < 5.0
    assert jittered(0.0) == 0.0 and jittered(-1.0) == 0.0
    assert retry_after([limit(slot_decay_per_second=1.0, denied_slots=1)], WAITS, rng) > 0
