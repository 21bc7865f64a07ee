"""The floor (bench/floor.py) with the statements paycore's design adds, on the raw driver: what they cost alone.

    FLOOR_DATABASE=... FLOOR_KEYS=keys.json uvicorn design_floor:app --app-dir bench --workers 2

paycore's create and notify read and write more than the floor's one statement, because the service promises more:
the caller's key is checked, an order already made is answered again instead of made twice, the config is read
where the payment says, every change is journalled as an event, every paid payment is told to the business system
through a webhook outbox, and every notification is logged. Here are those statements, as paycore runs them (reads
first, then the writes in one transaction), with nothing else: no framework, no SQLAlchemy, no domain.

- create: the key's SELECT (and its hash compared), the earlier payment's SELECT, the config's SELECT; then one
  transaction: the payment's INSERT, its event's INSERT.
- notify: the payment's SELECT, its config's SELECT; then one transaction: the version-checked UPDATE, the event's,
  the webhook outbox's and the notification log's INSERTs.

Each transaction is written the cheapest way its database allows: on SQLite in one trip to the connection's thread,
the processes taking turns through a lock file (as paycore's driver); on PostgreSQL as one statement (the INSERTs
as data-modifying CTEs after the first statement), one round trip.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import hmac
import json
import os
import re
import sqlite3
import uuid
from datetime import UTC, datetime
from typing import Any

from floor import INSERT, CreateBody, Floor, fen

TABLES = [
    "CREATE TABLE IF NOT EXISTS floor_keys (key_id VARCHAR(32) PRIMARY KEY, scope VARCHAR(16), "
    "secret_hash VARCHAR(64))",
    "CREATE TABLE IF NOT EXISTS floor_configs (config_id INTEGER PRIMARY KEY, app_id VARCHAR(32), enabled INTEGER, "
    "private_key TEXT)",
    "CREATE TABLE IF NOT EXISTS floor_events (event_id VARCHAR(40) PRIMARY KEY, order_no VARCHAR(64), "
    "event_type VARCHAR(32), payload TEXT, created_at VARCHAR(40))",
    "CREATE TABLE IF NOT EXISTS floor_outbox (event_id VARCHAR(40) PRIMARY KEY, order_no VARCHAR(64), "
    "event_type VARCHAR(32), payload TEXT, attempts INTEGER, next_at VARCHAR(40))",
    "CREATE TABLE IF NOT EXISTS floor_log (log_id VARCHAR(40) PRIMARY KEY, order_no VARCHAR(64), verdict VARCHAR(16), "
    "body TEXT, created_at VARCHAR(40))",
]
SECRET = "design-floor-secret"  # noqa: S105 - the bench's own key, checked as paycore checks one
# What bench/targets.py runs before the server starts: the tables, a key and a config.
SETUP: list[tuple[str, tuple[object, ...]]] = [(table, ()) for table in TABLES] + [
    ("INSERT INTO floor_keys VALUES ('bench', 'payments', $1)", (hashlib.sha256(SECRET.encode()).hexdigest(),)),
    ("INSERT INTO floor_configs VALUES (1, 'bench', 1, 'sealed')", ())]
KEY = "SELECT scope, secret_hash FROM floor_keys WHERE key_id = $1"
CONFIG = "SELECT app_id, enabled, private_key FROM floor_configs WHERE config_id = $1"
PAYMENT = "SELECT * FROM floor_payments WHERE order_no = $1"
EVENT = "INSERT INTO floor_events VALUES ($1, $2, $3, $4, $5)"
OUTBOX = "INSERT INTO floor_outbox VALUES ($1, $2, $3, $4, 0, $5)"
LOG = "INSERT INTO floor_log VALUES ($1, $2, $3, $4, $5)"
PAID = ("UPDATE floor_payments SET status = 'paid', provider_trade_no = $1, updated_at = $2 "
        "WHERE order_no = $3 AND status = 'pending' AND updated_at = $4")


def one_statement(statements: list[tuple[str, tuple[object, ...]]]) -> tuple[object, ...]:
    """PostgreSQL: a first statement and INSERT … VALUES after it as one statement (data-modifying CTEs), the
    INSERTs made only if the first touched a row; the SQL and its arguments, numbered through."""
    sql = joined(tuple(sql for sql, _ in statements), tuple(len(values) for _, values in statements))
    return (sql, *(value for _, values in statements for value in values))


@functools.cache
def joined(sqls: tuple[str, ...], counts: tuple[int, ...]) -> str:
    """The one statement of one_statement, made once for each set of the module's own statements."""
    parts = []
    for i, sql in enumerate(sqls):
        offset = sum(counts[:i])
        numbered = re.sub(r"\$(\d+)", lambda m: f"${int(m[1]) + offset}", sql)  # noqa: B023 - used at once
        if i == 0:
            parts.append(f"s0 AS ({numbered} RETURNING 1)")
        else:
            into, _, values = numbered.partition(" VALUES (")
            parts.append(f"s{i} AS ({into} SELECT {values[:-1]} WHERE EXISTS (SELECT 1 FROM s0))")  # noqa: S608
    return "WITH " + ", ".join(parts) + " SELECT count(*) FROM s0"  # noqa: S608 - the module's constants only


