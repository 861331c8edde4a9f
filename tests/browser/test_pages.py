"""Every page of `pages.PAGES` loads against data made by the real client, in a real browser:
the text that proves it shows that data becomes visible, no API call it makes is answered
>= 400 (except the router's 404 for groups not served yet, `support.PENDING_GROUPS`), and no
uncaught error reaches the page. A screenshot of each page is kept in tests/browser/artifacts/.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.browser.pages import PAGES, UiPage
from tests.browser.support import ARTIFACTS, PageLog

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


@pytest.mark.parametrize("ui", PAGES, ids=[page.name for page in PAGES])
def test_page_loads_clean(
    ui: UiPage, ui_page: Any, page_log: PageLog, ui_base: str, ui_data: dict[str, Any], backend: str
) -> None:
    from playwright.sync_api import expect

    missing = ui.needs() - ui_data.keys()
    assert not missing, f"no data section reports {sorted(missing)}: add it to ui_data.SECTIONS"
    ui_page.goto(ui.url(ui_base, ui_data), wait_until="networkidle")
    if ui.expect is not None:
        expect(ui_page.get_by_text(ui.expect.format(**ui_data)).first).to_be_visible()
    ui_page.wait_for_load_state("networkidle")
    ARTIFACTS.mkdir(exist_ok=True)
    ui_page.screenshot(path=str(ARTIFACTS / f"{ui.name}-{backend}.png"), full_page=True)
    if page_log.pending():
        with open(ARTIFACTS / "pending-calls.jsonl", "a") as out:
            for call in page_log.pending():
                out.write(json.dumps({"page": ui.name, "group": call.pending_group(), **vars(call)}) + "\n")

    assert page_log.api_calls > 0, "the page made no API call: did the UI start at all?"
    assert not page_log.page_errors, page_log.page_errors
    assert not page_log.unexpected(), [vars(call) for call in page_log.unexpected()]
