"""The real SDK through the adapter against the real emulator (`python -m emulator`) on a real port."""

from __future__ import annotations

import io
import tempfile
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import httpx
import pytest

from adapters.gateways.alipay import AlipayGateway
from adapters.gateways.alipay import gateway as alipay_gateway
from adapters.gateways.alipay.transport import Transport
from application.errors import NotificationRejected, ProviderError, ProviderUnavailable
from application.records import PaymentConfig, RawNotification
from domain.beijing import BEIJING
from domain.kinds import PaymentType
from domain.money import Money
from domain.payment import Payment
from domain.updates import ProviderUpdate, UpdateKind
from tests.integration.alipay.conftest import credentials_for
from tests.integration.alipay.emulator_process import NotifyReceiver, control
from tests.integration.alipay.wire import APP_ID, SELLER_ID, payment, refund
from tests.rsa_keys import KeyPair

CONFIG = PaymentConfig(config_id=101, payment_type=PaymentType.ALIPAY, config_name="main", app_id=APP_ID,
                       settings={"seller_id": SELLER_ID})


def new_order(total: str = "1.00", pay_method: str = "pc") -> Payment:
    return payment(order_no=f"E{uuid.uuid4().hex[:24]}", total=total, pay_method=pay_method)


async def opened(gateway: AlipayGateway, order: Payment) -> str:
    """Create the payment and open its pay URL as the buyer's browser would; the cashier page."""
    checkout = await gateway.create(order, CONFIG)
    async with httpx.AsyncClient(timeout=5) as browser:
        page = await browser.get(checkout.pay_url or "")
    assert page.status_code == 200, page.text
    return page.text


async def paid(gateway: AlipayGateway, emulator_url: str, total: str = "1.00") -> Payment:
    order = new_order(total)
    await opened(gateway, order)
    control(emulator_url, "POST", f"/trades/{order.order_no}/pay")
    return order


async def notified(gateway: AlipayGateway, form: dict[str, str]) -> ProviderUpdate:
    return await gateway.verify_notification(RawNotification(urlencode(form).encode(), {}, form), CONFIG)


@pytest.mark.parametrize("pay_method", ["pc", "wap"])
async def test_the_pay_url_opens_the_emulator_cashier(emulated: AlipayGateway, pay_method: str) -> None:
    order = new_order("0.10", pay_method)
    page = await opened(emulated, order)
    assert order.order_no in page
    assert "¥0.10" in page
    assert 'id="pay"' in page


async def test_emulator_gateway_url_with_port_is_reachable(emulated: AlipayGateway, emulator_url: str) -> None:
    order = new_order()
    await opened(emulated, order)
    update = await emulated.query(order, CONFIG)
    assert update is not None
    assert update.kind is UpdateKind.WAITING


async def test_a_trade_whose_page_was_never_opened_queries_as_none(emulated: AlipayGateway) -> None:
    assert await emulated.query(new_order(), CONFIG) is None


async def test_a_paid_trade_queries_as_paid(emulated: AlipayGateway, emulator_url: str) -> None:
    order = await paid(emulated, emulator_url, "99.90")
    update = await emulated.query(order, CONFIG)
    assert update is not None
    assert (update.kind, update.amount, update.receipt_amount) == (UpdateKind.PAID, Money(9990), Money(9990))
    assert update.trade_no
    assert update.buyer_id
    assert update.buyer_account
    assert update.occurred_at is not None
    assert abs(update.occurred_at - datetime.now(UTC)) < timedelta(minutes=1)  # Beijing time read back as UTC


