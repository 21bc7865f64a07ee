"""Which pay methods a provider offers, and which need the payer's openid, is the provider adapter's answer:
CreatePayment asks the registry and knows no method of its own."""

from __future__ import annotations

import pytest

from adapters.gateways import alipay, wechat
from application.errors import OpenidRequired, PayerIpRequired, UnsupportedPayMethod
from application.records import PayMethodRule
from domain.kinds import PaymentType, PayMethod
from tests.unit.harness import App, order


def test_each_adapter_declares_its_methods() -> None:
    assert [r.method for r in alipay.PAY_METHODS] == [PayMethod.PC, PayMethod.WAP, PayMethod.QR]
    assert {r.method: (r.needs_openid, r.needs_payer_ip) for r in wechat.PAY_METHODS} == {
        PayMethod.NATIVE: (False, False), PayMethod.JSAPI: (True, False), PayMethod.H5: (False, True)}


@pytest.mark.parametrize(("payment_type", "pay_method"), [(PaymentType.ALIPAY, "h5"), (PaymentType.ALIPAY, "native"),
                                                          (PaymentType.WECHAT, "qr"), (PaymentType.WECHAT, "pc")])
async def test_a_method_of_the_other_provider_is_unsupported(app: App, payment_type: PaymentType,
                                                             pay_method: str) -> None:
    with pytest.raises(UnsupportedPayMethod):
        await app.create(order(payment_type=payment_type, pay_method=pay_method))
    assert (app.alipay.calls, app.wechat.calls) == ([], [])


async def test_a_method_the_provider_stops_offering_is_unsupported_and_the_error_lists_what_it_offers(
        app: App) -> None:
    app.gateways.methods[PaymentType.WECHAT] = (PayMethodRule(PayMethod.NATIVE),)
    with pytest.raises(UnsupportedPayMethod) as raised:
        await app.create(order(payment_type=PaymentType.WECHAT, pay_method="jsapi", openid="o1"))
    assert raised.value.extra["allowed"] == ["native"]
    assert app.wechat.calls == []


async def test_the_openid_rule_follows_the_providers_answer(app: App) -> None:
    app.gateways.methods[PaymentType.ALIPAY] = (PayMethodRule(PayMethod.PC, needs_openid=True),)
    with pytest.raises(OpenidRequired):
        await app.create(order())
    created = await app.create(order(openid="buyer-1"))
    assert created.payment.openid == "buyer-1"


async def test_an_openid_for_a_method_that_needs_none_is_not_kept(app: App) -> None:
    created = await app.create(order(openid="buyer-1"))
    assert created.payment.openid is None


async def test_the_payers_address_reaches_the_gateway_and_a_repeat_from_another_address_is_the_same_payment(
        app: App) -> None:
    created = await app.create(order(payment_type=PaymentType.WECHAT, pay_method="h5", payer_client_ip="198.51.100.4"))
    assert app.wechat.payer_client_ips == {"T20261124001": "198.51.100.4"}
    assert created.payment.checkout.pay_url
    again = await app.create(order(payment_type=PaymentType.WECHAT, pay_method="h5", payer_client_ip="198.51.100.5"))
    assert (again.created, again.payment.order_no) == (False, "T20261124001")


async def test_an_h5_payment_without_the_payers_address_is_refused_before_the_provider_is_called(app: App) -> None:
    with pytest.raises(PayerIpRequired) as raised:
        await app.create(order(payment_type=PaymentType.WECHAT, pay_method="h5"))
    assert (raised.value.code, raised.value.extra) == ("PAYER_CLIENT_IP_REQUIRED", {"field": "payer_client_ip"})
    assert app.wechat.calls == []
    assert (await app.create(order(payment_type=PaymentType.WECHAT, pay_method="native"))).created  # others need none
