"""The day's records as reconciliation holds them while a bill streams past: number → amount in fen, in flat
arrays (issue 14: the memory of a dict of a million order numbers grew with the bill, about 110 MB a million).

An open-addressing hash table of two 64-bit arrays, keyed by the number's hash (Python's own SipHash, salted per
process: the table lives in the one process that builds and reads it): 16 bytes a slot, at most half the slots
used. A value is the amount (39 bits) and the record's ordinal (24 bits), through which the number's text is kept
once, as UTF-8 in one buffer with an offset per record, to name the records no bill row took. About 45 MB for a
million records instead of about 110 MB.

Two numbers of one 64-bit hash are taken for one (about one chance in 10^7 for a day of a million payments against
a bill of a million rows, and then only a bill row of the same amount slips through unreported; any other amount
is looked up exactly in the database).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator
from itertools import accumulate
from typing import TypeVar

EMPTY, TAKEN = 0, -1  # a slot's key when free; a slot's value once a row took its record
AMOUNT_BITS = 39
AMOUNT_MASK, MAX_RECORDS = (1 << AMOUNT_BITS) - 1, 1 << 24
SMALLEST = 1 << 10
MEMO = 100_000  # distinct amounts read once each
T = TypeVar("T")


class FenIndex:
    """Numbers to amounts in fen; each amount taken once (`taker`); `left` names the records no row took."""

    __slots__ = ("_amounts", "_keys", "_mask", "_offsets", "_taken", "_texts", "_values", "total")

    def __init__(self, expected: int = 0) -> None:
        size = SMALLEST
        while size < expected * 2:
            size *= 2
        self._keys, self._values, self._mask = array("q", [EMPTY]) * size, array("q", [0]) * size, size - 1
        self._texts, self._offsets = bytearray(), array("I", [0])
        self._taken, self.total = 0, 0
        self._amounts: dict[object, int] = {}

    def __len__(self) -> int:
        """How many records were added."""
        return len(self._offsets) - 1

    def add(self, records: Iterable[tuple[str, T]], amount: Callable[[T], int]) -> None:
        """Hold records given as (number, amount as the database spells it), e.g. a batch of a streamed query, each
        amount read by `amount` into fen. A day's numbers are unique: each is added once."""
        records = list(records)
        first = len(self)
        if first + len(records) > MAX_RECORDS:
            raise ValueError(f"more than {MAX_RECORDS:,} records in a day")
        while (first + len(records)) * 2 > len(self._keys):
            self._grow()
        keys, values, mask, ordinal, numbers, total = self._keys, self._values, self._mask, first, [], 0
        known = self._amounts  # a day has few distinct prices: each is read once
        for number, text in records:
            fen = known.get(text)
            if fen is None:
                fen = amount(text)
                if not 0 <= fen <= AMOUNT_MASK:
                    raise ValueError(f"an amount of {fen} fen is out of range")
                if len(known) < MEMO:
                    known[text] = fen
            key = hash(number) or 1
            slot = key & mask
            while keys[slot] != EMPTY:
                slot = (slot + 1) & mask
            keys[slot], values[slot] = key, ordinal << AMOUNT_BITS | fen
            ordinal += 1
            total += fen
            numbers.append(number)
        encoded = [number.encode() for number in numbers]
        self._texts += b"".join(encoded)
        self._offsets.extend(list(accumulate(map(len, encoded), initial=self._offsets[-1]))[1:])
        self.total += total

    def taker(self) -> Callable[[str], int | None]:
        """take(number): the record's amount, once; None if there is none, or a row took it already."""
        keys, values, mask = self._keys, self._values, self._mask

        def take(number: str) -> int | None:
            key = hash(number) or 1
            slot = key & mask
            while True:
                found = keys[slot]
                if found == key:
                    value = values[slot]
                    if value == TAKEN:
                        return None
                    values[slot] = TAKEN
                    self._taken += 1
                    return value & AMOUNT_MASK
                if found == EMPTY:
                    return None
                slot = (slot + 1) & mask

        return take

    def holds(self, number: str) -> bool:
        """Whether the record is here and no row took it."""
        keys, mask = self._keys, self._mask
        key = hash(number) or 1
        slot = key & mask
        while (found := keys[slot]) != EMPTY:
            if found == key:
                return self._values[slot] != TAKEN
            slot = (slot + 1) & mask
        return False

    def left(self) -> Iterator[str]:
        """The numbers of the records no row took, in no particular order."""
        if self._taken == len(self):
            return
        texts, offsets = self._texts, self._offsets
        for key, value in zip(self._keys, self._values, strict=True):
            if key != EMPTY and value != TAKEN:
                ordinal = value >> AMOUNT_BITS
                yield texts[offsets[ordinal]:offsets[ordinal + 1]].decode()

    def _grow(self) -> None:
        """Twice the slots (the taker of a table grown afterwards would not see it: grow before taking)."""
        keys, values = self._keys, self._values
        size = len(keys) * 2
        self._keys, self._values, self._mask = array("q", [EMPTY]) * size, array("q", [0]) * size, size - 1
        new_keys, new_values, mask = self._keys, self._values, self._mask
        for key, value in zip(keys, values, strict=True):
            if key != EMPTY:
                slot = key & mask
                while new_keys[slot] != EMPTY:
                    slot = (slot + 1) & mask
                new_keys[slot], new_values[slot] = key, value
