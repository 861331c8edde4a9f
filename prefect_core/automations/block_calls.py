"""What the call-webhook and send-notification actions share: loading the block they
name (with its secrets, on the server only), sending a request through the application's
outbound HTTP port, and keeping every secret out of what the action records."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from pydantic import BaseModel, ValidationError

from prefect_core.automations.action_base import ActionFailed, TriggeredAction
from prefect_core.ports.outbound_http import OutboundHttpError, OutboundRequest, OutboundResponse
from prefect_core.schemas.blocks import BlockDocument
from prefect_core.schemas.events import RelatedResource

if TYPE_CHECKING:
    from prefect_core.services.container import Services

#: Recorded response bodies are cut to this many characters, as the reference does.
RESPONSE_BODY_LIMIT = 1000
#: Secrets shorter than this are not scrubbed from recorded text (they would mangle it).
_SHORTEST_SCRUBBED = 4
_MASK = "********"


def truncated(text: str, limit: int = RESPONSE_BODY_LIMIT) -> str:
    """The text, or its two ends around a note of how much was left out."""
    if len(text) <= limit:
        return text
    half = limit // 2
    shortened = f"{text[:half]}...{len(text) - 2 * half} additional characters...{text[-half:]}"
    return shortened if len(shortened) < len(text) else text


def is_redacted_header(name: str) -> bool:
    """Response headers left out of events (credentials, tracing and proxy noise)."""
    key = name.lower()
    return key in {"authorization", "traceparent", "via", "set-cookie"} or key.startswith(
        ("x-forwarded", "x-b3", "x-cloud-trace", "x-envoy", "x-prefect")
    )


class Secrets:
    """The secret values one call uses, to be masked in whatever is recorded."""

    def __init__(self, values: Iterable[Any] = ()) -> None:
        self._values: set[str] = set()
        self.add(values)

    def add(self, values: Iterable[Any]) -> None:
        for value in values:
            if isinstance(value, dict):
                self.add(value.values())
            elif isinstance(value, list):
                self.add(value)
            elif isinstance(value, str | int | float) and not isinstance(value, bool):
                text = str(value)
                if len(text) >= _SHORTEST_SCRUBBED:
                    self._values.add(text)

    def scrub(self, text: str) -> str:
        # Longest first, so that a secret containing another is masked whole.
        for value in sorted(self._values, key=len, reverse=True):
            text = text.replace(value, _MASK)
        return text


def invalid_block_reason(what: str, exc: ValidationError) -> str:
    """Why a block's data does not fit its type, naming fields but never their values."""
    problems = "; ".join(
        f"{'.'.join(str(p) for p in error['loc']) or 'data'}: {error['msg']}"
        for error in exc.errors(include_input=False)
    )
    return f"The {what} block was invalid: {problems}"


async def load_block(services: Services, document_id: UUID) -> BlockDocument:
    """The block document with its secrets revealed (a missing one fails the action as the
    reference's 404 does)."""
    return await services.block_documents.read(document_id, include_secrets=True)


def note_block(ta: TriggeredAction, document: BlockDocument, slug: str) -> None:
    """Name the block and its type among the action's related resources."""
    labels = {"prefect.resource.id": f"prefect.block-document.{document.id}", "prefect.resource.role": "block"}
    if document.name is not None:
        labels["prefect.resource.name"] = document.name
    ta.resulting.append(RelatedResource(labels))
    ta.resulting.append(
        RelatedResource({"prefect.resource.id": f"prefect.block-type.{slug}", "prefect.resource.role": "block-type"})
    )


def block_slug(document: BlockDocument) -> str:
    return document.block_type.slug if document.block_type is not None else ""


def block_capabilities(document: BlockDocument) -> list[str]:
    return list(document.block_schema.capabilities) if document.block_schema is not None else []


M = TypeVar("M", bound=BaseModel)


def parse_block(model: type[M], document: BlockDocument, what: str) -> M:
    """The block's data as `model`; data that does not fit fails the action."""
    try:
        return model.model_validate(document.data)
    except ValidationError as exc:
        raise ActionFailed(invalid_block_reason(what, exc)) from None


async def send(services: Services, request: OutboundRequest, secrets: Secrets, failure: str) -> OutboundResponse:
    """Send through the application's outbound HTTP; no response fails the action with
    `failure: <why>` (secrets masked)."""
    if services.http is None:
        raise ActionFailed(f"{failure}: this server has no outbound HTTP client")
    try:
        return await services.http.request(request)
    except OutboundHttpError as exc:
        raise ActionFailed(f"{failure}: {secrets.scrub(exc.reason)}") from None


def response_details(response: OutboundResponse, secrets: Secrets) -> dict[str, Any]:
    """The status, the first characters of the body and the headers that may be recorded."""
    return {
        "status_code": response.status,
        "response_body": truncated(secrets.scrub(response.text)),
        "response_headers": {
            key: secrets.scrub(value) for key, value in response.headers.items() if not is_redacted_header(key)
        },
    }
