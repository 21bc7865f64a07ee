"""Callbacks: refused on their headers before the SDK or the network sees them, then verified, decrypted,
checked against the merchant and translated."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.gateways.wechat import WeChatGateway
from application.errors import NotificationRejected
from application.records import RawNotification
from domain.updates import ProviderUpdate, UpdateKind
from tests.integration.wechat.conftest import CONFIG, Clock, credentials_for
from tests.integration.wechat.wire import (
    APPID,
    CERT_SERIAL,
    MCHID,
    PUBLIC_KEY_ID,
    T0,
    callback_body,
    certificate,
    encrypt,
    paid_resource,
    refund_resource,
    signed_headers,
)
from tests.rsa_keys import KeyPair


@pytest.fixture
def gateway(mode: str, outbound: list[str], clock: Clock, merchant_keys: KeyPair, wechat_keys: KeyPair,
            platform_cert: str) -> WeChatGateway:
    """The adapter at WeChat's real root, behind the tripwire: a callback must never call out."""
    return WeChatGateway(credentials_for(mode, merchant_keys, wechat_keys, platform_cert), now=clock)


@pytest.fixture
def serial(mode: str) -> str:
    """The serial WeChat signs callbacks under in this mode."""
    return PUBLIC_KEY_ID if mode == "public_key" else format(CERT_SERIAL, "X")


def notice(key: KeyPair, serial: str, event_type: str = "TRANSACTION.SUCCESS", resource: dict[str, Any] | None = None,
           timestamp: datetime = T0, headers: dict[str, str] | None = None) -> RawNotification:
    """A callback as WeChat posts it: encrypted resource, signed body, lower-case header names."""
    body = callback_body(event_type, encrypt(resource if resource is not None else paid_resource()))
    signed = signed_headers(key.pkcs8_pem, serial, body, int(timestamp.timestamp())) | (headers or {})
    return RawNotification(body=body, headers={k: v for k, v in signed.items() if v != "-"})


async def rejected(gateway: WeChatGateway, raw: RawNotification) -> str:
    """The reason the gateway refuses the callback."""
    with pytest.raises(NotificationRejected) as refused:
        await gateway.verify_notification(raw, CONFIG)
    return refused.value.reason


async def test_a_paid_callback_is_translated_to_paid(gateway: WeChatGateway, wechat_keys: KeyPair,
                                                     serial: str) -> None:
    raw = notice(wechat_keys, serial)

    update = await gateway.verify_notification(raw, CONFIG)

    assert update == ProviderUpdate(
        UpdateKind.PAID, "T20261124001", amount=update.amount, trade_no="4200002026112400001",
        occurred_at=datetime(2026, 11, 24, 12, 3, 17, tzinfo=UTC), event_id="EV-2026-0001", app_id=APPID,
        merchant_id=MCHID, buyer_id="oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", receipt_amount=update.receipt_amount,
        raw=update.raw)
    assert update.amount is not None
    assert update.receipt_amount is not None
    assert (update.amount.fen, update.receipt_amount.fen) == (9990, 9990)
    assert update.raw == {"headers": dict(raw.headers), "resource": paid_resource(), "id": "EV-2026-0001",
                          "event_type": "TRANSACTION.SUCCESS"}


@pytest.mark.parametrize(("event_type", "kind"), [
    ("REFUND.SUCCESS", UpdateKind.REFUND_SUCCEEDED), ("REFUND.ABNORMAL", UpdateKind.REFUND_FAILED),
    ("REFUND.CLOSED", UpdateKind.REFUND_FAILED),
])
async def test_refund_callbacks_are_translated(gateway: WeChatGateway, wechat_keys: KeyPair, serial: str,
                                               event_type: str, kind: UpdateKind) -> None:
    status = event_type.removeprefix("REFUND.")
    raw = notice(wechat_keys, serial, event_type, refund_resource(refund=1000, status=status))

    update = await gateway.verify_notification(raw, CONFIG)

    assert update.kind is kind
    assert (update.order_no, update.refund_no, update.provider_refund_id) == (
        "T20261124001", "R20261124001", "50300002026112400001")
    assert update.amount is not None
    assert update.amount.fen == 1000
    assert update.occurred_at == datetime(2026, 11, 24, 13, 0, tzinfo=UTC)
    assert update.event_id == "EV-2026-0001"


