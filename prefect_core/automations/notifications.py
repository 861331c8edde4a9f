"""The send-notification action: the action's subject and body rendered as templates and
sent through the notification block it names.

The block types whose wire format is plain HTTP are sent by the server itself:

- `custom-webhook` (the client's CustomWebhookNotificationBlock) exactly as the client
  sends it: its URL, query params, JSON or form data, headers and cookies with the
  `{{subject}}`, `{{body}}`, `{{name}}` and secret placeholders filled, its method and
  (at most 30 s of) its timeout, `User-Agent: Prefect Notifications` unless its headers
  say otherwise;
- `slack-webhook`, `ms-teams-webhook`, `discord-webhook` and `mattermost-webhook`: the
  message as each service's incoming webhook takes it (the formats are in
  docs/compatibility.md; the client hands these blocks to Apprise, whose rendering
  differs in decoration only).

Any other notification block (e-mail, SMS, paging services) fails the action, naming its
type as not supported by this server. A notification fails, as the reference's does,
with the reason "Notification failed" and what went wrong in `notification_log` (the
status, or why no answer came); secrets never appear in either.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from prefect_core.automations import block_calls as calls
from prefect_core.automations.action_base import ActionFailed, TriggeredAction
from prefect_core.automations.placeholders import MISSING, apply_placeholders, placeholder_names
from prefect_core.automations.templates import render_values
from prefect_core.ports.outbound_http import DEFAULT_TIMEOUT_SECONDS, OutboundRequest
from prefect_core.schemas import automation_actions as a
from prefect_core.schemas.blocks import BlockDocument

if TYPE_CHECKING:
    from prefect_core.services.container import Services

APP_NAME = "Prefect Notifications"
_JSON = {"Content-Type": "application/json", "User-Agent": APP_NAME}

Built = tuple[list[OutboundRequest], calls.Secrets]


class _Block(BaseModel):
    model_config = ConfigDict(extra="ignore")


class CustomWebhook(_Block):
    name: str
    url: str
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    params: dict[str, str] | None = None
    json_data: dict[str, Any] | None = None
    form_data: dict[str, str] | str | None = None
    headers: dict[str, str] | None = None
    cookies: dict[str, str] | None = None
    timeout: float = Field(default=10, gt=0)
    allow_private_urls: bool = True
    secrets: dict[str, Any] = Field(default_factory=dict)


class SlackWebhook(_Block):
    url: str
    allow_private_urls: bool = True


class TeamsWebhook(_Block):
    url: str
    wrap: bool = True
    allow_private_urls: bool = True


class DiscordWebhook(_Block):
    webhook_id: str
    webhook_token: str
    botname: str | None = None
    tts: bool = False
    avatar: bool = False
    avatar_url: str | None = None


class MattermostWebhook(_Block):
    hostname: str
    token: str
    secure: bool = False
    botname: str | None = None
    channels: list[str] | None = None
    path: str | None = None
    port: int = 8065


def _custom_webhook(document: BlockDocument, subject: str, body: str) -> Built:
    block = calls.parse_block(CustomWebhook, document, "notification")
    if block.form_data is not None and block.json_data is not None:
        raise ActionFailed("The notification block was invalid: both `Form Data` and `JSON Data` provided")
    allowed = {"subject", "body", "name", *block.secrets}
    for field in ("url", "params", "form_data", "json_data", "headers", "cookies"):
        unknown = sorted(placeholder_names(getattr(block, field)) - allowed)
        for name in unknown[:1]:
            raise ActionFailed(
                f"The notification block was invalid: {field} uses the placeholder {{{{ {name} }}}}, which is "
                "neither subject, body, name nor one of its secrets"
            )
    values = {**block.secrets, "subject": subject, "body": body, "name": block.name}
    filled = {
        field: apply_placeholders(getattr(block, field), values)
        for field in ("url", "params", "form_data", "json_data", "headers", "cookies")
    }
    headers = {"User-Agent": APP_NAME}
    given = filled["headers"] or {}
    if any(key.lower() == "user-agent" for key in given):
        headers = {}
    headers.update({key: str(value) for key, value in given.items()})
    form, content = filled["form_data"], None
    if isinstance(form, str):
        form, content = None, form
    request = OutboundRequest(
        method=block.method,
        url=str(filled["url"]) if filled["url"] is not MISSING else "",
        headers=headers,
        params={k: str(v) for k, v in filled["params"].items()} if filled["params"] else None,
        cookies={k: str(v) for k, v in filled["cookies"].items()} if filled["cookies"] else None,
        form={k: str(v) for k, v in form.items()} if isinstance(form, dict) else None,
        content=content,
        json=filled["json_data"],
        has_json=block.json_data is not None,
        timeout=min(block.timeout, DEFAULT_TIMEOUT_SECONDS),
        allow_private=block.allow_private_urls,
    )
    return [request], calls.Secrets(block.secrets.values())


def _slack(document: BlockDocument, subject: str, body: str) -> Built:
    block = calls.parse_block(SlackWebhook, document, "notification")
    text = f"*{subject}*\n{body}" if subject else body
    request = OutboundRequest(
        method="POST",
        url=block.url,
        headers=_JSON,
        json={"text": text, "mrkdwn": True, "username": APP_NAME},
        has_json=True,
        allow_private=block.allow_private_urls,
    )
    return [request], calls.Secrets([block.url])


def _teams(document: BlockDocument, subject: str, body: str) -> Built:
    block = calls.parse_block(TeamsWebhook, document, "notification")
    texts: list[dict[str, Any]] = []
    if subject:
        texts.append({"type": "TextBlock", "text": subject, "weight": "Bolder", "size": "Large", "wrap": block.wrap})
    texts.append({"type": "TextBlock", "text": body, "wrap": block.wrap})
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": texts,
    }
    payload = {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }
    request = OutboundRequest(
        method="POST", url=block.url, headers=_JSON, json=payload, has_json=True, allow_private=block.allow_private_urls
    )
    return [request], calls.Secrets([block.url])


def _discord(document: BlockDocument, subject: str, body: str) -> Built:
    block = calls.parse_block(DiscordWebhook, document, "notification")
    text = f"**{subject}**\n{body}" if subject else body
    payload: dict[str, Any] = {"content": text[:2000], "tts": block.tts}
    if block.botname:
        payload["username"] = block.botname
    if block.avatar and block.avatar_url:
        payload["avatar_url"] = block.avatar_url
    url = f"https://discord.com/api/webhooks/{block.webhook_id}/{block.webhook_token}"
    request = OutboundRequest(method="POST", url=url, headers=_JSON, json=payload, has_json=True)
    return [request], calls.Secrets([block.webhook_id, block.webhook_token])


def _mattermost(document: BlockDocument, subject: str, body: str) -> Built:
    block = calls.parse_block(MattermostWebhook, document, "notification")
    scheme = "https" if block.secure else "http"
    path = "/" + (block.path or "").strip("/")
    url = f"{scheme}://{block.hostname}:{block.port}{path.rstrip('/')}/hooks/{block.token}"
    text = f"{subject}\r\n{body}" if subject else body
    base: dict[str, Any] = {"text": text, "username": block.botname or APP_NAME}
    payloads = [{**base, "channel": channel} for channel in block.channels] if block.channels else [base]
    requests = [OutboundRequest(method="POST", url=url, headers=_JSON, json=p, has_json=True) for p in payloads]
    return requests, calls.Secrets([block.token])


#: How each supported notification block type becomes requests.
SENDERS: dict[str, Callable[[BlockDocument, str, str], Built]] = {
    "custom-webhook": _custom_webhook,
    "slack-webhook": _slack,
    "ms-teams-webhook": _teams,
    "discord-webhook": _discord,
    "mattermost-webhook": _mattermost,
}


async def send_notification(services: Services, ta: TriggeredAction, context: dict[str, Any]) -> None:
    """Carry out a send-notification action (raises `ActionFailed`)."""
    action = ta.action
    assert isinstance(action, a.SendNotification)
    document = await calls.load_block(services, action.block_document_id)
    if "notify" not in calls.block_capabilities(document):
        raise ActionFailed("The referenced block was not a notification block")
    slug = calls.block_slug(document)
    sender = SENDERS.get(slug)
    if sender is None:
        raise ActionFailed(f"The {slug} notification block is not supported by this server")
    subject = await render_values(action.subject, context)
    body = await render_values(action.body, context)
    requests, secrets = sender(document, str(subject), str(body))
    calls.note_block(ta, document, slug)
    for request in requests:
        try:
            response = await calls.send(services, request, secrets, "Notification failed")
        except ActionFailed as exc:
            ta.details["notification_log"] = exc.reason.removeprefix("Notification failed: ")
            raise ActionFailed("Notification failed") from None
        ta.details["status_code"] = response.status
        if not 200 <= response.status < 300:
            ta.details["notification_log"] = f"The notification service answered {response.status}: " + calls.truncated(
                secrets.scrub(response.text)
            )
            raise ActionFailed("Notification failed")
