"""Reconciliation runs that the admin API started in the background of this process (POST answers 202 first), kept
so that a shutdown waits for them, for a bounded time, and ends those still going as failed (INTERRUPTED) rather
than leaving them `running` until the next start finds them stale."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Protocol

from application.reconcile import PlannedRun, RunResult

log = logging.getLogger("paycore.reconcile")
SHUTDOWN_GRACE_SECONDS = 10.0  # a million-row bill takes ~10 s; a deploy should not wait much longer


class RunsRunner(Protocol):
    """What goes on with a planned run (the Reconcile use case)."""

    async def run(self, planned: PlannedRun) -> RunResult:
        """Download, match and record it; it always ends recorded."""


class RunsEnder(Protocol):
    """What ends runs an interrupted process leaves (the Reconciliations use case)."""

    async def interrupt(self, run_ids: Sequence[int]) -> int:
        """End those still running as failed (INTERRUPTED); how many."""


class BackgroundRuns:
    """The runs going on in this process's background, and how a shutdown ends them."""

    def __init__(self, grace_seconds: float = SHUTDOWN_GRACE_SECONDS) -> None:
        self._grace = grace_seconds
        self._tasks: dict[asyncio.Task[None], tuple[int, ...]] = {}  # each task and the runs it goes through
        self.draining = asyncio.Event()  # set once a shutdown has begun waiting

    def start(self, runner: RunsRunner, planned: Sequence[PlannedRun]) -> None:
        """Go on with the runs in the background, one after the other."""

        async def go() -> None:
            for one in planned:
                await runner.run(one)

        task = asyncio.create_task(go(), name="paycore-reconcile")
        self._tasks[task] = tuple(p.run_id for p in planned)
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._tasks.pop(task, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("reconcile.background_failed", exc_info=task.exception())

    @property
    def running(self) -> int:
        """Background tasks not yet ended."""
        return len(self._tasks)

    async def drain(self, ender: RunsEnder) -> int:
        """At shutdown: wait up to the grace for the runs to end, then cancel what is left and record its runs
        failed (INTERRUPTED); how many runs were ended so."""
        self.draining.set()
        tasks = dict(self._tasks)
        if not tasks:
            return 0
        _, late = await asyncio.wait(tasks, timeout=self._grace)
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late, timeout=self._grace)  # a cancelled run clears its staged rows
        run_ids = [run_id for task in late for run_id in tasks[task]]
        ended = await ender.interrupt(run_ids) if run_ids else 0
        if ended:
            log.warning("reconcile.interrupted_at_shutdown count=%s", ended)
        return ended
