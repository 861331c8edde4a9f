"""/automations and /templates/validate through the aiohttp test client."""

from __future__ import annotations

import uuid

import pytest

from prefect_http.keys import SERVICES

DEPLOYMENT_ID = str(uuid.uuid4())


def _automation(name: str = "a", **fields) -> dict:
    body = {
        "name": name,
        "trigger": {
            "type": "event",
            "posture": "Reactive",
            "expect": ["my.event"],
            "match": {"prefect.resource.id": "my.resource.*"},
            "threshold": 1,
            "within": 0,
        },
        "actions": [{"type": "do-nothing"}],
    }
    body.update(fields)
    return body


async def _create(client, **fields) -> dict:
    resp = await client.post("/api/automations/", json=_automation(**fields))
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def test_create_read_replace_patch_delete(client) -> None:
    sent_trigger_id = str(uuid.uuid4())
    body = _automation("first", tags=["t1"])
    body["trigger"]["id"] = sent_trigger_id
    created = await (await client.post("/api/automations/", json=body)).json()
    assert created["name"] == "first" and created["enabled"] is True and created["tags"] == ["t1"]
    assert created["trigger"]["id"] != sent_trigger_id  # the server owns trigger ids
    assert created["trigger"]["within"] == 0.0 and created["trigger"]["expect"] == ["my.event"]
    assert created["actions"] == [{"type": "do-nothing"}]
    assert created["created"] and created["updated"]

    read = await (await client.get(f"/api/automations/{created['id']}")).json()
    assert read == created

    replacement = _automation(
        "renamed", description="new", actions=[{"type": "pause-deployment", "deployment_id": DEPLOYMENT_ID}]
    )
    resp = await client.put(f"/api/automations/{created['id']}", json=replacement)
    assert resp.status == 204
    read = await (await client.get(f"/api/automations/{created['id']}")).json()
    assert read["name"] == "renamed" and read["description"] == "new" and read["created"] == created["created"]
    assert read["actions"] == [{"type": "pause-deployment", "source": "selected", "deployment_id": DEPLOYMENT_ID}]

    assert (await client.patch(f"/api/automations/{created['id']}", json={"enabled": False})).status == 204
    assert (await (await client.get(f"/api/automations/{created['id']}")).json())["enabled"] is False
    assert (await client.patch(f"/api/automations/{created['id']}", json={})).status == 204
    assert (await (await client.get(f"/api/automations/{created['id']}")).json())["enabled"] is True

    assert (await client.delete(f"/api/automations/{created['id']}")).status == 204
    missing = await client.get(f"/api/automations/{created['id']}")
    assert missing.status == 404 and await missing.json() == {"detail": "Automation not found"}
    assert (await client.delete(f"/api/automations/{created['id']}")).status == 404
    assert (await client.patch(f"/api/automations/{created['id']}", json={"enabled": True})).status == 404
    assert (await client.put(f"/api/automations/{created['id']}", json=replacement)).status == 404


async def test_not_a_uuid_is_404(client) -> None:
    assert (await client.get("/api/automations/not-a-uuid")).status == 404


@pytest.mark.parametrize(
    "change",
    [
        {"trigger": {"posture": "Sideways"}},
        {"trigger": {"posture": "Proactive", "within": 5}},
        {"trigger": {"type": "compound", "require": 3, "within": None, "triggers": [{"posture": "Reactive"}]}},
        {"actions": [{"type": "run-deployment"}]},
        {"actions": [{"type": "run-deployment", "source": "inferred", "deployment_id": DEPLOYMENT_ID}]},
        {"actions": [{"type": "no-such-action"}]},
        {"unknown_field": 1},
        {"name": None},
    ],
)
async def test_invalid_automations_are_422(client, change) -> None:
    resp = await client.post("/api/automations/", json=_automation(**change))
    assert resp.status == 422
    body = await resp.json()
    assert body["exception_message"] == "Invalid request received." and body["exception_detail"]
    assert await (await client.post("/api/automations/count", json={})).json() == 0


async def test_run_deployment_loops_are_refused(client) -> None:
    body = _automation(
        trigger={"posture": "Reactive", "expect": ["prefect.flow-run.Running"]},
        actions=[{"type": "run-deployment", "source": "inferred"}],
    )
    resp = await client.post("/api/automations/", json=body)
    assert resp.status == 422
    assert "infinite loop" in str(await resp.json())


async def test_proactive_within_defaults_to_ten_seconds(client) -> None:
    created = await _create(client, trigger={"posture": "Proactive", "expect": ["x"]})
    assert created["trigger"]["within"] == 10.0


