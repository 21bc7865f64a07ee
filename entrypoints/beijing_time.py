"""Times as payers and operators in China read them: Beijing time, with the offset said (the API keeps UTC)."""

from __future__ import annotations

from datetime import datetime

from domain.beijing import BEIJING


def beijing(moment: datetime | None) -> str:
    """`2026-12-02 20:15 (UTC+08:00)`; `-` for no moment."""
    if moment is None:
        return "-"
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M (UTC+08:00)")
