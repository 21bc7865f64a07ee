"""Alipay's side of the wire, written independently of the adapter: RSA2 with cryptography, test records."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from domain.kinds import PaymentType, PayMethod
from domain.money import Money
from domain.payment import Payment
from domain.refund import Refund
from domain.status import RefundStatus

APP_ID = "2021000000000001"
SELLER_ID = "2088000000000001"
T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def rsa2(private_pem: str, text: str, charset: str = "utf-8") -> str:
    """SHA256withRSA, PKCS#1 v1.5, base64: what Alipay (or a merchant) puts in `sign`."""
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return base64.b64encode(key.sign(text.encode(charset), padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa2_ok(public_pem: str, text: str, sign: str) -> bool:
    """Whether `sign` verifies over `text`."""
    key = serialization.load_pem_public_key(public_pem.encode())
    assert isinstance(key, rsa.RSAPublicKey)
    try:
        key.verify(base64.b64decode(sign), text.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    except Exception:
        return False
    return True


def signed_form(private_pem: str, fields: Mapping[str, str], sign_type: str = "RSA2") -> dict[str, str]:
    """A notification form as Alipay posts it: every non-empty field but sign/sign_type, sorted, signed."""
    content = "&".join(f"{k}={v}" for k, v in sorted(fields.items()) if v)
    return {**fields, "sign_type": sign_type, "sign": rsa2(private_pem, content)}


def paid_fields(order_no: str = "T20261124001", **overrides: str) -> dict[str, str]:
    """The fields of a TRADE_SUCCESS notification."""
    fields = {
        "notify_time": "2026-11-24 20:03:20", "notify_type": "trade_status_sync", "notify_id": "ntf-0001",
        "charset": "utf-8", "version": "1.0", "app_id": APP_ID, "seller_id": SELLER_ID,
        "out_trade_no": order_no, "trade_no": "2026112422001400001", "trade_status": "TRADE_SUCCESS",
        "total_amount": "99.90", "receipt_amount": "99.90", "buyer_id": "2088102177846880",
        "buyer_logon_id": "159****5620", "subject": "Thesis polishing", "gmt_create": "2026-11-24 20:01:02",
        "gmt_payment": "2026-11-24 20:03:17",
    }
    return {**fields, **overrides}


def payment(order_no: str = "T20261124001", total: str = "99.90", pay_method: str = "pc",
            return_url: str | None = None, expire_minutes: int = 30) -> Payment:
    """An unpaid Alipay payment created now, expiring in `expire_minutes`."""
    now = datetime.now(UTC).replace(microsecond=0)
    return Payment.create(order_no=order_no, payment_type=PaymentType.ALIPAY, pay_method=PayMethod(pay_method),
                          config_id=101,
                          subject="Thesis polishing", total_amount=Money.from_yuan(total), now=now,
                          expire_time=now + timedelta(minutes=expire_minutes), body="two chapters",
                          return_url=return_url)


def refund(order_no: str, refund_no: str, amount: str) -> Refund:
    """A refund in PROCESSING, as the use case hands it to the gateway."""
    return Refund(refund_no, order_no, Money.from_yuan(amount), "customer request", RefundStatus.PROCESSING, T0)
