"""Flow run graphs: the task runs and subflow runs of a flow run and their edges."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from prefect_core.errors import BadRequest, NotFound
from prefect_core.ports import Storage, UnitOfWork
from prefect_core.schemas.bodies.queries import RunFilterBody
from prefect_core.schemas.filters import (
    FlowFilter,
    FlowFilterId,
    FlowRunFilter,
    FlowRunFilterParentFlowRunId,
    TaskRunFilter,
    TaskRunFilterFlowRunId,
)
from prefect_core.schemas.graph import DependencyResult, Edge, Graph, GraphArtifact, GraphState, Node
from prefect_core.schemas.runs import FlowRun, TaskRun, TaskRunResult
from prefect_core.schemas.sorting import FlowRunSort, FlowSort, TaskRunSort
from prefect_core.schemas.states import State, StateType

#: The reference's PREFECT_API_MAX_FLOW_RUN_GRAPH_NODES default.
MAX_NODES = 10_000
#: The reference's PREFECT_API_MAX_FLOW_RUN_GRAPH_ARTIFACTS default.
MAX_ARTIFACTS = 10_000
#: The task input naming the tasks a task ran inside of (not data it consumed).
ENCAPSULATING_INPUT = "__parents__"


@dataclass
class _Draft:
    """A node being built, with the ids its task's inputs point at."""

    node: Node
    inputs: list[UUID] = field(default_factory=list)
    encapsulated_by: list[UUID] = field(default_factory=list)


def _draft(task: TaskRun, subflow: FlowRun | None, flow_name: str | None) -> _Draft | None:
    """The node standing for `task`: the subflow it ran, if any, else the task itself.
    None when it has no start time (expected or actual) or no state yet to draw."""
    if subflow is not None:
        start = subflow.start_time or subflow.expected_start_time or task.start_time or task.expected_start_time
        state_type = subflow.state_type or task.state_type
    else:
        start, state_type = task.start_time or task.expected_start_time, task.state_type
    if start is None or state_type is None:
        return None
    end = (subflow.end_time if subflow else None) or task.end_time
    if end is None and task.state_type is StateType.COMPLETED:
        # A task completed without running (cached...) ends when it was due.
        end = task.expected_start_time
    node = Node(
        kind="flow-run" if subflow else "task-run",
        id=subflow.id if subflow else task.id,
        label=f"{flow_name} / {subflow.name}" if subflow else task.name,
        state_type=state_type,
        start_time=start,
        end_time=end,
        parents=[],
        children=[],
        encapsulating=[],
        artifacts=[],
    )
    draft = _Draft(node)
    for name, inputs in task.task_inputs.items():
        ids = draft.encapsulated_by if name == ENCAPSULATING_INPUT else draft.inputs
        ids.extend(i.id for i in inputs if hasattr(i, "id"))
    return draft


