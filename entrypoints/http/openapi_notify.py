"""The provider notification routes as the providers really call them: each provider's adapter documents its own
request body, headers and answers (`NotifyProtocol.document`); what paycore itself may answer on any of them (a
body too large, a bug, a config id that is no number) is added here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.gateways.provider import NotifyProtocol
from entrypoints.http.rate_limits import NOTIFY_PREFIX

ERROR_REF = {"$ref": "#/components/schemas/Error"}
_ERROR = {"application/json": {"schema": ERROR_REF}}


def describe_notify(protocols: Mapping[str, NotifyProtocol], path: str, operation: dict[str, Any]) -> None:
    """The real request body, headers and answers of a notify operation."""
    protocol = protocols.get(path.removeprefix(NOTIFY_PREFIX).split("/", 1)[0])
    operation.setdefault("responses", {})
    if protocol is not None:
        protocol.document(operation, ERROR_REF)
    operation["responses"]["413"] = {"description": "REQUEST_TOO_LARGE: the body is over 1 MiB", "content": _ERROR}
    operation["responses"]["500"] = operation["responses"].get("500") or {
        "description": "INTERNAL_ERROR: a bug, logged on our side", "content": _ERROR}
    if "{" in path:
        operation["responses"]["404"] = {"description": "NOT_FOUND: no route (config_id not a number)",
                                         "content": _ERROR}
