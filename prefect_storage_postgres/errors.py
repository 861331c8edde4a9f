"""asyncpg's errors as SQLAlchemy's exception classes.

The shared kit maps database errors by SQLAlchemy's classes (`prefect_storage_sql.storage`:
IntegrityError -> 409, DataError -> invalid input, OperationalError/InterfaceError -> 503),
so the engine that calls asyncpg directly (`prefect_storage_postgres.engine`) raises those,
each with the driver's error as `.orig` (its `sqlstate` included), as SQLAlchemy's own
asyncpg dialect does.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import asyncpg
from sqlalchemy import exc as sa_exc


@cache
def _translation() -> tuple[tuple[type[BaseException], type[sa_exc.DBAPIError]], ...]:
    """(driver class, SQLAlchemy class), most specific first."""
    pg = asyncpg.exceptions
    return (
        (pg.IntegrityConstraintViolationError, sa_exc.IntegrityError),
        (pg.DataError, sa_exc.DataError),  # SQLSTATE class 22: the value does not fit the column
        # Raised by asyncpg before sending: a value its codec cannot encode for the parameter's type.
        (pg._base.DataError, sa_exc.DataError),
        (pg.SyntaxOrAccessError, sa_exc.ProgrammingError),
        (pg.InvalidCachedStatementError, sa_exc.NotSupportedError),
        (pg.PostgresConnectionError, sa_exc.OperationalError),
        (pg.InternalServerError, sa_exc.InternalError),
        (pg.InterfaceError, sa_exc.InterfaceError),
        (pg.InternalClientError, sa_exc.InternalError),
        (pg.PostgresError, sa_exc.DBAPIError),
    )


def is_driver_error(exc: BaseException) -> bool:
    """Whether `exc` comes from asyncpg or the connection's socket (and is to be wrapped)."""
    if isinstance(exc, TimeoutError):
        # asyncpg's `command_timeout`: raised as it is, as through SQLAlchemy.
        return False
    return isinstance(exc, OSError | asyncpg.PostgresError | asyncpg.InterfaceError | asyncpg.InternalClientError)


def wrapped(exc: BaseException, sql: str, params: Any) -> BaseException:
    """`exc` as the matching SQLAlchemy exception (or `exc` itself when it is no driver error).

    Parameters are left out of the message: they may hold user data.
    """
    if not is_driver_error(exc):
        return exc
    if isinstance(exc, OSError):  # the server went away mid-statement
        return sa_exc.OperationalError(sql, params, exc, hide_parameters=True)
    for driver_class, sa_class in _translation():
        if isinstance(exc, driver_class):
            return sa_class(sql, params, exc, hide_parameters=True)
    return sa_exc.DBAPIError(sql, params, exc, hide_parameters=True)
