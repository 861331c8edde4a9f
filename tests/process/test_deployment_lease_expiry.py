"""A flow run holding its deployment's only slot whose process is killed: nobody renews its
lease, nobody marks the run crashed, and still the slot comes back once the lease expires
(the server's repossessor releases it), so the deployment's next run starts."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import backend_env
from tests.support.server import start_server

pytestmark = pytest.mark.timeout(180)

#: The holder: takes the slot (PENDING, RUNNING) as a worker and flow engine would, says so,
#: and waits to be killed.
HOLDER = textwrap.dedent(
    """
    import sys, time, httpx
    api, run_id = sys.argv[1:3]
    with httpx.Client(base_url=api, timeout=10) as http:
        for state in ("PENDING", "RUNNING"):
            answer = http.post(f"/flow_runs/{run_id}/set_state", json={"state": {"type": state}}).json()
            assert answer["status"] == "ACCEPT", answer
    print("holding", flush=True)
    time.sleep(600)
    """
)


def test_a_killed_holder_frees_its_slot_when_its_lease_expires(backend: str, tmp_path: Path, request) -> None:
    env = backend_env(backend, tmp_path, request)
    env.update(
        PREFECT_SERVER_SERVICES_REPOSSESSOR_LOOP_SECONDS="1",
        PREFECT_SERVER_CONCURRENCY_INITIAL_DEPLOYMENT_LEASE_DURATION="30",  # the shortest the reference allows
        PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS="0",
    )
    server = start_server(env, tmp_path)
    try:
        with httpx.Client(base_url=server.api_url, timeout=10) as http:
            flow = http.post("/flows/", json={"name": "killed"}).json()
            body = {"name": "d", "flow_id": flow["id"], "concurrency_limit": 1}
            deployment = http.post("/deployments/", json=body).json()
            first, second = (
                http.post(f"/deployments/{deployment['id']}/create_flow_run", json={}).json()["id"] for _ in range(2)
            )
            script = tmp_path / "holder.py"
            script.write_text(HOLDER)
            holder = subprocess.Popen(
                [sys.executable, str(script), server.api_url, first], stdout=subprocess.PIPE, text=True
            )
            try:
                assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
            finally:
                holder.send_signal(signal.SIGKILL)
                holder.wait(timeout=10)

            def propose_second() -> dict:
                answer = http.post(f"/flow_runs/{second}/set_state", json={"state": {"type": "PENDING"}}).json()
                return answer

            refused = propose_second()
            assert refused["status"] == "REJECT" and refused["state"]["name"] == "AwaitingConcurrencySlot"
            deadline = time.monotonic() + 90
            answer = refused
            while time.monotonic() < deadline and answer["status"] != "ACCEPT":
                time.sleep(1)
                answer = propose_second()
            assert answer["status"] == "ACCEPT", server.log()[-3000:]
            # the killed run is still RUNNING: the slot came back from its lease alone
            assert http.get(f"/flow_runs/{first}").json()["state_type"] == "RUNNING"
            limit = http.get(f"/deployments/{deployment['id']}").json()["global_concurrency_limit"]
            assert limit["active_slots"] == 1
    finally:
        server.stop()
