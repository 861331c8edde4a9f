"""Saved searches through the client's own HTTP API (the SDK has no helper for them)."""

from __future__ import annotations

import pytest

from tests.conformance.support import Api, ClientRunner, unique_suffix

pytestmark = pytest.mark.conformance

ROUND_TRIP = """
from prefect.client.orchestration import get_client
from prefect.exceptions import PrefectHTTPStatusError

name = f"nightly-{SUFFIX}"
crit = {"object": "flow_run", "property": "tags", "type": "string", "operation": "contains", "value": "nightly"}
with get_client(sync_client=True) as client:
    first = client.request("PUT", "/saved_searches/", json={"name": name, "filters": [crit]})
    again = client.request("PUT", "/saved_searches/", json={"name": name, "filters": [crit, crit]})
    read = client.request("GET", "/saved_searches/{id}", path_params={"id": first.json()["id"]}).json()
    listed = client.request("POST", "/saved_searches/filter", json={"limit": 200}).json()
    client.request("DELETE", "/saved_searches/{id}", path_params={"id": read["id"]})
    try:
        client.request("GET", "/saved_searches/{id}", path_params={"id": read["id"]})
        gone = 200
    except PrefectHTTPStatusError as exc:
        gone = exc.response.status_code
report(
    statuses=[first.status_code, again.status_code],
    same_id=first.json()["id"] == again.json()["id"] == read["id"],
    filters=read["filters"],
    listed=[s["name"] for s in listed],
    gone=gone,
)
"""


def test_saved_search_round_trip(prefect: ClientRunner, api: Api) -> None:
    suffix = unique_suffix()
    result = prefect.run(ROUND_TRIP, suffix=suffix).result
    crit = {"object": "flow_run", "property": "tags", "type": "string", "operation": "contains", "value": "nightly"}
    assert result["statuses"] == [201, 200] and result["same_id"]
    assert result["filters"] == [crit, crit]
    assert f"nightly-{suffix}" in result["listed"]
    assert result["gone"] == 404
    assert all(s["name"] != f"nightly-{suffix}" for s in api.post("/saved_searches/filter", {}))
