"""WeChat Pay's callbacks: an encrypted resource in a JSON envelope, signed in the headers like an answer."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from emulator.wechat import signing, wire

SUMMARIES = {
    "TRANSACTION.SUCCESS": "支付成功",
    "REFUND.SUCCESS": "退款成功",
    "REFUND.ABNORMAL": "退款异常",
    "REFUND.CLOSED": "退款关闭",
}
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
PROBE_PREFIX = "WECHATPAY/SIGNTEST/"


@dataclass(frozen=True)
class Callback:
    """One callback: its JSON text (kept byte for byte across retries) and what its resource says."""

    id: str
    event_type: str
    out_trade_no: str
    out_refund_no: str
    body: str
    resource: dict[str, Any]


def dumps(data: Any) -> str:
    """Compact JSON with Chinese kept as is, as WeChat writes it."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def build(
    event_type: str, resource: dict[str, Any], api_v3_key: str, at: datetime, *,
    event_id: str = "", tamper_ciphertext: bool = False,
) -> Callback:
    """The callback of event_type whose resource is encrypted under the merchant's APIv3 key."""
    original_type = "transaction" if event_type.startswith("TRANSACTION") else "refund"
    nonce = wire.gcm_nonce()
    ciphertext = signing.encrypt(api_v3_key, nonce, original_type, dumps(resource))
    if tamper_ciphertext:
        ciphertext = tampered(ciphertext)
    event_id = event_id or wire.event_id()
    envelope = {
        "id": event_id, "create_time": wire.rfc3339(at), "resource_type": "encrypt-resource",
        "event_type": event_type, "summary": SUMMARIES[event_type],
        "resource": {
            "original_type": original_type, "algorithm": "AEAD_AES_256_GCM", "ciphertext": ciphertext,
            "associated_data": original_type, "nonce": nonce,
        },
    }
    return Callback(
        event_id, event_type, str(resource.get("out_trade_no", "")), str(resource.get("out_refund_no", "")),
        dumps(envelope), resource,
    )


def tampered(ciphertext: str) -> str:
    """The ciphertext with its first byte flipped: still base64, no longer authentic."""
    raw = bytearray(base64.b64decode(ciphertext))
    raw[0] ^= 0x01
    return base64.b64encode(bytes(raw)).decode("ascii")


def headers(
    key: rsa.RSAPrivateKey, serial: str, body: str, timestamp: int
) -> dict[str, str]:
    """The Wechatpay-* headers of an answer or a callback: a signature over timestamp, nonce and body."""
    nonce = wire.nonce()
    signature = signing.sign(key, str(timestamp), nonce, body)
    return {
        "Wechatpay-Timestamp": str(timestamp), "Wechatpay-Nonce": nonce, "Wechatpay-Serial": serial,
        "Wechatpay-Signature-Type": SIGNATURE_TYPE, "Wechatpay-Signature": signature,
        "Request-ID": wire.request_id(),
    }
