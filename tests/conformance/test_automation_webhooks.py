"""Webhook and notification actions with the real client: blocks saved with the SDK
(`Webhook(...).save()`, `CustomWebhookNotificationBlock(...).save()`), automations with a
reactive trigger created with the SDK, an event sent with `emit_event`, and a local HTTP
receiver on 127.0.0.1 that gets the bodies rendered from that event."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.conformance.background import wait_for
from tests.conformance.support import Api, ClientRunner, unique_suffix

pytestmark = pytest.mark.conformance


class _Receiver:
    def __init__(self) -> None:
        self.got: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                with receiver.lock:
                    receiver.got.append(
                        {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
                    )
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            do_POST = do_PUT = do_GET = _record

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def at(self, path_prefix: str) -> list[dict[str, Any]]:
        with self.lock:
            return [g for g in self.got if g["path"].startswith(path_prefix)]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def receiver() -> Iterator[_Receiver]:
    found = _Receiver()
    try:
        yield found
    finally:
        found.close()


CALL_WEBHOOK = """
from prefect.automations import Automation
from prefect.blocks.webhook import Webhook
from prefect.events import emit_event
from prefect.events.actions import CallWebhook
from prefect.events.schemas.automations import EventTrigger, Posture

block_id = Webhook(url=sys.argv[2] + f"/hook/{SUFFIX}", method="POST",
                   headers={"X-Hook-Secret": "hook-secret-" + SUFFIX}).save(f"hook-{SUFFIX}")
payload = '{"who": "{{ event.resource.id }}", "n": {{ event.payload.n }}, "automation": "{{ automation.name }}"}'
automation = Automation(
    name=f"hook-{SUFFIX}",
    trigger=EventTrigger(expect={f"ext.hook.{SUFFIX}"}, posture=Posture.Reactive, threshold=1, within=0),
    actions=[CallWebhook(block_document_id=block_id, payload=payload)],
).create()
emit_event(event=f"ext.hook.{SUFFIX}", resource={"prefect.resource.id": f"ext.caller.{SUFFIX}"}, payload={"n": 5})
report(automation=str(automation.id), block=str(block_id))
"""

SEND_NOTIFICATION = """
from prefect.automations import Automation
from prefect.blocks.notifications import CustomWebhookNotificationBlock
from prefect.events import emit_event
from prefect.events.actions import SendNotification
from prefect.events.schemas.automations import EventTrigger, Posture

block_id = CustomWebhookNotificationBlock(
    name=f"note-{SUFFIX}",
    url=sys.argv[2] + f"/notify/{SUFFIX}",
    json_data={"text": "{{subject}} | {{body}}", "from": "{{name}}", "token": "{{token}}"},
    secrets={"token": "note-secret-" + SUFFIX},
).save(f"note-{SUFFIX}")
automation = Automation(
    name=f"note-{SUFFIX}",
    trigger=EventTrigger(expect={f"ext.note.{SUFFIX}"}, posture=Posture.Reactive, threshold=1, within=0),
    actions=[SendNotification(block_document_id=block_id, subject="Seen {{ event.event }}",
                              body="from {{ event.resource.id }}")],
).create()
emit_event(event=f"ext.note.{SUFFIX}", resource={"prefect.resource.id": f"ext.caller.{SUFFIX}"})
report(automation=str(automation.id))
"""


def _action_outcome(api: Api, automation_id: str) -> dict[str, Any]:
    def done() -> list[dict[str, Any]]:
        flt = {
            "event": {"name": ["prefect.automation.action.executed", "prefect.automation.action.failed"]},
            "resource": {"id": [f"prefect.automation.{automation_id}"]},
        }
        return api.post("/events/filter", {"filter": flt})["events"]

    return wait_for(done, 30, what="the action's outcome event")[0]


def test_call_webhook_reaches_the_receiver_with_the_rendered_body(
    prefect: ClientRunner, api: Api, receiver: _Receiver
) -> None:
    suffix = unique_suffix()
    got = prefect.run(CALL_WEBHOOK, args=[receiver.url], suffix=suffix).result
    (call,) = wait_for(lambda: receiver.at(f"/hook/{suffix}"), 60, what="the webhook call")
    assert call["method"] == "POST"
    assert json.loads(call["body"]) == {"who": f"ext.caller.{suffix}", "n": 5, "automation": f"hook-{suffix}"}
    assert call["headers"]["X-Hook-Secret"] == f"hook-secret-{suffix}"
    outcome = _action_outcome(api, got["automation"])
    assert outcome["event"] == "prefect.automation.action.executed"
    assert outcome["payload"]["status_code"] == 200 and outcome["payload"]["response_body"] == "ok"
    assert f"hook-secret-{suffix}" not in json.dumps(outcome) and f"/hook/{suffix}" not in json.dumps(outcome)


def test_send_notification_through_a_custom_webhook_block(prefect: ClientRunner, api: Api, receiver: _Receiver) -> None:
    suffix = unique_suffix()
    got = prefect.run(SEND_NOTIFICATION, args=[receiver.url], suffix=suffix).result
    (call,) = wait_for(lambda: receiver.at(f"/notify/{suffix}"), 60, what="the notification")
    assert call["method"] == "POST" and call["headers"]["User-Agent"] == "Prefect Notifications"
    assert json.loads(call["body"]) == {
        "text": f"Seen ext.note.{suffix} | from ext.caller.{suffix}",
        "from": f"note-{suffix}",
        "token": f"note-secret-{suffix}",
    }
    outcome = _action_outcome(api, got["automation"])
    assert outcome["event"] == "prefect.automation.action.executed", outcome["payload"]
    assert f"note-secret-{suffix}" not in json.dumps(outcome)
