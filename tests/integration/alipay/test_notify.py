"""Notification verification: each refusal has its own reason, checked in a fixed order."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest

from adapters.gateways.alipay import AlipayGateway
from application.errors import NotificationRejected
from application.records import PaymentConfig, RawNotification
from domain.kinds import PaymentType
from domain.money import Money
from domain.updates import ProviderUpdate, UpdateKind
from tests.integration.alipay.conftest import credentials_for
from tests.integration.alipay.wire import APP_ID, SELLER_ID, paid_fields, rsa2, signed_form
from tests.rsa_keys import KeyPair

CONFIG = PaymentConfig(config_id=101, payment_type=PaymentType.ALIPAY, config_name="main", app_id=APP_ID,
                       settings={"seller_id": SELLER_ID})


@pytest.fixture
def offline_gateway(app_keys: KeyPair, alipay_keys: KeyPair) -> AlipayGateway:
    """A gateway that never needs the network for notifications."""
    return AlipayGateway(credentials_for(app_keys, alipay_keys))


async def verify(gateway: AlipayGateway, form: dict[str, str]) -> ProviderUpdate:
    raw = RawNotification(body=urlencode(form).encode(), headers={}, form=form)
    return await gateway.verify_notification(raw, CONFIG)


async def rejection(gateway: AlipayGateway, form: dict[str, str]) -> str:
    with pytest.raises(NotificationRejected) as caught:
        await verify(gateway, form)
    return caught.value.reason


async def test_a_genuine_payment_notification_becomes_paid(offline_gateway: AlipayGateway,
                                                         alipay_keys: KeyPair) -> None:
    form = signed_form(alipay_keys.pkcs1_pem, paid_fields())
    update = await verify(offline_gateway, form)
    assert update.kind is UpdateKind.PAID
    assert update.order_no == "T20261124001"
    assert update.amount == Money(9990)
    assert update.receipt_amount == Money(9990)
    assert update.trade_no == "2026112422001400001"
    assert update.event_id == "ntf-0001"
    assert update.occurred_at == datetime(2026, 11, 24, 12, 3, 17, tzinfo=UTC)  # gmt_payment is Beijing time
    assert (update.app_id, update.merchant_id) == (APP_ID, SELLER_ID)
    assert (update.buyer_id, update.buyer_account) == ("2088102177846880", "159****5620")
    assert update.raw == form


@pytest.mark.parametrize(("status", "kind"), [("TRADE_SUCCESS", UpdateKind.PAID),
                                              ("TRADE_FINISHED", UpdateKind.FINISHED),
                                              ("WAIT_BUYER_PAY", UpdateKind.WAITING)])
async def test_each_trade_status_translates(offline_gateway: AlipayGateway, alipay_keys: KeyPair, status: str,
                                            kind: UpdateKind) -> None:
    update = await verify(offline_gateway, signed_form(alipay_keys.pkcs1_pem, paid_fields(trade_status=status)))
    assert update.kind is kind


async def test_a_closed_trade_takes_its_time_from_gmt_close(offline_gateway: AlipayGateway,
                                                           alipay_keys: KeyPair) -> None:
    fields = paid_fields(trade_status="TRADE_CLOSED", gmt_payment="", gmt_close="2026-11-25 00:30:00")
    update = await verify(offline_gateway, signed_form(alipay_keys.pkcs1_pem, fields))
    assert update.kind is UpdateKind.CLOSED
    assert update.occurred_at == datetime(2026, 11, 24, 16, 30, tzinfo=UTC)


async def test_an_rsa1_notification_is_refused_before_anything_else(offline_gateway: AlipayGateway,
                                                                   alipay_keys: KeyPair) -> None:
    form = signed_form(alipay_keys.pkcs1_pem, paid_fields(), sign_type="RSA")
    assert await rejection(offline_gateway, form) == "unsupported_sign_type"
    assert await rejection(offline_gateway, {k: v for k, v in form.items() if k != "sign_type"}) == \
        "unsupported_sign_type"


async def test_a_forged_notification_is_a_bad_signature(offline_gateway: AlipayGateway,
                                                        stranger_keys: KeyPair) -> None:
    assert await rejection(offline_gateway, signed_form(stranger_keys.pkcs1_pem, paid_fields())) == "bad_signature"


@pytest.mark.parametrize(("field", "value"), [("total_amount", "0.01"), ("out_trade_no", "T20261124999"),
                                              ("trade_status", "TRADE_CLOSED"), ("extra_field", "x")])
async def test_a_tampered_notification_is_a_bad_signature(offline_gateway: AlipayGateway, alipay_keys: KeyPair,
                                                          field: str, value: str) -> None:
    form = signed_form(alipay_keys.pkcs1_pem, paid_fields()) | {field: value}
    assert await rejection(offline_gateway, form) == "bad_signature"


async def test_an_unsigned_notification_is_a_bad_signature(offline_gateway: AlipayGateway,
                                                           alipay_keys: KeyPair) -> None:
    form = signed_form(alipay_keys.pkcs1_pem, paid_fields())
    del form["sign"]
    assert await rejection(offline_gateway, form) == "bad_signature"


async def test_a_notification_for_another_app_is_refused(offline_gateway: AlipayGateway,
                                                         alipay_keys: KeyPair) -> None:
    form = signed_form(alipay_keys.pkcs1_pem, paid_fields(app_id="2021000000000999"))
    assert await rejection(offline_gateway, form) == "app_id_mismatch"


async def test_a_notification_for_another_seller_is_refused(offline_gateway: AlipayGateway,
                                                            alipay_keys: KeyPair) -> None:
    form = signed_form(alipay_keys.pkcs1_pem, paid_fields(seller_id="2088000000000999"))
    assert await rejection(offline_gateway, form) == "seller_mismatch"


async def test_the_seller_is_not_checked_when_none_is_configured(app_keys: KeyPair, alipay_keys: KeyPair) -> None:
    gateway = AlipayGateway(credentials_for(app_keys, alipay_keys, seller_id=""))
    form = signed_form(alipay_keys.pkcs1_pem, paid_fields(seller_id="2088000000000999"))
    assert (await verify(gateway, form)).merchant_id == "2088000000000999"


@pytest.mark.parametrize("overrides", [
    {"out_trade_no": ""}, {"notify_id": ""}, {"total_amount": ""}, {"total_amount": "9.999"},
    {"total_amount": "abc"}, {"trade_status": "TRADE_PENDING"}, {"trade_status": ""}, {"gmt_payment": ""},
    {"gmt_payment": "24/11/2026 20:03"},
], ids=lambda o: "-".join(f"{k}={v or 'empty'}" for k, v in o.items()))
async def test_a_signed_but_incomplete_notification_is_malformed(offline_gateway: AlipayGateway,
                                                                 alipay_keys: KeyPair,
                                                                 overrides: dict[str, str]) -> None:
    form = signed_form(alipay_keys.pkcs1_pem, paid_fields(**overrides))
    assert await rejection(offline_gateway, form) == "malformed"


async def test_the_checks_run_in_order_signature_before_app_before_seller(offline_gateway: AlipayGateway,
                                                                          stranger_keys: KeyPair,
                                                                          alipay_keys: KeyPair) -> None:
    wrong_everything = paid_fields(app_id="x", seller_id="y", out_trade_no="")
    assert await rejection(offline_gateway, signed_form(stranger_keys.pkcs1_pem, wrong_everything)) == "bad_signature"
    assert await rejection(offline_gateway, signed_form(alipay_keys.pkcs1_pem, wrong_everything)) == "app_id_mismatch"
    wrong_seller = paid_fields(seller_id="y", out_trade_no="")
    assert await rejection(offline_gateway, signed_form(alipay_keys.pkcs1_pem, wrong_seller)) == "seller_mismatch"


async def test_a_gbk_notification_is_verified_over_its_gbk_bytes(offline_gateway: AlipayGateway,
                                                                 alipay_keys: KeyPair) -> None:
    fields = paid_fields(charset="gbk", subject="论文润色")
    content = "&".join(f"{k}={v}" for k, v in sorted(fields.items()) if v)
    sign = rsa2(alipay_keys.pkcs1_pem, content, "gbk")
    update = await verify(offline_gateway, {**fields, "sign_type": "RSA2", "sign": sign})
    assert update.kind is UpdateKind.PAID
