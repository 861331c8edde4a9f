"""EventFilter.includes: the matching used for live /events/out streams."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from prefect_core import timeutil
from prefect_core.schemas.event_filters import EventFilter, label_matches, parse_text_query
from tests.unit.event_builders import event

NOW = timeutil.now()

FLOW_RUN = {
    "prefect.resource.id": "prefect.flow-run.abc",
    "prefect.resource.role": "flow-run",
    "prefect.resource.name": "casual-skink",
}
FLOW = {"prefect.resource.id": "prefect.flow.f1", "prefect.resource.role": "flow", "prefect.resource.name": "a-parent"}
TAG = {"prefect.resource.id": "prefect.tag.db", "prefect.resource.role": "tag"}


def _task_event(name: str = "prefect.task-run.Completed"):
    # A second ago: a filter's `until` defaults to the moment it was made.
    return event(
        name,
        "prefect.task-run.t1",
        occurred=NOW - dt.timedelta(seconds=1),
        related=[FLOW_RUN, FLOW],
        **{"prefect.resource.name": "square-0"},
    )


def f(**body) -> EventFilter:
    return EventFilter.model_validate(body)


def test_an_empty_filter_takes_recent_events_only() -> None:
    assert f().includes(_task_event())
    assert not f().includes(event(occurred=NOW - dt.timedelta(days=200)))
    # `until` defaults to "now": later events are not included, as in the reference.
    assert not f().includes(event(occurred=NOW + dt.timedelta(hours=1)))


def test_occurred_bounds_are_inclusive() -> None:
    e = event(occurred=NOW)
    assert f(occurred={"since": NOW.isoformat(), "until": NOW.isoformat()}).includes(e)
    assert not f(occurred={"since": (NOW + dt.timedelta(microseconds=1)).isoformat()}).includes(e)


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({"prefix": ["prefect.task-run."]}, True),
        ({"prefix": ["prefect.flow-run."]}, False),
        ({"exclude_prefix": ["prefect.task-run."]}, False),
        ({"name": ["prefect.task-run.Completed", "prefect.task-run.Failed"]}, True),
        ({"name": ["prefect.task-run.Failed"]}, False),
        ({"exclude_name": ["prefect.task-run.Completed"]}, False),
        ({"prefix": ["prefect."], "exclude_name": ["prefect.task-run.Failed"]}, True),
    ],
)
def test_event_name_criteria(criteria, expected) -> None:
    assert f(event=criteria).includes(_task_event()) is expected


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({"id": ["prefect.task-run.t1"]}, True),
        ({"id": ["prefect.task-run.t2"]}, False),
        ({"id_prefix": ["prefect.task-run."]}, True),
        ({"labels": {"prefect.resource.name": "square-*"}}, True),
        ({"labels": {"prefect.resource.name": ["nope", "sq?are-0"]}}, True),
        ({"labels": {"prefect.resource.name": "!square-*"}}, False),
        ({"labels": {"prefect.missing": "*"}}, False),
        ({"labels": {"prefect.resource.name": []}}, False),
    ],
)
def test_resource_criteria(criteria, expected) -> None:
    assert f(resource=criteria).includes(_task_event()) is expected


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({"id": ["prefect.flow-run.abc"]}, True),
        ({"role": ["flow"]}, True),
        ({"role": ["deployment"]}, False),
        ({"id": ["prefect.flow-run.abc"], "role": ["flow-run"]}, True),
        # id and role must hold for the same related resource
        ({"id": ["prefect.flow-run.abc"], "role": ["flow"]}, False),
        ({"resources_in_roles": [["prefect.flow.f1", "flow"]]}, True),
        ({"resources_in_roles": [["prefect.flow.f1", "flow-run"]]}, False),
        ({"labels": {"prefect.resource.name": "a-*"}}, True),
        # the primary resource is not a related one
        ({"id": ["prefect.task-run.t1"]}, False),
    ],
)
def test_related_criteria(criteria, expected) -> None:
    assert f(related=criteria).includes(_task_event()) is expected


def test_a_list_of_related_filters_must_all_hold() -> None:
    e = _task_event()
    assert f(related=[{"role": ["flow"]}, {"role": ["flow-run"]}]).includes(e)
    assert not f(related=[{"role": ["flow"]}, {"role": ["tag"]}]).includes(e)


def test_any_resource_looks_at_primary_and_related() -> None:
    e = _task_event()
    assert f(any_resource={"id": ["prefect.task-run.t1"]}).includes(e)
    assert f(any_resource={"id_prefix": ["prefect.flow."]}).includes(e)
    assert f(any_resource={"labels": {"prefect.resource.role": "flow-run"}}).includes(e)
    assert not f(any_resource={"id": ["prefect.deployment.x"]}).includes(e)
    assert not f(any_resource=[{"id_prefix": ["prefect.flow."]}, {"id_prefix": ["prefect.tag."]}]).includes(e)


def test_ids_and_text() -> None:
    e = _task_event()
    assert f(id={"id": [str(e.id)]}).includes(e)
    assert not f(id={"id": [str(event().id)]}).includes(e)
    assert f(text={"query": "SKINK"}).includes(e)
    assert f(text={"query": "nothing skink"}).includes(e)
    assert not f(text={"query": "skink -square"}).includes(e)
    assert not f(text={"query": "+skink +nothing"}).includes(e)


def test_text_query_parsing() -> None:
    q = parse_text_query('error -debug !trace +must "connection timeout" -"a \\"b\\"" - lone')
    assert q.include == ["error", "connection timeout", "lone"]
    assert q.exclude == ["debug", "trace", 'a "b"']
    assert q.required == ["must"]


def test_label_globs() -> None:
    assert label_matches("prefect.flow-run.*", "prefect.flow-run.1")
    assert not label_matches("!prefect.flow-run.*", "prefect.flow-run.1")
    assert label_matches("!x", "y")
    assert not label_matches("*", None)
    assert not label_matches("Prefect*", "prefect")  # case matters


def test_unknown_fields_are_rejected_like_the_reference() -> None:
    with pytest.raises(ValidationError):
        f(events={"name": ["x"]})
    with pytest.raises(ValidationError):
        f(event={"names": ["x"]})


def test_the_clients_own_filter_round_trips() -> None:
    from prefect.events.filters import EventFilter as ClientFilter
    from prefect.events.filters import EventNameFilter, EventOccurredFilter

    client = ClientFilter(
        event=EventNameFilter(name=["prefect.task-run.Completed"]),
        occurred=EventOccurredFilter(since=NOW - dt.timedelta(minutes=1), until=NOW + dt.timedelta(days=365)),
    )
    ours = EventFilter.model_validate(client.model_dump(mode="json"))
    assert ours.includes(_task_event())
    assert not ours.includes(_task_event("prefect.task-run.Running"))
