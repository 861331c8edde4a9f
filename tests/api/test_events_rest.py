"""POST /api/events, /events/filter (+ paging), /events/count-by."""

from __future__ import annotations

import datetime as dt
import uuid

from prefect_core import timeutil
from prefect_http.keys import SERVICES

NOW = timeutil.now()


def _event(name: str, resource_id: str, seconds_ago: float, related=(), **labels) -> dict:
    return {
        "occurred": timeutil.isoformat(NOW - dt.timedelta(seconds=seconds_ago)),
        "event": name,
        "resource": {"prefect.resource.id": resource_id, **labels},
        "related": list(related),
        "payload": {"n": seconds_ago},
        "id": str(uuid.uuid4()),
    }


FLOW_RUN = {"prefect.resource.id": "prefect.flow-run.r1", "prefect.resource.role": "flow-run"}
FLOW = {"prefect.resource.id": "prefect.flow.f1", "prefect.resource.role": "flow", "prefect.resource.name": "etl"}


async def _post(client, events: list[dict]) -> None:
    resp = await client.post("/api/events", json=events)
    assert resp.status == 204, await resp.text()
    await client.app[SERVICES].events.flush()


async def _filter(client, **body) -> dict:
    resp = await client.post("/api/events/filter", json=body)
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def _seed(client) -> list[dict]:
    events = [
        _event(
            "prefect.task-run.Running", "prefect.task-run.t1", 50, [FLOW_RUN, FLOW], **{"prefect.resource.name": "sq-1"}
        ),
        _event(
            "prefect.task-run.Completed",
            "prefect.task-run.t1",
            40,
            [FLOW_RUN, FLOW],
            **{"prefect.resource.name": "sq-1"},
        ),
        _event("prefect.flow-run.Completed", "prefect.flow-run.r1", 30, [FLOW], **{"prefect.resource.name": "run"}),
        _event("prefect.worker.started", "prefect.worker.process.w", 20),
        _event(
            "prefect.task-run.Completed", "prefect.task-run.t2", 10, [FLOW_RUN], **{"prefect.resource.name": "sq-2"}
        ),
    ]
    await _post(client, events)
    return events


async def test_posted_events_are_stored_once_and_listed_newest_first(client) -> None:
    events = await _seed(client)
    await _post(client, events[:2])  # redelivery
    page = await _filter(client)
    assert page["total"] == 5 and page["next_page"] is None
    assert [e["id"] for e in page["events"]] == [e["id"] for e in reversed(events)]
    stored = page["events"][-1]
    assert stored["resource"] == events[0]["resource"] and stored["related"] == events[0]["related"]
    assert stored["payload"] == {"n": 50} and stored["received"].endswith("Z")
    assert stored["occurred"] == events[0]["occurred"] and stored["follows"] is None


async def test_filter_criteria(client) -> None:
    events = await _seed(client)
    ids = lambda page: [e["id"] for e in page["events"]]  # noqa: E731
    asc = {"order": "ASC"}

    page = await _filter(client, filter={"event": {"prefix": ["prefect.task-run."]}, **asc})
    assert ids(page) == [events[0]["id"], events[1]["id"], events[4]["id"]]
    page = await _filter(
        client,
        filter={"event": {"name": ["prefect.task-run.Completed"], "exclude_prefix": ["prefect.flow-run."]}, **asc},
    )
    assert ids(page) == [events[1]["id"], events[4]["id"]]
    page = await _filter(client, filter={"resource": {"id": ["prefect.task-run.t1"]}, **asc})
    assert ids(page) == [events[0]["id"], events[1]["id"]]
    page = await _filter(client, filter={"resource": {"id_prefix": ["prefect.worker."]}})
    assert ids(page) == [events[3]["id"]]
    page = await _filter(client, filter={"resource": {"labels": {"prefect.resource.name": "sq-*"}}, **asc})
    assert ids(page) == [events[0]["id"], events[1]["id"], events[4]["id"]]
    page = await _filter(client, filter={"related": {"role": ["flow"]}, **asc})
    assert ids(page) == [events[0]["id"], events[1]["id"], events[2]["id"]]
    page = await _filter(client, filter={"related": {"id": ["prefect.flow-run.r1"]}, **asc})
    assert ids(page) == [events[0]["id"], events[1]["id"], events[4]["id"]]
    # id and role must be the same related resource
    page = await _filter(client, filter={"related": {"id": ["prefect.flow-run.r1"], "role": ["flow"]}})
    assert ids(page) == []
    page = await _filter(client, filter={"related": {"labels": {"prefect.resource.name": "etl"}}})
    assert page["total"] == 3
    page = await _filter(client, filter={"any_resource": {"id": ["prefect.flow-run.r1"]}, **asc})
    assert ids(page) == [events[0]["id"], events[1]["id"], events[2]["id"], events[4]["id"]]
    page = await _filter(client, filter={"id": {"id": [events[3]["id"]]}})
    assert ids(page) == [events[3]["id"]]
    page = await _filter(client, filter={"text": {"query": "worker"}})
    assert ids(page) == [events[3]["id"]]
    page = await _filter(
        client, filter={"occurred": {"since": events[1]["occurred"], "until": events[2]["occurred"]}, **asc}
    )
    assert ids(page) == [events[1]["id"], events[2]["id"]]
    page = await _filter(client, filter={"resource": {"id_prefix": ["prefect.task-run."], "distinct": True}})
    assert page["total"] == 2 and ids(page) == [events[4]["id"], events[1]["id"]]


