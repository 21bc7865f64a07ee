"""Alipay's trade bill (`alipay.data.dataservice.bill.downloadurl.query`, bill_type trade), read a line at a time.

The download is a ZIP of GBK CSV files. The detail file (`…_业务明细.csv`) has its rows between the
`#-----…业务明细列表----…` and `#-----…业务明细列表结束----…` lines, each cell followed by a tab, then the day's
totals (`#交易合计：N笔，商家实收共X元…`, `#退款合计：…`); the summary file (`…_业务明细(汇总).csv`) has per-store
lines and a 合计 line. Refund rows (业务类型 退款) carry negative amounts. The rows are checked against both files'
totals after the last one.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from typing import IO

from adapters.gateways.bill_text import Memo, beijing_time, fen
from application.bills import BillRow, BillRowKind, BillTotals, check_totals
from application.errors import BillCorrupt

DETAIL, SUMMARY = "_业务明细.csv", "_业务明细(汇总).csv"
START, END = "业务明细列表", "业务明细列表结束"
NEEDED = ("支付宝交易号", "商户订单号", "业务类型", "完成时间", "订单金额（元）", "商家实收（元）", "退款批次号/请求号",
          "服务费（元）")
KINDS = {"交易": BillRowKind.PAYMENT, "退款": BillRowKind.REFUND}
_STATED = re.compile(r"#(交易|退款)合计：(\d+)笔，商家实收共(-?[\d.]+)元")
UTF8_NAME = 0x800  # a ZIP entry's flag: its name is UTF-8; Alipay's names are GBK without it


def member_name(info: zipfile.ZipInfo) -> str:
    """An entry's real name: Python reads names without the UTF-8 flag as cp437, Alipay writes them in GBK."""
    if info.flag_bits & UTF8_NAME:
        return info.filename
    return info.filename.encode("cp437").decode("gbk", "replace")


class AlipayBill:
    """The rows of one bill ZIP, streamed; `totals` once they have all been read and checked."""

    def __init__(self, archive: IO[bytes], owns_file: bool = False) -> None:
        """`owns_file`: the archive's file is closed once the rows have been read (or when this fails)."""
        self._file = archive if owns_file else None
        try:
            self._zip = zipfile.ZipFile(archive)
        except zipfile.BadZipFile as e:
            self._close()
            raise BillCorrupt("the Alipay bill is not a ZIP file") from e
        names = {member_name(info): info for info in self._zip.infolist()}
        detail = [info for name, info in names.items() if name.endswith(DETAIL)]
        summary = [info for name, info in names.items() if name.endswith(SUMMARY)]
        if len(detail) != 1 or len(summary) != 1:
            raise BillCorrupt(f"the Alipay bill ZIP holds {sorted(names)}, not one {DETAIL} and one {SUMMARY}")
        self._detail, self._summary = detail[0], summary[0]
        self.totals = BillTotals()

    def rows(self) -> Iterator[BillRow]:
        """Each payment and refund; BillCorrupt, after the last one, if the files do not agree."""
        try:
            yield from self._rows()
        finally:
            self._close()

    def _close(self) -> None:
        if self._file is not None:
            self._file.close()

    def _rows(self) -> Iterator[BillRow]:
        received = {BillRowKind.PAYMENT: 0, BillRowKind.REFUND: 0}  # 商家实收, signed as in the file
        stated: dict[str, tuple[int, int]] = {}
        with self._open(self._detail) as text:
            read: Callable[[str, int], tuple[BillRow, int]] | None = None
            inside = done = False
            for number, line in enumerate(text, start=1):
                line = line.rstrip("\r\n")
                if line.startswith("#"):
                    inside, done = (False, True) if END in line else (inside or START in line, done)
                    if (found := _STATED.match(line)) is not None:
                        stated[found.group(1)] = (int(found.group(2)), fen(found.group(3), found.group(1) + "合计"))
                elif inside and read is None:
                    read = _reader(_columns(line))
                elif inside and read is not None and line.strip():
                    row, signed = read(line, number)
                    received[row.kind] += signed
                    yield self.totals.count(row)
        if not done or read is None:
            raise BillCorrupt("the Alipay bill's detail list never ends: it is incomplete; download it again")
        self._check(stated, received)

    def _open(self, info: zipfile.ZipInfo) -> io.TextIOWrapper:
        return io.TextIOWrapper(self._zip.open(info), encoding="gbk", errors="replace", newline="")

    def _check(self, stated: dict[str, tuple[int, int]], received: dict[BillRowKind, int]) -> None:
        if set(stated) != {"交易", "退款"}:
            raise BillCorrupt("the Alipay bill's detail file has no 交易合计 or 退款合计 line")
        t = self.totals
        with self._open(self._summary) as text:
            total = next((line for line in csv.reader(text) if len(line) > 5 and line[1].strip() == "合计"), None)
        if total is None:
            raise BillCorrupt("the Alipay bill's summary file has no 合计 line")
        check_totals("Alipay bill", [
            ("交易合计 笔数", stated["交易"][0], t.payments), ("交易合计 商家实收", stated["交易"][1],
                                                             received[BillRowKind.PAYMENT]),
            ("退款合计 笔数", stated["退款"][0], t.refunds), ("退款合计 商家实收", stated["退款"][1],
                                                             received[BillRowKind.REFUND]),
            ("汇总 交易订单总笔数", _count(total[2]), t.payments), ("汇总 退款订单总笔数", _count(total[3]), t.refunds),
            ("汇总 商家实收", fen(total[5], "汇总 商家实收"), sum(received.values())),
        ])


