"""asyncpg under SQLAlchemy, beginning a transaction at a unit of work's first write instead of its first read.

SQLAlchemy's asyncpg adapter sends BEGIN before the first statement of a connection's transaction, and ROLLBACK
or COMMIT at its end: a unit of work that only reads (the API key, the payment and its config) costs two round
trips more than its SELECTs. Under PostgreSQL's READ COMMITTED (its default, which paycore keeps) every statement
reads its own snapshot, inside a transaction or not, so a plain SELECT run before the transaction has begun sees
what it would have seen inside one. This adapter runs such SELECTs outside a transaction, as SQLite's driver
does, and begins the transaction with the first other statement: a write, or a SELECT that locks (FOR UPDATE,
FOR SHARE, ... which must hold its locks until the end). A unit of work that only read then ends without a round
trip. Writes, their transaction, their order and their errors are those of the stock adapter.
"""

from __future__ import annotations

from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.dialects.postgresql.asyncpg import (
    AsyncAdapt_asyncpg_connection,
    AsyncAdapt_asyncpg_cursor,
    AsyncAdapt_asyncpg_dbapi,
)
from sqlalchemy.util.concurrency import await_

_LOCKS = (" FOR UPDATE", " FOR NO KEY UPDATE", " FOR SHARE", " FOR KEY SHARE")


def plain_read(operation: str) -> bool:
    """A SELECT that takes no row lock: the same result outside a READ COMMITTED transaction as inside one."""
    head = operation.lstrip()[:6].upper()
    return head == "SELECT" and not any(lock in operation.upper() for lock in _LOCKS)


class ReadFirstCursor(AsyncAdapt_asyncpg_cursor):
    """A cursor whose plain SELECTs do not begin a transaction."""

    async def _prepare_and_execute(self, operation: Any, parameters: Any) -> None:
        adapt: ReadFirstConnection = self._adapt_connection  # type: ignore[assignment]
        adapt._reading = adapt._transaction is None and plain_read(operation)
        try:
            await super()._prepare_and_execute(operation, parameters)  # type: ignore[no-untyped-call]
        finally:
            adapt._reading = False


class ReadFirstConnection(AsyncAdapt_asyncpg_connection):
    """SQLAlchemy's asyncpg connection with ReadFirstCursors (server-side cursors still begin a transaction)."""

    __slots__ = ("_reading",)
    _cursor_cls = ReadFirstCursor

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
        self._reading = False

    async def _start_transaction(self) -> None:
        if not self._reading:
            await super()._start_transaction()  # type: ignore[no-untyped-call]


class ReadFirstDbapi(AsyncAdapt_asyncpg_dbapi):
    """The DBAPI module SQLAlchemy's asyncpg dialect uses, handing out ReadFirstConnections."""

    def __init__(self) -> None:
        super().__init__(asyncpg)  # type: ignore[no-untyped-call]

    def connect(self, *arg: Any, **kw: Any) -> ReadFirstConnection:
        creator_fn = kw.pop("async_creator_fn", self.asyncpg.connect)
        cache_size = kw.pop("prepared_statement_cache_size", 100)
        name_func = kw.pop("prepared_statement_name_func", None)
        connection: ReadFirstConnection = await_(ReadFirstConnection.create(
            self, creator_fn(*arg, **kw), prepared_statement_cache_size=cache_size,
            prepared_statement_name_func=name_func))
        return connection


def read_first_dbapi() -> ReadFirstDbapi:
    """The module to pass as `create_async_engine(..., module=...)` for a postgresql+asyncpg URL."""
    return ReadFirstDbapi()
