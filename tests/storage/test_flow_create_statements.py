"""POST /flows/ for a flow that exists is one read, without the writer.

Every run of a deployment and every subflow call sends POST /flows/ for a flow that is
almost always there already; answering it with one SELECT keeps those calls off the single
writer (SQLite) and saves a transaction's round trips (PostgreSQL).
"""

from __future__ import annotations

import asyncio

import pytest

from prefect_core.schemas.flows import FlowCreate
from prefect_core.services.flows import FlowService
from tests.support.statements import counting_statements

pytestmark = pytest.mark.timeout(60)


async def test_a_known_flow_is_answered_by_one_read(storage) -> None:
    flows = FlowService(storage)
    created, was_new = await flows.create(FlowCreate(name="known", tags=["first"]))
    assert was_new
    with counting_statements(storage) as log:
        again, again_new = await flows.create(FlowCreate(name="known", tags=["ignored"]))
    assert not again_new
    assert again.id == created.id and again.tags == ["first"]  # as the reference: the first one's fields stay
    assert log.kinds() == ["SELECT"]


async def test_concurrent_creates_of_a_new_flow_make_one_flow(storage) -> None:
    flows = FlowService(storage)
    results = await asyncio.gather(*(flows.create(FlowCreate(name="raced")) for _ in range(8)))
    assert len({flow.id for flow, _ in results}) == 1
    assert sum(new for _, new in results) == 1