def build_graph(
    run: FlowRun,
    tasks: Sequence[TaskRun],
    subflows: Sequence[FlowRun],
    flow_names: dict[UUID, str],
    states: Sequence[State],
    since: dt.datetime,
    max_nodes: int = MAX_NODES,
    artifacts: Sequence[tuple[UUID | None, GraphArtifact]] = (),
) -> Graph:
    """The v2 graph of `run`: a node per task run (or per subflow run, for a task that
    ran one), edges where a task's inputs name another node, and only the nodes not
    ended before `since`. Edge lists are deduplicated and ordered by start time.
    `artifacts` (by task run id; None: the run's own) go on their task's node or the graph."""
    by_task: dict[UUID, list[FlowRun]] = defaultdict(list)
    for subflow in subflows:
        if subflow.parent_task_run_id is not None:
            by_task[subflow.parent_task_run_id].append(subflow)
    drafts: dict[UUID, _Draft] = {}
    for task in tasks:
        for sub in by_task.get(task.id) or (None,):
            draft = _draft(task, sub, flow_names.get(sub.flow_id) if sub else None)
            if draft is not None:
                drafts[draft.node.id] = draft

    def edges(ids: list[UUID]) -> list[Edge]:
        found = [drafts[i].node for i in dict.fromkeys(ids) if i in drafts]
        return [Edge(id=n.id) for n in sorted(found, key=lambda n: n.start_time)]

    for draft in drafts.values():
        draft.node.parents = edges(draft.inputs)
        draft.node.encapsulating = edges(draft.encapsulated_by)
        for parent in draft.node.parents:
            drafts[parent.id].node.children.append(Edge(id=draft.node.id))
    for draft in drafts.values():
        draft.node.children.sort(key=lambda e: drafts[e.id].node.start_time)
    own: list[GraphArtifact] = []
    for task_run_id, artifact in artifacts:
        if task_run_id is None:
            own.append(artifact)
        elif task_run_id in drafts:
            drafts[task_run_id].node.artifacts.append(artifact)

    nodes = [d.node for d in drafts.values() if d.node.end_time is None or d.node.end_time >= since]
    if len(nodes) > max_nodes:
        raise BadRequest(f"The graph of flow run {run.id} has more than {max_nodes} nodes.")
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    nodes.sort(key=lambda n: (n.start_time, n.end_time or far))
    return Graph(
        start_time=run.start_time or run.expected_start_time,
        end_time=run.end_time,
        root_node_ids=[n.id for n in nodes if not n.parents],
        nodes=[(n.id, n) for n in nodes],
        artifacts=own,
        states=[GraphState(id=s.id, timestamp=s.timestamp, type=s.type, name=s.name or "") for s in states],
    )


def dependencies(tasks: Sequence[TaskRun]) -> list[DependencyResult]:
    """The v1 graph: each task run with the task runs whose results it consumed."""
    out = []
    for task in tasks:
        upstream = {i.id: i for inputs in task.task_inputs.values() for i in inputs if isinstance(i, TaskRunResult)}
        out.append(
            DependencyResult(
                id=task.id,
                name=task.name,
                upstream_dependencies=list(upstream.values()),
                state=task.state,
                expected_start_time=task.expected_start_time,
                start_time=task.start_time,
                end_time=task.end_time,
                total_run_time=task.total_run_time,
                estimated_run_time=task.estimated_run_time,
                untrackable_result=task.state.state_details.untrackable_result if task.state else False,
            )
        )
    return out


class FlowRunGraphService:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    async def graph(self, run_id: UUID, since: dt.datetime) -> Graph:
        """The v2 graph of a flow run (NotFound "Flow run {id} not found")."""
        async with self.storage.read() as uow:
            run = await uow.flow_runs.get(run_id)
            if run is None:
                raise NotFound(f"Flow run {run_id} not found")
            tasks = await _task_runs(uow, run_id)
            subflows = await uow.flow_runs.filter(
                RunFilterBody(flow_runs=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[run_id]))),
                FlowRunSort.ID_DESC,
                0,
                None,
            )
            names: dict[UUID, str] = {}
            if subflows:
                flow_ids = list({sub.flow_id for sub in subflows})
                flows = await uow.flows.filter(
                    RunFilterBody(flows=FlowFilter(id=FlowFilterId(any_=flow_ids))), FlowSort.NAME_ASC, 0, None
                )
                names = {flow.id: flow.name for flow in flows}
            states = await uow.flow_run_states.history(run_id)
            artifacts = await uow.artifacts.of_flow_run(run_id, MAX_ARTIFACTS)
        return build_graph(run, tasks, subflows, names, states, since, artifacts=artifacts)

    async def dependencies(self, run_id: UUID) -> list[DependencyResult]:
        """The v1 graph of a flow run (NotFound "Flow run with id {id} not found")."""
        async with self.storage.read() as uow:
            if await uow.flow_runs.get(run_id) is None:
                raise NotFound(f"Flow run with id {run_id} not found")
            tasks = await _task_runs(uow, run_id)
        return dependencies(tasks)


async def _task_runs(uow: UnitOfWork, run_id: UUID) -> list[TaskRun]:
    filters = RunFilterBody(task_runs=TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(any_=[run_id])))
    return await uow.task_runs.filter(filters, TaskRunSort.ID_DESC, 0, None)
