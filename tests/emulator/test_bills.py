"""Bill download: a ZIP of GBK CSV files in Alipay's trade bill layout, one row per payment and refund."""

from __future__ import annotations

import csv
import io
import zipfile

from alipay.aop.api.request.AlipayDataDataserviceBillDownloadurlQueryRequest import (
    AlipayDataDataserviceBillDownloadurlQueryRequest as BillUrl,
)
from alipay.aop.api.request.AlipayTradeRefundRequest import AlipayTradeRefundRequest

from emulator.alipay import wire
from tests.emulator.conftest import Emulator


def today() -> str:
    return wire.beijing_date(wire.now()).isoformat()


def detail_rows(archive: bytes) -> tuple[list[str], list[dict[str, str]], list[str]]:
    """Comment lines, data rows (values stripped of Alipay's trailing tabs) and the file names."""
    with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
        names = bundle.namelist()
        [detail] = [n for n in names if n.endswith("业务明细.csv")]
        text = bundle.read(detail).decode("gbk")
    lines = text.splitlines()
    comments = [line for line in lines if line.startswith("#")]
    table = [line for line in lines if line and not line.startswith("#")]
    rows = [{k: v.strip() for k, v in row.items()} for row in csv.DictReader(table)]
    return comments, rows, names


async def test_the_bill_holds_a_row_per_payment_and_per_refund_with_matching_amounts(emulator: Emulator) -> None:
    first = await emulator.paid_trade("PAID-1", "1.00")
    await emulator.paid_trade("PAID-2", "0.50")
    await emulator.open_trade("WAIT-1", "9.99")
    await emulator.execute(AlipayTradeRefundRequest,
                           {"out_trade_no": "PAID-1", "refund_amount": "0.30", "out_request_no": "R1"})
    answer = await emulator.execute(BillUrl, {"bill_type": "trade", "bill_date": today()})
    assert answer["code"] == "10000"
    assert answer["bill_download_url"].startswith(emulator.url)
    download = await emulator.http.get(answer["bill_download_url"])
    assert download.headers["content-type"] == "application/zip"
    comments, rows, names = detail_rows(download.content)
    assert len(names) == 2
    assert comments[0] == "#支付宝业务明细查询"
    assert [(r["商户订单号"], r["业务类型"], r["订单金额（元）"], r["商家实收（元）"]) for r in rows] == [
        ("PAID-1", "交易", "1.00", "1.00"), ("PAID-2", "交易", "0.50", "0.50"), ("PAID-1", "退款", "1.00", "-0.30")]
    assert rows[0]["支付宝交易号"] == first["trade_no"]
    assert rows[2]["退款批次号/请求号"] == "R1"
    assert any(c.startswith("#交易合计：2笔，商家实收共1.50元") for c in comments)
    assert any(c.startswith("#退款合计：1笔，商家实收共-0.30元") for c in comments)


async def test_a_day_without_trades_has_no_bill(emulator: Emulator) -> None:
    await emulator.paid_trade("PAID-1")
    answer = await emulator.execute(BillUrl, {"bill_type": "trade", "bill_date": "2020-01-01"})
    assert (answer["code"], answer["sub_code"]) == ("40004", "isp.bill_not_exist")


async def test_an_unknown_bill_link_is_404(emulator: Emulator) -> None:
    assert (await emulator.http.get("/alipay/bills/download", params={"token": "nope"})).status_code == 404
