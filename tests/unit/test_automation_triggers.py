"""Event-trigger counting (`prefect_core.automations.firing.step`), without I/O."""

from __future__ import annotations

import datetime as dt
from uuid import uuid4

from prefect_core.automations.firing import PRECEDING_EVENT_LOOKBACK, opening_bucket, step
from prefect_core.ports.automations import Bucket
from prefect_core.schemas.automations import EventTrigger, find_label
from tests.unit.event_builders import event

T0 = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)
AUTOMATION = uuid4()


def trigger(**fields) -> EventTrigger:
    return EventTrigger.model_validate({"posture": "Reactive", "expect": ["thing.happened"], **fields})


def at(seconds: float):
    return event("thing.happened", "thing.1", occurred=T0 + dt.timedelta(seconds=seconds))


def run(trig: EventTrigger, times: list[float]) -> list[bool]:
    """Feed events at the given offsets; whether each fired."""
    bucket: Bucket | None = None
    fired = []
    for seconds in times:
        ev = at(seconds)
        if bucket is None:
            bucket = opening_bucket(trig, AUTOMATION, trig.bucketing_key(ev), ev)
            assert bucket is not None
        result = step(trig, bucket, ev.occurred, ev)
        fired.append(result.fired)
        bucket = result.bucket
    return fired


def test_immediate_reactive_trigger_fires_on_every_event() -> None:
    assert run(trigger(), [0, 1, 2]) == [True, True, True]


def test_threshold_within_window_fires_once_then_waits_out_the_window() -> None:
    trig = trigger(threshold=2, within=60)
    # 2 events -> fire; the third is in the next window (starts at the end of the fired one).
    assert run(trig, [0, 10, 20]) == [False, True, False]


def test_threshold_not_met_inside_window_does_not_fire() -> None:
    trig = trigger(threshold=3, within=30)
    assert run(trig, [0, 10]) == [False, False]


def test_count_restarts_after_the_window() -> None:
    # The first window ends 60 s after the first event, so the second event opens the next one.
    trig = trigger(threshold=2, within=60)
    assert run(trig, [0, 100, 110]) == [False, False, True]


def test_events_before_the_open_window_are_ignored() -> None:
    trig = trigger(threshold=1, within=60)
    bucket = Bucket(AUTOMATION, trig.id, [], T0, T0 + dt.timedelta(seconds=60), 0)
    old = at(-1)
    result = step(trig, bucket, old.occurred, old)
    assert not result.fired and result.bucket == bucket


def test_opening_bucket_reaches_back_for_out_of_order_events() -> None:
    trig = trigger(threshold=2, within=60)
    first = at(0)
    bucket = opening_bucket(trig, AUTOMATION, [], first)
    assert bucket is not None and bucket.start == T0 - PRECEDING_EVENT_LOOKBACK
    assert step(trig, bucket, first.occurred, first).bucket.count == 1  # type: ignore[union-attr]


def test_after_opens_the_window_and_is_not_counted() -> None:
    trig = trigger(after=["thing.started"], expect=["thing.happened"], threshold=1, within=60)
    unrelated = at(0)
    assert opening_bucket(trig, AUTOMATION, [], unrelated) is None
    start = event("thing.started", "thing.1", occurred=T0)
    bucket = opening_bucket(trig, AUTOMATION, [], start)
    assert bucket is not None and bucket.count == 0
    result = step(trig, bucket, T0 + dt.timedelta(seconds=5), at(5))
    assert result.fired and result.bucket is None  # an `after` trigger waits for its next start


def test_proactive_fires_only_when_the_window_closes_short() -> None:
    trig = EventTrigger.model_validate({"posture": "Proactive", "expect": ["thing.happened"], "within": 30})
    bucket = Bucket(AUTOMATION, trig.id, [], T0, T0 + dt.timedelta(seconds=30), 0)
    early = step(trig, bucket, T0 + dt.timedelta(seconds=10), None)
    assert not early.fired and early.bucket == bucket
    late = step(trig, bucket, T0 + dt.timedelta(seconds=31), None)
    assert late.fired
    assert late.bucket is not None and late.bucket.start == T0 + dt.timedelta(seconds=31)


def test_proactive_does_not_fire_when_the_event_came() -> None:
    trig = EventTrigger.model_validate({"posture": "Proactive", "expect": ["thing.happened"], "within": 30})
    bucket = Bucket(AUTOMATION, trig.id, [], T0, T0 + dt.timedelta(seconds=30), 0)
    counted = step(trig, bucket, T0 + dt.timedelta(seconds=5), at(5))
    assert not counted.fired and counted.bucket is not None and counted.bucket.count == 1
    closed = step(trig, counted.bucket, T0 + dt.timedelta(seconds=31), None)
    assert not closed.fired


def test_covers_match_match_related_and_wildcards() -> None:
    trig = trigger(
        expect=["prefect.flow-run.*"],
        match={"prefect.resource.id": "prefect.flow-run.*"},
        match_related={"prefect.resource.role": "flow", "prefect.resource.name": "etl"},
    )
    related = [
        {"prefect.resource.id": "prefect.flow.1", "prefect.resource.role": "flow", "prefect.resource.name": "etl"}
    ]
    assert trig.covers(event("prefect.flow-run.Failed", "prefect.flow-run.1", related=related))
    assert not trig.covers(event("prefect.flow-run.Failed", "prefect.flow-run.1"))
    assert not trig.covers(event("prefect.task-run.Failed", "prefect.flow-run.1", related=related))
    negated = trigger(match={"prefect.resource.id": "!prefect.flow-run.*"})
    assert not negated.covers(event("thing.happened", "prefect.flow-run.1"))
    assert negated.covers(event("thing.happened", "other.1"))


def test_for_each_groups_by_labels_including_related() -> None:
    trig = trigger(for_each=["prefect.resource.id", "related:flow:prefect.resource.name"])
    related = [
        {"prefect.resource.id": "prefect.flow.1", "prefect.resource.role": "flow", "prefect.resource.name": "etl"}
    ]
    ev = event("thing.happened", "thing.7", related=related)
    assert trig.bucketing_key(ev) == ["thing.7", "etl"]
    assert find_label(ev, "related:flow:prefect.resource.name") == "etl"
    assert find_label(ev, "related:nope:prefect.resource.name") is None
