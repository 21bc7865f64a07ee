"""Transformers: WeChat Pay's wire dicts to ProviderUpdates, and nothing else.

WeChat writes amounts as integer fen and times as RFC 3339 with an offset ("2026-11-24T20:30:00+08:00");
inside paycore amounts are `Money` and times aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from application.errors import ProviderError
from domain.money import Money
from domain.refund import Refund
from domain.updates import ProviderUpdate, UpdateKind

TRADE_KINDS: dict[str, UpdateKind] = {
    "NOTPAY": UpdateKind.WAITING,
    "USERPAYING": UpdateKind.WAITING,
    "SUCCESS": UpdateKind.PAID,
    "REFUND": UpdateKind.PAID,  # paid, then (partly) refunded: it was paid
    "CLOSED": UpdateKind.CLOSED,
    "REVOKED": UpdateKind.CLOSED,
    "PAYERROR": UpdateKind.CLOSED,
}
REFUND_KINDS: dict[str, UpdateKind] = {
    "SUCCESS": UpdateKind.REFUND_SUCCEEDED,
    "PROCESSING": UpdateKind.REFUND_PROCESSING,
    "ABNORMAL": UpdateKind.REFUND_FAILED,
    "CLOSED": UpdateKind.REFUND_FAILED,
}
REFUND_FAILURES = {
    "ABNORMAL": "退款异常: the refund could not reach the payer's account",
    "CLOSED": "退款关闭: WeChat closed the refund",
}
REFUND_EVENTS: dict[str, UpdateKind] = {
    "REFUND.SUCCESS": UpdateKind.REFUND_SUCCEEDED,
    "REFUND.ABNORMAL": UpdateKind.REFUND_FAILED,
    "REFUND.CLOSED": UpdateKind.REFUND_FAILED,
}
PAID_EVENT = "TRANSACTION.SUCCESS"


class WireError(ValueError):
    """A wire dict missing a field or holding one of the wrong type."""


@contextmanager
def answer_of(what: str) -> Iterator[None]:
    """Turn a malformed answer into ProviderError."""
    try:
        yield
    except WireError as e:
        raise ProviderError(f"WeChat's answer to {what} is malformed: {e}") from e


def trade_update(order_no: str, answer: Mapping[str, Any]) -> ProviderUpdate:
    """A query answer (/v3/pay/transactions/out-trade-no/…) as the order's current state."""
    state = text(answer, "trade_state")
    kind = TRADE_KINDS.get(state)
    if kind is None:
        raise WireError(f"unknown trade_state {state!r}")
    if text(answer, "out_trade_no") != order_no:
        raise WireError("the answer names another out_trade_no")
    amount = mapping(answer, "amount")
    return ProviderUpdate(
        kind, order_no,
        amount=fen(amount, "total"),
        trade_no=optional_text(answer, "transaction_id"),
        occurred_at=time_of(answer, "success_time"),
        app_id=optional_text(answer, "appid"),
        merchant_id=optional_text(answer, "mchid"),
        buyer_id=optional_text(answer.get("payer") or {}, "openid"),
        receipt_amount=fen(amount, "payer_total") if "payer_total" in amount else None,
        raw=dict(answer),
    )


def refund_update(refund: Refund, answer: Mapping[str, Any]) -> ProviderUpdate:
    """A refund or refund-query answer as the refund's state."""
    status = text(answer, "status")
    kind = REFUND_KINDS.get(status)
    if kind is None:
        raise WireError(f"unknown refund status {status!r}")
    if text(answer, "out_refund_no") != refund.refund_no:
        raise WireError("the answer names another out_refund_no")
    return ProviderUpdate(
        kind, optional_text(answer, "out_trade_no") or refund.order_no,
        amount=fen(mapping(answer, "amount"), "refund"),
        occurred_at=time_of(answer, "success_time"),
        refund_no=refund.refund_no,
        provider_refund_id=text(answer, "refund_id"),
        failure_code=_failure_code(kind, status), failure_message=_failure_message(kind, status),
        raw=dict(answer),
    )


