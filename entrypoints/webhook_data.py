"""The `data` of a webhook: the payment, the refund or the reconciliation run exactly as the HTTP API shows it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from application.deliver_webhooks import Render, RenderRun
from application.errors import ReconciliationNotFound
from application.reconciliations import Reconciliations
from domain.payment import Payment
from entrypoints.cashier_links import CashierLinks
from entrypoints.http.reconciliations import run_view
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


def run_renderer(reconciliations: Reconciliations) -> RenderRun:
    """render_run(run_id): the run as GET /v1/admin/reconciliations/{run_id} shows it, or None."""

    async def render(run_id: int) -> Mapping[str, Any] | None:
        try:
            run = await reconciliations.get(run_id)
        except ReconciliationNotFound:
            return None
        data: dict[str, Any] = msgspec.to_builtins(run_view(run))
        return data

    return render
