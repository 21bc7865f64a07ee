"""Column types: datetimes naive UTC in the database, aware UTC in the domain; exact yuan everywhere."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """Stores an aware datetime as naive UTC and hands back an aware UTC datetime."""

    impl = sa.DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(sa.DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given where an aware UTC datetime is required")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:  # a driver that already returns aware values
            return value.astimezone(UTC)
        return value.replace(tzinfo=UTC)


class Yuan(sa.types.TypeDecorator[Decimal]):
    """Yuan with two decimals: NUMERIC(12,2) on the servers, exact text on SQLite.

    Twelve digits, not the seed's decimal(10,2), which cannot hold 100000000.00. SQLite has no decimal
    type: a NUMERIC column there holds an 8-byte float, so amounts are kept as text like "99.90"
    and never pass through a float. No arithmetic on amounts happens in SQL.
    """

    impl = sa.Numeric(12, 2, asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String(16))
        return dialect.type_descriptor(sa.Numeric(12, 2, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        exact = Decimal(value).quantize(Decimal("0.01"))
        if exact != value:
            raise ValueError(f"{value!r} has more than two decimals")
        return str(exact) if dialect.name == "sqlite" else exact

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if isinstance(value, float):  # never expected; refuse rather than round silently
            raise TypeError("an amount came back from the database as a float")
        return Decimal(value)


def amount_text(column: sa.ColumnElement[Any]) -> sa.Cast[str]:
    """An amount column as its exact text (no float, no Decimal per row), for reads of many rows."""
    return sa.cast(column, sa.String(20))


def fen_of_text(text: str) -> int:
    """An amount as the database gives it as text (two decimals, e.g. "99.90") in fen."""
    whole, _, decimals = text.partition(".")
    return int(whole) * 100 + int((decimals + "00")[:2])
