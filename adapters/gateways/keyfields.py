"""Reading key fields of a config for a provider's ConfigRules: refusals name the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from application.errors import InvalidConfig, InvalidKeyMaterial


def parse_key(out: dict[str, Any], name: str, parse: Callable[[str], str]) -> None:
    """Replace `out[name]` (when set) by its parsed form; InvalidConfig naming the field otherwise."""
    if out.get(name):
        try:
            out[name] = parse(str(out[name]))
        except InvalidKeyMaterial as e:
            raise InvalidConfig(name, e.reason, e.reason_zh) from e
