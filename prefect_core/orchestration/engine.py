"""Running one ordered policy over one transition, then the bookkeeping.

The reference nests its rules as async context managers around a database
write. Here the same semantics are a fold over a tuple of pure rules:

- a rule runs only if the intended transition (initial type -> proposed type)
  matches its FROM/TO sets and no earlier rule has changed the transition;
- a rule that rejects, waits or aborts changes the transition, so the rules
  after it no longer apply;
- a rule whose transition was changed by a *later* rule "fizzles": its run
  changes are dropped and its after-effects never happen;
- the global bookkeeping runs on whatever state is finally written.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from prefect_core import timeutil
from prefect_core.orchestration import bookkeeping
from prefect_core.orchestration.base import (
    ALL_STATES,
    Decision,
    Effect,
    FlowRunStateChanged,
    Outcome,
    Rule,
    RunChanges,
    RunKind,
    Status,
    TransitionContext,
    with_details,
)
from prefect_core.orchestration.needs import Need
from prefect_core.schemas.runs import FlowRun, TaskRun
from prefect_core.schemas.states import State, StateType


@dataclass(frozen=True)
class Policy:
    """An ordered tuple of rules for one kind of run.

    `announces_flow_run_states`: every written flow run state is announced with a
    `FlowRunStateChanged` effect (the reference's instrumentation transform).
    """

    name: str
    kind: RunKind
    rules: tuple[Rule, ...]
    announces_flow_run_states: bool = False
    #: (from type, to type) -> the needs of the rules governing that transition.
    _needs: dict[tuple[StateType | None, StateType | None], frozenset[Need]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        table: dict[tuple[StateType | None, StateType | None], frozenset[Need]] = {}
        for from_type in ALL_STATES:
            for to_type in ALL_STATES:
                needs = frozenset(
                    need
                    for r in self.rules
                    if from_type in r.from_states and to_type in r.to_states
                    for need in r.needs
                )
                if needs:
                    table[(from_type, to_type)] = needs
        object.__setattr__(self, "_needs", table)

    def needs(self, ctx: TransitionContext) -> frozenset[Need]:
        """What the service must load for `ctx`'s intended transition: the needs of
        every rule whose FROM/TO sets cover it (a rule may still not run, if an
        earlier one changes the transition; it is never left without its context)."""
        from_type = ctx.initial.type if ctx.initial is not None else None
        return self._needs.get((from_type, ctx.proposed.type), frozenset())


@dataclass(frozen=True)
class _Fired:
    rule: Rule
    outcome: Outcome
    #: The transition's target type as this rule left it.
    own_to: StateType | None


def run_policy(policy: Policy, ctx: TransitionContext) -> Decision:
    """Decide `ctx`'s transition with `policy`'s rules, then do the bookkeeping."""
    if policy.kind is not ctx.kind:
        raise ValueError(f"Policy {policy.name!r} governs {policy.kind.value} runs, not {ctx.kind.value} runs")
    ctx = replace(ctx, now=timeutil.to_utc(ctx.now))
    proposal: State | None = _normalised(ctx.proposed, ctx)
    from_type = ctx.initial.type if ctx.initial else None
    intended_to = ctx.proposed.type
    status: Status = "ACCEPT"
    reason: str | None = None
    delay = 0
    view = ctx
    fired: list[_Fired] = []

    for rule in policy.rules:
        if from_type not in rule.from_states or intended_to not in rule.to_states:
            continue
        if proposal is None or proposal.type is not intended_to:
            continue
        outcome = rule.check(view, proposal)
        if outcome is None:
            continue
        own_to: StateType | None = intended_to
        if outcome.status == "ACCEPT":
            if outcome.state is not None:
                if outcome.state.type is not intended_to:
                    raise ValueError(f"Rule {rule.name} changed the state type without rejecting")
                proposal = outcome.state
        elif outcome.status == "REJECT":
            if outcome.state is None and ctx.initial is None:
                raise ValueError(f"Rule {rule.name} rejected a run that has no state to fall back to")
            proposal = outcome.state
            own_to = proposal.type if proposal else None
            status, reason = "REJECT", outcome.reason
        else:
            proposal, own_to = None, None
            status, reason, delay = outcome.status, outcome.reason, outcome.delay_seconds
        fired.append(_Fired(rule, outcome, own_to))
        if outcome.changes:
            view = replace(view, run=apply_changes(view.run, outcome.changes))

    final_to = proposal.type if proposal else None
    run = ctx.run
    for f in fired:
        # A rule whose own outcome falls outside its TO set is not "cleaned up"
        # in the reference, so its changes stand even when the type moved on.
        if f.own_to is final_to or f.own_to not in f.rule.to_states:
            run = apply_changes(run, f.outcome.changes)

    effects: list[Effect] = []
    if proposal is not None:
        proposal, run, effects = bookkeeping.apply(ctx, run, proposal)
    for f in fired:
        if f.own_to in f.rule.to_states and f.own_to is final_to:
            run = apply_changes(run, f.outcome.after_changes)
            effects.extend(f.outcome.effects)
    if proposal is not None and policy.announces_flow_run_states:
        effects.append(FlowRunStateChanged(ctx.initial, proposal))

    return Decision(
        status=status,
        state=proposal if proposal is not None else ctx.initial,
        reason=reason,
        delay_seconds=delay,
        run_updates=run_updates(ctx.run, run),
        effects=effects,
        writes_state=proposal is not None,
    )


def _normalised(state: State, ctx: TransitionContext) -> State:
    # The reference's State model gives every SCHEDULED state a scheduled time.
    if state.type is StateType.SCHEDULED and state.state_details.scheduled_time is None:
        return with_details(state, scheduled_time=ctx.now)
    return state


def apply_changes(run: FlowRun | TaskRun, changes: RunChanges) -> Any:
    """`run` with `changes` applied; `empirical_policy` changes are merged field by field."""
    if not changes:
        return run
    updates = dict(changes)
    if "empirical_policy" in updates:
        updates["empirical_policy"] = run.empirical_policy.model_copy(update=dict(updates["empirical_policy"]))
    return run.model_copy(update=updates)


#: The run columns orchestration maintains (besides the state pointer, which storage sets).
RUN_FIELDS = (
    "run_count",
    "start_time",
    "end_time",
    "total_run_time",
    "expected_start_time",
    "next_scheduled_start_time",
    "empirical_policy",
    "flow_run_run_count",
)


def run_updates(before: FlowRun | TaskRun, after: FlowRun | TaskRun) -> dict[str, Any]:
    """The columns that changed; `empirical_policy` as the whole new policy, JSON-ready."""
    updates: dict[str, Any] = {}
    for name in RUN_FIELDS:
        if not hasattr(before, name):
            continue
        old, new = getattr(before, name), getattr(after, name)
        if old != new:
            updates[name] = new.model_dump(mode="json") if name == "empirical_policy" else new
    return updates
