"""WeChat Pay's trade bill (`GET /v3/bill/tradebill`, bill_type ALL), read a line at a time.

The file is UTF-8 CSV: a header row, then one row per payment (交易状态 SUCCESS) or refund (交易状态 REFUND) whose
every cell starts with a backtick, then a summary header (总交易单数, 应结订单总金额, 退款总金额, 充值券退款总金额,
手续费总金额, 订单总金额, 申请退款总金额) and one summary row. WeChat gives the SHA1 of the uncompressed file; it is
computed as the lines stream by and checked, with the totals, after the last row.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Iterator

from adapters.gateways.bill_text import Memo, beijing_time, fen
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
        read: Callable[[list[str], str, int], BillRow] | None = None
        for number, data in enumerate(self._lines, start=1):
            digest.update(data)
            line = data.decode("utf-8", "replace").rstrip("\r\n")
            if not line or line.isspace():
                continue
            if read is None:
                columns = self._columns(line.lstrip("\ufeff"))
                read = self._reader(columns)
            elif line.startswith(SUMMARY_HEADER):
                in_summary = True
            elif in_summary:
                summary = cells(line)
            else:
                yield read(cells(line), line, number)
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

    def _reader(self, c: dict[str, int]) -> Callable[[list[str], str, int], BillRow]:
        """How a data row is read, its columns' places looked up once (a bill has a million rows)."""
        width, totals = len(c), self.totals
        times, yuan, fees = Memo(beijing_time), Memo(fen), Memo(lambda text, what: fen(text, what, FEE_PLACES))
        at, trade, order, state = c["交易时间"], c["微信订单号"], c["商户订单号"], c["交易状态"]
        settled_at, refund_at, refunded_at = c["应结订单金额"], c["商户退款单号"], c["退款金额"]
        refund_state, fee_at = c["退款状态"], c["手续费"]
        total_at = c.get("订单金额", settled_at)
        payment, refund = BillRowKind.PAYMENT, BillRowKind.REFUND

        def read(values: list[str], line: str, number: int) -> BillRow:
            if len(values) < width:
                raise BillCorrupt(f"line {number} of the WeChat Pay bill has {len(values)} cells, not {width}")
            try:
                settled = yuan(values[settled_at], "应结订单金额")
                self._settled += settled
                status = values[state].strip()
                fee = fees(values[fee_at], "手续费")
                moment = times(values[at], "交易时间")
                if status == "REFUND":
                    amount = yuan(values[refunded_at], "退款金额")
                    totals.refunds += 1
                    totals.refund_amount += amount
                    totals.fees += fee
                    return BillRow(refund, values[trade].strip(), values[order].strip(), values[refund_at].strip(),
                                   amount, fee, values[refund_state].strip(), moment, line)
                amount = yuan(values[total_at], "订单金额") if total_at != settled_at else settled
                totals.payments += 1
                totals.payment_amount += amount
                totals.fees += fee
                return BillRow(payment, values[trade].strip(), values[order].strip(), "", amount, fee, status, moment,
                               line)
            except BillCorrupt as e:
                raise BillCorrupt(f"line {number} of the WeChat Pay bill: {e.message}") from e

        return read

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
