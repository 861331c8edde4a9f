"""A burst of concurrent writers against the server subprocess.

16 clients, each with its own keep-alive connection, create flow runs and drive them
PENDING -> RUNNING -> COMPLETED. Bounded by a number of runs per client and a wall-clock
budget for starting new runs. No timing assertions: every request must get the status the
reference gives when it is not overloaded (201 for creates and set_state; never a 5xx or a
dropped connection), and the server must store exactly the transitions it accepted.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import httpx
import pytest

from tests.conformance.support import ConformanceServer, unique_suffix

pytestmark = pytest.mark.conformance

CLIENTS = 16
RUNS_PER_CLIENT = 25
START_BUDGET_SECONDS = 20.0
REQUEST_TIMEOUT = 30.0
PATH = ("RUNNING", "COMPLETED")


@dataclass
class Outcome:
    #: run id -> the state types the server accepted, in order (creation counts as PENDING)
    accepted: dict[str, list[str]] = field(default_factory=dict)
    #: every unexpected answer: "METHOD path -> status body", or a refused transition
    failures: list[str] = field(default_factory=list)
    requests: int = 0

    def ok(self, response: httpx.Response, expected: tuple[int, ...] = (201,)) -> bool:
        """Count the request; record it as a failure unless its status is one of `expected`."""
        self.requests += 1
        if response.status_code in expected:
            return True
        request = response.request
        self.failures.append(f"{request.method} {request.url.path} -> {response.status_code} {response.text[:300]}")
        return False


async def drive(http: httpx.AsyncClient, name: str, deadline: float, outcome: Outcome) -> None:
    try:
        response = await http.post("/flows/", json={"name": name})
        if not outcome.ok(response, (200, 201)):
            return
        flow_id = response.json()["id"]
        for _ in range(RUNS_PER_CLIENT):
            if time.monotonic() > deadline:
                return
            response = await http.post("/flow_runs/", json={"flow_id": flow_id, "state": {"type": "PENDING"}})
            if not outcome.ok(response):
                continue
            run_id = response.json()["id"]
            accepted = outcome.accepted.setdefault(run_id, ["PENDING"])
            for state_type in PATH:
                response = await http.post(f"/flow_runs/{run_id}/set_state", json={"state": {"type": state_type}})
                if not outcome.ok(response):
                    break
                body = response.json()
                if body.get("status") != "ACCEPT":
                    outcome.failures.append(
                        f"set_state {state_type} on {run_id}: {body.get('status')} {body.get('details')}"
                    )
                    break
                accepted.append(state_type)
    except httpx.TransportError as exc:
        outcome.failures.append(f"{name}: transport error {exc!r}")


async def stored_history(http: httpx.AsyncClient, run_id: str, limit: asyncio.Semaphore) -> tuple[str, list[str], str]:
    async with limit:
        states = (await http.get("/flow_run_states/", params={"flow_run_id": run_id})).json()
        run = (await http.get(f"/flow_runs/{run_id}")).json()
    history = [s["type"] for s in states]  # in the server's order, oldest first like the reference
    return run_id, history, run["state_type"]


async def test_concurrent_state_changes_are_all_stored(conformance_server: ConformanceServer) -> None:
    outcome = Outcome()
    suffix = unique_suffix()
    deadline = time.monotonic() + START_BUDGET_SECONDS
    clients = [httpx.AsyncClient(base_url=conformance_server.api_url, timeout=REQUEST_TIMEOUT) for _ in range(CLIENTS)]
    try:
        await asyncio.wait_for(
            asyncio.gather(*(drive(http, f"burst-{suffix}-{n}", deadline, outcome) for n, http in enumerate(clients))),
            timeout=START_BUDGET_SECONDS + 4 * REQUEST_TIMEOUT,
        )
    finally:
        await asyncio.gather(*(http.aclose() for http in clients))

    if outcome.failures:
        failed = "\n".join(outcome.failures[:30])
        pytest.fail(f"{len(outcome.failures)} of {outcome.requests} requests failed:\n{failed}")
    assert len(outcome.accepted) >= CLIENTS, "the burst created fewer runs than there are clients"

    async with httpx.AsyncClient(base_url=conformance_server.api_url, timeout=REQUEST_TIMEOUT) as http:
        limit = asyncio.Semaphore(8)
        stored = await asyncio.gather(*(stored_history(http, run_id, limit) for run_id in outcome.accepted))
    mismatches = [
        f"{run_id}: accepted {outcome.accepted[run_id]}, stored {history}, current {current}"
        for run_id, history, current in stored
        if history != outcome.accepted[run_id] or current != outcome.accepted[run_id][-1]
    ]
    if mismatches:
        pytest.fail(f"{len(mismatches)} of {len(stored)} runs differ:\n" + "\n".join(mismatches[:30]))
