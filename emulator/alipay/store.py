"""The emulator's memory: registered apps, trades, armed faults and issued bill links."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from emulator.alipay.trades import App, Trade


class FaultMode(StrEnum):
    """Ways the gateway can misbehave for the service's adapter tests."""

    NONE = "none"
    HTTP_500 = "http_500"
    SLOW = "slow"
    GARBAGE = "garbage"
    TAMPERED = "tampered"
    LOST = "lost"  # wait `seconds`, then HTTP 504 without doing anything: a timeout or 5xx and nothing recorded


@dataclass
class Faults:
    """The next `remaining` gateway calls misbehave in `mode`."""

    mode: FaultMode = FaultMode.NONE
    remaining: int = 0
    seconds: float = 3.0

    def arm(self, mode: FaultMode, count: int, seconds: float) -> None:
        """Make the next count gateway calls misbehave."""
        self.mode, self.remaining, self.seconds = mode, max(count, 0), seconds

    def take(self) -> FaultMode:
        """The fault for this call, consuming one."""
        if self.mode is FaultMode.NONE or self.remaining <= 0:
            return FaultMode.NONE
        self.remaining -= 1
        return self.mode


@dataclass
class Refusals:
    """The next `remaining` refund calls are refused with this business error, and nothing is recorded."""

    sub_code: str = ""
    sub_msg: str = ""
    remaining: int = 0

    def arm(self, sub_code: str, sub_msg: str, count: int) -> None:
        """Refuse the next count refund calls."""
        self.sub_code, self.sub_msg, self.remaining = sub_code, sub_msg, max(count, 0)

    def take(self) -> tuple[str, str] | None:
        """The refusal for this refund call, consuming one, or None."""
        if self.remaining <= 0:
            return None
        self.remaining -= 1
        return self.sub_code, self.sub_msg


class AmbiguousTrade(LookupError):
    """More than one app has a trade with this out_trade_no."""


@dataclass(frozen=True)
class BillEdit:
    """How the bill shows one payment or refund differently from the trade (the control API plants these, so a
    bill disagrees with the merchant): another amount (fen), another completion time, or not at all."""

    amount: int | None = None
    finished: datetime | None = None
    omit: bool = False


EditKey = tuple[str, str, str]  # app_id, out_trade_no, out_request_no ("" for the payment)


@dataclass
class Store:
    """Everything the Alipay emulator remembers, in memory."""

    apps: dict[str, App] = field(default_factory=dict)
    trades: dict[tuple[str, str], Trade] = field(default_factory=dict)
    faults: Faults = field(default_factory=Faults)
    refusals: Refusals = field(default_factory=Refusals)
    bill_links: dict[str, tuple[str, date]] = field(default_factory=dict)
    bill_edits: dict[EditKey, BillEdit] = field(default_factory=dict)

    def add_trade(self, trade: Trade) -> None:
        """Remember a new trade."""
        self.trades[(trade.app_id, trade.out_trade_no)] = trade

    def trade(self, app_id: str, out_trade_no: str = "", trade_no: str = "") -> Trade | None:
        """An app's trade by out_trade_no, or else by trade_no."""
        if out_trade_no:
            return self.trades.get((app_id, out_trade_no))
        return next((t for t in self.trades.values() if t.app_id == app_id and t.trade_no == trade_no), None)

    def trade_by_trade_no(self, trade_no: str) -> Trade | None:
        """Any app's trade by Alipay's trade number."""
        return next((t for t in self.trades.values() if t.trade_no == trade_no), None)

    def find(self, out_trade_no: str, app_id: str = "") -> Trade | None:
        """A trade by out_trade_no alone (control API); app_id disambiguates."""
        if app_id:
            return self.trades.get((app_id, out_trade_no))
        matches = [t for t in self.trades.values() if t.out_trade_no == out_trade_no]
        if len(matches) > 1:
            raise AmbiguousTrade(out_trade_no)
        return matches[0] if matches else None

    def app_trades(self, app_id: str) -> list[Trade]:
        """An app's trades in creation order."""
        return [t for t in self.trades.values() if t.app_id == app_id]

    def issue_bill_link(self, app_id: str, bill_date: date) -> str:
        """A fresh download token for an app's bill of one day."""
        token = secrets.token_urlsafe(24)
        self.bill_links[token] = (app_id, bill_date)
        return token

    def reset(self) -> None:
        """Forget trades, faults and bill links; keep the apps."""
        self.trades.clear()
        self.bill_links.clear()
        self.bill_edits.clear()
        self.faults = Faults()
        self.refusals = Refusals()
