"""The WeChat Pay adapter as the composition root takes it."""

from __future__ import annotations

from adapters.gateways.provider import GatewayDeps, GatewayFor, ProviderAdapter
from adapters.gateways.wechat import PAY_METHODS, wechat_gateway_from_config
from adapters.gateways.wechat.cert_store import certificate_keeper
from adapters.gateways.wechat.config import WeChatConfigRules
from adapters.gateways.wechat.config_view import CONFIG_WIRE
from adapters.gateways.wechat.notify_protocol import NOTIFY
from adapters.gateways.wechat.routing import WeChatNotificationRouter
from application.ports.providers import Gateway
from application.records import PaymentConfig
from domain.kinds import PaymentType


def gateways(deps: GatewayDeps) -> GatewayFor:
    """Each config's gateway; platform certificates WeChat rotates to are kept on their config."""
    keep = certificate_keeper(deps.uow, deps.now)

    def build(config: PaymentConfig) -> Gateway:
        return wechat_gateway_from_config(config, deps.secrets(config), deps.notify_url(config), deps.timeout, keep)

    return build


def merchant_of(config: PaymentConfig) -> str:
    """A WeChat Pay bill covers a merchant (mch_id), whatever appids it serves."""
    return config.setting("mch_id")


PROVIDER = ProviderAdapter(PaymentType.WECHAT, PAY_METHODS, WeChatConfigRules, gateways, WeChatNotificationRouter,
                           notify=NOTIFY, account=merchant_of, config_wire=CONFIG_WIRE)
