"""Admin endpoints (scope admin): API keys."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter

from application.api_keys import ApiKeys
from application.errors import ApiKeyNotFound
from entrypoints.http.auth import require_scope
from entrypoints.http.schemas import ApiKeyList, ApiKeyView, CreateApiKeyRequest, api_key_view


class ApiKeyController(Controller):
    """/v1/admin/api-keys."""

    path = "/v1/admin/api-keys"
    guards = [require_scope]  # noqa: RUF012 - Litestar reads this class attribute
    opt = {"scope": "admin"}  # noqa: RUF012
    tags = ["admin"]  # noqa: RUF012

    @post("/", status_code=201)
    async def create(self, data: JSONBody[CreateApiKeyRequest], api_keys: NamedDependency[ApiKeys]) -> ApiKeyView:
        """Issue a key; its secret is shown this once."""
        issued = await api_keys.issue(data.name, data.scope, data.webhook_url)
        return api_key_view(issued.key, issued.token)

    @get("/")
    async def list_keys(self, api_keys: NamedDependency[ApiKeys]) -> ApiKeyList:
        """Every key, without secrets."""
        return ApiKeyList([api_key_view(k) for k in await api_keys.list()])

    @delete("/{key_id:str}", status_code=204)
    async def revoke(
        self, key_id: Annotated[str, Parameter(max_length=64)], api_keys: NamedDependency[ApiKeys]
    ) -> None:
        """Revoke a key; it stops working at once."""
        if not await api_keys.revoke(key_id):
            raise ApiKeyNotFound(f"no API key {key_id}", key_id=key_id)
