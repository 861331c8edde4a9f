"""Resuming a paused flow run, with the input it was waiting for."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from prefect_core import schema_hydration, timeutil
from prefect_core import schema_validation as sv
from prefect_core.errors import Conflict, NotFound
from prefect_core.ports import Storage, UnitOfWork
from prefect_core.schemas.flow_run_inputs import FlowRunInput
from prefect_core.schemas.responses import OrchestrationResult, SetStateStatus, StateAbortDetails
from prefect_core.schemas.states import State, StateDetails, StateType
from prefect_core.services import schema_checks
from prefect_core.services.orchestration import OrchestrationService


def _refused(state: State | None, status: SetStateStatus, reason: str) -> OrchestrationResult:
    # The reference answers abort details even with a REJECT status here.
    return OrchestrationResult(state=state, status=status, details=StateAbortDetails(reason=reason))


class FlowRunResumeService:
    def __init__(self, storage: Storage, orchestration: OrchestrationService) -> None:
        self.storage = storage
        self.orchestration = orchestration

    async def resume(
        self, run_id: UUID, run_input: dict[str, Any] | None, *, client_version: str | None = None
    ) -> OrchestrationResult:
        """Propose RUNNING (or, for a suspended run, SCHEDULED "Resuming") to a paused
        run; the pause rules decide. When the pause waits for input (a keyset in its
        state), the run's schema input must exist and parse, and an accepted resume
        stores `run_input` under the keyset's response key. An input that does not satisfy
        the schema is refused (REJECT, the run stays paused) with the reference's reason.
        """
        async with self.storage.read() as uow:
            run = await uow.flow_runs.get(run_id)
            if run is None:
                raise NotFound("Flow run not found")
            paused = run.state
            if paused is None or paused.type is not StateType.PAUSED:
                return _refused(None, SetStateStatus.ABORT, "Cannot resume a flow run that is not paused.")
            keyset = paused.state_details.run_input_keyset
            response_key = keyset.get("response") if keyset else None
            if keyset:
                try:
                    variables = await schema_checks.workspace_variables(uow, run_input or {})
                    run_input = await schema_hydration.hydrate(run_input or {}, variables)
                except schema_hydration.HydrationFailed as exc:
                    return _refused(paused, SetStateStatus.REJECT, f"Error hydrating run input: {exc.message}")
                problem = await _input_problem(uow, run_id, keyset, run_input)
                if problem is not None:
                    return _refused(paused, SetStateStatus.REJECT, problem)
                if run_input and response_key and await uow.flow_run_inputs.get(run_id, response_key):
                    raise Conflict("A flow run input with this key already exists.")
        now = timeutil.now()
        if paused.state_details.pause_reschedule:
            proposed = State(
                type=StateType.SCHEDULED, name="Resuming", timestamp=now, state_details=StateDetails(scheduled_time=now)
            )
        else:
            proposed = State(type=StateType.RUNNING, timestamp=now)
        result = await self.orchestration.set_flow_run_state(run_id, proposed, client_version=client_version)
        if run_input and response_key and result.status is SetStateStatus.ACCEPT:
            # Written after the state change (its own transaction): the key was free
            # above, and only this resume, accepted once, writes it.
            value = json.dumps(run_input, separators=(",", ":"), ensure_ascii=False)
            async with self.storage.write() as uow:
                await uow.flow_run_inputs.insert(FlowRunInput(flow_run_id=run_id, key=response_key, value=value))
        return result


async def _input_problem(
    uow: UnitOfWork, run_id: UUID, keyset: dict[str, str], run_input: dict[str, Any]
) -> str | None:
    """Why the run input cannot resume the pause (its schema is missing or unusable, or
    the input does not satisfy it), or None."""
    schema_key = keyset.get("schema")
    stored = await uow.flow_run_inputs.get(run_id, schema_key) if schema_key else None
    if stored is None:
        return "Run input schema not found."
    try:
        schema = json.loads(stored.value)
    except ValueError:
        return "Run input schema is not valid JSON."
    if not isinstance(schema, dict):
        return "Reason: Validation failed. Failure reason: the run input schema is not an object."
    try:
        sv.ensure_valid(run_input, schema)
    except sv.SchemaValidationFailed as exc:
        return f"Reason: {exc.message}"
    except sv.CircularSchemaReference:
        return sv.CIRCULAR_MESSAGE
    except sv.InvalidSchema as exc:
        return f"Reason: {exc}"
    return None
