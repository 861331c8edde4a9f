"""Hydrating the placeholders Prefect's forms write into parameters and run inputs.

The UI's schema forms send a value they could not type as a placeholder object, e.g.
`{"__prefect_kind": "json", "value": "[1, 2]"}`, and the reference server turns these into
values before it validates or stores them:

- `"none"`: the `value` itself (hydrated in turn);
- `"json"`: the `value` parsed as JSON (a non-string `value` is taken as it is); without a
  `value` the placeholder is dropped from its object or list;
- any kind this module does not know: its `value` (or null).

- `"workspace_variable"`: the value of the variable `variable_name` (when the caller passes
  the variables; `variable_names` says which to read); without a `variable_name` the
  placeholder is dropped.
- `"jinja"`: its `template` (hydrated first when it is an object), checked in Jinja2's
  immutable sandbox with the automations' limits (`prefect_core.automations.templates`:
  loops, nesting, ranges), then rendered to a string with the caller's context (none, for
  deployment parameters: as in the reference, a template there sees no variables, and an
  unknown name renders empty). A string without `{{` or `{%` is kept as it is. Rendering
  happens in a worker process with CPU, memory and time limits (`render_pool`), after the
  walk over the values, so the event loop never runs a user's template.
  `hydrate_collecting` (the UI's validation) only checks the template: a valid one stands
  for any value (`ValidTemplate`), as the reference's validation skips it.

A placeholder that cannot be hydrated is an error: `hydrate` raises `HydrationFailed`
("Invalid JSON: ...", "Missing 'value' key in __prefect object", "Invalid jinja: ...");
`hydrate_collecting` keeps going and reports where each one was, as the UI's validation does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from prefect_core.automations import render_pool, templates

__all__ = [
    "KIND_KEY",
    "HydrationFailed",
    "ValidTemplate",
    "hydrate",
    "hydrate_collecting",
    "prerender",
    "unrendered",
    "variable_names",
]

KIND_KEY = "__prefect_kind"
_VARIABLE = "workspace_variable"


class HydrationFailed(Exception):
    """A placeholder that cannot become a value; the message is the reference's."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Removed:
    """Stands for a placeholder that is dropped from its container."""


_REMOVED = _Removed()
Path = tuple[str | int, ...]


class ValidTemplate:
    """Stands for a valid, unrendered Jinja template (`hydrate_collecting`): a value the
    schema's checks say nothing of, as the reference's validation skips it."""

    def __init__(self, template: str) -> None:
        self.template = template

    def __repr__(self) -> str:
        return f"ValidTemplate({self.template!r})"


class _Deferred:
    """A checked template to render once the (synchronous) walk is done: `hydrate` renders
    it off the event loop. `source` is its text, or a template whose output is its text."""

    def __init__(self, source: str | _Deferred, *, as_json: bool = False) -> None:
        self.source = source
        #: A json placeholder whose value is a template: its output is parsed, not rendered.
        self.as_json = as_json


#: Templates rendered ahead (`prerender`): their text, or the failure's message.
Rendered = Mapping[str, str | HydrationFailed]


async def _render_text(source: str, context: Mapping[str, Any]) -> str:
    try:
        return await render_pool.POOL.render(source, dict(context))
    except render_pool.RenderRefused as exc:  # the user's template failed or broke a limit
        raise HydrationFailed(
            f"Invalid jinja: Failed to render template due to the following error: {exc.error_repr}"
        ) from None


async def _render(deferred: _Deferred, context: Mapping[str, Any], ahead: Rendered) -> Any:
    source = deferred.source
    if deferred.as_json:
        text = await _render(source, context, ahead) if isinstance(source, _Deferred) else source
        try:
            return json.loads(text)
        except ValueError as exc:
            raise HydrationFailed(f"Invalid JSON: {exc}") from None
    if isinstance(source, _Deferred):
        rendered = await _render(source, context, ahead)
        source = rendered if isinstance(rendered, str) else str(rendered)
        try:
            templates.validate(source)
        except templates.TemplateProblem as exc:
            raise HydrationFailed(f"Invalid jinja: {exc.message}") from None
        if not templates.has_syntax(source):
            return source
    if not context and source in ahead:
        done = ahead[source]
        if isinstance(done, HydrationFailed):
            raise done
        return done
    return await _render_text(source, context)


async def _rendered(value: Any, context: Mapping[str, Any], ahead: Rendered) -> Any:
    if isinstance(value, _Deferred):
        return await _render(value, context, ahead)
    if isinstance(value, dict):
        return {key: await _rendered(item, context, ahead) for key, item in value.items()}
    if isinstance(value, list):
        return [await _rendered(item, context, ahead) for item in value]
    return value


def _plain_templates(values: Any) -> set[str]:
    if isinstance(values, list):
        return set().union(*(_plain_templates(item) for item in values))
    if not isinstance(values, dict):
        return set()
    if values.get(KIND_KEY) == "jinja":
        template = values.get("template")
        return {template} if isinstance(template, str) and templates.has_syntax(template) else set()
    return set().union(*(_plain_templates(item) for item in values.values()))


def unrendered(values: Any, rendered: Rendered | None) -> set[str]:
    """The templates `values`' jinja placeholders hold that `rendered` lacks (and that would
    so be rendered where `hydrate` runs)."""
    done = rendered or {}
    return {text for text in _plain_templates(values) if text not in done}


