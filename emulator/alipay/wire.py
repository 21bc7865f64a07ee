"""Alipay's wire formats: amounts in yuan with two decimals, Beijing wall-clock times, ids."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_AMOUNT = re.compile(r"(\d{1,9})(?:\.(\d{1,2}))?")


class InvalidAmount(ValueError):
    """An amount that is not a positive decimal with at most two places."""


def parse_amount(text: str) -> int:
    """Fen from Alipay's yuan text ("0.1", "0.10", "12"); refuses a third decimal or a sign."""
    match = _AMOUNT.fullmatch(text.strip())
    if not match:
        raise InvalidAmount(text)
    yuan, cents = match.group(1), (match.group(2) or "").ljust(2, "0")
    return int(yuan) * 100 + int(cents)


def format_amount(fen: int) -> str:
    """Yuan text with exactly two decimals: 10 -> "0.10", -250 -> "-2.50"."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def now() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


def beijing(moment: datetime) -> str:
    """A moment as Alipay writes it: Beijing wall-clock "yyyy-MM-dd HH:mm:ss"."""
    return moment.astimezone(BEIJING).strftime(TIME_FORMAT)


def parse_beijing(text: str) -> datetime:
    """An aware moment from Alipay's Beijing wall-clock text."""
    return datetime.strptime(text.strip(), TIME_FORMAT).replace(tzinfo=BEIJING)


def beijing_date(moment: datetime) -> date:
    """The Beijing calendar date of a moment (bills are cut by it)."""
    return moment.astimezone(BEIJING).date()


def trade_no(moment: datetime) -> str:
    """A 28-digit Alipay trade number: Beijing date, channel 2200140, and 13 random digits."""
    return moment.astimezone(BEIJING).strftime("%Y%m%d") + "2200140" + _digits(13)


def buyer_id() -> str:
    """A 16-digit Alipay user id, which always starts with 2088."""
    return "2088" + _digits(12)


def notify_id() -> str:
    """A notification id, unique per notification and kept across its retries."""
    return secrets.token_hex(16)


def _digits(n: int) -> str:
    return "".join(str(secrets.randbelow(10)) for _ in range(n))
