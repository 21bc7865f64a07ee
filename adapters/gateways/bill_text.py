"""Reading the values of providers' bill files exactly: yuan with a fixed number of decimals into fen."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from application.errors import BillCorrupt

BEIJING = timezone(timedelta(hours=8))  # both providers' bills are in Beijing time
_YUAN = re.compile(r"(-?)(\d{1,12})(?:\.(\d{1,5}))?", re.ASCII)


def fen(text: str, what: str, places: int = 2) -> int:
    """Yuan with at most `places` decimals (WeChat writes fees with five) as whole fen; BillCorrupt otherwise,
    and for a value finer than a fen: paycore never rounds money."""
    found = _YUAN.fullmatch(text.strip())
    if found is None or len(found.group(3) or "") > places:
        raise BillCorrupt(f"{what} {text[:40]!r} is not an amount in yuan")
    sign, whole, decimals = found.groups()
    decimals = (decimals or "").ljust(2, "0")
    if decimals[2:].strip("0"):
        raise BillCorrupt(f"{what} {text[:40]!r} is finer than a fen")
    value = int(whole) * 100 + int(decimals[:2])
    return -value if sign else value


def beijing_time(text: str, what: str) -> datetime:
    """`YYYY-MM-DD HH:MM:SS` in Beijing time, as an aware datetime."""
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)
    except ValueError as e:
        raise BillCorrupt(f"{what} {text[:40]!r} is not a time (YYYY-MM-DD HH:MM:SS)") from e
