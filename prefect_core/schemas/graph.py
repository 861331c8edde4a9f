"""Flow run graphs: the v2 graph the UI draws, and the v1 task dependency list."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from prefect_core.schemas.base import DateTime, PrefectModel
from prefect_core.schemas.runs import TaskRunResult
from prefect_core.schemas.states import State, StateType


class GraphState(PrefectModel):
    id: UUID
    timestamp: DateTime
    type: StateType
    name: str


class GraphArtifact(PrefectModel):
    id: UUID
    created: DateTime
    key: str | None
    type: str | None
    is_latest: bool
    data: Any | None


class Edge(PrefectModel):
    id: UUID


class Node(PrefectModel):
    kind: Literal["flow-run", "task-run"]
    id: UUID
    label: str
    state_type: StateType
    start_time: DateTime
    end_time: DateTime | None
    parents: list[Edge]
    children: list[Edge]
    encapsulating: list[Edge]
    artifacts: list[GraphArtifact]


class Graph(PrefectModel):
    start_time: DateTime | None
    end_time: DateTime | None
    root_node_ids: list[UUID]
    nodes: list[tuple[UUID, Node]]
    artifacts: list[GraphArtifact]
    states: list[GraphState]


class DependencyResult(PrefectModel):
    """One task run of the v1 graph, with the task runs it consumed."""

    id: UUID
    name: str
    upstream_dependencies: list[TaskRunResult]
    state: State | None
    expected_start_time: DateTime | None
    start_time: DateTime | None
    end_time: DateTime | None
    total_run_time: float | None
    estimated_run_time: float | None
    untrackable_result: bool
