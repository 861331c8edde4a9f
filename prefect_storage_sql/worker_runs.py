"""Building blocks of the worker poll query (which scheduled runs a worker gets).

Each dialect composes them into one statement (`SqlDialectSupport.
scheduled_runs_to_claim`): SQLite ranks with window functions inside its
single serialised write transaction; PostgreSQL takes row locks with
`FOR UPDATE SKIP LOCKED` in a per-queue lateral subquery.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from prefect_core import run_facts
from prefect_core.ports import WorkerRunQuery
from prefect_storage_sql import tables

fr, wq, wp = tables.flow_run, tables.work_queue, tables.work_pool

#: Run states that hold a pool/queue concurrency slot, as the core defines them.
SLOT_STATES = tuple(sorted(state.value for state in run_facts.WORK_POOL_SLOT_STATES))


def holds_slot(query_now: Any) -> sa.ColumnElement[bool]:
    """Runs that occupy a concurrency slot: running or pending, or claimed by a poll."""
    return sa.or_(
        fr.c.state_type.in_(SLOT_STATES),
        sa.and_(fr.c.state_type == "SCHEDULED", fr.c.claimed_until > query_now),
    )


def queue_slots(query: WorkerRunQuery) -> sa.Subquery:
    """(queue id, free slots) for every limited queue."""
    used = sa.func.count(fr.c.id)
    return (
        sa.select(wq.c.id.label("id"), (wq.c.concurrency_limit - used).label("available"))
        .select_from(wq.outerjoin(fr, sa.and_(fr.c.work_queue_id == wq.c.id, holds_slot(query.now))))
        .where(wq.c.concurrency_limit.is_not(None))
        .group_by(wq.c.id, wq.c.concurrency_limit)
        .subquery("queue_slots")
    )


def pool_slots(query: WorkerRunQuery) -> sa.Subquery:
    """(pool id, free slots) for every limited pool."""
    used = sa.func.count(fr.c.id)
    joined = wp.join(wq, wq.c.work_pool_id == wp.c.id).outerjoin(
        fr, sa.and_(fr.c.work_queue_id == wq.c.id, holds_slot(query.now))
    )
    return (
        sa.select(wp.c.id.label("id"), (wp.c.concurrency_limit - used).label("available"))
        .select_from(joined)
        .where(wp.c.concurrency_limit.is_not(None))
        .group_by(wp.c.id, wp.c.concurrency_limit)
        .subquery("pool_slots")
    )


def queues_polled(query: WorkerRunQuery) -> sa.ColumnElement[bool]:
    """The unpaused queues of the unpaused pools the poll is about."""
    cond = sa.and_(
        wp.c.is_paused.is_(False),
        wq.c.is_paused.is_(False),
        wp.c.id.in_(list(query.work_pool_ids)),
    )
    if query.work_queue_ids is not None:
        cond = sa.and_(cond, wq.c.id.in_(list(query.work_queue_ids)))
    return cond


def run_is_due(query: WorkerRunQuery) -> sa.ColumnElement[bool]:
    """A scheduled run no poll has a live claim on, due within the poll's window."""
    retry_type = sa.type_coerce(fr.c.empirical_policy, sa.JSON)["retry_type"].as_string()
    cond = sa.and_(
        fr.c.state_type == "SCHEDULED",
        sa.or_(fr.c.claimed_until.is_(None), fr.c.claimed_until <= query.now),
        # Runs retried in-process are driven by their own engine, never by a worker.
        sa.or_(retry_type.is_(None), retry_type != "in_process"),
    )
    if query.scheduled_before is not None:
        cond = sa.and_(cond, fr.c.next_scheduled_start_time <= query.scheduled_before)
    if query.scheduled_after is not None:
        cond = sa.and_(cond, fr.c.next_scheduled_start_time >= query.scheduled_after)
    return cond


def order(query: WorkerRunQuery, priority: Any, start: Any, run_id: Any) -> list[Any]:
    """Queue priority first (when respected), then earliest start, then id for stability."""
    keys = [priority.asc()] if query.respect_queue_priorities else []
    return [*keys, start.asc(), run_id.asc()]
