"""call-webhook and send-notification actions against a real HTTP receiver on 127.0.0.1:
what arrives (method, templated body, headers), what the action records, and that the
blocks' secrets never reach the stored events."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import ssl
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from prefect_core import timeutil
from prefect_http.keys import SERVICES

SECRET_TOKEN = "s3cret-token-value"


@pytest.fixture
def server_env(server_env: dict[str, str]) -> dict[str, str]:
    return {
        **server_env,
        "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "true",
        "PREFECT_UI_URL": "http://ui.example:4200",
    }


@dataclass
class Receiver:
    base: str
    got: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200


@pytest.fixture
async def receiver(aiohttp_server) -> Receiver:
    state = Receiver(base="")

    async def handle(request: web.Request) -> web.Response:
        body = await request.text()
        state.got.append(
            {
                "method": request.method,
                "path": request.path,
                "query": dict(request.query),
                "headers": dict(request.headers),
                "cookies": dict(request.cookies),
                "body": body,
            }
        )
        # Echo the credential back, as a careless service might: it must not be recorded.
        echoed = request.headers.get("Authorization", "")
        return web.Response(
            status=state.status,
            text=f"received {echoed}",
            headers={"X-Reply": "yes", "Authorization": "Bearer from-the-server"},
        )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    server = await aiohttp_server(app)
    assert server.host == "127.0.0.1"
    state.base = f"http://127.0.0.1:{server.port}"
    return state


def _services(client):
    return client.server.app[SERVICES]


async def _block(client, slug: str, data: dict, name: str | None = None) -> str:
    block_type = await (await client.get(f"/api/block_types/slug/{slug}")).json()
    flt = {"block_schemas": {"block_type_id": {"any_": [block_type["id"]]}}}
    schema = (await (await client.post("/api/block_schemas/filter", json=flt)).json())[0]
    body = {
        "name": name or f"b-{uuid.uuid4().hex[:8]}",
        "data": data,
        "block_schema_id": schema["id"],
        "block_type_id": block_type["id"],
    }
    resp = await client.post("/api/block_documents/", json=body)
    assert resp.status == 201, await resp.text()
    return (await resp.json())["id"]


async def _fire(client, actions: list[dict], event: dict | None = None) -> dict:
    """An automation with these actions, fired once by an `ext.go` event; its action events."""
    body = {
        "name": f"a-{uuid.uuid4().hex[:6]}",
        "trigger": {"posture": "Reactive", "expect": ["ext.go"]},
        "actions": actions,
    }
    resp = await client.post("/api/automations/", json=body)
    assert resp.status == 201, await resp.text()
    automation = await resp.json()
    sent = event or {
        "id": str(uuid.uuid4()),
        "occurred": timeutil.now().isoformat(),
        "event": "ext.go",
        "resource": {"prefect.resource.id": "ext.caller.7", "prefect.resource.name": "caller"},
        "payload": {"n": 3},
    }
    assert (await client.post("/api/events", json=[sent])).status == 204
    services = _services(client)
    await services.events.flush()
    assert await services.automation_runtime.act_on_pending() == 1
    await services.events.flush()
    flt = {
        "event": {"prefix": ["prefect.automation.action."]},
        "resource": {"id": [f"prefect.automation.{automation['id']}"]},
    }
    page = await (await client.post("/api/events/filter", json={"filter": flt, "limit": 50})).json()
    outcomes = [e for e in page["events"] if not e["event"].endswith(".triggered")]
    return {"outcomes": sorted(outcomes, key=lambda e: e["payload"]["action_index"]), "all": page["events"]}


async def _stored_events_text(client) -> str:
    page = await (await client.post("/api/events/filter", json={"limit": 50})).json()
    assert page["total"] <= 50, "the test reads one page of events"
    return json.dumps(page["events"])


async def test_call_webhook_sends_the_templated_payload_and_records_the_answer(client, receiver: Receiver) -> None:
    block_id = await _block(
        client,
        "webhook",
        {
            "method": "PUT",
            "url": f"{receiver.base}/hook-secret-path?k=v",
            "headers": {"Authorization": f"Bearer {SECRET_TOKEN}", "X-Custom": "custom-value"},
        },
        name="my-hook",
    )
    payload = '{"who": "{{ event.resource.id }}", "what": "{{ event.event }}", "n": {{ event.payload.n }}}'
    fired = await _fire(client, [{"type": "call-webhook", "block_document_id": block_id, "payload": payload}])

    assert len(receiver.got) == 1
    got = receiver.got[0]
    assert got["method"] == "PUT" and got["path"] == "/hook-secret-path" and got["query"] == {"k": "v"}
    assert json.loads(got["body"]) == {"who": "ext.caller.7", "what": "ext.go", "n": 3}
    assert got["headers"]["Authorization"] == f"Bearer {SECRET_TOKEN}" and got["headers"]["X-Custom"] == "custom-value"
    assert "Content-Type" not in got["headers"]  # a raw body, as the reference's client sends it

    (done,) = fired["outcomes"]
    assert done["event"] == "prefect.automation.action.executed"
    assert done["payload"]["action_type"] == "call-webhook" and done["payload"]["status_code"] == 200
    assert done["payload"]["response_body"] == "received ********"  # the whole header value is secret
    headers = done["payload"]["response_headers"]
    assert headers["X-Reply"] == "yes" and "Authorization" not in headers
    related = {r["prefect.resource.role"]: r for r in done["related"]}
    assert related["block"]["prefect.resource.id"] == f"prefect.block-document.{block_id}"
    assert related["block"]["prefect.resource.name"] == "my-hook"
    assert related["block-type"]["prefect.resource.id"] == "prefect.block-type.webhook"

    stored = await _stored_events_text(client)
    assert SECRET_TOKEN not in stored and "hook-secret-path" not in stored


async def test_an_error_status_is_recorded_as_the_reference_does(client, receiver: Receiver) -> None:
    receiver.status = 503
    block_id = await _block(client, "webhook", {"url": f"{receiver.base}/down"})
    fired = await _fire(client, [{"type": "call-webhook", "block_document_id": block_id}])
    (done,) = fired["outcomes"]
    # The reference records the status and counts the call as made.
    assert done["event"] == "prefect.automation.action.executed" and done["payload"]["status_code"] == 503
    assert receiver.got[0]["method"] == "POST" and receiver.got[0]["body"] == ""


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_call_webhook_failures(client, receiver: Receiver) -> None:
    private = await _block(client, "webhook", {"url": f"{receiver.base}/private", "allow_private_urls": False})
    local_name = await _block(
        client, "webhook", {"url": f"http://localhost:{receiver.base.rsplit(':', 1)[1]}/x", "allow_private_urls": False}
    )
    closed = await _block(client, "webhook", {"url": f"http://127.0.0.1:{_closed_port()}/closed-secret"})
    not_webhook = await _block(client, "custom-webhook", {"name": "n", "url": f"{receiver.base}/n"})
    bad_scheme = await _block(client, "webhook", {"url": "file:///etc/passwd"})
    actions = [
        {"type": "call-webhook", "block_document_id": str(uuid.uuid4())},
        {"type": "call-webhook", "block_document_id": not_webhook},
        {"type": "call-webhook", "block_document_id": private},
        {"type": "call-webhook", "block_document_id": local_name},
        {"type": "call-webhook", "block_document_id": closed},
        {"type": "call-webhook", "block_document_id": bad_scheme},
    ]
    fired = await _fire(client, actions)
    assert receiver.got == []  # nothing reached the receiver
    outcomes = fired["outcomes"]
    assert [e["event"] for e in outcomes] == ["prefect.automation.action.failed"] * 6
    reasons = [e["payload"]["reason"] for e in outcomes]
    assert reasons[0] == "Unexpected status from 'call-webhook' action: 404"
    assert reasons[1] == "The referenced block was not a webhook block"
    assert "private address" in reasons[2] and "private address" in reasons[3]
    assert reasons[4].startswith("Webhook call failed: Could not connect")
    assert "Only HTTP and HTTPS URLs are allowed" in reasons[5]
    stored = await _stored_events_text(client)
    assert "closed-secret" not in stored and "/etc/passwd" not in stored


async def test_custom_webhook_notification_fills_its_placeholders(client, receiver: Receiver) -> None:
    block_id = await _block(
        client,
        "custom-webhook",
        {
            "name": "hooky",
            "url": f"{receiver.base}/notify",
            "method": "POST",
            "params": {"who": "{{name}}"},
            "json_data": {"text": "{{subject}}: {{body}}", "token": "{{tok}}", "nested": {"b": "{{body}}"}},
            "headers": {"X-Token": "{{tok}}"},
            "cookies": {"session": "{{name}}"},
            "secrets": {"tok": "tok-secret-123"},
        },
    )
    action = {
        "type": "send-notification",
        "block_document_id": block_id,
        "subject": "Alert {{ event.event }}",
        "body": "from {{ event.resource.id }}",
    }
    fired = await _fire(client, [action])
    (done,) = fired["outcomes"]
    assert done["event"] == "prefect.automation.action.executed", done["payload"]
    (got,) = receiver.got
    assert got["method"] == "POST" and got["path"] == "/notify" and got["query"] == {"who": "hooky"}
    assert json.loads(got["body"]) == {
        "text": "Alert ext.go: from ext.caller.7",
        "token": "tok-secret-123",
        "nested": {"b": "from ext.caller.7"},
    }
    assert got["headers"]["X-Token"] == "tok-secret-123" and got["headers"]["User-Agent"] == "Prefect Notifications"
    assert got["cookies"] == {"session": "hooky"}
    roles = {r["prefect.resource.role"]: r["prefect.resource.id"] for r in done["related"]}
    assert roles["block-type"] == "prefect.block-type.custom-webhook"
    assert "tok-secret-123" not in await _stored_events_text(client)


async def test_custom_webhook_form_data_and_default_subject(client, receiver: Receiver) -> None:
    block_id = await _block(
        client,
        "custom-webhook",
        {"name": "formy", "url": f"{receiver.base}/form", "form_data": {"s": "{{subject}}", "b": "{{body}}"}},
    )
    fired = await _fire(client, [{"type": "send-notification", "block_document_id": block_id, "body": "plain"}])
    assert fired["outcomes"][0]["event"] == "prefect.automation.action.executed"
    (got,) = receiver.got
    assert got["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert got["body"] == "s=Prefect+automated+notification&b=plain"


async def test_slack_and_mattermost_notifications(client, receiver: Receiver) -> None:
    slack = await _block(client, "slack-webhook", {"url": f"{receiver.base}/services/T0/B0/XYZ"})
    port = int(receiver.base.rsplit(":", 1)[1])
    mattermost = await _block(
        client,
        "mattermost-webhook",
        {"hostname": "127.0.0.1", "port": port, "token": "mm-token-1", "channels": ["ops", "dev"], "botname": "bot"},
    )
    actions = [
        {"type": "send-notification", "block_document_id": slack, "subject": "S", "body": "B {{ event.event }}"},
        {"type": "send-notification", "block_document_id": mattermost, "subject": "S", "body": "B"},
    ]
    fired = await _fire(client, actions)
    assert [e["event"] for e in fired["outcomes"]] == ["prefect.automation.action.executed"] * 2
    # (Actions run concurrently: the calls arrive in any order; each block's own calls in order.)
    (slack_got,) = [g for g in receiver.got if g["path"].startswith("/services/")]
    mattermost_got = [g for g in receiver.got if not g["path"].startswith("/services/")]
    assert slack_got["path"] == "/services/T0/B0/XYZ" and json.loads(slack_got["body"])["text"] == "*S*\nB ext.go"
    assert [g["path"] for g in mattermost_got] == ["/hooks/mm-token-1"] * 2
    bodies = [json.loads(g["body"]) for g in mattermost_got]
    assert [b["channel"] for b in bodies] == ["ops", "dev"]
    assert bodies[0]["text"] == "S\r\nB" and bodies[0]["username"] == "bot"
    stored = await _stored_events_text(client)
    assert "mm-token-1" not in stored and "XYZ" not in stored


async def test_notification_failures(client, receiver: Receiver) -> None:
    receiver.status = 500
    failing = await _block(client, "custom-webhook", {"name": "n", "url": f"{receiver.base}/fail"})
    unknown = await _block(
        client, "custom-webhook", {"name": "n", "url": f"{receiver.base}/u", "json_data": {"x": "{{who}}"}}
    )
    sendgrid = await _block(
        client, "sendgrid-email", {"api_key": "k" * 8, "sender_email": "a@example.com", "to_emails": ["b@example.com"]}
    )
    webhook = await _block(client, "webhook", {"url": f"{receiver.base}/w"})
    actions = [
        {"type": "send-notification", "block_document_id": block, "body": "x"}
        for block in (failing, unknown, sendgrid, webhook, str(uuid.uuid4()))
    ]
    fired = await _fire(client, actions)
    outcomes = fired["outcomes"]
    assert [e["event"] for e in outcomes] == ["prefect.automation.action.failed"] * 5
    assert outcomes[0]["payload"]["reason"] == "Notification failed"
    assert outcomes[0]["payload"]["status_code"] == 500 and "500" in outcomes[0]["payload"]["notification_log"]
    assert "{{ who }}" in outcomes[1]["payload"]["reason"] and "invalid" in outcomes[1]["payload"]["reason"]
    assert outcomes[2]["payload"]["reason"] == "The sendgrid-email notification block is not supported by this server"
    assert outcomes[3]["payload"]["reason"] == "The referenced block was not a notification block"
    assert outcomes[4]["payload"]["reason"] == "Unexpected status from 'send-notification' action: 404"
    assert [g["path"] for g in receiver.got] == ["/fail"]


async def test_run_deployment_job_variables_are_checked_against_the_pool(client) -> None:
    template = {
        "job_configuration": {"image": "{{ image }}"},
        "variables": {"type": "object", "properties": {"image": {"type": "integer"}}},
    }
    resp = await client.post("/api/work_pools/", json={"name": "p", "type": "process", "base_job_template": template})
    assert resp.status == 201, await resp.text()
    flow = await (await client.post("/api/flows/", json={"name": "f"})).json()
    dep = await (
        await client.post("/api/deployments/", json={"name": "d", "flow_id": flow["id"], "work_pool_name": "p"})
    ).json()
    action = {"type": "run-deployment", "deployment_id": dep["id"], "job_variables": {"image": "{{ event.event }}"}}
    fired = await _fire(client, [action])
    (failed,) = fired["outcomes"]
    assert failed["event"] == "prefect.automation.action.failed"
    reason = failed["payload"]["reason"]
    assert reason.startswith("Validation error occurred for 'run-deployment' - Error creating flow run:"), reason
    assert "image" in reason and failed["payload"]["status_code"] == 422
    runs = await (await client.post("/api/flow_runs/filter", json={})).json()
    assert runs == []


async def test_action_templates_are_checked_when_the_automation_is_written(client) -> None:
    block_id = str(uuid.uuid4())
    trigger = {"posture": "Reactive", "expect": ["ext.go"]}
    bad = [
        {"type": "call-webhook", "block_document_id": block_id, "payload": "{{ event.id"},
        {"type": "send-notification", "block_document_id": block_id, "body": "{% for x in y %}"},
        {"type": "send-notification", "block_document_id": block_id, "subject": "{{ }}", "body": "b"},
    ]
    for action in bad:
        resp = await client.post("/api/automations/", json={"name": "t", "trigger": trigger, "actions": [action]})
        assert resp.status == 422, action
        assert "is not a valid template" in await resp.text()
    # A payload sent as an object (older clients) is kept as indented JSON text.
    action = {"type": "call-webhook", "block_document_id": block_id, "payload": {"message": "{{ event.event }}"}}
    resp = await client.post("/api/automations/", json={"name": "t", "trigger": trigger, "actions": [action]})
    assert resp.status == 201, await resp.text()
    stored = (await resp.json())["actions"][0]
    assert stored["payload"] == '{\n  "message": "{{ event.event }}"\n}'


async def test_templates_link_to_the_ui(client, receiver: Receiver) -> None:
    flow = await (await client.post("/api/flows/", json={"name": "f"})).json()
    run = await (await client.post("/api/flow_runs/", json={"flow_id": flow["id"]})).json()
    block_id = await _block(client, "webhook", {"url": f"{receiver.base}/links"})
    payload = "{{ flow_run|ui_url }} {{ automation|ui_url }} {{ event.resource|ui_resource_events_url }}"
    event = {
        "id": str(uuid.uuid4()),
        "occurred": timeutil.now().isoformat(),
        "event": "ext.go",
        "resource": {"prefect.resource.id": f"prefect.flow-run.{run['id']}"},
    }
    fired = await _fire(client, [{"type": "call-webhook", "block_document_id": block_id, "payload": payload}], event)
    assert fired["outcomes"][0]["event"] == "prefect.automation.action.executed"
    run_link, automation_link, events_link = receiver.got[0]["body"].split(" ")
    assert run_link == f"http://ui.example:4200/runs/flow-run/{run['id']}"
    assert automation_link.startswith("http://ui.example:4200/automations/automation/")
    assert events_link == f"http://ui.example:4200/events?resource=prefect.flow-run.{run['id']}"


def _self_signed_context(directory) -> ssl.SSLContext:
    """A server TLS context with a certificate for 127.0.0.1 that no one has signed."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context


