"""Every page of `pages.PAGES` loads against data made by the real client, in a real browser:
the text that proves it shows that data becomes visible and stays, no API call it makes is
answered >= 400 (except the router's 404 for groups not served yet, `support.PENDING_GROUPS`),
none of the UI's own files fails, and no uncaught error reaches the page. A screenshot of each
page is kept in tests/browser/artifacts/ (and the calls to groups not served yet are listed
in `pending-calls.jsonl` there).

A page that a not-yet-served group breaks (its error state, or its content gone once the
refused query gave up) is reported as xfail, naming the group: it passes once that group lands.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.browser.pages import PAGES, UiPage
from tests.browser.support import ARTIFACTS, PageLog

#: What the V2 UI's error boundary says when a query failed for good.
ERROR_STATE = "Something went wrong"
#: How long a page whose calls were refused is watched for its error state (ms): the app
#: retries a failed query a few times before it gives up (react-query's default: 3 retries, 1, 2, 4 s apart).
PATIENCE = 8_000
#: How long a page's text may take to show (ms).
SHOW = 20_000

#: One backend: a page is the UI's client side; the API calls it makes are tests/api's,
#: on every backend (the UI's helper routes included). test_interactions runs on both.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(240), pytest.mark.one_backend]


def _param(page: UiPage) -> Any:
    marks = [pytest.mark.xfail(reason=page.known, strict=False)] if page.known else []
    return pytest.param(page, id=page.name, marks=marks)


@pytest.mark.parametrize("ui", [_param(page) for page in PAGES])
def test_page_loads_clean(
    ui: UiPage, ui_page: Any, page_log: PageLog, ui_base: str, ui_data: dict[str, Any], backend: str
) -> None:
    from playwright.sync_api import expect

    missing = ui.needs() - ui_data.keys()
    assert not missing, f"no data section reports {sorted(missing)}: add it to ui_data.SECTIONS"
    # Only a visible match counts: a page may also hold the text hidden (the artifact page's Raw tab).
    expected = ui_page.get_by_text(ui.expect.format(**ui_data)).filter(visible=True).first if ui.expect else None
    ui_page.goto(ui.url(ui_base, ui_data), wait_until="networkidle")
    frame = "link" if ui.ui == "v2" else "button"  # the app's navigation is up
    expect(ui_page.get_by_role(frame, name="Dashboard").first).to_be_visible(timeout=SHOW)
    shown = _becomes_visible(expected, timeout=SHOW) if expected is not None else True
    ui_page.wait_for_load_state("networkidle")
    broken = not shown or _becomes_visible(ui_page.get_by_text(ERROR_STATE).first, timeout=_patience(page_log))
    if expected is not None and not broken:
        broken = not expected.is_visible()  # content that flashed before a refused query gave up
    ARTIFACTS.mkdir(exist_ok=True)
    ui_page.screenshot(path=str(ARTIFACTS / f"{ui.name}-{backend}.png"), full_page=True)
    _record_pending(ui.name, page_log)

    assert page_log.api_calls > 0, "the page made no API call: did the UI start at all?"
    assert not page_log.page_errors, page_log.page_errors
    assert not page_log.unexpected(), [vars(call) for call in page_log.unexpected()]
    assert not [failure for failure in page_log.other_failures if not _ui_quirk(failure)], page_log.other_failures
    if broken and page_log.pending():
        groups = sorted({str(call.pending_group()) for call in page_log.pending()})
        calls = sorted({f"{call.method} {call.path}" for call in page_log.pending()})
        pytest.xfail(f"the page breaks without {groups}, not served yet ({calls})")
    assert shown, f"{ui.expect!r} never showed"
    assert not broken, "the page shows its error state (or lost its content) although no API call failed"


def _patience(log: PageLog) -> int:
    """How long to watch for the error state: a page whose calls were refused gets there only
    after the app's retries; a page without refusals is checked as it stands."""
    return PATIENCE if log.pending() else 0


def _becomes_visible(locator: Any, *, timeout: int) -> bool:
    from playwright.sync_api import expect

    if not timeout:
        return bool(locator.is_visible())
    try:
        expect(locator).to_be_visible(timeout=timeout)
    except AssertionError:
        return False
    return True


def _ui_quirk(failure: str) -> bool:
    """Failures that are the UI's own, with any server: a request the page cancelled, and the
    V1 flow run page asking for `/ico/undefined.svg` (an icon name it never set; the bundle
    has no such file, so the reference answers 404 as well)."""
    return "ERR_ABORTED" in failure or failure.startswith("GET /ico/undefined.svg:")


def _record_pending(page_name: str, log: PageLog) -> None:
    if log.pending():
        with open(ARTIFACTS / "pending-calls.jsonl", "a") as out:
            for call in log.pending():
                out.write(json.dumps({"page": page_name, "group": call.pending_group(), **vars(call)}) + "\n")
