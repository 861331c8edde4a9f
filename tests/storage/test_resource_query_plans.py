"""Filters, sorts and pages over variables, artifacts and artifact collections stay bounded
queries at 100,000 rows, on both backends: each selective criterion is answered from an
index, and each sort reads an index in order rather than sorting the whole table.

The statements checked are the ones the repositories send (captured on their way to the
driver), explained by the database itself after it has analysed the rows.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from prefect_core.schemas.artifacts import ArtifactSort
from prefect_core.schemas.bodies.artifacts import ArtifactCollectionQuery, ArtifactQuery
from prefect_core.schemas.bodies.variables import VariableQuery
from prefect_core.schemas.variables import VariableSort
from prefect_storage_sql import tables

pytestmark = pytest.mark.timeout(240)

ROWS = 100_000
KEYS = 20_000


@contextmanager
def captured(storage: Any) -> Iterator[list[tuple[str, Any]]]:
    """The (statement, driver parameters) pairs `storage` sends inside the block."""
    seen: list[tuple[str, Any]] = []
    engines = {id(e): e for e in (storage.read_engine, storage.write_engine)}

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        seen.append((statement, parameters))

    def heard(statement: str, parameters: Any) -> None:  # the SQLite engine's listeners
        seen.append((statement, parameters))

    for engine in engines.values():
        if hasattr(engine, "statement_listeners"):
            engine.statement_listeners.append(heard)
        else:
            sa.event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        for engine in engines.values():
            if hasattr(engine, "statement_listeners"):
                engine.statement_listeners.remove(heard)
            else:
                sa.event.remove(engine.sync_engine, "before_cursor_execute", record)


async def _fill(storage: Any) -> dict[str, Any]:
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    runs = [uuid.uuid4() for _ in range(1000)]
    artifacts, collections, variables = [], [], []
    for i in range(ROWS):
        at = start + dt.timedelta(seconds=i)
        key = f"key-{i % KEYS}" if i % 10 else None
        row = {
            "id": uuid.uuid4(),
            "created": at,
            "updated": at,
            "key": key,
            "type": ("markdown", "table", "progress")[i % 3],
            "description": None,
            "data": i,
            "metadata_": None,
            "flow_run_id": runs[i % len(runs)],
            "task_run_id": uuid.uuid4(),
        }
        artifacts.append(row)
        if key is not None and i >= ROWS - KEYS * 10 // 9:
            collections.append({**row, "id": uuid.uuid4(), "latest_id": row["id"]})
        variables.append({"id": uuid.uuid4(), "created": at, "updated": at, "name": f"var_{i}", "value": i, "tags": []})
    by_key = {c["key"]: c for c in collections}
    async with storage.write() as uow:
        for table, rows in ((tables.artifact, artifacts), (tables.artifact_collection, list(by_key.values()))):
            for n in range(0, len(rows), 5000):
                await uow.conn.execute(sa.insert(table), rows[n : n + 5000])
        for n in range(0, ROWS, 5000):
            await uow.conn.execute(sa.insert(tables.variable), variables[n : n + 5000])
    # Both databases plan from statistics: gather them as a long-running server would have.
    async with storage.write() as uow:
        await uow.conn.run_sync(lambda c: c.exec_driver_sql("ANALYZE"))
    return {"run": runs[3], "artifact": artifacts[501], "task": artifacts[700]["task_run_id"]}


async def _plan(storage: Any, backend: str, statement: str, parameters: Any) -> list[str]:
    """The database's plan for one captured statement, as lines of text."""
    explain = "EXPLAIN QUERY PLAN " if backend == "sqlite" else "EXPLAIN (FORMAT JSON) "
    async with storage.read() as uow:
        rows = await uow.conn.run_sync(lambda c: c.exec_driver_sql(explain + statement, parameters).fetchall())
    if backend == "sqlite":
        return [row[-1] for row in rows]
    plan = rows[0][0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    lines: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        lines.append(f"{node['Node Type']} {node.get('Relation Name', '')} {node.get('Index Name', '')}".strip())
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return lines


def _unbounded(plan: list[str], backend: str, table: str, *, sorted_query: bool) -> str | None:
    """Why `plan` reads or sorts all of `table`, or None when it does neither."""
    for line in plan:
        if backend == "sqlite":
            if line == f"SCAN {table}":
                return f"full scan of {table}"
            if sorted_query and line == "USE TEMP B-TREE FOR ORDER BY":
                return "sorts every matching row"
        else:
            if line == f"Seq Scan {table}":
                return f"sequential scan of {table}"
    if backend == "postgres" and sorted_query and "Sort" in plan:
        # An Incremental Sort (ties of an index's order) is bounded; a full Sort is not.
        return "sorts every row"
    return None


async def test_filters_and_sorts_over_100000_rows_use_indexes(storage, backend) -> None:
    ids = await _fill(storage)
    artifact = ids["artifact"]
    cases: list[tuple[str, str, Any, Any, bool]] = []
    # (label, table, repository, query body, whether only a sort is asked: a selective
    # filter may sort the few rows its index finds)
    for sort in VariableSort:
        cases.append((f"variables {sort.value}", "variable", "variables", VariableQuery(sort=sort), True))
    cases += [
        ("variable name", "variable", "variables", VariableQuery(variables={"name": {"any_": ["var_7"]}}), False),
        ("variable id", "variable", "variables", VariableQuery(variables={"id": {"any_": [str(uuid.uuid4())]}}), False),
    ]
    for sort in ArtifactSort:
        cases.append((f"artifacts {sort.value}", "artifact", "artifacts", ArtifactQuery(sort=sort), True))
        cases.append(
            (
                f"latest {sort.value}",
                "artifact_collection",
                "artifact_collections",
                ArtifactCollectionQuery(sort=sort),
                True,
            )
        )
    selective = {
        "key": {"key": {"any_": [artifact["key"]]}},
        "id": {"id": {"any_": [str(artifact["id"])]}},
        "flow run": {"flow_run_id": {"any_": [str(ids["run"])]}},
        "task run": {"task_run_id": {"any_": [str(ids["task"])]}},
    }
    for label, flt in selective.items():
        for sort in (ArtifactSort.ID_DESC, ArtifactSort.CREATED_DESC):
            body = ArtifactQuery(artifacts=flt, sort=sort)
            cases.append((f"artifacts by {label} {sort.value}", "artifact", "artifacts", body, False))
    joined = {"flow_runs": {"id": {"any_": [str(ids["run"])]}}}
    cases.append(("artifacts of a flow run (joined)", "artifact", "artifacts", ArtifactQuery(**joined), False))
    cases.append(
        (
            "latest of a flow run (joined)",
            "artifact_collection",
            "artifact_collections",
            ArtifactCollectionQuery(**joined),
            False,
        )
    )
    latest = {"latest_id": {"any_": [str(artifact["id"])]}}
    cases.append(
        (
            "latest by id",
            "artifact_collection",
            "artifact_collections",
            ArtifactCollectionQuery(artifacts=latest),
            False,
        )
    )
    problems = []
    for label, table, repository, body, sort_only in cases:
        with captured(storage) as seen:
            async with storage.read() as uow:
                given = body.variables if repository == "variables" else body
                rows = await getattr(uow, repository).filter(given, body.sort, body.offset, body.limit)
        assert len(rows) <= 200
        statement, parameters = next((s, p) for s, p in seen if s.lstrip().upper().startswith("SELECT"))
        plan = await _plan(storage, backend, statement, parameters)
        why = _unbounded(plan, backend, table, sorted_query=sort_only)
        if why:
            problems.append(f"{label}: {why}\n    " + "\n    ".join(plan))
    assert not problems, "\n".join(problems)
