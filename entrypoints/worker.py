"""The background worker: periodic jobs, one asyncio task each, that survive their own errors.

A job is a `tick`: one pass that returns how much it did. A tick that did something runs again at
once (there may be more, e.g. the next webhook of a payment); one that did nothing waits for its
interval or a `wake()`. Register a job with one line in `build_worker`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from litestar import Litestar

from application.bills import DiscrepancyKind
from application.daily_reconcile import DailyReconcile
from application.deliver_webhooks import DeliverWebhooks
from application.reconciliations import Reconciliations
from entrypoints.container import Container
from entrypoints.metrics import Metrics

log = logging.getLogger("paycore.worker")

Tick = Callable[[], Awaitable[int]]
POLL_SECONDS = 1.0  # webhooks start within this (plus a send) of the change being committed
SWEEP_SECONDS = 5.0  # how often the compensation jobs look for due rows when idle
RETENTION_SECONDS = 3600.0  # how often the notification log is pruned when there is nothing to prune
RECONCILE_SECONDS = 60.0  # how often the daily reconciliation looks whether its hour has come (or a retry is due)
STOP_GRACE_SECONDS = 12.0  # lets an in-flight webhook (10 s timeout) finish and be recorded


@dataclass(frozen=True, slots=True)
class Job:
    """A named periodic tick."""

    name: str
    tick: Tick
    every: float


class Worker:
    """Runs registered jobs until stopped."""

    def __init__(self, poll_seconds: float = POLL_SECONDS, metrics: Metrics | None = None) -> None:
        self.poll_seconds = poll_seconds
        self.metrics = metrics
        self.jobs: dict[str, Job] = {}
        self._wakes: dict[str, asyncio.Event] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._cleanups: list[Callable[[], Awaitable[Any]]] = []
        self._stopping = False

    def add(self, name: str, tick: Tick, every: float | None = None) -> None:
        """Register a job; it runs every `every` seconds (default: the poll interval) once started."""
        self.jobs[name] = Job(name, tick, every if every is not None else self.poll_seconds)

    def on_stop(self, cleanup: Callable[[], Awaitable[Any]]) -> None:
        """Run this after the jobs have stopped (close clients and pools)."""
        self._cleanups.append(cleanup)

    def wake(self, name: str | None = None) -> None:
        """Run one job (or all) now instead of at its next interval."""
        for job_name, event in self._wakes.items():
            if name is None or job_name == name:
                event.set()

    async def tick(self, name: str) -> int:
        """One pass of a job, here and now (tests, and the loop below)."""
        return await self.jobs[name].tick()

    async def start(self) -> None:
        """Start every job in its own task."""
        self._stopping = False
        for job in self.jobs.values():
            self._wakes[job.name] = asyncio.Event()
            self._tasks.append(asyncio.create_task(self._loop(job), name=f"paycore-job-{job.name}"))
        log.info("worker.started jobs=%s", ",".join(self.jobs) or "-")

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Let running ticks finish (up to `grace` seconds, then cancel them), then clean up."""
        self._stopping = True
        self.wake()
        tasks, self._tasks = self._tasks, []
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        for cleanup in self._cleanups:
            await cleanup()
        log.info("worker.stopped")

    async def _loop(self, job: Job) -> None:
        wake = self._wakes[job.name]
        while not self._stopping:
            if await self._run(job) > 0:
                await asyncio.sleep(0)  # more may be waiting; let others run, then go again
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), job.every)
            wake.clear()

    async def _run(self, job: Job) -> int:
        started = time.perf_counter()
        try:
            done = await job.tick()
        except Exception:
            log.exception("worker.job_failed job=%s; it runs again at its next tick", job.name)
            self._count(job, "failed", started, 0)
            return 0
        self._count(job, "ok", started, done)
        return done

    def _count(self, job: Job, outcome: str, started: float, done: int) -> None:
        if self.metrics is None:
            return
        self.metrics.inc("paycore_worker_job_runs_total", "worker job passes by job and outcome", job=job.name,
                         outcome=outcome)
        self.metrics.inc("paycore_worker_job_items_total", "rows a worker job handled", float(done), job=job.name)
        self.metrics.observe("paycore_worker_job_duration_seconds", "how long one pass of a job took",
                             time.perf_counter() - started, job=job.name)
        self.metrics.set("paycore_worker_job_last_run_timestamp_seconds", "when each job last ran (unix time)",
                         time.time(), job=job.name)


