"""SQLAlchemy Core statements turned into SQL text and driver parameters, without an engine.

Both plugins' engines use it: SQLite's (`prefect_storage_sqlite.threaded`) hands the stdlib
driver plain `(sql, parameters)` pairs in a worker thread, PostgreSQL's
(`prefect_storage_postgres.engine`) hands them to asyncpg. So what SQLAlchemy's execution
context does on the way in and out is done here, once per statement shape where possible:

- compiling for the plugin's dialect, cached by the statement object itself (the repositories'
  prebuilt statements are long-lived objects) and by SQLAlchemy's cache key (statements
  built per call), each together with the parameter names the call supplies;
- column defaults (`default=` on a column), expanding `IN` lists, and each bound value
  through its type's bind processor (UUIDs, timestamps, JSON to their stored forms; the
  portable types' conversions called directly, `_direct_bind`);
- rows mapped with the result columns' processors into `SqlRow`s (`row.name`, `row[0]`,
  `row._mapping`), as SQLAlchemy's `Row` offers them.

It leans on the compiled object's documented-in-source attributes (`construct_params`,
`positiontup`, `_bind_processors`, `_result_columns`, `_process_parameters_for_postcompile`),
which is why pyproject pins SQLAlchemy below 2.1.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.compiler import SQLCompiler

from prefect_storage_sql import types as portable
from prefect_storage_sql.dialect import stored_forms_for

#: How many compiled shapes of statements built per call are kept (least recently used go).
CACHE_SIZE = 1000

Processor = Callable[[Any], Any]

#: Result processors for types whose SQLAlchemy processor depends on the driver's column type
#: code, which these engines do not read (asyncpg's numerics): by the type's dialect-level
#: class, registered by the plugin whose dialect has them (`prefect_storage_postgres.engine`).
VALUE_PROCESSORS: dict[type, Callable[[Any, sa.Dialect], Processor | None]] = {}


class SqlRow(tuple[Any, ...]):
    """A result row: a tuple whose columns are also attributes and `_mapping` keys."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    @property
    def _mapping(self) -> dict[str, Any]:
        return dict(zip(self._fields, self, strict=False))

    def _asdict(self) -> dict[str, Any]:
        return dict(zip(self._fields, self, strict=False))

    @property
    def _t(self) -> tuple[Any, ...]:
        return tuple(self)

    def _tuple(self) -> tuple[Any, ...]:
        return tuple(self)


_ROW_CLASSES: dict[tuple[str, ...], type[SqlRow]] = {}


def row_class(keys: tuple[str, ...]) -> type[SqlRow]:
    """The row type for results with these column keys (one class per key tuple)."""
    cls = _ROW_CLASSES.get(keys)
    if cls is None:
        attributes: dict[str, Any] = {"__slots__": (), "_fields": keys}
        for index, key in reversed(list(enumerate(keys))):  # the first of duplicate keys wins
            # A column named like a tuple method (count, index) wins over the method, as on
            # SQLAlchemy's Row (`row.count` is the column); names with "_" are Row's own API.
            if key.isidentifier() and not key.startswith("_"):
                attributes[key] = property(itemgetter(index))
        cls = _ROW_CLASSES[keys] = type("SqlRow", (SqlRow,), attributes)
    return cls


class RowShape:
    """How to turn the driver's rows of one statement into `SqlRow`s."""

    __slots__ = ("keys", "make", "processors")

    def __init__(self, keys: tuple[str, ...], processors: Sequence[Processor | None]) -> None:
        self.keys = keys
        self.make = row_class(keys)
        self.processors = [(i, p) for i, p in enumerate(processors) if p is not None] if any(processors) else None

    def rows(self, raw: list[tuple[Any, ...]]) -> list[SqlRow]:
        make, processors = self.make, self.processors
        if processors is None:
            return [make(row) for row in raw]
        out = []
        for row in raw:
            values = list(row)
            for i, process in processors:
                values[i] = process(values[i])
            out.append(make(values))
        return out


