"""The Alipay adapter: alipay-sdk-python made fast (cryptography RSA2), async (worker threads) and honest."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from functools import partial

from adapters.gateways.alipay.cert_mode import certificate_mode
from adapters.gateways.alipay.credentials import PUBLIC_GATEWAY, AlipayCredentials
from adapters.gateways.alipay.gateway import AlipayGateway
from application.records import PaymentConfig, PayMethodRule
from domain.kinds import PayMethod

__all__ = ["PAY_METHODS", "PUBLIC_GATEWAY", "AlipayCredentials", "AlipayGateway", "alipay_gateway_from_config"]

# alipay.trade.page.pay, .wap.pay, and .precreate (当面付: a QR code for the Alipay app)
PAY_METHODS = (PayMethodRule(PayMethod.PC), PayMethodRule(PayMethod.WAP), PayMethodRule(PayMethod.QR))


def alipay_gateway_from_config(config: PaymentConfig, secrets: Mapping[str, str], notify_url: str,
                               timeout: float,
                               on_certificate: Callable[[int, str], Awaitable[None]] | None = None) -> AlipayGateway:
    """The gateway for a stored config whose secrets were opened (`secrets["private_key"]`).

    In certificate mode, `on_certificate(config_id, pem)` keeps a certificate Alipay rotated to, once trusted."""
    credentials = AlipayCredentials(
        app_id=config.app_id,
        private_key_pem=secrets["private_key"],
        alipay_public_key_pem=config.setting("alipay_public_key"),
        gateway_url=config.gateway_url or PUBLIC_GATEWAY,
        seller_id=config.setting("seller_id"),
        notify_url=notify_url,
        return_url=config.return_url,
        certificates=(certificate_mode(app_cert, config.setting("alipay_cert"), config.setting("alipay_root_cert"))
                      if (app_cert := config.setting("app_cert")) else None),
    )
    keep = partial(on_certificate, config.config_id) if on_certificate and app_cert else None
    return AlipayGateway(credentials, timeout, keep)
