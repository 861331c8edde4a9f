"""The effect dispatcher: every effect has a handler, and after-commit parts wait for the commit."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, get_args

import pytest

from prefect_core.orchestration import effects as effects_module
from prefect_core.orchestration.base import RunKind
from prefect_core.orchestration.effects import Effect, EnqueueTaskRun, FlowRunStateChanged
from prefect_core.schemas.runs import TaskRun
from prefect_core.services.effects import Applied, EffectDispatcher, Transaction
from prefect_core.services.events_sink import DiscardingSink
from prefect_core.services.orchestration import OrchestrationService
from tests.unit.orchestration_builders import NOW, task_run


class Storage:
    """A storage whose write units of work only record whether they committed."""

    def __init__(self, *, fail_commit: bool = False) -> None:
        self.log: list[str] = []
        self.fail_commit = fail_commit

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Any]:
        try:
            yield object()
        except BaseException:
            self.log.append("rollback")
            raise
        if self.fail_commit:
            self.log.append("commit failed")
            raise ConnectionError("lost the database while committing")
        self.log.append("commit")


class Queue:
    def __init__(self) -> None:
        self.runs: list[TaskRun] = []

    def enqueue(self, run: TaskRun) -> None:
        self.runs.append(run)


@dataclass(frozen=True)
class Noted:
    """A test effect."""

    text: str


def effect_classes() -> set[type]:
    """Every effect type the effects module defines."""
    return {
        obj
        for obj in vars(effects_module).values()
        if inspect.isclass(obj) and dataclasses.is_dataclass(obj) and obj.__module__ == effects_module.__name__
    }


def test_every_effect_type_is_an_effect_and_has_a_handler() -> None:
    declared = effect_classes()
    assert declared == set(get_args(Effect)), "an effect class is missing from the Effect union"
    service = OrchestrationService(Storage(), DiscardingSink(), Queue())  # type: ignore[arg-type]
    missing = {cls.__name__ for cls in declared - service.effects.handled_types()}
    assert not missing, f"effects without a handler: {sorted(missing)}"


def test_announcements_and_task_worker_hand_offs_wait_for_the_commit() -> None:
    service = OrchestrationService(Storage(), DiscardingSink(), Queue())  # type: ignore[arg-type]
    after = {cls.__name__ for cls in effect_classes() if service.effects.runs_after_commit(cls)}
    assert after == {FlowRunStateChanged.__name__, EnqueueTaskRun.__name__}


def _recording_dispatcher(log: list[str]) -> EffectDispatcher:
    dispatcher = EffectDispatcher()

    async def apply(effect: Noted, applied: Applied) -> str:
        log.append(f"apply {effect.text}")
        return effect.text

    async def after(text: str) -> None:
        log.append(f"after {text}")

    dispatcher.register(Noted, apply, after_commit=after)
    return dispatcher


def _applied(tx: Transaction) -> Applied:
    run = task_run(None)
    return Applied(tx=tx, kind=RunKind.TASK, run=run, initial=None, state=None, now=NOW)


async def test_after_commit_parts_run_once_committed_in_order() -> None:
    storage = Storage()
    dispatcher = _recording_dispatcher(storage.log)
    async with dispatcher.transaction(storage) as tx:  # type: ignore[arg-type]
        await dispatcher.dispatch([Noted("a"), Noted("b")], _applied(tx))
        storage.log.append("body done")
    assert storage.log == ["apply a", "apply b", "body done", "commit", "after a", "after b"]


async def test_after_commit_parts_never_run_when_the_unit_of_work_rolls_back() -> None:
    storage = Storage()
    dispatcher = _recording_dispatcher(storage.log)
    with pytest.raises(RuntimeError):
        async with dispatcher.transaction(storage) as tx:  # type: ignore[arg-type]
            await dispatcher.dispatch([Noted("a")], _applied(tx))
            raise RuntimeError("a later step failed")
    assert storage.log == ["apply a", "rollback"]


async def test_after_commit_parts_never_run_when_the_commit_fails() -> None:
    storage = Storage(fail_commit=True)
    dispatcher = _recording_dispatcher(storage.log)
    with pytest.raises(ConnectionError):
        async with dispatcher.transaction(storage) as tx:  # type: ignore[arg-type]
            await dispatcher.dispatch([Noted("a")], _applied(tx))
    assert storage.log == ["apply a", "commit failed"]


async def test_a_failing_after_commit_part_does_not_stop_the_others() -> None:
    storage = Storage()
    dispatcher = EffectDispatcher()
    seen: list[str] = []

    async def apply(effect: Noted, applied: Applied) -> str:
        return effect.text

    async def after(text: str) -> None:
        seen.append(text)
        if text == "first":
            raise ValueError("the sink is closed")

    dispatcher.register(Noted, apply, after_commit=after)
    with pytest.raises(ValueError):
        async with dispatcher.transaction(storage) as tx:  # type: ignore[arg-type]
            await dispatcher.dispatch([Noted("first"), Noted("second")], _applied(tx))
    assert seen == ["first", "second"]


async def test_nothing_after_commit_when_the_in_transaction_part_prepares_nothing() -> None:
    storage = Storage()
    dispatcher = EffectDispatcher()
    seen: list[str] = []

    async def apply(effect: Noted, applied: Applied) -> None:
        return None

    async def after(prepared: object) -> None:
        seen.append("after")

    dispatcher.register(Noted, apply, after_commit=after)
    async with dispatcher.transaction(storage) as tx:  # type: ignore[arg-type]
        await dispatcher.dispatch([Noted("x")], _applied(tx))
    assert seen == []


async def test_an_effect_without_a_handler_is_an_error() -> None:
    storage = Storage()
    dispatcher = EffectDispatcher()
    with pytest.raises(LookupError, match="Noted"):
        async with dispatcher.transaction(storage) as tx:  # type: ignore[arg-type]
            await dispatcher.dispatch([Noted("x")], _applied(tx))
    assert storage.log == ["rollback"]


def test_an_effect_type_has_one_handler() -> None:
    dispatcher = _recording_dispatcher([])

    async def other(effect: Noted, applied: Applied) -> None:
        return None

    with pytest.raises(ValueError, match="already"):
        dispatcher.register(Noted, other)
