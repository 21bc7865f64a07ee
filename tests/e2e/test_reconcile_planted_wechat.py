"""Every kind of discrepancy planted through the WeChat Pay emulator's control API, then found by reconciling the
merchant's day's bill (SHA1 checked): the status mismatch fixed by sync, a payment across midnight held."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from adapters.sql.tables import payment_transaction as payments
from domain.beijing import BEIJING
from tests.e2e.planted_bills import assert_every_kind_found
from tests.e2e.wechat_live import MCHID, WeChatLive, live_wechat


async def paid(live: WeChatLive, order_no: str) -> None:
    await live.create(order_no)  # 99.90
    await live.pay_on_scan_page(order_no)
    await live.wait_for_status(order_no, "TRADE_SUCCESS")


async def refunded(live: WeChatLive, order_no: str, refund_no: str, amount: str) -> None:
    created = await live.api("POST", f"/v1/payments/{order_no}/refunds",
                             json={"refund_no": refund_no, "refund_amount": amount})
    assert created.status_code == 201, created.text
    await live.control("POST", f"/refunds/{refund_no}/succeed")
    await live.wait_for_refund_status(refund_no, "SUCCESS")


async def test_every_planted_discrepancy_is_found_and_the_unheard_payment_fixed_by_sync(tmp_path: Path) -> None:
    async with live_wechat(tmp_path) as live:
        today = datetime.now(UTC).astimezone(BEIJING).date()
        midnight = datetime.combine(today, time(), tzinfo=BEIJING)
        await paid(live, "WXPLANT01")
        await live.control("POST", "/transactions/WXPLANT01/bill", amount=9000)  # WeChat says 90.00
        await paid(live, "WXPLANT02")
        await live.control("POST", "/transactions/WXPLANT02/bill", omit=True)
        await live.create("WXPLANT03")
        await live.control("POST", "/transactions/WXPLANT03/pay-unnotified")
        await live.control("POST", "/unknown-transactions", mchid=MCHID, out_trade_no="WXPLANT04", total=4000)
        await paid(live, "WXPLANT05")
        await refunded(live, "WXPLANT05", "WXPLANTR5", "30.00")
        await live.control("POST", "/refunds/WXPLANTR5/bill", amount=2500)
        await paid(live, "WXPLANT06")
        await refunded(live, "WXPLANT06", "WXPLANTR6", "10.00")
        await live.control("POST", "/refunds/WXPLANTR6/bill", omit=True)
        await paid(live, "WXPLANT07")
        await live.control("POST", "/transactions/WXPLANT07/refunds-unnotified", out_refund_no="WXPLANTR7",
                           amount=500)
        await paid(live, "WXPLANT08")  # paid at 00:00:30 by paycore, 23:59:50 by WeChat Pay
        await live.control("POST", "/transactions/WXPLANT08/bill",
                           finished=(midnight - timedelta(seconds=10)).isoformat())
        async with live.container.engine().begin() as conn:
            await conn.execute(payments.update().where(payments.c.order_no == "WXPLANT08")
                               .values(payment_time=midnight + timedelta(seconds=30)))

        results = await live.container.reconcile()(today, "wechat")

        [run] = [r for r in results if r.account == MCHID]
        assert_every_kind_found(run, "WXPLANT", "90.00", "99.90", "99.90")
        assert (await live.payment("WXPLANT03"))["trade_status"] == "TRADE_SUCCESS"  # asked of WeChat, applied