def deliver_webhooks_job(deliver: DeliverWebhooks, metrics: Metrics | None) -> Tick:
    """A tick of webhook delivery that counts each attempt by outcome."""

    async def tick() -> int:
        reports = await deliver.run_once()
        if metrics is not None:
            for report in reports:
                metrics.inc("paycore_webhook_deliveries_total", "webhook delivery attempts by outcome",
                            outcome=report.outcome.value)
                if report.lag_seconds is not None:
                    metrics.observe("paycore_webhook_lag_seconds", "from the event to each delivery attempt",
                                    report.lag_seconds, outcome=report.outcome.value)
                if report.latency_seconds is not None:
                    metrics.observe("paycore_webhook_attempt_duration_seconds", "how long the business system took "
                                    "to answer a webhook", report.latency_seconds)
        return len(reports)

    return tick


def reconcile_job(daily: DailyReconcile, reconciliations: Reconciliations, metrics: Metrics | None) -> Tick:
    """A tick of the daily reconciliation that counts its runs by provider and status and shows the open
    discrepancies by type."""

    async def tick() -> int:
        done = await daily.run_once()
        if metrics is not None:
            for result in daily.finished:
                metrics.inc("paycore_reconciliation_runs_total", "reconciliation runs by provider and status",
                            provider=result.payment_type, status=result.end.status)
            counts = await reconciliations.open_counts()
            for kind in DiscrepancyKind:
                metrics.set("paycore_reconciliation_open_discrepancies", "open reconciliation discrepancies by type",
                            float(counts.get(kind.value, 0)), type=kind.value)
        return done

    return tick


def run_with_app(app: Litestar, container: Container) -> None:
    """Start every background job with the app and stop them before it shuts down (the engine goes last)."""
    worker = build_worker(container, app.state.metrics)

    async def start_worker() -> None:  # no parameters: Litestar passes the app to hooks that take one
        await worker.start()

    async def stop_worker() -> None:
        await worker.stop()

    app.on_startup.append(start_worker)
    app.on_shutdown.insert(0, stop_worker)


def build_worker(container: Container, metrics: Metrics | None = None, poll_seconds: float = POLL_SECONDS) -> Worker:
    """The worker with every background job of paycore, one line each."""
    metrics = metrics or container.metrics()
    worker = Worker(poll_seconds, metrics)
    worker.add("webhooks", deliver_webhooks_job(container.deliver_webhooks(), metrics))
    worker.add("expire", container.expire_payments().run_once, every=SWEEP_SECONDS)
    worker.add("sync", container.sync_unpaid().run_once, every=SWEEP_SECONDS)
    worker.add("refund_sync", container.sync_refunds().run_once, every=SWEEP_SECONDS)
    worker.add("attempt_close", container.close_open_attempts().run_once, every=SWEEP_SECONDS)
    worker.add("reminders", container.remind_expiring().run_once, every=SWEEP_SECONDS)
    worker.add("notification_log", container.prune_notifications().run_once, every=RETENTION_SECONDS)
    worker.add("refund_attention", container.flag_stale_refunds().run_once, every=SWEEP_SECONDS)
    worker.add("reconcile", reconcile_job(container.daily_reconcile(), container.reconciliations(), metrics),
               every=RECONCILE_SECONDS)
    refresh_hours = container.settings().wechat_cert_refresh_hours
    if refresh_hours:  # WeChat platform certificates (certificate mode), at start and then this often
        worker.add("certificates", container.renew_certificates().run_once, every=refresh_hours * 3600.0)
    worker.on_stop(container.webhook_sender().aclose)
    return worker
