"""Bearer keys and scopes on every route; health, readiness and the OpenAPI document."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.e2e.conftest import TEST_MASTER_KEYS, Env, order

PAYMENT_ROUTES = [
    ("POST", "/v1/payments"), ("GET", "/v1/payments"), ("GET", "/v1/payments/T20261124001"),
    ("POST", "/v1/payments/T20261124001/close"), ("GET", "/v1/payments/T20261124001/events"),
    ("POST", "/v1/payments/T20261124001/refunds"), ("GET", "/v1/payments/T20261124001/refunds"),
    ("GET", "/v1/refunds/R1"),
]
ADMIN_ROUTES = [("POST", "/v1/admin/api-keys"), ("GET", "/v1/admin/api-keys"), ("DELETE", "/v1/admin/api-keys/x")]


async def call(env: Env, method: str, path: str, key: str | None) -> int:
    """The status of one call with a key (or none)."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    body = {"name": "k", "scope": "payments"} if path.endswith("api-keys") else order()
    if path.endswith("refunds"):
        body = {"refund_no": "R1", "refund_amount": "1.00"}
    response = await env.client.request(method, path, headers=headers, json=body if method == "POST" else None)
    return response.status_code


@pytest.mark.parametrize(("method", "path"), PAYMENT_ROUTES + ADMIN_ROUTES)
async def test_every_route_needs_a_live_key_with_the_right_scope(env: Env, method: str, path: str) -> None:
    revoked = await env.container.api_keys().issue("old", "admin")
    await env.container.api_keys().revoke(revoked.key.key_id)
    assert await call(env, method, path, None) == 401
    assert await call(env, method, path, "pck_nothere_nosecret") == 401
    assert await call(env, method, path, revoked.token) == 401
    assert await call(env, method, path, env.payments_key[:-1] + "x") == 401
    payments_status = await call(env, method, path, env.payments_key)
    admin_status = await call(env, method, path, env.admin_key)
    if (method, path) in ADMIN_ROUTES:
        assert payments_status == 403
    else:
        assert payments_status not in (401, 403)
    assert admin_status not in (401, 403)


async def test_an_issued_key_is_shown_once_and_revocation_is_immediate(env: Env) -> None:
    created = await env.client.post("/v1/admin/api-keys", json={"name": "shop2", "scope": "payments"},
                                    headers=env.auth(env.admin_key))
    assert created.status_code == 201
    token, key_id = created.json()["key"], created.json()["key_id"]
    listed = await env.client.get("/v1/admin/api-keys", headers=env.auth(env.admin_key))
    assert all(k["key"] is None for k in listed.json()["items"])
    assert (await env.client.get("/v1/payments", headers=env.auth(token))).status_code == 200
    assert (await env.client.delete(f"/v1/admin/api-keys/{key_id}", headers=env.auth(env.admin_key))).status_code == 204
    assert (await env.client.get("/v1/payments", headers=env.auth(token))).status_code == 401


async def test_health_ready_and_schema_answer(env: Env) -> None:
    assert (await env.client.get("/health")).json() == {"status": "ok"}
    assert (await env.client.get("/ready")).status_code == 200
    schema = await env.client.get("/schema/openapi.json")
    assert schema.status_code == 200
    assert "/v1/payments/{order_no}/refunds" in schema.json()["paths"]


async def test_ready_is_503_when_the_database_cannot_be_reached(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir" / "x.db"
    container = build_container(Settings(database_url=f"sqlite+aiosqlite:///{missing}", master_keys=TEST_MASTER_KEYS))
    async with AsyncTestClient(create_app(container)) as client:
        response = await client.get("/ready")
        health = await client.get("/health")
    await container.engine().dispose()
    assert response.status_code == 503
    assert health.status_code == 200
