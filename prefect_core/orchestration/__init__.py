"""The state machine: pure rules deciding what a proposed state transition becomes.

Nothing here awaits or touches storage. The service (`prefect_core.services.
orchestration`) loads a `TransitionContext`, calls `orchestrate()`, and then
writes what the returned `Decision` says.
"""
