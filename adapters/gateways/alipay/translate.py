"""Transformers: Alipay's wire dicts to ProviderUpdates, and the wire forms of times and amounts.

Alipay writes every time as "yyyy-MM-dd HH:mm:ss" in Beijing time (UTC+8, no DST) and every amount as
yuan with two decimals; inside paycore times are aware UTC datetimes and amounts are `Money`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from application.errors import ProviderError
from domain.beijing import BEIJING
from domain.money import Money
from domain.refund import Refund
from domain.updates import ProviderUpdate, UpdateKind

WIRE_TIME = "%Y-%m-%d %H:%M:%S"
SUCCESS = "10000"
TRADE_KINDS: dict[str, UpdateKind] = {
    "WAIT_BUYER_PAY": UpdateKind.WAITING,
    "TRADE_SUCCESS": UpdateKind.PAID,
    "TRADE_FINISHED": UpdateKind.FINISHED,
    "TRADE_CLOSED": UpdateKind.CLOSED,
}


def beijing_text(moment: datetime) -> str:
    """An aware datetime (a naive one is taken as UTC) as Alipay's Beijing wall-clock text."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(BEIJING).strftime(WIRE_TIME)


def from_beijing(text: str) -> datetime:
    """Alipay's Beijing wall-clock text as an aware UTC datetime; ValueError if it is not one."""
    return datetime.strptime(text.strip(), WIRE_TIME).replace(tzinfo=BEIJING).astimezone(UTC)


def yuan(money: Money) -> str:
    """An amount as Alipay wants it: yuan with exactly two decimals ("0.10", never "0.1" or a float)."""
    return str(money)


def business_error(method: str, answer: Mapping[str, Any]) -> ProviderError:
    """Alipay's refusal as a ProviderError carrying its code, sub_code and sub_msg."""
    detail = answer.get("sub_msg") or answer.get("msg") or "no message"
    return ProviderError(f"Alipay refused {method}: {detail}", method=method,
                         **{k: answer.get(k) for k in ("code", "msg", "sub_code", "sub_msg")})


def is_success(answer: Mapping[str, Any]) -> bool:
    """Whether the answer's code is Alipay's success code."""
    return answer.get("code") == SUCCESS


def sub_code(answer: Mapping[str, Any]) -> str:
    """The business error code, e.g. ACQ.TRADE_NOT_EXIST ("" on success)."""
    return str(answer.get("sub_code") or "")


def trade_update(order_no: str, answer: Mapping[str, Any]) -> ProviderUpdate:
    """An alipay.trade.query answer as the order's current state."""
    kind = TRADE_KINDS.get(str(answer.get("trade_status")))
    if kind is None:
        raise ProviderError(f"Alipay reported an unknown trade_status {answer.get('trade_status')!r}",
                            trade_status=answer.get("trade_status"))
    return ProviderUpdate(
        kind, order_no,
        amount=_money(answer.get("total_amount")),
        trade_no=answer.get("trade_no") or None,
        occurred_at=_time(answer.get("send_pay_date")),
        buyer_id=answer.get("buyer_user_id") or answer.get("buyer_open_id") or None,
        buyer_account=answer.get("buyer_logon_id") or None,
        receipt_amount=_money(answer.get("receipt_amount")),
        raw=dict(answer),
    )


def closed_update(order_no: str, answer: Mapping[str, Any]) -> ProviderUpdate:
    """An alipay.trade.close answer (or a trade Alipay never saw) as CLOSED."""
    return ProviderUpdate(UpdateKind.CLOSED, order_no, trade_no=answer.get("trade_no") or None, raw=dict(answer))


def refund_update(refund: Refund, answer: Mapping[str, Any]) -> ProviderUpdate:
    """An alipay.trade.refund answer with fund_change "Y": the refund succeeded.

    Its refund_fee is the trade's cumulative refunded total, not this refund's, so the amount reported is
    the one Alipay accepted for this out_request_no.
    """
    return ProviderUpdate(UpdateKind.REFUND_SUCCEEDED, refund.order_no, amount=refund.amount,
                          trade_no=answer.get("trade_no") or None, refund_no=refund.refund_no,
                          occurred_at=_time(answer.get("gmt_refund_pay")), raw=dict(answer))


def refund_query_update(refund: Refund, answer: Mapping[str, Any]) -> ProviderUpdate:
    """An alipay.trade.fastpay.refund.query answer: REFUND_SUCCESS settles it; an answer naming no refund (no
    out_request_no, no refund_amount) means Alipay never received it; anything else is still processing."""
    if not answer.get("out_request_no") and not answer.get("refund_amount"):
        return ProviderUpdate(UpdateKind.REFUND_NOT_FOUND, refund.order_no, amount=refund.amount,
                              refund_no=refund.refund_no, raw=dict(answer))
    if answer.get("refund_status") == "REFUND_SUCCESS":
        return ProviderUpdate(UpdateKind.REFUND_SUCCEEDED, refund.order_no,
                              amount=_money(answer.get("refund_amount")) or refund.amount,
                              trade_no=answer.get("trade_no") or None, refund_no=refund.refund_no,
                              occurred_at=_time(answer.get("gmt_refund_pay")), raw=dict(answer))
    return ProviderUpdate(UpdateKind.REFUND_PROCESSING, refund.order_no, amount=refund.amount,
                          refund_no=refund.refund_no, raw=dict(answer))


def notification_update(form: Mapping[str, str], app_id: str) -> ProviderUpdate:
    """A verified notification form as a ProviderUpdate; KeyError/ValueError when it is malformed."""
    kind = TRADE_KINDS[form["trade_status"]]
    when = {UpdateKind.CLOSED: form.get("gmt_close"), UpdateKind.WAITING: None}.get(kind, form.get("gmt_payment"))
    if kind in (UpdateKind.PAID, UpdateKind.FINISHED) and not when:
        raise KeyError("gmt_payment")
    return ProviderUpdate(
        kind, _required(form, "out_trade_no"),
        amount=Money.of(_required(form, "total_amount")),
        trade_no=form.get("trade_no") or None,
        occurred_at=from_beijing(when) if when else None,
        event_id=_required(form, "notify_id"),
        app_id=app_id,
        merchant_id=form.get("seller_id") or None,
        buyer_id=form.get("buyer_id") or form.get("buyer_open_id") or None,
        buyer_account=form.get("buyer_logon_id") or None,
        receipt_amount=Money.of(form["receipt_amount"]) if form.get("receipt_amount") else None,
        raw=dict(form),
    )


def _required(form: Mapping[str, str], name: str) -> str:
    value = form.get(name, "").strip()
    if not value:
        raise KeyError(name)
    return value


def _money(value: Any) -> Money | None:
    if value in (None, ""):
        return None
    try:
        return Money.of(str(value))
    except ValueError as e:
        raise ProviderError(f"Alipay reported an amount that is not one: {value!r}") from e


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return from_beijing(str(value))
    except ValueError as e:
        raise ProviderError(f"Alipay reported a time that is not one: {value!r}") from e
