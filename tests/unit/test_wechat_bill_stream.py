"""The WeChat Pay bill as the gateway hands it to reconciliation: the gzip download ungzipped a buffer at a time
(never the whole uncompressed file in memory), the SHA1 of the uncompressed lines checked after the last row."""

from __future__ import annotations

import gzip
import hashlib
import io
import tracemalloc

import pytest

from adapters.gateways.wechat.bill import checked_bill, expected_sha1, uncompressed_lines
from adapters.gateways.wechat.bill_rows import WeChatBill
from application.errors import BillCorrupt, ProviderError
from tests.unit.test_bill_rows import WECHAT_HEADER, WECHAT_ROWS, WECHAT_SUMMARY, sha1_of, wechat_text

ROWS = 60_000  # ~14 MB uncompressed
PEAK_BOUND = 4 * 1024 * 1024  # bytes allocated at most while the whole bill is read


def big_bill(rows: int) -> tuple[bytes, str, int]:
    """A gzipped bill of `rows` payments of 6.00 (written through gzip, never whole), its SHA1, its size."""
    digest, size, out = hashlib.sha1(usedforsecurity=False), 0, io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=1) as f:
        def write(line: str) -> None:
            nonlocal size
            data = (line + "\r\n").encode()
            digest.update(data)
            size += len(data)
            f.write(data)

        write(WECHAT_HEADER)
        for n in range(rows):
            write(WECHAT_ROWS[0].replace("`T20261124001", f"`T{n:011d}"))
        write(WECHAT_SUMMARY[0])
        write(f"`{rows},`{6 * rows}.00,`0.00,`0.00,`{4 * rows // 100}.{4 * rows % 100:02d}000,`{6 * rows}.00,`0.00")
    return out.getvalue(), digest.hexdigest(), size


def test_a_large_bill_is_read_in_bounded_memory_and_its_sha1_checked_at_the_end() -> None:
    content, sha1, size = big_bill(ROWS)
    assert size > 12 * 1024 * 1024 > 4 * len(content)  # what ungzipping it whole would have held
    tracemalloc.start()
    try:
        bill = WeChatBill(uncompressed_lines(content), sha1)
        count = sum(1 for _ in bill.rows())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == ROWS
    assert (bill.totals.payments, bill.totals.payment_amount) == (ROWS, 600 * ROWS)
    assert peak < PEAK_BOUND, f"reading a {size / 2**20:.0f} MB bill peaked at {peak / 2**20:.1f} MB"


def test_a_wrong_sha1_is_found_after_the_last_row_before_the_rows_are_taken_as_the_bill() -> None:
    content, _, _ = big_bill(100)
    rows = WeChatBill(uncompressed_lines(content), "0" * 40).rows()
    read = [next(rows) for _ in range(100)]  # every row streams out first
    with pytest.raises(BillCorrupt, match="hash_value"):
        next(rows)
    assert len(read) == 100


def test_a_broken_gzip_stream_is_a_corrupt_bill() -> None:
    content, sha1, _ = big_bill(2000)
    with pytest.raises(BillCorrupt, match="gzip"):
        list(WeChatBill(uncompressed_lines(content[: len(content) // 2]), sha1).rows())


def test_an_uncompressed_bill_reads_the_same_and_the_whole_download_is_still_checked() -> None:
    text = wechat_text()
    assert b"".join(uncompressed_lines(text)) == text == b"".join(uncompressed_lines(gzip.compress(text)))
    answer = {"hash_type": "SHA1", "hash_value": sha1_of(text).upper()}
    assert expected_sha1(answer) == sha1_of(text)
    assert checked_bill(answer, gzip.compress(text)) == text
    with pytest.raises(ProviderError, match="gzip"):
        checked_bill(answer, gzip.compress(text)[:20])
    with pytest.raises(ProviderError, match="hash_type"):
        expected_sha1({"hash_type": "MD5", "hash_value": "x"})
