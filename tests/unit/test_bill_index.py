"""The reconciliation's compact index of a day's records (number → fen), against a dict as the model."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.sql.bill_index import FenIndex
from adapters.sql.types import fen_of_text


def test_each_record_is_taken_once_and_what_no_row_took_is_named() -> None:
    index = FenIndex(3)
    index.add([("T1", "99.90"), ("T2", "0.01"), ("订单3", "12.30")], fen_of_text)
    take = index.taker()
    assert (len(index), index.total) == (3, 9990 + 1 + 1230)
    assert take("T1") == 9990
    assert take("T1") is None  # a second row of the same number finds it taken
    assert take("T9") is None  # a number paycore does not have
    assert index.holds("订单3")
    assert not index.holds("T1")
    assert not index.holds("T9")
    assert sorted(index.left()) == ["T2", "订单3"]
    assert take("T2") == 1
    assert take("订单3") == 1230
    assert list(index.left()) == []


def test_the_index_grows_past_the_count_it_was_made_for_and_loses_nothing() -> None:
    index = FenIndex()  # expected nothing: the smallest table, grown several times
    numbers = [f"B{n:011d}" for n in range(5000)]
    for start in range(0, 5000, 700):
        index.add([(number, n % 9999 + 1) for n, number in enumerate(numbers[start:start + 700], start)], int)
    take = index.taker()
    assert [take(number) for number in numbers] == [n % 9999 + 1 for n in range(5000)]
    assert list(index.left()) == []


def test_each_distinct_amount_is_read_once() -> None:
    read: list[str] = []

    def amount(text: str) -> int:
        read.append(text)
        return fen_of_text(text)

    index = FenIndex(100)
    index.add([(f"T{n}", "99.90" if n % 2 else "9.99") for n in range(100)], amount)
    assert sorted(read) == ["9.99", "99.90"]
    assert index.total == 50 * 9990 + 50 * 999


@pytest.mark.parametrize("fen", [-1, 1 << 39])
def test_an_amount_the_index_cannot_hold_is_refused(fen: int) -> None:
    with pytest.raises(ValueError, match="out of range"):
        FenIndex().add([("T1", fen)], int)


@given(st.dictionaries(st.text(min_size=1, max_size=20), st.integers(0, (1 << 39) - 1), max_size=300),
       st.lists(st.text(min_size=1, max_size=20), max_size=300))
def test_taking_behaves_as_popping_from_a_dict(records: dict[str, int], rows: list[str]) -> None:
    index, model = FenIndex(len(records) // 3), dict(records)
    items = list(records.items())
    for start in range(0, len(items), 50):
        index.add(items[start:start + 50], int)
    take = index.taker()
    seen = set()
    for number in rows + list(records)[: len(records) // 2]:
        seen.add(number)
        assert take(number) == model.pop(number, None)
    assert sorted(index.left()) == sorted(model)
    assert all(index.holds(number) == (number in model) for number in seen | set(records))
    assert index.total == sum(records.values())
