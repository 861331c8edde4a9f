"""Event filters: the body of /events/filter and of /events/out subscriptions.

Each filter can say, with no I/O, whether it includes an event (`includes`),
which is how live streams are filtered. Storage backends translate the same
models into queries; where a criterion has no portable query form they may
query a superset and finish with `includes`.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from enum import Enum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, RootModel

from prefect_core import timeutil
from prefect_core.schemas.base import DateTime
from prefect_core.schemas.events import Event, Resource

#: How far back an unbounded query looks, as the reference: 180 days before today.
DEFAULT_LOOKBACK = dt.timedelta(days=180)


def _default_since() -> dt.datetime:
    today = timeutil.now().replace(hour=0, minute=0, second=0, microsecond=0)
    return today - DEFAULT_LOOKBACK


class _Criteria(BaseModel):
    """Every event filter rejects unknown fields, as the reference's do."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def label_matches(pattern: str, value: str | None) -> bool:
    """Glob-match a label value (`*`, `?`); a leading `!` negates. A missing label never matches."""
    if value is None:
        return False
    if pattern.startswith("!"):
        return not fnmatch.fnmatchcase(value, pattern[1:])
    return fnmatch.fnmatchcase(value, pattern)


class ResourceSpecification(RootModel[dict[str, str | list[str]]]):
    """Labels a resource must carry: each label must match one of its patterns."""

    def items(self) -> list[tuple[str, list[str]]]:
        return [(k, [v] if isinstance(v, str) else list(v)) for k, v in self.root.items()]

    def matches(self, resource: Resource) -> bool:
        return all(any(label_matches(p, resource.get(label)) for p in patterns) for label, patterns in self.items())


class EventOccurredFilter(_Criteria):
    since: DateTime = Field(default_factory=_default_since)
    until: DateTime = Field(default_factory=timeutil.now)

    def clamp(self, max_lookback: dt.timedelta) -> None:
        """Never look further back than `max_lookback` from now."""
        self.since = max(self.since, timeutil.now() - max_lookback)

    def includes(self, event: Event) -> bool:
        return self.since <= event.occurred <= self.until


class EventNameFilter(_Criteria):
    prefix: list[str] | None = None
    exclude_prefix: list[str] | None = None
    name: list[str] | None = None
    exclude_name: list[str] | None = None

    def includes(self, event: Event) -> bool:
        name = event.event
        if self.prefix and not any(name.startswith(p) for p in self.prefix):
            return False
        if self.exclude_prefix and any(name.startswith(p) for p in self.exclude_prefix):
            return False
        if self.name and name not in self.name:
            return False
        if self.exclude_name and name in self.exclude_name:
            return False
        return True


def _resource_includes(
    resource: Resource, ids: list[str] | None, prefixes: list[str] | None, labels: ResourceSpecification | None
) -> bool:
    if ids and resource.id not in ids:
        return False
    if prefixes and not any(resource.id.startswith(p) for p in prefixes):
        return False
    if labels is not None and not labels.matches(resource):
        return False
    return True


class EventResourceFilter(_Criteria):
    id: list[str] | None = None
    id_prefix: list[str] | None = None
    labels: ResourceSpecification | None = None
    distinct: bool = False

    def includes(self, event: Event) -> bool:
        return _resource_includes(event.resource, self.id, self.id_prefix, self.labels)


class EventRelatedFilter(_Criteria):
    id: list[str] | None = None
    role: list[str] | None = None
    resources_in_roles: list[tuple[str, str]] | None = None
    labels: ResourceSpecification | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.id or self.role or self.resources_in_roles or self.labels)

    def includes(self, event: Event) -> bool:
        """True when one related resource meets every criterion at once."""
        if self.is_empty:
            return True
        return any(self._one(resource) for resource in event.related)

    def _one(self, resource: Resource) -> bool:
        if self.id and resource.id not in self.id:
            return False
        if self.role and resource.role not in self.role:
            return False
        if self.resources_in_roles and (resource.id, resource.role) not in {
            tuple(pair) for pair in self.resources_in_roles
        }:
            return False
        if self.labels is not None and not self.labels.matches(resource):
            return False
        return True


