"""The WeChat emulator's memory: merchants, orders, armed faults and issued bill links."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from emulator.alipay.store import BillEdit, EditKey, Faults
from emulator.wechat.orders import Merchant, Order, Refund


@dataclass(frozen=True)
class BillLink:
    """A bill fixed when its download URL was issued, so that its hash_value holds."""

    mchid: str
    content: bytes
    gzip: bool


@dataclass
class Refusals:
    """The next `remaining` refund applications are refused with this HTTP status and code; nothing is recorded."""

    status: int = 403
    code: str = ""
    message: str = ""
    remaining: int = 0

    def arm(self, status: int, code: str, message: str, count: int) -> None:
        """Refuse the next count refund applications."""
        self.status, self.code, self.message, self.remaining = status, code, message, max(count, 0)

    def take(self) -> tuple[int, str, str] | None:
        """The refusal for this application, consuming one, or None."""
        if self.remaining <= 0:
            return None
        self.remaining -= 1
        return self.status, self.code, self.message


@dataclass
class Store:
    """Everything the WeChat emulator remembers, in memory."""

    merchants: dict[str, Merchant] = field(default_factory=dict)
    orders: dict[tuple[str, str], Order] = field(default_factory=dict)
    tokens: dict[str, tuple[str, str]] = field(default_factory=dict)
    faults: Faults = field(default_factory=Faults)
    refusals: Refusals = field(default_factory=Refusals)
    bill_links: dict[str, BillLink] = field(default_factory=dict)
    bill_edits: dict[EditKey, BillEdit] = field(default_factory=dict)  # by (mchid, out_trade_no, out_refund_no)

    def add_order(self, order: Order) -> None:
        """Remember a new order and its scan token."""
        self.orders[(order.mchid, order.out_trade_no)] = order
        self.tokens[order.token] = (order.mchid, order.out_trade_no)

    def order(self, mchid: str, out_trade_no: str) -> Order | None:
        """A merchant's order by out_trade_no."""
        return self.orders.get((mchid, out_trade_no))

    def order_by_transaction_id(self, mchid: str, transaction_id: str) -> Order | None:
        """A merchant's order by WeChat's order number."""
        return next((o for o in self.orders.values() if o.mchid == mchid and o.transaction_id == transaction_id), None)

    def order_by_token(self, token: str) -> Order | None:
        """The order a code_url (scan page) names."""
        key = self.tokens.get(token)
        return self.orders.get(key) if key else None

    def find(self, out_trade_no: str, mchid: str = "") -> list[Order]:
        """Orders with this out_trade_no (of one merchant when mchid is given)."""
        return [o for o in self.orders.values() if o.out_trade_no == out_trade_no and mchid in ("", o.mchid)]

    def refund(self, out_refund_no: str, mchid: str = "") -> list[tuple[Order, Refund]]:
        """Refunds with this out_refund_no and their orders (of one merchant when mchid is given)."""
        return [
            (o, o.refunds[out_refund_no])
            for o in self.orders.values()
            if out_refund_no in o.refunds and mchid in ("", o.mchid)
        ]

    def merchant_orders(self, mchid: str) -> list[Order]:
        """A merchant's orders in creation order."""
        return [o for o in self.orders.values() if o.mchid == mchid]

    def issue_bill_link(self, link: BillLink) -> str:
        """A fresh download token for a bill."""
        token = secrets.token_urlsafe(24)
        self.bill_links[token] = link
        return token

    def reset(self) -> None:
        """Forget orders, faults and bill links; keep the merchants."""
        self.orders.clear()
        self.tokens.clear()
        self.bill_links.clear()
        self.bill_edits.clear()
        self.faults = Faults()
        self.refusals = Refusals()
