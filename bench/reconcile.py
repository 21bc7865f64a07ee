"""Reconciliation at scale: a bill of N rows in each provider's format (WeChat Pay's backticked CSV; Alipay's ZIP of
GBK CSV files, read from the ZIP as a stream) and N matching paid payments (with a few planted discrepancies the
run must find), reconciled end to end (load the day's payments, stream and parse the bill past
them, look up the rows that disagree) and, beside it in the same run, the time to merely parse the same file (the
floor: reading the bill is unavoidable); peak memory of each. PostgreSQL: PAYCORE_BENCH_POSTGRES_URL (its public
schema is dropped and made again), default postgresql+asyncpg://postgres@127.0.0.1:5432/paycore_bench.

    .venv/bin/python bench/reconcile.py                                  # 100,000 and 1,000,000 rows, SQLite
    .venv/bin/python bench/reconcile.py --rows 100000 --backends sqlite,postgres
    .venv/bin/python bench/reconcile.py --rows 1000000 --providers alipay        # one provider's format
    .venv/bin/python bench/reconcile.py --smoke                          # CI: 2,000 rows, no thresholds

Each (rows, backend) runs in its own process, so its peak RSS is its own. The local payments are written straight
into the payments table before the clock starts (setting up, not reconciling).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DAY = date(2026, 11, 24)
PG_URL = os.environ.get("PAYCORE_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/paycore_bench")
HEADER = ("交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,"
          "货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,"
          "商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注")
PLANTED = {"amount_mismatch": 3, "missing_locally": 2, "missing_at_provider": 2}


def order_no(n: int) -> str:
    return f"B{n:011d}"


def planted(rows: int) -> Iterator[tuple[int, int]]:
    """The bill's (n, fen): the day's payments but the last two, three of them with another amount, and two more
    paycore never made."""
    wanted = itertools.chain(range(rows - PLANTED["missing_at_provider"]),
                             range(rows, rows + PLANTED["missing_locally"]))  # never a list: memory is measured
    for n in wanted:
        yield n, n % 9999 + 1 + (1 if n < PLANTED["amount_mismatch"] else 0)


def alipay_bill(rows: int, path: Path) -> None:
    """The same bill in Alipay's layout: a ZIP of the GBK 业务明细 file (tab after every cell, marker lines, the
    day's 交易合计) and the 业务明细(汇总) file, each written as a stream."""
    from emulator.alipay.bills import COLUMNS, END_LINE, START_LINE

    count, settled = 0, 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("20880000000001560156_20261124_业务明细.csv", "w", force_zip64=True) as f:
            def write(line: str) -> None:
                f.write((line + "\r\n").encode("gbk"))

            period = "#起始日期：[2026年11月24日 00:00:00]   终止日期：[2026年11月25日 00:00:00]"
            for line in ("#支付宝业务明细查询", "#账号：[20880000000001560156]", period, START_LINE, COLUMNS):
                write(line)
            for n, fen in planted(rows):
                count, settled = count + 1, settled + fen
                minute = n % 1200
                at = f"2026-11-24 {2 + minute // 60:02d}:{minute % 60:02d}:00"
                yuan = f"{fen // 100}.{fen % 100:02d}"
                write(",".join(v + "\t" for v in (
                    f"2026112422{n:018d}", order_no(n), "交易", "论文润色", at, at, "", "", "", "", "buyer@example.com",
                    yuan, yuan, "0.00", "0.00", "0.00", "0.00", "0.00", "", "0.00", "0.00", "", "0.00", "0.00", "")))
            total = f"{settled // 100}.{settled % 100:02d}"
            for line in (END_LINE, f"#交易合计：{count}笔，商家实收共{total}元，商家优惠共0.00元，服务费共0.00元",
                         "#退款合计：0笔，商家实收共0.00元，商家优惠共0.00元，服务费共0.00元",
                         "#导出时间：[2026年11月25日 09:00:00]"):
                write(line)
        archive.writestr("20880000000001560156_20261124_业务明细(汇总).csv", "\r\n".join([
            "#支付宝业务汇总查询", "#账号：[20880000000001560156]",
            "门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）,服务费（元）,分润（元）,实收净额（元）",
            f",合计,{count},0,{total},{total},0.00,0.00,{total}", ""]).encode("gbk"))


def bill_file(rows: int, path: Path) -> str:
    """The bill of `rows` payments of 0.01–99.99 (the last two missing, three with another amount, two more paycore
    never made); its SHA1."""
    digest = hashlib.sha1(usedforsecurity=False)
    count, settled = 0, 0
    with path.open("wb") as f:
        def write(line: str) -> None:
            data = (line + "\r\n").encode()
            digest.update(data)
            f.write(data)

        write(HEADER)
        for n, fen in planted(rows):
            settled += fen
            count += 1
            minute = n % 1200
            yuan = f"{fen // 100}.{fen % 100:02d}"
            write(",".join("`" + v for v in (
                f"2026-11-24 {2 + minute // 60:02d}:{minute % 60:02d}:00", "wx2421b1c4370ec43b", "1900000001", "0",
                "", f"42000{n:023d}", order_no(n), "o2RW45oGxo1Z8Fhcf6Oy9rMM7aT8", "NATIVE", "SUCCESS", "OTHERS",
                "CNY", yuan, "0.00", "0", "0", "0.00", "0.00", "", "", "论文润色", "", "0.00000", "0.60%", yuan,
                "0.00", "")))
        write("总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额")
        total = f"{settled // 100}.{settled % 100:02d}"
        write(f"`{count},`{total},`0.00,`0.00,`0.00000,`{total},`0.00")
    return digest.hexdigest()


