"""The control API: apps and keys, triggering payments and closures, and notifications on demand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.app import create_emulator_app
from emulator.settings import EmulatorSettings
from tests.emulator import sdk
from tests.emulator.conftest import APP_ID, SELLER_ID, Emulator
from tests.emulator.harness import Receiver, listening_socket, receiving, serve
from tests.rsa_keys import key_pair


def verifies(emulator: Emulator, form: dict[str, str]) -> bool:
    """Whether form carries Alipay's signature."""
    return sdk.notification_verifies(emulator.alipay_public_key, form)


async def notify(emulator: Emulator, variant: str, out_trade_no: str = "PAID-1") -> dict[str, Any]:
    response = await emulator.http.post(f"/_control/alipay/trades/{out_trade_no}/notify", json={"variant": variant})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.fixture
async def paid(emulator: Emulator, receiver: Receiver) -> dict[str, str]:
    """PAID-1, paid, its TRADE_SUCCESS notification received."""
    await emulator.paid_trade("PAID-1", "0.10", notify_url=receiver.url)
    [form] = await receiver.wait_for(1)
    return form


async def test_duplicate_resends_the_last_notification_with_the_same_notify_id(
    emulator: Emulator, receiver: Receiver, paid: dict[str, str]
) -> None:
    result = await notify(emulator, "duplicate")
    _, again = await receiver.wait_for(2)
    assert again == paid
    assert (result["variant"], result["body"], result["acknowledged"]) == ("duplicate", "success", True)


async def test_reordered_sends_the_older_waiting_state_after_the_payment(
    emulator: Emulator, receiver: Receiver, paid: dict[str, str]
) -> None:
    await notify(emulator, "reordered")
    _, older = await receiver.wait_for(2)
    assert verifies(emulator, older)
    assert older["trade_status"] == "WAIT_BUYER_PAY"
    assert "gmt_payment" not in older
    assert older["notify_id"] != paid["notify_id"]


async def test_forged_carries_a_signature_that_does_not_verify(
    emulator: Emulator, receiver: Receiver, paid: dict[str, str]
) -> None:
    result = await notify(emulator, "forged")
    _, forged = await receiver.wait_for(2)
    assert not verifies(emulator, forged)
    assert result["sent"] == forged


@pytest.mark.parametrize(("variant", "field", "honest"), [
    ("wrong_amount", "total_amount", "0.10"),
    ("wrong_app", "app_id", APP_ID),
    ("wrong_seller", "seller_id", SELLER_ID),
])
async def test_wrong_variants_are_correctly_signed_but_disagree_with_the_order(
    emulator: Emulator, receiver: Receiver, paid: dict[str, str], variant: str, field: str, honest: str
) -> None:
    await notify(emulator, variant)
    _, wrong = await receiver.wait_for(2)
    assert verifies(emulator, wrong)
    assert wrong[field] != honest
    assert wrong["out_trade_no"] == "PAID-1"


async def test_an_on_demand_notification_reports_the_answer_and_is_not_retried(emulator: Emulator) -> None:
    async with receiving(default="fail") as receiver:
        await emulator.open_trade("WAIT-1", notify_url=receiver.url)
        result = await notify(emulator, "current", "WAIT-1")
        assert (result["body"], result["acknowledged"], result["trade_status"]) == ("fail", False, "WAIT_BUYER_PAY")
        assert emulator.alipay.notifier.pending == 0


async def test_variants_that_need_history_are_refused_for_a_new_trade(emulator: Emulator, receiver: Receiver) -> None:
    await emulator.open_trade("WAIT-1", notify_url=receiver.url)
    for variant in ("duplicate", "reordered"):
        response = await emulator.http.post("/_control/alipay/trades/WAIT-1/notify", json={"variant": variant})
        assert response.status_code == 409


async def test_expire_closes_a_waiting_trade_and_notifies_it(emulator: Emulator, receiver: Receiver) -> None:
    await emulator.open_trade("WAIT-1", notify_url=receiver.url)
    trade = (await emulator.http.post("/_control/alipay/trades/WAIT-1/expire")).json()
    [form] = await receiver.wait_for(1)
    assert trade["trade_status"] == form["trade_status"] == "TRADE_CLOSED"
    assert (await emulator.http.post("/_control/alipay/trades/WAIT-1/pay")).status_code == 409


async def test_close_closes_a_waiting_trade_quietly_but_not_a_paid_one(emulator: Emulator) -> None:
    await emulator.open_trade("WAIT-1")
    await emulator.paid_trade("PAID-1")
    closed = await emulator.http.post("/_control/alipay/trades/WAIT-1/close")
    refused = await emulator.http.post("/_control/alipay/trades/PAID-1/close")
    assert closed.json()["trade_status"] == "TRADE_CLOSED"
    assert refused.status_code == 409
    assert emulator.alipay.notifier.attempts == []


async def test_an_unknown_trade_is_404(emulator: Emulator) -> None:
    assert (await emulator.http.get("/_control/alipay/trades/NOPE")).status_code == 404


async def test_an_app_registers_with_a_pem_key_and_a_bad_key_is_refused(emulator: Emulator) -> None:
    good = {"app_id": "2021000000005678", "app_public_key": key_pair(2).public_pem}
    registered = await emulator.http.post("/_control/alipay/apps", json=good)
    refused = await emulator.http.post("/_control/alipay/apps", json={"app_id": "x", "app_public_key": "nope"})
    assert registered.status_code == 201
    assert registered.json()["seller_id"].startswith("2088")
    assert refused.status_code == 400


async def test_the_public_key_is_the_one_the_emulator_signs_with(emulator: Emulator) -> None:
    response = await emulator.http.get("/_control/alipay/public-key")
    assert response.text == emulator.alipay_public_key


async def test_apps_from_the_apps_file_are_known_at_start(tmp_path: Path) -> None:
    apps_file = tmp_path / "apps.json"
    apps_file.write_text(json.dumps([{"app_id": "2021000000000042", "app_public_key": key_pair(0).public_base64}]))
    settings = EmulatorSettings(alipay_apps_file=apps_file, alipay_private_key_pem=key_pair(1).pkcs1_pem)
    async with serve(create_emulator_app(settings), listening_socket()) as url, httpx.AsyncClient(base_url=url) as http:
        apps = (await http.get("/_control/alipay/apps")).json()
    assert [a["app_id"] for a in apps] == ["2021000000000042"]
