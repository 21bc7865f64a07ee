"""What sqlite_driver runs in a connection's thread, one trip each: a statement with the deferred ones before it,
or the deferred ones with the COMMIT; and the marking of deferred statements (see sqlite_driver)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, TypeVar

import sqlalchemy as sa

from adapters.sql.sqlite_gate import Hold

Description = Sequence[tuple[Any, ...]] | None
# sqlite3 opens a transaction (BEGIN, deferred) before these statements, and SQLite takes its write
# lock at the first write; an explicit BEGIN counts too.
_BEGINS_WRITE = ("INSERT", "UPDATE", "DELETE", "REPLACE", "BEGIN")
# The SQL comment that marks a deferred statement (SQLite only: SQLAlchemy renders it for no other dialect).
_DEFERRED = "/* deferred */"
DEFERRED_INSERT, DEFERRED_UPDATE = f"INSERT {_DEFERRED} ", f"UPDATE {_DEFERRED} "
Pending = list[tuple[str, Any, bool]]
Deferrable = TypeVar("Deferrable", sa.Insert, sa.Update)


class RowsChanged(sqlite3.DatabaseError):
    """A deferred UPDATE changed no row, or more than one, where its caller expected exactly one."""


def deferred(statement: Deferrable) -> Deferrable:
    """The statement, sent on SQLite with the connection's next trip instead of a trip of its own (an UPDATE
    executed with one set of parameters must then change exactly one row, else the trip raises RowsChanged)."""
    return statement.prefix_with(_DEFERRED, dialect="sqlite")


def begins_write(operation: str) -> bool:
    """Whether sqlite3 starts a (write) transaction for this statement when none is open."""
    return operation.lstrip()[:7].upper().startswith(_BEGINS_WRITE)


class Outcome:
    """What one statement left on its cursor, read in the connection's thread."""

    __slots__ = ("description", "lastrowid", "rowcount", "rows")

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self.description: Description = cursor.description
        self.rows: list[Any] = cursor.fetchall() if self.description else []
        self.rowcount: int = cursor.rowcount
        self.lastrowid: int | None = cursor.lastrowid


def _execute(cursor: sqlite3.Cursor, operation: str, parameters: Any, many: bool) -> None:
    if many:
        cursor.executemany(operation, parameters)
    elif parameters is None:
        cursor.execute(operation)
    else:
        cursor.execute(operation, parameters)
        if cursor.rowcount != 1 and operation.startswith(DEFERRED_UPDATE):
            raise RowsChanged(f"a deferred UPDATE changed {cursor.rowcount} rows, not one")


def run_statement(conn: sqlite3.Connection, operation: str, parameters: Any, many: bool, pending: Pending,
                  lock: Hold | None = None) -> Outcome:
    """Runs in the connection's thread: the lock of the processes when this trip begins a write transaction, the
    deferred statements, then the whole life of one cursor."""
    if lock is not None:
        lock.take()
    cursor = conn.cursor()
    try:
        for statement in pending:
            _execute(cursor, *statement)
        _execute(cursor, operation, parameters, many)
        return Outcome(cursor)
    finally:
        cursor.close()


def commit_pending(conn: sqlite3.Connection, pending: Pending, lock: Hold | None = None) -> None:
    """Runs in the connection's thread: the lock of the processes when this trip begins the write transaction,
    the deferred statements, then COMMIT. If one fails the transaction is rolled back before its error is raised,
    as a failed COMMIT ends the transaction elsewhere: SQLAlchemy returns the connection to its pool without a
    ROLLBACK after a COMMIT, failed or not."""
    if lock is not None:
        lock.take()
    cursor = conn.cursor()
    try:
        for statement in pending:
            _execute(cursor, *statement)
    except BaseException:
        conn.rollback()
        raise
    finally:
        cursor.close()
    conn.commit()
