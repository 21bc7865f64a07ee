"""Turn driver errors into the application's storage errors, keeping the cause."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc

from adapters.sql.sqlite_trips import RowsChanged
from application.errors import ConcurrencyConflict, DuplicateKey, StorageUnavailable

# PostgreSQL serialization failure / deadlock; MySQL deadlock / lock wait timeout: another writer won.
_CONFLICT_SQLSTATES = frozenset({"40001", "40P01"})
_CONFLICT_MYSQL_ERRNOS = frozenset({1213, 1205})


def _is_conflict(error: exc.DBAPIError) -> bool:
    orig = error.orig
    if isinstance(orig, RowsChanged):  # SQLite: a deferred version-checked UPDATE found its row moved on
        return True
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    errno = orig.args[0] if orig is not None and orig.args else None
    return sqlstate in _CONFLICT_SQLSTATES or errno in _CONFLICT_MYSQL_ERRNOS


@contextmanager
def storage_errors(what: str) -> Iterator[None]:
    """Map IntegrityError to DuplicateKey, lost races to ConcurrencyConflict, outages to StorageUnavailable."""
    try:
        yield
    except exc.IntegrityError as e:
        raise DuplicateKey(f"{what}: a unique key is already taken") from e
    except exc.DBAPIError as e:
        if _is_conflict(e):
            raise ConcurrencyConflict(f"{what}: another transaction got there first") from e
        if e.connection_invalidated or isinstance(e, exc.OperationalError | exc.InterfaceError):
            raise StorageUnavailable(f"{what}: the database is unavailable") from e
        raise
    except (exc.TimeoutError, OSError, TimeoutError) as e:  # pool exhausted; or a driver failing to connect
        raise StorageUnavailable(f"{what}: the database is unavailable") from e
