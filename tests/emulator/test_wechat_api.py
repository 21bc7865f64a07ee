"""The WeChat Pay v3 order API through the real wechatpayv3 SDK: Native, JSAPI, query, close, certificate mode."""

from __future__ import annotations

import json
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from wechatpayv3 import WeChatPayType

from emulator.wechat import wire
from tests.emulator.wechat_env import APPID, MCHID, WeChatEnv, call, running_wechat
from tests.rsa_keys import key_pair

DESCRIPTION = "测试商品 Test"


async def test_a_native_order_answers_a_code_url_whose_scan_page_is_in_the_control_view(wechat: WeChatEnv) -> None:
    code_url = await wechat.native("ORDER-0001", 199)
    assert code_url.startswith("weixin://wxpay/bizpayurl?pr=")
    view = (await wechat.http.get("/_control/wechat/transactions/ORDER-0001")).json()
    assert view["code_url"] == code_url
    assert view["scan_url"] == f"{wechat.url}/wechat/scan/{code_url.split('pr=')[1]}"
    assert (view["trade_type"], view["trade_state"], view["amount"]["total"]) == ("NATIVE", "NOTPAY", 199)


async def test_asking_for_the_same_native_order_again_answers_the_same_code_url(wechat: WeChatEnv) -> None:
    assert await wechat.native("ORDER-0001", 100) == await wechat.native("ORDER-0001", 100)


async def test_the_same_out_trade_no_with_another_amount_is_out_trade_no_used(wechat: WeChatEnv) -> None:
    await wechat.native("ORDER-0001", 100)
    code, text = await call(wechat.sdk().pay, description=DESCRIPTION, out_trade_no="ORDER-0001",
                            amount={"total": 200})
    assert (code, json.loads(text)["code"]) == (400, "OUT_TRADE_NO_USED")


async def test_a_jsapi_order_answers_a_prepay_id_and_is_paid_through_the_control_api(wechat: WeChatEnv) -> None:
    sdk = wechat.sdk(pay_type=WeChatPayType.JSAPI)
    code, text = await call(sdk.pay, description=DESCRIPTION, out_trade_no="JSAPI-0001", amount={"total": 1},
                            payer={"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"})
    assert code == 200, text
    assert json.loads(text)["prepay_id"].startswith("wx")
    paid = await wechat.http.post("/_control/wechat/transactions/JSAPI-0001/pay")
    assert paid.json()["trade_state"] == "SUCCESS"
    code, text = await call(sdk.query, out_trade_no="JSAPI-0001")
    answer = json.loads(text)
    assert (answer["trade_type"], answer["payer"]["openid"]) == ("JSAPI", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")


async def test_a_jsapi_order_without_a_payer_is_a_param_error(wechat: WeChatEnv) -> None:
    code, text = await call(wechat.sdk().pay, description=DESCRIPTION, out_trade_no="JSAPI-0001",
                            amount={"total": 1}, pay_type=WeChatPayType.JSAPI, payer={"openid": ""})
    assert (code, json.loads(text)["code"]) == (400, "PARAM_ERROR")


async def test_a_paid_order_queries_as_success_with_ids_amounts_and_a_beijing_success_time(wechat: WeChatEnv) -> None:
    await wechat.paid("ORDER-0001", 250)
    code, text = await call(wechat.sdk().query, out_trade_no="ORDER-0001")
    answer = json.loads(text)
    assert code == 200
    assert (answer["appid"], answer["mchid"], answer["trade_state"]) == (APPID, MCHID, "SUCCESS")
    assert answer["amount"] == {"total": 250, "payer_total": 250, "currency": "CNY", "payer_currency": "CNY"}
    assert len(answer["transaction_id"]) == 28
    assert answer["success_time"].endswith("+08:00")
    assert wire.parse_rfc3339(answer["success_time"])
    code, text = await call(wechat.sdk().query, transaction_id=answer["transaction_id"])
    assert json.loads(text)["out_trade_no"] == "ORDER-0001"


async def test_an_unknown_order_is_order_not_exist(wechat: WeChatEnv) -> None:
    code, text = await call(wechat.sdk().query, out_trade_no="NOPE-0001")
    assert (code, json.loads(text)["code"]) == (404, "ORDER_NOT_EXIST")


async def test_close_answers_204_and_the_order_cannot_be_paid_any_more(wechat: WeChatEnv) -> None:
    await wechat.native("ORDER-0001")
    assert await call(wechat.sdk().close, out_trade_no="ORDER-0001") == (204, b"")
    _code, text = await call(wechat.sdk().query, out_trade_no="ORDER-0001")
    assert json.loads(text)["trade_state"] == "CLOSED"
    paying = await wechat.http.post("/_control/wechat/transactions/ORDER-0001/pay")
    assert paying.status_code == 409
    assert "ORDERCLOSED" in paying.text


async def test_closing_a_paid_order_is_orderpaid(wechat: WeChatEnv) -> None:
    await wechat.paid("ORDER-0001")
    code, text = await call(wechat.sdk().close, out_trade_no="ORDER-0001")
    assert (code, json.loads(text)["code"]) == (400, "ORDERPAID")


async def test_an_expired_order_stays_notpay_and_refuses_payment(wechat: WeChatEnv) -> None:
    await wechat.native("ORDER-0001", time_expire="2020-01-01T10:00:00+08:00")
    paying = await wechat.http.post("/_control/wechat/transactions/ORDER-0001/pay")
    assert paying.status_code == 409
    assert "ORDER_EXPIRED" in paying.text
    _code, text = await call(wechat.sdk().query, out_trade_no="ORDER-0001")
    assert json.loads(text)["trade_state"] == "NOTPAY"


async def test_an_appid_of_another_merchant_is_appid_mchid_not_match(wechat: WeChatEnv) -> None:
    code, text = await call(wechat.sdk().pay, description=DESCRIPTION, out_trade_no="ORDER-0001",
                            amount={"total": 1}, appid="wx0000000000000000")
    assert (code, json.loads(text)["code"]) == (400, "APPID_MCHID_NOT_MATCH")


def stale_certificate() -> str:
    """A valid self-signed certificate the emulator never issued (what a merchant's cert_dir might hold)."""
    key = serialization.load_pem_private_key(key_pair(4).pkcs8_pem.encode(), password=None)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "old platform certificate")])
    now = wire.now()
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())  # type: ignore[arg-type]
            .serial_number(1).not_valid_before(now.replace(year=now.year - 1))
            .not_valid_after(now.replace(year=now.year + 1)).sign(key, hashes.SHA256()))  # type: ignore[arg-type]
    return cert.public_bytes(serialization.Encoding.PEM).decode()


