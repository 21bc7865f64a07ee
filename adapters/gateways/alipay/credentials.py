"""What the adapter needs to speak for one Alipay app."""

from __future__ import annotations

from dataclasses import dataclass

PUBLIC_GATEWAY = "https://openapi.alipay.com/gateway.do"


@dataclass(frozen=True, slots=True)
class AlipayCredentials:
    """One Alipay app: its keys, where Alipay lives (any scheme, host and port) and where it calls back."""

    app_id: str
    private_key_pem: str  # the app's private key: PKCS#1 PEM as paycore stores it (PKCS#8, bare base64 accepted)
    alipay_public_key_pem: str  # Alipay's public key, for responses and notifications
    gateway_url: str = PUBLIC_GATEWAY
    seller_id: str = ""  # the merchant PID; checked against notifications when set
    notify_url: str = ""
    return_url: str = ""

    def __repr__(self) -> str:  # never print the private key
        return f"AlipayCredentials(app_id={self.app_id!r}, gateway_url={self.gateway_url!r})"
