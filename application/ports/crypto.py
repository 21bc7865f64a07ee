"""The crypto ports: sealing secrets at rest and inspecting key material."""

from __future__ import annotations

from typing import Protocol


class SecretBox(Protocol):
    """Authenticated encryption of secrets at rest under rotating master keys."""

    def seal(self, plaintext: str, context: str) -> str:
        """Ciphertext under the newest master key, carrying its key id, bound to `context`."""

    def open(self, sealed: str, context: str) -> str:
        """The plaintext; SecretUnreadable (naming the key id) for a missing key, wrong key or other context."""

    def is_current(self, sealed: str) -> bool:
        """Whether the ciphertext is under the newest master key."""

    def fingerprint(self, secret: str) -> str:
        """`sha256:<hex>`, an HMAC of a symmetric secret: comparable, not guessable."""


class KeyInspector(Protocol):
    """Parses and normalises RSA key material; raises InvalidKeyMaterial with a reason a person can act on."""

    def private_key(self, text: str, *, pkcs8: bool) -> str:
        """A PEM, PKCS#1 or PKCS#8 or bare base64 private key, as PEM in the form asked for."""

    def public_key(self, text: str) -> str:
        """A PEM or bare base64 public key, or an X.509 certificate, as SubjectPublicKeyInfo PEM."""

    def public_key_of(self, private_key_pem: str) -> str:
        """The public half of a private key, as SubjectPublicKeyInfo PEM."""

    def fingerprint(self, key_pem: str) -> str:
        """`sha256:<hex>` of the public key's DER (of a private key's public half)."""

    def certificate_serials(self, pem_text: str) -> list[str]:
        """The serials of the PEM certificates in the text, as upper-case hex; InvalidKeyMaterial if unreadable."""
