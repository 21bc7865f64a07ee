"""A third provider is its adapter folder and one line in the provider list: the toy provider (tests/toy_provider,
no edit to domain/, application/ or entrypoints/) gets configs through the admin API, its settings stored with no
column of their own, payments through the payments API, its notifications verified, routed and answered in its
own protocol, and its notify endpoint documented, on every SQL backend."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from litestar.testing import AsyncTestClient
from sqlalchemy.pool import NullPool

from adapters.sql.engine import make_engine
from entrypoints.container import PROVIDERS, Container, build_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.conftest import SQL_BACKENDS, migrated_database
from tests.e2e.conftest import PUBLIC_URL, TEST_MASTER_KEYS
from tests.toy_provider.adapter import TOY, sign

SIGNING_KEY = "toy-signing-key-1"
TOY_CONFIG = {"payment_type": "toy", "config_name": "toy shop", "app_id": "toy-app-1", "api_key": SIGNING_KEY,
              "toy_shop_code": "SHOP42", "is_default": True}


@dataclass
class Toy:
    """The app with the toy beside the real providers, an admin key and a payments key."""

    client: AsyncTestClient  # type: ignore[type-arg]
    container: Container
    admin: str
    payments: str


@pytest.fixture(params=SQL_BACKENDS)
async def toy(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Toy]:
    """The toy registered by one line, as the composition root lists its providers."""
    url = await migrated_database(request.param, tmp_path)
    settings = Settings(database_url=url, public_url=PUBLIC_URL, master_keys=TEST_MASTER_KEYS)
    container = build_container(settings, provider_adapters=(*PROVIDERS, TOY),
                                engine=make_engine(url, poolclass=NullPool))
    admin = await container.api_keys().issue("ops", "admin")
    payments = await container.api_keys().issue("shop", "payments")
    async with AsyncTestClient(create_app(container)) as client:
        yield Toy(client, container, admin.token, payments.token)
    await container.engine().dispose()


def bearer(key: str) -> dict[str, str]:
    """The key's header."""
    return {"Authorization": f"Bearer {key}"}


def notification(order_no: str, amount: str, key: str = SIGNING_KEY) -> dict[str, str]:
    """A toy notification of the order paid, signed with `key`."""
    form = {"order_no": order_no, "kind": "PAID", "amount": amount, "trade_no": f"TOY{order_no}",
            "event_id": f"toy-{order_no}"}
    return {**form, "sign": sign(key, form)}


async def test_a_toy_config_is_checked_stored_and_shown_with_its_own_fields(toy: Toy) -> None:
    client, admin = toy.client, toy.admin
    missing = await client.post("/v1/admin/payment-configs", headers=bearer(admin),
                                json={**TOY_CONFIG, "toy_shop_code": "42"})
    assert missing.status_code == 400, missing.text
    assert "toy_shop_code" in missing.text  # the toy's own rule, naming its own field
    unknown = await client.post("/v1/admin/payment-configs", headers=bearer(admin),
                                json={**TOY_CONFIG, "toy_colour": "red"})
    assert unknown.status_code == 400, unknown.text

    created = await client.post("/v1/admin/payment-configs", headers=bearer(admin), json=TOY_CONFIG)
    assert created.status_code == 201, created.text
    view = created.json()
    assert (view["payment_type"], view["toy_shop_code"], view["toy_shop_label"]) == ("toy", "SHOP42",
                                                                                    "toy shop SHOP42")
    assert view["api_key"]["set"] is True
    assert SIGNING_KEY not in created.text
    assert view["alipay_public_key"] == ""
    assert view["wechat_platform_cert"] == ""

    patched = await client.patch(f"/v1/admin/payment-configs/{view['config_id']}", headers=bearer(admin),
                                 json={"toy_shop_code": "SHOP43"})
    assert patched.status_code == 200, patched.text
    read = await client.get(f"/v1/admin/payment-configs/{view['config_id']}", headers=bearer(admin))
    assert (read.json()["toy_shop_code"], read.json()["toy_shop_label"]) == ("SHOP43", "toy shop SHOP43")


