"""`{{ name }}` placeholders as the client's custom webhook notification block fills them
(not Jinja: a plain substitution of the block's secrets and the message's subject, body
and name).

A string that is one placeholder becomes the value itself (of any type); in a longer
string each placeholder becomes the value's text. A placeholder with no value is
dropped: a dictionary entry or list item that is only that placeholder disappears, and
inside a longer string it becomes empty. Dotted names and `[n]` reach into nested
values. Placeholders for blocks (`prefect.blocks.`) and variables (`prefect.variables.`)
are left as they are, as the client leaves them; environment placeholders (`$NAME`) are
dropped, because the server's environment is not the caller's to read.
"""

from __future__ import annotations

import re
from typing import Any

_PLACEHOLDER = re.compile(r"({{\s*([\w\.\-\[\]$]+)\s*}})")
_KEPT_PREFIXES = ("prefect.blocks.", "prefect.variables.")


class _Missing:
    """No value for a placeholder."""


MISSING = _Missing()


def _lookup(values: dict[str, Any], name: str) -> Any:
    current: Any = values
    for key in name.replace("[", ".").replace("]", "").split("."):
        try:
            if isinstance(current, list):
                current = current[int(key)]
            elif isinstance(current, dict):
                current = current[key]
            else:
                return MISSING
        except (KeyError, IndexError, ValueError):
            return MISSING
    return current


def _value(values: dict[str, Any], name: str) -> Any:
    if name.startswith("$"):
        return MISSING
    return _lookup(values, name)


def placeholder_names(template: Any) -> set[str]:
    """Every placeholder name in a string, or in the strings inside a JSON-like value."""
    if isinstance(template, str):
        return {name for _, name in _PLACEHOLDER.findall(template)}
    names: set[str] = set()
    items = template.values() if isinstance(template, dict) else template if isinstance(template, list) else ()
    for item in items:
        names |= placeholder_names(item)
    return names


def _apply_string(template: str, values: dict[str, Any]) -> Any:
    found = _PLACEHOLDER.findall(template)
    if not found:
        return template
    if len(found) == 1 and found[0][0] == template and not found[0][1].startswith(_KEPT_PREFIXES):
        return _value(values, found[0][1])
    for whole, name in set(found):
        if name.startswith(_KEPT_PREFIXES):
            continue
        value = _value(values, name)
        template = template.replace(whole, "" if value is MISSING else str(value))
    return template


def apply_placeholders(template: Any, values: dict[str, Any]) -> Any:
    """The template with its placeholders filled from `values` (`MISSING` when the whole
    template was one placeholder without a value)."""
    if isinstance(template, str):
        return _apply_string(template, values)
    if isinstance(template, dict):
        filled = {key: apply_placeholders(value, values) for key, value in template.items()}
        return {key: value for key, value in filled.items() if value is not MISSING}
    if isinstance(template, list):
        return [item for item in (apply_placeholders(v, values) for v in template) if item is not MISSING]
    return template
