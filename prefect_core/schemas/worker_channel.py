"""The work-pool worker channel (WS /work_pools/{name}/workers/connect), v1.

After the `prefect` handshake a worker sends `worker.hello.v1`; the server
answers `worker.ready.v1` (accepted capabilities, its queues, a first snapshot
of the pool), then takes `worker.heartbeat.v1` frames and pushes
`work_pool.snapshot.v1` when the pool changes. Runs are still fetched over REST.
"""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from prefect_core import timeutil
from prefect_core.ids import uuid7
from prefect_core.schemas.work_pools import WorkPool, WorkQueue

CHANNEL_VERSION = "work_pool_worker_channel.v1"
#: What this server offers; the optional cleanup delivery is not implemented.
CAPABILITIES = ("worker_heartbeat.v1", "work_pool_snapshot.v1")

#: Close reasons, as the client's policy table names them, and their websocket codes.
CLOSE_CODES = {
    "authentication_failed": 1008,
    "authorization_failed": 1008,
    "unsupported_version": 1008,
    "protocol_error": 1002,
    "heartbeat_persistence_failed": 1011,
    "transient_server_error": 1011,
}


class _Frame(BaseModel):
    model_config = ConfigDict(extra="ignore")


class HelloPayload(_Frame):
    consumer_id: UUID
    worker_name: str = Field(min_length=1)
    worker_type: str = Field(min_length=1)
    heartbeat_interval_seconds: int = Field(gt=0)
    supported_channel_versions: list[str] = Field(min_length=1)
    requested_capabilities: list[str] = Field(min_length=1)
    work_queue_names: list[str] = Field(default_factory=list)
    create_pool_if_not_found: bool = False
    default_base_job_template: dict[str, Any] = Field(default_factory=dict)


class HelloFrame(_Frame):
    type: Literal["worker.hello.v1"]
    payload: HelloPayload


class HeartbeatPayload(_Frame):
    consumer_id: UUID
    worker_name: str = Field(min_length=1)
    heartbeat_interval_seconds: int = Field(gt=0)


def _frame(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"type": kind, "id": str(uuid7()), "sent_at": timeutil.isoformat(timeutil.now()), "payload": payload}


def _snapshot(pool: WorkPool, sequence: int, reason: str) -> dict[str, Any]:
    return {"snapshot_sequence": sequence, "reason": reason, "work_pool": pool.model_dump(mode="json")}


def ready_frame(hello: HelloPayload, pool: WorkPool, queues: list[WorkQueue]) -> dict[str, Any]:
    """`worker.ready.v1`: the required capabilities accepted, the rest rejected."""
    requested = list(dict.fromkeys(hello.requested_capabilities))
    return _frame(
        "worker.ready.v1",
        {
            "consumer_id": str(hello.consumer_id),
            "worker_id": None,
            "selected_channel_version": CHANNEL_VERSION,
            "effective_heartbeat_interval_seconds": hello.heartbeat_interval_seconds,
            "accepted_capabilities": list(CAPABILITIES),
            "rejected_capabilities": [c for c in requested if c not in CAPABILITIES],
            "effective_max_cleanup_concurrency": 0,
            "resolved_work_queues": [{"id": str(q.id), "name": q.name} for q in queues],
            "initial_snapshot": _snapshot(pool, 1, "initial"),
        },
    )


def snapshot_frame(pool: WorkPool, sequence: int) -> dict[str, Any]:
    """`work_pool.snapshot.v1` after the pool changed (sequence > 1)."""
    return _frame("work_pool.snapshot.v1", _snapshot(pool, sequence, "work_pool_updated"))
