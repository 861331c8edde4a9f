"""Which global concurrency limit governs a deployment, as its create and update bodies say.

A deployment's runs lease slots of one global limit, the one its `concurrency_limit_id`
names (shown as `global_concurrency_limit`). As in the reference, that is either

- its own limit, `deployment:<id>`, made for the body's `concurrency_limit` (and changed with
  it), or
- any existing limit the body names with `global_concurrency_limit_id` (404 "Concurrency limit
  not found" for an unknown id; `null` unlinks it).

A body's `concurrency_limit` then changes the limit of whichever limit governs the deployment
(making its own when none does), as the reference does. Unlike the reference, a limit that is
not the deployment's own is never deleted through the deployment: `concurrency_limit: null`
deletes only its own limit (the reference deletes whichever is linked, so a client deploying
again after a limit was picked in the UI would delete that shared limit), and deleting the
deployment deletes only its own. The deployment's own limit is deleted too when another limit
is linked in its place (the reference leaves it behind, unused).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from prefect_core import timeutil
from prefect_core.errors import NotFound
from prefect_core.ports import UnitOfWork
from prefect_core.ports.concurrency_limits import SlotWaits
from prefect_core.schemas.concurrency_limits import ConcurrencyLimitV2
from prefect_core.schemas.deployments import Deployment, deployment_limit_name

LIMIT_NOT_FOUND = "Concurrency limit not found"

#: Body fields this module applies (the deployment row's other fields are written as given).
LIMIT_FIELDS = frozenset({"concurrency_limit", "global_concurrency_limit_id"})


async def ensure_limit_exists(uow: UnitOfWork, limit_id: UUID | None) -> None:
    """404 (the reference's "Concurrency limit not found") unless `limit_id` is None or names a limit."""
    if limit_id is not None and await uow.concurrency_limits.get(limit_id, timeutil.now(), SlotWaits()) is None:
        raise NotFound(LIMIT_NOT_FOUND)


async def apply_limit_fields(uow: UnitOfWork, deployment: Deployment, given: Mapping[str, Any]) -> None:
    """Apply a body's `global_concurrency_limit_id` and `concurrency_limit` (those of `given`, the
    fields the client set) to the stored `deployment`, as it was before this body.

    The linked limit's existence is checked by the caller first (`ensure_limit_exists`)."""
    now, waits = timeutil.now(), SlotWaits()
    own = await uow.concurrency_limits.get_by_name(deployment_limit_name(deployment.id), now, waits)
    linked = deployment.global_concurrency_limit.id if deployment.global_concurrency_limit else None
    values: dict[str, Any] = {}
    if "global_concurrency_limit_id" in given:
        linked = given["global_concurrency_limit_id"]
        values["concurrency_limit_id"] = linked
        # Unlinked while the same body sets a `concurrency_limit`: its own limit is that one.
        keeps_own = linked is None and given.get("concurrency_limit") is not None
        if own is not None and own.id != linked and not keeps_own:
            await uow.concurrency_limits.delete(own.id)
            own, values["concurrency_limit"] = None, None
    if "concurrency_limit" in given:
        wanted: int | None = given["concurrency_limit"]
        if wanted is None:
            if own is not None:
                # Its runs' leases then hold nothing; the foreign key unlinks it.
                await uow.concurrency_limits.delete(own.id)
                if linked == own.id:
                    values["concurrency_limit_id"] = None
            values["concurrency_limit"] = None
        else:
            current = await uow.concurrency_limits.get(linked, now, waits) if linked is not None else None
            if current is None:
                current = own
            if current is None:
                name = deployment_limit_name(deployment.id)
                current = ConcurrencyLimitV2(name=name, limit=wanted, created=now, updated=now)
                await uow.concurrency_limits.insert(current, now)
            elif current.limit != wanted:
                await uow.concurrency_limits.update(current.id, {"limit": wanted}, now, waits)
            values["concurrency_limit_id"] = current.id
            values["concurrency_limit"] = wanted
    if values:
        await uow.deployments.update(deployment.id, values)


async def delete_own_limit(uow: UnitOfWork, deployment_id: UUID) -> None:
    """Delete the deployment's own limit (`deployment:<id>`), if it has one (a deployment that goes)."""
    own = await uow.concurrency_limits.get_by_name(deployment_limit_name(deployment_id), timeutil.now(), SlotWaits())
    if own is not None:
        await uow.concurrency_limits.delete(own.id)
