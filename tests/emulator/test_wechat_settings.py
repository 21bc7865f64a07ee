"""The WeChat part's settings: command-line arguments, the merchants file, and one app for both providers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emulator.app import parse_args, settings_from
from emulator.settings import EmulatorSettings
from emulator.wechat.mount import build_wechat
from emulator.wechat.orders import Mode
from tests.emulator.wechat_env import PUBLIC_KEY_ID, WeChatEnv, register_body
from tests.rsa_keys import key_pair


def test_wechat_arguments_become_settings(tmp_path: Path) -> None:
    key_file, merchants = tmp_path / "wechat.pem", tmp_path / "merchants.json"
    key_file.write_text(key_pair(2).pkcs8_pem)
    args = parse_args(["--wechat-private-key", str(key_file), "--wechat-public-key-id", PUBLIC_KEY_ID,
                       "--wechat-merchants", str(merchants)])
    settings = settings_from(args)
    assert settings.wechat_private_key_pem == key_pair(2).pkcs8_pem
    assert settings.wechat_public_key_id == PUBLIC_KEY_ID
    assert settings.wechat_merchants_file == merchants


def test_a_merchants_file_registers_its_merchants_at_start(tmp_path: Path) -> None:
    merchants = tmp_path / "merchants.json"
    entries = [register_body(key_pair(0)), register_body(key_pair(5), "certificate", mchid="1900000111")]
    merchants.write_text(json.dumps({"merchants": entries}))
    settings = EmulatorSettings(wechat_merchants_file=merchants, wechat_private_key_pem=key_pair(2).pkcs1_pem)
    wechat = build_wechat(settings)
    assert {m: wechat.store.merchants[m].mode for m in wechat.store.merchants} == {
        "1900000109": Mode.PUBLIC_KEY, "1900000111": Mode.CERTIFICATE}
    assert wechat.platform.public_key_id.startswith("PUB_KEY_ID_0114")
    assert len(wechat.platform.public_key_id) == len(PUBLIC_KEY_ID)


def test_a_merchants_file_without_the_required_fields_is_refused(tmp_path: Path) -> None:
    merchants = tmp_path / "merchants.json"
    merchants.write_text(json.dumps([{"mchid": "1900000109"}]))
    with pytest.raises(ValueError, match="api_v3_key"):
        build_wechat(EmulatorSettings(wechat_merchants_file=merchants))


def test_refunds_finish_after_ten_seconds_times_the_time_scale_unless_given() -> None:
    key = key_pair(2).pkcs1_pem
    assert build_wechat(EmulatorSettings(notify_time_scale=0.01, wechat_private_key_pem=key)).refund_delay == 0.1
    assert build_wechat(EmulatorSettings(wechat_refund_delay=2.5, wechat_private_key_pem=key)).refund_delay == 2.5


async def test_one_app_serves_alipay_and_wechat(wechat: WeChatEnv) -> None:
    alipay_key = await wechat.http.get("/_control/alipay/public-key")
    assert alipay_key.text.startswith("-----BEGIN PUBLIC KEY-----")
    wechat_key = (await wechat.http.get("/_control/wechat/public-key")).json()
    assert wechat_key["public_key"] != alipay_key.text
