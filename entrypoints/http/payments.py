"""Payments endpoints: thin handlers that decode, call one use case and encode."""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, HeaderParameter, JSONBody, Parameter

from application.close_payment import ClosePayment
from application.create_payment import CreatePayment, CreatePaymentCommand
from application.errors import InvalidField
from application.queries import PaymentQueries
from application.records import PaymentFilter
from application.refund_payment import RefundCommand, RefundPayment
from application.sync_payment import SyncPayment, SyncRefund
from domain.errors import InvalidAmount
from domain.kinds import PaymentType
from domain.money import Money
from domain.status import TradeStatus
from entrypoints.cashier_links import CashierLinks
from entrypoints.http.auth import (
    KEEPS_UNIT_OF_WORK,
    current_key,
    end_unit_of_work,
    require_scope,
    take_unit_of_work,
)
from entrypoints.http.errors import FieldError
from entrypoints.http.schemas import (
    CreatePaymentRequest,
    EventList,
    PaymentList,
    PaymentView,
    RefundList,
    RefundRequest,
    RefundView,
    event_view,
    payment_view,
    refund_view,
)

OrderNoPath = Annotated[str, Parameter(max_length=64)]
Moment = Annotated[str | None, Parameter(max_length=40, schema_extra={"format": "date-time"},
                                          description="RFC 3339, with its offset: 2026-11-24T20:30:00Z")]
# RFC 3339 date-time (what `format: date-time` means); fromisoformat alone would also take a date or a naive time.
_RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)", re.ASCII)
IdempotencyKey = Annotated[str | None, HeaderParameter(name="Idempotency-Key", max_length=255, required=False)]


def amount_of(value: Any, field: str) -> Money:
    """A request amount as Money, or a VALIDATION_ERROR naming the field.

    A JSON string goes to Money as text (ASCII digits, at most two decimals); a JSON number as the exact
    Decimal of its digits (or an int); anything else (a float, a boolean, null, a list) is refused.
    """
    try:
        if isinstance(value, str | Decimal) or (isinstance(value, int) and not isinstance(value, bool)):
            return Money.from_yuan(value)
        raise InvalidAmount("an amount must be a string or a number of yuan", "金额须为以元为单位的字符串或数字")
    except InvalidAmount as e:
        raise FieldError(field, str(e), e.message_zh) from e


def payer_ip(given: str | None, request: Request[Any, Any, Any]) -> str | None:
    """The payer's IP address for the provider (an h5 payment's scene_info.payer_client_ip): as given, checked, else the
    address this request came from, as uvicorn reports it (the business server's, or behind a proxy trusted with
    --forwarded-allow-ips, the address it forwarded); None when there is no such address or it is not an IP address
    (a Unix socket has none; a proxy may forward `unknown`)."""
    if given is None:
        host = request.client.host if request.client is not None else ""
        try:
            return str(ipaddress.ip_address(host))
        except ValueError:
            return None
    try:
        return str(ipaddress.ip_address(given.strip()))
    except ValueError as e:
        raise FieldError("payer_client_ip", "is not an IPv4 or IPv6 address", "不是有效的 IPv4 或 IPv6 地址") from e


def cashier_links(request: Request[Any, Any, Any]) -> CashierLinks:
    """How payers reach their cashier pages."""
    links: CashierLinks = request.app.state.container.cashier_links()
    return links


def check_choice_fields(data: CreatePaymentRequest) -> None:
    """payment_type and pay_method go together; pay_methods only without them (the payer chooses)."""
    if data.payment_type is not None and data.pay_methods is not None:
        raise InvalidField("pay_methods", "give either payment_type and pay_method, or pay_methods (the payer "
                           "chooses), not both", "payment_type/pay_method 与 pay_methods（由付款人选择）只能二选一")
    if data.payment_type is not None and data.pay_method is None:
        raise InvalidField("pay_method", "a payment_type needs its pay_method",
                           "指定 payment_type 时须同时指定 pay_method")
    if data.payment_type is None and data.pay_method is not None:
        raise InvalidField("payment_type", "a pay_method needs its payment_type",
                           "指定 pay_method 时须同时指定 payment_type")