class DesignFloor(Floor):
    """The floor's work and paycore's design's statements, each unit of writes in one transaction."""

    async def connect(self) -> None:
        """The floor's connection; on SQLite, the lock file its processes' write transactions take turns through."""
        await super().connect()
        if not self.database.startswith("postgresql"):
            self.turns = os.open(f"{self.database}-floor-lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)

    async def one(self, sql: str, *args: object) -> Any:
        """A row or None."""
        if self.database.startswith("postgresql"):
            return await self.db.fetchrow(sql, *args)
        # In one trip: a cursor left open across trips would keep its read snapshot under another request's
        # BEGIN IMMEDIATE, which SQLite then refuses at once (a snapshot that cannot become a writer's)
        rows = await self.db.execute_fetchall(sql.replace("$", "?"), args)
        return next(iter(rows), None)

    async def transaction(self, statements: list[tuple[str, tuple[object, ...]]]) -> int:
        """The statements in one transaction; the rows the first one touched (nothing is committed if it is 0)."""
        if self.database.startswith("postgresql"):  # one statement, one round trip: atomic by itself
            return int(await self.db.fetchval(*one_statement(statements)))
        # On SQLite as paycore's driver does it: the whole transaction in one trip to the connection's thread, its
        # processes taking turns through a lock file (the kernel wakes the next at once, where SQLite's busy
        # handler polls). aiosqlite's `_execute` (private, pinned in pyproject.toml) runs a function there.
        sqlite = [(sql.replace("$", "?"), args) for sql, args in statements]
        return int(await self.db._execute(self.write_in_turn, self.db._conn, sqlite))

    def write_in_turn(self, conn: sqlite3.Connection, statements: list[tuple[str, tuple[object, ...]]]) -> int:
        """In the connection's thread: the lock file, then the transaction; the rows the first statement touched."""
        fcntl.flock(self.turns, fcntl.LOCK_EX)
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                first = conn.execute(*statements[0]).rowcount
                for statement in statements[1:] if first else ():
                    conn.execute(*statement)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            fcntl.flock(self.turns, fcntl.LOCK_UN)
        return int(first)

    async def made(self, data: CreateBody) -> dict[str, str]:
        """The key, the earlier payment and the config read; the payment and its event written together."""
        key = await self.one(KEY, "bench")
        if key is None or not hmac.compare_digest(key[1], hashlib.sha256(SECRET.encode()).hexdigest()):
            raise PermissionError("the bench's key")
        if await self.one(PAYMENT, data.order_no) is not None:
            raise ValueError(f"{data.order_no} exists")  # the bench never repeats an order
        if (await self.one(CONFIG, 1)) is None:
            raise LookupError("config 1")
        now, url = datetime.now(UTC).isoformat(), await self.page_pay_url(data)
        event = json.dumps({"order_no": data.order_no, "status": "pending", "total_amount": data.total_amount})
        await self.transaction([
            (INSERT, (data.order_no, data.payment_type, data.pay_method, data.subject, fen(data.total_amount), url,
                      now)),
            (EVENT, (str(uuid.uuid4()), data.order_no, "payment.created", event, now))])
        return {"order_no": data.order_no, "status": "pending", "total_amount": data.total_amount, "pay_url": url}

    async def paid(self, form: dict[str, str]) -> bool:
        """The payment and its config read, checked; the payment, its event, the outbox and the log written."""
        payment = await self.one(PAYMENT, form["out_trade_no"])
        if payment is None or (await self.one(CONFIG, payment[1])) is None:
            return False
        if payment[5] != fen(form["total_amount"]):
            return False
        if payment[6] != "pending":
            return True  # applied before: answered again, nothing written
        now = datetime.now(UTC).isoformat()
        event = json.dumps({"order_no": form["out_trade_no"], "status": "paid", "trade_no": form["trade_no"]})
        event_id = str(uuid.uuid4())
        return bool(await self.transaction([
            (PAID, (form["trade_no"], now, form["out_trade_no"], payment[10])),
            (EVENT, (event_id, form["out_trade_no"], "payment.succeeded", event, now)),
            (OUTBOX, (event_id, form["out_trade_no"], "payment.succeeded", event, now)),
            (LOG, (str(uuid.uuid4()), form["out_trade_no"], "applied", json.dumps(form), now))]))


app = DesignFloor() if "FLOOR_KEYS" in os.environ else None  # importable without a floor to serve
