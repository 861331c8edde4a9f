"""Types shared by every rule: the context a rule reads, what it answers, and the decision."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal

# Re-exported (the `X as X` form tells mypy so): rules import the effects from here.
from prefect_core.orchestration.effects import CacheWrite as CacheWrite
from prefect_core.orchestration.effects import Effect as Effect
from prefect_core.orchestration.effects import EnqueueTaskRun as EnqueueTaskRun
from prefect_core.orchestration.effects import FlowRunStateChanged as FlowRunStateChanged
from prefect_core.orchestration.effects import LeaseDeploymentSlot as LeaseDeploymentSlot
from prefect_core.orchestration.effects import ReleaseDeploymentLease as ReleaseDeploymentLease
from prefect_core.orchestration.effects import RenewDeploymentLease as RenewDeploymentLease
from prefect_core.orchestration.effects import SetParentTaskRunState as SetParentTaskRunState
from prefect_core.orchestration.needs import Need
from prefect_core.schemas.deployments import DEFAULT_DEPLOYMENT_LEASE_SECONDS, DeploymentConcurrency
from prefect_core.schemas.runs import FlowRun, TaskRun
from prefect_core.schemas.states import State, StateDetails, StateType

Status = Literal["ACCEPT", "REJECT", "WAIT", "ABORT"]

#: The reference's default for `PREFECT_SERVER_TASKS_MAX_CACHE_KEY_LENGTH`.
DEFAULT_MAX_CACHE_KEY_LENGTH = 2000

#: The reference's default for `PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS`.
DEFAULT_DEPLOYMENT_SLOT_WAIT_SECONDS = 30.0


class RunKind(str, Enum):
    FLOW = "flow"
    TASK = "task"


@dataclass(frozen=True)
class TransitionContext:
    """Everything a rule may look at, loaded by the service before the rules run.

    A field marked "Loaded for `Need.X`" is filled only when a rule of the policy
    governing the transition declares that need; otherwise it keeps its default.

    `run` is the run as stored before the transition (its `state` is `initial`).
    While a policy runs, later rules see `run` with the tentative changes of earlier
    rules applied (as the reference's rules see a mutated run row).
    """

    kind: RunKind
    run: FlowRun | TaskRun
    initial: State | None
    proposed: State
    now: dt.datetime
    force: bool = False
    #: Loaded for `Need.PARENT_FLOW_RUN`: for task runs, the state of the flow run
    #: the task belongs to, if any.
    #: A task run with a `flow_run_id` whose flow run no longer exists is told apart
    #: from a flow run without a state by `parent_flow_run_run_count` also being None.
    parent_flow_run_state: State | None = None
    #: Loaded for `Need.PARENT_FLOW_RUN`: the flow run's run_count (tasks record it
    #: as flow_run_run_count).
    parent_flow_run_run_count: int | None = None
    #: Loaded for `Need.CACHED_STATE`: for task runs proposing RUNNING with a cache
    #: key, the unexpired cached state, if any.
    cached_state: State | None = None
    #: The client's API version, when it sent one (some rules vary by client version).
    client_version: str | None = None
    #: Longest cache key a COMPLETED task state may carry.
    max_cache_key_length: int = DEFAULT_MAX_CACHE_KEY_LENGTH
    #: Loaded for `Need.DEPLOYMENT_SLOTS`: for flow runs of a deployment with a
    #: concurrency limit, the global limit backing it, its collision strategy and the
    #: slots held now, read under the limit row's lock. None: no limit applies (or no
    #: rule of the transition asked).
    deployment_concurrency: DeploymentConcurrency | None = None
    #: Loaded for `Need.DEPLOYMENT_LEASE`: whether the lease named by the initial state's
    #: `deployment_concurrency_lease_id` still holds its slot (stored and unexpired).
    #: None when the initial state names no lease (or no rule asked).
    deployment_lease_alive: bool | None = None
    #: How long a run that found its deployment full waits before it is due again.
    deployment_slot_wait_seconds: float = DEFAULT_DEPLOYMENT_SLOT_WAIT_SECONDS
    #: How long a new deployment lease lasts when the deployment sets no grace period.
    deployment_lease_seconds: float = DEFAULT_DEPLOYMENT_LEASE_SECONDS

    @property
    def flow_run(self) -> FlowRun:
        """`run`, for rules of flow-run policies (a task run here is a policy wiring bug)."""
        if not isinstance(self.run, FlowRun):
            raise TypeError(f"a flow-run rule was applied to a {type(self.run).__name__}")
        return self.run

    @property
    def task_run(self) -> TaskRun:
        """`run`, for rules of task-run policies (a flow run here is a policy wiring bug)."""
        if not isinstance(self.run, TaskRun):
            raise TypeError(f"a task-run rule was applied to a {type(self.run).__name__}")
        return self.run


@dataclass
class Decision:
    """The outcome of orchestration, for the service to carry out.

    - ACCEPT: write `state` (the proposal, possibly altered by rules).
    - REJECT: answer with `state`. When a rule substituted a state (an
      `AwaitingRetry`, a `Cached` completion, a `Cancelled`...), `writes_state` is
      true and that state is written like an accepted one; otherwise `state` is the
      current state and nothing is written.
    - WAIT: write nothing; the client retries after `delay_seconds`. `state` is the
      current state.
    - ABORT: write nothing; the client must stop orchestrating this run. `state` is
      the current state.

    Whatever the status, apply `run_updates` to the run row when it is not empty
    (a rejection can still change the run's policy, as in the reference) and carry
    out `effects` after writing. `run_updates` holds only changed columns among
    run_count, start_time, end_time, total_run_time (seconds), expected_start_time,
    next_scheduled_start_time, flow_run_run_count (task runs) and empirical_policy
    (the whole new policy as a JSON-ready dict). The state columns (id, type, name,
    timestamp) are left to storage, which sets them when it appends `state`.
    """

    status: Status
    state: State | None
    reason: str | None = None
    delay_seconds: int = 0
    run_updates: dict[str, Any] = field(default_factory=dict)
    effects: list[Effect] = field(default_factory=list)
    #: True when `state` is new and must be appended to the run's state history.
    writes_state: bool = False


#: Run changes a rule asks for: run field -> value, except `empirical_policy`,
#: whose value is a mapping of policy fields merged into the current policy.
RunChanges = Mapping[str, Any]


@dataclass(frozen=True)
class Outcome:
    """What one rule says about the transition so far.

    - ACCEPT: let it through; `state`, when given, replaces the proposal (same type).
    - REJECT: `state` replaces the proposal (None: keep the current state).
    - WAIT / ABORT: nothing is written.

    `changes` are applied to the run at once (later rules see them) and dropped
    again if a later rule turns the transition into another one, like the
    reference's rule clean-up. `after_changes` and `effects` apply only if the
    transition this rule let through (or produced) is the final outcome.
    """

    status: Status = "ACCEPT"
    state: State | None = None
    reason: str | None = None
    delay_seconds: int = 0
    changes: RunChanges = field(default_factory=dict)
    after_changes: RunChanges = field(default_factory=dict)
    effects: tuple[Effect, ...] = ()


RuleCheck = Callable[[TransitionContext, State], "Outcome | None"]

ALL_STATES: frozenset[StateType | None] = frozenset([*StateType, None])
TERMINAL: frozenset[StateType | None] = frozenset(
    {StateType.COMPLETED, StateType.FAILED, StateType.CANCELLED, StateType.CRASHED}
)


@dataclass(frozen=True)
class Rule:
    """A named, pure orchestration rule and the transitions it governs.

    `check(ctx, proposed)` runs only when the intended transition goes from a type
    in `from_states` to one in `to_states` (None stands for "no state"), and no
    earlier rule has turned it into another transition. It returns None for "no
    opinion" or an `Outcome`. It never awaits and never touches storage: what it
    needs besides the run and its states it declares in `needs`, and the service
    loads that into the context beforehand.
    """

    name: str
    from_states: frozenset[StateType | None]
    to_states: frozenset[StateType | None]
    check: RuleCheck
    needs: frozenset[Need] = frozenset()


def rule(
    from_states: frozenset[StateType | None] | set[StateType | None],
    to_states: frozenset[StateType | None] | set[StateType | None],
    name: str | None = None,
    *,
    needs: frozenset[Need] | set[Need] = frozenset(),
) -> Callable[[RuleCheck], Rule]:
    """Decorator turning a check function into a `Rule` governing `from_states` -> `to_states`
    that reads the context `needs` names."""

    def wrap(check: RuleCheck) -> Rule:
        return Rule(name or check.__name__, frozenset(from_states), frozenset(to_states), check, frozenset(needs))

    return wrap


def accept(
    state: State | None = None,
    *,
    changes: RunChanges | None = None,
    after_changes: RunChanges | None = None,
    effects: tuple[Effect, ...] = (),
) -> Outcome:
    """Let the transition through, optionally amending the proposal (same type)."""
    return Outcome("ACCEPT", state, changes=changes or {}, after_changes=after_changes or {}, effects=effects)


def reject(
    state: State | None,
    reason: str,
    *,
    changes: RunChanges | None = None,
    after_changes: RunChanges | None = None,
) -> Outcome:
    """Refuse the proposal; the client takes `state` instead (None: the current state)."""
    return Outcome("REJECT", state, reason, changes=changes or {}, after_changes=after_changes or {})


def wait(delay_seconds: int, reason: str) -> Outcome:
    """Ask the client to propose again after `delay_seconds`."""
    return Outcome("WAIT", None, reason, delay_seconds=delay_seconds)


def abort(reason: str) -> Outcome:
    """Tell the client to stop orchestrating this run."""
    return Outcome("ABORT", None, reason)


def renamed(state: State, name: str) -> State:
    """The proposal with another name (a rename keeps the state's identity)."""
    return state.model_copy(update={"name": name})


def with_details(state: State, **details: Any) -> State:
    """The proposal with some `state_details` fields replaced (the original is untouched)."""
    new_details = state.state_details.model_copy(update=details)
    return state.model_copy(update={"state_details": new_details})


def new_state(
    type: StateType,
    now: dt.datetime,
    *,
    name: str | None = None,
    message: str | None = None,
    data: Any = None,
    **details: Any,
) -> State:
    """A state a rule creates (an AwaitingRetry, a Cancelled...), stamped `now`."""
    return State(
        type=type,
        name=name,
        timestamp=now,
        message=message,
        data=data,
        state_details=StateDetails(**details),
    )
