"""Where the reference validates against a JSON schema, with its statuses and messages.

- deployment parameters against the deployment's `parameter_openapi_schema` when
  `enforce_parameter_schema` is on: a run's (409 "Error creating flow run: ..."), a
  PATCH's (409 "Error updating deployment: ...");
- job variables against the `variables` schema of the work pool's base job template:
  a deployment's (required variables not checked: a run may still give them) and a
  run's (its deployment's and its own over the template's defaults, required checked),
  422 "Error creating deployment: ..." / "Error creating flow run: ...";
- a new work pool's template defaults against its own variables schema (422);
- the forms' placeholders are hydrated first (`hydrated`), workspace variables read in the
  unit of work; `/ui/schemas/validate` reports every failure (`report_for_ui`).
"""

from __future__ import annotations

from typing import Any

from prefect_core import schema_hydration
from prefect_core import schema_validation as sv
from prefect_core.errors import BadRequest, Conflict, InvalidInput
from prefect_core.ports import Storage, UnitOfWork
from prefect_core.schemas.work_pools import WorkPool

#: The reference's answer when enforcement is on but the deployment has no schema.
NO_SCHEMA = (
    "Error updating deployment: Cannot update parameters because parameter schema enforcement is "
    "enabled and the deployment does not have a valid parameter schema."
)


async def workspace_variables(uow: UnitOfWork, values: Any) -> dict[str, Any]:
    """The stored variables `values`' placeholders name, by name (missing ones left out)."""
    found: dict[str, Any] = {}
    for name in sorted(schema_hydration.variable_names(values)):
        variable = await uow.variables.get_by_name(name)
        if variable is not None:
            found[name] = variable.value
    return found


class HydrationRefused(BadRequest):
    """A placeholder that cannot be hydrated (400); `reason` is the hydrator's sentence alone,
    for answers that word it otherwise (a bulk run creation's result)."""

    def __init__(self, detail: str, reason: str) -> None:
        super().__init__(detail)
        self.reason = reason


async def hydrated(
    uow: UnitOfWork, values: dict[str, Any], prefix: str, rendered: schema_hydration.Rendered | None = None
) -> dict[str, Any]:
    """`values` with the forms' placeholders hydrated (`schema_hydration`, workspace variables
    read in `uow`, templates rendered with no variables, as the reference renders them); the
    reference's 400 ("<prefix>: <why>") for one that cannot be. `rendered`: templates
    rendered ahead (`schema_hydration.prerender`, before the transaction)."""
    try:
        return await schema_hydration.hydrate(values, await workspace_variables(uow, values), rendered=rendered)
    except schema_hydration.HydrationFailed as exc:
        raise HydrationRefused(f"{prefix}: {exc.message}", exc.message) from exc


class ParametersRefused(Conflict):
    """Parameters that do not fit the deployment's schema (409); `reason` is the validator's
    sentence alone, for answers that word it otherwise (a bulk run creation's result)."""

    def __init__(self, detail: str, reason: str) -> None:
        super().__init__(detail)
        self.reason = reason


def check_parameters(parameters: dict[str, Any], schema: Any, *, prefix: str, ignore_required: bool) -> None:
    """Raise the reference's 409 unless `parameters` satisfy `schema` (422 for an unusable schema)."""
    if not isinstance(schema, dict):
        raise Conflict(NO_SCHEMA)
    try:
        sv.ensure_valid(parameters, schema, ignore_required=ignore_required)
    except sv.SchemaValidationFailed as exc:
        raise ParametersRefused(f"{prefix}: {exc.message}", exc.message) from exc
    except sv.CircularSchemaReference as exc:
        raise InvalidInput(sv.CIRCULAR_MESSAGE) from exc
    except sv.InvalidSchema as exc:
        raise InvalidInput(str(exc)) from exc


