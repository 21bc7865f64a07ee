"""The Alipay adapter as the composition root takes it."""

from __future__ import annotations

from adapters.gateways.alipay import PAY_METHODS, alipay_gateway_from_config
from adapters.gateways.alipay.cert_store import certificate_keeper
from adapters.gateways.alipay.config import AlipayConfigRules
from adapters.gateways.alipay.config_view import CONFIG_WIRE
from adapters.gateways.alipay.notify import AlipayNotificationRouter
from adapters.gateways.alipay.notify_protocol import NOTIFY
from adapters.gateways.provider import GatewayDeps, GatewayFor, ProviderAdapter
from application.ports.providers import Gateway
from application.records import PaymentConfig
from domain.kinds import PaymentType


def gateways(deps: GatewayDeps) -> GatewayFor:
    """Each config's gateway; a certificate Alipay rotates to is kept on its config."""
    keep = certificate_keeper(deps.uow)

    def build(config: PaymentConfig) -> Gateway:
        return alipay_gateway_from_config(config, deps.secrets(config), deps.notify_url(config), deps.timeout, keep)

    return build


def app_of(config: PaymentConfig) -> str:
    """An Alipay bill covers an app (app_id)."""
    return config.app_id


PROVIDER = ProviderAdapter(PaymentType.ALIPAY, PAY_METHODS, AlipayConfigRules, gateways,
                           lambda _: AlipayNotificationRouter(), notify=NOTIFY, account=app_of,
                           config_wire=CONFIG_WIRE)
