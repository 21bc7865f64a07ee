"""The wire shapes of the HTTP API (msgspec Structs) and their conversion from domain objects."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

import msgspec

from application.records import ApiKey, JournalEntry
from domain.kinds import PaymentType
from domain.money import Money
from domain.payment import Payment
from domain.refund import Refund
from entrypoints.cashier_links import CashierLinks

if TYPE_CHECKING:
    PaymentTypeName = str
else:  # the domain's payment types as a Literal: msgspec's errors and the OpenAPI `enum` read as they always did
    PaymentTypeName = Literal[tuple(t.value for t in PaymentType)]
OrderNo = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{6,32}$", description="6–32 of [A-Za-z0-9_-]")]
RefundNo = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="1–64 of [A-Za-z0-9_-]")]
PayChoice = Annotated[str, msgspec.Meta(pattern=r"^[a-z]{1,16}:[a-z0-9]{1,16}$",
                                        description="payment_type:pay_method")]
Url = Annotated[str, msgspec.Meta(pattern=r"^https?://[^\s]+$", max_length=500, description="an http(s) URL")]
# Kept as sent: a string stays a string (msgspec would turn "1e2", " 1.00" and "１.００" into Decimals) and a
# number is the exact Decimal of its digits (exact_json.ExactJsonRequest). payments.amount_of reads it.
Yuan = Annotated[Any, msgspec.Meta(
    description='yuan, exact: a string of ASCII digits with at most two decimals ("99.90", "5") or a JSON number '
                '(99.9); > 0, at most 100000000.00', examples=["99.90"])]


class CreatePaymentRequest(msgspec.Struct, kw_only=True):
    """POST /v1/payments."""

    # Fields given only together (checked again after decoding, entrypoints/http/payments.check_choice_fields).
    required_with: ClassVar[dict[str, str]] = {"pay_method": "payment_type", "payment_type": "pay_method"}

    order_no: OrderNo
    payment_type: PaymentTypeName | None = None
    pay_method: Annotated[str, msgspec.Meta(max_length=16)] | None = None
    pay_methods: Annotated[list[PayChoice], msgspec.Meta(max_length=16, description=(
        "only without payment_type: the methods the payer may choose from on the cashier page; "
        "left out too: every method of the enabled default configs"))] | None = None
    subject: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
    total_amount: Yuan
    body: Annotated[str, msgspec.Meta(max_length=512)] = ""
    openid: Annotated[str, msgspec.Meta(min_length=1, max_length=128)] | None = None
    config_id: Annotated[int, msgspec.Meta(ge=1)] | None = None
    expire_minutes: Annotated[int, msgspec.Meta(ge=1, le=1440)] = 30
    return_url: Url | None = None
    notify_url: Url | None = None
    payer_client_ip: Annotated[str, msgspec.Meta(max_length=45, description=(
        "the payer's IPv4 or IPv6 address, for an h5 payment (the provider's scene_info.payer_client_ip); "
        "default: the address this request came from (neither: 400 PAYER_CLIENT_IP_REQUIRED)"))] | None = None


class RefundRequest(msgspec.Struct, kw_only=True):
    """POST /v1/payments/{order_no}/refunds."""

    refund_no: RefundNo
    refund_amount: Yuan
    reason: Annotated[str, msgspec.Meta(max_length=256)] = ""


class AttemptView(msgspec.Struct, kw_only=True):
    """One method the payer tried: its trade at its provider."""

    seq: int
    payment_type: str
    pay_method: str
    config_id: int | None
    status: str  # OPEN, PAID (holds the money), CLOSED, DUPLICATE (paid twice: refund under way), DUPLICATE_REFUNDED
    out_trade_no: str  # the order number its provider knows it by
    trade_no: str | None
    create_time: str
    paid_time: str | None


class PaymentView(msgspec.Struct, kw_only=True):
    """A payment as the API shows it."""

    order_no: str
    payment_type: str | None  # null until the payer chose on the cashier page
    pay_method: str | None
    config_id: int | None
    trade_status: str
    total_amount: str
    refunded_amount: str
    subject: str
    body: str
    trade_no: str | None
    buyer_id: str | None
    buyer_account: str | None
    receipt_amount: str | None
    create_time: str
    expire_time: str
    payment_time: str | None
    notify_time: str | None
    update_time: str | None
    pay_url: str | None
    code_url: str | None
    pay_params: dict[str, str] | None
    cashier_url: str
    pay_methods: list[str] | None = None  # the payer's choices, for a payment made without payment_type
    attempts: list[AttemptView] = []


class PaymentList(msgspec.Struct):
    """A page of payments."""

    items: list[PaymentView]
    next_cursor: str | None


class EventView(msgspec.Struct, kw_only=True):
    """One journal entry."""

    event_id: str
    event_type: str
    from_status: str | None
    to_status: str | None
    amount: str | None
    source: str
    provider_event_id: str | None
    refund_no: str | None
    create_time: str
    detail: dict[str, Any]


class EventList(msgspec.Struct):
    """A payment's journal."""

    items: list[EventView]
    next_cursor: str | None = None


