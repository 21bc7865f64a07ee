"""Reconciliation of a real merchant's set-up against the WeChat Pay emulator: one merchant bound to several
appids, each its own config, one of them disabled and one deleted after payments were made. The merchant's bill
is downloaded once (its SHA1 checked), and matched against every config's payments and refunds."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.beijing import BEIJING
from tests.e2e.cashier_choice import PHONE_UA, choose
from tests.e2e.test_shared_wechat_merchant import (  # noqa: F401 - live is the fixture these tests use
    MINI_APPID,
    WEB_APPID,
    app_config,
    live,
    pay,
    refund_in_full,
    shared_endpoint,
)
from tests.e2e.wechat_live import MCHID, WeChatLive, eventually


async def test_one_merchant_one_bill_every_config_of_it_matched(live: WeChatLive) -> None:  # noqa: F811
    mini, web = await app_config(live, MINI_APPID, shared_endpoint(live)), await app_config(live, WEB_APPID)
    await pay(live, "WXRECON001", live.config)
    await pay(live, "WXRECON002", mini)
    await pay(live, "WXRECON003", web)
    await refund_in_full(live, "WXRECON002")
    await live.container.configs().update(mini.config_id, {"enabled": False}, by="ops")  # disabled
    await live.container.configs().delete(web.config_id, by="ops")  # deleted
    today = datetime.now(UTC).astimezone(BEIJING).date()

    results = await live.container.reconcile()(today, "wechat")

    merchant = [r for r in results if r.account == MCHID]
    assert [(r.end.status, r.found) for r in merchant] == [("completed", ())]  # one run for the whole merchant
    assert {r.end.status for r in results if r.account != MCHID} == {"bill_not_ready"}  # the fixture's other merchant
    totals = merchant[0].end.totals
    assert totals is not None
    assert (totals.payments, totals.payment_amount, totals.refunds, totals.refund_amount) == (3, 29970, 1, 9990)
    assert totals.fees == 3 * 60 - 60  # 0.6% of 99.90, to the fen, given back on the refund


async def test_a_payment_the_payer_chose_matches_per_attempt_after_its_config_was_disabled(
        live: WeChatLive) -> None:  # noqa: F811
    """The payer scanned a Native code, then paid on the phone (H5, attempt `…_2`); the default config that took
    the money is disabled afterwards, while another appid of the same merchant stays enabled: the merchant's bill,
    downloaded with that other config, names the paid attempt by its own number, and nothing disagrees."""
    await app_config(live, MINI_APPID, shared_endpoint(live))  # the merchant's other appid, enabled
    response = await live.api("POST", "/v1/payments", json={
        "order_no": "WXRECONC01", "subject": "论文润色", "total_amount": "99.90",
        "pay_methods": ["wechat:native", "wechat:h5"]})
    assert response.status_code == 201, response.text
    cashier_url = response.json()["cashier_url"]
    await choose(cashier_url, "wechat:native")
    await choose(cashier_url, "wechat:h5", PHONE_UA)
    await live.control("POST", "/transactions/WXRECONC01_2/pay")
    paid = await eventually("the H5 attempt paid, the Native one closed", lambda: live.payment("WXRECONC01"),
                            lambda p: [a["status"] for a in p["attempts"]] == ["CLOSED", "PAID"])
    assert paid["attempts"][1]["config_id"] == live.config.config_id
    await live.container.configs().update(live.config.config_id, {"enabled": False}, by="ops")
    today = datetime.now(UTC).astimezone(BEIJING).date()

    results = await live.container.reconcile()(today, "wechat")

    merchant = [r for r in results if r.account == MCHID]
    assert [(r.end.status, r.found) for r in merchant] == [("completed", ())]
    totals = merchant[0].end.totals
    assert totals is not None
    assert (totals.payments, totals.payment_amount, totals.refunds) == (1, 9990, 0)
