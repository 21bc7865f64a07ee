"""WeChat Pay callbacks: refused on their headers before anything else, then verified, decrypted and
checked against the merchant, with `cryptography` (the SDK's callback path downloads certificates
for an unknown serial and never looks at the timestamp)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from adapters.gateways.wechat.credentials import WeChatCredentials
from adapters.gateways.wechat.keys import TrustedKeys
from application.errors import NotificationRejected

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
PROBE_PREFIX = "WECHATPAY/SIGNTEST/"  # WeChat's probes of whether the merchant really verifies
MAX_SKEW = timedelta(minutes=5)
HEADERS = ("wechatpay-signature", "wechatpay-signature-type", "wechatpay-timestamp", "wechatpay-nonce",
           "wechatpay-serial")


@dataclass(frozen=True, slots=True)
class Notice:
    """A verified callback: its envelope (id, event_type, …) and its decrypted resource."""

    event: dict[str, Any]
    resource: dict[str, Any]


class CallbackVerifier:
    """Opens callbacks for one merchant and app."""

    def __init__(self, credentials: WeChatCredentials, now: Callable[[], datetime],
                 keys: TrustedKeys | None = None) -> None:
        self._credentials = credentials
        self._keys = keys or TrustedKeys.of(credentials)  # shared with the client, which may learn certificates
        self._aead = AESGCM(credentials.api_v3_key.encode("utf-8"))
        self._now = now

    def open(self, headers: Mapping[str, str], body: bytes) -> Notice:
        """The verified, decrypted callback of this merchant and app; NotificationRejected at the first thing wrong."""
        notice = self.open_unchecked(headers, body)
        self._check_origin(notice.event, notice.resource)
        return notice

    def open_unchecked(self, headers: Mapping[str, str], body: bytes) -> Notice:
        """The callback verified with the key its serial names and decrypted with this APIv3 key, but its merchant
        and app not yet compared with these credentials (routing: the order inside decides whose it is)."""
        now = self._now()
        serial = check_headers(headers, now)
        key = self._keys.find(serial, now)
        if key is None:  # never fetch certificates for a serial someone else chose
            raise NotificationRejected("unknown_serial", f"serial {serial[:64]!r} is not configured or not valid now")
        self._verify(key, headers, body)
        event = _json_object(body, "malformed", "the callback body is not a JSON object")
        return Notice(event, self._decrypt(event))

    def identity(self, serial: str) -> tuple[int, bytes] | None:
        """What decides whether a callback opens: the public numbers of the key the serial names and a digest of
        the APIv3 key (never the key itself); None when no key of these credentials has that serial."""
        key = self._keys.find(serial, self._now())
        if key is None:
            return None
        return key.public_numbers().n, hashlib.sha256(self._credentials.api_v3_key.encode()).digest()

    def _verify(self, key: rsa.RSAPublicKey, headers: Mapping[str, str], body: bytes) -> None:
        message = f"{headers['wechatpay-timestamp']}\n{headers['wechatpay-nonce']}\n".encode() + body + b"\n"
        try:
            signature = base64.b64decode(headers["wechatpay-signature"], validate=True)
            key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        except (binascii.Error, ValueError, InvalidSignature) as e:
            raise NotificationRejected("bad_signature", "the callback signature does not verify") from e

    def _decrypt(self, event: Mapping[str, Any]) -> dict[str, Any]:
        resource = event.get("resource")
        if not isinstance(resource, Mapping) or resource.get("algorithm") != "AEAD_AES_256_GCM":
            raise NotificationRejected("undecryptable", "the callback resource is not AEAD_AES_256_GCM")
        nonce, ciphertext = resource.get("nonce"), resource.get("ciphertext")
        associated = resource.get("associated_data") or ""
        if not isinstance(nonce, str) or not isinstance(ciphertext, str) or not isinstance(associated, str):
            raise NotificationRejected("undecryptable", "the callback resource lacks nonce or ciphertext")
        try:
            plain = self._aead.decrypt(nonce.encode(), base64.b64decode(ciphertext, validate=True),
                                       associated.encode())
        except (binascii.Error, ValueError, InvalidTag) as e:
            raise NotificationRejected("undecryptable", "the resource does not decrypt with the APIv3 key") from e
        return _json_object(plain, "undecryptable", "the decrypted resource is not a JSON object")

    def _check_origin(self, event: Mapping[str, Any], resource: Mapping[str, Any]) -> None:
        if resource.get("mchid") != self._credentials.mchid:
            raise NotificationRejected("merchant_mismatch", "the callback is for another merchant")
        needs_appid = str(event.get("event_type", "")).startswith("TRANSACTION.")
        if (needs_appid or "appid" in resource) and resource.get("appid") != self._credentials.appid:
            raise NotificationRejected("app_id_mismatch", "the callback is for another app")


def check_headers(headers: Mapping[str, str], now: datetime) -> str:
    """Everything decidable without a key, a lookup or the network; the serial the callback names."""
    missing = [name for name in HEADERS if not headers.get(name)]
    if missing:
        raise NotificationRejected("malformed", f"the callback lacks {', '.join(missing)}")
    signature_type = headers["wechatpay-signature-type"]
    if signature_type != SIGNATURE_TYPE:
        raise NotificationRejected("unsupported_signature_type", f"signature type {signature_type!r}")
    if headers["wechatpay-signature"].startswith(PROBE_PREFIX):
        raise NotificationRejected("signature_probe", "a WeChat signature probe, refused as asked")
    timestamp = headers["wechatpay-timestamp"]
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise NotificationRejected("malformed", "the callback timestamp is not a number of seconds")
    skew = abs(now.timestamp() - int(timestamp))
    if skew > MAX_SKEW.total_seconds():
        raise NotificationRejected("stale_timestamp", f"the callback timestamp is {skew:.0f} s off")
    serial = headers["wechatpay-serial"]
    if len(serial) > 100 or not serial.isascii() or not serial.isprintable():
        raise NotificationRejected("unknown_serial", "the callback serial is not one WeChat could have sent")
    return serial


def _json_object(data: bytes, reason: str, message: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except ValueError as e:
        raise NotificationRejected(reason, message) from e
    if not isinstance(value, dict):
        raise NotificationRejected(reason, message)
    return value