async def test_a_toy_payment_is_created_and_paid_by_the_toy_s_notification(toy: Toy) -> None:
    client, admin, payments = toy.client, toy.admin, toy.payments
    assert (await client.post("/v1/admin/payment-configs", headers=bearer(admin), json=TOY_CONFIG)).status_code == 201
    body = {"order_no": "TOY0000001", "payment_type": "toy", "pay_method": "toy_scan", "subject": "a toy",
            "total_amount": "12.30"}
    created = await client.post("/v1/payments", headers=bearer(payments), json=body)
    assert created.status_code == 201, created.text
    assert created.json()["pay_url"] == "https://toy.example/SHOP42/TOY0000001"
    cashier = urlsplit(created.json()["cashier_url"])
    page = await client.get(f"{cashier.path}?{cashier.query}")
    assert page.status_code == 200, page.text
    assert "去付款" in page.text  # the cashier's text for a provider with none of its own
    assert "https://toy.example/SHOP42/TOY0000001" in page.text
    wrong_method = await client.post("/v1/payments", headers=bearer(payments),
                                     json={**body, "order_no": "TOY0000002", "pay_method": "pc"})
    assert (wrong_method.status_code, wrong_method.json()["code"]) == (400, "UNSUPPORTED_PAY_METHOD")

    forged = await client.post("/v1/notify/toy", data=notification("TOY0000001", "12.30", key="not-the-key"))
    assert (forged.status_code, forged.text) == (400, "TOY-REFUSED bad_signature")  # the toy's refusal
    unknown = await client.post("/v1/notify/toy", data=notification("NOSUCHORDER", "12.30"))
    assert unknown.status_code == 400
    assert unknown.text.startswith("TOY-REFUSED")
    paid = await client.post("/v1/notify/toy", data=notification("TOY0000001", "12.30"))
    assert (paid.status_code, paid.text) == (200, "TOY-OK")

    shown = await client.get("/v1/payments/TOY0000001", headers=bearer(payments))
    assert (shown.json()["trade_status"], shown.json()["payment_type"]) == ("TRADE_SUCCESS", "toy")
    config_id = (await client.get("/v1/admin/payment-configs", headers=bearer(admin))).json()["items"][0]["config_id"]
    again = await client.post(f"/v1/notify/toy/{config_id}", data=notification("TOY0000001", "12.30"))
    assert (again.status_code, again.text) == (200, "TOY-OK")  # a repeat: already applied


async def test_the_toy_s_settings_are_stored_in_provider_settings(toy: Toy) -> None:
    created = await toy.client.post("/v1/admin/payment-configs", headers=bearer(toy.admin), json=TOY_CONFIG)
    assert created.status_code == 201
    async with toy.container.engine().connect() as conn:
        stored = (await conn.execute(sa.text(
            "SELECT provider_settings FROM ai_write_payment_config WHERE payment_type = 'toy'"))).scalar()
    assert stored == '{"toy_shop_code": "SHOP42"}'


async def test_the_toy_s_endpoints_and_fields_are_in_the_openapi_document(toy: Toy) -> None:
    document = (await toy.client.get("/schema/openapi.json")).json()
    notify = document["paths"]["/v1/notify/toy"]["post"]
    assert notify["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]["required"] == [
        "order_no", "sign"]
    assert notify["responses"]["413"]["description"].startswith("REQUEST_TOO_LARGE")  # paycore's own, added
    assert "/v1/notify/toy/{config_id}" in document["paths"]
    schemas = document["components"]["schemas"]
    assert "toy_shop_code" in schemas["ConfigRequest"]["properties"]
    assert "toy_shop_label" in schemas["ConfigResponse"]["properties"]
    assert {"properties": {"payment_type": {"const": "toy"}, "pay_method": {"enum": ["toy_scan"]}}} in schemas[
        "CreatePaymentRequest"]["oneOf"]
