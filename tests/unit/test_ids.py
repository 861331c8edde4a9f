"""The stored objects' ids are version 7 UUIDs whose order follows their creation time."""

from __future__ import annotations

import time
from uuid import UUID

from prefect_core.ids import uuid7
from prefect_core.schemas.events import Event
from prefect_core.schemas.states import State


def test_a_new_id_is_a_version_7_uuid_stamped_with_the_time() -> None:
    before = time.time_ns() // 1_000_000
    made = uuid7()
    after = time.time_ns() // 1_000_000
    assert made.version == 7 and made.variant == "specified in RFC 4122"
    assert before <= made.int >> 80 <= after
    assert UUID(str(made)) == made


def test_ids_made_in_later_milliseconds_sort_later_as_text_and_as_bytes() -> None:
    made = []
    for _ in range(5):
        made.append(uuid7())
        time.sleep(0.002)
    # SQLite stores the canonical text, PostgreSQL the 16 bytes: both must follow time
    assert sorted(made, key=str) == made and sorted(made, key=lambda u: u.bytes) == made


def test_ids_are_not_repeated() -> None:
    assert len({uuid7() for _ in range(10_000)}) == 10_000


def test_stored_objects_get_time_ordered_ids_by_default() -> None:
    assert State(type="PENDING").id.version == 7
    event = Event.model_validate(
        {"occurred": "2026-12-03T00:00:00Z", "event": "x", "resource": {"prefect.resource.id": "r"}}
    )
    assert event.id.version == 7
