"""Admin endpoints for refunds needing an operator (scope admin): list the stale ones, send one again."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, Parameter

from application.refund_attention import ResendRefund, StaleRefunds
from domain.status import RefundStatus
from entrypoints.http.auth import AdminController
from entrypoints.http.schemas import RefundView, refund_view

RefundNoPath = Annotated[str, Parameter(max_length=64, pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class AdminRefundList(msgspec.Struct):
    """A page of refunds, oldest first."""

    items: list[RefundView]
    next_cursor: str | None


class AdminRefundController(AdminController):
    """/v1/admin/refunds."""

    path = "/v1/admin/refunds"

    @get("/")
    async def list_refunds(
        self, stale_refunds: NamedDependency[StaleRefunds], status: FromQuery[RefundStatus | None] = None,
        stale: FromQuery[bool] = False, limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, Parameter(max_length=200)] = None,
    ) -> AdminRefundList:
        """Refunds oldest first, of one status; `stale=true`: PROCESSING past PAYCORE_REFUND_ATTENTION_HOURS."""
        page = await stale_refunds.list(status, stale, limit, cursor)
        return AdminRefundList([refund_view(r) for r in page.items], page.next_cursor)

    @post("/{refund_no:str}/resend", status_code=200)
    async def resend(self, refund_no: RefundNoPath, resend_refund: NamedDependency[ResendRefund]) -> RefundView:
        """Send a PROCESSING refund to its provider again, with the same refund_no, and apply the answer."""
        return refund_view(await resend_refund(refund_no))


ADMIN_REFUND_HANDLERS = [AdminRefundController]
