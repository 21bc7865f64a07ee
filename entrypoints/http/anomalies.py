"""Admin endpoint for anomalies (scope admin): payments that need an operator's eye, e.g. paid after close."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import get
from litestar.di import NamedDependency
from litestar.params import Parameter

from application.anomalies import kind_of
from application.list_anomalies import Anomaly, ListAnomalies
from entrypoints.http.auth import AdminController
from entrypoints.http.schemas import RefundView, iso, refund_view, yuan


class AnomalyView(msgspec.Struct, kw_only=True):
    """One payment.anomaly journal entry with the payment as it stands now."""

    event_id: str
    kind: str
    order_no: str
    payment_type: str | None
    config_id: int | None
    amount: str | None
    trade_no: str | None
    trade_status: str | None
    source: str
    provider_event_id: str | None
    create_time: str
    detail: dict[str, Any]
    auto_refund: RefundView | None


class AnomalyList(msgspec.Struct):
    """A page of anomalies, newest first."""

    items: list[AnomalyView]
    next_cursor: str | None


def anomaly_view(a: Anomaly) -> AnomalyView:
    """The API view of an anomaly."""
    e, p = a.entry.event, a.payment
    return AnomalyView(
        event_id=a.entry.event_id, kind=kind_of(e), order_no=e.order_no,
        payment_type=p.payment_type if p else None, config_id=p.config_id if p else None, amount=yuan(e.amount),
        trade_no=str(e.detail.get("trade_no") or (p.trade_no if p else "")) or None,
        trade_status=p.status.value if p else None, source=e.source.value, provider_event_id=e.provider_event_id,
        create_time=iso(e.occurred_at) or "", detail=dict(e.detail),
        auto_refund=refund_view(a.auto_refund) if a.auto_refund else None,
    )


class AnomalyController(AdminController):
    """/v1/admin/anomalies."""

    path = "/v1/admin/anomalies"

    @get("/")
    async def list_anomalies(
        self, list_anomalies: NamedDependency[ListAnomalies],
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, Parameter(max_length=200)] = None,
    ) -> AnomalyList:
        """Anomalies newest first (payment.anomaly journal entries), each with paycore's own refund if it made one."""
        page = await list_anomalies(limit, cursor)
        return AnomalyList([anomaly_view(a) for a in page.items], page.next_cursor)