async def database(backend: str, tmp: Path) -> str:
    from adapters.sql.migrate import upgrade_async

    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp / 'reconcile.db'}"
    else:
        import asyncpg

        url = PG_URL
        conn = await asyncpg.connect(url.replace("+asyncpg", ""))
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        await conn.close()
    await upgrade_async(url)
    return url


async def local_payments(url: str, rows: int) -> None:
    """rows paid payments of config 1, paid on DAY (Beijing), in batches."""
    import sqlalchemy as sa

    from adapters.sql.engine import make_engine
    from adapters.sql.tables import payment_transaction

    engine = make_engine(url)
    paid = datetime(2026, 11, 23, 18, tzinfo=UTC)  # 02:00 on DAY in Beijing
    async with engine.begin() as conn:
        for start in range(0, rows, 10_000):
            await conn.execute(sa.insert(payment_transaction), [
                {"order_no": order_no(n), "payment_type": "wechat", "pay_method": "native", "config_id": 1,
                 "subject": "论文润色", "total_amount": Decimal(n % 9999 + 1).scaleb(-2),
                 "trade_status": "TRADE_SUCCESS",
                 "create_time": paid, "payment_time": paid + timedelta(minutes=n % 1200),
                 "expire_time": paid + timedelta(hours=1)} for n in range(start, min(rows, start + 10_000))])
    await engine.dispose()


def lines(path: Path):  # type: ignore[no-untyped-def]
    with path.open("rb") as f:
        yield from f


def reader(provider: str, rows: int, tmp: Path) -> Callable[[], Iterator[Any]]:
    """The bill written in the provider's format, and how to read its rows (each call: from the start)."""
    from adapters.gateways.alipay.bill_rows import AlipayBill
    from adapters.gateways.wechat.bill_rows import WeChatBill

    if provider == "alipay":
        alipay_bill(rows, tmp / "bill.zip")

        def alipay_rows() -> Iterator[Any]:
            with (tmp / "bill.zip").open("rb") as f:
                yield from AlipayBill(f).rows()

        return alipay_rows
    sha1 = bill_file(rows, tmp / "bill.csv")
    return lambda: WeChatBill(lines(tmp / "bill.csv"), sha1).rows()


async def one(rows: int, backend: str, mode: str, provider: str) -> dict[str, object]:
    from adapters.sql.bill_matcher import SqlBillMatcher
    from adapters.sql.engine import make_engine

    with tempfile.TemporaryDirectory(prefix="paycore-rec-") as directory:
        tmp = Path(directory)
        bill = reader(provider, rows, tmp)
        if mode == "parse":
            started = time.perf_counter()
            parsed = sum(1 for _ in bill())
            return {"rows": parsed, "seconds": time.perf_counter() - started}
        url = await database(backend, tmp)
        await local_payments(url, rows)
        engine = make_engine(url)
        matcher = SqlBillMatcher(engine)
        started = time.perf_counter()
        matched = await matcher.match(bill(), [1], DAY)
        seconds = time.perf_counter() - started
        staged, found = matched.rows, matched.found
        await engine.dispose()
    kinds: dict[str, int] = {}
    for d in found:
        kinds[d.kind.value] = kinds.get(d.kind.value, 0) + 1
    assert kinds == PLANTED, kinds  # every planted discrepancy found, nothing else
    return {"rows": staged, "seconds": seconds, "found": kinds}


def measure(rows: int, backend: str, mode: str, provider: str) -> dict[str, object]:
    """One measurement in its own process: its result and peak RSS."""
    out = subprocess.run([sys.executable, __file__, "--one", str(rows), backend, mode, provider],  # noqa: S603
                         capture_output=True, text=True, check=True).stdout
    return dict(json.loads(out.splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="100000,1000000")
    parser.add_argument("--backends", default="sqlite", help="of sqlite, postgres")
    parser.add_argument("--providers", default="wechat,alipay", help="of wechat, alipay: the bill's format")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--one", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        rows, backend, mode, provider = int(args.one[0]), args.one[1], args.one[2], args.one[3]
        result = asyncio.run(one(rows, backend, mode, provider))
        result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))  # noqa: T201
        return
    sizes = [2000] if args.smoke else [int(r) for r in args.rows.split(",")]
    print(f"{'rows':>9} {'bill':<7} {'backend':<9} {'parse only':>12} {'reconcile':>12} {'rows/s':>9} {'ratio':>6} "  # noqa: T201
          f"{'peak MB (parse / reconcile)':>28}")
    for provider, backend, rows in itertools.product(args.providers.split(","), args.backends.split(","), sizes):
        floor, full = measure(rows, backend, "parse", provider), measure(rows, backend, "reconcile", provider)
        f_s, r_s = float(str(floor["seconds"])), float(str(full["seconds"]))
        print(f"{rows:>9,} {provider:<7} {backend:<9} {f_s:>10.2f} s {r_s:>10.2f} s {rows / r_s:>9,.0f} "  # noqa: T201
              f"{f_s / r_s:>6.2f} {float(floor['peak_mb']):>13.0f} / {float(full['peak_mb']):.0f}", flush=True)


if __name__ == "__main__":
    main()
