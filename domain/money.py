"""Money as an integer number of fen; the one place where yuan and fen meet."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from domain.errors import InvalidAmount

MAX_FEN = 100_000_000_00  # 100000000.00 yuan, the ceiling both providers accept
# Amount text as the API and the providers write it: ASCII digits, at most two decimals, nothing else (no sign,
# exponent, spaces or other digits). Decimal() alone would also take " 1", "1e2", "1_000" and "１２".
_DECIMAL_TEXT = re.compile(r"\d+(\.\d{1,2})?", re.ASCII)
_TOO_PRECISE_TEXT = re.compile(r"\d+\.\d{3,}", re.ASCII)


@dataclass(frozen=True, order=True, slots=True)
class Money:
    """A non-negative amount of CNY in fen. Never a float."""

    fen: int

    def __post_init__(self) -> None:
        if isinstance(self.fen, bool) or not isinstance(self.fen, int):
            raise InvalidAmount(f"fen must be an int, got {type(self.fen).__name__}",
                                f"分必须是整数，收到 {type(self.fen).__name__}")
        if self.fen < 0:
            raise InvalidAmount("an amount cannot be negative", "金额不能为负数")

    @classmethod
    def zero(cls) -> Money:
        """No money."""
        return cls(0)

    @classmethod
    def of(cls, value: str | Decimal | int) -> Money:
        """Parse a non-negative amount in yuan exactly (at most 2 decimals); the one yuan→fen conversion.

        Text must be ASCII digits with at most two decimals; a Decimal (a JSON number decoded exactly, a SQL
        NUMERIC) may have trailing zeros past the second decimal, never a non-zero digit there.
        """
        if isinstance(value, bool | float):
            raise InvalidAmount("an amount must be a decimal string, never a float",
                                "金额须为十进制字符串，不能是浮点数")
        if isinstance(value, str) and _TOO_PRECISE_TEXT.fullmatch(value):
            raise InvalidAmount(f"'{value}' has more than two decimals", f"'{value}' 超过两位小数")
        if isinstance(value, str) and not _DECIMAL_TEXT.fullmatch(value):
            raise InvalidAmount(f"'{value}' is not ASCII digits with at most two decimals",
                                f"'{value}' 不是最多两位小数的半角数字")
        try:
            yuan = Decimal(value)
        except (InvalidOperation, ValueError) as e:
            raise InvalidAmount(f"'{value}' is not a decimal amount", f"'{value}' 不是十进制金额") from e
        if not yuan.is_finite():
            raise InvalidAmount(f"'{value}' is not a finite amount", f"'{value}' 不是有限的金额")
        if yuan.adjusted() > 15:  # refuse before int() would build a huge number
            raise InvalidAmount(f"'{value}' is far too large", f"'{value}' 过大")
        # Look at the digits themselves: arithmetic would round to the context's 28 digits first.
        digits, exponent = yuan.as_tuple().digits, int(yuan.as_tuple().exponent)
        if exponent < -2 and any(digits[exponent + 2:]):
            raise InvalidAmount(f"'{value}' has more than two decimals", f"'{value}' 超过两位小数")
        fen = yuan.scaleb(2)
        if fen < 0:
            raise InvalidAmount(f"'{value}' cannot be negative", f"'{value}' 不能为负数")
        return cls(int(fen))

    @classmethod
    def from_yuan(cls, value: str | Decimal | int) -> Money:
        """Parse a payable amount in yuan exactly: > 0, at most 2 decimals, at most 100000000.00."""
        money = cls.of(value)
        if money.fen == 0:
            raise InvalidAmount(f"'{value}' must be greater than zero", f"'{value}' 须大于零")
        if money.fen > MAX_FEN:
            raise InvalidAmount(f"'{value}' is more than 100000000.00", f"'{value}' 超过上限 100000000.00")
        return money

    def to_decimal(self) -> Decimal:
        """The exact amount in yuan with two decimals."""
        return yuan(self.fen)

    def __str__(self) -> str:
        return f"{self.fen // 100}.{self.fen % 100:02d}"

    def __add__(self, other: Money) -> Money:
        return Money(self.fen + other.fen)

    def __sub__(self, other: Money) -> Money:
        return Money(self.fen - other.fen)

    def is_zero(self) -> bool:
        """True for 0.00."""
        return self.fen == 0


def yuan(fen: int) -> Decimal:
    """Fen as exact yuan with two decimals, negative ones too (a fee given back, a refund row's total)."""
    return Decimal(fen).scaleb(-2).quantize(Decimal("0.01"))
