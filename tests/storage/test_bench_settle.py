"""The benchmark's settling step after a bulk load (bench/targets.py `vacuum_analyze`), against a
real PostgreSQL: it must leave the tables analyzed and vacuumed, as autovacuum would in time,
so that the seeded phases measure a database in its steady state."""

from __future__ import annotations

import uuid

from bench.targets import vacuum_analyze
from tests.support.postgres import PostgresServer


def test_a_bulk_loaded_table_is_analyzed_and_vacuumed(postgres_server: PostgresServer) -> None:
    pg = postgres_server
    name = f"settle_{uuid.uuid4().hex[:12]}"
    url = pg.create_database(name)
    try:
        pg.psql(
            "CREATE TABLE runs (id int PRIMARY KEY, tag text);"
            "INSERT INTO runs SELECT i, 'tag' || (i % 7) FROM generate_series(1, 20000) i;",
            name,
        )
        stats = "SELECT n_mod_since_analyze, last_vacuum IS NOT NULL, last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'runs'"
        before = pg.psql(stats, name)
        assert before.split("|")[1:] == ["f", "f"], before  # not vacuumed nor analyzed by hand yet

        done = vacuum_analyze(pg, url)

        assert pg.psql(stats, name).split("|") == ["0", "t", "t"]
        # The planner now knows the table's size and the distinct tags.
        assert pg.psql("SELECT reltuples::int FROM pg_class WHERE relname = 'runs'", name) == "20000"
        assert pg.psql("SELECT n_distinct FROM pg_stats WHERE tablename = 'runs' AND attname = 'tag'", name) == "7"
        assert set(done) == {"vacuum_analyze_s", "autovacuum_wait_s"}
        assert all(isinstance(v, float) and v >= 0 for v in done.values())
    finally:
        pg.drop_database(name)
