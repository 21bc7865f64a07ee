"""WeChat Pay's trade bill (`GET /v3/bill/tradebill`, bill_type ALL), read a line at a time.

The file is UTF-8 CSV: a header row, then one row per payment (交易状态 SUCCESS) or refund (交易状态 REFUND) whose
every cell starts with a backtick, then a summary header (总交易单数, 应结订单总金额, 退款总金额, 充值券退款总金额,
手续费总金额, 订单总金额, 申请退款总金额) and one summary row. WeChat gives the SHA1 of the uncompressed file; it is
computed as the lines stream by and checked, with the totals, after the last row.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Iterator

from adapters.gateways.bill_text import beijing_time, fen
from application.bills import BillRow, BillRowKind, BillTotals, check_totals
from application.errors import BillCorrupt

SUMMARY_HEADER = "总交易单数"
NEEDED = ("交易时间", "微信订单号", "商户订单号", "交易状态", "应结订单金额", "商户退款单号", "退款金额", "退款状态",
          "手续费")
FEE_PLACES = 5  # WeChat writes fees as 0.04000


def cells(line: str) -> list[str]:
    """The values of a backticked line: each cell is a backtick and its value (values hold no `,`` )."""
    return line[1:].split(",`") if line.startswith("`") else line.split(",")


class WeChatBill:
    """The rows of one bill, streamed; `totals` once they have all been read and checked."""

    def __init__(self, lines: Iterable[bytes], sha1: str | None = None) -> None:
        self._lines, self._sha1 = lines, sha1
        self.totals = BillTotals()
        self._settled = 0  # 应结订单金额 summed, for the check against 应结订单总金额

    def rows(self) -> Iterator[BillRow]:
        """Each payment and refund; BillCorrupt, after the last one, if the file is not whole."""
        digest = hashlib.sha1(usedforsecurity=False)
        columns: dict[str, int] | None = None
        summary: list[str] | None = None
        in_summary = False
        for number, data in enumerate(self._lines, start=1):
            digest.update(data)
            line = data.decode("utf-8", "replace").lstrip("\ufeff").rstrip("\r\n")
            if not line.strip():
                continue
            if columns is None:
                columns = self._columns(line)
            elif line.startswith(SUMMARY_HEADER):
                in_summary = True
            elif in_summary:
                summary = cells(line)
            else:
                yield self.totals.count(self._row(cells(line), columns, line, number))
        if self._sha1 is not None and not hmac.compare_digest(digest.hexdigest(), self._sha1.lower()):
            raise BillCorrupt("the WeChat Pay bill does not match its hash_value: the download is damaged")
        self._check(summary)

    @staticmethod
    def _columns(line: str) -> dict[str, int]:
        columns = {name.strip(): i for i, name in enumerate(cells(line))}
        missing = [name for name in NEEDED if name not in columns]
        if missing:
            raise BillCorrupt(f"the WeChat Pay bill's header lacks {', '.join(missing)}")
        return columns

    def _row(self, values: list[str], columns: dict[str, int], line: str, number: int) -> BillRow:
        if len(values) < len(columns):
            raise BillCorrupt(f"line {number} of the WeChat Pay bill has {len(values)} cells, not {len(columns)}")
        c = columns
        try:
            settled = fen(values[c["应结订单金额"]], "应结订单金额")
            self._settled += settled
            status = values[c["交易状态"]].strip()
            refund = status == "REFUND"
            total = fen(values[c["订单金额"]], "订单金额") if "订单金额" in c else settled
            return BillRow(
                kind=BillRowKind.REFUND if refund else BillRowKind.PAYMENT,
                provider_trade_no=values[c["微信订单号"]].strip(), order_no=values[c["商户订单号"]].strip(),
                refund_no=values[c["商户退款单号"]].strip() if refund else "",
                amount=fen(values[c["退款金额"]], "退款金额") if refund else total,
                fee=fen(values[c["手续费"]], "手续费", FEE_PLACES),
                status=values[c["退款状态"]].strip() if refund else status,
                time=beijing_time(values[c["交易时间"]], "交易时间"), raw=line)
        except BillCorrupt as e:
            raise BillCorrupt(f"line {number} of the WeChat Pay bill: {e.message}") from e

    def _check(self, summary: list[str] | None) -> None:
        if summary is None or len(summary) < 5:
            raise BillCorrupt("the WeChat Pay bill has no summary row: it is incomplete; download it again")
        t = self.totals
        check_totals("WeChat Pay bill", [
            ("总交易单数", _count(summary[0]), t.payments + t.refunds),
            ("应结订单总金额", fen(summary[1], "应结订单总金额"), self._settled),
            ("退款总金额", fen(summary[2], "退款总金额"), t.refund_amount),
            ("手续费总金额", fen(summary[4], "手续费总金额", FEE_PLACES), t.fees),
        ])


def _count(text: str) -> int:
    if not text.strip().isdigit():
        raise BillCorrupt(f"总交易单数 {text[:20]!r} is not a number")
    return int(text)
