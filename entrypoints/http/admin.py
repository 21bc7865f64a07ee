"""Admin endpoints (scope admin): API keys and payment configs."""

from __future__ import annotations

from typing import Annotated, Any, TypeAlias

import msgspec
from litestar import Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, JSONBody, Parameter

from application.api_keys import ApiKeys
from application.errors import ApiKeyNotFound
from application.manage_configs import ManageConfigs
from entrypoints.http.auth import AdminController, current_key
from entrypoints.http.config_files import form_fields
from entrypoints.http.config_schemas import ConfigRequest, ConfigShapes
from entrypoints.http.schemas import ApiKeyList, ApiKeyView, CreateApiKeyRequest, api_key_view


class ApiKeyController(AdminController):
    """/v1/admin/api-keys."""

    path = "/v1/admin/api-keys"

    @post("/", status_code=201)
    async def create(self, data: JSONBody[CreateApiKeyRequest], api_keys: NamedDependency[ApiKeys]) -> ApiKeyView:
        """Issue a key; its secret is shown this once."""
        issued = await api_keys.issue(data.name, data.scope, data.webhook_url)
        return api_key_view(issued.key, issued.token, issued.webhook_secret)

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


ConfigId = Annotated[int, Parameter(ge=1, le=2**53 - 1)]
Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
# As mypy sees them; Litestar reads each app's own shapes (the controller's signature_namespace).
ConfigResponse: TypeAlias = msgspec.Struct
ConfigList: TypeAlias = msgspec.Struct


def payment_config_controller(shapes: ConfigShapes) -> type[AdminController]:
    """/v1/admin/payment-configs, its bodies shaped for the app's providers (their settings among the fields)."""

    class PaymentConfigController(AdminController):
        """/v1/admin/payment-configs."""

        path = "/v1/admin/payment-configs"
        # The annotations below name these shapes (mypy sees the provider-neutral ConfigRequest and a Struct).
        signature_namespace = {  # noqa: RUF012 - Litestar reads this class attribute
            "ConfigRequest": shapes.request, "ConfigResponse": shapes.response, "ConfigList": shapes.list}

        @post("/", status_code=201)
        async def create(self, request: Request[Any, Any, Any], data: JSONBody[ConfigRequest],
                         configs: NamedDependency[ManageConfigs]) -> ConfigResponse:
            """Create a config; secrets are stored encrypted and never shown again."""
            return shapes.view(await configs.create(data.given(), by=current_key(request).name))

        @post("/files", status_code=201)
        async def create_from_files(self, request: Request[Any, Any, Any], data: Form,
                                    configs: NamedDependency[ManageConfigs]) -> ConfigResponse:
            """Create a config from a form (multipart/form-data): the JSON body's fields as form fields, each
            certificate or key as the file the provider's console gave, under its field's name."""
            fields = await form_fields(data, shapes.request)
            return shapes.view(await configs.create(fields, by=current_key(request).name))

        @patch("/{config_id:int}/files")
        async def update_from_files(self, request: Request[Any, Any, Any], config_id: ConfigId, data: Form,
                                    configs: NamedDependency[ManageConfigs]) -> ConfigResponse:
            """Change some fields from a form, e.g. upload a provider's certificate files to move a config to its
            certificate mode; fields not sent stay as they are."""
            fields = await form_fields(data, shapes.request)
            return shapes.view(await configs.update(config_id, fields, by=current_key(request).name))

        @get("/")
        async def list_configs(self, configs: NamedDependency[ManageConfigs]) -> ConfigList:
            """Every live config, secrets masked."""
            return shapes.views(await configs.list())

        @get("/{config_id:int}")
        async def read(self, config_id: ConfigId, configs: NamedDependency[ManageConfigs]) -> ConfigResponse:
            """One config, secrets masked."""
            return shapes.view(await configs.get(config_id))

        @patch("/{config_id:int}")
        async def update(self, request: Request[Any, Any, Any], config_id: ConfigId, data: JSONBody[ConfigRequest],
                         configs: NamedDependency[ManageConfigs]) -> ConfigResponse:
            """Change some fields; secrets not sent stay as they are."""
            return shapes.view(await configs.update(config_id, data.given(), by=current_key(request).name))

        @delete("/{config_id:int}", status_code=204)
        async def remove(self, request: Request[Any, Any, Any], config_id: ConfigId,
                         configs: NamedDependency[ManageConfigs]) -> None:
            """Soft-delete (del_flag "2"); payments made with it keep their history."""
            await configs.delete(config_id, by=current_key(request).name)

    return PaymentConfigController
