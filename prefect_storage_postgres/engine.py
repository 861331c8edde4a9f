"""PostgreSQL through asyncpg directly: Core statements compiled once, run as prepared statements.

SQLAlchemy's `AsyncEngine` over asyncpg runs every statement through a greenlet and its
per-execution machinery (execution context, cursor adapter, result metadata) and pinged
each pooled connection on checkout. This engine keeps only what the shared kit needs of it
(`prefect_storage_sql.engine.SqlEngine`):

- statements are compiled for SQLAlchemy's `postgresql+asyncpg` dialect once per shape and
  bound with the column types' processors (`prefect_storage_sql.statements`, shared with
  the SQLite engine: nothing there is SQLite's own), so the SQL text and the values asyncpg
  receives are the ones SQLAlchemy would send ($n parameters, casts, expanded IN lists,
  column defaults);
- each SQL text is prepared once per connection (asyncpg `PreparedStatement`s, kept in a
  bounded cache on the connection), executed with `fetch`, its status giving `rowcount`;
  many parameter sets go through asyncpg's `executemany` (one round trip per batch);
- rows are converted with the result columns' processors into rows with attribute and
  mapping access (`SqlRow`), and JSON/jsonb are decoded by the same asyncpg codecs
  SQLAlchemy's dialect installs (orjson here).

A unit of work's transaction begins with its first statement (`BEGIN`; reads: `BEGIN
ISOLATION LEVEL REPEATABLE READ READ ONLY`), as SQLAlchemy's autobegin does; writes commit
on exit, reads end with a ROLLBACK that travels with the connection's next BEGIN, or that
the pool sends if the connection stays idle (`prefect_storage_postgres.pool`). A read its
caller declares to be one query (`Storage.read(one_query=True)`) sends that SELECT alone, no
transaction around it: one round trip, and one statement is one snapshot by itself; any
further statement of it begins the read-only transaction as usual. Row locks (`FOR UPDATE`, `SKIP LOCKED`) and advisory locks
are plain SQL, so their semantics are the database's, as before.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any, TypeVar

import asyncpg
import orjson
import sqlalchemy as sa
from asyncpg.prepared_stmt import PreparedStatement
from sqlalchemy.dialects.postgresql.asyncpg import AsyncpgFloat, AsyncpgNumeric
from sqlalchemy.engine import processors as sa_processors

from prefect_storage_postgres.errors import wrapped
from prefect_storage_postgres.heavy_reads import HeavyReads
from prefect_storage_postgres.pool import PgPool
from prefect_storage_postgres.sync_bridge import run_on_sync_connection
from prefect_storage_sql.results import BufferedResult as PgResult
from prefect_storage_sql.statements import VALUE_PROCESSORS, Prepared, Processor, RowShape, StatementCache, distill

T = TypeVar("T")
#: Called with each statement's SQL and driver parameters before it is sent (tests count
#: and explain what the repositories send), as on the SQLite engine.
StatementListener = Callable[[str, Any], None]

#: Prepared statements kept per connection (least recently used are dropped, and closed
#: on the server by asyncpg when collected).
PREPARED_PER_CONNECTION = 512
#: Seconds a prepared statement is used before it is prepared again (the default of
#: `PostgresSettings.prepared_statement_max_age`, which says why).
PREPARED_MAX_AGE_S = 10.0
#: Executions PostgreSQL plans for their own values before it may keep one generic plan for
#: a prepared statement (`plan_cache_mode = auto`: five custom plans, then the generic one if
#: it costs no more). Until then nothing cached can outlive the table's growth, so a younger
#: preparation is not renewed: sparse traffic (a request a second) otherwise prepared a
#: statement again at nearly every use while its lifetime was still 1, 2 or 4 s.
CUSTOM_PLANS_BEFORE_GENERIC = 5
#: Rows fetched per round trip when a result is streamed.
STREAM_CHUNK = 256

READ_ONLY_BEGIN = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"


async def setup_codecs(raw: asyncpg.Connection) -> None:
    """json and jsonb decoded to Python on the way out, as SQLAlchemy's asyncpg dialect does
    (binary format; jsonb's leading version byte), so bound JSON text is sent as it is."""
    await raw.set_type_codec("json", encoder=str.encode, decoder=orjson.loads, schema="pg_catalog", format="binary")
    await raw.set_type_codec(
        "jsonb",
        encoder=lambda text: b"\x01" + text.encode(),
        decoder=lambda data: orjson.loads(data[1:]),
        schema="pg_catalog",
        format="binary",
    )


def _numeric_processor(type_: Any, dialect: sa.Dialect) -> Processor | None:
    """SQLAlchemy's asyncpg numeric conversion, decided by the value's Python type instead of
    the column's type code (asyncpg returns float for float4/float8, Decimal for numeric and
    int for the integer types): a Float column reads as float, a Numeric one as Decimal."""
    if type_.asdecimal:
        to_decimal = sa_processors.to_decimal_processor_factory(Decimal, type_._effective_decimal_return_scale)
        return lambda value: to_decimal(value) if type(value) is float else value
    return lambda value: value if value is None or type(value) is float else float(value)


VALUE_PROCESSORS[AsyncpgNumeric] = VALUE_PROCESSORS[AsyncpgFloat] = _numeric_processor


def _rowcount(status: str | None) -> int:
    # "UPDATE 3", "DELETE 0", "INSERT 0 1", "SELECT 5"; -1 where there is no count.
    last = (status or "").rpartition(" ")[2]
    return int(last) if last.isdigit() else -1


class _Preparation:
    """A connection's prepared statement, when that preparation expires, how long it was
    given, and how often it has been executed since."""

    __slots__ = ("expires", "lifetime", "statement", "uses")

    def __init__(self, statement: PreparedStatement, expires: float, lifetime: float) -> None:
        self.statement = statement
        self.expires = expires
        self.lifetime = lifetime
        self.uses = 0


class PgConnection:
    """One asyncpg connection with `AsyncConnection`'s awaitable methods; lives in the pool
    across checkouts (its prepared statements with it)."""

    def __init__(self, raw: asyncpg.Connection, prepared_max_age: float = PREPARED_MAX_AGE_S) -> None:
        self.raw = raw
        self._prepared_max_age = prepared_max_age
        self._engine: PgEngine | None = None  # the engine of the current checkout
        self._begin_sql = "BEGIN"
        self._begin: str | None = None  # the BEGIN to send before the next statement
        self._lone_select = False  # the checkout's first SELECT may run outside a transaction
        self._in_transaction = False  # BEGIN sent (or being sent) and not ended yet
        self._read_only_open = False  # that transaction is a read-only one
        self._began_here = False  # the open transaction is the current checkout's own
        self._busy = False  # a driver call is in progress (or was cancelled mid-way)
        #: sql -> its preparation, least recently used first
        self._prepared: OrderedDict[str, _Preparation] = OrderedDict()

    # -- the pool's side ------------------------------------------------------------------

    def checkout(self, engine: PgEngine) -> None:
        self._engine = engine
        self._begin_sql = self._begin = engine.begin_sql
        self._lone_select = engine.one_query
        self._began_here = False

    def is_closed(self) -> bool:
        return bool(self.raw.is_closed())

    def needs_reset(self) -> bool:
        return self._in_transaction or self._busy

    def can_defer_reset(self) -> bool:
        # A read-only transaction whose statements are done holds no row lock: its end can
        # travel with the next BEGIN.
        return self._in_transaction and not self._busy and self._read_only_open

    async def reset(self) -> None:
        self._begin = None
        await self.raw.execute("ROLLBACK")
        self._in_transaction = self._busy = False

    def terminate(self) -> None:
        self.raw.terminate()

    async def close(self) -> None:
        await self.raw.close()

    # -- AsyncConnection's methods --------------------------------------------------------

    def _bind(self, statement: Any, parameters: Any) -> tuple[Prepared, str, Any, bool]:
        engine = self._engine
        assert engine is not None, "connection used outside connect()/begin()"
        groups = distill(parameters)
        many = len(groups) > 1
        names = tuple(sorted(groups[0])) if groups else ()
        prepared, extracted = engine.statements.prepare(statement, names, many)
        if many:
            bound = [prepared.bind(g, extracted, i) for i, g in enumerate(groups)]
            sql, params = bound[0][0], [p for _, p in bound]
        else:
            sql, params = prepared.bind(groups[0] if groups else None, extracted, 0)
        for listener in engine.statement_listeners:
            listener(sql, params)
        return prepared, sql, params, many

    async def _send_begin(self) -> None:
        begin, self._begin = self._begin, None
        if begin is not None:
            if self._in_transaction:
                # The previous user's read is still open (the pool deferred its end): one
                # simple query, two statements, one round trip.
                begin = "ROLLBACK; " + begin
            self._in_transaction = self._began_here = True  # from here on the pool rolls back whatever happens
            self._read_only_open = begin.endswith(READ_ONLY_BEGIN)
            await self.raw.execute(begin)

    async def _statement(self, sql: str, lone_select: bool = False) -> PreparedStatement:
        if lone_select and not self._in_transaction and self._begin is not None:
            self._lone_select = False  # this one alone; the next statement begins the transaction
        elif self._begin is not None:
            self._lone_select = False
            await self._send_begin()
        cache = self._prepared
        prep = cache.get(sql)
        now = time.monotonic()
        if prep is None or (now > prep.expires and prep.uses > CUSTOM_PLANS_BEFORE_GENERIC):
            # A statement's first preparations are short-lived (1 s, then 2, 4, ...) up to the
            # max age: a young table grows fastest, and its plans should follow it.
            lifetime = min(prep.lifetime * 2 if prep is not None else 1.0, self._prepared_max_age)
            prep = cache[sql] = _Preparation(await self.raw.prepare(sql), now + lifetime, lifetime)
        cache.move_to_end(sql)
        if len(cache) > PREPARED_PER_CONNECTION:
            cache.popitem(last=False)
        prep.uses += 1
        return prep.statement

    def _failed(self, exc: BaseException, sql: str, params: Any) -> BaseException:
        if isinstance(exc, asyncpg.InvalidCachedStatementError | asyncpg.exceptions.OutdatedSchemaCacheError):
            self._prepared.clear()  # the schema changed under them: prepare again next time
        return wrapped(exc, sql, params)

    async def execute(self, statement: Any, parameters: Any = None) -> PgResult:
        """Execute a Core statement (or text) with one mapping of parameters, or a list of
        mappings (executemany: no rows, `rowcount` -1, as SQLAlchemy reports it)."""
        prepared, sql, params, many = self._bind(statement, parameters)
        self._busy = True
        try:
            stmt = await self._statement(sql, self._lone_select and not many and isinstance(statement, sa.Select))
            if many:
                await stmt.executemany(params)
                self._busy = False
                return PgResult([], (), -1)
            heavy_reads = self._engine.heavy_reads if self._engine is not None else None
            if heavy_reads is None:
                rows = await stmt.fetch(*params)
            else:
                rows = await heavy_reads.run(prepared, lambda: stmt.fetch(*params))
            status = stmt.get_statusmsg()
        except Exception as exc:
            raise self._failed(exc, sql, params) from exc
        self._busy = False
        shape = prepared.result_shape
        if not rows:
            return PgResult([], shape.keys if shape is not None else (), _rowcount(status))
        if shape is None or len(shape.keys) != len(rows[0]):
            assert self._engine is not None
            shape = prepared.shape_for([(key,) for key in rows[0].keys()], self._engine.statements.dialect)
        return PgResult(shape.rows(rows), shape.keys, _rowcount(status))

    async def stream(self, statement: Any, parameters: Any = None) -> PgStream:
        """The rows of a (long) read through a server-side cursor, `STREAM_CHUNK` per round
        trip (inside the unit of work's transaction)."""
        prepared, sql, params, _ = self._bind(statement, parameters)
        self._busy = True
        try:
            stmt = await self._statement(sql)
        except Exception as exc:
            raise self._failed(exc, sql, params) from exc
        self._busy = False
        assert self._engine is not None
        return PgStream(self, stmt.cursor(*params, prefetch=STREAM_CHUNK), prepared, sql, params)

    async def run_sync(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(sync_connection, *args)` on a synchronous SQLAlchemy `Connection` over this
        connection, inside its transaction (schema inspection, tests)."""
        assert self._engine is not None
        self._busy = True
        try:
            await self._send_begin()
        except Exception as exc:
            raise wrapped(exc, "BEGIN", ()) from exc
        self._busy = False
        return await run_on_sync_connection(self.raw, self._engine.dialect_options, fn, *args)

    async def commit(self) -> None:
        """Commit what the transaction did; the next statement begins another one."""
        await self._end("COMMIT")

    async def rollback(self) -> None:
        """Roll back what the transaction did; the next statement begins another one."""
        await self._end("ROLLBACK")

    async def _end(self, verb: str) -> None:
        # A transaction a previous checkout left open (a finished read) is not this unit's to end.
        if self._in_transaction and self._began_here:
            self._busy = True
            try:
                await self.raw.execute(verb)
            except Exception as exc:
                raise wrapped(exc, verb, ()) from exc
            self._in_transaction = self._busy = self._began_here = False
        self._begin = self._begin_sql


class PgStream:
    """Rows of a server-side cursor, converted as they arrive (`async for`)."""

    def __init__(self, conn: PgConnection, cursor: Any, prepared: Prepared, sql: str, params: Any) -> None:
        self._conn = conn
        self._rows = cursor.__aiter__()
        self._prepared = prepared
        self._shape: RowShape | None = None
        self._where = (sql, params)

    def __aiter__(self) -> PgStream:
        return self

    async def __anext__(self) -> Any:
        try:
            record = await self._rows.__anext__()
        except StopAsyncIteration:
            raise
        except Exception as exc:
            raise self._conn._failed(exc, *self._where) from exc
        shape = self._shape
        if shape is None:
            shape = self._prepared.result_shape
            if shape is None or len(shape.keys) != len(record):
                assert self._conn._engine is not None
                dialect = self._conn._engine.statements.dialect
                shape = self._prepared.shape_for([(key,) for key in record.keys()], dialect)
            self._shape = shape
        return shape.rows([record])[0]


class PgEngine:
    """Units of work on a `PgPool`: `begin_sql` opens their transactions (the writer's plain
    `BEGIN`, the reader's `READ_ONLY_BEGIN`); with `one_query`, a unit's first SELECT is sent
    alone, outside a transaction. Readers and writer share the pool."""

    def __init__(
        self,
        pool: PgPool,
        statements: StatementCache,
        *,
        begin_sql: str = "BEGIN",
        one_query: bool = False,
        dialect_options: dict[str, Any] | None = None,
        heavy_reads: HeavyReads | None = None,
    ) -> None:
        self.pool = pool
        #: Where long reads wait their turn (the readers'; None: every statement runs at once).
        self.heavy_reads = heavy_reads
        self.statements = statements
        self.begin_sql = begin_sql
        #: Units of work whose first SELECT runs without a transaction (one-query reads).
        self.one_query = one_query
        #: `create_async_engine` keywords for `run_sync`'s bridge (the JSON serialisers).
        self.dialect_options = dialect_options or {}
        self.statement_listeners: list[StatementListener] = []

    async def _acquire(self) -> PgConnection:
        conn = await self.pool.acquire()
        assert isinstance(conn, PgConnection)
        conn.checkout(self)
        return conn

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[PgConnection]:
        """A connection whose statements run in one transaction (begun by the first),
        rolled back when it is given back, as SQLAlchemy's `connect()` does."""
        conn = await self._acquire()
        try:
            yield conn
        finally:
            self.pool.release(conn)

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[PgConnection]:
        """A connection in a transaction, committed on a normal exit (awaited: the caller's
        effects come after the commit) and rolled back on an exception."""
        conn = await self._acquire()
        try:
            yield conn
            await conn.commit()
        finally:
            self.pool.release(conn)  # rolls back in the background whatever is still open

    async def dispose(self) -> None:
        """Close the pool (shared by reader and writer: the first call closes it)."""
        await self.pool.close()
