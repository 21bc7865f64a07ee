"""WeChat Pay callbacks of a real merchant's configs: one merchant (mchid) bound to several appids (official
account, mini program, website), every config holding the same WeChat Pay public key and so receiving callbacks
with the same `Wechatpay-Serial`; configs disabled or deleted after payments were made; SQLite and PostgreSQL.

A callback is verified with the key its serial names, decrypted with the APIv3 key of the configs trusting that
key, and routed by the out_trade_no inside to the config its payment was made with.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from application.records import PaymentConfig
from domain.kinds import PaymentType, PayMethod
from domain.money import Money
from domain.payment import Payment
from tests.conftest import migrated_database
from tests.e2e.wechat_live import (
    API_V3_KEY,
    APPID,
    MCHID,
    MERCHANT_KEYS,
    MERCHANT_SERIAL,
    WeChatLive,
    eventually,
    live_wechat,
    wechat_config,
)
from tests.rsa_keys import key_pair

BACKENDS = [pytest.param("sqlite", id="sqlite"), pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)]
MINI_APPID, WEB_APPID, SHOP_APPID = "wx1111111111111111", "wx2222222222222222", "wx3333333333333333"


@pytest.fixture(params=BACKENDS)
async def live(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[WeChatLive]:
    """paycore and the emulator served over each backend; the merchant bound to three more appids."""
    url = None if request.param == "sqlite" else await migrated_database(request.param, tmp_path)
    async with live_wechat(tmp_path, url) as served:
        await served.control("POST", "/merchants", mchid=MCHID, appid=APPID, merchant_serial_no=MERCHANT_SERIAL,
                             merchant_public_key=key_pair(MERCHANT_KEYS[MCHID]).public_pem, api_v3_key=API_V3_KEY,
                             more_appids=[MINI_APPID, WEB_APPID, SHOP_APPID])
        yield served


def shared_endpoint(live: WeChatLive) -> str:
    """One notify URL for every config."""
    return f"{live.paycore_url}/v1/notify/wechat"


async def app_config(live: WeChatLive, appid: str, notify_url: str = "") -> PaymentConfig:
    """A config of the live merchant for another of its appids: the same public key, serial and APIv3 key."""
    return await wechat_config(live.container, live.wechat, live.emulator_url, MCHID, appid,
                               config_name=f"app {appid[-4:]}", notify_url=notify_url)


async def logged(live: WeChatLive, order_no: str) -> list[tuple[str, str | None, int | None]]:
    """paycore's notification log of the order: (outcome, reason, config_id)."""
    return [(r.outcome, r.reason, r.config_id) for r in await live.notifications() if r.order_no == order_no]


async def logged_twice(live: WeChatLive, order_no: str) -> list[tuple[str, str | None, int | None]]:
    """The order's log once it holds the payment's and the refund's callbacks (written just after their commits)."""
    found: list[tuple[str, str | None, int | None]] = await eventually(
        f"two callbacks of {order_no} logged", lambda: logged(live, order_no), lambda rows: len(rows) >= 2)
    return found


async def pay(live: WeChatLive, order_no: str, config: PaymentConfig) -> None:
    """Create a Native payment with config, pay it on the scan page, and wait until paycore heard."""
    await live.create(order_no, config_id=config.config_id)
    await live.pay_on_scan_page(order_no)
    await live.wait_for_status(order_no, "TRADE_SUCCESS")


async def refund_in_full(live: WeChatLive, order_no: str) -> None:
    """Refund the whole payment; WeChat settles it later, by a REFUND.SUCCESS callback."""
    created = await live.api("POST", f"/v1/payments/{order_no}/refunds",
                             json={"refund_no": f"R{order_no}", "refund_amount": "99.90"})
    assert (created.status_code, created.json()["refund_status"]) == (201, "PROCESSING"), created.text
    await live.control("POST", f"/refunds/R{order_no}/succeed")
    await live.wait_for_refund_status(f"R{order_no}", "SUCCESS")
    await live.wait_for_status(order_no, "REFUNDED")


@pytest.mark.parametrize("endpoint", ["shared", "per_config"])
@pytest.mark.parametrize("appids", [(MINI_APPID, WEB_APPID), (MINI_APPID, WEB_APPID, SHOP_APPID)],
                         ids=["two", "three"])
