"""The Alipay adapter: alipay-sdk-python made fast (cryptography RSA2), async (worker threads) and honest."""

from __future__ import annotations

from collections.abc import Mapping

from adapters.gateways.alipay.credentials import PUBLIC_GATEWAY, AlipayCredentials
from adapters.gateways.alipay.gateway import AlipayGateway
from application.ports import PaymentConfig

__all__ = ["PUBLIC_GATEWAY", "AlipayCredentials", "AlipayGateway", "alipay_gateway_from_config"]


def alipay_gateway_from_config(config: PaymentConfig, secrets: Mapping[str, str], notify_url: str,
                               timeout: float) -> AlipayGateway:
    """The gateway for a stored config whose secrets were opened (`secrets["private_key"]`)."""
    credentials = AlipayCredentials(
        app_id=config.app_id,
        private_key_pem=secrets["private_key"],
        alipay_public_key_pem=config.alipay_public_key,
        gateway_url=config.gateway_url or PUBLIC_GATEWAY,
        seller_id=config.seller_id,
        notify_url=notify_url,
        return_url=config.return_url,
    )
    return AlipayGateway(credentials, timeout)
