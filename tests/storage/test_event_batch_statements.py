"""The event pipeline's check for already stored ids, whatever the batch's size.

Every batch of events first asks which of its ids are stored already (a client may send an
event twice). On PostgreSQL a list of ids is one array parameter (`= ANY($1)`), so batches of
any size run one prepared statement; an expanding `IN` would be a new statement, and a new
preparation on each connection, for every batch size. SQLite keeps the expanding `IN`
(preparing is cheap there).
"""

from __future__ import annotations

import pytest

from prefect_core import timeutil
from prefect_core.schemas.event_filters import EventFilter
from prefect_core.schemas.events import Event
from tests.support.statements import counting_statements

pytestmark = pytest.mark.timeout(60)


def _events(n: int, prefix: str) -> list[Event]:
    now = timeutil.now()
    return [
        Event(occurred=now, event=f"{prefix}.{i}", resource={"prefect.resource.id": f"r.{prefix}.{i}"})
        for i in range(n)
    ]


def _id_checks(statements: list[str]) -> list[str]:
    return [s for s in statements if s.startswith("SELECT events.id")]


async def test_batches_of_any_size_skip_what_is_stored(storage, backend: str) -> None:
    first = _events(3, "a")
    async with storage.write() as uow:
        assert [e.id for e in await uow.events.insert_many(first)] == [e.id for e in first]
    with counting_statements(storage) as log:
        for batch in (first[:1] + _events(1, "b"), _events(7, "c") + first, _events(3, "d")):
            async with storage.write() as uow:
                stored = await uow.events.insert_many(batch)
            # Only the events not stored before are new.
            assert [e.id for e in stored] == [e.id for e in batch if e not in first]
    checks = _id_checks(log.statements)
    assert len(checks) == 3
    if backend == "postgres":
        assert len(set(checks)) == 1, checks
        assert "ANY" in checks[0]
    else:
        assert len(set(checks)) == 3  # one IN (...) per batch size
    async with storage.read() as uow:
        assert await uow.events.count(EventFilter.model_validate({})) == 3 + 1 + 7 + 3
