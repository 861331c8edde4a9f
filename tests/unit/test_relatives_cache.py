"""The cache of flow runs' relatives: entries expire after their ttl, the oldest go first
beyond the bound, and a ttl of 0 keeps nothing."""

from __future__ import annotations

from uuid import uuid4

from prefect_core.events.relatives_cache import RelativesCache
from prefect_core.ports import FlowRunRelatives, Relative


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _relatives(name: str) -> FlowRunRelatives:
    return FlowRunRelatives(flow=Relative(id=uuid4(), name=name))


def _key() -> tuple:
    return (uuid4(), None, None, None)


def test_an_entry_is_answered_until_its_ttl_has_passed() -> None:
    clock = Clock()
    cache = RelativesCache(ttl_seconds=300, clock=clock)
    key, relatives = _key(), _relatives("etl")
    cache.put(key, relatives)
    clock.now += 299.9
    assert cache.get(key) is relatives
    clock.now += 0.1
    assert cache.get(key) is None
    assert cache.size() == 0  # the expired entry is dropped when asked for


def test_a_key_that_differs_in_any_part_is_another_entry() -> None:
    cache = RelativesCache(ttl_seconds=300)
    flow_id, queue_id = uuid4(), uuid4()
    cache.put((flow_id, None, None, None), _relatives("etl"))
    # The same run moved to a work queue: its relatives are read afresh.
    assert cache.get((flow_id, None, queue_id, None)) is None


def test_beyond_its_bound_the_least_recently_stored_entries_go() -> None:
    cache = RelativesCache(ttl_seconds=300, max_entries=2)
    first, second, third = _key(), _key(), _key()
    cache.put(first, _relatives("a"))
    cache.put(second, _relatives("b"))
    cache.put(first, _relatives("a2"))  # stored again: now the most recent
    cache.put(third, _relatives("c"))
    assert cache.get(second) is None
    assert cache.get(first) is not None and cache.get(first).flow.name == "a2"  # type: ignore[union-attr]
    assert cache.get(third) is not None
    assert cache.size() == 2


def test_a_ttl_of_zero_keeps_nothing() -> None:
    cache = RelativesCache(ttl_seconds=0)
    key = _key()
    cache.put(key, _relatives("etl"))
    assert cache.get(key) is None and cache.size() == 0