class Prepared:
    """One compiled statement shape: its SQL, how to bind parameters and how to read rows."""

    __slots__ = (
        "compiled",
        "defaults",
        "expands",
        "positions",
        "recent_seconds",
        "result_shape",
        "sql",
        "types_by_name",
    )

    def __init__(self, compiled: SQLCompiler, dialect: sa.Dialect) -> None:
        self.compiled = compiled
        #: How long executions of this shape take lately, for an engine that keeps track (0:
        #: not measured); PostgreSQL's readers admit long reads a few at a time by it
        #: (`prefect_storage_postgres.heavy_reads`).
        self.recent_seconds = 0.0
        self.sql = compiled.string
        self.expands = bool(compiled.literal_execute_params or compiled.post_compile_params)
        # Each is a plain callable here: the SQLite dialect renders no tuple-valued binds.
        processors: Mapping[str, Any] = compiled._bind_processors
        binds = compiled.binds
        self.positions: list[tuple[str, Any]] = [
            (key, (_direct_bind(binds[key].type, dialect) if key in binds else None) or processors.get(key))
            for key in compiled.positiontup or ()
        ]
        prefetch = compiled.insert_prefetch or compiled.update_prefetch
        on_update = not compiled.insert_prefetch
        key_of = compiled._within_exec_param_key_getter if prefetch else None  # exists for DML only
        self.defaults = [
            (c, key_of(c), c._onupdate_description_tuple if on_update else c._default_description_tuple)
            for c in prefetch
            if key_of is not None
        ]
        entries = compiled._result_columns or []
        self.result_shape = (
            RowShape(
                tuple(e.keyname for e in entries),
                [result_processor(e.type, dialect) for e in entries],
            )
            if entries
            else None
        )
        self.types_by_name = {e.keyname: e.type for e in entries}

    def bind(self, params: Mapping[str, Any] | None, extracted: Sequence[Any] | None, group: int) -> tuple[str, Any]:
        """The SQL text and positional parameters for one set of `params`."""
        values = self.compiled.construct_params(
            params, extracted_parameters=extracted, escape_names=False, _group_number=group
        )
        if self.defaults:
            _fill_defaults(self.defaults, values)
        if not self.expands:
            return self.sql, tuple(values[k] if p is None else p(values[k]) for k, p in self.positions)
        state = self.compiled._process_parameters_for_postcompile(values)
        processors: dict[str, Any] = {**self.compiled._bind_processors, **state.processors}
        out = []
        for key in state.positiontup or ():
            process = processors.get(key)
            out.append(state.parameters[key] if process is None else process(state.parameters[key]))
        return state.statement, tuple(out)

    def shape_for(self, description: Sequence[Sequence[Any]], dialect: sa.Dialect) -> RowShape:
        """The row shape for the columns the driver reported."""
        shape = self.result_shape
        if shape is not None and len(shape.keys) == len(description):
            return shape
        # Textual SQL, or a result that does not line up with the compiled columns:
        # by name, processed where the name is a known column.
        names = tuple(d[0] for d in description)
        found = [self.types_by_name.get(name) for name in names]
        return RowShape(names, [None if t is None else result_processor(t, dialect) for t in found])


def result_processor(type_: Any, dialect: sa.Dialect) -> Processor | None:
    """The function from a driver value of `type_` to its Python value (None: as it is).

    The portable types' converters are called directly: through SQLAlchemy's TypeDecorator
    wrapping they cost about three times as much, and a flow run row holds 22 of them.
    """
    form = _portable_form(type_, dialect)
    by_value = VALUE_PROCESSORS.get(type(type_.dialect_impl(dialect))) if VALUE_PROCESSORS else None
    if by_value is not None:
        return by_value(type_, dialect)
    if form is None:
        processor: Processor | None = type_._cached_result_processor(dialect, None)
        return processor
    from_db = form.from_db

    def convert(value: Any) -> Any:
        return None if value is None else from_db(value)

    return convert


def _direct_bind(type_: Any, dialect: sa.Dialect) -> Processor | None:
    """For a portable column type whose stored form needs no driver-level bind conversion of
    its own: what its `process_bind_param` does, as one plain function (else None: SQLAlchemy's
    processor). Through the TypeDecorator wrapping the same costs about twice as much, and a
    state write binds ~20 of them."""
    form = _stored_form(type_, dialect)
    if form is None or dialect.type_descriptor(form.impl)._cached_bind_processor(dialect) is not None:
        return None
    normalise, to_db = type(type_).normalise, form.to_db
    if normalise is None:

        def bind_as_is(value: Any) -> Any:
            return None if value is None else to_db(value)

        return bind_as_is

    def bind(value: Any) -> Any:
        return None if value is None else to_db(normalise(value))

    return bind


