"""Callbacks: encrypted and signed, retried on WeChat's schedule until a 2xx, and sent in variants on demand."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509 import load_pem_x509_certificate

from emulator.wechat.notifier import WECHAT_RETRY_DELAYS, retry_delays
from emulator.wechat.variants import Variant
from tests.emulator.wechat_env import (
    API_V3_KEY,
    FAST,
    MCHID,
    PUBLIC_KEY_ID,
    CallbackReceiver,
    Received,
    WeChatEnv,
    receiving_callbacks,
    running_wechat,
)
from tests.rsa_keys import key_pair

# Every variant a public-key-mode merchant can be sent (previous_certificate needs a rotated platform certificate).
PUBLIC_KEY_VARIANTS = [v for v in Variant if v is not Variant.PREVIOUS_CERTIFICATE]


def test_wechats_schedule_is_15s_15s_30s_3m_10m_20m_30m_30m_30m_60m_3h_3h_3h_6h_6h_and_scales() -> None:
    minutes = [d / 60 for d in WECHAT_RETRY_DELAYS]
    assert minutes == [0.25, 0.25, 0.5, 3, 10, 20, 30, 30, 30, 60, 180, 180, 180, 360, 360]
    assert retry_delays(0.001)[:3] == (0.015, 0.015, 0.03)
    assert retry_delays(1.0, override=(0.1,)) == (0.1,)


async def test_a_payment_callback_decrypts_with_the_api_v3_key_and_verifies_with_wechats_key(
    wechat: WeChatEnv, callbacks: CallbackReceiver
) -> None:
    paid = await wechat.paid("ORDER-0001", 188, notify_url=callbacks.url)
    (got,) = await callbacks.wait_for(1)
    assert got.verifies(wechat.public_key_pem)
    assert got.headers["wechatpay-serial"] == PUBLIC_KEY_ID
    envelope = got.json
    assert (envelope["event_type"], envelope["resource_type"], envelope["summary"]) == (
        "TRANSACTION.SUCCESS", "encrypt-resource", "支付成功")
    assert (envelope["resource"]["algorithm"], envelope["resource"]["original_type"]) == (
        "AEAD_AES_256_GCM", "transaction")
    resource = got.resource()
    assert (resource["mchid"], resource["out_trade_no"], resource["trade_state"]) == (MCHID, "ORDER-0001", "SUCCESS")
    assert (resource["transaction_id"], resource["amount"]["total"]) == (paid["transaction_id"], 188)
    parsed = wechat.sdk().callback(got.headers, got.body)
    assert parsed["resource"]["out_trade_no"] == "ORDER-0001"


async def test_a_callback_is_retried_freshly_signed_until_a_2xx(wechat: WeChatEnv) -> None:
    async with receiving_callbacks(statuses=[500, 404, 302]) as receiver:
        await wechat.paid("ORDER-0001", notify_url=receiver.url)
        got = await receiver.wait_for(4)
        await asyncio.wait_for(wechat.wechat.notifier.drain(), 5)
    assert len({r.json["id"] for r in got}) == 1
    assert len({r.headers["wechatpay-nonce"] for r in got}) == 4
    assert all(r.verifies(wechat.public_key_pem) for r in got)
    attempts = (await wechat.http.get("/_control/wechat/callbacks")).json()
    assert [(a["attempt"], a["status_code"], a["acknowledged"]) for a in attempts] == [
        (1, 500, False), (2, 404, False), (3, 302, False), (4, 204, True)]


async def test_delivery_gives_up_after_the_last_retry_of_the_schedule() -> None:
    async with running_wechat(replace(FAST, wechat_notify_retry_delays=(0.001,) * 15)) as wechat, \
            receiving_callbacks(default=500) as receiver:
        await wechat.paid("ORDER-0001", notify_url=receiver.url)
        await asyncio.wait_for(wechat.wechat.notifier.drain(), 10)
        attempts = wechat.wechat.notifier.attempts
    assert [a.attempt for a in attempts] == list(range(1, 17))
    assert len(receiver.received) == 16


async def test_pending_retries_are_cancelled_when_the_emulator_stops() -> None:
    async with running_wechat(replace(FAST, wechat_notify_retry_delays=(60,))) as wechat, \
            receiving_callbacks(default=500) as receiver:
        await wechat.paid("ORDER-0001", notify_url=receiver.url)
        await receiver.wait_for(1)
        notifier = wechat.wechat.notifier
        assert notifier.pending == 1
    assert notifier.pending == 0


async def send(wechat: WeChatEnv, variant: str, out_refund_no: str = "") -> tuple[dict[str, object], Received]:
    response = await wechat.http.post("/_control/wechat/transactions/ORDER-0001/callback",
                                      json={"variant": variant, "out_refund_no": out_refund_no})
    assert response.status_code == 200, response.text
    answer = response.json()
    sent = answer["sent"]
    return answer, Received({k.lower(): v for k, v in sent["headers"].items()}, sent["body"])


async def test_each_variant_is_sent_once_and_reports_what_the_receiver_answered(
    wechat: WeChatEnv, callbacks: CallbackReceiver
) -> None:
    await wechat.paid("ORDER-0001", 100, notify_url=callbacks.url)
    (first,) = await callbacks.wait_for(1)
    for number, variant in enumerate(PUBLIC_KEY_VARIANTS, start=2):
        answer, sent = await send(wechat, variant.value)
        assert (answer["variant"], answer["attempt"], answer["status_code"]) == (variant.value, 1, 204)
        assert callbacks.received[number - 1].body == sent.body
    assert len(callbacks.received) == len(PUBLIC_KEY_VARIANTS) + 1
    assert first.json["id"] == callbacks.received[2].json["id"]  # duplicate


@pytest.mark.parametrize("variant", PUBLIC_KEY_VARIANTS)
async def test_what_each_variant_gets_wrong(wechat: WeChatEnv, callbacks: CallbackReceiver, variant: Variant) -> None:
    await wechat.paid("ORDER-0001", 100, notify_url=callbacks.url)
    (first,) = await callbacks.wait_for(1)
    _, sent = await send(wechat, variant.value)
    stamp = int(sent.headers["wechatpay-timestamp"])
    fresh = abs(time.time() - stamp) < 60
    signature_ok = sent.verifies(wechat.public_key_pem)
    serial_ok = sent.headers["wechatpay-serial"] == PUBLIC_KEY_ID
    probe = sent.headers["wechatpay-signature"].startswith("WECHATPAY/SIGNTEST/")
    try:
        total = sent.resource()["amount"]["total"]
    except InvalidTag:
        total = None
    expected = {
        Variant.CURRENT: (True, True, True, False, 100),
        Variant.DUPLICATE: (True, True, True, False, 100),
        Variant.STALE: (False, True, True, False, 100),
        Variant.WRONG_SERIAL: (True, True, False, False, 100),
        Variant.PROBE: (True, False, True, True, 100),
        Variant.UNDECRYPTABLE: (True, True, True, False, None),
        Variant.WRONG_AMOUNT: (True, True, True, False, 200),
        Variant.WRONG_APP: (True, True, True, False, 100),
    }
    assert (fresh, signature_ok, serial_ok, probe, total) == expected[variant]
    if total is not None:  # another app's callback names another appid, correctly encrypted and signed
        assert (sent.resource()["appid"] != first.resource()["appid"]) is (variant is Variant.WRONG_APP)
    assert (sent.json["id"] == first.json["id"]) is (variant is Variant.DUPLICATE)
    if variant is Variant.STALE:
        assert 590 <= time.time() - stamp <= 660


async def test_an_unpaid_order_has_no_callback_to_send(wechat: WeChatEnv) -> None:
    await wechat.native("ORDER-0001")
    response = await wechat.http.post("/_control/wechat/transactions/ORDER-0001/callback", json={"variant": "current"})
    assert response.status_code == 409


async def test_a_refund_callback_variant_names_the_refund(wechat: WeChatEnv, callbacks: CallbackReceiver) -> None:
    await wechat.paid("ORDER-0001", 100, notify_url=callbacks.url)
    refund_body = {"out_trade_no": "ORDER-0001", "out_refund_no": "REFUND-1", "amount": {"refund": 10, "total": 100}}
    code, _ = await asyncio.to_thread(wechat.sdk(callbacks.url).refund, **refund_body)
    assert code == 200
    await callbacks.wait_for(2)
    _, sent = await send(wechat, "wrong_amount", out_refund_no="REFUND-1")
    assert sent.json["event_type"] == "REFUND.SUCCESS"
    assert (sent.resource()["out_refund_no"], sent.resource()["amount"]["total"]) == ("REFUND-1", 200)


async def test_a_certificate_mode_merchant_gets_callbacks_signed_by_the_platform_certificate() -> None:
    async with running_wechat(mode="certificate") as wechat, receiving_callbacks() as receiver:
        await wechat.paid("ORDER-0001", notify_url=receiver.url)
        (got,) = await receiver.wait_for(1)
        certificate = (await wechat.http.get("/_control/wechat/certificate")).json()
    assert got.headers["wechatpay-serial"] == certificate["serial_no"]
    cert_key = load_pem_x509_certificate(certificate["certificate"].encode()).public_key()
    cert_pem = cert_key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
    assert cert_pem == key_pair(3).public_pem
    assert got.verifies(cert_pem)
    assert not got.verifies(wechat.public_key_pem)
    assert got.resource(API_V3_KEY)["out_trade_no"] == "ORDER-0001"
