"""The call-webhook action: a Webhook block's method, URL and headers, with the action's
payload rendered as a template for the body.

As the reference does, the action is executed whenever the server answers, whatever the
status: the status, the first 1000 characters of the body and the response headers
(less credentials and tracing noise) are recorded in its event. It fails when the block
is missing or not a Webhook block, when its URL is refused (a private address while
`allow_private_urls` is off) and when no answer comes. The block's URL and headers are
secrets: they are never recorded, and they are masked wherever they would be echoed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from prefect_core.automations import block_calls as calls
from prefect_core.automations.action_base import ActionFailed, TriggeredAction
from prefect_core.automations.templates import render_values
from prefect_core.ports.outbound_http import DEFAULT_TIMEOUT_SECONDS, OutboundRequest
from prefect_core.schemas import automation_actions as a

if TYPE_CHECKING:
    from prefect_core.services.container import Services

WEBHOOK_SLUG = "webhook"


class WebhookBlock(BaseModel):
    """The fields of the client's `Webhook` block the server honours (secrets revealed)."""

    model_config = ConfigDict(extra="ignore")

    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    url: str
    headers: dict[str, str] = Field(default_factory=dict)
    allow_private_urls: bool = True
    verify: bool = True

    @field_validator("headers", mode="before")
    @classmethod
    def _header_text(cls, value: Any) -> Any:
        # A SecretDict may hold any JSON value; a header is text.
        if isinstance(value, dict):
            return {str(k): v if isinstance(v, str) else str(v) for k, v in value.items()}
        return value if value is not None else {}


async def call_webhook(services: Services, ta: TriggeredAction, context: dict[str, Any]) -> None:
    """Carry out a call-webhook action (raises `ActionFailed`)."""
    action = ta.action
    assert isinstance(action, a.CallWebhook)
    document = await calls.load_block(services, action.block_document_id)
    slug = calls.block_slug(document)
    if slug != WEBHOOK_SLUG:
        raise ActionFailed("The referenced block was not a webhook block")
    block = calls.parse_block(WebhookBlock, document, "webhook")
    calls.note_block(ta, document, slug)
    payload = str(await render_values(action.payload, context)) if action.payload else ""
    secrets = calls.Secrets([block.url, *block.headers.values()])
    request = OutboundRequest(
        method=block.method,
        url=block.url,
        headers=block.headers,
        content=payload,
        timeout=DEFAULT_TIMEOUT_SECONDS,
        verify=block.verify,
        allow_private=block.allow_private_urls,
    )
    response = await calls.send(services, request, secrets, "Webhook call failed")
    ta.details.update(calls.response_details(response, secrets))
