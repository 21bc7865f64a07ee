"""aiosqlite under SQLAlchemy with one trip to the connection's thread per statement.

SQLAlchemy's stock aiosqlite adapter makes four trips to aiosqlite's thread for a SELECT (cursor,
execute, fetchall, close) and three for an INSERT, and one for every COMMIT and ROLLBACK, including the
pool's reset ROLLBACK after a COMMIT and the ROLLBACK that closes a unit of work that only read. Each trip
wakes the thread and then the event loop. This adapter runs a statement's whole cursor life (create,
execute, fetch every row, read description/rowcount/lastrowid, close) in one trip, and does not travel
for a COMMIT or ROLLBACK when the sqlite3 connection has no open transaction: sqlite3 itself does
nothing then. Statements, their order, and the errors they raise are those of the stock adapter.

Writers of one engine also queue for SQLite's single write lock in the event loop (`WriteGate`) instead
of colliding in SQLite: a connection that finds the lock taken sleeps in SQLite's busy handler, in steps
of up to 100 ms, long after the lock is free again. Between paycore's processes the same order is a file lock
(`ProcessLock`, taken in the connection's thread by the trip that begins the write transaction, given back
when it ends). SQLite's own locking and busy_timeout still decide against any other program, and if the gate or
the file lock is ever released early SQLite is as safe as before.

An INSERT or UPDATE built with `deferred()` does not travel on its own: it waits on the connection and goes with
the connection's next trip (the next statement, or the COMMIT), in order, so that a unit of work's UPDATE of a
payment and INSERTs of its journal and outbox rows travel with its COMMIT in one trip, and the unit of work takes
the write gate only for that trip, not while it builds its statements (nothing is written before). Its rowcount and
lastrowid are then unknown (-1, None), and its error is raised by that next statement or COMMIT: a taken unique
key, or, for an UPDATE, `RowsChanged` when it changed no row or more than one (a version check that lost); a
ROLLBACK or close drops it, as SQLite would. Only statements whose callers read neither and handle the error at
COMMIT are built that way.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, cast

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_connection, AsyncAdapt_aiosqlite_dbapi
from sqlalchemy.util.concurrency import await_

from adapters.sql.sqlite_gate import Hold, ProcessLock, Ticket, WriteGate
from adapters.sql.sqlite_trips import (
    DEFERRED_INSERT,
    DEFERRED_UPDATE,
    Description,
    Outcome,
    Pending,
    begins_write,
    commit_pending,
    run_statement,
)


class OneTripCursor:
    """A DBAPI cursor for SQLAlchemy whose execute is one trip and whose fetches and close are local."""

    server_side = False
    __slots__ = ("_adapt_connection", "_connection", "_description", "_lastrowid", "_rowcount", "_rows",
                 "arraysize")

    def __init__(self, adapt_connection: OneTripConnection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = cast(aiosqlite.Connection, adapt_connection._connection)
        self._rows: collections.deque[Any] = collections.deque()
        self._description: Description = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self.arraysize = 1

    @property
    def description(self) -> Description:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._lastrowid

    def execute(self, operation: Any, parameters: Any = None) -> None:
        self._trip(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        self._trip(operation, seq_of_parameters, many=True)

    def _trip(self, operation: Any, parameters: Any, many: bool) -> None:
        if operation.startswith((DEFERRED_INSERT, DEFERRED_UPDATE)):
            self._defer(operation, parameters, many)
            return
        try:
            outcome = await_(self._run_async(operation, parameters, many))
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self._description, self._rowcount, self._lastrowid = outcome.description, outcome.rowcount, outcome.lastrowid
        self._rows = collections.deque(outcome.rows)

    def _defer(self, operation: str, parameters: Any, many: bool) -> None:
        """Keep the statement for the next trip (which takes the write gate then: nothing is written before)."""
        try:
            # Through the event loop even when it need not wait: SQLAlchemy's execute insists on one await.
            await_(self._defer_async(operation, parameters, many))
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self._description, self._rowcount, self._lastrowid = None, -1, None
        self._rows.clear()

    async def _defer_async(self, operation: str, parameters: Any, many: bool) -> None:
        adapt = self._adapt_connection
        async with adapt._execute_mutex:
            adapt._pending.append((operation, parameters, many))

    async def _run_async(self, operation: Any, parameters: Any, many: bool) -> Outcome:
        adapt = self._adapt_connection
        async with adapt._execute_mutex:
            conn = self._connection._conn
            lock = await adapt._take_gate() if adapt._pending or begins_write(operation) else None
            pending, adapt._pending = adapt._pending, []
            try:
                # aiosqlite's own Cursor sends its calls to the thread the same way.
                send: Callable[..., Awaitable[Outcome]] = self._connection._execute
                return await send(run_statement, conn, operation, parameters, many, pending, lock)
            finally:
                adapt._release_gate_unless_in_transaction()

    async def _async_soft_close(self) -> None:
        """Nothing to close: the sqlite3 cursor was closed in the connection's thread."""

    def close(self) -> None:
        self._rows.clear()

    def setinputsizes(self, *inputsizes: Any) -> None:
        """sqlite3 ignores input sizes."""

    def __enter__(self) -> OneTripCursor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[Any]:
        while self._rows:
            yield self._rows.popleft()

    def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    def fetchmany(self, size: int | None = None) -> list[Any]:
        rows = self._rows
        return [rows.popleft() for _ in range(min(self.arraysize if size is None else size, len(rows)))]

    def fetchall(self) -> list[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection with one-trip cursors; COMMIT and ROLLBACK only inside a transaction;
    holding its engine's write gate from the statement that opens a transaction until the transaction ends."""

    __slots__ = ("_locked", "_pending", "_ticket")
    _cursor_cls = OneTripCursor  # type: ignore[assignment]
    dbapi: OneTripDbapi

    def __init__(self, dbapi: OneTripDbapi, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._ticket: Ticket | None = None
        self._locked: Hold | None = None  # this transaction's hold on the processes' lock
        self._pending: Pending = []  # deferred statements, sent with the next trip

    async def _take_gate(self) -> Hold | None:
        """The write gate for a trip that writes, unless this connection holds it or is already in a transaction
        (which SQLite's lock guards); then the processes' lock, for the trip to take in the connection's thread."""
        if self._ticket is not None or self._connection._conn.in_transaction:
            return None
        self._ticket = await self.dbapi.write_gate.acquire()
        lock = self.dbapi.process_lock
        self._locked = lock.hold() if lock is not None else None
        return self._locked

    def _release_gate_unless_in_transaction(self) -> None:
        if self._ticket is not None and not self._in_transaction():
            self._release_gate()

    def _release_gate(self) -> None:
        locked, self._locked = self._locked, None
        if locked is not None:  # given back before the gate: this process's next writer takes it next
            locked.give_back()
        ticket, self._ticket = self._ticket, None
        if ticket is not None:
            ticket.release()

    def _in_transaction(self) -> bool:
        # sqlite3 answers this from any thread (sqlite3_get_autocommit); nothing runs on the connection
        # while SQLAlchemy asks for a COMMIT or ROLLBACK. A closed connection goes the stock way and fails.
        # Deferred INSERTs are a transaction about to begin.
        conn: sqlite3.Connection | None = self._connection._connection
        return conn is None or conn.in_transaction or bool(self._pending)

    def rollback(self) -> None:
        self._pending.clear()
        try:
            if self._in_transaction():
                super().rollback()
        finally:
            self._release_gate_unless_in_transaction()

    def commit(self) -> None:
        pending, self._pending = self._pending, []
        try:
            if pending and self._connection._connection is not None:
                try:
                    await_(self._commit_pending(pending))
                except Exception as error:
                    self._handle_exception(error)
            elif self._in_transaction():
                super().commit()
        finally:
            self._release_gate_unless_in_transaction()

    async def _commit_pending(self, pending: Pending) -> None:
        """The deferred statements and the COMMIT in one trip, through the write gate: a unit of work holds the
        gate only while its writes travel, not while it builds them."""
        lock = await self._take_gate()
        await self._connection._execute(commit_pending, self._connection._conn, pending, lock)

    def close(self) -> None:
        self._pending.clear()
        try:
            super().close()
        finally:
            self._release_gate()

    def terminate(self) -> None:
        self._pending.clear()
        try:
            super().terminate()
        finally:
            self._release_gate()


class OneTripDbapi(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module SQLAlchemy's aiosqlite dialect uses, handing out OneTripConnections; one per engine,
    so that its write gate orders that engine's writers."""

    def __init__(self, gate_timeout: float) -> None:
        super().__init__(aiosqlite, sqlite3)
        self.write_gate = WriteGate(gate_timeout)
        self.process_lock: ProcessLock | None = None

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        if self.process_lock is None and arg:
            self.process_lock = ProcessLock.beside(arg[0])
        stock = super().connect(*arg, **kw)
        return OneTripConnection(self, stock._connection)


def one_trip_dbapi(gate_timeout: float) -> OneTripDbapi:
    """The module to pass as `create_async_engine(..., module=...)` for a sqlite+aiosqlite URL; a writer
    waits at most `gate_timeout` seconds for the others of the engine (use SQLite's busy_timeout)."""
    return OneTripDbapi(gate_timeout)

