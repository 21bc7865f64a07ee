"""The v3 envelope: the merchant's Authorization is checked, and every answer is signed by WeChat Pay."""

from __future__ import annotations

import base64
import json
import time

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.emulator.wechat_env import MCHID, PUBLIC_KEY_ID, SERIAL_NO, WeChatEnv, call, signature_verifies
from tests.rsa_keys import KeyPair, key_pair

QUERY_PATH = f"/v3/pay/transactions/out-trade-no/ORDER-0001?mchid={MCHID}"


def authorization(merchant: KeyPair, method: str, path: str, body: str = "", *, mchid: str = MCHID,
                  serial_no: str = SERIAL_NO, timestamp: int | None = None) -> str:
    """A WECHATPAY2-SHA256-RSA2048 Authorization header made by hand."""
    key = serialization.load_pem_private_key(merchant.pkcs8_pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    stamp, nonce = str(timestamp if timestamp is not None else int(time.time())), "593BEC0C930BF1AFEB40B4A08C8FB242"
    message = f"{method}\n{path}\n{stamp}\n{nonce}\n{body}\n".encode()
    signature = base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()
    return (f'WECHATPAY2-SHA256-RSA2048 mchid="{mchid}",nonce_str="{nonce}",signature="{signature}",'
            f'timestamp="{stamp}",serial_no="{serial_no}"')


async def get(wechat: WeChatEnv, path: str, header: str) -> httpx.Response:
    return await wechat.http.get(path, headers={"Authorization": header, "Accept": "application/json"})


def assert_signed_by_wechat(wechat: WeChatEnv, response: httpx.Response) -> None:
    headers = {k.lower(): v for k, v in response.headers.items()}
    assert headers["wechatpay-serial"] == PUBLIC_KEY_ID
    assert headers["wechatpay-signature-type"] == "WECHATPAY2-SHA256-RSA2048"
    assert headers["request-id"]
    assert signature_verifies(wechat.public_key_pem, headers, response.text)


async def test_a_hand_made_authorization_is_accepted_and_the_answer_is_signed(wechat: WeChatEnv) -> None:
    await wechat.native("ORDER-0001")
    response = await get(wechat, QUERY_PATH, authorization(wechat.merchant, "GET", QUERY_PATH))
    assert response.status_code == 200, response.text
    assert_signed_by_wechat(wechat, response)


@pytest.mark.parametrize(
    ("case", "changes"),
    [
        ("another key", {"merchant": key_pair(5)}),
        ("unknown mchid", {"mchid": "1900009999"}),
        ("unknown serial", {"serial_no": "00AA"}),
        ("six minutes old", {"skew": -360}),
        ("six minutes ahead", {"skew": 360}),
        ("another path", {"path": "/v3/pay/transactions/out-trade-no/ORDER-0002?mchid=" + MCHID}),
    ],
)
async def test_a_request_that_does_not_check_out_is_a_signed_401_sign_error(
    wechat: WeChatEnv, case: str, changes: dict[str, object]
) -> None:
    changes = dict(changes)
    merchant = changes.pop("merchant", wechat.merchant)
    path = str(changes.pop("path", QUERY_PATH))
    if "skew" in changes:
        changes["timestamp"] = int(time.time()) + int(changes.pop("skew"))  # type: ignore[call-overload]
    header = authorization(merchant, "GET", path, **changes)  # type: ignore[arg-type]
    response = await get(wechat, QUERY_PATH, header)
    assert (response.status_code, response.json()["code"]) == (401, "SIGN_ERROR"), case
    assert_signed_by_wechat(wechat, response)


@pytest.mark.parametrize("header", ["", "Bearer abc", 'WECHATPAY2-SHA256-RSA2048 mchid="1900000109"'])
async def test_a_missing_or_malformed_authorization_is_401(wechat: WeChatEnv, header: str) -> None:
    response = await get(wechat, QUERY_PATH, header)
    assert (response.status_code, response.json()["code"]) == (401, "SIGN_ERROR")


async def test_the_body_is_part_of_the_signature(wechat: WeChatEnv) -> None:
    signed_for = json.dumps({"mchid": MCHID})
    header = authorization(wechat.merchant, "POST", "/v3/pay/transactions/out-trade-no/ORDER-0001/close", signed_for)
    response = await wechat.http.post("/v3/pay/transactions/out-trade-no/ORDER-0001/close",
                                      content=json.dumps({"mchid": MCHID, "x": 1}),
                                      headers={"Authorization": header, "Content-Type": "application/json"})
    assert response.status_code == 401


async def test_a_204_is_signed_over_an_empty_body(wechat: WeChatEnv) -> None:
    await wechat.native("ORDER-0001")
    path, body = "/v3/pay/transactions/out-trade-no/ORDER-0001/close", json.dumps({"mchid": MCHID})
    response = await wechat.http.post(path, content=body, headers={
        "Authorization": authorization(wechat.merchant, "POST", path, body), "Content-Type": "application/json"})
    assert (response.status_code, response.content) == (204, b"")
    assert_signed_by_wechat(wechat, response)


async def test_the_sdk_refuses_an_answer_when_it_trusts_another_public_key(wechat: WeChatEnv) -> None:
    sdk = wechat.sdk()
    sdk._core._public_key = serialization.load_pem_public_key(key_pair(5).public_pem.encode())
    await wechat.native("ORDER-0001")
    with pytest.raises(Exception, match="failed to verify the signature"):
        await call(sdk.query, out_trade_no="ORDER-0001")


async def test_public_key_and_id_are_served_by_the_control_api(wechat: WeChatEnv) -> None:
    shown = (await wechat.http.get("/_control/wechat/public-key")).json()
    assert shown == {"public_key_id": PUBLIC_KEY_ID, "public_key": key_pair(2).public_pem}


async def test_merchant_registration_refuses_an_api_v3_key_that_is_not_32_bytes(wechat: WeChatEnv) -> None:
    body = {"mchid": "1900000110", "appid": "wx1", "merchant_public_key": key_pair(0).public_pem,
            "merchant_serial_no": "01", "api_v3_key": "short"}
    response = await wechat.http.post("/_control/wechat/merchants", json=body)
    assert response.status_code == 400
    assert "32 bytes" in response.text
    listed = (await wechat.http.get("/_control/wechat/merchants")).json()
    assert listed == [{"mchid": MCHID, "appid": "wxd678efh567hg6787", "merchant_serial_no": SERIAL_NO,
                       "mode": "public_key", "more_appids": []}]
