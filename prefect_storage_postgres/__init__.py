"""PostgreSQL storage (asyncpg + SQLAlchemy Core): `PREFECT_DATABASE_BACKEND=postgres`."""
