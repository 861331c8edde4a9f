"""What a rule may need to know besides the run and its states.

A rule declares its needs (`@rule(..., needs={Need.CACHED_STATE})`); a policy works
out, for a proposed transition, the needs of the rules whose FROM/TO sets cover it
(`Policy.needs`), and the service loads exactly those into the `TransitionContext`
before the rules run (`prefect_core.services.context_loaders`). A transition no such
rule governs costs no read.

Adding a need is one member here, the context field(s) it fills on
`TransitionContext`, and one loader registered in `prefect_core.services.context_loaders`;
a unit test fails while a need has no loader.
"""

from __future__ import annotations

from enum import Enum


class Need(str, Enum):
    #: `deployment_concurrency`: the global limit backing the deployment's concurrency
    #: limit, read under its row lock (flow runs of a deployment).
    DEPLOYMENT_SLOTS = "deployment_slots"
    #: `deployment_lease_alive`: whether the run's deployment lease (named by its
    #: current state) still holds its slot.
    DEPLOYMENT_LEASE = "deployment_lease"
    #: `parent_flow_run_state` and `parent_flow_run_run_count` (task runs in a flow).
    PARENT_FLOW_RUN = "parent_flow_run"
    #: `cached_state`: the unexpired cached state under the proposal's cache key
    #: (task runs proposing RUNNING with a cache key and no refresh).
    CACHED_STATE = "cached_state"