async def test_in_certificate_mode_the_sdk_fetches_v3_certificates_and_verifies_answers(tmp_path: Path) -> None:
    async with running_wechat(mode="certificate") as wechat:
        sdk = wechat.certificate_sdk(tmp_path / "certs", stale_certificate())
        code, text = await call(sdk.pay, description=DESCRIPTION, out_trade_no="CERT-0001", amount={"total": 1})
        assert code == 200, text
        assert (tmp_path / "certs" / f"{wechat.wechat.platform.serial_no}.pem").exists()
        assert await call(sdk.close, out_trade_no="CERT-0001") == (204, b"")
        shown = (await wechat.http.get("/_control/wechat/certificate")).json()
    assert shown["serial_no"] == wechat.wechat.platform.serial_no
    assert x509.load_pem_x509_certificate(shown["certificate"].encode()).serial_number == int(shown["serial_no"], 16)


async def test_a_rotated_platform_certificate_signs_while_the_previous_one_stays_listed(tmp_path: Path) -> None:
    async with running_wechat(mode="certificate") as wechat:
        before = wechat.wechat.platform.serial_no
        rotated = (await wechat.http.post("/_control/wechat/rotate-certificate")).json()
        sdk = wechat.certificate_sdk(tmp_path / "certs", stale_certificate())  # the SDK downloads /v3/certificates
        code, text = await call(sdk.pay, description=DESCRIPTION, out_trade_no="CERT-0002", amount={"total": 1})
        shown = (await wechat.http.get("/_control/wechat/certificate")).json()

    assert code == 200, text  # the answer verifies with the new certificate the SDK downloaded
    assert (rotated["previous_serial_no"], shown["serial_no"]) == (before, rotated["serial_no"])
    assert [c["serial_no"] for c in shown["certificates"]] == [before, rotated["serial_no"]]
    assert {p.stem for p in (tmp_path / "certs").glob("*.pem")} == {"stale", before, rotated["serial_no"]}