async def test_paging_through_next_links(client) -> None:
    events = [_event("page.test", f"r.{i}", 100 - i) for i in range(7)]
    await _post(client, events)
    seen = []
    page = await _filter(client, filter={"order": "ASC"}, limit=3)
    pages = 1
    while True:
        assert page["total"] == 7
        seen += [e["id"] for e in page["events"]]
        if not page["next_page"]:
            break
        assert page["next_page"].startswith(str(client.make_url("/api/events/filter/next")))
        resp = await client.get(page["next_page"].replace(str(client.make_url("")), ""))
        assert resp.status == 200
        page = await resp.json()
        pages += 1
    assert pages == 3 and seen == [e["id"] for e in events]


async def test_bad_requests(client) -> None:
    assert (await client.get("/api/events/filter/next", params={"page-token": "%%%"})).status == 403
    assert (await client.get("/api/events/filter/next")).status == 422
    assert (await client.post("/api/events/filter", json={"limit": 51})).status == 422
    assert (await client.post("/api/events/filter", json={"filter": {"bogus": 1}})).status == 422
    assert (await client.post("/api/events", json=[{"event": "x", "resource": {}}])).status == 422
    no_id = _event("x", "r", 1)
    del no_id["id"]
    assert (await client.post("/api/events", json=[no_id])).status == 422
    assert (await client.post("/api/events/count-by/nonsense", json={"filter": {}})).status == 422


async def test_count_by_event_and_resource(client) -> None:
    events = await _seed(client)
    resp = await client.post("/api/events/count-by/event", json={"filter": {}})
    assert resp.status == 200
    counts = await resp.json()
    assert [(c["value"], c["count"]) for c in counts] == [
        ("prefect.task-run.Completed", 2),
        ("prefect.flow-run.Completed", 1),
        ("prefect.task-run.Running", 1),
        ("prefect.worker.started", 1),
    ]
    first = counts[0]
    assert first["label"] == first["value"]
    assert first["start_time"] == events[1]["occurred"] and first["end_time"] == events[4]["occurred"]

    counts = await (
        await client.post(
            "/api/events/count-by/resource", json={"filter": {"event": {"prefix": ["prefect.task-run."]}}}
        )
    ).json()
    assert [(c["value"], c["label"], c["count"]) for c in counts] == [
        ("prefect.task-run.t1", "sq-1", 2),
        ("prefect.task-run.t2", "sq-2", 1),
    ]
    # a residual (label) filter counts the same way
    counts = await (
        await client.post(
            "/api/events/count-by/event", json={"filter": {"resource": {"labels": {"prefect.resource.name": "sq-1"}}}}
        )
    ).json()
    assert sorted((c["value"], c["count"]) for c in counts) == [
        ("prefect.task-run.Completed", 1),
        ("prefect.task-run.Running", 1),
    ]


async def test_count_by_time(client) -> None:
    await _seed(client)
    since = (NOW - dt.timedelta(days=2)).isoformat()
    resp = await client.post("/api/events/count-by/day", json={"filter": {"occurred": {"since": since}}})
    assert resp.status == 200, await resp.text()
    counts = await resp.json()
    assert len(counts) in (3, 4) and sum(c["count"] for c in counts) == 5
    assert [c["value"] for c in counts] == [str(i) for i in range(len(counts))]
    resp = await client.post(
        "/api/events/count-by/time",
        json={
            "filter": {"occurred": {"since": (NOW - dt.timedelta(minutes=5)).isoformat()}},
            "time_unit": "minute",
            "time_interval": 1,
        },
    )
    counts = await resp.json()
    assert sum(c["count"] for c in counts) == 5
    resp = await client.post("/api/events/count-by/time", json={"filter": {}, "time_unit": "second"})
    assert resp.status == 422 and "buckets" in (await resp.json())["detail"]
