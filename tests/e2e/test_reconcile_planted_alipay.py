"""Every kind of discrepancy planted through the Alipay emulator's control API, then found by reconciling the
day's real bill: the status mismatch fixed by sync, and a payment that crossed midnight held, not reported."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from adapters.sql.tables import payment_transaction as payments
from domain.beijing import BEIJING
from tests.e2e.alipay_live import APP_ID, Live, live_alipay
from tests.e2e.planted_bills import assert_every_kind_found
from tests.e2e.test_alipay_flows import pay_and_hear


async def refund(live: Live, order_no: str, refund_no: str, amount: str) -> None:
    answer = await live.api("POST", f"/v1/payments/{order_no}/refunds",
                            json={"refund_no": refund_no, "refund_amount": amount})
    assert answer.status_code == 201, answer.text


async def test_every_planted_discrepancy_is_found_and_the_unheard_payment_fixed_by_sync(tmp_path: Path) -> None:
    async with live_alipay(tmp_path) as live:
        today = datetime.now(UTC).astimezone(BEIJING).date()
        midnight = datetime.combine(today, time(), tzinfo=BEIJING)
        await pay_and_hear(live, "E2EPLANT01", "10.00")
        await live.control("POST", "/trades/E2EPLANT01/bill", total_amount="12.00")  # Alipay says 12.00
        await pay_and_hear(live, "E2EPLANT02", "20.00")
        await live.control("POST", "/trades/E2EPLANT02/bill", omit=True)  # not in Alipay's bill
        created = await live.create("E2EPLANT03", "30.00")
        await live.open_cashier(created["pay_url"])
        await live.control("POST", "/trades/E2EPLANT03/pay-unnotified")  # paid, paycore never told
        await live.control("POST", "/unknown-trades", app_id=APP_ID, out_trade_no="E2EPLANT04", total_amount="40.00")
        await pay_and_hear(live, "E2EPLANT05", "50.00")
        await refund(live, "E2EPLANT05", "E2EPLANTR5", "30.00")
        await live.control("POST", "/trades/E2EPLANT05/refunds/E2EPLANTR5/bill", total_amount="25.00")
        await pay_and_hear(live, "E2EPLANT06", "60.00")
        await refund(live, "E2EPLANT06", "E2EPLANTR6", "10.00")
        await live.control("POST", "/trades/E2EPLANT06/refunds/E2EPLANTR6/bill", omit=True)
        await pay_and_hear(live, "E2EPLANT07", "70.00")
        await live.control("POST", "/trades/E2EPLANT07/refunds-unnotified", out_request_no="E2EPLANTR7",
                           refund_amount="5.00")
        await pay_and_hear(live, "E2EPLANT08", "80.00")  # paid at 00:00:30 by paycore, 23:59:50 by Alipay
        await live.control("POST", "/trades/E2EPLANT08/bill", finished=(midnight - timedelta(seconds=10)).isoformat())
        async with live.container.engine().begin() as conn:
            await conn.execute(payments.update().where(payments.c.order_no == "E2EPLANT08")
                               .values(payment_time=midnight + timedelta(seconds=30)))

        results = await live.container.reconcile()(today, "alipay")

        [run] = [r for r in results if r.account == APP_ID]
        assert_every_kind_found(run, "E2EPLANT", "12.00", "10.00", "20.00")
        assert (await live.payment("E2EPLANT03"))["trade_status"] == "TRADE_SUCCESS"  # asked of Alipay, applied
