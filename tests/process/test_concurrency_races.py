"""Racing clients on concurrency limits, against server subprocesses: a limit's slots are
never given past the limit or below zero, and a lease's slots are given back once.

On PostgreSQL the clients are spread over two server processes on one database, so the
guarantees hold across processes (and leases granted by one are renewed and released
through the other). SQLite runs one server process per file, as supported.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
import pytest

from tests.conftest import backend_env
from tests.support.server import ServerProcess, start_server

pytestmark = pytest.mark.timeout(180)

CLIENTS = 12
ROUNDS = 8
LIMIT = 3


@pytest.fixture(scope="module")
def servers(
    backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[list[ServerProcess]]:
    workdir = tmp_path_factory.mktemp(f"conc-races-{backend}")
    env = backend_env(backend, workdir, request)
    env["PREFECT_SERVER_SERVICES_REPOSSESSOR_ENABLED"] = "false"
    # runs of a full deployment are due again at once (a run may not start before it is due)
    env["PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS"] = "0"
    started = [start_server(env, workdir)]
    try:
        if backend == "postgres":
            started.append(start_server(env, workdir))
        yield started
    finally:
        for process in started:
            process.stop()


@asynccontextmanager
async def clients(servers: list[ServerProcess]) -> AsyncIterator[list[httpx.AsyncClient]]:
    async with AsyncExitStack() as stack:
        yield [
            await stack.enter_async_context(httpx.AsyncClient(base_url=servers[i % len(servers)].api_url, timeout=60))
            for i in range(CLIENTS)
        ]


async def _ok(resp: httpx.Response, *expected: int) -> Any:
    assert resp.status_code in (expected or (200, 201)), f"{resp.request.url}: {resp.status_code} {resp.text}"
    return resp.json() if resp.content else None


async def _active(http: httpx.AsyncClient, name: str) -> int:
    return (await _ok(await http.get(f"/v2/concurrency_limits/{name}")))["active_slots"]


async def test_holders_never_exceed_the_limit(servers: list[ServerProcess]) -> None:
    """Every client takes a slot (with a lease, or plainly), holds it for a moment and gives
    it back, ROUNDS times. Counted on the clients' side between grant and release, the
    holders are never more than the limit; the server ends with no slot taken."""
    name = f"race-{uuid.uuid4().hex[:8]}"
    async with clients(servers) as https:
        await _ok(await https[0].post("/v2/concurrency_limits/", json={"name": name, "limit": LIMIT}), 201)
        holding, peak, denied, errors = 0, 0, 0, []

        async def one(index: int, http: httpx.AsyncClient) -> None:
            nonlocal holding, peak, denied
            with_lease = index % 2 == 0
            for _ in range(ROUNDS):
                while True:
                    if with_lease:
                        resp = await http.post(
                            "/v2/concurrency_limits/increment-with-lease", json={"names": [name], "slots": 1}
                        )
                    else:
                        resp = await http.post("/v2/concurrency_limits/increment", json={"names": [name], "slots": 1})
                    if resp.status_code == 423:
                        denied += 1
                        await asyncio.sleep(0.01)
                        continue
                    if resp.status_code != 200:
                        errors.append(f"{resp.status_code} {resp.text[:200]}")
                        return
                    break
                holding += 1
                peak = max(peak, holding)
                await asyncio.sleep(0.02)
                holding -= 1  # before the release is sent: the server still counts this slot
                if with_lease:
                    body = {"lease_id": resp.json()["lease_id"]}
                    await _ok(await http.post("/v2/concurrency_limits/decrement-with-lease", json=body), 204)
                else:
                    body = {"names": [name], "slots": 1, "occupancy_seconds": 0.02}
                    await _ok(await http.post("/v2/concurrency_limits/decrement", json=body))

        await asyncio.gather(*(one(i, http) for i, http in enumerate(https)))
        assert not errors, errors[:5]
        # Contended, and never past the limit. Whether the race also filled it (LIMIT grants
        # within one 20 ms hold) depends on the machine's load, so that the limit is not
        # stricter than LIMIT is checked below, in turn.
        assert 0 < peak <= LIMIT and denied > 0, (peak, denied)
        taken = [
            await _ok(
                await https[0].post("/v2/concurrency_limits/increment-with-lease", json={"names": [name], "slots": 1})
            )
            for _ in range(LIMIT)
        ]
        refused = await https[-1].post("/v2/concurrency_limits/increment", json={"names": [name], "slots": 1})
        assert refused.status_code == 423, refused.text
        for grant in taken:
            body = {"lease_id": grant["lease_id"]}
            await _ok(await https[0].post("/v2/concurrency_limits/decrement-with-lease", json=body), 204)
        assert [await _active(http, name) for http in https[: len(servers)]] == [0] * len(servers)


async def test_a_lease_is_given_back_once(servers: list[ServerProcess]) -> None:
    """Every client releases the same lease at once (and renews it), on every server."""
    name = f"once-{uuid.uuid4().hex[:8]}"
    async with clients(servers) as https:
        await _ok(await https[0].post("/v2/concurrency_limits/", json={"name": name, "limit": 5}), 201)
        leases = []
        for http in https[:3]:
            body = {"names": [name], "slots": 1}
            leases.append(
                (await _ok(await http.post("/v2/concurrency_limits/increment-with-lease", json=body)))["lease_id"]
            )
        # Granted by one server, renewed through every other.
        for http in https[: len(servers)]:
            await _ok(await http.post(f"/v2/concurrency_limits/leases/{leases[0]}/renew", json={}), 204)
        answers = await asyncio.gather(
            *(http.post("/v2/concurrency_limits/decrement-with-lease", json={"lease_id": leases[0]}) for http in https)
        )
        assert {resp.status_code for resp in answers} == {204}
        assert await _active(https[-1], name) == 2
        # Plain decrements racing past zero stop at zero.
        await asyncio.gather(
            *(http.post("/v2/concurrency_limits/decrement", json={"names": [name], "slots": 1}) for http in https)
        )
        assert await _active(https[0], name) == 0
        gone = await https[-1].post(f"/v2/concurrency_limits/leases/{leases[0]}/renew", json={})
        assert gone.status_code == 410


async def test_deployment_runs_racing_for_slots_never_exceed_the_limit(servers: list[ServerProcess]) -> None:
    """Runs of a deployment with `concurrency_limit=LIMIT` (on PostgreSQL spread over two
    server processes) propose PENDING all at once, round after round: each round at most
    LIMIT are let in, the winners finish and give their slots back, and the losers (put back
    as "AwaitingConcurrencySlot") try again until every run has completed."""
    async with clients(servers) as https:
        flow = await _ok(await https[0].post("/flows/", json={"name": f"dep-race-{uuid.uuid4().hex[:8]}"}))
        body = {"name": "d", "flow_id": flow["id"], "concurrency_limit": LIMIT}
        deployment = await _ok(await https[0].post("/deployments/", json=body))
        runs = [
            (await _ok(await https[0].post(f"/deployments/{deployment['id']}/create_flow_run", json={})))["id"]
            for _ in range(CLIENTS)
        ]
        limit_name = f"deployment:{deployment['id']}"

        async def propose(http: httpx.AsyncClient, run_id: str, type_: str) -> dict:
            return await _ok(await http.post(f"/flow_runs/{run_id}/set_state", json={"state": {"type": type_}}))

        waiting = list(runs)
        for _ in range(CLIENTS):  # every round lets at least one run through
            answers = await asyncio.gather(
                *(propose(https[i % CLIENTS], run_id, "PENDING") for i, run_id in enumerate(waiting))
            )
            winners = [run_id for run_id, a in zip(waiting, answers, strict=True) if a["status"] == "ACCEPT"]
            assert 1 <= len(winners) <= LIMIT, answers
            assert all(a["state"]["name"] == "AwaitingConcurrencySlot" for a in answers if a["status"] == "REJECT")
            assert await _active(https[0], limit_name) == len(winners)
            for i, run_id in enumerate(winners):
                assert (await propose(https[i], run_id, "RUNNING"))["status"] == "ACCEPT"
                assert (await propose(https[-1 - i], run_id, "COMPLETED"))["status"] == "ACCEPT"
            waiting = [run_id for run_id in waiting if run_id not in winners]
            if not waiting:
                break
        assert not waiting
        assert await _active(https[-1], limit_name) == 0
