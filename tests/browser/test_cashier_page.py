"""The cashier page in a real browser (Debian's chromium) against a real `paycore demo`: paycore and its emulator
on real ports, real signatures. Each state is photographed under the test's tmp_path."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.browser.conftest import MERCHANT, offline_page_in
from tests.e2e.demo_live import Demo

zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp (a dev extra) decodes the QR codes")
Image = pytest.importorskip("PIL.Image", reason="pillow (a dev extra) opens the screenshots for zxing-cpp")

WITHIN_MS = 15_000
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}
PHONE_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0 Mobile Safari/537.36")
PHONE: dict[str, Any] = {"viewport": {"width": 360, "height": 740}, "locale": "zh-CN", "is_mobile": True,
                         "has_touch": True, "device_scale_factor": 2, "user_agent": PHONE_UA}
IN_WECHAT = {**PHONE, "user_agent": PHONE_UA + " MicroMessenger/8.0.50.2701 NetType/WIFI Language/zh_CN"}


async def page_in(browser: Any, options: dict[str, Any]) -> Any:
    """A page in a fresh context with these options (viewport, user agent), every request off this machine
    refused and recorded in `page.refused`: the page must work offline."""
    return await offline_page_in(await browser.new_context(**options))


def decoded(png: bytes) -> list[str]:
    """The texts of the QR codes in a screenshot, as a real decoder reads them."""
    return [code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))]


async def state(page: Any, name: str, shots: Path) -> None:
    """Wait for the page to show this state; photograph it."""
    await page.locator(f"body[data-state={name}]").wait_for(state="attached", timeout=WITHIN_MS)
    await page.locator(f"#{name}, #action").first.wait_for(state="visible", timeout=WITHIN_MS)
    await page.screenshot(path=shots / f"{name}-{page.viewport_size['width']}.png", full_page=True)
    assert page.refused == []  # no font, script or image from elsewhere


async def fits(page: Any) -> None:
    """Nothing wider than the viewport: no sideways scrolling on a 360 px phone."""
    widths = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths


@pytest.mark.parametrize("options", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_a_native_qr_decodes_to_the_code_url_and_paying_turns_the_page_paid_and_returns(
        demo: Demo, browser: Any, tmp_path: Path, options: dict[str, Any]) -> None:
    created = await demo.create("CASHIERWX01", return_url=f"{demo.url}/?back=1")
    page = await page_in(browser, options)
    await page.goto(created["cashier_url"])
    await state(page, "open", tmp_path)
    await fits(page)
    assert await page.locator("header .merchant").inner_text() == MERCHANT
    assert "99.90" in await page.locator("#amount").inner_text()
    assert await page.locator("#order-no").inner_text() == "CASHIERWX01"
    assert "请使用微信扫一扫付款" in await page.locator("#action").inner_text()
    assert await page.locator("#countdown").inner_text() not in ("", "--:--", "00:00")
    assert decoded(await page.locator("#qr").screenshot()) == [created["code_url"]]

    scan = await page.context.new_page()  # the payer's phone, scanning: the emulator's scan page
    async with httpx.AsyncClient(timeout=10) as http:
        order = (await http.get(f"{demo.emulator_url}/_control/wechat/transactions/CASHIERWX01")).json()
    await scan.goto(order["scan_url"])
    await scan.locator("form[action$='/pay'] button, #pay").first.click()
    await state(page, "paid", tmp_path)  # the open page turns paid by itself
    assert await page.locator("#action").count() == 0
    assert "前完成支付" not in await page.locator("body").inner_text()  # a paid order never says "Pay before"
    await page.wait_for_url(f"{demo.url}/?back=1", timeout=WITHIN_MS)  # back to the merchant after a few seconds


async def test_inside_wechat_a_native_payment_shows_a_qr_image_to_long_press(
        demo: Demo, browser: Any, tmp_path: Path) -> None:
    created = await demo.create("CASHIERWX02")
    page = await page_in(browser, IN_WECHAT)
    await page.goto(created["cashier_url"])
    await state(page, "open", tmp_path)
    assert await page.locator("img#qr").count() == 1  # an image: WeChat's long-press reads images
    assert "长按识别二维码" in await page.locator("#action").inner_text()
    assert decoded(await page.locator("#qr").screenshot()) == [created["code_url"]]


@pytest.mark.parametrize("options", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_an_alipay_payment_has_a_pay_button_to_its_pay_url(
        demo: Demo, browser: Any, tmp_path: Path, options: dict[str, Any]) -> None:
    method = "wap" if options is PHONE else "pc"
    created = await demo.create(f"CASHIERALI{method}", payment_type="alipay", pay_method=method)
    page = await page_in(browser, options)
    await page.goto(created["cashier_url"])
    await state(page, "open", tmp_path)
    await fits(page)
    button = page.locator("#pay")
    assert await button.inner_text() == "去支付宝付款"
    assert await button.get_attribute("href") == created["pay_url"]
    await button.click()
    await page.locator("form[action$='/pay'] button, #pay").first.wait_for(timeout=WITHIN_MS)  # Alipay's page
    assert urlsplit(page.url).port == urlsplit(demo.emulator_url).port


async def test_the_countdown_reaching_zero_shows_the_expired_state_without_a_pay_button(
        demo: Demo, browser: Any, tmp_path: Path) -> None:
    created = await demo.create("CASHIEREXP1", payment_type="alipay", pay_method="pc", expire_minutes=1)
    page = await page_in(browser, DESKTOP)
    await page.clock.install()  # the page's own clock, run forward: no waiting a minute
    await page.goto(created["cashier_url"])
    await state(page, "open", tmp_path)
    await page.clock.run_for(61_000)
    await state(page, "expired", tmp_path)
    assert await page.locator("#countdown, #pay, #qr").count() == 0
    assert "订单已超时" in await page.locator("#expired").inner_text()


async def test_english_by_accept_language_and_by_the_switch(demo: Demo, browser: Any, tmp_path: Path) -> None:
    created = await demo.create("CASHIERLANG")
    page = await page_in(browser, {**DESKTOP, "locale": "en-US"})
    await page.goto(created["cashier_url"])
    await state(page, "open", tmp_path)
    assert "Scan with WeChat to pay" in await page.locator("#action").inner_text()
    assert await page.locator("html").get_attribute("lang") == "en"
    await page.locator("#lang-switch").click()
    await page.locator("html[lang=zh-CN]").wait_for(state="attached", timeout=WITHIN_MS)
    assert "请使用微信扫一扫付款" in await page.locator("#action").inner_text()
    await page.screenshot(path=tmp_path / "open-switched-zh.png")
    await page.locator("#lang-switch").click()
    await page.locator("html[lang=en]").wait_for(state="attached", timeout=WITHIN_MS)


async def test_without_its_token_the_page_is_a_404_showing_nothing(demo: Demo, browser: Any, tmp_path: Path) -> None:
    created = await demo.create("CASHIER404")
    page = await page_in(browser, DESKTOP)
    bare = created["cashier_url"].split("?")[0]
    for url in (bare, bare + "?t=AAAAAAAAAAAAAAAAAAAAAAAAAAA", f"{demo.url}/pay/NOSUCHORDER"):
        response = await page.goto(url)
        assert response.status == 404, url
        text = await page.locator("body").inner_text()
        assert "99.90" not in text
        assert "Thesis" not in text
    await page.screenshot(path=tmp_path / "not-found.png")


async def test_inside_wechat_a_jsapi_payment_calls_wechats_bridge_and_turns_paid(
        demo: Demo, browser: Any, tmp_path: Path) -> None:
    created = await demo.create("CASHIERJS01", pay_method="jsapi", openid="oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
    page = await page_in(browser, IN_WECHAT)
    await page.add_init_script("window.WeixinJSBridge = {invoke: (name, params, done) => {"
                               " window.invoked = [name, params]; done({err_msg: 'get_brand_wcpay_request:ok'}); }};")
    await page.goto(created["cashier_url"])
    await state(page, "open", tmp_path)
    await page.locator("#pay").click()
    assert await page.evaluate("window.invoked") == ["getBrandWCPayRequest", created["pay_params"]]
    async with httpx.AsyncClient(timeout=10) as http:  # the payer confirms in WeChat
        paid = await http.post(f"{demo.emulator_url}/_control/wechat/transactions/CASHIERJS01/pay",
                               json={"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"})
    assert paid.status_code == 200, paid.text
    await state(page, "paid", tmp_path)


async def test_the_demo_landing_page_links_each_created_order_to_its_cashier(
        demo: Demo, browser: Any, tmp_path: Path) -> None:
    created = await demo.create("DEMOWX0001")
    page = await page_in(browser, DESKTOP)
    await page.goto(f"{demo.url}/")
    await page.get_by_text("cashier of DEMOWX0001").click()
    await state(page, "open", tmp_path)
    assert page.url == created["cashier_url"]


async def test_a_payment_closed_by_the_business_turns_the_open_page_closed_without_a_reload(
        demo: Demo, browser: Any, tmp_path: Path) -> None:
    created = await demo.create("CASHIERCLS1")
    page = await page_in(browser, DESKTOP)
    await page.goto(created["cashier_url"])
    await state(page, "open", tmp_path)
    closed = await demo.api("POST", "/v1/payments/CASHIERCLS1/close")
    assert closed.status_code == 200, closed.text
    await state(page, "closed", tmp_path)  # the page's own polling saw it
    assert await page.locator("#countdown, #pay, #qr").count() == 0
    assert "订单已关闭" in await page.locator("#closed").inner_text()
