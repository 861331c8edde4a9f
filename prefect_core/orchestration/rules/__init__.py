"""Orchestration rules, one module per concern.

Each rule is a `Rule` (see `prefect_core.orchestration.base`): a pure check
with the FROM/TO state types it governs. Policies (`..policies`) order them.
Concurrency rules (tag limits, deployment limits and their leases) belong in a
`concurrency` module here, fed by data the service loads into the context.
"""
