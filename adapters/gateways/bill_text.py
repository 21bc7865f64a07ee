"""Reading the values of providers' bill files exactly: yuan with a fixed number of decimals into fen."""

from __future__ import annotations

from datetime import datetime

from application.errors import BillCorrupt
from domain.beijing import BEIJING


def fen(text: str, what: str, places: int = 2) -> int:
    """Yuan with at most `places` decimals (WeChat writes fees with five) as whole fen; BillCorrupt otherwise,
    and for a value finer than a fen: paycore never rounds money. (A bill has millions of these: no regex.)"""
    body = text.strip()
    negative = body.startswith("-")
    whole, dot, decimals = (body[1:] if negative else body).partition(".")
    if not (whole.isascii() and whole.isdigit() and len(whole) <= 12) or (dot and not (
            decimals.isascii() and decimals.isdigit() and len(decimals) <= places)):
        raise BillCorrupt(f"{what} {text[:40]!r} is not an amount in yuan")
    decimals = decimals.ljust(2, "0")
    if decimals[2:].strip("0"):
        raise BillCorrupt(f"{what} {text[:40]!r} is finer than a fen")
    value = int(whole) * 100 + int(decimals[:2])
    return -value if negative else value


def beijing_time(text: str, what: str) -> datetime:
    """`YYYY-MM-DD HH:MM:SS` in Beijing time, as an aware datetime."""
    value = text.strip()
    if len(value) != 19 or value[10] != " " or not value.isascii():
        raise BillCorrupt(f"{what} {text[:40]!r} is not a time (YYYY-MM-DD HH:MM:SS)")
    try:
        return datetime.fromisoformat(value).replace(tzinfo=BEIJING)
    except ValueError as e:
        raise BillCorrupt(f"{what} {text[:40]!r} is not a time (YYYY-MM-DD HH:MM:SS)") from e
