"""What both providers' notifiers share: background deliveries over one HTTP client, retried on a schedule."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

import httpx


class Deliveries:
    """Background delivery tasks: started, retried on a schedule, waited for, cancelled."""

    def __init__(self, delays: Sequence[float], timeout: float = 5.0) -> None:
        self.delays = tuple(delays)
        self.timeout = timeout
        self._tasks: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _retry(self, attempt: Callable[[int], Awaitable[bool]]) -> None:
        """Attempt now, then after each delay, until an attempt (numbered from 1) is acknowledged."""
        for number, delay in enumerate((0.0, *self.delays), start=1):
            if delay > 0:
                await asyncio.sleep(delay)
            if await attempt(number):
                return

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.timeout)
        return self._client

    @property
    def pending(self) -> int:
        """Deliveries still in progress (waiting to retry or posting)."""
        return len(self._tasks)

    async def drain(self) -> None:
        """Wait until every delivery in progress is acknowledged or has run out of retries."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def aclose(self) -> None:
        """Cancel every pending delivery and close the HTTP client."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None
