"""WeChat Pay platform-certificate mode end to end: paycore and the emulator over real HTTP, on SQLite and PostgreSQL.

A config starts from one pasted platform certificate. When WeChat rotates (the emulator's control API), callbacks
signed with the new certificate are refused, without any call to WeChat, until paycore has downloaded the new
certificate from /v3/certificates: on the worker's schedule, or when an answer to paycore's own request names it.
The learned certificate is kept on the config, so another process trusts it too; the old one still verifies during
the overlap.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from adapters.gateways.wechat import WeChatGateway
from application.records import PaymentConfig
from emulator.wechat import wire
from entrypoints.container import build_container
from entrypoints.worker import build_worker
from tests.conftest import migrated_database
from tests.e2e.wechat_live import (
    API_V3_KEY,
    APPID,
    CERT_MCHID,
    MERCHANT_KEYS,
    MERCHANT_SERIAL,
    WeChatLive,
    live_wechat,
)
from tests.rsa_keys import key_pair

BACKENDS = [pytest.param("sqlite", id="sqlite"), pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
async def live(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[WeChatLive]:
    """paycore and the emulator, served, over each backend."""
    url = None if request.param == "sqlite" else await migrated_database(request.param, tmp_path)
    async with live_wechat(tmp_path, url) as served:
        yield served


async def admin(live: WeChatLive) -> dict[str, str]:
    """An admin bearer header."""
    return {"Authorization": f"Bearer {(await live.container.api_keys().issue('ops', 'admin')).token}"}


async def register(live: WeChatLive, mode: str = "certificate") -> None:
    """The certificate-mode merchant, known to the emulator (again, to change its mode)."""
    await live.control("POST", "/merchants", mchid=CERT_MCHID, appid=APPID, merchant_serial_no=MERCHANT_SERIAL,
                       merchant_public_key=key_pair(MERCHANT_KEYS[CERT_MCHID]).public_pem, api_v3_key=API_V3_KEY,
                       mode=mode)


async def cert_config(live: WeChatLive, **fields: Any) -> dict[str, Any]:
    """A certificate-mode config made through the admin API from the one certificate pasted; its view."""
    await register(live)
    pasted = (await live.control("GET", "/certificate"))["certificate"]
    response = await live.http.post(f"{live.paycore_url}/v1/admin/payment-configs", headers=await admin(live), json={
        "payment_type": "wechat", "config_name": "certificate mode", "app_id": APPID, "mch_id": CERT_MCHID,
        "api_v3_key": API_V3_KEY, "cert_serial_no": MERCHANT_SERIAL,
        "private_key": key_pair(MERCHANT_KEYS[CERT_MCHID]).pkcs1_pem, "wechat_platform_cert": pasted,
        "gateway_url": live.emulator_url, **fields})
    assert response.status_code == 201, response.text
    view: dict[str, Any] = response.json()
    return view


async def stored(live: WeChatLive, config_id: int) -> PaymentConfig:
    """The config as the database holds it now."""
    return (await live.container.configs().get(config_id)).config


async def paid(live: WeChatLive, order_no: str) -> None:
    """The payer pays an order already created, and its callback is accepted."""
    await live.pay_on_scan_page(order_no)
    await live.wait_for_status(order_no, "TRADE_SUCCESS")


async def callback(live: WeChatLive, order_no: str, variant: str, **fields: Any) -> dict[str, Any]:
    """Send one callback variant now; what paycore answered."""
    answer: dict[str, Any] = await live.control("POST", f"/transactions/{order_no}/callback", variant=variant,
                                                **fields)
    return answer


async def test_create_notify_query_refund_close_and_bill_in_certificate_mode(live: WeChatLive) -> None:
    view = await cert_config(live)
    serial = (await live.control("GET", "/certificate"))["serial_no"]
    assert [(c["field"], c["sn"]) for c in view["certificates"]] == [("wechat_platform_cert", serial)]
    assert view["certificates"][0]["not_after"]
    config_id = view["config_id"]
    await live.create("WXCERT0001", config_id=config_id)
    await paid(live, "WXCERT0001")

    synced = await live.get("/v1/payments/WXCERT0001?sync=true")  # an answer signed with the certificate
    assert synced["trade_status"] == "TRADE_SUCCESS"
    refund = await live.api("POST", "/v1/payments/WXCERT0001/refunds",
                            json={"refund_no": "WXCERTR001", "refund_amount": "10.00"})
    assert (refund.status_code, refund.json()["refund_status"]) == (201, "PROCESSING")
    await live.control("POST", "/refunds/WXCERTR001/succeed")
    await live.wait_for_refund_status("WXCERTR001", "SUCCESS")
    await live.create("WXCERT0002", config_id=config_id)
    closed = await live.api("POST", "/v1/payments/WXCERT0002/close")
    assert (closed.status_code, closed.json()["trade_status"]) == (200, "TRADE_CLOSED")
    gateway = live.container.gateways().for_config(await stored(live, config_id))
    assert isinstance(gateway, WeChatGateway)
    bill = await gateway.download_bill(wire.now().astimezone(wire.BEIJING).date())
    assert "`WXCERT0001" in bill.decode()
    assert await gateway.renew_certificates() == 0  # /v3/certificates: nothing new, and the answer checks out


async def test_a_rotation_is_learned_by_the_worker_and_callbacks_before_it_are_refused_without_any_call(
        live: WeChatLive) -> None:
    config_id = (await cert_config(live))["config_id"]
    await live.create("WXCERTROT1", config_id=config_id)
    await paid(live, "WXCERTROT1")
    await live.create("WXCERTROT2", config_id=config_id)
    rotated = await live.control("POST", "/rotate-certificate")
    calls = live.api_calls()

    # WeChat signs the callback with its new certificate: refused, and paycore asks WeChat for nothing.
    await live.pay_on_scan_page("WXCERTROT2")
    attempts = await live.wait_for_callbacks("WXCERTROT2", 1)
    assert attempts[0]["status_code"] != 204
    assert live.api_calls() == calls
    assert (await live.payment("WXCERTROT2"))["trade_status"] == "WAIT_BUYER_PAY"
    refused = [n for n in await live.notifications() if n.outcome != "accepted"]
    assert refused
    assert refused[-1].reason == "unknown_serial"

    # The worker's scheduled refresh downloads the new certificate, keeps it on the config and indexes its serial.
    assert await build_worker(live.container).tick("certificates") == 1
    assert live.api_calls() == calls + 1  # one GET /v3/certificates
    config = await stored(live, config_id)
    assert rotated["serial_no"] in config.key_ids
    assert rotated["previous_serial_no"] in config.key_ids
    assert (await callback(live, "WXCERTROT2", "current"))["status_code"] == 204
    await live.wait_for_status("WXCERTROT2", "TRADE_SUCCESS")

    # During the overlap the old certificate still verifies; new orders and their callbacks go through.
    assert (await callback(live, "WXCERTROT1", "previous_certificate"))["status_code"] == 204
    await live.create("WXCERTROT3", config_id=config_id)
    await paid(live, "WXCERTROT3")
    shown = await live.http.get(f"{live.paycore_url}/v1/admin/payment-configs/{config_id}",
                                headers=await admin(live))
    assert {c["sn"] for c in shown.json()["certificates"]} == {rotated["serial_no"], rotated["previous_serial_no"]}


async def test_an_unknown_serial_in_an_answer_to_our_own_query_learns_the_certificate_for_every_process(
        live: WeChatLive) -> None:
    config_id = (await cert_config(live))["config_id"]
    await live.create("WXCERTANS1", config_id=config_id)
    await paid(live, "WXCERTANS1")
    rotated = (await live.control("POST", "/rotate-certificate"))["serial_no"]
    calls = live.api_calls()

    synced = await live.get("/v1/payments/WXCERTANS1?sync=true")  # answered under the new serial

    assert synced["trade_status"] == "TRADE_SUCCESS"
    assert live.api_calls() == calls + 3  # the query, GET /v3/certificates, the query again
    config = await stored(live, config_id)
    assert rotated in config.key_ids
    other = build_container(live.container.settings())  # a second process (or a restart) on the same database
    try:
        config = (await other.configs().get(config_id)).config
        gateway = other.gateways().for_config(config)
        assert isinstance(gateway, WeChatGateway)
        assert gateway.callback_identity(rotated) is not None
        async with other.uow()() as uow:
            assert [c.config_id for c in await uow.configs.by_key("wechat", [rotated])] == [config_id]
    finally:
        await other.engine().dispose()
    await live.create("WXCERTANS2", config_id=config_id)
    await paid(live, "WXCERTANS2")


async def test_a_config_with_both_keys_verifies_each_callback_by_the_key_its_serial_names(live: WeChatLive) -> None:
    public = await live.control("GET", "/public-key")
    config_id = (await cert_config(live, wechat_public_key=public["public_key"],
                                   wechat_public_key_id=public["public_key_id"]))["config_id"]
    await live.create("WXCERTBOTH", config_id=config_id)
    await paid(live, "WXCERTBOTH")  # signed with the platform certificate
    await register(live, mode="public_key")  # WeChat moves the merchant to its public key

    answer = await callback(live, "WXCERTBOTH", "current")

    assert answer["status_code"] == 204
    assert answer["sent"]["headers"]["Wechatpay-Serial"] == public["public_key_id"]
    assert (await live.get("/v1/payments/WXCERTBOTH?sync=true"))["trade_status"] == "TRADE_SUCCESS"


async def test_a_config_moves_between_modes_in_one_patch_each_way(live: WeChatLive) -> None:
    view = await cert_config(live)
    url = f"{live.paycore_url}/v1/admin/payment-configs/{view['config_id']}"
    headers = await admin(live)
    public = await live.control("GET", "/public-key")

    to_public = await live.http.patch(url, headers=headers, json={
        "wechat_public_key": public["public_key"], "wechat_public_key_id": public["public_key_id"],
        "wechat_platform_cert": ""})
    assert to_public.status_code == 200, to_public.text
    assert (to_public.json()["certificates"], to_public.json()["wechat_public_key_id"]) == (
        [], public["public_key_id"])

    back = await live.http.patch(url, headers=headers, json={
        "wechat_public_key": "", "wechat_public_key_id": "",
        "wechat_platform_cert": (await live.control("GET", "/certificate"))["certificate"]})
    assert back.status_code == 200, back.text
    assert back.json()["wechat_public_key_id"] == ""
    assert len(back.json()["certificates"]) == 1
    config = await stored(live, view["config_id"])
    assert replace(config, key_ids=()).setting("wechat_platform_cert")
    await live.create("WXCERTBACK", config_id=config.config_id)
    await paid(live, "WXCERTBACK")
