"""The client under test talks to the server under test, and to nothing else.

`PREFECT_SERVER_ALLOW_EPHEMERAL_MODE=false` stops the prefect package from starting its
own (reference) server in-process when it cannot reach ours.
"""

from __future__ import annotations

import pytest

from tests.conformance.support import Api, ClientRunner, ConformanceServer
from tests.support.ports import free_port

pytestmark = pytest.mark.conformance

HELLO = """
from prefect import flow
from prefect.settings import get_current_settings

@flow(name=f"target-{SUFFIX}")
def hello():
    return "hello"

state = hello(return_state=True)
settings = get_current_settings()
report(
    flow_run_id=str(state.state_details.flow_run_id),
    result=state.result(),
    api_url=str(settings.api.url),
    ephemeral_allowed=settings.server.ephemeral.enabled,
    reference_server_loaded="prefect.server.api.server" in sys.modules,
)
"""


def test_client_uses_our_server(prefect: ClientRunner, api: Api, conformance_server: ConformanceServer) -> None:
    run = prefect.run(HELLO, suffix="ours").result
    assert run["result"] == "hello"
    assert run["api_url"] == conformance_server.api_url
    assert run["ephemeral_allowed"] is False
    assert run["reference_server_loaded"] is False

    # The flow run id was issued by the server we started: it is in our database.
    flow_run = api.flow_run(run["flow_run_id"])
    assert flow_run["state_type"] == "COMPLETED"
    assert api.flow(flow_run["flow_id"])["name"] == "target-ours"
    if conformance_server.process is not None:
        assert f"serving the Prefect API at {conformance_server.api_url}" in conformance_server.process.log()


def test_no_fallback_to_an_ephemeral_server(prefect: ClientRunner) -> None:
    """With nothing listening at PREFECT_API_URL the flow must fail, not run elsewhere."""
    nowhere = f"http://127.0.0.1:{free_port()}/api"
    done = prefect.run(
        HELLO, expect_ok=False, env={"PREFECT_API_URL": nowhere, "PREFECT_CLIENT_MAX_RETRIES": "0"}, timeout=90
    )
    assert done.returncode != 0, done.describe()
    assert "Failed to reach API" in done.stderr, done.describe()
    assert "RESULT" not in done.stdout
