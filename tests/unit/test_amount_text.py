"""Amounts as the API takes them: text of ASCII digits with at most two decimals, or a JSON number read exactly.

Checked with Hypothesis against a reference written independently of domain/money.py (a regex and integer
arithmetic), over strings built from digits, dots, signs, exponents, spaces and non-ASCII digits."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from domain.errors import InvalidAmount
from domain.money import MAX_FEN, Money
from entrypoints.http.errors import FieldError
from entrypoints.http.payments import amount_of

JSON = msgspec.json.Decoder(float_hook=Decimal)  # as entrypoints/http/exact_json.py reads request bodies


def token(raw: bytes) -> Any:
    """A JSON token as the API's decoder hands it over."""
    return JSON.decode(raw)


REFERENCE = re.compile(r"^([0-9]+)(?:\.([0-9]{1,2}))?$")  # no re.ASCII needed: [0-9] is ASCII only; $ checked
PIECES = ["0", "1", "5", "9", "00", ".", "e", "E", "+", "-", " ", "\t", "\n", "_", ",", "１", "０", "٣", "²", "x"]


def reference_fen(text: str) -> int | None:
    """The fen the API must accept text as, or None when it must refuse it."""
    match = REFERENCE.match(text)
    if match is None or text.endswith("\n"):
        return None
    fen = int(match.group(1)) * 100 + int((match.group(2) or "").ljust(2, "0"))
    return fen if 0 < fen <= MAX_FEN else None


@given(st.lists(st.sampled_from(PIECES), max_size=8).map("".join))
@example("1e2")
@example(" 1.00")
@example("１.００")
@example("99.90")
@example("100000000.00")
@example("100000000.01")
def test_amount_text_is_accepted_exactly_when_the_reference_accepts_it(text: str) -> None:
    expected = reference_fen(text)
    try:
        got: int | None = Money.from_yuan(text).fen
    except InvalidAmount:
        got = None
    assert got == expected, repr(text)


@given(st.integers(min_value=1, max_value=MAX_FEN))
@example(9990)
@example(30)
def test_a_json_number_is_read_exactly_never_through_a_float(fen: int) -> None:
    shortest = json.dumps(fen / 100)  # what a client's JSON library writes, e.g. 99.9 for 9990 fen
    assert amount_of(token(shortest.encode()), "total_amount") == Money(fen)
    assert amount_of(token(f'"{fen // 100}.{fen % 100:02d}"'.encode()), "total_amount") == Money(fen)


@pytest.mark.parametrize("raw", [b"0.30000000000000004", b"99.901", b"-1", b"0", b"0.00", b"100000000.01",
                                   b"true", b"null", b"[1]", b'{"a": 1}', b'"1e2"', b'" 1.00"',
                                   '"１.００"'.encode(), b'""', b'"+5"', b'"-5"'])
def test_anything_else_is_a_validation_error_naming_the_field(raw: bytes) -> None:
    with pytest.raises(FieldError) as refused:
        amount_of(token(raw), "refund_amount")
    assert "refund_amount" in str(refused.value)


def test_a_json_number_with_an_exponent_is_read_exactly() -> None:
    assert amount_of(token(b"1e2"), "total_amount") == Money(10000)
    assert amount_of(token(b"99.90"), "total_amount") == Money(9990)


def test_a_float_is_refused_even_if_one_slipped_through() -> None:
    with pytest.raises(FieldError):
        amount_of(99.9, "total_amount")
