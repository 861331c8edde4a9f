"""What a handler declares about its operation, for the OpenAPI document.

    @routes.post("/api/flows/")
    @describe(body=FlowCreate, response=Flow, status=201)
    async def create_flow(request): ...

Every route is described even without a declaration (path, method, path
parameters); a declaration adds the request body, query parameters and the
response. Types are anything pydantic can describe: models, `list[Model]`,
`dict[UUID, int]`, `bool`...
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

H = TypeVar("H", bound=Callable[..., Any])

#: The attribute a declaration is kept under on the handler function.
ATTRIBUTE = "__openapi__"


@dataclass(frozen=True)
class Operation:
    """The declared parts of one operation (see `describe`)."""

    body: Any = None
    response: Any = None
    status: int = 200
    query: type[BaseModel] | None = None
    summary: str | None = None
    tags: tuple[str, ...] = ()
    #: Other answers worth naming, status -> description (e.g. {404: "Flow not found"}).
    errors: dict[int, str] = field(default_factory=dict)
    deprecated: bool = False


def describe(
    *,
    body: Any = None,
    response: Any = None,
    status: int = 200,
    query: type[BaseModel] | None = None,
    summary: str | None = None,
    tags: Sequence[str] = (),
    errors: dict[int, str] | None = None,
    deprecated: bool = False,
) -> Callable[[H], H]:
    """Declare the request body, query parameters (a model's fields), success status and
    response type of the decorated handler. Returns the handler itself, so it stacks with
    `@routes.get(...)` in either order."""
    operation = Operation(body, response, status, query, summary, tuple(tags), dict(errors or {}), deprecated)

    def mark(handler: H) -> H:
        setattr(handler, ATTRIBUTE, operation)
        return handler

    return mark


def hidden(handler: H) -> H:
    """Leave the decorated handler out of the document (the document's own routes)."""
    setattr(handler, ATTRIBUTE, HIDDEN)
    return handler


#: The declaration of a hidden handler.
HIDDEN = Operation(summary="(hidden)")


def declared(handler: Any) -> Operation | None:
    """The handler's declaration, if it has one."""
    found = getattr(handler, ATTRIBUTE, None)
    return found if isinstance(found, Operation) else None
