"""Every payment-config admin route × every kind of key: only a live admin key gets through."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import Env
from tests.e2e.test_admin_configs import alipay_config

CONFIGS = "/v1/admin/payment-configs"
ROUTES = [("POST", ""), ("GET", ""), ("GET", "/{id}"), ("PATCH", "/{id}"), ("DELETE", "/{id}")]


async def call(env: Env, method: str, route: str, key: str | None, config_id: int) -> Any:
    """One call to a config route with a key (or none)."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    body = {"POST": alipay_config(), "PATCH": {"config_name": "renamed"}}.get(method)
    path = CONFIGS + route.replace("{id}", str(config_id))
    return await env.client.request(method, path, headers=headers, json=body)


async def configs_as_stored(env: Env) -> list[tuple[int, str]]:
    """The live configs' ids and names, read past the API."""
    async with env.container.uow()() as uow:
        return [(c.config_id, c.config_name) for c in await uow.configs.list()]


@pytest.mark.parametrize(("method", "route"), ROUTES)
async def test_config_routes_answer_only_a_live_admin_key(env: Env, method: str, route: str) -> None:
    revoked = await env.container.api_keys().issue("old admin", "admin")
    await env.container.api_keys().revoke(revoked.key.key_id)
    created = await env.client.post(CONFIGS, json=alipay_config(), headers=env.auth(env.admin_key))
    config_id = created.json()["config_id"]
    before = await configs_as_stored(env)
    refusals = {None: 401, "pck_nothere_nosecret": 401, revoked.token: 401, env.admin_key[:-1] + "x": 401,
                env.payments_key: 403}
    for key, status in refusals.items():
        response = await call(env, method, route, key, config_id)
        assert response.status_code == status, (key, response.text)
        assert response.json()["code"] == ("UNAUTHENTICATED" if status == 401 else "FORBIDDEN")
    assert await configs_as_stored(env) == before  # a refused call changed nothing

    allowed = await call(env, method, route, env.admin_key, config_id)
    assert allowed.status_code not in (401, 403), allowed.text
    assert allowed.status_code < 300, allowed.text


async def test_every_admin_route_refuses_no_key_and_a_payments_key_before_anything_else(env: Env) -> None:
    routes = [(method, re.sub(r"\{[^}]+\}", "1", route.path)) for route in env.client.app.routes
              if route.path.startswith("/v1/admin/") for method in sorted(route.methods - {"HEAD", "OPTIONS"})]
    assert len(routes) >= 20
    for method, path in routes:
        for key, status, code in ((None, 401, "UNAUTHENTICATED"), (env.payments_key, 403, "FORBIDDEN")):
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            response = await env.client.request(method, path, headers=headers)
            assert (response.status_code, response.json().get("code")) == (status, code), (method, path, response.text)
