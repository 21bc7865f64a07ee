"""POST /v1/admin/api-keys/{key_id}/webhook-secret (scope admin): rotate a key's webhook secret with an overlap."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import msgspec
from litestar import Request, post
from litestar.params import Parameter

from application.webhook_secrets import RotateWebhookSecret
from entrypoints.http.auth import require_scope
from entrypoints.http.schemas import iso


class RotateSecretRequest(msgspec.Struct, forbid_unknown_fields=True):
    """How long the previous secret keeps signing beside the new one (0 stops it at once)."""

    overlap_hours: Annotated[int, msgspec.Meta(ge=0, le=168)] = 24


class RotatedSecretView(msgspec.Struct):
    """The new secret, shown this once, and until when the previous one signs too."""

    key_id: str
    webhook_secret: str
    previous_valid_until: str | None


@post("/v1/admin/api-keys/{key_id:str}/webhook-secret", status_code=200, guards=[require_scope],
      opt={"scope": "admin"}, tags=["admin"], summary="Rotate an API key's webhook secret")
async def rotate_webhook_secret(request: Request[Any, Any, Any], key_id: Annotated[str, Parameter(max_length=64)],
                                data: RotateSecretRequest) -> RotatedSecretView:
    """A new `whsec_…` secret for the key's webhooks; both secrets sign every webhook until the overlap ends.
    Send `{}` for the default overlap of 24 hours."""
    rotate: RotateWebhookSecret = request.app.state.container.rotate_webhook_secret()
    rotated = await rotate(key_id, timedelta(hours=data.overlap_hours))
    until = iso(rotated.previous_valid_until)
    return RotatedSecretView(rotated.key_id, rotated.webhook_secret, until)
