"""Money: exact yuan parsing, two-decimal rendering, integer fen only."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidAmount
from domain.money import MAX_FEN, Money


@pytest.mark.parametrize(
    ("yuan", "fen"),
    [
        ("99.90", 9990),
        ("0.1", 10),
        ("0.01", 1),
        ("1", 100),
        ("100000000.00", MAX_FEN),
        ("5", 500),
        (Decimal("1.0000000000000000000000000000000000"), 100),
        (Decimal("12345678.1200000000000000000000000000"), 1234567812),
        (Decimal("99.9"), 9990),
        (Decimal("1E+2"), 10000),
        (Decimal("0.01"), 1),
        (7, 700),
        (100_000_000, MAX_FEN),
    ],
)
def test_from_yuan_converts_exactly_to_fen(yuan: str | Decimal | int, fen: int) -> None:
    assert Money.from_yuan(yuan) == Money(fen)


@pytest.mark.parametrize("yuan", ["99.901", "0.001", "1.005", "1.000", Decimal("0.125"), Decimal("1e-3")])
def test_from_yuan_rejects_a_third_decimal(yuan: str | Decimal) -> None:
    with pytest.raises(InvalidAmount, match="more than two decimals"):
        Money.from_yuan(yuan)


@pytest.mark.parametrize(
    "yuan",
    [
        "1.00000000000000000000000000001",
        "99.9000000000000000000000000001",
        Decimal("1.0000000000000000000000000000000001"),
        Decimal("1e-999999999"),
    ],
)
def test_from_yuan_rejects_a_far_away_decimal_instead_of_rounding_it_off(yuan: str | Decimal) -> None:
    with pytest.raises(InvalidAmount, match="more than two decimals"):
        Money.from_yuan(yuan)


@pytest.mark.parametrize("yuan", [Decimal("-0.01"), Decimal("-5"), -3])
def test_from_yuan_rejects_a_negative_amount(yuan: str | Decimal | int) -> None:
    with pytest.raises(InvalidAmount, match="negative"):
        Money.from_yuan(yuan)


@pytest.mark.parametrize("yuan", ["0", "0.00", Decimal("-0"), Decimal("0"), 0])
def test_from_yuan_rejects_zero(yuan: str | Decimal | int) -> None:
    with pytest.raises(InvalidAmount, match="greater than zero"):
        Money.from_yuan(yuan)


@pytest.mark.parametrize("yuan", ["100000000.01", "100000001", Decimal("999999999.99"), 100_000_001])
def test_from_yuan_rejects_more_than_one_hundred_million(yuan: str | Decimal | int) -> None:
    with pytest.raises(InvalidAmount, match=r"more than 100000000\.00"):
        Money.from_yuan(yuan)


@pytest.mark.parametrize("yuan", ["NaN", "nan", "sNaN", "Infinity", "-Infinity", "inf", Decimal("NaN"), Decimal("Inf")])
def test_from_yuan_rejects_nan_and_infinity(yuan: str | Decimal) -> None:
    with pytest.raises(InvalidAmount):
        Money.from_yuan(yuan)


@pytest.mark.parametrize(
    "yuan",
    ["", " ", "abc", "1.2.3", "1,00", "¥10", "10元", "0x10", "1 000", "1_000", "１２", "٣", "--1", "1e", ".",
     "1e2", "1E+2", "9990e-2", " 1.00", "1.00 ", "１.００", "+5", "-1", "-0.01", "-0", ".5", "5.", "NaN", "Infinity",
     "1\n", "\t1"],
)
def test_from_yuan_rejects_garbage_strings(yuan: str) -> None:
    with pytest.raises(InvalidAmount):
        Money.from_yuan(yuan)


@pytest.mark.parametrize("yuan", [99.9, 0.1, 1.0, float("nan"), True, False])
def test_from_yuan_refuses_floats_and_booleans(yuan: Any) -> None:
    with pytest.raises(InvalidAmount):
        Money.from_yuan(yuan)


@pytest.mark.parametrize("yuan", [Decimal("1e999999999"), Decimal("9e16"), Decimal("1E+400"), Decimal("0e99999")])
def test_from_yuan_rejects_huge_exponents_quickly(yuan: str | Decimal) -> None:
    with pytest.raises(InvalidAmount):
        Money.from_yuan(yuan)


def test_from_yuan_accepts_a_decimal_in_exponent_notation_of_an_exact_amount() -> None:
    # A JSON number 1e2 or 9990e-2 reaches Money as the exact Decimal of its digits; text never has an exponent.
    assert Money.from_yuan(Decimal("1E+2")) == Money(10000)
    assert Money.from_yuan(Decimal("9990e-2")) == Money(9990)


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (0, "0.00"), (1, "0.01"), (10, "0.10"), (100, "1.00"), (9990, "99.90"), (123456, "1234.56"),
        (MAX_FEN, "100000000.00"),
    ],
)
def test_str_always_has_two_decimals(fen: int, text: str) -> None:
    assert str(Money(fen)) == text


@pytest.mark.parametrize(("fen", "yuan"), [(0, "0.00"), (5, "0.05"), (9990, "99.90"), (MAX_FEN, "100000000.00")])
def test_to_decimal_is_exact_with_two_places(fen: int, yuan: str) -> None:
    value = Money(fen).to_decimal()
    assert value == Decimal(yuan)
    assert value.as_tuple().exponent == -2


@pytest.mark.parametrize("fen", [-1, -100])
def test_money_refuses_a_negative_number_of_fen(fen: int) -> None:
    with pytest.raises(InvalidAmount, match="negative"):
        Money(fen)


@pytest.mark.parametrize("fen", [1.5, 1.0, Decimal("1"), "1", True, None])
def test_money_refuses_anything_but_an_int_of_fen(fen: Any) -> None:
    with pytest.raises(InvalidAmount, match="must be an int"):
        Money(fen)


def test_subtracting_more_than_there_is_is_refused_not_negative() -> None:
    with pytest.raises(InvalidAmount):
        Money(100) - Money(101)
    assert Money(100) - Money(40) == Money(60)
    assert Money(100) + Money(1) == Money(101)


def test_money_orders_by_amount() -> None:
    assert Money(1) < Money(2) <= Money(2)
    assert max(Money(5), Money(300), Money(20)) == Money(300)


@given(st.integers(min_value=1, max_value=MAX_FEN))
def test_every_payable_amount_survives_a_round_trip_through_its_text(fen: int) -> None:
    assert Money.from_yuan(str(Money(fen))) == Money(fen)


@given(st.integers(min_value=0, max_value=MAX_FEN))
def test_to_decimal_and_str_say_the_same_amount(fen: int) -> None:
    assert str(Money(fen).to_decimal()) == str(Money(fen))
