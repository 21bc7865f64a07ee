"""A provider's daily bill as paycore reads it: typed rows, streamed, and the totals the bill states about itself.

A bill covers a provider account for one Beijing calendar day. Each adapter turns its provider's file into
`BillRow`s one at a time (a bill may hold a million rows: nothing holds it whole), then checks the rows against
the totals the file states (`BillCorrupt` if they disagree, raised after the last row: whoever loads the rows
must keep nothing of a bill that ends that way).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import NamedTuple, Protocol

from application.errors import BillCorrupt


class BillRowKind(StrEnum):
    """What a bill row records."""

    PAYMENT = "payment"
    REFUND = "refund"


class BillRow(NamedTuple):
    """One payment or refund as the provider's bill records it; money in fen, never a float. (A tuple: a bill has
    a million of them, and a tuple is made several times faster than a frozen dataclass.)"""

    kind: BillRowKind
    provider_trade_no: str  # the provider's own number for the trade
    order_no: str  # 商户订单号: ours
    refund_no: str  # our refund_no as the bill gives it; "" on a payment
    amount: int  # fen: the payment's order amount, or the amount refunded (positive for both)
    fee: int  # fen the provider charged for it (negative when a refund gives a fee back)
    status: str  # the provider's word for the row's state (SUCCESS, REFUND, ...)
    time: datetime  # when it completed, Beijing time (aware)
    raw: str  # the line as the file has it


@dataclass(slots=True)
class BillTotals:
    """A bill's rows counted as they stream by (what paycore records per day): counts, amounts and fees in fen."""

    payments: int = 0
    payment_amount: int = 0
    refunds: int = 0
    refund_amount: int = 0
    fees: int = 0

    def count(self, row: BillRow) -> BillRow:
        """Count a row; the row."""
        if row.kind is BillRowKind.PAYMENT:
            self.payments += 1
            self.payment_amount += row.amount
        else:
            self.refunds += 1
            self.refund_amount += row.amount
        self.fees += row.fee
        return row


def check_totals(what: str, checks: list[tuple[str, int, int]]) -> None:
    """BillCorrupt naming every (total, stated, counted) of `what` where the rows do not add up to the statement."""
    wrong = [f"{name}: {counted} counted, {stated} stated" for name, stated, counted in checks if stated != counted]
    if wrong:
        raise BillCorrupt(f"the {what} does not add up to its own totals ({'; '.join(wrong)}): it is damaged or "
                          "incomplete; download it again", totals=wrong)


class DiscrepancyKind(StrEnum):
    """How a bill and paycore's records disagree."""

    MISSING_LOCALLY = "missing_locally"  # the provider has a trade paycore does not
    MISSING_AT_PROVIDER = "missing_at_provider"  # paycore has a payment paid that day, the bill does not
    AMOUNT_MISMATCH = "amount_mismatch"
    STATUS_MISMATCH = "status_mismatch"  # e.g. the bill shows paid, paycore unpaid or closed
    REFUND_MISSING_LOCALLY = "refund_missing_locally"
    REFUND_MISSING_AT_PROVIDER = "refund_missing_at_provider"
    REFUND_AMOUNT_MISMATCH = "refund_amount_mismatch"


BILL_SIDE = frozenset({  # the kinds that stand for a row of the bill
    DiscrepancyKind.MISSING_LOCALLY, DiscrepancyKind.AMOUNT_MISMATCH, DiscrepancyKind.STATUS_MISMATCH,
    DiscrepancyKind.REFUND_MISSING_LOCALLY, DiscrepancyKind.REFUND_AMOUNT_MISMATCH})


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """One disagreement found by matching a bill; `held` when it may be a record that crossed midnight (to be
    checked against the neighbouring day's bill before it is reported)."""

    kind: DiscrepancyKind
    order_no: str
    refund_no: str = ""
    provider_value: str | None = None  # the bill's amount (yuan) or status
    local_value: str | None = None  # paycore's
    held: bool = False
    resolution: str | None = None  # e.g. fixed_by_sync: settled at once, through the provider, never from the bill
    trade_no: str = ""  # the provider's trade number, from the bill or paycore's record
    provider_time: datetime | None = None  # when the bill says the row completed
    local_time: datetime | None = None  # when paycore recorded it paid (a payment) or settled (a refund)


class BillReader(Protocol):
    """One downloaded bill: its rows, streamed once; `totals` after the last one."""

    totals: BillTotals

    def rows(self) -> Iterator[BillRow]:
        """Each row; BillCorrupt after the last one if the bill does not add up."""


@dataclass(frozen=True, slots=True)
class Matched:
    """A bill matched: what disagrees, how many rows the bill had, and paycore's side of the day."""

    found: list[Discrepancy]
    rows: int
    local: LocalTotals


class BillMatcher(Protocol):
    """Matches a bill against the records of some configs."""

    async def match(self, rows: Iterable[BillRow], config_ids: Sequence[int], day: date) -> Matched:
        """Every discrepancy between the bill's rows (streamed once, off the event loop) and the records of those
        configs for the day; BillCorrupt as the rows raise it (then nothing is kept)."""


@dataclass(frozen=True, slots=True)
class RunStart:
    """A reconciliation run as it begins."""

    bill_date: date
    payment_type: str
    account: str
    config_id: int | None
    started_at: datetime


@dataclass(frozen=True, slots=True)
class RunEnd:
    """How a run ended."""

    status: str  # completed, failed, bill_not_ready
    finished_at: datetime
    bill_rows: int = 0
    totals: BillTotals | None = None
    discrepancies: int = 0
    error: str | None = None
    local: LocalTotals | None = None  # paycore's side of the day, for the same configs
    matched: int = 0  # bill rows paycore agrees with
    webhook: str | None = None  # the event type the end is told as (reconciliation.completed), to each key of
    webhook_to: tuple[str, ...] = ()  # these API keys, queued with the end in one transaction


@dataclass(frozen=True, slots=True)
class LocalTotals:
    """Paycore's records of a day for some configs: payments paid and refunds settled that day, and the amount
    paid, in fen."""

    records: int
    amount: int


class ReconciliationRuns(Protocol):
    """Runs and their discrepancies, kept."""

    async def start(self, run: RunStart) -> int:
        """Record a run as running; its id."""

    async def finish(self, run_id: int, end: RunEnd, found: Sequence[Discrepancy]) -> None:
        """Record how the run ended and what it found (held ones as held, resolved ones as resolved, others open),
        and queue the end's webhook to each of `end.webhook_to`, all in one transaction."""
