"""Checking and normalising a payment config's fields, with errors that name the field.

What every config shares is checked here; what a provider requires (its fields, keys, certificates, defaults)
is its adapter's ConfigRules (adapters/gateways/<provider>/config.py): the application knows no provider rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Protocol

from application.errors import InvalidConfig
from application.records import PRIVATE_KEY

TEXT_FIELDS = ("config_name", "app_id", "notify_url", "return_url", "remark", "gateway_url")
KEY_FIELDS = (PRIVATE_KEY, "public_key")
# The fields every config has; each provider adds its own settings and secrets (ConfigRules).
FIELDS = ("payment_type", *TEXT_FIELDS, *KEY_FIELDS, "is_sandbox", "is_default", "enabled")
_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$")


class ConfigRules(Protocol):
    """One provider's rules over its config fields, kept with its adapter."""

    @property
    def settings(self) -> tuple[str, ...]:
        """The names of the provider's own settings (public keys, certificates, their ids), stored in
        `PaymentConfig.settings`; each is text and "" when not given."""

    @property
    def secrets(self) -> tuple[str, ...]:
        """The names of the provider's secrets beyond the private key (an API key, say): sealed at rest, never
        shown."""

    def normalise(self, out: dict[str, Any]) -> None:
        """Check the provider's fields in place (keys in the form its SDK needs, defaults filled, `key_ids`
        derived); InvalidConfig or KeyPairMismatch names the first bad field."""


def setting_names(rules: Mapping[str, ConfigRules]) -> tuple[str, ...]:
    """Every provider's settings, each name once, in the order the rules give them."""
    return tuple(dict.fromkeys(name for provider in rules.values() for name in provider.settings))


def secret_names(rules: Mapping[str, ConfigRules]) -> tuple[str, ...]:
    """The private key, then every provider's other secrets, each name once."""
    return tuple(dict.fromkeys((PRIVATE_KEY, *(name for provider in rules.values() for name in provider.secrets))))


def require(out: Mapping[str, Any], payment_type: str, names: tuple[str, ...]) -> None:
    """InvalidConfig for the first of `names` that is empty."""
    for name in names:
        if not out.get(name):
            raise InvalidConfig(name, f"is required for a {payment_type} config", f"为 {payment_type} 配置的必填项")


def normalise(fields: Mapping[str, Any], rules: Mapping[str, ConfigRules]) -> dict[str, Any]:
    """The whole config checked, keys in the form each SDK needs; InvalidConfig names the first bad field."""
    out = dict(fields)
    payment_type = out.get("payment_type")
    provider = rules.get(payment_type) if isinstance(payment_type, str) else None
    if provider is None:
        choices = [repr(k) for k in sorted(rules)]
        raise InvalidConfig("payment_type", "must be " + " or ".join(choices), "须为 " + " 或 ".join(choices))
    require(out, str(payment_type), ("config_name",))
    for name in ("notify_url", "return_url", "gateway_url"):
        if out.get(name) and not _URL.fullmatch(str(out[name])):
            raise InvalidConfig(name, "must be an http:// or https:// URL", "须为 http:// 或 https:// 地址")
    if not isinstance(out.get("enabled", True), bool):
        raise InvalidConfig("enabled", "must be true or false", "须为 true 或 false")
    provider.normalise(out)
    return out
