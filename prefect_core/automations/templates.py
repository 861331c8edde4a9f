"""User templates (automation action parameters, webhook bodies, deployment parameters),
checked here against the reference's limits on loops and ranges, and rendered by Jinja2 in
its immutable sandbox inside a worker process with CPU, memory and time limits
(`render_pool`), so a hostile template can neither block nor exhaust the server.

Jinja2 (with humanize, ~2 MiB) is imported when the first template is checked or rendered:
a server whose automations use none never loads it."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from prefect_core.automations import render_pool
from prefect_core.automations.template_filters import CONTEXT_FILTERS, FILTERS

if TYPE_CHECKING:
    from jinja2 import nodes
    from jinja2.sandbox import ImmutableSandboxedEnvironment

#: A template may hold this many for-loops, nested this deep, and ranges this long.
MAX_LOOPS = 10
MAX_LOOP_DEPTH = 2
MAX_RANGE = 100


def _bounded_range(*args: int) -> range:
    values = range(*args)
    if len(values) > MAX_RANGE:
        raise OverflowError(f"Range too big. The sandbox blocks ranges larger than MAX_TEMPLATE_RANGE={MAX_RANGE}.")
    return values


@functools.cache
def environment() -> ImmutableSandboxedEnvironment:
    """The one sandboxed environment templates are checked and rendered in (built on first use)."""
    from jinja2 import ChainableUndefined, pass_context
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(
        undefined=ChainableUndefined,
        autoescape=False,
        # humanize_naturaltime, humanize_naturaldelta, ... as in the reference
        extensions=["jinja2_humanize_extension.HumanizeExtension"],
    )
    env.globals["range"] = _bounded_range
    env.filters.update({name: pass_context(f) if name in CONTEXT_FILTERS else f for name, f in FILTERS.items()})
    return env


@dataclass(frozen=True)
class TemplateProblem(Exception):
    """A template that does not parse or breaks a sandbox limit, with the line it is on."""

    message: str
    line: int


def _depth(node: nodes.Node, depth: int = 0) -> int:
    from jinja2 import nodes

    if isinstance(node, nodes.For):
        depth += 1
    return max([depth, *(_depth(child, depth) for child in node.iter_child_nodes())])


def validate(template: str) -> None:
    """Raise `TemplateProblem` unless the template parses and keeps within the limits."""
    from jinja2 import TemplateSyntaxError, nodes

    try:
        root = environment().parse(template)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(exc.message or str(exc), exc.lineno) from None
    loops = list(root.find_all(nodes.For))
    if len(loops) > MAX_LOOPS:
        raise TemplateProblem(
            f"Contains {len(loops)} for loops. Templates can contain no more than {MAX_LOOPS} for loops.", 0
        )
    depth = _depth(root)
    if depth > MAX_LOOP_DEPTH:
        raise TemplateProblem(
            f"Contains nested for loops at a depth of {depth}. Templates can nest for loops no more than "
            f"{MAX_LOOP_DEPTH} loops deep.",
            0,
        )


class TemplateRenderError(Exception):
    """A valid template that failed while rendering (e.g. an operation the sandbox refuses)."""

    def __init__(self, error: Exception, template: str) -> None:
        super().__init__(str(error))
        self.error = error
        self.template = template


def has_syntax(template: str) -> bool:
    """Whether a string holds template syntax at all (one without renders as itself)."""
    return "{{" in template or "{%" in template


async def render(template: str, context: dict[str, Any]) -> str:
    """Render a validated template in the sandbox, in a worker process with resource limits
    (`render_pool`); `TemplateRenderError` if rendering fails or breaks a limit."""
    validate(template)
    if not has_syntax(template):
        return template  # nothing to render: no worker needed
    try:
        return await render_pool.POOL.render(template, context)
    except render_pool.RenderRefused as exc:
        raise TemplateRenderError(exc, template) from None


async def render_values(value: Any, context: dict[str, Any]) -> Any:
    """Render every string inside a JSON-like value; a string without template syntax is kept as is."""
    if isinstance(value, str):
        if not has_syntax(value):
            return value
        return await render(value, context)
    if isinstance(value, dict):
        if "__prefect_kind" in value and value.get("__prefect_kind") == "jinja" and "template" in value:
            return await render(str(value["template"]), context)
        return {k: await render_values(v, context) for k, v in value.items()}
    if isinstance(value, list):
        return [await render_values(v, context) for v in value]
    return value
