"""CreatePayment on in-memory storage and a fake provider."""

from __future__ import annotations

from dataclasses import replace

import pytest

from application.errors import (
    ConfigNotFound,
    GatewayNotAvailable,
    IdempotencyKeyReused,
    OpenidRequired,
    OrderNoConflict,
    ProviderUnavailable,
    UnsupportedPayMethod,
)
from domain.events import EventType
from domain.kinds import PaymentType, PayMethod
from domain.money import Money
from domain.status import TradeStatus
from tests.unit.builders import T0
from tests.unit.harness import ALIPAY, WECHAT, App, build_app, order


async def test_a_new_order_is_created_unpaid_with_a_pay_url(app: App) -> None:
    result = await app.create(order())
    assert result.created is True
    payment = result.payment
    assert payment.status is TradeStatus.WAIT_BUYER_PAY
    assert payment.total_amount == Money(9990)
    assert payment.config_id == ALIPAY.config_id
    assert payment.checkout.pay_url == "https://fake.example/pay/T20261124001"
    assert payment.create_time == T0
    assert (payment.expire_time - T0).total_seconds() == 30 * 60
    assert payment.return_url is None  # as asked; the gateway signs the config's return_url in
    assert await app.journal("T20261124001") == [EventType.PAYMENT_CREATED]
    assert (await app.stored("T20261124001")).checkout == payment.checkout


async def test_a_wechat_native_order_gets_a_code_url_from_the_wechat_gateway(app: App) -> None:
    result = await app.create(order(payment_type=PaymentType.WECHAT, pay_method=PayMethod.NATIVE))
    assert result.payment.checkout.code_url == "weixin://wxpay/bizpayurl?pr=T20261124001"
    assert result.payment.config_id == WECHAT.config_id
    assert (app.wechat.calls, app.alipay.calls) == (["create"], [])


async def test_a_jsapi_order_keeps_the_openid(app: App) -> None:
    result = await app.create(order(payment_type=PaymentType.WECHAT, pay_method=PayMethod.JSAPI, openid="oUpF8uMuAJO"))
    assert result.payment.openid == "oUpF8uMuAJO"
    assert result.payment.checkout.pay_params == {"package": "prepay_id=fake_T20261124001"}


async def test_an_identical_repeat_finds_the_payment_without_calling_the_provider(app: App) -> None:
    first = await app.create(order())
    app.clock.advance(minutes=1)
    again = await app.create(order())
    assert again.created is False
    assert again.payment.order_no == first.payment.order_no
    assert again.payment.create_time == T0
    assert app.alipay.calls == ["create"]
    assert await app.journal("T20261124001") == [EventType.PAYMENT_CREATED]


@pytest.mark.parametrize(
    "change",
    [
        {"total_amount": Money(9991)},
        {"subject": "Something else"},
        {"pay_method": "wap"},
        {"body": "another description"},
        {"payment_type": "wechat", "pay_method": "native"},
    ],
    ids=lambda change: ",".join(change),
)
async def test_the_same_order_no_with_different_content_is_a_conflict(app: App, change: dict[str, object]) -> None:
    await app.create(order())
    with pytest.raises(OrderNoConflict):
        await app.create(order(**change))
    assert (await app.stored("T20261124001")).total_amount == Money(9990)
    assert len(app.alipay.calls) + len(app.wechat.calls) == 1


async def test_an_idempotency_key_repeat_answers_with_the_same_payment(app: App) -> None:
    first = await app.create(order(idempotency_key="key-1", api_key_id="k1"))
    again = await app.create(order(idempotency_key="key-1", api_key_id="k1"))
    assert again.created is True
    assert again.payment.order_no == first.payment.order_no
    assert app.alipay.calls == ["create"]
    assert len(app.store.payments) == 1


async def test_an_idempotency_key_reused_with_a_different_body_is_refused(app: App) -> None:
    await app.create(order(idempotency_key="key-1", api_key_id="k1"))
    with pytest.raises(IdempotencyKeyReused):
        await app.create(order(order_no="T20261124002", idempotency_key="key-1", api_key_id="k1"))
    assert list(app.store.payments) == ["T20261124001"]


async def test_idempotency_keys_belong_to_the_api_key_that_used_them(app: App) -> None:
    await app.create(order(idempotency_key="key-1", api_key_id="k1"))
    other = await app.create(order(order_no="T20261124002", idempotency_key="key-1", api_key_id="k2"))
    assert other.created is True
    assert other.payment.order_no == "T20261124002"


@pytest.mark.parametrize(("payment_type", "pay_method"), [("alipay", "native"), ("wechat", "pc"), ("alipay", "app")])
async def test_a_pay_method_of_another_type_is_unsupported(app: App, payment_type: str, pay_method: str) -> None:
    with pytest.raises(UnsupportedPayMethod) as raised:
        await app.create(order(payment_type=payment_type, pay_method=pay_method))
    assert raised.value.code == "UNSUPPORTED_PAY_METHOD"
    assert app.store.payments == {}


@pytest.mark.parametrize("openid", [None, ""])
async def test_jsapi_without_an_openid_is_refused(app: App, openid: str | None) -> None:
    with pytest.raises(OpenidRequired):
        await app.create(order(payment_type=PaymentType.WECHAT, pay_method=PayMethod.JSAPI, openid=openid))
    assert app.wechat.calls == []


async def test_without_a_default_config_the_order_is_refused() -> None:
    app = build_app(configs=(ALIPAY,))
    with pytest.raises(ConfigNotFound):
        await app.create(order(payment_type=PaymentType.WECHAT, pay_method=PayMethod.NATIVE))
    assert app.wechat.calls == []


async def test_a_config_id_of_another_type_or_unknown_is_not_found(app: App) -> None:
    with pytest.raises(ConfigNotFound):
        await app.create(order(config_id=WECHAT.config_id))
    with pytest.raises(ConfigNotFound):
        await app.create(order(config_id=999))
    assert app.store.payments == {}


async def test_a_disabled_config_is_not_found() -> None:
    app = build_app(configs=(replace(ALIPAY, enabled=False),))
    with pytest.raises(ConfigNotFound, match="disabled"):
        await app.create(order())
    with pytest.raises(ConfigNotFound):
        await app.create(order(config_id=ALIPAY.config_id))
    assert app.alipay.calls == []


async def test_a_type_without_a_gateway_is_not_available(app: App) -> None:
    del app.gateways.gateways["wechat"]
    with pytest.raises(GatewayNotAvailable):
        await app.create(order(payment_type=PaymentType.WECHAT, pay_method=PayMethod.NATIVE))
    assert app.store.payments == {}


async def test_a_provider_failure_stores_nothing_and_a_retry_works(app: App) -> None:
    app.alipay.fail_with = ProviderUnavailable("alipay timed out")
    with pytest.raises(ProviderUnavailable):
        await app.create(order(idempotency_key="key-1"))
    assert app.store.payments == {}
    assert app.store.journal == {}
    assert app.store.idempotency == {}
    app.alipay.fail_with = None
    result = await app.create(order(idempotency_key="key-1"))
    assert result.created is True
    assert await app.journal("T20261124001") == [EventType.PAYMENT_CREATED]