class EventAnyResourceFilter(_Criteria):
    id: list[str] | None = None
    id_prefix: list[str] | None = None
    labels: ResourceSpecification | None = None

    def includes(self, event: Event) -> bool:
        """True when the primary or one related resource meets every criterion."""
        return any(_resource_includes(r, self.id, self.id_prefix, self.labels) for r in event.involved_resources)


class EventIDFilter(_Criteria):
    id: list[UUID] | None = None

    def includes(self, event: Event) -> bool:
        return not self.id or event.id in self.id


class TextQuery(BaseModel):
    """A parsed text search: any `include` term, no `exclude` term, every `required` term."""

    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    required: list[str] = Field(default_factory=list)


def parse_text_query(query: str) -> TextQuery:
    """Split a search string: spaces separate terms, `"..."` quotes a phrase (with
    backslash escapes), a leading `-` or `!` excludes a term, a leading `+` requires it."""
    parsed = TextQuery()
    i, n = 0, len(query)
    while i < n:
        if query[i].isspace():
            i += 1
            continue
        bucket = parsed.include
        if query[i] in "-!+":
            if i + 1 >= n or query[i + 1].isspace():
                i += 1  # a lone sign is noise
                continue
            bucket = parsed.required if query[i] == "+" else parsed.exclude
            i += 1
        if query[i] == '"':
            i += 1
            chars: list[str] = []
            while i < n and query[i] != '"':
                if query[i] == "\\" and i + 1 < n and query[i + 1] in '"\\':
                    chars.append(query[i + 1])
                    i += 2
                    continue
                chars.append(query[i])
                i += 1
            i += 1  # the closing quote, if there is one
            phrase = "".join(chars)
            if phrase.strip():
                bucket.append(phrase)
            continue
        start = i
        while i < n and not query[i].isspace() and query[i] != '"':
            i += 1
        if i > start:
            bucket.append(query[start:i])
    return parsed


def searchable_text(event: Event) -> str:
    """What a text filter searches: the name, label values, and the payload."""
    parts = [event.event, *event.resource.root.values()]
    for related in event.related:
        parts.extend(related.root.values())
    parts.append(str(event.payload))
    return " ".join(parts).lower()


class EventTextFilter(_Criteria):
    query: str = Field(max_length=200)

    def includes(self, event: Event) -> bool:
        parsed = parse_text_query(self.query)
        text = searchable_text(event)
        if parsed.include and not any(t.lower() in text for t in parsed.include):
            return False
        if any(t.lower() in text for t in parsed.exclude):
            return False
        return all(t.lower() in text for t in parsed.required)


class EventOrder(str, Enum):
    ASC = "ASC"
    DESC = "DESC"


def as_list(value: Any) -> list[Any]:
    """A filter field that may be one filter or a list of them, as a list."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


class EventFilter(_Criteria):
    """All criteria are ANDed; a list of related/any_resource filters must all hold."""

    occurred: EventOccurredFilter = Field(default_factory=EventOccurredFilter)
    event: EventNameFilter | None = None
    resource: EventResourceFilter | None = None
    related: EventRelatedFilter | list[EventRelatedFilter] | None = None
    any_resource: EventAnyResourceFilter | list[EventAnyResourceFilter] | None = None
    id: EventIDFilter = Field(default_factory=EventIDFilter)
    text: EventTextFilter | None = None
    order: EventOrder = EventOrder.DESC

    def includes(self, event: Event) -> bool:
        """Does `event` meet every criterion? (Pure; used for live streams.)"""
        parts: list[Any] = [self.occurred, self.event, self.resource, self.id, self.text]
        parts += as_list(self.related) + as_list(self.any_resource)
        return all(part.includes(event) for part in parts if part is not None)

    @property
    def logical_limit(self) -> int | None:
        """At most this many events can match (a list of ids bounds it), else None."""
        return len(self.id.id) if self.id.id else None
