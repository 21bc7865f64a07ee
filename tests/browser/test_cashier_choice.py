"""The payer chooses on the cashier page, in a real browser (Debian's chromium) against a real `paycore demo`:
each method's button starts its attempt and shows its way to pay (a QR that decodes to the provider's code, or a
button to the provider's page); paying turns the open page paid; paying twice ends with one payment and one
automatic refund. Each state is photographed under the test's tmp_path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.browser.test_cashier_page import DESKTOP, PHONE, WITHIN_MS, decoded, fits, page_in, state
from tests.e2e.demo_live import Demo


async def choice(demo: Demo, order_no: str, methods: list[str], **body: Any) -> dict[str, Any]:
    response = await demo.api("POST", "/v1/payments", json={
        "order_no": order_no, "pay_methods": methods, "subject": "论文润色 Thesis polishing", "total_amount": "99.90",
        **body})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def press(page: Any, method: str) -> None:
    """The payer presses a method's button; the page comes back showing it."""
    async with page.expect_navigation(timeout=WITHIN_MS):
        await page.locator(f'button.choice[value="{method}"]').click()
    await page.locator(f'button.choice[value="{method}"][aria-current]').wait_for(timeout=WITHIN_MS)


async def current(demo: Demo, order_no: str) -> dict[str, Any]:
    payment: dict[str, Any] = (await demo.api("GET", f"/v1/payments/{order_no}")).json()
    return payment


async def test_on_a_desktop_each_method_shows_its_way_to_pay_and_paying_turns_the_page_paid(
        demo: Demo, browser: Any, tmp_path: Path) -> None:
    created = await choice(demo, "PICKDESK01", ["alipay:pc", "alipay:qr", "wechat:native", "alipay:wap"],
                           return_url=f"{demo.url}/?back=1")
    page = await page_in(browser, DESKTOP)
    await page.goto(created["cashier_url"])
    await state(page, "open", tmp_path)
    await fits(page)
    assert [await b.get_attribute("value") for b in await page.locator("button.choice").all()] == [
        "alipay:pc", "alipay:qr", "wechat:native"]  # the phone's page is not offered on a desktop
    assert await page.locator("#qr, #pay").count() == 0
    await page.screenshot(path=tmp_path / "choose-1280.png", full_page=True)

    await press(page, "alipay:qr")
    alipay_qr = (await current(demo, "PICKDESK01"))["code_url"]
    assert decoded(await page.locator("#qr").screenshot()) == [alipay_qr]
    assert "请使用支付宝扫一扫付款" in await page.locator("#action").inner_text()

    await press(page, "alipay:pc")
    assert await page.locator("#pay").get_attribute("href") == (await current(demo, "PICKDESK01"))["pay_url"]

    await press(page, "wechat:native")
    wechat = await current(demo, "PICKDESK01")
    assert decoded(await page.locator("#qr").screenshot()) == [wechat["code_url"]]
    await page.screenshot(path=tmp_path / "chosen-wechat-1280.png", full_page=True)
    assert [(a["payment_type"], a["pay_method"]) for a in wechat["attempts"]] == [
        ("alipay", "qr"), ("alipay", "pc"), ("wechat", "native")]

    await demo.control("POST", "/wechat/transactions/PICKDESK01_3/pay")  # the payer scans WeChat's code and pays
    await state(page, "paid", tmp_path)
    await page.wait_for_url(f"{demo.url}/?back=1", timeout=WITHIN_MS)
    paid = await current(demo, "PICKDESK01")
    assert [a["status"] for a in paid["attempts"]] == ["CLOSED", "CLOSED", "PAID"]


async def test_on_a_phone_the_mobile_methods_lead_to_the_providers_pages(
        demo: Demo, browser: Any, tmp_path: Path) -> None:
    created = await choice(demo, "PICKPHONE1", ["alipay:pc", "alipay:wap", "wechat:native", "wechat:h5"])
    page = await page_in(browser, PHONE)
    await page.goto(created["cashier_url"])
    await state(page, "open", tmp_path)
    await fits(page)
    assert [await b.get_attribute("value") for b in await page.locator("button.choice").all()] == [
        "alipay:wap", "wechat:h5"]
    await press(page, "wechat:h5")
    h5 = await current(demo, "PICKPHONE1")
    assert (h5["pay_method"], await page.locator("#pay").get_attribute("href")) == ("h5", h5["pay_url"])
    await press(page, "alipay:wap")
    wap = await current(demo, "PICKPHONE1")
    assert (wap["pay_method"], await page.locator("#pay").get_attribute("href")) == ("wap", wap["pay_url"])
    await fits(page)
    await page.screenshot(path=tmp_path / "chosen-wap-360.png", full_page=True)


async def test_in_english_the_page_asks_how_to_pay(demo: Demo, browser: Any, tmp_path: Path) -> None:
    created = await choice(demo, "PICKENGL01", ["alipay:qr", "wechat:native"])
    page = await page_in(browser, {**DESKTOP, "locale": "en-US"})
    await page.goto(created["cashier_url"])
    await state(page, "open", tmp_path)
    assert "Choose how to pay" in await page.locator("#choices").inner_text()
    await press(page, "wechat:native")
    assert "Other ways to pay" in await page.locator("#choices").inner_text()
    assert "Scan with WeChat to pay" in await page.locator("#action").inner_text()


async def test_a_payer_who_pays_twice_sees_one_payment_and_gets_one_automatic_refund(
        demo: Demo, browser: Any, tmp_path: Path) -> None:
    created = await choice(demo, "PICKTWICE1", ["alipay:qr", "wechat:native"])
    page = await page_in(browser, DESKTOP)
    await page.goto(created["cashier_url"])
    await press(page, "alipay:qr")
    await press(page, "wechat:native")
    # Alipay fails the close paycore sends once WeChat is paid, so its trade stays open and the payer pays it too.
    await demo.control("POST", "/alipay/faults", mode="http_500", count=1, seconds=0)
    await demo.control("POST", "/wechat/transactions/PICKTWICE1_2/pay")
    await state(page, "paid", tmp_path)
    await demo.control("POST", "/alipay/trades/PICKTWICE1/pay")
    payment = await demo.until("PICKTWICE1", lambda p: [a["status"] for a in p["attempts"]] == [
        "DUPLICATE_REFUNDED", "PAID"])
    assert (payment["trade_status"], payment["payment_type"], payment["refunded_amount"]) == (
        "TRADE_SUCCESS", "wechat", "0.00")
    refunds = (await demo.api("GET", "/v1/payments/PICKTWICE1/refunds")).json()["items"]
    assert [(r["refund_no"], r["refund_amount"], r["refund_status"]) for r in refunds] == [
        ("DUP_PICKTWICE1", "99.90", "SUCCESS")]
    async with httpx.AsyncClient(timeout=10) as http:
        trade = (await http.get(f"{demo.emulator_url}/_control/alipay/trades/PICKTWICE1")).json()
    assert trade["refunds"], trade  # given back at Alipay, where it was paid
    await page.reload()
    await state(page, "paid", tmp_path)  # one payment, paid: the payer sees no second charge to settle
