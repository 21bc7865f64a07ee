"""Alipay notifications of a real merchant's configs: one Alipay app behind several configs (PC and WAP, a default
and a non-default), configs disabled or deleted after payments were made, on SQLite and PostgreSQL.

Each notification is routed by the order it names to the config that payment was made with, on the shared
endpoint (`/v1/notify/alipay`, as the seed's one notify_url has it) and on the per-config one alike.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from adapters.sql.tables import notification_log
from application.records import PaymentConfig
from tests.e2e.alipay_live import APP_ID, SELLER_ID, SQLITE_AND_POSTGRES, Live, alipay_config, live_alipay_on
from tests.e2e.wechat_live import eventually
from tests.integration.alipay.wire import paid_fields, signed_form
from tests.rsa_keys import key_pair


@pytest.fixture(params=SQLITE_AND_POSTGRES)
async def live(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Live]:
    """paycore and the emulator, served, over each backend."""
    async with live_alipay_on(request.param, tmp_path) as served:
        yield served


def shared_endpoint(live: Live) -> str:
    """The one notify URL for every config, as the seed configures it."""
    return f"{live.paycore_url}/v1/notify/alipay"


async def same_app_config(live: Live, name: str, notify_url: str = "", **fields: Any) -> PaymentConfig:
    """Another config of the live app (its app_id, keys and seller): a WAP or PC twin."""
    return await alipay_config(live.container, live.emulator_url, APP_ID, SELLER_ID, 0, live.alipay.public_key_pem,
                               config_name=name, notify_url=notify_url, **fields)


async def pay(live: Live, order_no: str, config: PaymentConfig, pay_method: str = "pc") -> dict[str, Any]:
    """Create a payment with config and pay it at the emulator's cashier; the payment once paycore heard."""
    created = await live.create(order_no, config_id=config.config_id, pay_method=pay_method)
    await live.pay_at_cashier(created["pay_url"])
    return await live.wait_for_status(order_no, "TRADE_SUCCESS")


async def outcomes(live: Live, order_no: str) -> list[tuple[str, str | None, int | None]]:
    """paycore's notification log of the order: (outcome, reason, config_id)."""
    return [(r.outcome, r.reason, r.config_id) for r in await live.notifications(order_no)]


@pytest.mark.parametrize("endpoint", ["shared", "per_config"])
@pytest.mark.parametrize("sharing", [2, 3])
async def test_payment_and_refund_notifications_reach_each_config_sharing_one_app_id(
        live: Live, endpoint: str, sharing: int) -> None:
    notify_url = shared_endpoint(live) if endpoint == "shared" else ""
    configs = [await same_app_config(live, f"twin {i}", notify_url) for i in range(sharing)]
    for i, config in enumerate(configs):
        order_no = f"SHAREDA{sharing}{endpoint[0]}{i}"
        await pay(live, order_no, config, pay_method="wap" if i % 2 else "pc")
        refund = await live.api("POST", f"/v1/payments/{order_no}/refunds",
                                json={"refund_no": f"R{order_no}", "refund_amount": "10.00"})
        assert refund.status_code == 201, refund.text
        await live.wait_for_attempts(order_no, 2)  # the payment's and the refund's notifications
        logged = await outcomes(live, order_no)
        assert len(logged) == 2
        assert logged[0] == ("applied", None, config.config_id)
        assert logged[1] in (("already_applied", None, config.config_id), ("applied", None, config.config_id))
        assert [e["event_type"] for e in await live.events(order_no)] == [
            "payment.created", "payment.succeeded", "refund.created", "refund.succeeded"]