async def test_payment_and_refund_callbacks_reach_each_appid_sharing_the_merchants_key(
        live: WeChatLive, endpoint: str, appids: tuple[str, ...]) -> None:
    notify_url = shared_endpoint(live) if endpoint == "shared" else ""
    configs = [await app_config(live, appid, notify_url) for appid in appids]
    for i, config in enumerate(configs):
        order_no = f"WXSHARE{len(appids)}{endpoint[0]}{i}"
        await pay(live, order_no, config)
        await refund_in_full(live, order_no)
        assert await logged_twice(live, order_no) == [("applied", None, config.config_id)] * 2
        assert (await live.control("GET", f"/transactions/{order_no}"))["appid"] == config.app_id


async def test_configs_disabled_or_deleted_after_payment_still_settle_their_payments(live: WeChatLive) -> None:
    mini, web = await app_config(live, MINI_APPID, shared_endpoint(live)), await app_config(live, WEB_APPID)
    for config in (mini, web):
        await live.create(f"WXLATE{config.app_id[-4:]}", config_id=config.config_id)
        await live.create(f"WXOPEN{config.app_id[-4:]}", config_id=config.config_id)
    await live.container.configs().update(mini.config_id, {"enabled": False}, by="ops")
    await live.container.configs().delete(web.config_id, by="ops")  # deleted

    for config in (mini, web):
        order_no = f"WXLATE{config.app_id[-4:]}"
        await live.pay_on_scan_page(order_no)
        await live.wait_for_status(order_no, "TRADE_SUCCESS")
        await refund_in_full(live, order_no)
        assert await logged_twice(live, order_no) == [("applied", None, config.config_id)] * 2
        open_no = f"WXOPEN{config.app_id[-4:]}"
        assert (await live.get(f"/v1/payments/{open_no}?sync=true"))["trade_status"] == "WAIT_BUYER_PAY"
        closed = await live.api("POST", f"/v1/payments/{open_no}/close")
        assert (closed.status_code, closed.json()["trade_status"]) == (200, "TRADE_CLOSED"), closed.text

    for config in (mini, web):
        refused = await live.api("POST", "/v1/payments", json={
            "order_no": f"WXNEW{config.app_id[-4:]}", "payment_type": "wechat", "pay_method": "native",
            "subject": "Thesis polishing", "total_amount": "1.00", "config_id": config.config_id})
        assert (refused.status_code, refused.json()["code"]) == (404, "CONFIG_NOT_FOUND"), refused.text


async def test_a_genuine_callback_for_an_order_paycore_never_made_is_refused_and_logged(live: WeChatLive) -> None:
    mini = await app_config(live, MINI_APPID, shared_endpoint(live))
    # The order exists at WeChat (placed with the merchant's own keys), but not in paycore.
    now = live.wechat.clock()
    stranger = Payment.create(order_no="WXSTRANGER1", payment_type=PaymentType.WECHAT, pay_method=PayMethod.NATIVE,
                              config_id=mini.config_id, subject="elsewhere", total_amount=Money(9990), now=now,
                              expire_time=now + timedelta(minutes=30))
    await live.container.gateways().for_config(mini).create(stranger, mini)
    await live.control("POST", "/transactions/WXSTRANGER1/pay")

    sent = await live.control("POST", "/transactions/WXSTRANGER1/callback", notify_url=shared_endpoint(live))

    assert sent["status_code"] == 400
    assert ("rejected", "unknown_order", None) in await logged(live, "WXSTRANGER1")
    assert (await live.api("GET", "/v1/payments/WXSTRANGER1")).status_code == 404


@pytest.mark.parametrize("endpoint", ["shared", "per_config"])
async def test_a_callback_of_a_known_order_naming_another_app_of_the_merchant_is_refused(
        live: WeChatLive, endpoint: str) -> None:
    mini, _web = await app_config(live, MINI_APPID), await app_config(live, WEB_APPID)
    await pay(live, "WXWRONGAPP1", mini)
    url = shared_endpoint(live) if endpoint == "shared" else f"{shared_endpoint(live)}/{mini.config_id}"
    before = await live.events("WXWRONGAPP1")

    sent = await live.control("POST", "/transactions/WXWRONGAPP1/callback", variant="wrong_app", notify_url=url)

    assert sent["status_code"] == 400
    assert sent["sent"]["resource"]["appid"] != MINI_APPID
    records = await eventually("the refusal logged", lambda: logged(live, "WXWRONGAPP1"),
                               lambda found: any(r[0] == "rejected" for r in found))
    assert ("rejected", "app_id_mismatch", mini.config_id) in records
    assert await live.events("WXWRONGAPP1") == before
