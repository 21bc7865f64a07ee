"""The payment-config admin API: validation that names fields, masked secrets, defaults, soft delete."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
import sqlalchemy as sa

from adapters.gateways.alipay.config import SANDBOX_GATEWAY as ALIPAY_SANDBOX_GATEWAY
from adapters.sql.tables import payment_config
from tests.e2e.conftest import Env, order
from tests.rsa_keys import key_pair

API_V3_KEY = "0123456789abcdef0123456789abcdef"


def alipay_config(**changes: Any) -> dict[str, Any]:
    """A valid Alipay config body."""
    body: dict[str, Any] = {"payment_type": "alipay", "config_name": "main alipay", "app_id": "2021000000000009",
                            "private_key": key_pair(0).pkcs8_pem, "alipay_public_key": key_pair(1).public_base64,
                            "seller_id": "2088000000000009"}
    body.update(changes)
    return body


def wechat_config(**changes: Any) -> dict[str, Any]:
    """A valid WeChat (public-key mode) config body."""
    body: dict[str, Any] = {"payment_type": "wechat", "config_name": "main wechat", "app_id": "wx00000000000009",
                            "mch_id": "1900000009", "api_v3_key": API_V3_KEY, "cert_serial_no": "5157F09EFDC096DE",
                            "private_key": key_pair(0).pkcs1_pem, "wechat_public_key": key_pair(1).public_pem,
                            "wechat_public_key_id": "PUB_KEY_ID_0000000009"}
    body.update(changes)
    return body


async def create(env: Env, body: dict[str, Any]) -> Any:
    """POST a config with the admin key."""
    return await env.client.post("/v1/admin/payment-configs", json=body, headers=env.auth(env.admin_key))


async def test_an_alipay_config_is_stored_with_its_secrets_masked(env: Env) -> None:
    response = await create(env, alipay_config())
    assert response.status_code == 201, response.text
    body = response.json()
    expected = "sha256:" + hashlib.sha256(key_pair(0).public_der).hexdigest()
    assert body["private_key"] == {"set": True, "fingerprint": expected}
    assert body["api_key"] == {"set": False, "fingerprint": None}
    assert body["alipay_public_key"].startswith("-----BEGIN PUBLIC KEY-----")
    assert body["create_by"] == "ops"
    assert key_pair(0).pkcs8_base64[:40] not in response.text
    listed = await env.client.get("/v1/admin/payment-configs", headers=env.auth(env.admin_key))
    assert body["config_id"] in [c["config_id"] for c in listed.json()["items"]]


async def test_private_keys_are_normalised_to_what_each_sdk_needs(env: Env) -> None:
    alipay = (await create(env, alipay_config(private_key=key_pair(0).pkcs8_base64))).json()
    wechat = (await create(env, wechat_config())).json()
    async with env.container.uow()() as uow:
        stored_alipay = await uow.configs.get(alipay["config_id"])
        stored_wechat = await uow.configs.get(wechat["config_id"])
    assert stored_alipay is not None
    assert stored_wechat is not None
    box = env.container.secret_box()
    alipay_key = box.open(stored_alipay.sealed["private_key"], stored_alipay.secret_context("private_key"))
    wechat_key = box.open(stored_wechat.sealed["private_key"], stored_wechat.secret_context("private_key"))
    assert alipay_key.startswith("-----BEGIN RSA PRIVATE KEY-----")  # PKCS#1 for alipay-sdk-python
    assert wechat_key.startswith("-----BEGIN PRIVATE KEY-----")  # PKCS#8 for wechatpayv3


BAD_CONFIGS = [
    (alipay_config(private_key="not a key"), "private_key"),
    (alipay_config(private_key=key_pair(0).public_pem), "private_key"),
    (alipay_config(alipay_public_key=key_pair(1).pkcs8_pem), "alipay_public_key"),
    (alipay_config(notify_url="ftp://shop.example/n"), "notify_url"),
    (alipay_config(app_id=""), "app_id"),
    ({k: v for k, v in alipay_config().items() if k != "alipay_public_key"}, "alipay_public_key"),
    (wechat_config(api_v3_key="too-short"), "api_v3_key"),
    (wechat_config(is_sandbox=True), "is_sandbox"),
    (wechat_config(wechat_public_key=None, wechat_public_key_id=None), "wechat_public_key"),
    (wechat_config(private_key=None), "private_key"),
    ({**alipay_config(), "privat_key": "typo"}, "privat_key"),
]


@pytest.mark.parametrize(("body", "field"), BAD_CONFIGS)
async def test_a_bad_config_is_400_naming_the_field(env: Env, body: dict[str, Any], field: str) -> None:
    response = await create(env, {k: v for k, v in body.items() if v is not None})
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert field in response.json()["detail"]
    assert "BEGIN" not in response.text


async def test_wechat_is_sandbox_points_to_gateway_url_and_the_emulator(env: Env) -> None:
    detail = (await create(env, wechat_config(is_sandbox=True))).json()["detail"]
    assert "gateway_url" in detail
    assert "emulator" in detail


async def test_a_key_pair_that_does_not_match_is_reported(env: Env) -> None:
    response = await create(env, alipay_config(public_key=key_pair(1).public_pem))
    assert response.status_code == 400
    assert response.json()["code"] == "KEY_PAIR_MISMATCH"
    matching = await create(env, alipay_config(public_key=key_pair(0).public_base64))
    assert matching.status_code == 201


async def test_alipay_sandbox_uses_the_current_sandbox_gateway_unless_gateway_url_is_set(env: Env) -> None:
    sandbox = (await create(env, alipay_config(is_sandbox=True))).json()
    assert sandbox["gateway_url"] == ALIPAY_SANDBOX_GATEWAY
    own = (await create(env, alipay_config(is_sandbox=True, gateway_url="http://127.0.0.1:9100/gateway.do"))).json()
    assert own["gateway_url"] == "http://127.0.0.1:9100/gateway.do"


async def test_one_default_per_type_switches_atomically(env: Env) -> None:
    first = (await create(env, alipay_config(is_default=True))).json()
    second = (await create(env, alipay_config(config_name="second", is_default=True))).json()
    spare = (await create(env, alipay_config(config_name="spare"))).json()
    again = await env.client.get(f"/v1/admin/payment-configs/{first['config_id']}", headers=env.auth(env.admin_key))
    assert again.json()["is_default"] is False
    assert second["is_default"] is True
    assert spare["is_default"] is False
    created = await env.client.post("/v1/payments", json=order(), headers=env.auth())
    assert created.json()["config_id"] == second["config_id"]


async def test_patch_keeps_unsent_secrets_and_disabling_stops_new_payments(env: Env) -> None:
    config = (await create(env, alipay_config())).json()
    path = f"/v1/admin/payment-configs/{config['config_id']}"
    renamed = await env.client.patch(path, json={"config_name": "renamed", "status": "1"},
                                     headers=env.auth(env.admin_key))
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["config_name"] == "renamed"
    assert renamed.json()["private_key"] == config["private_key"]
    refused = await env.client.post("/v1/payments", json=order(config_id=config["config_id"]), headers=env.auth())
    assert refused.status_code == 404
    assert refused.json()["code"] == "CONFIG_NOT_FOUND"


async def test_a_deleted_config_is_404_and_left_out_of_lists(env: Env) -> None:
    config = (await create(env, alipay_config())).json()
    path = f"/v1/admin/payment-configs/{config['config_id']}"
    assert (await env.client.delete(path, headers=env.auth(env.admin_key))).status_code == 204
    gone = await env.client.get(path, headers=env.auth(env.admin_key))
    assert gone.status_code == 404
    assert gone.json()["code"] == "CONFIG_NOT_FOUND"
    listed = await env.client.get("/v1/admin/payment-configs", headers=env.auth(env.admin_key))
    assert config["config_id"] not in [c["config_id"] for c in listed.json()["items"]]
    async with env.container.engine().connect() as conn:
        flag = (await conn.execute(sa.select(payment_config.c.del_flag)
                                   .where(payment_config.c.config_id == config["config_id"]))).scalar_one()
    assert flag == "2"


async def test_a_ciphertext_copied_to_another_row_does_not_decrypt(env: Env) -> None:
    a = (await create(env, alipay_config())).json()
    b = (await create(env, alipay_config(config_name="other", private_key=key_pair(2).pkcs8_pem))).json()
    c = payment_config.c
    async with env.container.engine().begin() as conn:
        stolen = (await conn.execute(sa.select(c.private_key).where(c.config_id == a["config_id"]))).scalar_one()
        await conn.execute(sa.update(payment_config).where(c.config_id == b["config_id"]).values(private_key=stolen))
    response = await env.client.get(f"/v1/admin/payment-configs/{b['config_id']}", headers=env.auth(env.admin_key))
    assert response.status_code == 503
    assert response.json()["code"] == "MASTER_KEY_MISMATCH"


@pytest.mark.parametrize("stored", ["{not json", "[1, 2]", "\"text\""])
async def test_provider_settings_edited_into_something_else_is_a_clear_503_not_a_500(env: Env, stored: str) -> None:
    config = (await create(env, alipay_config())).json()
    c = payment_config.c
    async with env.container.engine().begin() as conn:
        await conn.execute(sa.update(payment_config).where(c.config_id == config["config_id"])
                           .values(provider_settings=stored))
    path = f"/v1/admin/payment-configs/{config['config_id']}"
    for lang, words in (("en", "provider_settings"), ("zh", "provider_settings 不是")):
        response = await env.client.get(path, headers={**env.auth(env.admin_key), "Accept-Language": lang})
        assert response.status_code == 503
        assert response.json()["code"] == "CONFIG_UNREADABLE"
        assert words in response.json()["detail"]


async def test_a_config_stored_before_its_merchant_fields_were_settings_reads_them_from_their_columns(
        env: Env) -> None:
    """mch_id, cert_serial_no, seller_id and app_cert were PaymentConfig fields until 2026-12: a row written then has
    them in the seed's columns only, not in provider_settings; it reads and pays as before."""
    wechat = (await create(env, wechat_config())).json()
    alipay = (await create(env, alipay_config())).json()
    c = payment_config.c
    async with env.container.engine().begin() as conn:
        for config, kept in ((wechat, ("wechat_public_key", "wechat_public_key_id")), (alipay, ("alipay_public_key",))):
            older = json.dumps({name: config[name] for name in kept})
            await conn.execute(sa.update(payment_config).where(c.config_id == config["config_id"])
                               .values(provider_settings=older))
    for config, names in ((wechat, ("mch_id", "cert_serial_no")), (alipay, ("seller_id",))):
        shown = (await env.client.get(f"/v1/admin/payment-configs/{config['config_id']}",
                                      headers=env.auth(env.admin_key))).json()
        assert {name: shown[name] for name in names} == {name: config[name] for name in names}
    async with env.container.uow()() as uow:
        stored = await uow.configs.get(wechat["config_id"])
    assert stored is not None
    assert (stored.setting("mch_id"), stored.setting("cert_serial_no")) == ("1900000009", "5157F09EFDC096DE")
