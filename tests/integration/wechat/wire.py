"""WeChat Pay's side of the wire, written independently of the adapter: signatures, AES-GCM resources,
certificates and test records."""

from __future__ import annotations

import base64
import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

from domain.kinds import PaymentType, PayMethod
from domain.money import Money
from domain.payment import Payment
from domain.refund import Refund
from domain.status import RefundStatus

MCHID = "1900000109"
APPID = "wxd678efh567hg6787"
MERCHANT_SERIAL = "3775B6A45ACD588826D15E583A95F5DD00000001"
PUBLIC_KEY_ID = "PUB_KEY_ID_0119000001092026112400000000001"
CERT_SERIAL = 0x5157F09EFDC096DE15EBE81A47057A7232F1B8E1
API_V3_KEY = "a3Kf9sZ2xQ7mP4vN8bR1tY6wE0uI5oLc"  # 32 ASCII characters = 32 bytes
NOTIFY_URL = "http://127.0.0.1:8000/v1/notify/wechat/201"
T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"


def sign(private_pem: str, message: bytes) -> str:
    """SHA256withRSA, PKCS#1 v1.5, base64."""
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def verifies(public_pem: str, message: bytes, signature: str) -> bool:
    """Whether `signature` is the SHA256withRSA signature of `message`."""
    key = serialization.load_pem_public_key(public_pem.encode())
    assert isinstance(key, rsa.RSAPublicKey)
    try:
        key.verify(base64.b64decode(signature), message, padding.PKCS1v15(), hashes.SHA256())
    except Exception:
        return False
    return True


def signed_headers(private_pem: str, serial: str, body: bytes, timestamp: int) -> dict[str, str]:
    """The Wechatpay-* headers WeChat puts on an answer or a callback (names in lower case)."""
    nonce = secrets.token_hex(16)
    signature = sign(private_pem, f"{timestamp}\n{nonce}\n".encode() + body + b"\n")
    return {"wechatpay-timestamp": str(timestamp), "wechatpay-nonce": nonce, "wechatpay-signature": signature,
            "wechatpay-serial": serial, "wechatpay-signature-type": SIGNATURE_TYPE}


def encrypt(resource: dict[str, Any], key: str = API_V3_KEY, associated_data: str = "transaction") -> dict[str, str]:
    """A callback `resource`: AEAD_AES_256_GCM under the APIv3 key."""
    nonce = secrets.token_hex(6)  # 12 characters, as WeChat sends
    plain = json.dumps(resource, ensure_ascii=False).encode()
    ciphertext = AESGCM(key.encode()).encrypt(nonce.encode(), plain, associated_data.encode())
    return {"algorithm": "AEAD_AES_256_GCM", "ciphertext": base64.b64encode(ciphertext).decode(),
            "associated_data": associated_data, "original_type": "transaction", "nonce": nonce}


def callback_body(event_type: str, resource: dict[str, str], event_id: str = "EV-2026-0001") -> bytes:
    """A callback body around an encrypted resource."""
    summary = "支付成功" if event_type.startswith("TRANSACTION") else "退款结果"
    envelope = {"id": event_id, "create_time": "2026-11-24T20:03:20+08:00", "resource_type": "encrypt-resource",
                "event_type": event_type, "summary": summary, "resource": resource}
    return json.dumps(envelope, ensure_ascii=False).encode()


def certificate(public_pem: str, signer_pem: str, serial: int = CERT_SERIAL, days: int = 365,
                start: datetime | None = None) -> str:
    """A platform certificate for `public_pem` (issued by `signer_pem`), valid from `start` (yesterday)."""
    public = serialization.load_pem_public_key(public_pem.encode())
    signer = serialization.load_pem_private_key(signer_pem.encode(), password=None)
    assert isinstance(public, rsa.RSAPublicKey)
    assert isinstance(signer, rsa.RSAPrivateKey)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA (test)")])
    start = start or datetime.now(UTC) - timedelta(days=1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(public)
            .serial_number(serial).not_valid_before(start).not_valid_after(start + timedelta(days=days))
            .sign(signer, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def paid_resource(order_no: str = "T20261124001", total: int = 9990, **overrides: Any) -> dict[str, Any]:
    """The decrypted resource of a TRANSACTION.SUCCESS callback (also a SUCCESS query answer)."""
    resource = {
        "mchid": MCHID, "appid": APPID, "out_trade_no": order_no, "transaction_id": "4200002026112400001",
        "trade_type": "NATIVE", "trade_state": "SUCCESS", "trade_state_desc": "支付成功", "bank_type": "OTHERS",
        "attach": "", "success_time": "2026-11-24T20:03:17+08:00", "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {"total": total, "payer_total": total, "currency": "CNY", "payer_currency": "CNY"},
    }
    return resource | overrides


def refund_resource(refund_no: str = "R20261124001", refund: int = 1000, status: str = "SUCCESS",
                    **overrides: Any) -> dict[str, Any]:
    """The decrypted resource of a REFUND.* callback."""
    resource = {
        "mchid": MCHID, "out_trade_no": "T20261124001", "transaction_id": "4200002026112400001",
        "out_refund_no": refund_no, "refund_id": "50300002026112400001", "refund_status": status,
        "success_time": "2026-11-24T21:00:00+08:00", "user_received_account": "支付用户零钱",
        "amount": {"total": 9990, "refund": refund, "payer_total": 9990, "payer_refund": refund},
    }
    return resource | overrides


def payment(order_no: str = "T20261124001", total: str = "99.90", pay_method: str = "native",
            openid: str | None = None, expire_minutes: int = 30) -> Payment:
    """An unpaid WeChat payment created at T0."""
    return Payment.create(order_no=order_no, payment_type=PaymentType.WECHAT, pay_method=PayMethod(pay_method),
                          config_id=201,
                          subject="Thesis polishing", total_amount=Money.from_yuan(total), now=T0,
                          expire_time=T0 + timedelta(minutes=expire_minutes), openid=openid)


def refund(refund_no: str = "R20261124001", amount: str = "10.00", order_no: str = "T20261124001") -> Refund:
    """A refund being processed."""
    return Refund(refund_no, order_no, Money.from_yuan(amount), "customer request", RefundStatus.PROCESSING, T0)