def _stored_form(type_: Any, dialect: sa.Dialect) -> Any:
    """The stored form of a `prefect_storage_sql.types` column type on `dialect` (None for
    any other type)."""
    kind = type(type_)
    if kind not in (portable.Timestamp, portable.Json, portable.Uuid):
        return None
    forms = stored_forms_for(dialect)
    return {portable.Timestamp: forms.timestamp, portable.Json: forms.json, portable.Uuid: forms.uuid}[kind]


def _portable_form(type_: Any, dialect: sa.Dialect) -> Any:
    """The stored form of a `prefect_storage_sql.types` column type, when its stored type
    needs no driver-level result conversion of its own (else None: the generic path)."""
    form = _stored_form(type_, dialect)
    if form is None or dialect.type_descriptor(form.impl)._cached_result_processor(dialect, None) is not None:
        return None
    return form


class _DefaultContext:
    """What a callable column default may ask of its execution context."""

    def __init__(self, parameters: MutableMapping[str, Any], column: Any) -> None:
        self.current_parameters = parameters
        self.current_column = column

    def get_current_parameters(self, isolate_multiinsert_groups: bool = True) -> MutableMapping[str, Any]:
        return self.current_parameters


def _fill_defaults(defaults: list[tuple[Any, str, Any]], values: MutableMapping[str, Any]) -> None:
    # The compiler lists a column here only when the call supplied no value for it.
    for column, key, (arg, is_scalar, is_callable, _is_sentinel) in defaults:
        if is_scalar:
            values[key] = arg
        elif is_callable:
            values[key] = arg(_DefaultContext(values, column))


class StatementCache:
    """Compiled shapes by statement object and by SQLAlchemy cache key."""

    def __init__(self, dialect: sa.Dialect, size: int = CACHE_SIZE) -> None:
        self.dialect = dialect
        self._size = size
        # statement object -> {(parameter names, executemany): (prepared, its bound values)}
        # id(statement) -> (statement, its shapes), least recently used first. The entry holds
        # the statement, so its id cannot be reused while cached; statements built per call
        # fall out, the prebuilt ones (used all the time) stay. Not a weak mapping: a shape
        # compiled from the statement refers back to it, so its entry would never expire.
        self._by_object: OrderedDict[int, tuple[Any, dict[Any, tuple[Prepared, Any]]]] = OrderedDict()
        self._by_key: OrderedDict[Any, Prepared] = OrderedDict()

    def prepare(self, statement: Any, names: tuple[str, ...], many: bool) -> tuple[Prepared, Any]:
        """The compiled shape of `statement` for parameters called `names`, and the
        statement's own bound values to construct parameters with."""
        key = id(statement)
        entry = self._by_object.get(key)
        if entry is not None and entry[0] is statement:
            self._by_object.move_to_end(key)
            shapes = entry[1]
            found = shapes.get((names, many))
            if found is not None:
                return found
        else:
            shapes = {}
            self._by_object[key] = (statement, shapes)
            if len(self._by_object) > self._size:
                self._by_object.popitem(last=False)
        found = shapes[(names, many)] = self._compile(statement, names, many)
        return found

    def _compile(self, statement: Any, names: tuple[str, ...], many: bool) -> tuple[Prepared, Any]:
        cache_key = statement._generate_cache_key()
        if cache_key is None:  # not cacheable: compiled for this statement object only
            return Prepared(self._compiled(statement, names, many), self.dialect), None
        lookup = (cache_key.key, names, many)  # the key proper; its bound values vary
        prepared = self._by_key.get(lookup)
        if prepared is None:
            prepared = self._by_key[lookup] = Prepared(self._compiled(statement, names, many, cache_key), self.dialect)
            if len(self._by_key) > self._size:
                self._by_key.popitem(last=False)
        else:
            self._by_key.move_to_end(lookup)
        return prepared, cache_key.bindparams

    def _compiled(self, statement: Any, names: tuple[str, ...], many: bool, cache_key: Any = None) -> SQLCompiler:
        compiled = statement.compile(
            dialect=self.dialect, column_keys=list(names), for_executemany=many, cache_key=cache_key
        )
        assert isinstance(compiled, SQLCompiler)
        return compiled


def distill(parameters: Any) -> list[Mapping[str, Any]]:
    """`None`, one mapping or a list of mappings, as a list (SQLAlchemy's forms)."""
    if parameters is None:
        return []
    if isinstance(parameters, Mapping):
        return [parameters]
    return list(parameters)
