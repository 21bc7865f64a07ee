"""The OpenAPI document's invariants, checked directly so that a regression fails without schemathesis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from entrypoints.http.app import create_app
from tests.e2e.conftest import build_env

ERROR = {"$ref": "#/components/schemas/Error"}
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    """The app on an empty SQLite database, sending an admin key."""
    container, _ = await build_env(tmp_path)
    admin = await container.api_keys().issue("ops", "admin")
    async with AsyncTestClient(create_app(container)) as test_client:
        test_client.headers["Authorization"] = f"Bearer {admin.token}"
        yield test_client
    await container.engine().dispose()


async def operations(client: AsyncTestClient) -> list[tuple[str, str, dict[str, Any]]]:  # type: ignore[type-arg]
    """(method, path, operation) for every operation of the served document."""
    document = (await client.get("/schema/openapi.json")).json()
    return [(m, p, op) for p, item in document["paths"].items() for m, op in item.items() if m in METHODS]


async def test_document_version_is_the_package_version(client: AsyncTestClient) -> None:  # type: ignore[type-arg]
    document = (await client.get("/schema/openapi.json")).json()
    assert document["info"]["version"] == version("paycore")


async def test_every_operation_has_a_summary_and_a_description(
        client: AsyncTestClient) -> None:  # type: ignore[type-arg]
    for method, path, operation in await operations(client):
        assert operation.get("summary"), (method, path)
        assert operation.get("description"), (method, path)


async def test_every_keyed_operation_documents_401_403_429_with_the_error_schema(
        client: AsyncTestClient) -> None:  # type: ignore[type-arg]
    keyed = [(m, p, op) for m, p, op in await operations(client)
             if p.startswith("/v1/") and not p.startswith("/v1/notify/")]
    assert len(keyed) >= 20
    for method, path, operation in keyed:
        for status in ("400", "401", "403", "429", "500", "503"):
            assert operation["responses"][status]["content"]["application/json"]["schema"] == ERROR, (method, path)
        assert "Retry-After" in operation["responses"]["429"]["headers"], (method, path)
        if "{" in path:
            assert "404" in operation["responses"], (method, path)


async def test_notify_routes_document_their_real_content_types(
        client: AsyncTestClient) -> None:  # type: ignore[type-arg]
    notify = [(p, op) for _, p, op in await operations(client) if p.startswith("/v1/notify/")]
    assert len(notify) == 4
    for path, operation in notify:
        if "/alipay" in path:
            assert list(operation["requestBody"]["content"]) == ["application/x-www-form-urlencoded"]
            assert list(operation["responses"]["200"]["content"]) == ["text/plain"]
        else:
            assert list(operation["requestBody"]["content"]) == ["application/json"]
            assert "content" not in operation["responses"]["204"]
            assert {p["name"] for p in operation["parameters"] if p["in"] == "header"} >= {
                "Wechatpay-Signature", "Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Serial"}
            fail = operation["responses"]["400"]["content"]["application/json"]["schema"]["anyOf"][0]
            assert fail["properties"]["code"] == {"const": "FAIL"}


async def test_a_method_the_path_does_not_serve_answers_405_with_allow(
        client: AsyncTestClient) -> None:  # type: ignore[type-arg]
    response = await client.request("TRACE", "/v1/payments")
    assert response.status_code == 405
    assert response.json()["code"] == "METHOD_NOT_ALLOWED"
    assert {m.strip() for m in response.headers["allow"].split(",")} >= {"GET", "POST"}


async def test_options_lists_every_method_of_a_path_served_by_two_handlers(
        client: AsyncTestClient) -> None:  # type: ignore[type-arg]
    response = await client.options("/v1/payments")  # GET and POST are handlers of one controller each
    assert response.status_code == 204
    assert response.headers["allow"] == "GET, OPTIONS, POST"


@pytest.mark.parametrize("moment", ["2026-11-24T20:30:00", "2026-11-24", "yesterday"])
async def test_created_from_is_an_rfc3339_time_with_its_offset(
        client: AsyncTestClient, moment: str) -> None:  # type: ignore[type-arg]
    refused = await client.get("/v1/payments", params={"created_from": moment})
    assert refused.status_code == 400
    assert refused.json()["extra"]["field"] == "created_from"
    accepted = await client.get("/v1/payments", params={"created_from": "2026-11-24T20:30:00.5+08:00"})
    assert accepted.status_code == 200


async def test_the_create_body_lists_each_providers_methods(client: AsyncTestClient) -> None:  # type: ignore[type-arg]
    """What the adapters offer, by payment_type (jsapi in its own branch, with its openid), and payer_client_ip."""
    create = (await client.get("/schema/openapi.json")).json()["components"]["schemas"]["CreatePaymentRequest"]
    branches = {(b["properties"]["payment_type"]["const"],
                 tuple(b["properties"]["pay_method"].get("enum") or [b["properties"]["pay_method"]["const"]]))
                for b in create["oneOf"]}
    assert branches == {("alipay", ("pc", "wap", "qr")), ("wechat", ("native", "h5")), ("wechat", ("jsapi",))}
    assert create["description"] == "pay_method by payment_type: alipay pc | wap | qr; wechat native | h5, or jsapi " \
                                    "with an openid"
    assert "payer_client_ip" in create["properties"]
