"""当面付 pre-create (alipay.trade.precreate): the trade waits behind a qr_code that opens the scan-and-pay page."""

from __future__ import annotations

from typing import Any

from litestar import Response, get
from litestar.params import FromPath

from emulator.alipay import pages
from emulator.alipay.cashier import html, open_trade
from emulator.alipay.inject import Alipay
from emulator.alipay.methods import invalid
from emulator.alipay.protocol import SUCCESS, biz_content
from emulator.alipay.service import AlipayEmulator
from emulator.alipay.trades import App, Trade

METHOD = "alipay.trade.precreate"
PRODUCT_CODE = "FACE_TO_FACE_PAYMENT"  # optional on the wire; the only one pre-create takes


def qr_code(alipay: AlipayEmulator, trade: Trade) -> str:
    """What the payer scans: the emulator's scan-and-pay page of the trade (Alipay's is https://qr.alipay.com/…)."""
    return f"{alipay.base_url}/alipay/qr/{trade.trade_no}"


def precreate(alipay: AlipayEmulator, app: App, params: dict[str, str]) -> dict[str, Any]:
    """alipay.trade.precreate: the trade (new, or the same one asked again) and its qr_code."""
    if biz_content(params).get("product_code", PRODUCT_CODE) != PRODUCT_CODE:
        raise invalid("product_code")
    trade = open_trade(alipay, app, params, PRODUCT_CODE)
    return {**SUCCESS, "out_trade_no": trade.out_trade_no, "qr_code": qr_code(alipay, trade)}


@get("/alipay/qr/{trade_no:str}", name="alipay:qr")
async def scan(trade_no: FromPath[str], alipay: Alipay) -> Response[bytes]:
    """What the Alipay app shows after scanning a qr_code: the QR itself, the trade, Pay and Cancel."""
    trade = alipay.store.trade_by_trade_no(trade_no)
    if trade is None or trade.method != METHOD:
        return html(pages.error("40004", "ACQ.TRADE_NOT_EXIST", "交易不存在"), 404)
    return html(pages.cashier(alipay.refresh(trade), qr=qr_code(alipay, trade)))
