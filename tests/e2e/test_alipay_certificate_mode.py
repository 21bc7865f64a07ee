"""Alipay certificate mode (公钥证书模式) end to end: paycore and the emulator over real HTTP, the emulator's own CA.

A config takes the three certificate files the emulator hands out as Alipay's console would; every request then
carries app_cert_sn and alipay_root_cert_sn (the emulator refuses a request without the right ones), every answer
names the certificate that signed it, and when Alipay rotates its certificate paycore learns the new one by
itself (alipay.open.app.alipaycert.download, trusted through the root) and keeps it on the config.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.gateways.alipay.gateway import AlipayGateway
from application.records import PaymentConfig
from emulator.alipay import notifications
from emulator.alipay.wire import beijing_date
from tests.e2e.alipay_live import SQLITE_AND_POSTGRES, Live, live_alipay_on
from tests.rsa_keys import key_pair

CERT_APP_ID = "2021000000000077"
CERT_SELLER_ID = "2088000000000077"
REAL_CERTS = Path(__file__).parents[1] / "integration" / "alipay" / "certs"


@pytest.fixture(params=SQLITE_AND_POSTGRES)
async def live(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Live]:
    """paycore and the emulator, served, over each backend."""
    async with live_alipay_on(request.param, tmp_path) as served:
        yield served


async def cert_config(live: Live) -> tuple[PaymentConfig, dict[str, Any]]:
    """A certificate-mode app registered at the emulator and configured through the admin API."""
    keys = key_pair(5)
    issued = await live.control("POST", "/cert-apps", app_id=CERT_APP_ID, app_public_key=keys.public_pem,
                                seller_id=CERT_SELLER_ID)
    admin = (await live.container.api_keys().issue("ops", "admin")).token
    response = await live.http.post(f"{live.paycore_url}/v1/admin/payment-configs", headers={
        "Authorization": f"Bearer {admin}"}, json={
        "payment_type": "alipay", "config_name": "certificate mode", "app_id": CERT_APP_ID,
        "seller_id": CERT_SELLER_ID, "private_key": keys.pkcs1_pem, "app_cert": issued["app_cert"],
        "alipay_cert": issued["alipay_cert"], "alipay_root_cert": issued["alipay_root_cert"],
        "gateway_url": f"{live.emulator_url}/gateway.do"})
    assert response.status_code == 201, response.text
    view = response.json()
    assert view["app_cert_sn"] == issued["app_cert_sn"]
    assert view["alipay_root_cert_sn"] == issued["alipay_root_cert_sn"]  # the ECDSA root skipped
    assert [c["sn"] for c in view["certificates"] if c["field"] == "alipay_cert"] == [issued["alipay_cert_sn"]]
    config = await live.container.configs().get(view["config_id"])
    return config.config, issued


async def pay(live: Live, order_no: str, config: PaymentConfig, amount: str = "50.00") -> None:
    created = await live.create(order_no, total_amount=amount, config_id=config.config_id)
    assert "app_cert_sn=" in created["pay_url"]
    assert "alipay_root_cert_sn=" in created["pay_url"]
    await live.pay_at_cashier(created["pay_url"])  # the emulator checks both SNs before it shows the page
    await live.wait_for_status(order_no, "TRADE_SUCCESS")


async def test_create_notify_query_refund_close_and_bill_in_certificate_mode(live: Live) -> None:
    config, _ = await cert_config(live)
    await pay(live, "CERTMODE01", config)
    assert (await live.payment("CERTMODE01", sync=True))["trade_status"] == "TRADE_SUCCESS"  # a signed answer

    refund = await live.api("POST", "/v1/payments/CERTMODE01/refunds",
                            json={"refund_no": "CERTMODER1", "refund_amount": "10.00"})
    assert refund.status_code == 201, refund.text
    assert refund.json()["refund_status"] == "SUCCESS"
    synced = await live.api("GET", "/v1/refunds/CERTMODER1", params={"sync": "true"})
    assert synced.json()["refund_status"] == "SUCCESS"

    await live.create("CERTMODE02", config_id=config.config_id)
    closed = await live.api("POST", "/v1/payments/CERTMODE02/close")
    assert closed.status_code == 200, closed.text
    assert closed.json()["trade_status"] == "TRADE_CLOSED"

    gateway = live.container.gateways().for_config(config)
    assert isinstance(gateway, AlipayGateway)
    bill = await gateway.download_bill(beijing_date(live.alipay.clock()))
    assert bill[:2] == b"PK"  # the ZIP of the day's bill


async def test_an_alipay_certificate_rotation_needs_no_operator(live: Live) -> None:
    config, issued = await cert_config(live)
    await pay(live, "CERTROT001", config)
    rotated = (await live.control("POST", "/rotate-certificate"))["alipay_cert_sn"]
    assert rotated != issued["alipay_cert_sn"]

    # The next answer is signed with the new certificate: paycore downloads it, checks it chains to the root,
    # keeps it on the config and goes on.
    assert (await live.payment("CERTROT001", sync=True))["trade_status"] == "TRADE_SUCCESS"
    stored = (await live.container.configs().get(config.config_id)).config
    kept, before = stored.setting("alipay_cert"), config.setting("alipay_cert")
    assert rotated in kept or len(kept) > len(before)
    gateway = live.container.gateways().for_config(stored)  # a fresh gateway, as another process builds it
    mode = gateway.credentials.certificates  # type: ignore[attr-defined]
    assert mode is not None
    assert list(mode.alipay_keys)[:2] == [rotated, issued["alipay_cert_sn"]]

    # Payments and their notifications, signed with the new key, go through; the old payment still refunds.
    await pay(live, "CERTROT002", config)
    refund = await live.api("POST", "/v1/payments/CERTROT001/refunds",
                            json={"refund_no": "CERTROTR01", "refund_amount": "5.00"})
    assert refund.json()["refund_status"] == "SUCCESS", refund.text


async def test_a_notification_naming_alipay_s_new_certificate_teaches_it_and_forged_ones_cost_one_call(
        live: Live) -> None:
    config, issued = await cert_config(live)
    await pay(live, "CERTUNK001", config)
    rotated = (await live.control("POST", "/rotate-certificate"))["alipay_cert_sn"]
    trade = live.alipay.store.find("CERTUNK001", CERT_APP_ID)
    assert trade is not None
    notify_url = f"{live.paycore_url}/v1/notify/alipay"

    def naming(sn: str) -> dict[str, str]:  # signed with Alipay's new key, naming `sn` (signed over too)
        return notifications.signed({**live.alipay.notification(trade), "alipay_cert_sn": sn},
                                    live.alipay.key_for(CERT_APP_ID))

    # The first word from Alipay's new certificate is a notification: paycore asks Alipay for the certificate it
    # names, checks it chains to the root, keeps it, and takes the notification.
    calls = live.emulator.gateway_calls()
    answered = await live.http.post(notify_url, data=naming(rotated))
    assert (answered.status_code, answered.text) == (200, "success")
    assert live.emulator.gateway_calls() == calls + 1  # the download, and nothing else
    stored = (await live.container.configs().get(config.config_id)).config
    mode = live.container.gateways().for_config(stored).credentials.certificates  # type: ignore[attr-defined]
    assert list(mode.alipay_keys)[:2] == [rotated, issued["alipay_cert_sn"]]

    # Anyone can post a notification naming a certificate: a flood naming ones Alipay never issued is refused,
    # and costs Alipay one download a minute, not one each.
    calls = live.emulator.gateway_calls()
    for i in range(5):
        refused = await live.http.post(notify_url, data=naming(f"{i:032x}"))
        assert refused.text != "success"
    assert live.emulator.gateway_calls() == calls + 1
    assert (await live.payment("CERTUNK001"))["trade_status"] == "TRADE_SUCCESS"


async def test_configs_in_certificate_mode_are_checked_when_stored(live: Live) -> None:
    _, issued = await cert_config(live)
    admin = (await live.container.api_keys().issue("ops2", "admin")).token

    async def create(**fields: Any) -> dict[str, Any]:
        body = {"payment_type": "alipay", "config_name": "bad", "app_id": CERT_APP_ID,
                "private_key": key_pair(5).pkcs1_pem, "app_cert": issued["app_cert"],
                "alipay_cert": issued["alipay_cert"], "alipay_root_cert": issued["alipay_root_cert"], **fields}
        response = await live.http.post(f"{live.paycore_url}/v1/admin/payment-configs",
                                        headers={"Authorization": f"Bearer {admin}"}, json=body)
        assert response.status_code == 400, response.text
        answer: dict[str, Any] = response.json()
        return answer

    assert (await create(private_key=key_pair(6).pkcs1_pem))["code"] == "KEY_PAIR_MISMATCH"
    assert (await create(alipay_root_cert="not a certificate"))["extra"]["field"] == "alipay_root_cert"
    real_root = (REAL_CERTS / "alipayRootCert.crt").read_text()  # Alipay's real roots did not issue the emulator's
    untrusted = await create(alipay_root_cert=real_root)
    assert untrusted["extra"]["field"] == "alipay_cert"
    assert "not trusted" in untrusted["detail"]
    assert (await create(alipay_public_key=key_pair(1).public_pem))["extra"]["field"] == "alipay_public_key"
    missing = await create(alipay_cert=None)
    assert missing["extra"]["field"] == "alipay_cert"


async def test_a_config_moves_between_modes_in_one_patch_each_way(live: Live) -> None:
    config, issued = await cert_config(live)
    admin = {"Authorization": f"Bearer {(await live.container.api_keys().issue('ops3', 'admin')).token}"}
    url = f"{live.paycore_url}/v1/admin/payment-configs/{config.config_id}"

    to_public = await live.http.patch(url, headers=admin, json={
        "alipay_public_key": key_pair(1).public_pem, "app_cert": "", "alipay_cert": "", "alipay_root_cert": ""})
    assert to_public.status_code == 200, to_public.text
    assert (to_public.json()["app_cert_sn"], to_public.json()["certificates"]) == ("", [])
    assert to_public.json()["alipay_public_key"]

    back = await live.http.patch(url, headers=admin, json={
        "alipay_public_key": "", "app_cert": issued["app_cert"], "alipay_cert": issued["alipay_cert"],
        "alipay_root_cert": issued["alipay_root_cert"]})
    assert back.status_code == 200, back.text
    assert back.json()["app_cert_sn"] == issued["app_cert_sn"]
    assert back.json()["alipay_public_key"] == ""
    stored = (await live.container.configs().get(config.config_id)).config
    await pay(live, "CERTBACK01", stored)


async def test_the_console_s_files_are_uploaded_as_they_are_to_create_and_to_move_a_config(live: Live) -> None:
    """The three .crt files and the private key as uploaded files (multipart/form-data), other fields as form
    fields: a config in certificate mode that pays; then moved to public-key mode and back by uploads alone."""
    keys = key_pair(5)
    issued = await live.control("POST", "/cert-apps", app_id=CERT_APP_ID, app_public_key=keys.public_pem,
                                seller_id=CERT_SELLER_ID)
    admin = {"Authorization": f"Bearer {(await live.container.api_keys().issue('ops4', 'admin')).token}"}
    url = f"{live.paycore_url}/v1/admin/payment-configs/files"
    files = {"private_key": ("app_private_key.pem", keys.pkcs1_pem.encode()),
             "app_cert": (f"appCertPublicKey_{CERT_APP_ID}.crt", issued["app_cert"].encode()),
             "alipay_cert": ("alipayCertPublicKey_RSA2.crt", issued["alipay_cert"].encode()),
             "alipay_root_cert": ("alipayRootCert.crt", issued["alipay_root_cert"].encode())}
    form = {"payment_type": "alipay", "config_name": "uploaded", "app_id": CERT_APP_ID, "seller_id": CERT_SELLER_ID,
            "gateway_url": f"{live.emulator_url}/gateway.do", "status": "0"}

    created = await live.http.post(url, headers=admin, data=form, files=files)

    assert created.status_code == 201, created.text
    view = created.json()
    assert (view["app_cert_sn"], view["alipay_root_cert_sn"]) == (issued["app_cert_sn"], issued["alipay_root_cert_sn"])
    assert "PRIVATE KEY" not in created.text
    config = (await live.container.configs().get(view["config_id"])).config
    await pay(live, "CERTFILE01", config)

    one = f"{live.paycore_url}/v1/admin/payment-configs/{config.config_id}/files"
    to_public = await live.http.patch(one, headers=admin, data={"app_cert": "", "alipay_cert": "",
                                                                "alipay_root_cert": ""},
                                      files={"alipay_public_key": ("alipayPublicKey_RSA2.txt",
                                                                   key_pair(1).public_pem.encode())})
    assert to_public.status_code == 200, to_public.text
    assert (to_public.json()["app_cert_sn"], to_public.json()["certificates"]) == ("", [])
    back = await live.http.patch(one, headers=admin, data={"alipay_public_key": ""},
                                 files={k: v for k, v in files.items() if k != "private_key"})
    assert back.status_code == 200, back.text
    assert back.json()["app_cert_sn"] == issued["app_cert_sn"]

    binary = await live.http.patch(one, headers=admin, files={"alipay_root_cert": ("root.crt", b"\xff\xfebad")})
    assert (binary.status_code, binary.json()["extra"]["field"]) == (400, "alipay_root_cert"), binary.text
    unknown = await live.http.patch(one, headers=admin, files={"colour": ("c.txt", b"blue")})
    assert (unknown.status_code, unknown.json()["extra"]["field"]) == (400, "colour")
    typed = await live.http.patch(one, headers=admin, data={"is_default": "maybe"})
    assert typed.status_code == 400, typed.text