async def prerender(values: Any) -> dict[str, str | HydrationFailed]:
    """Render ahead, with no variables, the valid templates `values`' jinja placeholders hold
    as text, for `hydrate(..., rendered=...)`: a caller renders them before it opens a
    write transaction, which then does not wait on a (possibly slow, hostile) render."""
    done: dict[str, str | HydrationFailed] = {}
    for text in sorted(_plain_templates(values)):
        try:
            templates.validate(text)
        except templates.TemplateProblem:
            continue  # `hydrate` reports it where it is
        try:
            done[text] = await _render_text(text, {})
        except HydrationFailed as exc:
            done[text] = exc
    return done


class _Hydrator:
    def __init__(
        self,
        raise_on_error: bool,
        variables: Mapping[str, Any] | None,
        jinja_context: Mapping[str, Any] | None = None,
    ) -> None:
        self.raise_on_error = raise_on_error
        self.variables = variables
        #: None: templates are checked, not rendered.
        self.jinja_context = jinja_context
        self.errors: list[tuple[Path, str]] = []

    def fail(self, path: Path, message: str) -> None:
        if self.raise_on_error:
            raise HydrationFailed(message)
        self.errors.append((path, message))

    def placeholder(self, obj: dict[str, Any], path: Path) -> Any:
        kind = obj[KIND_KEY]
        if kind == "jinja":
            return self.jinja(obj, path)
        if kind == _VARIABLE:
            return self.variable(obj, path)
        if kind == "none":
            if "value" not in obj:
                self.fail(path, "Missing 'value' key in __prefect object")
                return None
            return self.value(obj["value"], path)
        if kind == "json":
            if "value" not in obj:
                return _REMOVED
            raw = obj["value"]
            if isinstance(raw, dict):
                raw = self.value(raw, path)
            if isinstance(raw, _Deferred):
                return _Deferred(raw, as_json=True)
            if not isinstance(raw, str):
                return raw
            try:
                return json.loads(raw)
            except ValueError as exc:
                self.fail(path, f"Invalid JSON: {exc}")
                return None
        return obj.get("value")

    def jinja(self, obj: dict[str, Any], path: Path) -> Any:
        if "template" not in obj:
            self.fail(path, "Missing 'template' key in __prefect object")
            return None
        template = obj["template"]
        if isinstance(template, dict):
            failures = len(self.errors)
            template = self.value(template, path)
            if len(self.errors) > failures:
                return None  # reported where it failed
            if template is _REMOVED or _is_placeholder(template):
                return template  # still a placeholder (a variable not read, say): kept as it is
            if isinstance(template, _Deferred):
                return _Deferred(template)  # a template that renders a template: checked when rendered
        # Jinja reads any value as its text (the reference fails on some; none is worth a 500).
        text = template if isinstance(template, str) else str(template)
        try:
            templates.validate(text)
        except templates.TemplateProblem as exc:
            self.fail(path, f"Invalid jinja: {exc.message}")
            return None
        if self.jinja_context is None:
            return ValidTemplate(text)
        if not templates.has_syntax(text):
            return text
        return _Deferred(text)  # rendered by `hydrate`, in a worker process, after the walk

    def variable(self, obj: dict[str, Any], path: Path) -> Any:
        if "variable_name" not in obj:
            return _REMOVED
        name = obj["variable_name"]
        if isinstance(name, dict):
            name = self.value(name, path)
        if self.variables is None:
            return obj
        if isinstance(name, str) and name in self.variables:
            return self.variables[name]
        self.fail(path, f"Variable '{name}' not found in workspace.")
        return None

    def value(self, obj: Any, path: Path) -> Any:
        if isinstance(obj, dict):
            if KIND_KEY in obj:
                return self.placeholder(obj, path)
            hydrated = {key: self.value(item, (*path, key)) for key, item in obj.items()}
            return {key: item for key, item in hydrated.items() if item is not _REMOVED}
        if isinstance(obj, list):
            items = [self.value(item, (*path, index)) for index, item in enumerate(obj)]
            return [item for item in items if item is not _REMOVED]
        return obj


def _is_placeholder(value: Any) -> bool:
    return isinstance(value, ValidTemplate) or (isinstance(value, dict) and KIND_KEY in value)


def variable_names(values: Any) -> set[str]:
    """The workspace variables `values`' placeholders name (what `hydrate` needs given)."""
    if isinstance(values, list):
        return set().union(*(variable_names(item) for item in values))
    if not isinstance(values, dict):
        return set()
    if values.get(KIND_KEY) == _VARIABLE and isinstance(values.get("variable_name"), str):
        return {values["variable_name"]}
    return set().union(*(variable_names(item) for item in values.values()))


async def hydrate(
    values: dict[str, Any],
    variables: Mapping[str, Any] | None = None,
    *,
    jinja_context: Mapping[str, Any] | None = None,
    rendered: Rendered | None = None,
) -> dict[str, Any]:
    """`values` with their placeholders hydrated (workspace variables from `variables`, when
    given; else left as placeholders; templates rendered with `jinja_context`, by default
    none, in a worker process with resource limits: `render_pool`); `HydrationFailed` for
    the first bad one (a template that fails to render is reported after every other
    placeholder has been checked). `rendered` (from `prerender`) holds templates already
    rendered with no variables."""
    context = jinja_context or {}
    result = await _rendered(_Hydrator(True, variables, context).value(values, ()), context, rendered or {})
    return result if isinstance(result, dict) else {}


def hydrate_collecting(
    values: dict[str, Any], variables: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], list[tuple[Path, str]]]:
    """`values` hydrated as far as possible, and (path, message) for each placeholder that
    could not be (its place holds null); templates are checked, not rendered (a valid one
    holds a `ValidTemplate`)."""
    hydrator = _Hydrator(False, variables)
    result = hydrator.value(values, ())
    return (result if isinstance(result, dict) else {}), hydrator.errors