async def test_wechat_callback_with_unknown_serial_makes_no_outbound_call(
        gateway: WeChatGateway, wechat_keys: KeyPair, outbound: list[str]) -> None:
    for unknown in ("PUB_KEY_ID_0119999999999999999999999999999", "7E57AB1E", "not-hex"):
        assert await rejected(gateway, notice(wechat_keys, unknown)) == "unknown_serial"
    assert outbound == []


@pytest.mark.parametrize("offset", [timedelta(seconds=301), timedelta(seconds=-301), timedelta(hours=-2)])
async def test_a_callback_more_than_five_minutes_off_is_stale(gateway: WeChatGateway, wechat_keys: KeyPair,
                                                              serial: str, offset: timedelta) -> None:
    assert await rejected(gateway, notice(wechat_keys, serial, timestamp=T0 + offset)) == "stale_timestamp"


@pytest.mark.parametrize("offset", [timedelta(seconds=300), timedelta(seconds=-300), timedelta(seconds=299)])
async def test_a_callback_just_inside_five_minutes_is_accepted(gateway: WeChatGateway, wechat_keys: KeyPair,
                                                               serial: str, offset: timedelta) -> None:
    update = await gateway.verify_notification(notice(wechat_keys, serial, timestamp=T0 + offset), CONFIG)

    assert update.kind is UpdateKind.PAID


async def test_a_signature_probe_is_refused(gateway: WeChatGateway, wechat_keys: KeyPair, serial: str) -> None:
    raw = notice(wechat_keys, serial, headers={"wechatpay-signature": "WECHATPAY/SIGNTEST/ZmFrZSBzaWduYXR1cmU="})

    assert await rejected(gateway, raw) == "signature_probe"


async def test_another_signature_type_is_refused(gateway: WeChatGateway, wechat_keys: KeyPair, serial: str) -> None:
    raw = notice(wechat_keys, serial, headers={"wechatpay-signature-type": "WECHATPAY2-SM2-WITH-SM3"})

    assert await rejected(gateway, raw) == "unsupported_signature_type"


@pytest.mark.parametrize("header", ["wechatpay-signature", "wechatpay-timestamp", "wechatpay-nonce",
                                    "wechatpay-serial", "wechatpay-signature-type"])
async def test_a_callback_missing_a_header_is_malformed(gateway: WeChatGateway, wechat_keys: KeyPair, serial: str,
                                                        header: str) -> None:
    assert await rejected(gateway, notice(wechat_keys, serial, headers={header: "-"})) == "malformed"


async def test_a_timestamp_that_is_not_a_number_is_malformed(gateway: WeChatGateway, wechat_keys: KeyPair,
                                                             serial: str) -> None:
    raw = notice(wechat_keys, serial, headers={"wechatpay-timestamp": "2026-11-24T12:00:00Z"})

    assert await rejected(gateway, raw) == "malformed"


async def test_a_callback_signed_by_another_key_is_refused(gateway: WeChatGateway, stranger_keys: KeyPair,
                                                           serial: str) -> None:
    assert await rejected(gateway, notice(stranger_keys, serial)) == "bad_signature"


async def test_a_body_changed_after_signing_is_refused(gateway: WeChatGateway, wechat_keys: KeyPair,
                                                       serial: str) -> None:
    raw = notice(wechat_keys, serial)
    changed = RawNotification(body=raw.body.replace(b"EV-2026-0001", b"EV-2026-0002"), headers=raw.headers)

    assert await rejected(gateway, changed) == "bad_signature"


