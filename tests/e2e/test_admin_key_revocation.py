"""DELETE /v1/admin/api-keys/{key_id}: the last active admin key cannot be revoked (409 LAST_ADMIN_KEY)."""

from __future__ import annotations

from tests.e2e.conftest import Env


async def admin_key_ids(env: Env) -> list[str]:
    """The ids of the active admin keys."""
    listed = (await env.client.get("/v1/admin/api-keys", headers=env.auth(env.admin_key))).json()["items"]
    return [k["key_id"] for k in listed if k["scope"] == "admin" and not k.get("revoked")]


async def test_the_last_active_admin_key_cannot_revoke_itself(env: Env) -> None:
    [only] = await admin_key_ids(env)
    refused = await env.client.delete(f"/v1/admin/api-keys/{only}", headers=env.auth(env.admin_key))
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "LAST_ADMIN_KEY"
    assert "last active admin key" in refused.json()["detail"]
    zh = await env.client.delete(f"/v1/admin/api-keys/{only}", headers=env.auth(env.admin_key, **{
        "Accept-Language": "zh"}))
    assert (zh.status_code, zh.json()["code"]) == (409, "LAST_ADMIN_KEY")
    assert "管理员密钥" in zh.json()["detail"]
    assert (await env.client.get("/v1/admin/api-keys", headers=env.auth(env.admin_key))).status_code == 200


async def test_an_admin_key_can_be_revoked_once_another_one_is_active(env: Env) -> None:
    second = await env.client.post("/v1/admin/api-keys", json={"name": "ops 2", "scope": "admin"},
                                   headers=env.auth(env.admin_key))
    assert second.status_code == 201, second.text
    [first] = [k for k in await admin_key_ids(env) if k != second.json()["key_id"]]
    revoked = await env.client.delete(f"/v1/admin/api-keys/{first}", headers=env.auth(second.json()["key"]))
    assert revoked.status_code == 204, revoked.text
    assert (await env.client.get("/v1/admin/api-keys", headers=env.auth(env.admin_key))).status_code == 401
    again = await env.client.delete(f"/v1/admin/api-keys/{second.json()['key_id']}",
                                    headers=env.auth(second.json()["key"]))
    assert (again.status_code, again.json()["code"]) == (409, "LAST_ADMIN_KEY")
