"""Variable use cases."""

from __future__ import annotations

from uuid import UUID

from prefect_core import timeutil
from prefect_core.errors import Conflict, NotFound
from prefect_core.events.concurrency_limit_events import LifecycleAction
from prefect_core.events.variable_events import variable_event
from prefect_core.ports import Storage, UnitOfWork
from prefect_core.schemas.bodies.variables import VariableCount, VariableQuery
from prefect_core.schemas.variables import Variable, VariableCreate, VariableUpdate
from prefect_core.services.events_sink import DiscardingSink, EventSink

_NOT_FOUND = "Variable not found."


class VariableService:
    """Variables; each change is announced as a `prefect.variable.*` event once committed."""

    def __init__(self, storage: Storage, events: EventSink | None = None) -> None:
        self.storage = storage
        self.events: EventSink = events or DiscardingSink()

    async def _announce(self, action: LifecycleAction, variable: Variable) -> None:
        await self.events.emit([variable_event(action, variable, timeutil.now())])

    async def create(self, body: VariableCreate) -> Variable:
        """Store a new variable; a name already taken is a 409."""
        variable = Variable(name=body.name, value=body.value, tags=body.tags)
        async with self.storage.write() as uow:
            if not await uow.variables.insert(variable):
                raise Conflict(f"A variable with the name {body.name!r} already exists.")
            stored = await uow.variables.get(variable.id)
        assert stored is not None
        await self._announce("created", stored)
        return stored

    async def read(self, variable_id: UUID) -> Variable:
        async with self.storage.read() as uow:
            return _found(await uow.variables.get(variable_id))

    async def read_by_name(self, name: str) -> Variable:
        async with self.storage.read() as uow:
            return _found(await uow.variables.get_by_name(name))

    async def filter(self, query: VariableQuery) -> list[Variable]:
        async with self.storage.read() as uow:
            return await uow.variables.filter(query.variables, query.sort, query.offset, query.limit)

    async def count(self, body: VariableCount) -> int:
        async with self.storage.read() as uow:
            return await uow.variables.count(body.variables)

    async def update(self, variable_id: UUID, body: VariableUpdate) -> None:
        async with self.storage.write() as uow:
            updated = await _update(uow, _found(await uow.variables.get(variable_id)), body)
        await self._announce("updated", updated)

    async def update_by_name(self, name: str, body: VariableUpdate) -> None:
        async with self.storage.write() as uow:
            updated = await _update(uow, _found(await uow.variables.get_by_name(name)), body)
        await self._announce("updated", updated)

    async def delete(self, variable_id: UUID) -> None:
        async with self.storage.write() as uow:
            variable = _found(await uow.variables.get(variable_id))
            await uow.variables.delete(variable.id)
        await self._announce("deleted", variable)

    async def delete_by_name(self, name: str) -> None:
        async with self.storage.write() as uow:
            variable = _found(await uow.variables.get_by_name(name))
            await uow.variables.delete(variable.id)
        await self._announce("deleted", variable)


def _found(variable: Variable | None) -> Variable:
    if variable is None:
        raise NotFound(_NOT_FOUND)
    return variable


async def _update(uow: UnitOfWork, variable: Variable, body: VariableUpdate) -> Variable:
    """Apply the update; the variable as it is afterwards."""
    changes = body.changes()
    if not changes:
        return variable
    # A new name already taken fails on the unique index: the storage's 409.
    await uow.variables.update(variable.id, changes)
    return _found(await uow.variables.get(variable.id))
