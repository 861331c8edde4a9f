"""SQLite's worker poll query: ranks with window functions (SQLite has no LATERAL).

Safe against concurrent polls because SQLite write transactions are serialised
(BEGIN IMMEDIATE, one writer): the select and the claim that follows it run
with no other writer in between.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from prefect_core.ports import WorkerRunQuery
from prefect_storage_sql import worker_runs as parts

fr, wq, wp = parts.fr, parts.wq, parts.wp


def scheduled_runs_to_claim(query: WorkerRunQuery) -> sa.Select[Any]:
    qs, ps = parts.queue_slots(query), parts.pool_slots(query)
    candidates = (
        sa.select(
            fr.c.id.label("flow_run_id"),
            wq.c.id.label("work_queue_id"),
            wp.c.id.label("work_pool_id"),
            wq.c.priority.label("priority"),
            fr.c.next_scheduled_start_time.label("start"),
            sa.func.row_number()
            .over(partition_by=wq.c.id, order_by=(fr.c.next_scheduled_start_time, fr.c.id))
            .label("queue_rank"),
        )
        .select_from(fr.join(wq, wq.c.id == fr.c.work_queue_id).join(wp, wp.c.id == wq.c.work_pool_id))
        .where(parts.run_is_due(query), parts.queues_polled(query))
        .subquery("candidates")
    )
    c = candidates.c
    within_queue = (
        sa.select(
            c.flow_run_id,
            c.work_queue_id,
            c.work_pool_id,
            c.priority,
            c.start,
            sa.func.row_number()
            .over(partition_by=c.work_pool_id, order_by=parts.order(query, c.priority, c.start, c.flow_run_id))
            .label("pool_rank"),
        )
        .select_from(candidates.outerjoin(qs, qs.c.id == c.work_queue_id))
        .where(c.queue_rank <= sa.func.coalesce(qs.c.available, query.limit))
        .subquery("within_queue")
    )
    r = within_queue.c
    return (
        sa.select(r.work_pool_id, r.work_queue_id, r.flow_run_id)
        .select_from(within_queue.outerjoin(ps, ps.c.id == r.work_pool_id))
        .where(r.pool_rank <= sa.func.coalesce(ps.c.available, query.limit))
        .order_by(*parts.order(query, r.priority, r.start, r.flow_run_id))
        .limit(query.limit)
    )
