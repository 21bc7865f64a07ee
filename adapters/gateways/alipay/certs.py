"""Alipay's public-key certificate mode (公钥证书模式): certificate SNs as Alipay computes them, and trust.

The official SDK has no certificate mode; these are Alipay's rules, as its Java SDK applies them:
- a certificate's SN is the MD5 hex of its issuer's name, written in reverse RDN order as `k=v` joined by
  commas (Java's `X500Principal.getName()`, RFC 2253), followed by its serial number in decimal;
- the root certificate SN joins with `_` the SNs of the root file's certificates signed with
  sha1WithRSAEncryption or sha256WithRSAEncryption, in file order, skipping the others (SM2, ECDSA).
"""

from __future__ import annotations

import hashlib
import logging
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import SignatureAlgorithmOID

from domain.errors import chinese

log = logging.getLogger(__name__)
_PEM = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)
ROOT_SIGNATURES = (SignatureAlgorithmOID.RSA_WITH_SHA1, SignatureAlgorithmOID.RSA_WITH_SHA256)


class CertificateError(ValueError):
    """Certificate text that cannot be used, with a reason a person can act on, in English and in Chinese."""

    def __init__(self, reason: str, reason_zh: str) -> None:
        super().__init__(reason)
        self.reason_zh = chinese(reason_zh)


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    """What the admin API shows of a certificate: never a key."""

    sn: str
    subject: str
    not_after: datetime


def pem_blocks(text: str) -> list[str]:
    """The PEM certificate blocks in a text (a file may hold several), in order."""
    return [m.group(0) for m in _PEM.finditer(text.replace("\\n", "\n").replace("\r\n", "\n"))]


def load_certificates(text: str, *, skip_unreadable: bool = False) -> list[x509.Certificate]:
    """Every certificate in a PEM text. `cryptography` warns about (and may one day refuse) certificates whose
    signature algorithm carries NULL parameters, as some of Alipay's roots do: the warning is silenced and, with
    `skip_unreadable`, a certificate it refuses is left out (logged) instead of failing the whole file."""
    blocks = pem_blocks(text)
    if not blocks:
        raise CertificateError("holds no PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)",
                               "不含 PEM 证书（-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----）")
    certificates: list[x509.Certificate] = []
    for number, block in enumerate(blocks, 1):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                certificates.append(x509.load_pem_x509_certificate(block.encode("ascii")))
        except (ValueError, UnicodeEncodeError) as e:
            if not skip_unreadable:
                raise CertificateError(f"certificate {number} cannot be read: {e}",
                                       f"第 {number} 个证书无法读取：{e}") from e
            log.warning("alipay_certificate_skipped", extra={"position": number, "reason": str(e)})
    return certificates


def issuer_text(certificate: x509.Certificate) -> str:
    """The issuer as Java's X500Principal.getName() writes it: RDNs last-first, `k=v` joined by commas."""
    parts = []
    for rdn in reversed(certificate.issuer.rdns):
        parts.append("+".join(f"{a.rfc4514_attribute_name}={a.value!s}" for a in rdn))
    return ",".join(parts)


def cert_sn(certificate: x509.Certificate) -> str:
    """Alipay's SN of one certificate: md5(issuer + decimal serial)."""
    return hashlib.md5(f"{issuer_text(certificate)}{certificate.serial_number}".encode(),
                       usedforsecurity=False).hexdigest()


def root_cert_sn(root_text: str) -> str:
    """alipay_root_cert_sn: the RSA-signed roots' SNs joined by `_`; unreadable and other roots skipped."""
    return roots_sn(load_certificates(root_text, skip_unreadable=True))


def roots_sn(roots: Sequence[x509.Certificate]) -> str:
    """root_cert_sn of certificates already read."""
    sns = [cert_sn(c) for c in roots if _rsa_signed(c)]
    if not sns:
        raise CertificateError("holds no root certificate signed with sha1WithRSA or sha256WithRSA",
                               "不含以 sha1WithRSA 或 sha256WithRSA 签名的根证书")
    return "_".join(sns)


