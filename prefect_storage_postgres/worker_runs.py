"""PostgreSQL's worker poll query: a lateral subquery per queue that locks the
runs it picks with `FOR UPDATE SKIP LOCKED`.

A concurrent poll skips the rows this one holds; a row claimed and committed
by another poll meanwhile is re-checked by PostgreSQL against the new row
(its `claimed_until`), so no run is handed out twice. Each queue's share is
capped by the queue's and the pool's free slots here; the pool total across
queues is capped by the repository.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from prefect_core.ports import WorkerRunQuery
from prefect_storage_sql import worker_runs as parts

fr, wq, wp = parts.fr, parts.wq, parts.wp


def scheduled_runs_to_claim(query: WorkerRunQuery) -> sa.Select[Any]:
    qs, ps = parts.queue_slots(query), parts.pool_slots(query)
    free = sa.func.least(
        query.limit,
        sa.func.greatest(0, sa.func.coalesce(qs.c.available, query.limit)),
        sa.func.greatest(0, sa.func.coalesce(ps.c.available, query.limit)),
    )
    per_queue = (
        sa.select(fr.c.id, fr.c.next_scheduled_start_time)
        .where(fr.c.work_queue_id == wq.c.id, parts.run_is_due(query))
        .order_by(fr.c.next_scheduled_start_time, fr.c.id)
        .limit(free)
        .with_for_update(skip_locked=True, of=fr)
        .lateral("runs")
    )
    joined = (
        wp.join(wq, wq.c.work_pool_id == wp.c.id)
        .outerjoin(qs, qs.c.id == wq.c.id)
        .outerjoin(ps, ps.c.id == wp.c.id)
        .join(per_queue, sa.true())
    )
    return (
        sa.select(
            wp.c.id.label("work_pool_id"),
            wq.c.id.label("work_queue_id"),
            per_queue.c.id.label("flow_run_id"),
        )
        .select_from(joined)
        .where(parts.queues_polled(query))
        .order_by(*parts.order(query, wq.c.priority, per_queue.c.next_scheduled_start_time, per_queue.c.id))
        .limit(query.limit)
    )
