"""SQLAlchemy's side of the SQLite engine: its dialect (statements are compiled for it), and a
synchronous `Connection` over a connection the engine owns (`SqliteConnection.run_sync`:
schema inspection, tests)."""

from __future__ import annotations

import sqlite3
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import StaticPool


class Borrowed:
    """The sqlite3 connection as SQLAlchemy's DBAPI connection, minus the transaction and
    lifetime calls (the owning `SqliteConnection` commits, rolls back and closes)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)

    def commit(self) -> None:
        pass

    def rollback(self) -> None:
        pass

    def close(self) -> None:
        pass


def sync_connection(db: sqlite3.Connection) -> sa.Connection:
    engine = sa.create_engine("sqlite://", creator=lambda: Borrowed(db), poolclass=StaticPool)
    return engine.connect()


def sqlite_dialect() -> sa.Dialect:
    """SQLAlchemy's pysqlite dialect, initialised against this machine's SQLite library."""
    engine = sa.create_engine("sqlite://", poolclass=StaticPool)
    with engine.connect():
        pass
    dialect = engine.dialect
    engine.dispose()
    return dialect