class PaymentController(Controller):
    """/v1/payments."""

    path = "/v1"
    guards = [require_scope]  # noqa: RUF012 - Litestar reads this class attribute
    opt = {"scope": "payments"}  # noqa: RUF012
    tags = ["payments"]  # noqa: RUF012

    @post("/payments", status_code=201, opt={KEEPS_UNIT_OF_WORK: True}, middleware=[end_unit_of_work])
    async def create(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[CreatePaymentRequest],
        create_payment: NamedDependency[CreatePayment],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[PaymentView]:
        """Create a payment (or answer a repeat of an identical request)."""
        check_choice_fields(data)
        command = CreatePaymentCommand(
            order_no=data.order_no,
            payment_type=PaymentType(data.payment_type) if data.payment_type is not None else None,
            pay_method=data.pay_method,
            pay_methods=tuple(data.pay_methods or ()),
            subject=data.subject,
            total_amount=amount_of(data.total_amount, "total_amount"),
            body=data.body,
            openid=data.openid,
            config_id=data.config_id,
            expire_minutes=data.expire_minutes,
            return_url=data.return_url,
            notify_url=data.notify_url,
            payer_client_ip=payer_ip(data.payer_client_ip, request),
            api_key_id=current_key(request).key_id,
            idempotency_key=idempotency_key,
        )
        # The key was read in this unit of work: the create's reads go on in it, one unit of work fewer.
        result = await create_payment(command, reading=take_unit_of_work(request))
        view = payment_view(result.payment, cashier_links(request))
        return Response(view, status_code=201 if result.created else 200)

    @get("/payments/{order_no:str}")
    async def read(
        self,
        request: Request[Any, Any, Any],
        order_no: OrderNoPath,
        queries: NamedDependency[PaymentQueries],
        sync_payment: NamedDependency[SyncPayment],
        sync: FromQuery[bool] = False,
    ) -> PaymentView:
        """One payment; `?sync=true` asks the provider first."""
        payment = await sync_payment(order_no) if sync else await queries.get(order_no)
        return payment_view(payment, cashier_links(request))

    @get("/payments")
    async def list_payments(
        self,
        request: Request[Any, Any, Any],
        queries: NamedDependency[PaymentQueries],
        trade_status: FromQuery[TradeStatus | None] = None,
        payment_type: Annotated[str | None, Parameter(max_length=20)] = None,
        created_from: Moment = None,
        created_to: Moment = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, Parameter(max_length=500)] = None,
    ) -> PaymentList:
        """Payments, newest first."""
        filters = PaymentFilter(
            trade_status, payment_type, _moment(created_from, "created_from"), _moment(created_to, "created_to")
        )
        page = await queries.list(filters, limit, cursor)
        url = cashier_links(request)
        return PaymentList([payment_view(p, url) for p in page.items], page.next_cursor)

    @post("/payments/{order_no:str}/close", status_code=200)
    async def close(
        self, request: Request[Any, Any, Any], order_no: OrderNoPath, close_payment: NamedDependency[ClosePayment]
    ) -> PaymentView:
        """Close an unpaid payment."""
        return payment_view(await close_payment(order_no), cashier_links(request))

    @get("/payments/{order_no:str}/events")
    async def events(self, order_no: OrderNoPath, queries: NamedDependency[PaymentQueries]) -> EventList:
        """The payment's journal, oldest first."""
        return EventList([event_view(e) for e in await queries.events(order_no)])

    @post("/payments/{order_no:str}/refunds", status_code=201)
    async def refund(
        self, order_no: OrderNoPath, data: JSONBody[RefundRequest], refund_payment: NamedDependency[RefundPayment]
    ) -> Response[RefundView]:
        """Refund part or all of a paid payment."""
        command = RefundCommand(order_no, data.refund_no, amount_of(data.refund_amount, "refund_amount"), data.reason)
        result = await refund_payment(command)
        return Response(refund_view(result.refund), status_code=201 if result.created else 200)

    @get("/payments/{order_no:str}/refunds")
    async def refunds(self, order_no: OrderNoPath, queries: NamedDependency[PaymentQueries]) -> RefundList:
        """The payment's refunds."""
        return RefundList([refund_view(r) for r in await queries.refunds(order_no)])

    @get("/refunds/{refund_no:str}")
    async def read_refund(
        self,
        refund_no: Annotated[str, Parameter(max_length=64)],
        queries: NamedDependency[PaymentQueries],
        sync_refund: NamedDependency[SyncRefund],
        sync: FromQuery[bool] = False,
    ) -> RefundView:
        """One refund; `?sync=true` asks the provider first."""
        if sync:
            payment = await sync_refund(refund_no)
            return refund_view(payment.refunds[refund_no])
        _, refund = await queries.refund(refund_no)
        return refund_view(refund)


def _moment(raw: str | None, field: str) -> datetime | None:
    if raw is None:
        return None
    try:
        if not _RFC3339.fullmatch(raw):
            raise ValueError(raw)
        return datetime.fromisoformat(raw.upper().replace("Z", "+00:00"))
    except ValueError as e:
        raise FieldError(field, "must be an ISO 8601 time with its offset, like 2026-11-24T20:30:00Z",
                         "须为带时区偏移的 ISO 8601 时间，例如 2026-11-24T20:30:00Z") from e
