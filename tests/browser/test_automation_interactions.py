"""Automations made and changed in the V2 UI, end to end: the wizard's trigger and actions, and
the list's enable switch, must be stored as the user chose them (read back through the API)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.browser.support import ARTIFACTS, PageLog, choose
from tests.support.server import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def _clean(log: PageLog) -> None:
    assert log.api_calls > 0
    assert not log.page_errors, log.page_errors
    assert not log.unexpected(), [vars(call) for call in log.unexpected()]


def _answer_to(method: str, path: str) -> Any:
    return lambda response: response.request.method == method and urlsplit(response.url).path == path


def _by_name(api: httpx.Client, name: str) -> list[dict[str, Any]]:
    found = api.post("/automations/filter", json={"automations": {"name": {"any_": [name]}}})
    assert found.status_code == 200, found.text
    return list(found.json())


def test_create_an_automation_in_the_wizard(
    ui_page: Any, page_log: PageLog, ui_base: str, ui_server: ServerProcess, ui_data: dict[str, Any], backend: str
) -> None:
    """A flow run state trigger on one flow (the failing one, which never runs again, so the
    automation never fires during the tests) entering Crashed, and two actions: cancel the
    run, pause the pool's default queue."""
    from playwright.sync_api import expect

    name = f"wizard-{ui_data['automation_name']}"
    page = ui_page
    page.goto(f"{ui_base}/v2/automations/create", wait_until="networkidle")
    # step 1: the trigger
    choose(page, page.get_by_label("Trigger Template"), "Flow run state")
    page.get_by_role("button", name="All flows").click()
    page.get_by_placeholder("Search flows...").fill(ui_data["failed_flow_name"])
    page.get_by_role("option", name=ui_data["failed_flow_name"]).click()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Any state").click()
    page.get_by_placeholder("Search states...").fill("Crashed")
    page.get_by_role("option", name="Crashed").click()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Next").click()
    # step 2: the actions
    action = page.get_by_role("combobox", name="select action")
    choose(page, action.first, "Cancel a flow run")
    page.get_by_role("button", name="Add Action").click()
    choose(page, action.nth(1), "Pause a work queue")
    page.get_by_role("button", name="Select Work Queue to Pause").click()
    # the queues are listed under their pool's name, and every pool has a queue "default"
    # (the innermost element holding the pool's heading is its group)
    heading = page.get_by_role("option", name=ui_data["work_pool_name"], exact=True)
    group = page.locator("div").filter(has=heading).last
    group.get_by_role("option", name=ui_data["work_queue_name"], exact=True).click()
    page.get_by_role("button", name="Next").click()
    # step 3: the details
    page.get_by_label("Automation Name").fill(name)
    with page.expect_response(_answer_to("POST", "/api/automations/")) as answer:
        page.get_by_role("button", name="Save", exact=True).click()
    assert answer.value.status == 201, answer.value.text()
    page.wait_for_url("**/v2/automations")
    expect(page.get_by_text(name).first).to_be_visible()

    with httpx.Client(base_url=ui_server.api_url, timeout=30) as api:
        found = _by_name(api, name)
    assert len(found) == 1, found
    automation = found[0]
    assert automation["enabled"] is True
    trigger = automation["trigger"]
    assert trigger["type"] == "event" and trigger["posture"] == "Reactive" and trigger["threshold"] == 1
    assert trigger["match"] == {"prefect.resource.id": "prefect.flow-run.*"}
    assert trigger["match_related"] == {
        "prefect.resource.role": "flow",
        "prefect.resource.id": [f"prefect.flow.{ui_data['failed_flow_id']}"],
    }
    assert trigger["expect"] == ["prefect.flow-run.Crashed"]
    assert trigger["for_each"] == ["prefect.resource.id"]
    actions = automation["actions"]
    assert [action["type"] for action in actions] == ["cancel-flow-run", "pause-work-queue"]
    assert actions[1]["source"] == "selected" and actions[1]["work_queue_id"] == ui_data["work_queue_id"]
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(ARTIFACTS / f"interaction-automation-created-{backend}.png"), full_page=True)
    _clean(page_log)


def test_disable_and_enable_an_automation_from_the_list(
    ui_page: Any, page_log: PageLog, ui_base: str, ui_server: ServerProcess, ui_data: dict[str, Any], backend: str
) -> None:
    from playwright.sync_api import expect

    name, automation_id = ui_data["automation_name"], ui_data["automation_id"]
    with httpx.Client(base_url=ui_server.api_url, timeout=30) as api:

        def enabled() -> bool:
            return bool(api.get(f"/automations/{automation_id}").json()["enabled"])

        assert enabled() is True
        ui_page.goto(f"{ui_base}/v2/automations", wait_until="networkidle")
        switch = ui_page.get_by_label(f"automation item {name}").get_by_role("switch", name="toggle automation")
        expect(switch).to_be_checked()
        with ui_page.expect_response(_answer_to("PATCH", f"/api/automations/{automation_id}")) as answer:
            switch.click()
        assert answer.value.status == 204, answer.value.text()
        assert enabled() is False
        expect(switch).not_to_be_checked()
        ui_page.screenshot(path=str(ARTIFACTS / f"interaction-automation-disabled-{backend}.png"))
        with ui_page.expect_response(_answer_to("PATCH", f"/api/automations/{automation_id}")) as answer:
            switch.click()
        assert answer.value.status == 204, answer.value.text()
        assert enabled() is True
        expect(switch).to_be_checked()
        # the rest of the automation is left as it was
        stored = api.get(f"/automations/{automation_id}").json()
    assert [action["type"] for action in stored["actions"]] == ["run-deployment", "pause-work-queue"]
    assert stored["trigger"]["expect"] == ["browser.test.never-emitted"]
    _clean(page_log)


def test_edit_an_automation_in_the_wizard(
    ui_page: Any, page_log: PageLog, ui_base: str, ui_server: ServerProcess, ui_data: dict[str, Any], backend: str
) -> None:
    """The edit wizard sends the whole automation back (PUT) as it read it, with the change:
    what we serve must survive the UI's own form unchanged."""
    automation_id = ui_data["automation_id"]
    description = f"edited in the UI ({backend})"
    with httpx.Client(base_url=ui_server.api_url, timeout=30) as api:
        before = api.get(f"/automations/{automation_id}").json()
        ui_page.goto(f"{ui_base}/v2/automations/automation/{automation_id}/edit", wait_until="networkidle")
        ui_page.get_by_role("button", name="Next").click()
        ui_page.get_by_role("button", name="Next").click()
        ui_page.get_by_label("Description (Optional)").fill(description)
        with ui_page.expect_response(_answer_to("PUT", f"/api/automations/{automation_id}")) as answer:
            ui_page.get_by_role("button", name="Save", exact=True).click()
        assert answer.value.status == 204, answer.value.text()
        ui_page.wait_for_url("**/v2/automations")
        after = api.get(f"/automations/{automation_id}").json()
    assert after["description"] == description
    assert after["name"] == before["name"] and after["enabled"] == before["enabled"]
    # the form sends the trigger without its id, so it gets a new one (as with the reference)
    assert {**after["trigger"], "id": None} == {**before["trigger"], "id": None}
    assert after["actions"] == before["actions"]
    assert after["actions"][0]["parameters"] == {"msg": "from the automation"}
    _clean(page_log)
