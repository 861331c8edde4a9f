"""The server's garbage-collector settings parse, and tuning applies them (prefect_http.gc_tuning)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from prefect_core.errors import ConfigurationError
from prefect_http.gc_tuning import GcSettings, tune_after_startup


@pytest.fixture
def restored_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def test_the_defaults_freeze_and_keep_pythons_thresholds() -> None:
    settings = GcSettings.from_env({})
    assert settings.freeze is True
    assert settings.thresholds() == ()


@pytest.mark.parametrize(
    ("value", "expected"), [("10000", (10000,)), ("10000,20", (10000, 20)), (" 5000 , 10 , 10 ", (5000, 10, 10))]
)
def test_a_threshold_of_one_to_three_numbers_parses(value: str, expected: tuple[int, ...]) -> None:
    assert GcSettings.from_env({"PREFECT_SERVER_GC_THRESHOLD": value}).thresholds() == expected


@pytest.mark.parametrize("value", ["many", "1,2,3,4", "0", "-5,10"])
def test_a_bad_threshold_is_refused_naming_the_variable(value: str) -> None:
    with pytest.raises(ConfigurationError, match="PREFECT_SERVER_GC_THRESHOLD"):
        GcSettings.from_env({"PREFECT_SERVER_GC_THRESHOLD": value})


def test_freezing_can_be_switched_off() -> None:
    assert GcSettings.from_env({"PREFECT_SERVER_GC_FREEZE": "false"}).freeze is False


def test_tuning_freezes_what_exists_and_sets_the_threshold(restored_gc: None) -> None:
    gc.unfreeze()
    before = gc.get_threshold()
    tune_after_startup(GcSettings.from_env({"PREFECT_SERVER_GC_THRESHOLD": "12345"}))
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (12345, *before[1:])


def test_tuning_switched_off_changes_nothing(restored_gc: None) -> None:
    gc.unfreeze()
    before = gc.get_threshold()
    tune_after_startup(GcSettings.from_env({"PREFECT_SERVER_GC_FREEZE": "0"}))
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
