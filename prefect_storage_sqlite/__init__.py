"""Embedded SQLite storage (aiosqlite + SQLAlchemy Core): the default backend."""
