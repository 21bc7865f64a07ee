"""One SQLite engine's writers taking turns in the event loop (see sqlite_driver): a connection that finds SQLite's
write lock taken sleeps in its busy handler in steps of up to 100 ms, long after the lock is free again, so the
writers of one engine queue here instead."""

from __future__ import annotations

import asyncio
import fcntl
import os
import sqlite3
import threading
import weakref


class WriteGate:
    """One engine's writers, one at a time and first come first served, each until its COMMIT or ROLLBACK.

    There is one queue per event loop: writers of different loops (threads) sharing the engine are
    ordered by SQLite's lock and busy handler instead, as writers of different processes are.
    """

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary())
        self._guard = threading.Lock()
        self._waiting = 0

    @property
    def waiting(self) -> int:
        """How many writers wait for the gate now, on every loop."""
        return self._waiting

    async def acquire(self) -> Ticket:
        """Wait for the gate; after `timeout` seconds fail as SQLite does when its lock stays busy."""
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            with self._guard:
                lock = self._locks.setdefault(loop, asyncio.Lock())
        with self._guard:
            self._waiting += 1
        try:
            async with asyncio.timeout(self.timeout):
                await lock.acquire()
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked") from None
        finally:
            with self._guard:
                self._waiting -= 1
        return Ticket(loop, lock)


class Ticket:
    """A writer's place through the gate, released on the loop it was taken on."""

    __slots__ = ("_lock", "_loop")

    def __init__(self, loop: asyncio.AbstractEventLoop, lock: asyncio.Lock) -> None:
        self._loop, self._lock = loop, lock

    def release(self) -> None:
        """Let the next writer of that loop in (from any thread, even after the loop stopped)."""
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._lock.release()
        elif not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._lock.release)


class ProcessLock:
    """The order among paycore's processes writing one SQLite file, as WriteGate is within one process: an exclusive
    `flock` on `<database>-paycore-lock`, taken in the connection's thread by the trip that begins a write
    transaction (after the process's WriteGate) and given back when the transaction ends. A writer that finds it
    taken sleeps in the kernel until it is free, instead of in SQLite's busy handler, which polls in steps of up to
    100 ms; the process that holds it holds SQLite's write lock too, and the kernel frees it if that process dies.
    Other programs writing the file (the seed's own code, the sqlite3 shell) do not take it: SQLite's own lock and
    busy_timeout order them, as before."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        weakref.finalize(self, os.close, fd)  # with its engine: a process that makes many engines keeps no files

    def hold(self) -> Hold:
        """One write transaction's hold on the lock, to take in its trip and give back when it ends."""
        return Hold(self)

    @classmethod
    def beside(cls, database: object) -> ProcessLock | None:
        """The lock of a database file named by a plain path (none for an in-memory or `file:` URI database)."""
        if not isinstance(database, str) or database in ("", ":memory:") or database.startswith("file:"):
            return None
        return cls(os.open(f"{database}-paycore-lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600))

    def take(self) -> None:
        """Wait for the lock (in the connection's thread: it blocks)."""
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def give_back(self) -> None:
        """Free it (from any thread; at once)."""
        fcntl.flock(self._fd, fcntl.LOCK_UN)


class Hold:
    """One write transaction's hold on the processes' lock. Given back before its trip took it (the trip was
    cancelled while it waited to run), the trip gives it back as soon as it has it: it is never left held."""

    __slots__ = ("_lock", "_over")

    def __init__(self, lock: ProcessLock) -> None:
        self._lock, self._over = lock, False

    def take(self) -> None:
        """In the trip's thread: wait for the lock, and free it again at once if the transaction is already over."""
        self._lock.take()
        if self._over:
            self._lock.give_back()

    def give_back(self) -> None:
        """The transaction is over: free the lock (if its trip has not taken it yet, that trip frees it)."""
        self._over = True
        self._lock.give_back()
