"""Jinja placeholders (`{"__prefect_kind": "jinja", "template": ...}`) hydrate as the reference
hydrates them where it renders them (runs from a deployment, deployment updates, run input):
in Jinja2's sandbox, with no variables, and the same sentence when a template is refused.
Each case is compared with the reference's own hydration (the installed `prefect` package)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from prefect_core import schema_hydration


def _jinja(template: Any) -> dict[str, Any]:
    return {"__prefect_kind": "jinja", "template": template}


RENDERED = [
    {"a": _jinja("{{ 1 + 2 }}")},
    {"a": _jinja("plain text, no template")},
    {"a": _jinja("{% for i in range(3) %}{{ i }},{% endfor %}")},
    {"a": _jinja("[{{ missing }}] [{{ missing.deeper.still }}]")},
    {"a": _jinja("{{ 'shout' | upper }} {{ {'k': [1, 2]} | tojson }}")},
    {"a": [_jinja("{{ 2 * 3 }}"), {"b": _jinja("{# a comment #}x")}]},
    # a template given by another placeholder, and a template's text parsed as JSON
    {"a": _jinja({"__prefect_kind": "json", "value": '"{{ 7 * 6 }}"'})},
    {"a": {"__prefect_kind": "json", "value": _jinja("[1, {{ 1 + 1 }}]")}},
    {"a": {"__prefect_kind": "none", "value": _jinja("{{ 'n' ~ 'one' }}")}},
]


@pytest.mark.parametrize("values", RENDERED)
def test_templates_render_as_the_reference_renders_them(values: dict[str, Any]) -> None:
    from prefect.utilities.schema_tools.hydration import HydrationContext, hydrate

    expected = hydrate(values, HydrationContext(raise_on_error=True, render_jinja=True))
    assert asyncio.run(schema_hydration.hydrate(values)) == expected


REFUSED = [
    {"a": _jinja("{{ unclosed")},
    {"a": _jinja("{% for x in y %}")},
    {"a": _jinja("{{ range(1000) | list }}")},
    {"a": _jinja("{{ 1 / 0 }}")},
    {"a": _jinja("{{ [].append(1) }}")},
    {"a": _jinja("".join("{% for i in range(1) %}{% endfor %}" for _ in range(11)))},
    {
        "a": _jinja(
            "{% for a in range(1) %}{% for b in range(1) %}{% for c in range(1) %}{% endfor %}{% endfor %}{% endfor %}"
        )
    },
    {"a": {"__prefect_kind": "jinja"}},
]


@pytest.mark.parametrize("values", REFUSED)
def test_refused_templates_are_worded_as_the_reference(values: dict[str, Any]) -> None:
    from prefect.utilities.schema_tools.hydration import HydrationContext, HydrationError, hydrate

    with pytest.raises(HydrationError) as expected:
        hydrate(values, HydrationContext(raise_on_error=True, render_jinja=True))
    with pytest.raises(schema_hydration.HydrationFailed) as ours:
        asyncio.run(schema_hydration.hydrate(values))
    assert ours.value.message == expected.value.message


def test_a_template_renders_with_the_context_it_is_given() -> None:
    values = {"greeting": _jinja("hello {{ name }}"), "kept": 1}
    assert asyncio.run(schema_hydration.hydrate(values, jinja_context={"name": "marvin"})) == {
        "greeting": "hello marvin",
        "kept": 1,
    }


def test_collecting_checks_templates_without_rendering_them() -> None:
    values = {"good": _jinja("{{ 1 + 1 }}"), "bad": _jinja("{{ oops"), "list": [_jinja("x")]}
    hydrated, errors = schema_hydration.hydrate_collecting(values)
    assert isinstance(hydrated["good"], schema_hydration.ValidTemplate)
    assert hydrated["good"].template == "{{ 1 + 1 }}"
    assert isinstance(hydrated["list"][0], schema_hydration.ValidTemplate)
    assert hydrated["bad"] is None
    [(path, message)] = errors
    assert path == ("bad",) and message.startswith("Invalid jinja: ")