async def test_a_tampered_ciphertext_is_undecryptable(gateway: WeChatGateway, wechat_keys: KeyPair,
                                                      serial: str) -> None:
    envelope = json.loads(callback_body("TRANSACTION.SUCCESS", encrypt(paid_resource())))
    ciphertext = envelope["resource"]["ciphertext"]
    envelope["resource"]["ciphertext"] = ("B" if ciphertext[0] == "A" else "A") + ciphertext[1:]
    body = json.dumps(envelope).encode()  # signed after tampering: only the AES-GCM tag can tell
    raw = RawNotification(body=body, headers=signed_headers(wechat_keys.pkcs8_pem, serial, body,
                                                            int(T0.timestamp())))

    assert await rejected(gateway, raw) == "undecryptable"


async def test_a_resource_under_another_apiv3_key_is_undecryptable(gateway: WeChatGateway, wechat_keys: KeyPair,
                                                                   serial: str) -> None:
    body = callback_body("TRANSACTION.SUCCESS", encrypt(paid_resource(), key="Z" * 32))
    raw = RawNotification(body=body, headers=signed_headers(wechat_keys.pkcs8_pem, serial, body,
                                                            int(T0.timestamp())))

    assert await rejected(gateway, raw) == "undecryptable"


async def test_a_callback_for_another_merchant_is_refused(gateway: WeChatGateway, wechat_keys: KeyPair,
                                                          serial: str) -> None:
    raw = notice(wechat_keys, serial, resource=paid_resource(mchid="1900000999"))

    assert await rejected(gateway, raw) == "merchant_mismatch"


async def test_a_callback_for_another_app_is_refused(gateway: WeChatGateway, wechat_keys: KeyPair,
                                                     serial: str) -> None:
    raw = notice(wechat_keys, serial, resource=paid_resource(appid="wx0000000000000000"))

    assert await rejected(gateway, raw) == "app_id_mismatch"


async def test_a_refund_callback_for_another_merchant_is_refused(gateway: WeChatGateway, wechat_keys: KeyPair,
                                                                 serial: str) -> None:
    raw = notice(wechat_keys, serial, "REFUND.SUCCESS", refund_resource(mchid="1900000999"))

    assert await rejected(gateway, raw) == "merchant_mismatch"


async def test_an_event_paycore_does_not_handle_is_refused(gateway: WeChatGateway, wechat_keys: KeyPair,
                                                           serial: str) -> None:
    raw = notice(wechat_keys, serial, "MCHTRANSFER.BILL.FINISHED")

    assert await rejected(gateway, raw) == "unsupported_event"


async def test_a_paid_callback_without_an_amount_is_malformed(gateway: WeChatGateway, wechat_keys: KeyPair,
                                                              serial: str) -> None:
    resource = {k: v for k, v in paid_resource().items() if k != "amount"}

    assert await rejected(gateway, notice(wechat_keys, serial, resource=resource)) == "malformed"


@pytest.mark.parametrize("mode", ["certificate"])
async def test_certificate_mode_refuses_a_public_key_id_serial(gateway: WeChatGateway, wechat_keys: KeyPair,
                                                               outbound: list[str]) -> None:
    assert await rejected(gateway, notice(wechat_keys, PUBLIC_KEY_ID)) == "unknown_serial"
    assert outbound == []


@pytest.mark.parametrize("mode", ["certificate"])
@pytest.mark.parametrize("offset", [timedelta(days=1), timedelta(days=-366)])  # not yet valid, expired
async def test_a_certificate_outside_its_validity_period_is_not_trusted(
        mode: str, outbound: list[str], clock: Clock, merchant_keys: KeyPair, wechat_keys: KeyPair,
        offset: timedelta) -> None:
    expired = certificate(wechat_keys.public_pem, wechat_keys.pkcs8_pem, start=T0 + offset, days=365)
    gateway = WeChatGateway(credentials_for(mode, merchant_keys, wechat_keys, expired), now=clock)

    assert await rejected(gateway, notice(wechat_keys, format(CERT_SERIAL, "X"))) == "unknown_serial"
    assert outbound == []
