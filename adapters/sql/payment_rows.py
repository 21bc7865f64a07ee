"""Conversions between payment rows and the domain: Money <-> Decimal, JSON text, events."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping

from application.records import JournalEntry
from domain.attempts import Attempt, AttemptStatus
from domain.checkout import Checkout
from domain.events import DomainEvent, EventType, Source
from domain.kinds import PaymentType, PayMethod
from domain.money import Money
from domain.payment import Payment
from domain.refund import Refund
from domain.status import RefundStatus, TradeStatus

Row = RowMapping


def new_event_id() -> str:
    """A fresh journal event id."""
    return f"evt_{uuid.uuid4().hex}"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _money(value: Any) -> Money | None:
    return Money.of(value) if value is not None else None


def payment_values(p: Payment) -> dict[str, Any]:
    """The transaction row of a payment (without id and version)."""
    return {
        "order_no": p.order_no, "payment_type": p.payment_type.value if p.payment_type else "",
        "pay_method": p.pay_method.value if p.pay_method else "",
        "config_id": p.config_id, "subject": p.subject, "body": p.body, "openid": p.openid,
        "total_amount": p.total_amount.to_decimal(), "refunded_amount": p.refunded_amount.to_decimal(),
        "receipt_amount": p.receipt_amount.to_decimal() if p.receipt_amount is not None else None,
        "trade_status": p.status.value, "trade_no": p.trade_no, "buyer_id": p.buyer_id,
        "buyer_account": p.buyer_account, "create_time": p.create_time, "expire_time": p.expire_time,
        "payment_time": p.payment_time, "notify_time": p.notify_time, "update_time": p.update_time,
        "return_url": p.return_url, "webhook_url": p.notify_url, "api_key_id": p.api_key_id,
        "checkout": _json(_checkout_values(p.checkout)),
        "pay_methods": ",".join(p.pay_methods) or None,
        # A payment fixed to one method has one attempt, read back from the row itself: nothing more to store.
        "attempts": _json([_attempt_values(a) for a in p.tried]) if p.pay_methods else None,
        "open_attempts": len(p.attempts_to_close()),
    }


def _checkout_values(c: Checkout) -> dict[str, Any]:
    return {"pay_url": c.pay_url, "code_url": c.code_url, "pay_params": c.pay_params}


def _checkout(values: dict[str, Any]) -> Checkout:
    return Checkout(values.get("pay_url"), values.get("code_url"), values.get("pay_params") or {})


def _attempt_values(a: Attempt) -> dict[str, Any]:
    return {"seq": a.seq, "payment_type": a.payment_type.value, "pay_method": a.pay_method.value,
            "config_id": a.config_id, "out_trade_no": a.out_trade_no, "created_at": a.created_at.isoformat(),
            "status": a.status.value, "trade_no": a.trade_no,
            "paid_time": a.paid_time.isoformat() if a.paid_time else None, "checkout": _checkout_values(a.checkout)}


def attempts_of(text: str | None) -> list[Attempt]:
    """The attempts column (JSON, only for a payment whose payer chooses) as attempts; none when NULL."""
    return [_attempt(v) for v in json.loads(text)] if text else []


def _attempt(v: dict[str, Any]) -> Attempt:
    return Attempt(v["seq"], PaymentType(v["payment_type"]), PayMethod(v["pay_method"]), v["config_id"],
                   v["out_trade_no"], datetime.fromisoformat(v["created_at"]), AttemptStatus(v["status"]),
                   v["trade_no"], datetime.fromisoformat(v["paid_time"]) if v["paid_time"] else None,
                   _checkout(v["checkout"]))


def latest_notification(events: Sequence[DomainEvent]) -> str | None:
    """The raw provider notification among pending events, for the seed's notify_data column."""
    raws = [e.raw for e in events if e.source is Source.NOTIFY and e.raw]
    return _json(raws[-1]) if raws else None


