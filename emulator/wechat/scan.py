"""Native and H5 pay: a code_url (scanned) or an h5_url (opened) shows the pay page, where the payer pays or
cancels."""

from __future__ import annotations

from litestar import Response, get, post
from litestar.params import FromPath

from emulator.wechat import pages
from emulator.wechat.inject import WeChat
from emulator.wechat.orders import ApiError

HTML = "text/html;charset=utf-8"


def html(text: str, status_code: int = 200) -> Response[bytes]:
    """An HTML answer."""
    return Response(text.encode("utf-8"), status_code=status_code, media_type=HTML)


def unknown() -> Response[bytes]:
    """The page for a code_url nobody issued."""
    return html(pages.message("二维码无效 Invalid QR code", "该二维码不存在或已失效。"), 404)


@get("/wechat/scan/{token:str}", name="wechat:scan")
async def show(token: FromPath[str], wechat: WeChat) -> Response[bytes]:
    """The scan-to-pay page of a Native order."""
    order = wechat.store.order_by_token(token)
    return html(pages.scan(order)) if order is not None else unknown()


@get("/wechat/h5/{token:str}", name="wechat:h5")
async def show_h5(token: FromPath[str], wechat: WeChat) -> Response[bytes]:
    """The page an H5 order's h5_url opens in the phone's browser."""
    order = wechat.store.order_by_token(token)
    return html(pages.scan(order)) if order is not None and order.trade_type == "MWEB" else unknown()


@post("/wechat/scan/{token:str}/pay", name="wechat:scan-pay")
async def pay(token: FromPath[str], wechat: WeChat) -> Response[bytes]:
    """The payer pays: TRANSACTION.SUCCESS goes to the merchant."""
    order = wechat.store.order_by_token(token)
    if order is None:
        return unknown()
    try:
        wechat.pay(order)
    except ApiError as e:
        return html(pages.message("无法支付 Cannot pay", f"{e.code}: {e.message}", order), 409)
    return html(pages.message("支付成功 Paid", "支付成功，商户将收到通知。", order))


@post("/wechat/scan/{token:str}/cancel", name="wechat:scan-cancel")
async def cancel(token: FromPath[str], wechat: WeChat) -> Response[bytes]:
    """The payer leaves without paying: the order stays NOTPAY."""
    order = wechat.store.order_by_token(token)
    if order is None:
        return unknown()
    return html(pages.message("已取消 Cancelled", "您已取消支付，订单仍未支付。", order))
