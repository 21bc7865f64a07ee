"""Trade bills in WeChat's layout: UTF-8 CSV, every value prefixed with a backtick, then the day's totals."""

from __future__ import annotations

import gzip
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime

from emulator.alipay.store import BillEdit, EditKey
from emulator.wechat import wire
from emulator.wechat.orders import ApiError, Merchant, Order, Refund, param_error
from emulator.wechat.protocol import Call, Reply
from emulator.wechat.service import WeChatEmulator
from emulator.wechat.store import BillLink

COLUMNS = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,"
    "应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,"
    "手续费,费率,订单金额,申请退款金额,费率备注"
)
SUMMARY_COLUMNS = "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
BILL_TYPES = ("ALL", "SUCCESS", "REFUND")
FEE_RATE_PER_MILLE = 6


@dataclass(frozen=True)
class BillRow:
    """One line of the bill: a payment (SUCCESS) or a refund (REFUND)."""

    order: Order
    at: datetime
    refund: Refund | None = None
    amount: int | None = None  # the line's amount when the bill shows another (the control API plants it)

    @property
    def settled(self) -> int:
        """应结订单金额 in fen: the payment's total, nothing on a refund line."""
        return (self.order.total if self.amount is None else self.amount) if self.refund is None else 0

    @property
    def refunded(self) -> int:
        """退款金额 in fen."""
        if self.refund is None:
            return 0
        return self.refund.amount if self.amount is None else self.amount

    @property
    def fee(self) -> int:
        """手续费 in fen, 0.6% rounded half up, negative (given back) on a refund line."""
        return (self.settled * FEE_RATE_PER_MILLE + 500) // 1000 - (self.refunded * FEE_RATE_PER_MILLE + 500) // 1000

    def values(self) -> list[str]:
        """The 27 values of the line."""
        o, r = self.order, self.refund
        return [
            self.at.astimezone(wire.BEIJING).strftime("%Y-%m-%d %H:%M:%S"), o.appid, o.mchid, "0", "",
            o.transaction_id, o.out_trade_no, o.payer_openid, o.trade_type, "SUCCESS" if r is None else "REFUND",
            "OTHERS", o.currency, wire.format_amount(self.settled), "0.00", r.refund_id if r else "0",
            r.out_refund_no if r else "0", wire.format_amount(self.refunded), "0.00", "ORIGINAL" if r else "",
            r.status.value if r else "", o.description, o.attach, fee_text(self.fee), "0.60%",
            wire.format_amount(self.settled), wire.format_amount(self.refunded), "",
        ]


def fee_text(fen: int) -> str:
    """A fee with five decimals, as WeChat writes them: 1 -> "0.01000"."""
    return wire.format_amount(fen) + "000"


def line(values: list[str]) -> str:
    """A CSV line in WeChat's style: each value after a backtick, commas in values blanked."""
    return ",".join("`" + value.replace(",", " ") for value in values)


def rows(orders: list[Order], day: date, bill_type: str,
         edits: Mapping[EditKey, BillEdit] | None = None) -> list[BillRow]:
    """The payments and refunds of day (Beijing time) that bill_type covers, in time order, as edited."""
    found: list[BillRow] = []
    edits = edits or {}
    for order in orders:
        if bill_type != "REFUND" and order.success_time:
            found.extend(_edited(BillRow(order, order.success_time), order.success_time, edits, day))
        for refund in order.refunds.values():
            if bill_type != "SUCCESS":
                found.extend(_edited(BillRow(order, refund.success_time or refund.created, refund), refund.created,
                                     edits, day))
    return sorted(found, key=lambda row: row.at)


def _edited(row: BillRow, counted: datetime, edits: Mapping[EditKey, BillEdit], day: date) -> list[BillRow]:
    """The line as the bill shows it; `counted` is when it counts (a refund: when it was asked)."""
    key = (row.order.mchid, row.order.out_trade_no, row.refund.out_refund_no if row.refund else "")
    edit = edits.get(key, BillEdit())
    if edit.finished is not None:
        row, counted = replace(row, at=edit.finished), edit.finished
    if edit.omit or counted.astimezone(wire.BEIJING).date() != day:
        return []
    return [replace(row, amount=edit.amount)]


def bill_csv(lines: list[BillRow]) -> str:
    """The whole bill: header, lines, then the totals."""
    fen = [sum(r.settled for r in lines), sum(r.refunded for r in lines), 0, sum(r.fee for r in lines)]
    totals = [str(len(lines)), wire.format_amount(fen[0]), wire.format_amount(fen[1]), "0.00", fee_text(fen[3]),
              wire.format_amount(fen[0]), wire.format_amount(fen[1])]
    return "\r\n".join([COLUMNS, *(line(r.values()) for r in lines), SUMMARY_COLUMNS, line(totals), ""])


def trade_bill(wechat: WeChatEmulator, merchant: Merchant, call: Call) -> Reply:
    """GET /v3/bill/tradebill?bill_date=…&bill_type=…&tar_type=…: where to download the day's bill."""
    text, bill_type = call.query.get("bill_date", ""), call.query.get("bill_type", "ALL")
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError as e:
        raise param_error("bill_date格式错误，应为YYYY-MM-DD") from e
    if bill_type not in BILL_TYPES:
        raise param_error("bill_type应为ALL、SUCCESS或REFUND")
    lines = rows(wechat.store.merchant_orders(merchant.mchid), day, bill_type, wechat.store.bill_edits)
    if not lines:
        raise ApiError(400, "NO_STATEMENT_EXIST", "当日无账单")
    content = bill_csv(lines).encode("utf-8")
    token = wechat.store.issue_bill_link(BillLink(merchant.mchid, content, call.query.get("tar_type") == "GZIP"))
    return Reply(payload={
        "hash_type": "SHA1", "hash_value": hashlib.sha1(content, usedforsecurity=False).hexdigest(),
        "download_url": f"{wechat.base_url}/v3/billdownload/file?token={token}",
    })


def download(wechat: WeChatEmulator, merchant: Merchant, call: Call) -> Reply:
    """GET /v3/billdownload/file?token=…: the bill (gzipped when asked), signed request, unsigned answer."""
    link = wechat.store.bill_links.get(call.query.get("token", ""))
    if link is None or link.mchid != merchant.mchid:
        raise ApiError(404, "RESOURCE_NOT_EXISTS", "账单下载链接不存在或已过期")
    return Reply(raw=gzip.compress(link.content, mtime=0) if link.gzip else link.content)
