"""The cashier link's token: an HMAC over the order number and its expiry, under a key derived from the master keys.

Nothing is stored: every process with the same master keys derives the same key (HKDF, its own label), so any of
them checks a link any other made. The newest master key signs; the older ones still open the links they signed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from adapters.crypto.master_keys import ENV_NAME, MasterKey, MasterKeyError

INFO = b"paycore cashier link"
TOKEN_BYTES = 20  # 160 bits of HMAC-SHA256


class CashierTokens:
    """`token(order_no, expire_time)` for the link; `valid(...)` in constant time."""

    def __init__(self, keys: Sequence[MasterKey]) -> None:
        if not keys:
            raise MasterKeyError(f"no master key: set {ENV_NAME} to id:base64key (32 random bytes)")
        self._keys = [HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(k.key) for k in keys]

    def __repr__(self) -> str:
        return f"CashierTokens(keys={len(self._keys)})"

    def token(self, order_no: str, expire_time: datetime) -> str:
        """The token under the newest master key: urlsafe base64, no padding."""
        return _sign(self._keys[0], order_no, expire_time)

    def valid(self, order_no: str, expire_time: datetime, token: str) -> bool:
        """Whether `token` was made for this order and expiry under any of the master keys."""
        return any(hmac.compare_digest(_sign(key, order_no, expire_time), token) for key in self._keys)


def _sign(key: bytes, order_no: str, expire_time: datetime) -> str:
    message = f"{order_no}\n{int(expire_time.timestamp())}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:TOKEN_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
