"""Whatever reaches the notify endpoints (they take no key), the answer is the provider's protocol, never a 500,
on every backend: Alipay `success`/`fail` as text/plain, WeChat 204 or 4xx/5xx `{"code": "FAIL", ...}`."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import Env, order

FIELDS = st.sampled_from(["out_trade_no", "order_no", "app_id", "sign", "sign_type", "total_amount", "trade_status",
                          "notify_id", "charset", "x"])
HOSTILE_TEXT = st.one_of(
    st.text(max_size=80), st.just("T" * 70), st.just("T2026\x001124"), st.just("%00"), st.just("'; DROP TABLE x; --"),
    st.just("１.００"), st.just("9" * 400), st.just("\ud7ff" * 10),
)
FORMS = st.dictionaries(FIELDS, HOSTILE_TEXT, max_size=6)
BODIES = st.one_of(st.binary(max_size=300), FORMS.map(lambda f: urlencode(f).encode()),
                   st.just(b"\xff\xfe\x00\x00"), st.just(b"{" * 500))
WECHAT_HEADERS = st.fixed_dictionaries({}, optional={
    "Wechatpay-Serial": HOSTILE_TEXT.filter(lambda t: t.isascii() and t.isprintable()),
    "Wechatpay-Timestamp": st.sampled_from(["0", "99999999999999", "-1", "abc", "1764000000"]),
    "Wechatpay-Nonce": st.just("n"), "Wechatpay-Signature": st.sampled_from(["", "x", "WECHATPAY/SIGNTEST/x"]),
    "Wechatpay-Signature-Type": st.sampled_from(["WECHATPAY2-SHA256-RSA2048", "HMAC"]),
})


def check_alipay(status: int, content_type: str, text: str) -> None:
    assert (status, text) in ((200, "fail"), (200, "success"), (413, text)), text
    if status == 200:
        assert content_type.startswith("text/plain")


def check_wechat(status: int, text: str) -> None:
    assert status == 204 or 400 <= status < 500, text
    if status != 204 and status != 413:
        assert set(json.loads(text)) == {"code", "message"}


@pytest.mark.parametrize("path", ["/v1/notify/alipay", "/v1/notify/alipay/1", "/v1/notify/wechat",
                                  "/v1/notify/wechat/2"])
def test_no_body_or_header_makes_a_notify_endpoint_fail_badly(env: Env, path: str) -> None:
    import asyncio

    loop = asyncio.get_event_loop()
    loop.run_until_complete(env.client.post("/v1/payments", json=order(), headers=env.auth()))

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(body=BODIES, headers=WECHAT_HEADERS)
    def check(body: bytes, headers: dict[str, str]) -> None:
        answer = loop.run_until_complete(env.client.post(
            path, content=body, headers={"Content-Type": "application/x-www-form-urlencoded", **headers}))
        assert answer.status_code < 500, answer.text
        if "alipay" in path:
            check_alipay(answer.status_code, answer.headers.get("content-type", ""), answer.text)
        else:
            check_wechat(answer.status_code, answer.text)

    check()