def _columns(line: str) -> dict[str, int]:
    columns = {name.strip(): i for i, name in enumerate(line.split(","))}
    missing = [name for name in NEEDED if name not in columns]
    if missing:
        raise BillCorrupt(f"the Alipay bill's detail header lacks {', '.join(missing)}")
    return columns


def _reader(columns: dict[str, int]) -> Callable[[str, int], tuple[BillRow, int]]:
    """How a detail line is read into the row and its 商家实收 in fen (signed as written): the columns' places
    looked up once, each distinct amount and time read once (a bill has a million rows)."""
    width = len(columns)
    trade_at, order_at, kind_at, time_at = (columns[n] for n in ("支付宝交易号", "商户订单号", "业务类型", "完成时间"))
    total_at, received_at, request_at, fee_at = (columns[n] for n in (
        "订单金额（元）", "商家实收（元）", "退款批次号/请求号", "服务费（元）"))
    yuan, times = Memo(fen), Memo(beijing_time)
    known_yuan, known_time, refund_kind = yuan.known, times.known, BillRowKind.REFUND

    def read(line: str, number: int) -> tuple[BillRow, int]:
        values = line.split(",")
        if len(values) < width:
            raise BillCorrupt(f"line {number} of the Alipay bill has {len(values)} cells, not {width}")
        kind = KINDS.get(values[kind_at].strip())
        if kind is None:
            raise BillCorrupt(f"line {number}: 业务类型 {values[kind_at].strip()[:20]!r} is neither 交易 nor 退款")
        received_text, fee_text = values[received_at].strip(), values[fee_at].strip()
        time_text = values[time_at].strip()
        try:
            received = known_yuan(received_text)
            if received is None:
                received = yuan(received_text, "商家实收")
            fee = known_yuan(fee_text)
            if fee is None:
                fee = yuan(fee_text, "服务费")
            moment = known_time(time_text)
            if moment is None:
                moment = times(time_text, "完成时间")
            if kind is refund_kind:
                return BillRow(kind, values[trade_at].strip(), values[order_at].strip(), values[request_at].strip(),
                               -received, -fee, "REFUND", moment, line), received
            total_text = values[total_at].strip()
            total = known_yuan(total_text)
            if total is None:
                total = yuan(total_text, "订单金额")
        except BillCorrupt as e:
            raise BillCorrupt(f"line {number}: {e.message}") from e
        # Alipay writes a fee taken as negative
        return BillRow(kind, values[trade_at].strip(), values[order_at].strip(), "", total, -fee, "SUCCESS", moment,
                       line), received

    return read


def _count(text: str) -> int:
    if not text.strip().isdigit():
        raise BillCorrupt(f"a count {text[:20]!r} in the Alipay bill is not a number")
    return int(text.strip())