def _template_defaults(variables_schema: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The template's default values that satisfy their own schema, and whether any did not.

    A default that references a block document (`{"$ref": ...}`) is left out (counted
    as not usable): its value lives in the block, which this check does not read.
    """
    defaults: dict[str, Any] = {}
    unusable = False
    properties = variables_schema.get("properties")
    if not isinstance(properties, dict):
        return defaults, unusable
    for name, prop in properties.items():
        if not isinstance(prop, dict) or "default" not in prop:
            continue
        value = prop["default"]
        if isinstance(value, dict) and "$ref" in value:
            unusable = True
            continue
        errors = sv.find_errors({name: value}, variables_schema, prepare=False, ignore_required=True)
        if errors:
            unusable = True
        else:
            defaults[name] = value
    return defaults, unusable


def check_job_variables(pool: WorkPool, *layers: dict[str, Any] | None, prefix: str, ignore_required: bool) -> None:
    """Raise the reference's 422 unless the template's defaults overlaid with `layers`
    satisfy the pool's job variables schema. A pool without one accepts anything."""
    variables_schema = (pool.base_job_template or {}).get("variables")
    if not isinstance(variables_schema, dict) or not variables_schema:
        return
    try:
        sv.check_schema(variables_schema)
    except sv.InvalidSchema as exc:
        raise InvalidInput(str(exc)) from exc
    values, unusable_defaults = _template_defaults(variables_schema)
    for layer in layers:
        values.update(layer or {})
    try:
        sv.ensure_valid(
            values,
            variables_schema,
            # without every default, a required variable may be missing through no fault of the caller
            ignore_required=ignore_required or unusable_defaults,
            allow_none_with_default=True,
        )
    except sv.SchemaValidationFailed as exc:
        raise InvalidInput(f"{prefix}: {exc.message}") from exc
    except sv.CircularSchemaReference as exc:
        raise InvalidInput(sv.CIRCULAR_MESSAGE) from exc
    except sv.InvalidSchema as exc:
        raise InvalidInput(str(exc)) from exc


def check_template_defaults(template: dict[str, Any]) -> None:
    """A new pool's template defaults must satisfy its own variables schema (422 otherwise,
    as the reference answers; required variables need no default)."""
    variables_schema = (template or {}).get("variables")
    if not isinstance(variables_schema, dict) or not variables_schema:
        return
    try:
        sv.check_schema(variables_schema)
    except sv.InvalidSchema as exc:
        raise InvalidInput(str(exc)) from exc
    properties = variables_schema.get("properties")
    defaults = {
        name: prop["default"]
        for name, prop in (properties.items() if isinstance(properties, dict) else [])
        if isinstance(prop, dict)
        and "default" in prop
        and not (isinstance(prop["default"], dict) and "$ref" in prop["default"])
    }
    try:
        sv.ensure_valid(defaults, variables_schema, ignore_required=True, allow_none_with_default=True)
    except sv.SchemaValidationFailed as exc:
        raise InvalidInput(f"Validation failed for work pool's job variable defaults: {exc.message}") from exc
    except sv.CircularSchemaReference as exc:
        raise InvalidInput(sv.CIRCULAR_MESSAGE) from exc


def job_variable_errors_for_update(pool: WorkPool, job_variables: dict[str, Any] | None) -> None:
    """A PATCH naming a work pool: its job variables alone against the pool's schema,
    refused (409) with the first failure as the reference words it."""
    variables_schema = (pool.base_job_template or {}).get("variables")
    if not isinstance(variables_schema, dict) or job_variables is None:
        return
    try:
        errors = sv.find_errors(job_variables, variables_schema, ignore_required=True)
    except (sv.SchemaValidationFailed, sv.CircularSchemaReference) as exc:
        raise Conflict(f"Error creating deployment: {exc}") from exc
    if errors:
        raise Conflict(f"Error creating deployment: {errors[0]!r}")


def report_for_ui(
    schema: dict[str, Any], values: dict[str, Any], variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """`POST /ui/schemas/validate`: every failure of `values` against `schema`, nested as the
    UI's forms show them (`schema_validation.error_report`); 422 for an unusable schema."""
    prepared = sv.preprocess(schema)
    try:
        sv.check_schema(prepared)
    except sv.InvalidSchema as exc:
        raise InvalidInput(str(exc)) from exc
    hydrated, placeholder_errors = schema_hydration.hydrate_collecting(values, variables)
    try:
        errors = sv.find_errors(hydrated, prepared, prepare=False)
    except sv.CircularSchemaReference as exc:
        raise InvalidInput(sv.CIRCULAR_MESSAGE) from exc
    except sv.SchemaValidationFailed as exc:
        raise InvalidInput(f"Invalid schema: {exc.message}") from exc
    # Where a placeholder could not be hydrated, its own message replaces what the
    # schema says of the value standing in for it (as the reference reports it).
    broken = {path for path, _ in placeholder_errors}
    # A valid template stands for any value: what the schema says of it is dropped (as there).
    kept = [
        e
        for e in errors
        if tuple(e.relative_path) not in broken and not isinstance(e.instance, schema_hydration.ValidTemplate)
    ]
    report = sv.error_report(kept)
    for path, message in placeholder_errors:
        sv.add_to_report(report, path, message)
    report["valid"] = not report["errors"]
    return report


async def report_for_ui_reading(storage: Storage, schema: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """`report_for_ui`, with the workspace variables the values name read from `storage`."""
    async with storage.read() as uow:
        variables = await workspace_variables(uow, values)
    return report_for_ui(schema, values, variables)
