"""Beijing time, UTC+8 all year (China has kept no daylight saving time since 1991): the providers write their
times and count their bills' days in it, and payers and operators in China read it. paycore itself keeps UTC."""

from __future__ import annotations

from datetime import timedelta, timezone

BEIJING = timezone(timedelta(hours=8))
