"""What the adapter needs to speak for one Alipay app."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

PUBLIC_GATEWAY = "https://openapi.alipay.com/gateway.do"


@dataclass(frozen=True, slots=True)
class CertificateMode:
    """An app in certificate mode (公钥证书模式): the SNs every request carries, and Alipay's keys by the SN of
    the certificate that holds them (answers and notifications name it as alipay_cert_sn)."""

    app_cert_sn: str
    root_cert_sn: str
    alipay_keys: Mapping[str, str]  # alipay_cert_sn → SubjectPublicKeyInfo PEM, the newest first
    root_cert: str  # the root file's PEM text: a certificate Alipay hands out must chain to it


@dataclass(frozen=True, slots=True)
class AlipayCredentials:
    """One Alipay app: its keys, where Alipay lives (any scheme, host and port) and where it calls back."""

    app_id: str
    private_key_pem: str  # the app's private key: PKCS#1 PEM as paycore stores it (PKCS#8, bare base64 accepted)
    alipay_public_key_pem: str  # Alipay's public key, for responses and notifications (public-key mode)
    gateway_url: str = PUBLIC_GATEWAY
    seller_id: str = ""  # the merchant PID; checked against notifications when set
    notify_url: str = ""
    return_url: str = ""
    certificates: CertificateMode | None = field(default=None)  # set in certificate mode

    def __repr__(self) -> str:  # never print the private key
        mode = "certificate" if self.certificates else "public-key"
        return f"AlipayCredentials(app_id={self.app_id!r}, gateway_url={self.gateway_url!r}, mode={mode!r})"