class RefundView(msgspec.Struct, kw_only=True):
    """A refund as the API shows it."""

    refund_no: str
    order_no: str
    refund_amount: str
    refund_status: str
    reason: str
    provider_refund_id: str | None
    create_time: str
    success_time: str | None
    failure_code: str | None = None  # FAILED: the provider's refusal code (ACQ.TRADE_HAS_FINISHED, NOT_ENOUGH ...)
    failure_message: str | None = None  # and its message
    duplicate: bool = False  # paycore's own refund in full of an attempt paid after another (DUP_…)


class RefundList(msgspec.Struct):
    """A payment's refunds."""

    items: list[RefundView]
    next_cursor: str | None = None


class CreateApiKeyRequest(msgspec.Struct, kw_only=True):
    """POST /v1/admin/api-keys."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    scope: Literal["payments", "admin"]
    webhook_url: Url | None = None


class ApiKeyView(msgspec.Struct, kw_only=True):
    """An API key without its secret (the secret appears once, in `key`, on creation)."""

    key_id: str
    name: str
    scope: str
    webhook_url: str | None
    revoked: bool
    create_time: str
    key: str | None = None
    webhook_secret: str | None = None


class ApiKeyList(msgspec.Struct):
    """Every API key."""

    items: list[ApiKeyView]
    next_cursor: str | None = None


class Health(msgspec.Struct):
    """Liveness and readiness answers."""

    status: str


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def yuan(money: Money | None) -> str | None:
    """Money as a two-decimal string."""
    return str(money) if money is not None else None


def payment_view(payment: Payment, links: CashierLinks) -> PaymentView:
    """The API view of a payment."""
    return PaymentView(
        order_no=payment.order_no, payment_type=payment.payment_type, pay_method=payment.pay_method,
        config_id=payment.config_id, trade_status=payment.status.value, total_amount=str(payment.total_amount),
        refunded_amount=str(payment.refunded_amount), subject=payment.subject, body=payment.body,
        trade_no=payment.trade_no, buyer_id=payment.buyer_id, buyer_account=payment.buyer_account,
        receipt_amount=yuan(payment.receipt_amount), create_time=iso(payment.create_time) or "",
        expire_time=iso(payment.expire_time) or "", payment_time=iso(payment.payment_time),
        notify_time=iso(payment.notify_time), update_time=iso(payment.update_time),
        pay_url=payment.checkout.pay_url, code_url=payment.checkout.code_url,
        pay_params=dict(payment.checkout.pay_params) or None,
        cashier_url=links.url(payment), pay_methods=list(payment.pay_methods) or None,
        attempts=[AttemptView(seq=a.seq, payment_type=a.payment_type.value, pay_method=a.pay_method.value,
                              config_id=a.config_id, status=a.status.value, out_trade_no=a.out_trade_no,
                              trade_no=a.trade_no, create_time=iso(a.created_at) or "", paid_time=iso(a.paid_time))
                  for a in payment.attempts],
    )


def event_view(entry: JournalEntry) -> EventView:
    """The API view of a journal entry."""
    e = entry.event
    return EventView(
        event_id=entry.event_id, event_type=e.event_type.value, from_status=e.from_status, to_status=e.to_status,
        amount=yuan(e.amount), source=e.source.value, provider_event_id=e.provider_event_id, refund_no=e.refund_no,
        create_time=iso(e.occurred_at) or "", detail=dict(e.detail),
    )


def refund_view(refund: Refund) -> RefundView:
    """The API view of a refund."""
    return RefundView(
        refund_no=refund.refund_no, order_no=refund.order_no, refund_amount=str(refund.amount),
        refund_status=refund.status.value, reason=refund.reason, provider_refund_id=refund.provider_refund_id,
        create_time=iso(refund.create_time) or "", success_time=iso(refund.success_time),
        failure_code=refund.failure_code, failure_message=refund.failure_message, duplicate=refund.duplicate,
    )


def api_key_view(key: ApiKey, token: str | None = None, webhook_secret: str | None = None) -> ApiKeyView:
    """The API view of a key; the token and webhook secret only when just issued."""
    return ApiKeyView(key_id=key.key_id, name=key.name, scope=key.scope, webhook_url=key.webhook_url,
                      revoked=key.revoked, create_time=iso(key.create_time) or "", key=token,
                      webhook_secret=webhook_secret)
