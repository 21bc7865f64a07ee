"""A bounded wait for tests: poll a condition until it holds or the deadline passes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


async def until(condition: Callable[[], bool], within: float = 5.0) -> None:
    """Poll a zero-argument callable until it is true; AssertionError after `within` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)  # a poll interval inside a bounded wait, not a synchronisation
