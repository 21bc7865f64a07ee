"""Both providers' bill files read as streamed, typed rows, on files laid out as the providers write them (GBK
ZIP entries named in GBK without the UTF-8 flag, tabs after Alipay's cells, WeChat's backticks and five-decimal
fees, byte-order marks), and refused as corrupt when they do not add up to their own totals or hash."""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from adapters.gateways.alipay.bill_rows import AlipayBill
from adapters.gateways.wechat.bill_rows import WeChatBill
from application.bills import BillRow, BillRowKind
from application.errors import BillCorrupt

# The marker lines exactly as Alipay's files have them (41 dashes, then 40 or 36).
START = "#" + "-" * 41 + "业务明细列表" + "-" * 40
END = "#" + "-" * 41 + "业务明细列表结束" + "-" * 36
ALIPAY_HEADER = ("支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,"
                 "订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,"
                 "券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注")


def alipay_line(trade_no: str, order_no: str, kind: str, finished: str, total: str, received: str, request_no: str,
                fee: str) -> str:
    values = [trade_no, order_no, kind, "论文润色", "2026-11-24 09:59:00", finished, "", "", "", "", "abc***@163.com",
              total, received, "0.00", "0.00", "0.00", "0.00", "0.00", "", "0.00", "0.00", request_no, fee, "0.00", ""]
    return ",".join(v + "\t" for v in values)


LINES = [
    alipay_line("2026112422001400001", "T20261124001", "交易", "2026-11-24 10:00:01", "99.90", "99.90", "", "-0.60"),
    alipay_line("2026112422001400002", "T20261124002", "交易", "2026-11-24 23:59:59", "0.01", "0.01", "", "0.00"),
    alipay_line("2026112422001400001", "T20261124001", "退款", "2026-11-24 12:00:00", "99.90", "-30.00", "R001",
                "0.18"),
]


PERIOD = "#起始日期：[2026年11月24日 00:00:00]   终止日期：[2026年11月25日 00:00:00]"


def detail_file(lines: list[str], paid: str = "2笔，商家实收共99.91元", refunded: str = "1笔，商家实收共-30.00元",
                ) -> str:
    return "\r\n".join(["#支付宝业务明细查询", "#账号：[20880000000000000156]", PERIOD, START, ALIPAY_HEADER,
                        *lines, END, f"#交易合计：{paid}，商家优惠共0.00元", f"#退款合计：{refunded}，商家优惠共0.00元",
                        "#导出时间：[2026年11月25日 09:12:44]", ""])


SUMMARY = "\r\n".join(["#支付宝业务汇总查询", "#账号：[20880000000000000156]",
                       "门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）,服务费（元）,分润（元）,实收净额（元）",
                       ",合计,2,1,99.91,69.91,-0.42,0.00,69.49", "#导出时间：[2026年11月25日 09:12:44]", ""])


def gbk_named_zip(files: dict[str, str]) -> bytes:
    """A ZIP as Alipay serves it: GBK contents under GBK names without the UTF-8 flag (Python's zipfile would
    write UTF-8 names, so each is written under an ASCII stand-in of the same length, then patched)."""
    buffer = io.BytesIO()
    stand_ins: dict[bytes, bytes] = {}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, (name, text) in enumerate(files.items()):
            raw = name.encode("gbk")
            stand_in = f"{n}".encode().ljust(len(raw), b"x")
            stand_ins[stand_in] = raw
            archive.writestr(stand_in.decode(), text.encode("gbk"))
    data = buffer.getvalue()
    for stand_in, raw in stand_ins.items():
        data = data.replace(stand_in, raw)
    return data


def alipay(detail: str, summary: str = SUMMARY) -> tuple[list[BillRow], AlipayBill]:
    bill = AlipayBill(io.BytesIO(gbk_named_zip({"20880000000000000156_20261124_业务明细.csv": detail,
                                                 "20880000000000000156_20261124_业务明细(汇总).csv": summary})))
    return list(bill.rows()), bill