async def test_verify_and_redirects(client, aiohttp_server, tmp_path) -> None:
    got: list[str] = []

    async def handle(request: web.Request) -> web.Response:
        got.append(request.path)
        if request.path == "/moved":
            raise web.HTTPFound("/elsewhere")
        return web.Response(text="tls ok")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    server = await aiohttp_server(app, ssl=_self_signed_context(tmp_path))
    base = f"https://127.0.0.1:{server.port}"
    checked = await _block(client, "webhook", {"url": f"{base}/checked"})
    unchecked = await _block(client, "webhook", {"url": f"{base}/unchecked", "verify": False})
    moved = await _block(client, "webhook", {"url": f"{base}/moved", "verify": False})
    fired = await _fire(client, [{"type": "call-webhook", "block_document_id": b} for b in (checked, unchecked, moved)])
    first, second, third = fired["outcomes"]
    assert first["event"] == "prefect.automation.action.failed"
    assert first["payload"]["reason"] == "Webhook call failed: The TLS connection failed."
    assert second["event"] == "prefect.automation.action.executed" and second["payload"]["response_body"] == "tls ok"
    # A redirect is the answer; it is not followed.
    assert third["payload"]["status_code"] == 302 and third["payload"]["response_headers"]["Location"] == "/elsewhere"
    assert sorted(got) == ["/moved", "/unchecked"]  # (actions run concurrently: in any order)