async def test_the_emulators_payment_notification_verifies_and_matches_the_query(
    emulated: AlipayGateway, emulator_url: str, receiver: tuple[NotifyReceiver, str]
) -> None:
    order = await paid(emulated, emulator_url)
    form = receiver[0].wait_for(order.order_no, "TRADE_SUCCESS")
    update = await notified(emulated, form)
    queried = await emulated.query(order, CONFIG)
    assert queried is not None
    assert (update.kind, update.order_no, update.amount) == (UpdateKind.PAID, order.order_no, Money(100))
    assert (update.trade_no, update.occurred_at) == (queried.trade_no, queried.occurred_at)
    assert update.event_id == form["notify_id"]
    assert (update.app_id, update.merchant_id) == (APP_ID, SELLER_ID)


@pytest.mark.parametrize(("variant", "reason"), [("forged", "bad_signature"), ("wrong_app", "app_id_mismatch"),
                                                 ("wrong_seller", "seller_mismatch")])
async def test_the_emulators_bad_notifications_are_refused(emulated: AlipayGateway, emulator_url: str,
                                                           variant: str, reason: str) -> None:
    order = await paid(emulated, emulator_url)
    sent = control(emulator_url, "POST", f"/trades/{order.order_no}/notify", variant=variant)["sent"]
    with pytest.raises(NotificationRejected) as caught:
        await notified(emulated, sent)
    assert caught.value.reason == reason


async def test_a_wrong_amount_notification_verifies_and_carries_the_amount_for_the_use_case_to_refuse(
    emulated: AlipayGateway, emulator_url: str
) -> None:
    order = await paid(emulated, emulator_url)
    sent = control(emulator_url, "POST", f"/trades/{order.order_no}/notify", variant="wrong_amount")["sent"]
    assert (await notified(emulated, sent)).amount == Money(200)


async def test_closing_an_unpaid_trade_closes_it(emulated: AlipayGateway) -> None:
    order = new_order()
    await opened(emulated, order)
    assert (await emulated.close(order, CONFIG)).kind is UpdateKind.CLOSED
    after = await emulated.query(order, CONFIG)
    assert after is not None
    assert after.kind is UpdateKind.CLOSED


async def test_closing_a_trade_alipay_never_saw_closes_it_locally(emulated: AlipayGateway) -> None:
    assert (await emulated.close(new_order(), CONFIG)).kind is UpdateKind.CLOSED


async def test_closing_a_paid_trade_reports_it_paid(emulated: AlipayGateway, emulator_url: str) -> None:
    order = await paid(emulated, emulator_url)
    update = await emulated.close(order, CONFIG)
    assert (update.kind, update.amount) == (UpdateKind.PAID, Money(100))


async def test_a_partial_refund_succeeds_and_its_repeat_moves_no_money(emulated: AlipayGateway,
                                                                       emulator_url: str) -> None:
    order = await paid(emulated, emulator_url, "1.00")
    first = await emulated.refund(order, refund(order.order_no, "R1", "0.30"), CONFIG)
    again = await emulated.refund(order, refund(order.order_no, "R1", "0.30"), CONFIG)
    for update in (first, again):
        assert (update.kind, update.refund_no, update.amount) == (UpdateKind.REFUND_SUCCEEDED, "R1", Money(30))
    trade = control(emulator_url, "GET", f"/trades/{order.order_no}")
    assert trade["refund_fee"] == "0.30"
    assert [r["out_request_no"] for r in trade["refunds"]] == ["R1"]


async def test_refunding_more_than_is_left_is_refund_failed_with_the_sub_code(emulated: AlipayGateway,
                                                                              emulator_url: str) -> None:
    order = await paid(emulated, emulator_url, "1.00")
    await emulated.refund(order, refund(order.order_no, "R1", "0.80"), CONFIG)
    refused = await emulated.refund(order, refund(order.order_no, "R2", "0.30"), CONFIG)
    assert (refused.kind, refused.failure_code) == (UpdateKind.REFUND_FAILED, "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL")
    assert refused.failure_message