def test_an_alipay_bill_as_alipay_writes_it_reads_as_typed_rows_in_fen() -> None:
    rows, bill = alipay(detail_file(LINES))
    assert [(r.kind, r.order_no, r.refund_no, r.amount, r.fee) for r in rows] == [
        (BillRowKind.PAYMENT, "T20261124001", "", 9990, 60), (BillRowKind.PAYMENT, "T20261124002", "", 1, 0),
        (BillRowKind.REFUND, "T20261124001", "R001", 3000, -18)]
    assert rows[1].time == datetime(2026, 11, 24, 15, 59, 59, tzinfo=UTC)  # 23:59:59 in Beijing
    assert rows[0].provider_trade_no == "2026112422001400001"
    assert rows[2].raw == LINES[2]
    assert (bill.totals.payments, bill.totals.payment_amount, bill.totals.refunds, bill.totals.refund_amount,
            bill.totals.fees) == (2, 9991, 1, 3000, 42)


@pytest.mark.parametrize(("detail", "summary", "named"), [
    (detail_file(LINES, paid="2笔，商家实收共99.92元"), SUMMARY, "交易合计 商家实收"),
    (detail_file(LINES[:2]), SUMMARY, "退款合计 笔数"),
    (detail_file(LINES), SUMMARY.replace(",合计,2,1,", ",合计,3,1,"), "汇总 交易订单总笔数"),
    (detail_file(LINES).replace(END, ""), SUMMARY, "never ends"),
])
def test_an_alipay_bill_that_does_not_add_up_is_refused_after_its_rows(detail: str, summary: str, named: str) -> None:
    with pytest.raises(BillCorrupt, match=named):
        alipay(detail, summary)


def test_an_alipay_amount_finer_than_a_fen_or_an_unknown_kind_is_refused() -> None:
    with pytest.raises(BillCorrupt, match="not an amount"):
        alipay(detail_file([LINES[0].replace("99.90\t,99.90", "99.901\t,99.90")]))
    with pytest.raises(BillCorrupt, match="neither 交易 nor 退款"):
        alipay(detail_file([LINES[0].replace("交易", "转账")]))


@pytest.mark.parametrize(("good", "bad", "named"), [
    ("2026-11-24 10:00:01", "2026/11/24 10:00:01", "完成时间 '2026/11/24 10:00:01' is not a time"),
    ("-0.60\t", "-0.6x\t", "服务费 '-0.6x' is not an amount"),
    ("abc***@163.com\t,99.90", "abc***@163.com\t,99.9.0", "订单金额 '99.9.0' is not an amount"),
])
def test_an_alipay_row_after_good_ones_with_a_bad_value_is_refused_naming_its_line_and_cell(
        good: str, bad: str, named: str) -> None:
    """The reader remembers each value it has read (a million rows share few): a bad one after good rows is
    still read, and refused."""
    with pytest.raises(BillCorrupt, match=r"^line \d+: " + re.escape(named)):
        alipay(detail_file([LINES[0], LINES[0].replace(good, bad, 1)]))


def test_the_emulators_alipay_bill_reads_the_same_way() -> None:
    from emulator.alipay import bills
    from emulator.alipay.trades import Trade

    paid = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    trade = Trade(app_id="2021000000000001", out_trade_no="T20261124009", trade_no="2026112422009", subject="论文",
                  total_amount=1234, product_code="FAST_INSTANT_TRADE_PAY", method="alipay.trade.page.pay",
                  gmt_create=paid - timedelta(minutes=1), gmt_payment=paid)
    content = bills.bill_zip("2088000000000000", date(2026, 11, 24), bills.rows([trade], date(2026, 11, 24)), paid)
    bill = AlipayBill(io.BytesIO(content))
    assert [(r.order_no, r.amount) for r in bill.rows()] == [("T20261124009", 1234)]
    assert (bills.START_LINE, bills.END_LINE) == (START, END)  # the emulator writes Alipay's marker lines


WECHAT_HEADER = ("交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,"
                 "付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,"
                 "商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注")
