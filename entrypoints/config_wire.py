"""A payment config as the API and import files spell it: the seed's `status` flag ("0" normal, "1" disabled)
becomes the application's `enabled` boolean here, at the edge, and back (API.md keeps the strings)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from application.errors import InvalidConfig

NORMAL, DISABLED = "0", "1"


def config_from_wire(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The fields for ManageConfigs: `status` read as `enabled`; InvalidConfig for a flag that is neither."""
    out = dict(fields)
    if "enabled" in out:  # not a wire field: only `status` says it
        raise InvalidConfig("enabled", 'is not a payment config field; use "status": "0" (normal) or "1" (disabled)',
                            '不是支付配置字段；请用 "status"："0"（正常）或 "1"（停用）')
    if "status" in out:
        status = out.pop("status")
        if status not in (NORMAL, DISABLED):
            raise InvalidConfig("status", 'must be "0" (normal) or "1" (disabled)', '须为 "0"（正常）或 "1"（停用）')
        out["enabled"] = status == NORMAL
    return out


def status_of(enabled: bool) -> str:
    """The seed's status flag of a config."""
    return NORMAL if enabled else DISABLED
