"""SQL storage kit shared by the SQL storage plugins (SQLAlchemy Core, no ORM).

The tables, their migrations (one Alembic history, `migrations/`), the filter
translation and the repositories are written once here in portable SQLAlchemy Core.
What differs between databases (connection handling, locking, upsert syntax) is
supplied by each plugin through a `SqlDialectSupport` object, so a third SQL backend
is a new plugin, not an edit.
"""
