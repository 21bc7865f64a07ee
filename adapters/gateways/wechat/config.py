"""A WeChat Pay v3 config's rules: APIv3 key, merchant key, and public-key or platform-certificate mode."""

from __future__ import annotations

from typing import Any

from adapters.gateways.keyfields import parse_key
from application.config_validation import require
from application.errors import InvalidConfig, InvalidKeyMaterial
from application.ports.crypto import KeyInspector

# PaymentConfig.settings of a WeChat config: the merchant (商户号), its API certificate's serial and the file of its
# private key (when not given as private_key), public-key mode's key and its id, and the platform certificates.
SETTINGS = ("mch_id", "cert_serial_no", "private_cert_path", "wechat_public_key", "wechat_public_key_id",
            "wechat_platform_cert")
# Its secrets beside the private key: the APIv2 key (the seed's column, unused by v3) and the APIv3 key.
SECRETS = ("api_key", "api_v3_key")


class WeChatConfigRules:
    """WeChat's config fields; `key_ids` lists the ids its callbacks' Wechatpay-Serial may name."""

    settings = SETTINGS
    secrets = SECRETS

    def __init__(self, keys: KeyInspector) -> None:
        self._keys = keys

    def normalise(self, out: dict[str, Any]) -> None:
        """Keys as wechatpayv3 needs them (PKCS#8), the mode checked, the callback key ids derived."""
        require(out, "wechat", ("app_id", "mch_id", "api_v3_key", "cert_serial_no"))
        if out.get("is_sandbox"):
            raise InvalidConfig("is_sandbox", "WeChat Pay v3 has no sandbox; set gateway_url to a test double such "
                                              "as the paycore emulator (paycore emulator) instead",
                                "微信支付 v3 没有沙箱环境；请把 gateway_url 指向测试替身，"
                                "例如 paycore 模拟器（paycore emulator）")
        if (size := len(str(out["api_v3_key"]).encode())) != 32:
            raise InvalidConfig("api_v3_key", "must be exactly 32 bytes (the APIv3 key set in the merchant console)",
                                f"须正好 32 字节（商户平台设置的 APIv3 密钥），现为 {size} 字节")
        if not out.get("private_key") and not out.get("private_cert_path"):
            raise InvalidConfig("private_key", "is required (or private_cert_path): the merchant API private key",
                                "必填（或填 private_cert_path）：商户 API 私钥")
        parse_key(out, "private_key", lambda text: self._keys.private_key(text, pkcs8=True))
        parse_key(out, "wechat_public_key", self._keys.public_key)
        if out.get("wechat_platform_cert"):  # kept as given (the SDK wants the certificate); checked only
            parse_key(dict(out), "wechat_platform_cert", self._keys.public_key)
        public_key_mode = bool(out.get("wechat_public_key")) and bool(out.get("wechat_public_key_id"))
        if out.get("wechat_public_key") and not out.get("wechat_public_key_id"):
            raise InvalidConfig("wechat_public_key_id", "is required with wechat_public_key (PUB_KEY_ID_…)",
                                "填写 wechat_public_key 时必填（PUB_KEY_ID_…）")
        if not public_key_mode and not out.get("wechat_platform_cert"):
            raise InvalidConfig("wechat_public_key", "a WeChat config needs public-key mode (wechat_public_key and "
                                                     "wechat_public_key_id) or a platform certificate",
                                "微信支付配置需要公钥模式（wechat_public_key 和 wechat_public_key_id）或平台证书")
        serials: list[str] = []
        if out.get("wechat_platform_cert"):
            try:
                serials = self._keys.certificate_serials(str(out["wechat_platform_cert"]))
            except InvalidKeyMaterial as e:
                raise InvalidConfig("wechat_platform_cert", e.reason, e.reason_zh) from e
        # The keys WeChat signs this config's callbacks with, by the ids it names them with in Wechatpay-Serial.
        out["key_ids"] = tuple(dict.fromkeys(k for k in (out.get("wechat_public_key_id", ""), *serials) if k))