def _rsa_signed(certificate: x509.Certificate) -> bool:
    try:
        return certificate.signature_algorithm_oid in ROOT_SIGNATURES
    except ValueError:  # an algorithm `cryptography` does not know
        return False


def rsa_public_key(certificate: x509.Certificate) -> rsa.RSAPublicKey | None:
    """The certificate's RSA public key; None for any other key type (SM2, EC)."""
    try:
        key = certificate.public_key()
    except (ValueError, UnsupportedAlgorithm):
        return None
    return key if isinstance(key, rsa.RSAPublicKey) else None


def public_key_pem(certificate: x509.Certificate) -> str:
    """The certificate's RSA public key as SubjectPublicKeyInfo PEM."""
    key = rsa_public_key(certificate)
    if key is None:
        raise CertificateError("does not carry an RSA public key", "证书中不是 RSA 公钥")
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def is_ca(certificate: x509.Certificate) -> bool:
    """Whether the certificate is a CA (basicConstraints cA=TRUE)."""
    try:
        return bool(certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def leaves(text: str) -> list[x509.Certificate]:
    """The end-entity RSA certificates of a file such as alipayCertPublicKey_RSA2.crt (leaf + intermediate)."""
    return leaves_of(load_certificates(text))


def leaves_of(certificates: Sequence[x509.Certificate]) -> list[x509.Certificate]:
    """leaves() of certificates already read."""
    found = [c for c in certificates if not is_ca(c) and rsa_public_key(c) is not None]
    if not found:
        raise CertificateError("holds no end-entity RSA certificate", "不含 RSA 终端实体证书（只有 CA 证书）")
    return found


def keys_by_sn(text: str) -> dict[str, str]:
    """The public key PEM of each end-entity certificate in a text, by its SN, in the text's order."""
    return {cert_sn(c): public_key_pem(c) for c in leaves(text)}


def info(certificate: x509.Certificate) -> CertificateInfo:
    """SN, subject and expiry of a certificate."""
    return CertificateInfo(cert_sn(certificate), certificate.subject.rfc4514_string(),
                           certificate.not_valid_after_utc)


def verify_chain(leaf: x509.Certificate, intermediates: Sequence[x509.Certificate],
                 roots: Sequence[x509.Certificate], now: datetime | None = None) -> None:
    """CertificateError unless `leaf` chains, through `intermediates`, to one of `roots`, every link in date."""
    moment = now or datetime.now(UTC)
    current, pool, seen = leaf, [*intermediates, *roots], 0
    while seen <= len(pool):
        _in_date(current, moment)
        if any(_fingerprint(current) == _fingerprint(r) for r in roots):
            return
        issuer = next((c for c in pool if _issued_by(current, c)), None)
        if issuer is None:
            subject = current.subject.rfc4514_string()
            raise CertificateError(f"{subject} is not issued by a trusted root",
                                   f"{subject} 不是由受信任的根证书签发的")
        current, seen = issuer, seen + 1
    raise CertificateError("the certificate chain loops", "证书链出现循环")


def _issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    if certificate.issuer != issuer.subject or _fingerprint(certificate) == _fingerprint(issuer):
        return False
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _in_date(certificate: x509.Certificate, moment: datetime) -> None:
    if not certificate.not_valid_before_utc <= moment <= certificate.not_valid_after_utc:
        subject, at = certificate.subject.rfc4514_string(), moment.isoformat()
        raise CertificateError(f"{subject} is not valid at {at}", f"{subject} 在 {at} 不在有效期内")


def _fingerprint(certificate: x509.Certificate) -> bytes:
    return certificate.tbs_certificate_bytes


def bundle(texts: Iterable[str]) -> str:
    """Certificates joined into one PEM text, each once, in order."""
    return "\n".join(dict.fromkeys(b for t in texts for b in pem_blocks(t))) + "\n"