def _failure_code(kind: UpdateKind, status: str) -> str | None:
    """A failed refund's failure_code: WeChat's refund status (ABNORMAL, CLOSED)."""
    return status if kind is UpdateKind.REFUND_FAILED else None


def _failure_message(kind: UpdateKind, status: str) -> str | None:
    """A failed refund's failure_message: what WeChat's refund status means."""
    return REFUND_FAILURES.get(status, status) if kind is UpdateKind.REFUND_FAILED else None


def paid_notice(event: Mapping[str, Any], resource: Mapping[str, Any], headers: Mapping[str, str]) -> ProviderUpdate:
    """A TRANSACTION.SUCCESS callback (its decrypted resource) as PAID."""
    if text(resource, "trade_state") != "SUCCESS":
        raise WireError("a TRANSACTION.SUCCESS resource whose trade_state is not SUCCESS")
    amount = mapping(resource, "amount")
    return ProviderUpdate(
        UpdateKind.PAID, text(resource, "out_trade_no"),
        amount=fen(amount, "total"),
        trade_no=text(resource, "transaction_id"),
        occurred_at=time_of(resource, "success_time"),
        event_id=text(event, "id"),
        app_id=text(resource, "appid"),
        merchant_id=text(resource, "mchid"),
        buyer_id=optional_text(resource.get("payer") or {}, "openid"),
        receipt_amount=fen(amount, "payer_total") if "payer_total" in amount else None,
        raw=_raw(event, resource, headers),
    )


def refund_notice(event: Mapping[str, Any], resource: Mapping[str, Any],
                  headers: Mapping[str, str]) -> ProviderUpdate:
    """A REFUND.SUCCESS / REFUND.ABNORMAL / REFUND.CLOSED callback as the refund's outcome."""
    kind = REFUND_EVENTS[text(event, "event_type")]
    status = optional_text(resource, "refund_status") or text(event, "event_type").removeprefix("REFUND.")
    return ProviderUpdate(
        kind, text(resource, "out_trade_no"),
        amount=fen(mapping(resource, "amount"), "refund"),
        trade_no=optional_text(resource, "transaction_id"),
        occurred_at=time_of(resource, "success_time"),
        event_id=text(event, "id"),
        refund_no=text(resource, "out_refund_no"),
        provider_refund_id=text(resource, "refund_id"),
        merchant_id=text(resource, "mchid"),
        failure_code=_failure_code(kind, status), failure_message=_failure_message(kind, status),
        raw=_raw(event, resource, headers),
    )


def _raw(event: Mapping[str, Any], resource: Mapping[str, Any], headers: Mapping[str, str]) -> dict[str, Any]:
    return {"headers": dict(headers), "resource": dict(resource), "id": event.get("id"),
            "event_type": event.get("event_type")}


# -- fields --------------------------------------------------------------------------------------


def text(data: Mapping[str, Any], name: str) -> str:
    """A required non-empty string field."""
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise WireError(f"{name} is missing")
    return value


def optional_text(data: Mapping[str, Any], name: str) -> str | None:
    """A string field, or None when absent or empty."""
    value = data.get(name)
    return value if isinstance(value, str) and value else None


def mapping(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    """A required object field."""
    value = data.get(name)
    if not isinstance(value, Mapping):
        raise WireError(f"{name} is missing")
    return value


def fen(data: Mapping[str, Any], name: str) -> Money:
    """An integer amount of fen (never a float, never text)."""
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise WireError(f"{name} is not an amount in fen")
    return Money(value)


def time_of(data: Mapping[str, Any], name: str) -> datetime | None:
    """An RFC 3339 time with an offset as an aware UTC datetime; None when absent."""
    value = data.get(name)
    if value is None or value == "":
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError as e:
        raise WireError(f"{name} is not an RFC 3339 time") from e
    if moment.tzinfo is None:
        raise WireError(f"{name} has no UTC offset")
    return moment.astimezone(UTC)
