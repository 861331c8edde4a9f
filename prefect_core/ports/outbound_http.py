"""Outbound HTTP: how the core calls other servers (webhooks, notification services).

The core builds an `OutboundRequest` and hands it to whatever `OutboundHttp` the
application wired in (the aiohttp adapter in `prefect_http.outbound`); it never
imports an HTTP library itself. Requests and errors may carry secrets (a webhook's
URL and headers are secret values), so an adapter never logs a request and keeps
URLs and header values out of the messages of the errors it raises.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

#: The longest a call may take unless the caller asks for less (the reference's webhook
#: client uses the same bound).
DEFAULT_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class OutboundRequest:
    """One HTTP request. At most one of `content`, `form` and `json` is the body;
    `json` is sent only when `has_json` (so that a JSON `null` can be sent)."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] | None = None
    cookies: Mapping[str, str] | None = None
    #: A raw body, sent as is without a Content-Type of its own (as the reference's client does).
    content: str | bytes | None = None
    #: A form-encoded body.
    form: Mapping[str, str] | None = None
    json: Any = None
    has_json: bool = False
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    #: Verify the server's TLS certificate.
    verify: bool = True
    #: Allow hosts that are, or resolve to, private, loopback or link-local addresses.
    allow_private: bool = True


@dataclass(frozen=True)
class OutboundResponse:
    """What came back: the status, the headers (one value per name) and the body as text
    (at most the adapter's read limit, decoded leniently)."""

    status: int
    headers: Mapping[str, str]
    text: str


class OutboundHttpError(Exception):
    """The request could not be made or got no response (refused private address,
    connection failure, timeout, TLS failure). `reason` names what happened without the
    request's URL or header values."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class OutboundHttp(Protocol):
    """Sends requests to other servers. Redirects are not followed (a redirect is the
    response). Implementations are safe to share between concurrent callers."""

    async def request(self, request: OutboundRequest) -> OutboundResponse:
        """Send one request and return its response, whatever its status; raise
        `OutboundHttpError` when there is no response."""
        ...
