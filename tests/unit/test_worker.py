"""The worker loop: jobs run in their own tasks, survive their errors, wake on demand and stop cleanly."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from entrypoints.worker import Worker
from tests.waiting import until


async def test_a_job_that_raises_is_logged_and_runs_again_at_its_next_tick(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []

    async def flaky() -> int:
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError("database went away")
        return 0

    worker = Worker(poll_seconds=0.01)
    worker.add("flaky", flaky)
    with caplog.at_level(logging.ERROR, logger="paycore.worker"):
        await worker.start()
        await until(lambda: len(calls) >= 3)
        await worker.stop()
    assert sum("job=flaky" in r.getMessage() for r in caplog.records) == 2


async def test_a_tick_that_did_work_runs_again_at_once_and_an_idle_one_waits() -> None:
    backlog = [1, 1, 1]
    calls: list[float] = []

    async def drain() -> int:
        calls.append(time.monotonic())
        return backlog.pop() if backlog else 0

    worker = Worker(poll_seconds=30)
    worker.add("drain", drain)
    await worker.start()
    await until(lambda: len(calls) >= 4)
    await asyncio.sleep(0.05)  # an idle job must not spin: give it a chance to run again, and see it did not
    assert len(calls) == 4
    worker.wake("drain")
    await until(lambda: len(calls) == 5)
    await worker.stop()


async def test_stop_lets_a_running_tick_finish_and_cancels_one_past_its_grace() -> None:
    finished: list[str] = []
    started = asyncio.Event()

    async def quick() -> int:
        started.set()
        await asyncio.sleep(0.05)
        finished.append("quick")
        return 0

    async def stuck() -> int:
        await asyncio.sleep(3600)
        return 0

    worker = Worker(poll_seconds=30)
    worker.add("quick", quick)
    worker.add("stuck", stuck)
    closed: list[bool] = []

    async def close() -> None:
        closed.append(True)

    worker.on_stop(close)
    await worker.start()
    await started.wait()
    began = time.monotonic()
    await worker.stop(grace=0.5)
    assert finished == ["quick"]
    assert closed == [True]
    assert time.monotonic() - began < 2


async def test_each_job_runs_in_its_own_task_so_a_slow_one_does_not_hold_up_another() -> None:
    fast_calls: list[int] = []

    async def slow() -> int:
        await asyncio.sleep(3600)
        return 0

    async def fast() -> int:
        fast_calls.append(1)
        return 0

    worker = Worker(poll_seconds=0.01)
    worker.add("slow", slow)
    worker.add("fast", fast)
    await worker.start()
    await until(lambda: len(fast_calls) >= 3)
    await worker.stop(grace=0.1)


async def test_each_pass_of_a_job_is_counted_by_outcome_with_what_it_did() -> None:
    from entrypoints.metrics import Metrics
    from tests.e2e.test_metrics import samples

    calls: list[int] = []

    async def sometimes() -> int:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("provider down")
        return 3 if len(calls) == 1 else 0

    metrics = Metrics()
    worker = Worker(poll_seconds=0.01, metrics=metrics)
    worker.add("sync", sometimes)
    await worker.start()
    await until(lambda: len(calls) >= 4)
    await worker.stop()
    found = samples(metrics.render())
    assert found[("paycore_worker_job_runs_total", (("job", "sync"), ("outcome", "failed")))] == 1
    assert found[("paycore_worker_job_runs_total", (("job", "sync"), ("outcome", "ok")))] >= 3
    assert found[("paycore_worker_job_items_total", (("job", "sync"),))] == 3
    assert found[("paycore_worker_job_last_run_timestamp_seconds", (("job", "sync"),))] > time.time() - 60
