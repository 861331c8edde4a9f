"""The server process's garbage collector, tuned once start-up is done.

Everything start-up builds (modules, routes, the OpenAPI document, schemas, compiled statements)
lives as long as the process, yet each full collection walked all of it again: under load a
full collection paused the loop for ~90 ms, and every request being served waited it out
(docs/benchmarks.md, "Why the point read misses 10 ms"). `gc.freeze()` moves what exists once
start-up is done into the permanent generation, which collections skip; garbage among it (none
is expected) would only be freed at exit. What requests allocate is still collected as before.

The first-generation threshold can be raised too (`PREFECT_SERVER_GC_THRESHOLD`): fewer, larger
young collections; left at Python's own unless set.
"""

from __future__ import annotations

import gc

from pydantic import Field, field_validator

from prefect_core.settings import EnvironSettings


class GcSettings(EnvironSettings):
    """How the server tunes the garbage collector after start-up."""

    #: Freeze what start-up allocated (`gc.freeze()`), so that collections stop walking it.
    freeze: bool = Field(default=True, validation_alias="PREFECT_SERVER_GC_FREEZE")
    #: The collector's thresholds, "gen0" or "gen0,gen1" or "gen0,gen1,gen2" (empty: Python's own).
    threshold: str = Field(default="", validation_alias="PREFECT_SERVER_GC_THRESHOLD")

    @field_validator("threshold")
    @classmethod
    def _valid_threshold(cls, value: str) -> str:
        _numbers(value)
        return value

    def thresholds(self) -> tuple[int, ...]:
        """The thresholds to set, first generation first (empty: leave Python's)."""
        return _numbers(self.threshold)


def _numbers(value: str) -> tuple[int, ...]:
    try:
        numbers = tuple(int(part) for part in value.split(",") if part.strip())
    except ValueError:
        numbers = ()
        valid = False
    else:
        valid = len(numbers) <= 3 and all(n >= 1 for n in numbers)
    if not valid:
        raise ValueError("expected up to three comma-separated whole numbers of at least 1, e.g. 10000,10,10")
    return numbers


def tune_after_startup(settings: GcSettings) -> None:
    """Apply `settings` (call once start-up is done, before serving)."""
    if thresholds := settings.thresholds():
        gc.set_threshold(*thresholds)
    if settings.freeze:
        gc.collect()  # start-up's own garbage goes first, so that only live objects are frozen
        gc.freeze()