async def test_configs_disabled_or_deleted_after_payment_still_settle_their_payments(live: Live) -> None:
    pc = await same_app_config(live, "pc", shared_endpoint(live))
    wap = await same_app_config(live, "wap", shared_endpoint(live))
    paid_later = {c.config_id: await live.create(f"LATE{c.config_name.upper()}01", config_id=c.config_id)
                  for c in (pc, wap)}
    unpaid = {c.config_id: await live.create(f"OPEN{c.config_name.upper()}01", config_id=c.config_id)
              for c in (pc, wap)}
    await live.container.configs().update(pc.config_id, {"enabled": False}, by="ops")
    await live.container.configs().delete(wap.config_id, by="ops")  # deleted

    for config in (pc, wap):
        order_no = paid_later[config.config_id]["order_no"]
        await live.pay_at_cashier(paid_later[config.config_id]["pay_url"])
        await live.wait_for_status(order_no, "TRADE_SUCCESS")  # the notification was verified and applied
        # The log is written just after the payment's commit, so wait for it rather than read it at once.
        first = await eventually(f"{order_no} logged", lambda: outcomes(live, order_no), bool)  # noqa: B023
        assert first[0] == ("applied", None, config.config_id)
        refund = await live.api("POST", f"/v1/payments/{order_no}/refunds",
                                json={"refund_no": f"R{order_no}", "refund_amount": "99.90"})
        assert (refund.status_code, refund.json()["refund_status"]) == (201, "SUCCESS"), refund.text
        assert (await live.wait_for_status(order_no, "REFUNDED"))["refunded_amount"] == "99.90"
        open_no = unpaid[config.config_id]["order_no"]
        assert (await live.payment(open_no, sync=True))["trade_status"] == "WAIT_BUYER_PAY"
        closed = await live.api("POST", f"/v1/payments/{open_no}/close")
        assert (closed.status_code, closed.json()["trade_status"]) == (200, "TRADE_CLOSED"), closed.text

    for config in (pc, wap):  # but no new payment starts with them
        refused = await live.api("POST", "/v1/payments", json={
            "order_no": f"NEW{config.config_name.upper()}01", "payment_type": "alipay", "pay_method": "pc",
            "subject": "Thesis polishing", "total_amount": "1.00", "config_id": config.config_id})
        assert (refused.status_code, refused.json()["code"]) == (404, "CONFIG_NOT_FOUND"), refused.text


async def post_form(live: Live, path: str, form: dict[str, str]) -> httpx.Response:
    """POST a form to paycore as Alipay does."""
    return await live.http.post(f"{live.paycore_url}{path}", data=form)


@pytest.mark.parametrize("path", ["/v1/notify/alipay", "/v1/notify/alipay/{config_id}"])
async def test_a_genuinely_signed_notification_for_an_unknown_order_is_refused_and_logged(
        live: Live, path: str) -> None:
    await same_app_config(live, "wap")  # the app is shared, which must not make anything match
    form = signed_form(key_pair(1).pkcs1_pem, paid_fields("NOSUCHORDER1", app_id=APP_ID, seller_id=SELLER_ID))

    answer = await post_form(live, path.format(config_id=live.config.config_id), form)

    assert (answer.status_code, answer.text) == (200, "fail")
    assert await outcomes(live, "NOSUCHORDER1") == [
        ("rejected", "unknown_order", live.config.config_id if "{" in path else None)]
    missing = await live.api("GET", "/v1/payments/NOSUCHORDER1")
    assert missing.status_code == 404


@pytest.mark.parametrize("variant", ["wrong_app", "wrong_seller"])
async def test_a_notification_of_a_known_order_under_another_app_or_seller_is_refused(
        live: Live, variant: str) -> None:
    twin = await same_app_config(live, "wap", shared_endpoint(live))
    created = await live.create("WRONGAPP01", config_id=twin.config_id)
    await live.open_cashier(created["pay_url"])
    await live.control("POST", "/trades/WRONGAPP01/pay?app_id=" + APP_ID)
    await live.wait_for_attempts("WRONGAPP01", 1)
    before = await live.events("WRONGAPP01")

    answer = await live.control("POST", "/trades/WRONGAPP01/notify", variant=variant,
                                notify_url=shared_endpoint(live))

    assert answer["body"] == "fail"
    reason = "app_id_mismatch" if variant == "wrong_app" else "seller_mismatch"
    assert (await outcomes(live, "WRONGAPP01"))[-1] == ("rejected", reason, twin.config_id)
    assert await live.events("WRONGAPP01") == before


@pytest.mark.parametrize("out_trade_no", ["T" * 65, "T2026\x001124", "T2026'; --", "订单2026"],
                         ids=["too_long", "nul", "quote", "not_ascii"])
async def test_a_notification_naming_an_order_number_paycore_cannot_have_made_is_refused_cleanly(
        live: Live, out_trade_no: str) -> None:
    form = signed_form(key_pair(1).pkcs1_pem, paid_fields(out_trade_no, app_id=APP_ID, seller_id=SELLER_ID))

    answer = await post_form(live, "/v1/notify/alipay", form)

    assert (answer.status_code, answer.text) == (200, "fail")
    async with live.container.engine().connect() as conn:
        last = (await conn.execute(sa.select(notification_log).order_by(notification_log.c.id.desc()))).mappings()
        record = last.first()
    assert record is not None
    assert (record["outcome"], record["reason"], record["order_no"]) == ("rejected", "unknown_order", None)
