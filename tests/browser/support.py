"""What the browser tests share: the chromium they drive, the API-call log of a page, and the
allowances for endpoint groups other parts of the project have not served yet.

Playwright never downloads a browser here: it drives /usr/bin/chromium, which `scripts/test`
installs with apt-get. Without it the browser tests skip, saying so.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
#: Screenshots of every page (git-ignored).
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

#: API calls the UI makes to endpoint groups other parts of the project have not added yet, by
#: path prefix. An allowance covers only the router's own 404 "Not Found" for that exact method
#: and path, so it lapses by itself once the route exists. Every group the UI calls is served
#: now, so none is allowed: any refused call fails its page.
PENDING_GROUPS: dict[str, str] = {}


@dataclass
class ApiCall:
    method: str
    path: str
    status: int
    body: str

    def pending_group(self) -> str | None:
        """The not-yet-served group this call belongs to, if the router itself refused it."""
        if self.status != 404 or '"Not Found"' not in self.body:
            return None
        for prefix, group in PENDING_GROUPS.items():
            if self.path == prefix or self.path.startswith(prefix + "/"):
                return group
        return None


@dataclass
class PageLog:
    """Every API call a page answered >= 400, every uncaught page error, and a count of calls."""

    failed: list[ApiCall] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    #: the UI's own files (and any other request) that failed or were answered >= 400
    other_failures: list[str] = field(default_factory=list)
    api_calls: int = 0

    def unexpected(self) -> list[ApiCall]:
        return [call for call in self.failed if call.pending_group() is None]

    def pending(self) -> list[ApiCall]:
        return [call for call in self.failed if call.pending_group() is not None]


def require_chromium() -> None:
    if not CHROMIUM.exists():
        message = (
            "chromium is NOT installed (/usr/bin/chromium missing) and scripts/test could not install it: "
            "the browser tests are SKIPPED"
        )
        warnings.warn(message, stacklevel=2)
        pytest.skip(message)


def watch(page: Any, base: str, log: PageLog) -> None:
    """Record into `log` what `page` asks of the API at `base` and what it throws."""
    from playwright.sync_api import Error as PlaywrightError

    def on_response(response: Any) -> None:
        url = urlsplit(response.url)
        if f"{url.scheme}://{url.netloc}" != base:
            return
        if not url.path.startswith("/api/"):
            if response.status >= 400:
                log.other_failures.append(f"{response.request.method} {url.path}: {response.status}")
            return
        log.api_calls += 1
        if response.status >= 400:
            try:
                body = response.text()
            except PlaywrightError:  # the page moved on before the body was read
                body = ""
            log.failed.append(ApiCall(response.request.method, url.path, response.status, body[:300]))

    def on_failed(request: Any) -> None:
        if request.url.startswith(base):
            log.other_failures.append(f"{request.method} {urlsplit(request.url).path}: {request.failure}")

    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    page.on("pageerror", lambda error: log.page_errors.append(str(error)))


def choose(page: Any, trigger: Any, option: str, attempts: int = 3) -> None:
    """Pick ``option`` in the Radix select opened by ``trigger`` and wait until the trigger shows it.

    The select is opened from the keyboard (focus, Enter), as a keyboard user does, not by a
    click. Why (read in the bundled Radix select): a select opened by a pointer swallows the
    next pointer-up unless the pointer moved more than 10 px since the opening press, so that
    the opening gesture cannot also pick. It measures the movement with a listener it adds in
    an effect after the list renders; on a loaded machine Playwright's move to the option can
    come before that listener, the movement counts as none, and the click on the option is
    swallowed (CI saw this twice: the list stayed open, and while it is open everything else is
    hidden from the accessibility tree, so the next lookup of another control timed out).
    Opened from the keyboard there is no press to guard against.

    A pick that still does not show is retried (closing the list first), and one that never
    shows fails here with what the select shows; what the tests check (what the server
    stores) is unaffected.
    """
    from playwright.sync_api import expect

    shown = ""
    listbox = page.get_by_role("listbox")
    for _ in range(attempts):
        trigger.press("Enter")  # focuses the trigger, then presses
        expect(listbox).to_be_visible()
        page.get_by_role("option", name=option, exact=True).click()
        try:
            expect(trigger).to_have_text(option, timeout=5_000)
            return
        except AssertionError:
            if listbox.count():
                page.keyboard.press("Escape")
            shown = trigger.inner_text(timeout=5_000)
    raise AssertionError(f"the select shows {shown!r} after {attempts} tries to choose {option!r}")
