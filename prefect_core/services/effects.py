"""The one place a decision's effects are carried out.

`EffectDispatcher` maps each effect type (`prefect_core.orchestration.effects`) to
the handler registered for it. A handler has up to two parts:

- `apply(effect, applied)` runs inside the unit of work that wrote the state, so
  what it writes commits or rolls back with the state (a cache entry, the parent
  task's mirrored state) and what it reads is consistent with it;
- `after_commit(prepared)`, when registered, receives what `apply` returned and runs
  only once that unit of work has committed (an event must not announce a state
  that was rolled back; a task worker must not get a run before its state is
  stored). It never runs when the unit of work rolls back.

A write that may orchestrate therefore opens its unit of work through
`EffectDispatcher.transaction(storage)`, which holds the after-commit actions and
runs them after the commit. An effect with no handler is an error, never skipped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from prefect_core.orchestration.base import RunKind
from prefect_core.orchestration.effects import Effect
from prefect_core.ports import Storage, UnitOfWork
from prefect_core.schemas.runs import FlowRun, TaskRun
from prefect_core.schemas.states import State

E = TypeVar("E")
P = TypeVar("P")

AfterCommit = Callable[[], Awaitable[None]]


class Transaction:
    """A write unit of work and the actions waiting for it to commit."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._after_commit: list[AfterCommit] = []

    def after_commit(self, action: AfterCommit) -> None:
        """Run `action` once the unit of work has committed (never if it rolls back)."""
        self._after_commit.append(action)

    async def _committed(self) -> None:
        actions, self._after_commit = self._after_commit, []
        failure: BaseException | None = None
        for action in actions:
            # Each action runs even if an earlier one failed: the state is committed
            # and every announcement of it is owed.
            try:
                await action()
            except Exception as exc:
                failure = failure or exc
        if failure is not None:
            raise failure


@dataclass(frozen=True)
class Applied:
    """A transition as written, for the effect handlers of its decision."""

    tx: Transaction
    kind: RunKind
    #: The run as written: its bookkeeping applied and, if a state was written, that state.
    run: FlowRun | TaskRun
    #: The run's state before the transition.
    initial: State | None
    #: The state written (None: the decision wrote none).
    state: State | None
    #: When the transition was decided.
    now: dt.datetime

    @property
    def uow(self) -> UnitOfWork:
        return self.tx.uow


@dataclass(frozen=True)
class _Handler:
    apply: Callable[[Any, Applied], Awaitable[Any]]
    after_commit: Callable[[Any], Awaitable[None]] | None


class EffectDispatcher:
    """Effect type -> handler; applies a decision's effects, in order, in one place."""

    def __init__(self) -> None:
        self._handlers: dict[type, _Handler] = {}

    @overload
    def register(self, effect_type: type[E], apply: Callable[[E, Applied], Awaitable[None]]) -> None: ...

    @overload
    def register(
        self,
        effect_type: type[E],
        apply: Callable[[E, Applied], Awaitable[P | None]],
        *,
        after_commit: Callable[[P], Awaitable[None]],
    ) -> None: ...

    def register(
        self,
        effect_type: type[E],
        apply: Callable[[E, Applied], Awaitable[Any]],
        *,
        after_commit: Callable[[Any], Awaitable[None]] | None = None,
    ) -> None:
        """Handle `effect_type` with `apply` (inside the unit of work) and, when given,
        `after_commit` (with what `apply` returned, unless None, once committed)."""
        if effect_type in self._handlers:
            raise ValueError(f"{effect_type.__name__} already has a handler")
        self._handlers[effect_type] = _Handler(apply, after_commit)

    def handled_types(self) -> frozenset[type]:
        return frozenset(self._handlers)

    def runs_after_commit(self, effect_type: type) -> bool:
        """Whether part of `effect_type`'s handling waits for the commit."""
        return self._handlers[effect_type].after_commit is not None

    async def dispatch(self, effects: Iterable[Effect | object], applied: Applied) -> None:
        """Apply each effect's in-transaction part now and queue its after-commit part."""
        for effect in effects:
            handler = self._handlers.get(type(effect))
            if handler is None:
                raise LookupError(f"No handler is registered for the {type(effect).__name__} effect")
            prepared = await handler.apply(effect, applied)
            if handler.after_commit is not None and prepared is not None:
                applied.tx.after_commit(_bound(handler.after_commit, prepared))

    @asynccontextmanager
    async def transaction(self, storage: Storage) -> AsyncIterator[Transaction]:
        """A write unit of work whose effects' after-commit parts run once it committed."""
        async with storage.write() as uow:
            tx = Transaction(uow)
            yield tx
        # Only reached when the block and the commit succeeded.
        await tx._committed()


def _bound(action: Callable[[Any], Awaitable[None]], prepared: Any) -> AfterCommit:
    async def run() -> None:
        await action(prepared)

    return run
