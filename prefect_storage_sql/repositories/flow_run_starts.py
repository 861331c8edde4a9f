"""Start times of many flow runs at once."""

from __future__ import annotations

import sqlalchemy as sa

from prefect_core.ports import RunFilters, RunStart
from prefect_core.schemas.states import StateType
from prefect_storage_sql import tables
from prefect_storage_sql.filters import flow_runs_in_deployments_and_queues, flow_runs_matching
from prefect_storage_sql.repositories.base import SqlRepository

t = tables.flow_run


class SqlFlowRunStartRepository(SqlRepository):
    async def starts(self, filters: RunFilters) -> list[RunStart]:
        stmt = sa.select(t.c.expected_start_time, t.c.start_time, t.c.state_type).where(
            flow_runs_matching(filters, self.support),
            flow_runs_in_deployments_and_queues(filters, self.support),
        )
        return [
            RunStart(expected, started, StateType(state) if state else None)
            for expected, started, state in await self.conn.execute(stmt)
        ]
