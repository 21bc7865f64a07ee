"""AES-256-GCM secret box: secrets at rest bound to their row and field, under rotating master keys."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from adapters.crypto.master_keys import ENV_NAME, KEY_ID, MasterKey, MasterKeyError
from application.errors import SecretUnreadable
from application.ports.crypto import SecretBox

FORMAT = "pc1"
NONCE_BYTES = 12
TAG_BYTES = 16
FINGERPRINT_INFO = b"paycore fingerprint"


class AesGcmSecretBox(SecretBox):
    """Seals as `pc1:<key_id>:<urlsafe-base64(nonce + ciphertext + tag)>` with the context as associated data."""

    def __init__(self, keys: Sequence[MasterKey]) -> None:
        if not keys:
            raise MasterKeyError(f"no master key: set {ENV_NAME} to id:base64key (32 random bytes)")
        ids = [k.key_id for k in keys]
        if len(set(ids)) != len(ids):
            raise MasterKeyError("master key ids must be unique")
        self._current = keys[0].key_id
        self._aeads = {k.key_id: AESGCM(k.key) for k in keys}
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=FINGERPRINT_INFO)
        self._fingerprint_key = hkdf.derive(keys[0].key)

    def __repr__(self) -> str:
        return f"AesGcmSecretBox(key_ids={list(self._aeads)!r})"

    def seal(self, plaintext: str, context: str) -> str:
        """Ciphertext under the newest master key, carrying its key id, bound to `context`."""
        nonce = os.urandom(NONCE_BYTES)
        body = self._aeads[self._current].encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
        return f"{FORMAT}:{self._current}:{base64.urlsafe_b64encode(nonce + body).decode('ascii')}"

    def open(self, sealed: str, context: str) -> str:
        """The plaintext; SecretUnreadable (naming the key id) for a missing key, wrong key or other context."""
        key_id, blob = _split(sealed)
        aead = self._aeads.get(key_id)
        if aead is None:
            raise SecretUnreadable(
                f"sealed under master key '{key_id}', which {ENV_NAME} does not hold; "
                "add it (or rotate before removing it)", key_id=key_id)
        try:
            plain = aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], context.encode("utf-8"))
        except InvalidTag:
            raise SecretUnreadable(
                f"master key '{key_id}' does not open this secret: the key is wrong, "
                "or the value was copied from another row or tampered with", key_id=key_id) from None
        return plain.decode("utf-8")

    def is_current(self, sealed: str) -> bool:
        """Whether the ciphertext is under the newest master key."""
        try:
            return _split(sealed)[0] == self._current
        except SecretUnreadable:
            return False

    def fingerprint(self, secret: str) -> str:
        """`sha256:<hex>`, an HMAC of a symmetric secret under a key derived from the newest master key."""
        return "sha256:" + hmac.new(self._fingerprint_key, secret.encode("utf-8"), hashlib.sha256).hexdigest()


def _split(sealed: str) -> tuple[str, bytes]:
    """The key id and the nonce + ciphertext + tag; never echoes the value (it may be a plaintext secret)."""
    prefix, _, rest = sealed.partition(":")
    key_id, _, encoded = rest.partition(":")
    framed = prefix == FORMAT and KEY_ID.fullmatch(key_id) is not None
    blob = _decode(encoded) if framed else None
    if blob is None or len(blob) < NONCE_BYTES + TAG_BYTES:
        known = key_id if framed else None
        raise SecretUnreadable(f"not a sealed value: expected {FORMAT}:<key_id>:<base64>", key_id=known)
    return key_id, blob


def _decode(encoded: str) -> bytes | None:
    try:
        return base64.b64decode(encoded.encode("ascii"), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        return None
