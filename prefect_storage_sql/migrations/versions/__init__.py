"""Alembic revisions of the shared schema, one file each, applied in order (see `..`)."""
