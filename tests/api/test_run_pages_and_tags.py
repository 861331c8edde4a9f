"""Flow-run pages and tag filters answer exactly what the plain queries would.

Pages take their ids first (a deferred join) and tag filters on SQLite pre-check the JSON
text before the exact element check: every sort at every offset must still give the same
runs in the same order (ties on the sort key broken by id), and a tag matches as a whole
element only, whatever characters it holds."""

from __future__ import annotations

import datetime as dt
import itertools

SORTS = [
    "ID_DESC",
    "START_TIME_ASC",
    "START_TIME_DESC",
    "EXPECTED_START_TIME_ASC",
    "EXPECTED_START_TIME_DESC",
    "NAME_ASC",
    "NAME_DESC",
    "NEXT_SCHEDULED_START_TIME_ASC",
    "END_TIME_DESC",
]


async def _runs(client, flow_id: str, tags_per_run: list[list[str]]) -> list[dict]:
    base = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    made = []
    for i, tags in enumerate(tags_per_run):
        when = base + dt.timedelta(hours=i // 3)  # three runs per time: ties on the sort key
        body = {
            "flow_id": flow_id,
            "name": f"run-{i % 4}",  # ties on the name too
            "tags": tags,
            "state": {"type": "SCHEDULED", "state_details": {"scheduled_time": when.isoformat()}},
        }
        resp = await client.post("/api/flow_runs/", json=body)
        assert resp.status == 201, await resp.text()
        made.append(await resp.json())
    return made


async def test_every_sort_pages_through_the_same_order_as_one_full_query(client) -> None:
    flow = await (await client.post("/api/flows/", json={"name": "pages"})).json()
    await _runs(client, flow["id"], [["a"] if i % 2 else ["b"] for i in range(14)])
    for sort, tagged in itertools.product(SORTS, (None, {"tags": {"all_": ["a"]}})):
        body = {"sort": sort} | ({"flow_runs": tagged} if tagged else {})
        whole = [r["id"] for r in await (await client.post("/api/flow_runs/filter", json=body)).json()]
        assert len(whole) == (7 if tagged else 14)
        assert len(set(whole)) == len(whole)
        for offset, limit in ((0, 5), (3, 4), (5, 100), (6, 1), (20, 5)):
            resp = await client.post("/api/flow_runs/filter", json=body | {"offset": offset, "limit": limit})
            assert resp.status == 200
            assert [r["id"] for r in await resp.json()] == whole[offset : offset + limit], (sort, tagged, offset)


async def test_tags_match_whole_elements_whatever_they_hold(client) -> None:
    flow = await (await client.post("/api/flows/", json={"name": "tags"})).json()
    tags = [["etl"], ["etl-daily"], ['x"etl"'], ["xetl"], ["é", "etl"], ["a/b"], ["a\\b"], ["k:v", "etl"], []]
    runs = await _runs(client, flow["id"], tags)
    by_tags = {tuple(t): r["id"] for t, r in zip(tags, runs, strict=True)}

    async def matching(criterion: dict) -> set[str]:
        resp = await client.post("/api/flow_runs/filter", json={"flow_runs": {"tags": criterion}})
        count = await (await client.post("/api/flow_runs/count", json={"flow_runs": {"tags": criterion}})).json()
        found = {r["id"] for r in await resp.json()}
        assert count == len(found)
        return found

    assert await matching({"all_": ["etl"]}) == {by_tags[("etl",)], by_tags[("é", "etl")], by_tags[("k:v", "etl")]}
    assert await matching({"all_": ["etl", "é"]}) == {by_tags[("é", "etl")]}
    assert await matching({"all_": ['x"etl"']}) == {by_tags[('x"etl"',)]}
    assert await matching({"any_": ["a/b", "a\\b"]}) == {by_tags[("a/b",)], by_tags[("a\\b",)]}
    assert await matching({"any_": ["xetl", "k:v"]}) == {by_tags[("xetl",)], by_tags[("k:v", "etl")]}
    assert await matching({"any_": ["etl-"]}) == set()
