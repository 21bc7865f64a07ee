"""Retry a read-modify-write when another writer won the optimistic version check."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from application.errors import ConcurrencyConflict

T = TypeVar("T")

ATTEMPTS = 8


async def retry_on_conflict(operation: Callable[[], Awaitable[T]], attempts: int = ATTEMPTS) -> T:
    """Run operation again (it reloads) while it loses a race; raise the last conflict after `attempts`."""
    for _ in range(attempts - 1):
        try:
            return await operation()
        except ConcurrencyConflict:
            continue
    return await operation()
