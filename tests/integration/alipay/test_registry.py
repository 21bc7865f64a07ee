"""One AlipayGateway per config, through the registry's factory."""

from __future__ import annotations

import dataclasses

from adapters.gateways.alipay import AlipayGateway, alipay_gateway_from_config
from adapters.gateways.fake import FakeGateway
from adapters.gateways.registry import ConfigGatewayRegistry
from application.ports.providers import Gateway
from application.records import PaymentConfig
from domain.kinds import PaymentType
from tests.integration.alipay.wire import APP_ID
from tests.rsa_keys import KeyPair


def test_each_alipay_config_gets_its_own_gateway_rebuilt_when_the_config_changes(app_keys: KeyPair,
                                                                                 alipay_keys: KeyPair) -> None:
    def build(config: PaymentConfig) -> Gateway:
        notify_url = f"http://paycore.example/v1/notify/alipay/{config.config_id}"
        return alipay_gateway_from_config(config, {"private_key": app_keys.pkcs1_pem}, notify_url, 5)

    wechat = FakeGateway("wechat")
    registry = ConfigGatewayRegistry({"alipay": build}, {"wechat": wechat})
    first = PaymentConfig(config_id=1, payment_type=PaymentType.ALIPAY, config_name="a", app_id=APP_ID,
                          settings={"alipay_public_key": alipay_keys.public_pem})
    second = dataclasses.replace(first, config_id=2, app_id="2021000000000002")
    gateway = registry.for_config(first)
    assert isinstance(gateway, AlipayGateway)
    assert registry.for_config(first) is gateway
    assert registry.for_config(dataclasses.replace(first)) is gateway  # the same row read again
    other = registry.for_config(second)
    assert isinstance(other, AlipayGateway)
    assert other.credentials.app_id == "2021000000000002"
    assert registry.for_config(first.with_setting("seller_id", "2088")) is not gateway
    resealed = dataclasses.replace(first, sealed={"private_key": "v2:..."})
    assert registry.for_config(resealed) is not registry.for_config(first)
    assert registry.for_config(PaymentConfig(config_id=3, payment_type=PaymentType.WECHAT, config_name="w")) is wechat
