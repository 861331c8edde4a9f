"""Variable use cases."""

from __future__ import annotations

from uuid import UUID

from prefect_core.errors import Conflict, NotFound
from prefect_core.ports import Storage, UnitOfWork
from prefect_core.schemas.bodies.variables import VariableCount, VariableQuery
from prefect_core.schemas.variables import Variable, VariableCreate, VariableUpdate

_NOT_FOUND = "Variable not found."


class VariableService:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    async def create(self, body: VariableCreate) -> Variable:
        """Store a new variable; a name already taken is a 409."""
        variable = Variable(name=body.name, value=body.value, tags=body.tags)
        async with self.storage.write() as uow:
            if not await uow.variables.insert(variable):
                raise Conflict(f"A variable with the name {body.name!r} already exists.")
            stored = await uow.variables.get(variable.id)
        assert stored is not None
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
            await _update(uow, _found(await uow.variables.get(variable_id)), body)

    async def update_by_name(self, name: str, body: VariableUpdate) -> None:
        async with self.storage.write() as uow:
            await _update(uow, _found(await uow.variables.get_by_name(name)), body)

    async def delete(self, variable_id: UUID) -> None:
        async with self.storage.write() as uow:
            if not await uow.variables.delete(variable_id):
                raise NotFound(_NOT_FOUND)

    async def delete_by_name(self, name: str) -> None:
        async with self.storage.write() as uow:
            variable = _found(await uow.variables.get_by_name(name))
            await uow.variables.delete(variable.id)


def _found(variable: Variable | None) -> Variable:
    if variable is None:
        raise NotFound(_NOT_FOUND)
    return variable


async def _update(uow: UnitOfWork, variable: Variable, body: VariableUpdate) -> None:
    changes = body.changes()
    if changes:
        # A new name already taken fails on the unique index: the storage's 409.
        await uow.variables.update(variable.id, changes)
