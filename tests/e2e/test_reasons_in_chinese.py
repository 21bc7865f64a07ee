"""Errors raised after decoding (an amount, a time filter, a cursor, a webhook address, a NUL, a payment config's
fields, keys and certificates) say why in English and in Chinese, in the same shape as the schema's errors:
`extra.fields[].message` and `message_zh`, and a top-level `detail` in the caller's language."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Env, order
from tests.e2e.test_admin_configs import alipay_config, wechat_config
from tests.rsa_keys import key_pair

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
HAN = re.compile(r"[\u4e00-\u9fff]")
REAL_CERTS = Path(__file__).parents[1] / "integration" / "alipay" / "certs"
APP_CERT = (REAL_CERTS / "appCertPublicKey_2021005122643016.crt").read_text()  # issued for a key we do not hold
ALIPAY_CERT = (REAL_CERTS / "alipayCertPublicKey_RSA2.crt").read_text()
ROOT_CERT = (REAL_CERTS / "alipayRootCert.crt").read_text()


def cert_mode(**changes: Any) -> dict[str, Any]:
    """An Alipay certificate-mode config body (the real files of tests/integration/alipay/certs)."""
    body = alipay_config(app_cert=APP_CERT, alipay_cert=ALIPAY_CERT, alipay_root_cert=ROOT_CERT)
    del body["alipay_public_key"]
    return {**body, **changes}


# (what is wrong, method, path, JSON body or None, admin key?, the field, its English reason, its Chinese reason)
CASES: list[tuple[str, str, str, dict[str, Any] | None, bool, str, str, str]] = [
    ("amount with three decimals", "POST", "/v1/payments", order(total_amount="1.234"), False,
     "total_amount", "'1.234' has more than two decimals", "'1.234' 超过两位小数"),
    ("zero amount", "POST", "/v1/payments", order(total_amount="0"), False,
     "total_amount", "'0' must be greater than zero", "'0' 须大于零"),
    ("amount too large", "POST", "/v1/payments", order(total_amount="100000000.01"), False,
     "total_amount", "is more than 100000000.00", "超过上限 100000000.00"),
    ("amount as a float-looking string", "POST", "/v1/payments", order(total_amount="1e2"), False,
     "total_amount", "is not ASCII digits", "不是最多两位小数的半角数字"),
    ("refund amount with three decimals", "POST", "/v1/payments/T20261124001/refunds",
     {"refund_no": "R1", "refund_amount": "0.001"}, False, "refund_amount", "has more than two decimals",
     "超过两位小数"),
    ("time filter without offset", "GET", "/v1/payments?created_from=2026-11-24T20:30:00", None, False,
     "created_from", "must be an ISO 8601 time with its offset", "须为带时区偏移的 ISO 8601 时间"),
    ("cursor not handed out", "GET", "/v1/payments?cursor=bm90LW91cnM=", None, False,
     "cursor", "is not valid; pass the next_cursor", "请传入上一页返回的 next_cursor"),
    ("webhook to cloud metadata", "POST", "/v1/payments", order(notify_url="http://169.254.169.254/hook"), False,
     "notify_url", "169.254.169.254 is link-local", "169.254.169.254 是链路本地地址"),
    ("NUL in the body", "POST", "/v1/payments", order(subject="a\u0000b"), False,
     "body", "contains a NUL character", "请求体含有 NUL 字符"),
    ("config: not a private key", "POST", "/v1/admin/payment-configs", alipay_config(private_key="garbage"), True,
     "private_key", "not a PEM or base64 RSA private key", "不是 PEM 或 base64 格式的 RSA 私钥"),
    ("config: a public key as the private key", "POST", "/v1/admin/payment-configs",
     alipay_config(private_key=key_pair(0).public_pem), True,
     "private_key", "this is a public key; a private key belongs here", "填的是公钥；此处应填私钥"),
    ("config: APIv3 key of 31 bytes", "POST", "/v1/admin/payment-configs", wechat_config(api_v3_key="x" * 31), True,
     "api_v3_key", "must be exactly 32 bytes", "须正好 32 字节（商户平台设置的 APIv3 密钥），现为 31 字节"),
    ("config: public key of another pair", "POST", "/v1/admin/payment-configs",
     alipay_config(public_key=key_pair(2).public_pem), True,
     "public_key", "is not the public half of private_key", "不是 private_key 的公钥"),
    ("config: app certificate of another key", "POST", "/v1/admin/payment-configs", cert_mode(), True,
     "app_cert", "does not certify private_key's public key", "证书中的公钥不是 private_key 的公钥"),
    ("config: a root that is no certificate", "POST", "/v1/admin/payment-configs",
     cert_mode(alipay_root_cert="not a certificate"), True, "alipay_root_cert", "holds no PEM certificate",
     "不含 PEM 证书"),
    ("config: both key modes", "POST", "/v1/admin/payment-configs",
     cert_mode(alipay_public_key=key_pair(1).public_pem), True, "alipay_public_key", "give either", "只能二选一"),
    ("config: platform certificate unreadable", "POST", "/v1/admin/payment-configs",
     wechat_config(wechat_platform_cert="-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"), True,
     "wechat_platform_cert", "not a", "不是"),
    ("config: WeChat has no sandbox", "POST", "/v1/admin/payment-configs", wechat_config(is_sandbox=True), True,
     "is_sandbox", "has no sandbox", "没有沙箱环境"),
    ("config: a required field", "POST", "/v1/admin/payment-configs", wechat_config(mch_id=""), True,
     "mch_id", "is required for a wechat config", "为 wechat 配置的必填项"),
    ("config: its payment type changed", "PATCH", "/v1/admin/payment-configs/{config_id}",
     {"payment_type": "wechat"}, True, "payment_type", "cannot change", "不能修改；请新建一个配置"),
    ("config: not an http URL", "POST", "/v1/admin/payment-configs", alipay_config(notify_url="ftp://x/y"), True,
     "notify_url", "must be an http:// or https:// URL", "须为 http:// 或 https:// 地址"),
]


async def ask(env: Env, method: str, path: str, body: dict[str, Any] | None, admin: bool,
              **headers: str) -> dict[str, Any]:
    response = await env.client.request(method, path, json=body,
                                        headers=env.auth(env.admin_key if admin else None, **headers))
    assert response.status_code == 400, response.text
    answer: dict[str, Any] = response.json()
    return answer


@pytest.mark.parametrize(("method", "path", "body", "admin", "field", "english", "chinese"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
async def test_an_error_raised_after_decoding_says_why_in_both_languages(
        env: Env, method: str, path: str, body: dict[str, Any] | None, admin: bool, field: str, english: str,
        chinese: str) -> None:
    if "/refunds" in path:
        await env.client.post("/v1/payments", json=order(), headers=env.auth())

    path = path.format(config_id=env.config.config_id)
    answer = await ask(env, method, path, body, admin)
    assert answer["code"] in ("VALIDATION_ERROR", "KEY_PAIR_MISMATCH")
    assert answer["extra"]["field"] == field
    [entry] = answer["extra"]["fields"]
    assert entry["key"] == field
    assert english in entry["message"]
    assert not HAN.search(answer["detail"])  # English callers get English
    assert english in answer["detail"]
    assert chinese in entry["message_zh"]
    assert HAN.search(entry["message_zh"])

    zh = await ask(env, method, path, body, admin, **ZH)
    assert zh["code"] == answer["code"]
    assert zh["extra"] == answer["extra"]  # the same body, whatever the language
    named = entry["message_zh"] if field == "body" else f"{field} {entry['message_zh']}"
    assert named in zh["detail"]  # the field and its reason, in Chinese
    assert english not in zh["detail"]