WECHAT_ROWS = [  # shaped as the rows WxJava's tests quote from real bills
    "`2026-11-24 08:35:41,`wx2421b1c4370ec43b,`1900000001,`0,`,`4200002086202611240745964084,`T20261124001,"
    "`o2RW45oGxo1Z8Fhcf6Oy9rMM7aT8,`NATIVE,`SUCCESS,`OTHERS,`CNY,`6.00,`0.00,`0,`0,`0.00,`0.00,`,`,`论文润色,`,"
    "`0.04000,`0.60%,`6.00,`0.00,`",
    "`2026-11-24 22:45:16,`wx2421b1c4370ec43b,`1900000001,`0,`,`4200002086202611240745964084,`T20261124001,"
    "`o2RW45oGxo1Z8Fhcf6Oy9rMM7aT8,`NATIVE,`REFUND,`OTHERS,`CNY,`0.00,`0.00,`50303108562026112401487282563,"
    "`R20261124001,`1.42,`0.00,`ORIGINAL,`SUCCESS,`论文润色,`,`-0.01000,`0.60%,`0.00,`1.42,`",
]
WECHAT_SUMMARY = ["总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额",
                  "`2,`6.00,`1.42,`0.00,`0.03000,`6.00,`1.42"]


def wechat_text(rows: list[str] = WECHAT_ROWS, summary: list[str] = WECHAT_SUMMARY) -> bytes:
    return ("\ufeff" + "\r\n".join([WECHAT_HEADER, *rows, *summary, ""])).encode("utf-8")


def sha1_of(content: bytes) -> str:
    return hashlib.sha1(content, usedforsecurity=False).hexdigest()  # WeChat's choice, for integrity only


def wechat(content: bytes, sha1: str | None = None) -> tuple[list[BillRow], WeChatBill]:
    bill = WeChatBill(io.BytesIO(content), sha1 if sha1 is not None else sha1_of(content))
    return list(bill.rows()), bill


def test_a_wechat_bill_reads_as_typed_rows_with_its_hash_and_totals_checked() -> None:
    rows, bill = wechat(wechat_text())
    assert [(r.kind, r.order_no, r.refund_no, r.amount, r.fee, r.status) for r in rows] == [
        (BillRowKind.PAYMENT, "T20261124001", "", 600, 4, "SUCCESS"),
        (BillRowKind.REFUND, "T20261124001", "R20261124001", 142, -1, "SUCCESS")]
    assert rows[0].provider_trade_no == "4200002086202611240745964084"
    assert rows[1].time == datetime(2026, 11, 24, 14, 45, 16, tzinfo=UTC)  # 22:45:16 in Beijing
    assert (bill.totals.payments, bill.totals.refund_amount, bill.totals.fees) == (1, 142, 3)


def test_a_gzipped_wechat_bill_streams_through_gzip() -> None:
    content = wechat_text()
    with gzip.open(io.BytesIO(gzip.compress(content))) as stream:
        assert len(list(WeChatBill(stream, sha1_of(content)).rows())) == 2


@pytest.mark.parametrize(("content", "sha1", "named"), [
    (wechat_text(), "0" * 40, "hash_value"),
    (wechat_text(summary=[WECHAT_SUMMARY[0], "`3,`6.00,`1.42,`0.00,`0.03000,`6.00,`1.42"]), None, "总交易单数"),
    (wechat_text(summary=[WECHAT_SUMMARY[0], "`2,`6.00,`1.42,`0.00,`0.04000,`6.00,`1.42"]), None, "手续费总金额"),
    (wechat_text(summary=[]), None, "no summary row"),
    (wechat_text(rows=[WECHAT_ROWS[0].replace("`0.04000", "`0.00600")]), None, "finer than a fen"),
])
def test_a_wechat_bill_that_is_damaged_is_refused(content: bytes, sha1: str | None, named: str) -> None:
    with pytest.raises(BillCorrupt, match=named):
        wechat(content, sha1)


def test_the_emulators_wechat_bill_reads_the_same_way() -> None:
    from emulator.wechat import bills

    header, *rows = bills.bill_csv([]).split("\r\n")
    assert header == WECHAT_HEADER  # the emulator's columns are WeChat's, in WeChat's order
    assert rows[0] == bills.SUMMARY_COLUMNS


def test_rows_stream_one_at_a_time_without_reading_the_whole_file() -> None:
    def lines() -> Iterator[bytes]:
        yield (WECHAT_HEADER + "\r\n").encode()
        yield (WECHAT_ROWS[0] + "\r\n").encode()
        raise AssertionError("read past the first row before it was asked for")

    first = next(WeChatBill(lines()).rows())
    assert first.order_no == "T20261124001"