async def test_a_refund_query_reports_success_and_an_unknown_refund_as_not_found(emulated: AlipayGateway,
                                                                                  emulator_url: str) -> None:
    order = await paid(emulated, emulator_url, "1.00")
    await emulated.refund(order, refund(order.order_no, "R1", "0.25"), CONFIG)
    done = await emulated.query_refund(order, refund(order.order_no, "R1", "0.25"), CONFIG)
    assert (done.kind, done.amount) == (UpdateKind.REFUND_SUCCEEDED, Money(25))
    assert done.occurred_at is not None
    unknown = await emulated.query_refund(order, refund(order.order_no, "R9", "0.25"), CONFIG)
    assert unknown.kind is UpdateKind.REFUND_NOT_FOUND


async def test_the_days_bill_downloads_as_a_zip(emulated: AlipayGateway, emulator_url: str) -> None:
    await paid(emulated, emulator_url)
    bill = await emulated.download_bill(datetime.now(BEIJING).date())
    assert zipfile.is_zipfile(io.BytesIO(bill))
    assert zipfile.ZipFile(io.BytesIO(bill)).namelist()


async def test_the_days_bill_is_read_from_a_file_it_streams_into_never_from_memory_whole(
        emulated: AlipayGateway, emulator_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The download goes to a temporary file (on disk past SPOOL_BYTES, here 64 bytes), the rows are read from it,
    and the file is closed once they have been; the bytes-at-once path is not taken."""
    order = await paid(emulated, emulator_url, "1.23")
    spools: list[tempfile.SpooledTemporaryFile[bytes]] = []
    real = tempfile.SpooledTemporaryFile

    def recorded(max_size: int) -> tempfile.SpooledTemporaryFile[bytes]:
        spools.append(real(max_size=max_size))
        return spools[-1]

    monkeypatch.setattr(tempfile, "SpooledTemporaryFile", recorded)
    monkeypatch.setattr(alipay_gateway, "SPOOL_BYTES", 64)
    monkeypatch.setattr(Transport, "get", lambda self, url: pytest.fail("the bill was fetched whole"))
    bill = await emulated.bill(datetime.now(BEIJING).date())
    assert [spool.closed for spool in spools] == [False]
    rows = list(bill.rows())
    assert (order.order_no, 123) in [(r.order_no, r.amount) for r in rows]
    assert spools[0].closed


async def test_a_day_without_trades_has_no_bill(emulated: AlipayGateway) -> None:
    with pytest.raises(ProviderError) as caught:
        await emulated.download_bill(datetime(2001, 1, 1, tzinfo=BEIJING).date())
    assert caught.value.extra["sub_code"] == "isp.bill_not_exist"


async def test_a_pkcs8_private_key_works_against_the_emulator(emulator_url: str, app_keys: KeyPair) -> None:
    credentials = credentials_for(app_keys, app_keys, f"{emulator_url}/gateway.do",
                                  private_key_pem=app_keys.pkcs8_pem,
                                  alipay_public_key_pem=control(emulator_url, "GET", "/public-key"))
    gateway = AlipayGateway(credentials, timeout=2)
    try:
        assert (await gateway.close(new_order(), CONFIG)).kind is UpdateKind.CLOSED
    finally:
        gateway.close_connections()


@pytest.mark.parametrize(("mode", "error", "match"), [("http_500", ProviderUnavailable, "HTTP 500"),
                                                      ("slow", ProviderUnavailable, "within"),
                                                      ("garbage", ProviderUnavailable, "not JSON"),
                                                      ("tampered", ProviderError, "signature does not verify")])
async def test_each_emulator_fault_becomes_an_application_error(emulated: AlipayGateway, emulator_url: str,
                                                                mode: str, error: type[Exception],
                                                                match: str) -> None:
    order = new_order()
    await opened(emulated, order)
    control(emulator_url, "POST", "/faults", mode=mode, count=1, seconds=1.5)
    with pytest.raises(error, match=match):
        await emulated.query(order, CONFIG)
    assert await emulated.query(order, CONFIG) is not None  # the fault was for one call only
