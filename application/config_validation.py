"""Checking and normalising a payment config's fields, with errors that name the field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from application.errors import ApplicationError, InvalidKeyMaterial
from application.ports import KeyInspector

ALIPAY_SANDBOX_GATEWAY = "https://openapi-sandbox.dl.alipaydev.com/gateway.do"
TEXT_FIELDS = ("config_name", "app_id", "mch_id", "cert_serial_no", "private_cert_path", "notify_url", "return_url",
               "remark", "gateway_url", "seller_id", "wechat_public_key_id")
KEY_FIELDS = ("private_key", "public_key", "alipay_public_key", "wechat_public_key", "wechat_platform_cert")
FIELDS = ("payment_type", *TEXT_FIELDS, *KEY_FIELDS, "api_key", "api_v3_key", "is_sandbox", "is_default", "status")
REQUIRED = {
    "alipay": ("config_name", "app_id", "private_key", "alipay_public_key"),
    "wechat": ("config_name", "app_id", "mch_id", "api_v3_key", "cert_serial_no"),
}
_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$")


class InvalidConfig(ApplicationError):
    """A config field that is missing or wrong."""

    code = "VALIDATION_ERROR"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", field=field, fields=[{"key": field, "message": message}])


class KeyPairMismatch(ApplicationError):
    """The configured public key is not the private key's."""

    code = "KEY_PAIR_MISMATCH"


def normalise(fields: Mapping[str, Any], keys: KeyInspector) -> dict[str, Any]:
    """The whole config checked, keys in the form each SDK needs; InvalidConfig names the first bad field."""
    out = dict(fields)
    payment_type = out.get("payment_type")
    if payment_type not in REQUIRED:
        raise InvalidConfig("payment_type", "must be 'alipay' or 'wechat'")
    for name in REQUIRED[payment_type]:
        if not out.get(name):
            raise InvalidConfig(name, f"is required for a {payment_type} config")
    for name in ("notify_url", "return_url", "gateway_url"):
        if out.get(name) and not _URL.fullmatch(str(out[name])):
            raise InvalidConfig(name, "must be an http:// or https:// URL")
    if out.get("status", "0") not in ("0", "1"):
        raise InvalidConfig("status", 'must be "0" (normal) or "1" (disabled)')
    if payment_type == "alipay":
        _alipay(out, keys)
    else:
        _wechat(out, keys)
    return out


def _key(out: dict[str, Any], name: str, parse: Any) -> None:
    if out.get(name):
        try:
            out[name] = parse(str(out[name]))
        except InvalidKeyMaterial as e:
            raise InvalidConfig(name, str(e.extra.get("reason") or e.message)) from e


def _alipay(out: dict[str, Any], keys: KeyInspector) -> None:
    _key(out, "private_key", lambda text: keys.private_key(text, pkcs8=False))
    _key(out, "alipay_public_key", keys.public_key)
    _key(out, "public_key", keys.public_key)
    if out.get("public_key") and keys.public_key_of(out["private_key"]) != out["public_key"]:
        raise KeyPairMismatch(
            "public_key is not the public half of private_key: upload the matching pair (the app public key "
            "you gave Alipay, and its private key)", field="public_key",
            fields=[{"key": "public_key", "message": "does not match private_key"}])
    if out.get("is_sandbox") and not out.get("gateway_url"):
        out["gateway_url"] = ALIPAY_SANDBOX_GATEWAY


def _wechat(out: dict[str, Any], keys: KeyInspector) -> None:
    if out.get("is_sandbox"):
        raise InvalidConfig("is_sandbox", "WeChat Pay v3 has no sandbox; set gateway_url to a test double such as "
                                          "the paycore emulator (paycore emulator) instead")
    if len(str(out["api_v3_key"]).encode()) != 32:
        raise InvalidConfig("api_v3_key", "must be exactly 32 bytes (the APIv3 key set in the merchant console)")
    if not out.get("private_key") and not out.get("private_cert_path"):
        raise InvalidConfig("private_key", "is required (or private_cert_path): the merchant API private key")
    _key(out, "private_key", lambda text: keys.private_key(text, pkcs8=True))
    _key(out, "wechat_public_key", keys.public_key)
    if out.get("wechat_platform_cert"):  # kept as given (the SDK wants the certificate); checked only
        _key(dict(out), "wechat_platform_cert", keys.public_key)
    public_key_mode = bool(out.get("wechat_public_key")) and bool(out.get("wechat_public_key_id"))
    if out.get("wechat_public_key") and not out.get("wechat_public_key_id"):
        raise InvalidConfig("wechat_public_key_id", "is required with wechat_public_key (PUB_KEY_ID_…)")
    if not public_key_mode and not out.get("wechat_platform_cert"):
        raise InvalidConfig("wechat_public_key", "a WeChat config needs public-key mode (wechat_public_key and "
                                                 "wechat_public_key_id) or a platform certificate")
    serials: list[str] = []
    if out.get("wechat_platform_cert"):
        try:
            serials = keys.certificate_serials(str(out["wechat_platform_cert"]))
        except InvalidKeyMaterial as e:
            raise InvalidConfig("wechat_platform_cert", str(e.extra.get("reason") or e.message)) from e
    # The keys WeChat signs this config's callbacks with, by the ids it names them with in Wechatpay-Serial.
    out["key_ids"] = tuple(dict.fromkeys(k for k in (out.get("wechat_public_key_id", ""), *serials) if k))
