"""The SQL unit of work: one connection and one transaction, rolled back unless committed."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.sql.errors import storage_errors
from adapters.sql.notifications import SqlNotifications
from adapters.sql.outbox import SqlOutbox
from adapters.sql.repositories import SqlApiKeys, SqlConfigs, SqlIdempotency, SqlPayments
from adapters.sql.sweeps import SqlSweeps
from application.ports.storage import (
    ApiKeyRepository,
    ConfigRepository,
    IdempotencyStore,
    NotificationLog,
    Outbox,
    PaymentRepository,
    Sweeps,
)
from application.written import WrittenPayments


class SqlUnitOfWork:
    """Every repository over one connection; the transaction begins on enter."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._conn: AsyncConnection = engine.connect()
        # Typed as the ports: the UnitOfWork protocol's attributes are invariant.
        self._written = WrittenPayments()
        self.payments: PaymentRepository = SqlPayments(self._conn, self._written)
        self.configs: ConfigRepository = SqlConfigs(self._conn)
        self.idempotency: IdempotencyStore = SqlIdempotency(self._conn)
        self.api_keys: ApiKeyRepository = SqlApiKeys(self._conn)
        self.notifications: NotificationLog = SqlNotifications(self._conn)
        self.outbox: Outbox = SqlOutbox(self._conn)
        self.sweeps: Sweeps = SqlSweeps(self._conn)

    async def __aenter__(self) -> Self:
        # Concurrency is optimistic everywhere: the version check in SqlPayments.save decides.
        # SQLite's driver defers BEGIN to the first write, so reads hold no snapshot and a second
        # writer waits (busy_timeout) for the first, then sees its version and conflicts.
        # The transaction itself begins with the first statement (SQLAlchemy's autobegin): the same SQL
        # as an explicit begin() here, one hop into SQLAlchemy's greenlet fewer.
        with storage_errors("opening a transaction"):
            await self._conn.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._written.discarded()
        try:
            with storage_errors("ending a transaction"):
                await self._conn.close()  # rolls back what was not committed, then returns the connection
        except Exception:
            if exc is None:  # never hide the error that is already on its way out
                raise

    async def commit(self) -> None:
        """Make every change of this unit durable at once; the written payments' events are then forgotten."""
        with storage_errors("committing"):
            await self._conn.commit()
        self._written.committed()


class SqlUnitOfWorkFactory:
    """Makes SQL units of work over one engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)
