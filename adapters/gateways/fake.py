"""A fake provider for unit and e2e tests: it keeps orders in memory and answers like a gateway."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from application.errors import NotificationRejected
from application.records import NotificationRoute, PaymentConfig, RawNotification
from domain.beijing import BEIJING
from domain.checkout import Checkout
from domain.money import Money
from domain.payment import Payment
from domain.refund import Refund
from domain.updates import ProviderUpdate, UpdateKind


@dataclass
class FakeOrder:
    """The provider's view of one order."""

    total: Money
    status: UpdateKind = UpdateKind.WAITING
    trade_no: str = ""
    paid_at: datetime | None = None
    refunds: dict[str, Money] = field(default_factory=dict)


class FakeGateway:
    """Answers like a provider; `fail_with` makes the next calls raise (outage, provider error)."""

    def __init__(self, payment_type: str = "alipay", refunds_settle_at_once: bool = True) -> None:
        self.payment_type = payment_type
        self.refunds_settle_at_once = refunds_settle_at_once
        self.orders: dict[str, FakeOrder] = {}
        self.fail_with: Exception | None = None
        self.refuse_refunds: tuple[str, str] | None = None  # (code, message): refunds are refused, as final
        self.calls: list[str] = []
        self.payer_client_ips: dict[str, str] = {}  # h5 orders: the payer's address the provider was given

    def _call(self, name: str) -> None:
        self.calls.append(name)
        if self.fail_with is not None:
            raise self.fail_with

    async def create(self, payment: Payment, config: PaymentConfig) -> Checkout:
        """Register the order; a QR method (native, qr) gets a code_url, JSAPI pay_params, the others a pay_url."""
        self._call("create")
        self.orders.setdefault(payment.order_no, FakeOrder(payment.total_amount))
        url = f"https://fake.example/pay/{payment.order_no}"
        if payment.pay_method == "native":
            return Checkout(code_url=f"weixin://wxpay/bizpayurl?pr={payment.order_no}")
        if payment.pay_method == "qr":
            return Checkout(code_url=f"https://fake.example/qr/{payment.order_no}")
        if payment.pay_method == "h5":
            self.payer_client_ips[payment.order_no] = payment.payer_client_ip or ""
            return Checkout(pay_url=f"https://fake.example/h5/{payment.order_no}")
        if payment.pay_method == "jsapi":
            return Checkout(pay_params={"package": f"prepay_id=fake_{payment.order_no}"})
        return Checkout(pay_url=url)

    def pay(self, order_no: str, paid_at: datetime | None = None) -> ProviderUpdate:
        """The buyer pays; returns the notification the provider would send."""
        order = self.orders[order_no]
        order.status = UpdateKind.PAID
        order.trade_no = order.trade_no or f"FAKE{order_no}"
        order.paid_at = paid_at or datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
        return self._view(order_no, event_id=f"notify-{order_no}")

    def _view(self, order_no: str, event_id: str | None = None) -> ProviderUpdate:
        order = self.orders[order_no]
        return ProviderUpdate(order.status, order_no, amount=order.total, trade_no=order.trade_no or None,
                              occurred_at=order.paid_at, event_id=event_id)

    async def query(self, payment: Payment, config: PaymentConfig) -> ProviderUpdate | None:
        """The order as the provider sees it; None if it never saw it."""
        self._call("query")
        return self._view(payment.order_no) if payment.order_no in self.orders else None

    async def close(self, payment: Payment, config: PaymentConfig) -> ProviderUpdate:
        """Close unless paid; a paid order answers PAID."""
        self._call("close")
        order = self.orders.get(payment.order_no)
        if order is None:
            return ProviderUpdate(UpdateKind.CLOSED, payment.order_no)
        if order.status is UpdateKind.WAITING:
            order.status = UpdateKind.CLOSED
        return self._view(payment.order_no)

    async def refund(self, payment: Payment, refund: Refund, config: PaymentConfig) -> ProviderUpdate:
        """Refund (once per refund_no); settles at once unless configured otherwise."""
        self._call("refund")
        if self.refuse_refunds is not None:
            code, message = self.refuse_refunds
            return ProviderUpdate(UpdateKind.REFUND_FAILED, payment.order_no, amount=refund.amount,
                                  refund_no=refund.refund_no, failure_code=code, failure_message=message)
        order = self.orders[payment.order_no]
        order.refunds.setdefault(refund.refund_no, refund.amount)
        return self._refund_view(payment.order_no, refund)

    async def query_refund(self, payment: Payment, refund: Refund, config: PaymentConfig) -> ProviderUpdate:
        """How the refund stands; REFUND_NOT_FOUND for a refund this provider never received."""
        self._call("query_refund")
        order = self.orders.get(payment.order_no)
        if order is None or refund.refund_no not in order.refunds:
            return ProviderUpdate(UpdateKind.REFUND_NOT_FOUND, payment.order_no, amount=refund.amount,
                                  refund_no=refund.refund_no)
        return self._refund_view(payment.order_no, refund)

    def _refund_view(self, order_no: str, refund: Refund) -> ProviderUpdate:
        kind = UpdateKind.REFUND_SUCCEEDED if self.refunds_settle_at_once else UpdateKind.REFUND_PROCESSING
        return ProviderUpdate(kind, order_no, amount=refund.amount, refund_no=refund.refund_no,
                              provider_refund_id=f"FAKE-{refund.refund_no}",
                              occurred_at=datetime(2026, 11, 24, 13, 0, tzinfo=UTC))

    async def verify_notification(self, raw: RawNotification, config: PaymentConfig) -> ProviderUpdate:
        """A fake notification is a form signed with the word `fake-ok`: order_no, kind, amount, event_id."""
        self._call("verify_notification")
        form = raw.form
        if form.get("sign") != "fake-ok":
            raise NotificationRejected("bad_signature", "the fake signature does not verify")
        try:
            kind, amount = UpdateKind(form.get("kind", "PAID")), Money.of(form.get("amount", "0"))
        except ValueError as e:
            raise NotificationRejected("malformed", "the fake notification is malformed") from e
        update = ProviderUpdate(kind, form.get("order_no", ""), amount=amount, trade_no=form.get("trade_no"),
                                event_id=form.get("event_id"), app_id=form.get("app_id"),
                                occurred_at=datetime(2026, 11, 24, 12, 0, tzinfo=UTC), raw=dict(form))
        self._learn(update)
        return update

    async def download_bill(self, bill_date: date) -> bytes:
        """A CSV of the orders paid that day, in Beijing time as the providers date bills (out_trade_no, trade_no,
        amount in yuan)."""
        self._call("download_bill")
        rows = [f"{no},{o.trade_no},{o.total}" for no, o in self.orders.items()
                if o.paid_at is not None and o.paid_at.astimezone(BEIJING).date() == bill_date]
        return "\n".join(["out_trade_no,trade_no,amount", *rows]).encode()

    def route(self, raw: RawNotification) -> NotificationRoute:
        """A fake notification names its order in clear, as Alipay's do."""
        order_no = raw.form.get("order_no")
        if not order_no:
            raise NotificationRejected("malformed", "the fake notification names no order_no")
        return NotificationRoute(order_no=order_no)

    async def order_of(self, raw: RawNotification, candidates: Sequence[PaymentConfig]) -> str:
        """The order_no the form names."""
        return self.route(raw).order_no or ""

    def _learn(self, update: ProviderUpdate) -> None:
        """A provider that says an order is paid answers queries about it the same way (even in another
        `paycore serve` process than the one that created the order, where this fake never saw it)."""
        if update.kind not in (UpdateKind.PAID, UpdateKind.FINISHED) or update.amount is None:
            return
        order = self.orders.setdefault(update.order_no, FakeOrder(update.amount))
        if order.status in (UpdateKind.WAITING, UpdateKind.CLOSED):
            order.status, order.paid_at = update.kind, update.occurred_at
            order.trade_no = update.trade_no or order.trade_no
