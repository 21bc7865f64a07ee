"""Trade bills through the SDK: where to download, a signed download, WeChat's backtick CSV and its hash."""

from __future__ import annotations

import gzip
import hashlib
import json
from typing import Any

from emulator.wechat import wire
from emulator.wechat.bills import COLUMNS, SUMMARY_COLUMNS
from tests.emulator.wechat_env import APPID, MCHID, WeChatEnv, call


def today() -> str:
    """The emulator's Beijing day now (read at each call: a suite collected before Beijing's midnight runs past it)."""
    return wire.now().astimezone(wire.BEIJING).date().isoformat()


async def bill(wechat: WeChatEnv, bill_type: str = "ALL", tar_type: str = "GZIP") -> tuple[dict[str, Any], bytes]:
    code, text = await call(wechat.sdk().trade_bill, bill_date=today(), bill_type=bill_type, tar_type=tar_type)
    assert code == 200, text
    answer: dict[str, Any] = json.loads(text)
    code, content = await call(wechat.sdk().download_bill, answer["download_url"])
    assert code == 200
    return answer, content


def lines(content: bytes) -> list[list[str]]:
    return [[value.removeprefix("`") for value in line.split(",")] for line in content.decode().splitlines()]


async def paid_and_refunded(wechat: WeChatEnv) -> None:
    await wechat.paid("ORDER-0001", 1000)
    await wechat.paid("ORDER-0002", 250)
    code, _ = await call(wechat.sdk().refund, out_refund_no="REFUND-1", out_trade_no="ORDER-0001",
                         amount={"refund": 300, "total": 1000})
    assert code == 200


async def test_the_bill_lists_payments_and_refunds_with_totals_and_its_sha1_matches(wechat: WeChatEnv) -> None:
    await paid_and_refunded(wechat)
    answer, content = await bill(wechat, tar_type="")
    assert answer["hash_type"] == "SHA1"
    assert answer["hash_value"] == hashlib.sha1(content, usedforsecurity=False).hexdigest()
    assert answer["download_url"].startswith(f"{wechat.url}/v3/billdownload/file?token=")
    rows = lines(content)
    assert ",".join(rows[0]) == COLUMNS
    assert all(len(row) == 27 for row in rows[1:4])
    payments = [r for r in rows[1:4] if r[9] == "SUCCESS"]
    refunds = [r for r in rows[1:4] if r[9] == "REFUND"]
    assert sorted((r[6], r[12]) for r in payments) == [("ORDER-0001", "10.00"), ("ORDER-0002", "2.50")]
    assert [(r[6], r[15], r[16], r[18]) for r in refunds] == [("ORDER-0001", "REFUND-1", "3.00", "ORIGINAL")]
    assert {(r[1], r[2]) for r in rows[1:4]} == {(APPID, MCHID)}
    assert ",".join(rows[4]) == SUMMARY_COLUMNS
    assert rows[5][:3] == ["3", "12.50", "3.00"]
    assert content.decode().splitlines()[1].startswith("`")


async def test_a_gzip_bill_is_gzipped_and_its_hash_is_of_the_plain_file(wechat: WeChatEnv) -> None:
    await paid_and_refunded(wechat)
    answer, content = await bill(wechat, tar_type="GZIP")
    plain = gzip.decompress(content)
    assert answer["hash_value"] == hashlib.sha1(plain, usedforsecurity=False).hexdigest()


async def test_bill_types_success_and_refund_keep_their_own_lines(wechat: WeChatEnv) -> None:
    await paid_and_refunded(wechat)
    _, success = await bill(wechat, "SUCCESS", tar_type="")
    _, refund = await bill(wechat, "REFUND", tar_type="")
    assert {r[9] for r in lines(success)[1:-2]} == {"SUCCESS"}
    assert [r[9] for r in lines(refund)[1:-2]] == ["REFUND"]


async def test_a_day_without_trades_is_no_statement_exist(wechat: WeChatEnv) -> None:
    await wechat.native("ORDER-0001")
    code, text = await call(wechat.sdk().trade_bill, bill_date=today())
    assert (code, json.loads(text)["code"]) == (400, "NO_STATEMENT_EXIST")


async def test_a_malformed_bill_date_is_a_param_error(wechat: WeChatEnv) -> None:
    code, text = await call(wechat.sdk().trade_bill, bill_date="2024-13-01")
    assert (code, json.loads(text)["code"]) == (400, "PARAM_ERROR")


async def test_the_download_needs_a_signed_request(wechat: WeChatEnv) -> None:
    await paid_and_refunded(wechat)
    answer, _ = await bill(wechat)
    unsigned = await wechat.http.get(answer["download_url"])
    assert (unsigned.status_code, unsigned.json()["code"]) == (401, "SIGN_ERROR")