async def test_compound_and_sequence_round_trip(client) -> None:
    child = {"posture": "Reactive", "expect": ["a"]}
    created = await _create(
        client,
        trigger={"type": "compound", "require": "all", "within": 60, "triggers": [child, {**child, "expect": ["b"]}]},
    )
    assert created["trigger"]["require"] == "all" and created["trigger"]["within"] == 60.0
    assert [t["expect"] for t in created["trigger"]["triggers"]] == [["a"], ["b"]]
    seq = await _create(client, name="s", trigger={"type": "sequence", "within": None, "triggers": [child]})
    assert seq["trigger"]["type"] == "sequence" and seq["trigger"]["within"] is None


async def test_filter_sort_count_and_tags(client) -> None:
    for name, tags in (("b", ["x"]), ("a", ["x", "y"]), ("c", [])):
        await _create(client, name=name, tags=tags)
    names = [a["name"] for a in await (await client.post("/api/automations/filter", json={})).json()]
    assert names == ["a", "b", "c"]
    desc = await (await client.post("/api/automations/filter", json={"sort": "NAME_DESC", "limit": 2})).json()
    assert [a["name"] for a in desc] == ["c", "b"]
    by_name = await client.post("/api/automations/filter", json={"automations": {"name": {"any_": ["b"]}}})
    assert [a["name"] for a in await by_name.json()] == ["b"]
    tagged = await client.post("/api/automations/count", json={"automations": {"tags": {"all_": ["x", "y"]}}})
    assert await tagged.json() == 1
    assert await (await client.post("/api/automations/count")).json() == 3
    bad = await client.post("/api/automations/filter", json={"sort": "SIDEWAYS"})
    assert bad.status == 422


async def test_related_to_and_owned_by(client) -> None:
    owner = f"prefect.deployment.{DEPLOYMENT_ID}"
    assert await (await client.get(f"/api/automations/related-to/{owner}")).json() == []
    owned = await _create(client, name="owned", owner_resource=owner)
    runs_it = await _create(
        client, name="runs", actions=[{"type": "run-deployment", "deployment_id": DEPLOYMENT_ID, "parameters": {}}]
    )
    await _create(client, name="other")
    related = await (await client.get(f"/api/automations/related-to/{owner}")).json()
    assert sorted(a["id"] for a in related) == sorted([owned["id"], runs_it["id"]])
    resp = await client.delete(f"/api/automations/owned-by/{owner}")
    assert resp.status == 202
    left = [a["name"] for a in await (await client.post("/api/automations/filter", json={})).json()]
    assert left == ["other", "runs"]
    # Nothing owned: still 202.
    assert (await client.delete(f"/api/automations/owned-by/prefect.deployment.{uuid.uuid4()}")).status == 202


async def test_template_validation(client) -> None:
    for path in ("/api/templates/validate", "/api/automations/templates/validate"):
        assert (await client.post(path, json="Hello {{ event.id }}")).status == 204
        assert (await client.post(path)).status == 204
        bad = await client.post(path, json="Hello\n{{ event.id ")
        assert bad.status == 422
        body = await bad.json()
        assert body["error"]["line"] == 2 and body["error"]["source"] == "Hello\n{{ event.id "
        assert body["error"]["message"]
        nested = "{% for a in x %}{% for b in a %}{% for c in b %}{% endfor %}{% endfor %}{% endfor %}"
        deep = await (await client.post(path, json=nested)).json()
        assert "nested for loops" in deep["error"]["message"]
        assert (await client.post(path, json=42)).status == 422


async def test_lifecycle_events_are_stored(client) -> None:
    created = await _create(client, name="evented")
    await client.delete(f"/api/automations/{created['id']}")
    await client.app[SERVICES].events.flush()
    resp = await client.post(
        "/api/events/filter",
        json={
            "filter": {
                "event": {"prefix": ["prefect.automation."]},
                "resource": {"id": [f"prefect.automation.{created['id']}"]},
            }
        },
    )
    names = sorted(e["event"] for e in (await resp.json())["events"])
    assert names == ["prefect.automation.created", "prefect.automation.deleted"]


async def test_enabling_a_looping_automation_is_422(client) -> None:
    body = _automation(
        "loop",
        enabled=False,
        trigger={"posture": "Reactive", "expect": ["prefect.flow-run.Running"]},
        actions=[{"type": "run-deployment", "source": "inferred"}],
    )
    created = await (await client.post("/api/automations/", json=body)).json()
    resp = await client.patch(f"/api/automations/{created['id']}", json={"enabled": True})
    assert resp.status == 422 and "infinite loop" in str(await resp.json())
    assert (await (await client.get(f"/api/automations/{created['id']}")).json())["enabled"] is False
