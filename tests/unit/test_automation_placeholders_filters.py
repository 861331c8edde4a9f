"""Custom webhook placeholders, the template filters and the private-address test, without I/O."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from prefect_core.automations.action_base import ActionFailed
from prefect_core.automations.notifications import SENDERS
from prefect_core.automations.placeholders import MISSING, apply_placeholders, placeholder_names
from prefect_core.automations.template_filters import UI_URL_KEY, Kinded, Labels
from prefect_core.automations.templates import render as render_async
from prefect_core.schemas.blocks import BlockDocument
from prefect_http.outbound import is_restricted_address

VALUES = {"subject": "S", "body": "B", "name": "N", "tok": "T", "n": 3, "deep": {"list": [1, {"x": "y"}]}}


def test_a_lone_placeholder_is_the_value_itself() -> None:
    assert apply_placeholders("{{ n }}", VALUES) == 3
    assert apply_placeholders("{{deep.list[1].x}}", VALUES) == "y"
    assert apply_placeholders("{{ missing }}", VALUES) is MISSING


def test_placeholders_inside_text_and_containers() -> None:
    template = {
        "text": "{{subject}}: {{body}} ({{ missing }})",
        "keep": "no placeholder",
        "gone": "{{missing}}",
        "list": ["{{name}}", "{{missing}}", 5],
        "block": "{{ prefect.blocks.secret.x }}",
        "env": "{{ $HOME }}",
    }
    assert apply_placeholders(template, VALUES) == {
        "text": "S: B ()",
        "keep": "no placeholder",
        "list": ["N", 5],
        "block": "{{ prefect.blocks.secret.x }}",  # left for the client, as the client leaves it
    }
    assert placeholder_names(template) == {
        "subject",
        "body",
        "missing",
        "name",
        "prefect.blocks.secret.x",
        "$HOME",
    }


def render(template: str, context: dict[str, object]) -> str:
    return asyncio.run(render_async(template, context))


def _render(template: str, **context: object) -> str:
    return render(template, {UI_URL_KEY: "http://ui.example:4200", **context})


def test_ui_url_links_objects_and_resources() -> None:
    run_id = str(uuid.uuid4())
    run = Kinded("flow-run", {"id": run_id, "name": "r"})
    pool = Kinded("work-pool", {"id": str(uuid.uuid4()), "name": "pool-a"})
    resource = Labels({"prefect.resource.id": f"prefect.flow-run.{run_id}"})
    assert _render("{{ run|ui_url }}", run=run) == f"http://ui.example:4200/runs/flow-run/{run_id}"
    assert _render("{{ pool|ui_url }}", pool=pool) == "http://ui.example:4200/work-pools/work-pool/pool-a"
    assert _render("{{ r|ui_url }}", r=resource) == f"http://ui.example:4200/runs/flow-run/{run_id}"
    assert _render("{{ r|ui_url }}", r=Labels({"prefect.resource.id": "ext.thing.1"})) == "None"
    assert _render("{{ x|ui_url }}", x={"id": run_id}) == "None"
    assert render("{{ run|ui_url }}", {"run": run}) == "None"  # no UI URL configured


def test_ui_resource_events_url_and_flow_run_id() -> None:
    run_id = str(uuid.uuid4())
    automation = Kinded("automation", {"id": "a1"})
    assert _render("{{ a|ui_resource_events_url }}", a=automation) == (
        "http://ui.example:4200/events?resource=prefect.automation.a1"
    )
    labels = Labels({"prefect.resource.id": "ext.thing.1"})
    assert _render("{{ r|ui_resource_events_url }}", r=labels) == "http://ui.example:4200/events?resource=ext.thing.1"
    text = f"see https://ui/runs/flow-run/{run_id} now"
    assert _render("{{ t|flow_run_id }}", t=text) == run_id
    assert _render("{{ t|flow_run_id }}", t="nothing here") == "None"


@pytest.mark.parametrize(
    ("address", "restricted"),
    [
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("192.168.0.1", True),
        ("169.254.169.254", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("fe80::1%eth0", True),
        ("0.0.0.0", True),
        ("8.8.8.8", False),
        ("2606:4700:4700::1111", False),
    ],
)
def test_restricted_addresses(address: str, restricted: bool) -> None:
    assert is_restricted_address(address) is restricted


def _document(data: dict) -> BlockDocument:
    return BlockDocument(data=data, block_schema_id=uuid.uuid4(), block_type_id=uuid.uuid4())


def test_teams_and_discord_messages() -> None:
    teams_url = "https://prod.example.logic.azure.com/workflows/w/triggers/manual/paths/invoke?sig=abc"
    (request,), secrets = SENDERS["ms-teams-webhook"](_document({"url": teams_url, "wrap": False}), "S", "B")
    assert request.method == "POST" and request.url == teams_url and request.has_json
    card = request.json["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert [(t["text"], t["wrap"]) for t in card["content"]["body"]] == [("S", False), ("B", False)]
    assert secrets.scrub(f"echo {teams_url}") == "echo ********"

    discord = {"webhook_id": "1234", "webhook_token": "tok-abc", "botname": "bot", "tts": True}
    (request,), secrets = SENDERS["discord-webhook"](_document(discord), "S", "B" * 3000)
    assert request.url == "https://discord.com/api/webhooks/1234/tok-abc"
    assert request.json["content"].startswith("**S**\nB") and len(request.json["content"]) == 2000
    assert request.json["username"] == "bot" and request.json["tts"] is True
    assert secrets.scrub("tok-abc") == "********"


def test_a_custom_webhook_with_both_bodies_or_an_unknown_placeholder_is_invalid() -> None:
    both = {"name": "n", "url": "http://x", "json_data": {"a": "b"}, "form_data": {"c": "d"}}
    with pytest.raises(ActionFailed, match="both `Form Data` and `JSON Data`"):
        SENDERS["custom-webhook"](_document(both), "S", "B")
    unknown = {"name": "n", "url": "http://x/{{ who }}"}
    with pytest.raises(ActionFailed, match=r"url uses the placeholder \{\{ who \}\}"):
        SENDERS["custom-webhook"](_document(unknown), "S", "B")


def test_humanize_filters_are_offered() -> None:
    assert render("{{ 1234567|humanize_intcomma }} {{ 3|humanize_ordinal }}", {}) == "1,234,567 3rd"


def test_jinja2_is_not_loaded_until_a_template_is_checked() -> None:
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from prefect_http.app import create_app\n"
        "from prefect_core.settings import Settings\n"
        "create_app(Settings())\n"
        "print('jinja2' in sys.modules)\n"
        "from prefect_core.automations.templates import environment, validate\n"
        "validate('{{ x }}')\n"
        "print(environment().from_string('{{ x | ui_url }} {{ 3 | humanize_intword }}').render(x=1))\n"
        "print('jinja2' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.split() == ["False", "None", "3", "True"]