def payment_from_row(row: Row, refunds: Sequence[Refund], seen_event_ids: set[str]) -> Payment:
    """Rebuild the aggregate from its row, refunds and applied provider event ids."""
    checkout = _checkout(json.loads(row["checkout"]) if row["checkout"] else {})
    return Payment(
        order_no=row["order_no"], payment_type=PaymentType(row["payment_type"]) if row["payment_type"] else None,
        pay_method=PayMethod(row["pay_method"]) if row["pay_method"] else None,
        config_id=row["config_id"], subject=row["subject"], total_amount=Money.of(row["total_amount"]),
        status=TradeStatus(row["trade_status"]), create_time=row["create_time"], expire_time=row["expire_time"],
        body=row["body"], openid=row["openid"], return_url=row["return_url"], notify_url=row["webhook_url"],
        api_key_id=row["api_key_id"], checkout=checkout,
        refunded_amount=Money.of(row["refunded_amount"]), trade_no=row["trade_no"], buyer_id=row["buyer_id"],
        buyer_account=row["buyer_account"], receipt_amount=_money(row["receipt_amount"]),
        payment_time=row["payment_time"], notify_time=row["notify_time"], update_time=row["update_time"],
        version=row["version"], refunds={r.refund_no: r for r in refunds}, seen_event_ids=seen_event_ids,
        pay_methods=tuple(row["pay_methods"].split(",")) if row["pay_methods"] else (),
        tried=attempts_of(row["attempts"]),
    )


def refund_values(r: Refund) -> dict[str, Any]:
    """The refund row."""
    return {
        "refund_no": r.refund_no, "order_no": r.order_no, "amount": r.amount.to_decimal(), "reason": r.reason,
        "status": r.status.value, "provider_refund_id": r.provider_refund_id, "create_time": r.create_time,
        "success_time": r.success_time, "failure_code": r.failure_code,
        "failure_message": r.failure_message[:512] if r.failure_message else r.failure_message,
        "out_trade_no": r.out_trade_no, "duplicate": "1" if r.duplicate else "0",
    }


def refund_from_row(row: Row) -> Refund:
    """A refund from its row."""
    return Refund(
        refund_no=row["refund_no"], order_no=row["order_no"], amount=Money.of(row["amount"]), reason=row["reason"],
        status=RefundStatus(row["status"]), create_time=row["create_time"],
        provider_refund_id=row["provider_refund_id"], success_time=row["success_time"],
        failure_code=row["failure_code"], failure_message=row["failure_message"],
        out_trade_no=row["out_trade_no"], duplicate=row["duplicate"] == "1",
    )


def event_values(event_id: str, e: DomainEvent) -> dict[str, Any]:
    """The journal row of an event."""
    return {
        "event_id": event_id, "order_no": e.order_no, "event_type": e.event_type.value,
        "from_status": e.from_status, "to_status": e.to_status,
        "amount": e.amount.to_decimal() if e.amount is not None else None, "refund_no": e.refund_no,
        "source": e.source.value, "provider_event_id": e.provider_event_id, "detail": _json(e.detail),
        "raw": _json(e.raw) if e.raw is not None else None, "create_time": e.occurred_at,
    }


def event_from_row(row: Row) -> JournalEntry:
    """A journal entry from its row."""
    event = DomainEvent(
        event_type=EventType(row["event_type"]), order_no=row["order_no"], from_status=row["from_status"],
        to_status=row["to_status"], amount=_money(row["amount"]), source=Source(row["source"]),
        occurred_at=row["create_time"], provider_event_id=row["provider_event_id"], refund_no=row["refund_no"],
        detail=json.loads(row["detail"]) if row["detail"] else {},
        raw=json.loads(row["raw"]) if row["raw"] is not None else None,
    )
    return JournalEntry(row["event_id"], event)


def outbox_values(event_id: str, e: DomainEvent) -> dict[str, Any]:
    """The outbox row of a webhook event, due at once; the payload leaves out the provider's raw data."""
    payload = {
        "id": event_id, "type": e.event_type.value, "created": e.occurred_at.isoformat(), "order_no": e.order_no,
        "from_status": e.from_status, "to_status": e.to_status,
        "amount": str(e.amount) if e.amount is not None else None, "refund_no": e.refund_no,
        "source": e.source.value, "provider_event_id": e.provider_event_id, "detail": e.detail,
    }
    return {
        "event_id": event_id, "order_no": e.order_no, "event_type": e.event_type.value, "payload": _json(payload),
        "status": "pending", "attempts": 0, "next_attempt_time": e.occurred_at, "create_time": e.occurred_at,
    }
