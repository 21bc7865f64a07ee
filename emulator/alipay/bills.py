"""Daily trade bills in Alipay's layout: a ZIP of GBK CSV files, detail and summary."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from litestar import Response, get
from litestar.params import FromQuery

from emulator.alipay import wire
from emulator.alipay.inject import Alipay
from emulator.alipay.store import BillEdit, EditKey
from emulator.alipay.trades import Trade

COLUMNS = (
    "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,"
    "订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,"
    "券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注"
)
# The marker lines as Alipay writes them: 41 dashes before, 40 after the start and 36 after the end.
START_LINE = "#" + "-" * 41 + "业务明细列表" + "-" * 40
END_LINE = "#" + "-" * 41 + "业务明细列表结束" + "-" * 36


@dataclass(frozen=True)
class BillRow:
    """One line of the detail list: a payment (交易) or a refund (退款)."""

    trade: Trade
    kind: str
    finished: datetime
    amount: int
    request_no: str = ""

    def csv(self) -> str:
        """The line as Alipay writes it: every value followed by a tab, as its real bills do."""
        t = self.trade
        ordered = self.amount if self.kind == "交易" else t.total_amount  # a payment's own (the bill may differ)
        values = [
            t.trade_no, t.out_trade_no, self.kind, t.subject, wire.beijing(t.gmt_create), wire.beijing(self.finished),
            "", "", "", "", t.buyer_logon_id, wire.format_amount(ordered), wire.format_amount(self.amount),
            "0.00", "0.00", "0.00", "0.00", "0.00", "", "0.00", "0.00", self.request_no, "0.00", "0.00", "",
        ]
        return ",".join(value.replace(",", " ") + "\t" for value in values)


def rows(trades: list[Trade], day: date, edits: Mapping[EditKey, BillEdit] | None = None) -> list[BillRow]:
    """The payments and refunds that completed on day (Beijing time), in time order, as edited."""
    found: list[BillRow] = []
    edits = edits or {}
    for trade in trades:
        if trade.gmt_payment is not None:
            found.extend(_edited(BillRow(trade, "交易", trade.gmt_payment, trade.total_amount), edits, day, ""))
        for refund in trade.refunds.values():
            row = BillRow(trade, "退款", refund.at, -refund.amount, refund.out_request_no)
            found.extend(_edited(row, edits, day, refund.out_request_no))
    return sorted(found, key=lambda row: row.finished)


def _edited(row: BillRow, edits: Mapping[EditKey, BillEdit], day: date, request_no: str) -> list[BillRow]:
    edit = edits.get((row.trade.app_id, row.trade.out_trade_no, request_no), BillEdit())
    sign = -1 if request_no else 1
    row = replace(row, amount=sign * edit.amount if edit.amount is not None else row.amount,
                  finished=edit.finished or row.finished)
    return [] if edit.omit or wire.beijing_date(row.finished) != day else [row]


def detail_csv(seller_id: str, day: date, lines: list[BillRow], exported: datetime) -> str:
    """The 业务明细 file."""
    paid = [r for r in lines if r.kind == "交易"]
    refunded = [r for r in lines if r.kind == "退款"]
    return "\r\n".join([
        "#支付宝业务明细查询",
        f"#账号：[{seller_id}0156]",
        f"#起始日期：[{day:%Y年%m月%d日} 00:00:00]   终止日期：[{day + timedelta(days=1):%Y年%m月%d日} 00:00:00]",
        START_LINE,
        COLUMNS,
        *(row.csv() for row in lines),
        END_LINE,
        f"#交易合计：{len(paid)}笔，商家实收共{_sum(paid)}元，商家优惠共0.00元，服务费共0.00元",
        f"#退款合计：{len(refunded)}笔，商家实收共{_sum(refunded)}元，商家优惠共0.00元，服务费共0.00元",
        f"#导出时间：[{exported.astimezone(wire.BEIJING):%Y年%m月%d日 %H:%M:%S}]",
        "",
    ])


def summary_csv(seller_id: str, day: date, lines: list[BillRow]) -> str:
    """The 业务明细(汇总) file: one line with the day's totals."""
    return "\r\n".join([
        "#支付宝业务汇总查询",
        f"#账号：[{seller_id}0156]",
        "门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）,服务费（元）,分润（元）,实收净额（元）",
        f",合计,{sum(r.kind == '交易' for r in lines)},{sum(r.kind == '退款' for r in lines)},"
        f"{_sum([r for r in lines if r.kind == '交易'])},{_sum(lines)},0.00,0.00,{_sum(lines)}",
        "",
    ])


def _sum(lines: list[BillRow]) -> str:
    return wire.format_amount(sum(r.amount for r in lines))


def bill_zip(seller_id: str, day: date, lines: list[BillRow], exported: datetime) -> bytes:
    """The ZIP Alipay serves: both CSV files encoded in GBK."""
    stem = f"{seller_id}0156_{day:%Y%m%d}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        detail, summary = detail_csv(seller_id, day, lines, exported), summary_csv(seller_id, day, lines)
        archive.writestr(f"{stem}_业务明细.csv", detail.encode("gbk", errors="replace"))
        archive.writestr(f"{stem}_业务明细(汇总).csv", summary.encode("gbk", errors="replace"))
    return buffer.getvalue()


@get("/alipay/bills/download", name="alipay:bill-download")
async def download(token: FromQuery[str], alipay: Alipay) -> Response[bytes]:
    """Serve the bill a bill_download_url names."""
    link = alipay.store.bill_links.get(token)
    if link is None:
        return Response(b"bill link unknown or expired", status_code=404, media_type="text/plain")
    app_id, day = link
    app = alipay.store.apps[app_id]
    lines = rows(alipay.store.app_trades(app_id), day, alipay.store.bill_edits)
    content = bill_zip(app.seller_id, day, lines, alipay.clock())
    filename = f"{app.seller_id}0156_{day:%Y%m%d}.csv.zip"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(content, status_code=200, media_type="application/zip", headers=headers)
