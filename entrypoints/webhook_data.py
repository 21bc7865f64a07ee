"""The `data` of a webhook: the payment or the refund exactly as the HTTP API shows it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from application.deliver_webhooks import Render
from domain.payment import Payment
from entrypoints.cashier_links import CashierLinks
from entrypoints.http.schemas import payment_view, refund_view


def webhook_renderer(links: CashierLinks) -> Render:
    """render(event_type, payment, refund_no): the refund for refund.* events, else the payment."""

    def render(event_type: str, payment: Payment, refund_no: str | None) -> Mapping[str, Any]:
        if event_type.startswith("refund.") and refund_no is not None and refund_no in payment.refunds:
            data: dict[str, Any] = msgspec.to_builtins(refund_view(payment.refunds[refund_no]))
        else:
            data = msgspec.to_builtins(payment_view(payment, links))
        return data

    return render
