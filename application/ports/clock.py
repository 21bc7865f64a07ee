"""The clock port."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    """The time, so tests can move it."""

    def now(self) -> datetime:
        """An aware UTC datetime."""
