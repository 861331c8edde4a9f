"""`OutboundHttp` on aiohttp: the client the server uses to call webhooks and
notification services.

Two sessions are opened at application start and closed at shutdown: one for requests
that may reach any address, and one whose resolver refuses private addresses. They are
kept apart because a pooled connection is keyed by host and port, not by who resolved
it: a connection opened for an unrestricted call must never serve a restricted one.
The guarded resolver checks every address a name resolves to, at connection time, and
aiohttp then connects to those very addresses, so a name cannot be re-pointed between
the check and the connection. Hosts given as IP literals skip resolution and are
checked before the request.

Neither session keeps cookies (one block's cookies must never reach another's server),
neither follows redirects, and no URL or header value is put in an error message or log.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

from prefect_core.ports.outbound_http import OutboundHttpError, OutboundRequest, OutboundResponse

#: At most this much of a response body is read (events record only its first 1000 characters).
READ_LIMIT = 64 * 1024

_PRIVATE_REFUSED = "The URL's host is or resolves to a private address, which this block does not allow."


def is_restricted_address(text: str) -> bool:
    """A private, loopback, link-local, reserved, unspecified or multicast address
    (an IPv4 address mapped into IPv6 counts as the IPv4 address)."""
    ip = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_unspecified or ip.is_multicast


class _RestrictedAddress(OSError):
    """Raised by the guarded resolver; aiohttp wraps it in a connector error."""


class _GuardedResolver(AbstractResolver):
    """Resolves like the default resolver and refuses any name with a restricted address."""

    def __init__(self) -> None:
        self._inner = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        if not found or any(is_restricted_address(entry["host"]) for entry in found):
            raise _RestrictedAddress(_PRIVATE_REFUSED)
        return found

    async def close(self) -> None:
        await self._inner.close()


def _caused_by_restriction(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, _RestrictedAddress) or isinstance(getattr(seen, "os_error", None), _RestrictedAddress):
            return True
        seen = seen.__cause__
    return False


def _checked_url(request: OutboundRequest) -> URL:
    try:
        url = URL(request.url)
    except (TypeError, ValueError):
        raise OutboundHttpError("The URL is not a valid URL.") from None
    if url.scheme not in ("http", "https"):
        raise OutboundHttpError("The URL is not a valid URL. Only HTTP and HTTPS URLs are allowed.")
    if not url.host:
        raise OutboundHttpError("The URL is not a valid URL.")
    if not request.allow_private:
        try:
            literal = is_restricted_address(url.host.strip("[]"))
        except ValueError:
            literal = False  # a name: the guarded resolver checks what it resolves to
        if literal:
            raise OutboundHttpError(_PRIVATE_REFUSED)
    return url


def _decode(raw: bytes, charset: str | None) -> str:
    try:
        return raw.decode(charset or "utf-8", errors="replace")
    except LookupError:
        return raw.decode("utf-8", errors="replace")


class AiohttpOutboundHttp:
    """The application's outbound HTTP client (an async context manager: the sessions
    live from `__aenter__` to `__aexit__`)."""

    def __init__(self) -> None:
        self._open: aiohttp.ClientSession | None = None
        self._guarded: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> AiohttpOutboundHttp:
        self._open = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
        self._guarded = aiohttp.ClientSession(
            cookie_jar=aiohttp.DummyCookieJar(),
            connector=aiohttp.TCPConnector(resolver=_GuardedResolver()),
        )
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for session in (self._open, self._guarded):
            if session is not None:
                await session.close()
        self._open = self._guarded = None

    async def request(self, request: OutboundRequest) -> OutboundResponse:
        """Send the request (see `OutboundHttp.request`)."""
        session = self._open if request.allow_private else self._guarded
        if session is None:
            raise OutboundHttpError("The server's HTTP client is not running.")
        url = _checked_url(request)
        kwargs: dict[str, Any] = {
            "headers": dict(request.headers),
            "params": dict(request.params) if request.params else None,
            "cookies": dict(request.cookies) if request.cookies else None,
            "allow_redirects": False,
            "timeout": aiohttp.ClientTimeout(total=request.timeout),
        }
        if not request.verify:
            kwargs["ssl"] = False
        if request.has_json:
            kwargs["json"] = request.json
        elif request.form is not None:
            kwargs["data"] = dict(request.form)
        elif request.content is not None:
            # A raw body carries no Content-Type unless the caller's headers give one.
            kwargs["data"] = request.content.encode() if isinstance(request.content, str) else request.content
            kwargs["skip_auto_headers"] = ("Content-Type",)
        try:
            async with session.request(request.method, url, **kwargs) as response:
                raw = await response.content.read(READ_LIMIT)
                return OutboundResponse(
                    status=response.status,
                    headers={key: value for key, value in response.headers.items()},
                    text=_decode(raw, response.charset),
                )
        except TimeoutError:
            raise OutboundHttpError(f"The request timed out after {request.timeout:g} seconds.") from None
        except (aiohttp.ClientSSLError, ssl.SSLError):
            raise OutboundHttpError("The TLS connection failed.") from None
        except aiohttp.ClientConnectorError as exc:
            if _caused_by_restriction(exc):
                raise OutboundHttpError(_PRIVATE_REFUSED) from None
            raise OutboundHttpError("Could not connect to the URL's host.") from None
        except aiohttp.ClientError as exc:
            raise OutboundHttpError(f"The request failed ({type(exc).__name__}).") from None
        except (ValueError, TypeError) as exc:
            raise OutboundHttpError(f"The request could not be built ({type(exc).__name__}).") from None
