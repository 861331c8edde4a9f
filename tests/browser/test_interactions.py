"""A few things a user does in the V2 UI, end to end: what the click sends must be stored,
read back through the API, and no call on the way may fail."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.browser.support import ARTIFACTS, PageLog
from tests.conformance.support import eventually
from tests.support.server import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def _clean(log: PageLog) -> None:
    assert log.api_calls > 0
    assert not log.page_errors, log.page_errors
    assert not log.unexpected(), [vars(call) for call in log.unexpected()]


def _manual_runs(api: httpx.Client, deployment_id: str) -> list[dict[str, Any]]:
    body = {"deployments": {"id": {"any_": [deployment_id]}}}
    return [run for run in api.post("/flow_runs/filter", json=body).json() if not run["auto_scheduled"]]


def test_quick_run_from_the_deployment_page(
    ui_page: Any, page_log: PageLog, ui_base: str, ui_server: ServerProcess, ui_data: dict[str, Any], backend: str
) -> None:
    from playwright.sync_api import expect

    deployment_id = ui_data["deployment_id"]
    with httpx.Client(base_url=ui_server.api_url, timeout=30) as api:
        before = {run["id"] for run in _manual_runs(api, deployment_id)}
        ui_page.goto(f"{ui_base}/v2/deployments/deployment/{deployment_id}", wait_until="networkidle")
        ui_page.get_by_role("button", name="Run", exact=True).click()
        ui_page.get_by_role("menuitem", name="Quick run").click()
        expect(ui_page.get_by_text("scheduled").first).to_be_visible()
        new = eventually(lambda: [r for r in _manual_runs(api, deployment_id) if r["id"] not in before], bool)
    assert len(new) == 1
    run = new[0]
    assert run["state_type"] == "SCHEDULED" and run["work_pool_name"] == ui_data["work_pool_name"]
    assert run["parameters"] == {"msg": "hello"}
    ui_page.wait_for_load_state("networkidle")
    ui_page.screenshot(path=str(ARTIFACTS / f"interaction-quick-run-{backend}.png"))
    _clean(page_log)


def test_pause_and_resume_a_work_pool_from_its_page(
    ui_page: Any, page_log: PageLog, ui_base: str, ui_server: ServerProcess, ui_data: dict[str, Any], backend: str
) -> None:
    from playwright.sync_api import expect

    pool = ui_data["work_pool_name"]
    with httpx.Client(base_url=ui_server.api_url, timeout=30) as api:

        def status() -> str:
            return str(api.get(f"/work_pools/{pool}").json()["status"])

        assert status() != "PAUSED"
        ui_page.goto(f"{ui_base}/v2/work-pools/work-pool/{pool}", wait_until="networkidle")
        ui_page.get_by_role("switch", name="Pause work pool").first.click()
        assert eventually(status, lambda got: got == "PAUSED") == "PAUSED"
        expect(ui_page.get_by_role("switch", name="Resume work pool").first).to_be_visible()
        ui_page.screenshot(path=str(ARTIFACTS / f"interaction-pool-paused-{backend}.png"))
        ui_page.get_by_role("switch", name="Resume work pool").first.click()
        assert eventually(status, lambda got: got != "PAUSED") in {"READY", "NOT_READY"}
        expect(ui_page.get_by_role("switch", name="Pause work pool").first).to_be_visible()
    _clean(page_log)


def test_create_a_global_concurrency_limit_from_the_concurrency_page(
    ui_page: Any, page_log: PageLog, ui_base: str, ui_server: ServerProcess, ui_data: dict[str, Any], backend: str
) -> None:
    from playwright.sync_api import expect

    name = f"made-in-the-ui-{ui_data['global_limit_name']}"
    ui_page.goto(f"{ui_base}/v2/concurrency-limits?tab=global", wait_until="networkidle")
    ui_page.get_by_role("button", name="add global concurrency limit").click()
    dialog = ui_page.get_by_role("dialog")
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_label("Concurrency Limit").fill("3")
    dialog.get_by_role("button", name="Save").click()
    expect(ui_page.get_by_text(name).first).to_be_visible()
    with httpx.Client(base_url=ui_server.api_url, timeout=30) as api:
        stored = api.get(f"/v2/concurrency_limits/{name}")
    assert stored.status_code == 200, stored.text
    created = stored.json()
    assert created["limit"] == 3 and created["active"] is True and created["active_slots"] == 0
    ui_page.wait_for_load_state("networkidle")
    ui_page.screenshot(path=str(ARTIFACTS / f"interaction-global-limit-{backend}.png"))
    _clean(page_log)


def test_create_a_process_work_pool_in_the_wizard(
    ui_page: Any, page_log: PageLog, ui_base: str, ui_server: ServerProcess, ui_data: dict[str, Any], backend: str
) -> None:
    from playwright.sync_api import expect

    name = f"wizard-{ui_data['work_pool_name']}"
    ui_page.goto(f"{ui_base}/v2/work-pools/create", wait_until="networkidle")
    ui_page.get_by_text("Process", exact=True).click()
    ui_page.get_by_role("button", name="Next").click()
    ui_page.get_by_label("Name").fill(name)
    ui_page.get_by_role("button", name="Next").click()
    ui_page.get_by_role("button", name="Create Work Pool").click()
    ui_page.wait_for_url(f"**/v2/work-pools/work-pool/{name}**")
    expect(ui_page.get_by_text(name).first).to_be_visible()
    with httpx.Client(base_url=ui_server.api_url, timeout=30) as api:
        stored = api.get(f"/work_pools/{name}")
    assert stored.status_code == 200, stored.text
    pool = stored.json()
    assert pool["type"] == "process" and pool["is_paused"] is False
    # the process worker's template from the catalogue, as the wizard sent it
    assert set(pool["base_job_template"]["job_configuration"]) >= {"command", "env", "working_dir"}
    assert "working_dir" in pool["base_job_template"]["variables"]["properties"]
    ui_page.wait_for_load_state("networkidle")
    ui_page.screenshot(path=str(ARTIFACTS / f"interaction-pool-created-{backend}.png"))
    _clean(page_log)


def test_create_a_variable_in_its_dialog(
    ui_page: Any, page_log: PageLog, ui_base: str, ui_server: ServerProcess, ui_data: dict[str, Any], backend: str
) -> None:
    from playwright.sync_api import expect

    name = f"made_in_the_ui_{ui_data['variable_name']}"
    value = {"retries": 3, "regions": ["eu", "us"], "nested": {"on": True, "ratio": 0.5}, "none": None}
    ui_page.goto(f"{ui_base}/v2/variables", wait_until="networkidle")
    ui_page.get_by_role("button", name="Add variable").click()
    dialog = ui_page.get_by_role("dialog")
    dialog.get_by_label("Name").fill(name)
    # the value is a code editor (CodeMirror): focus it and insert the text, as a paste would
    dialog.locator(".cm-content").click()
    ui_page.keyboard.insert_text(json.dumps(value))
    tags = dialog.get_by_placeholder("Enter tags")
    for tag in ("from-the-ui", "browser"):
        tags.fill(tag)
        tags.press("Enter")
    with ui_page.expect_response(_answer_to("POST", "/api/variables/")) as answer:
        dialog.get_by_role("button", name="Create").click()
    assert answer.value.status == 201, answer.value.text()
    expect(dialog).to_be_hidden()
    expect(ui_page.get_by_text(name).first).to_be_visible()
    with httpx.Client(base_url=ui_server.api_url, timeout=30) as api:
        stored = api.get(f"/variables/name/{name}")
    assert stored.status_code == 200, stored.text
    variable = stored.json()
    assert variable["name"] == name and variable["value"] == value
    assert variable["tags"] == ["from-the-ui", "browser"]
    ui_page.wait_for_load_state("networkidle")
    ui_page.screenshot(path=str(ARTIFACTS / f"interaction-variable-created-{backend}.png"))
    _clean(page_log)


def _answer_to(method: str, path: str) -> Any:
    """A predicate for `page.expect_response`: the answer to `method path` (path as the UI sends it)."""
    return lambda response: response.request.method == method and urlsplit(response.url).path == path
