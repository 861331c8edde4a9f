"""Embedded SQLite storage (SQLAlchemy Core on the stdlib driver, inline on the event loop): the default backend."""
