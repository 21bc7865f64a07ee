"""Reading the values of providers' bill files exactly: yuan with a fixed number of decimals into fen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Generic, TypeVar

from application.errors import BillCorrupt
from domain.beijing import BEIJING

T = TypeVar("T")


def fen(text: str, what: str, places: int = 2) -> int:
    """Yuan with at most `places` decimals (WeChat writes fees with five) as whole fen; BillCorrupt otherwise,
    and for a value finer than a fen: paycore never rounds money. (A bill has millions of these: no regex, and
    the usual shape, `12.34`, read by one slice and one int().)"""
    if len(text) > 3 and text[-3] == ".":
        digits = text[:-3] + text[-2:]
        if digits.isascii() and digits.isdigit() and len(digits) <= 14:
            return int(digits)
    elif places == 5 and len(text) > 6 and text[-6] == "." and text.endswith("000"):  # WeChat's fees: 0.04000
        digits = text[:-6] + text[-5:-3]
        if digits.isascii() and digits.isdigit() and len(digits) <= 14:
            return int(digits)
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


class Memo(Generic[T]):
    """A reader of a bill's values that reads each distinct text once: a day's bill has at most 86,400 times and
    few distinct amounts, and its million rows share them. Bounded: it forgets all past LIMIT texts."""

    LIMIT = 100_000

    def __init__(self, read: Callable[[str, str], T]) -> None:
        self._read, self._seen = read, dict[str, T]()
        self.known: Callable[[str], T | None] = self._seen.get  # a text's value if read before: the fast path

    def __call__(self, text: str, what: str) -> T:
        """The value; BillCorrupt as `read` says."""
        value = self._seen.get(text)
        if value is None:
            if len(self._seen) >= self.LIMIT:
                self._seen.clear()
            value = self._seen[text] = self._read(text, what)
        return value


def beijing_time(text: str, what: str) -> datetime:
    """`YYYY-MM-DD HH:MM:SS` in Beijing time, as an aware datetime."""
    value = text.strip()
    if len(value) != 19 or value[10] != " " or not value.isascii():
        raise BillCorrupt(f"{what} {text[:40]!r} is not a time (YYYY-MM-DD HH:MM:SS)")
    try:
        return datetime.fromisoformat(value).replace(tzinfo=BEIJING)
    except ValueError as e:
        raise BillCorrupt(f"{what} {text[:40]!r} is not a time (YYYY-MM-DD HH:MM:SS)") from e
