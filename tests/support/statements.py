"""Counting the SQL statements a piece of code sends, on either SQL backend.

Both SQL storages expose their engines (`read_engine`, `write_engine`, `one_query_engine`;
on PostgreSQL the last is a reader of its own for single-statement reads): the SQLite and the
PostgreSQL engines call their `statement_listeners` with each statement's SQL and parameters;
a SQLAlchemy async engine (bench/pg_engines.py's former set-up) has a synchronous
`sync_engine` that emits cursor events. Either way what reaches the database driver is
counted (transaction BEGIN/COMMIT excluded).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa


class StatementLog:
    """The statements seen while counting, in order."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __len__(self) -> int:
        return len(self.statements)

    def kinds(self) -> list[str]:
        """Each statement's first word and table hint, e.g. "SELECT", "INSERT", "UPDATE"."""
        return [s.split(None, 1)[0].upper() for s in self.statements]


@contextmanager
def counting_statements(storage: Any) -> Iterator[StatementLog]:
    """Record every statement `storage`'s engines execute inside the block."""
    log = StatementLog()
    engines = {id(e): e for e in (storage.read_engine, storage.write_engine, storage.one_query_engine)}

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        log.statements.append(statement)

    def heard(statement: str, parameters: Any) -> None:
        log.statements.append(statement)

    for engine in engines.values():
        if hasattr(engine, "statement_listeners"):
            engine.statement_listeners.append(heard)
        else:
            sa.event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield log
    finally:
        for engine in engines.values():
            if hasattr(engine, "statement_listeners"):
                engine.statement_listeners.remove(heard)
            else:
                sa.event.remove(engine.sync_engine, "before_cursor_execute", record)
