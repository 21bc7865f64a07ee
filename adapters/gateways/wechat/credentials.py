"""What the adapter needs to speak for one WeChat Pay merchant and app."""

from __future__ import annotations

from dataclasses import dataclass

from application.errors import InvalidKeyMaterial

PUBLIC_GATEWAY = "https://api.mch.weixin.qq.com"
API_V3_KEY_BYTES = 32


@dataclass(frozen=True, slots=True)
class WeChatCredentials:
    """One merchant (mchid) and app (appid): keys, where WeChat lives and where it calls back.

    Public-key mode (`wechat_public_key_pem` + `wechat_public_key_id`) is the main mode; certificate
    mode trusts the configured `platform_cert_pems`. Both may be given while WeChat migrates a merchant.
    """

    mchid: str
    appid: str
    private_key_pem: str  # the merchant API key: PKCS#8 or PKCS#1 PEM (or bare base64); normalised to PKCS#8
    cert_serial_no: str  # the serial of the merchant API certificate, sent in every Authorization header
    api_v3_key: str  # 32 bytes; decrypts callback resources
    wechat_public_key_pem: str = ""
    wechat_public_key_id: str = ""  # "PUB_KEY_ID_…", what WeChat puts in Wechatpay-Serial in public-key mode
    platform_cert_pems: tuple[str, ...] = ()  # each item may hold several PEM certificates
    gateway_url: str = PUBLIC_GATEWAY  # the API root (scheme, host, port); WeChat signs only the path
    notify_url: str = ""

    def __post_init__(self) -> None:
        if len(self.api_v3_key.encode("utf-8")) != API_V3_KEY_BYTES:
            raise InvalidKeyMaterial("the WeChat Pay APIv3 key must be exactly 32 bytes",
                                     "微信支付 APIv3 密钥必须正好 32 字节")
        if bool(self.wechat_public_key_pem) != bool(self.wechat_public_key_id):
            raise InvalidKeyMaterial("public-key mode needs both the WeChat Pay public key and its id",
                                     "公钥模式需要同时提供微信支付公钥及其 ID")
        if not self.public_key_mode and not any(pem.strip() for pem in self.platform_cert_pems):
            raise InvalidKeyMaterial("configure the WeChat Pay public key and its id, or a platform certificate",
                                     "请配置微信支付公钥及其 ID，或平台证书")

    @property
    def public_key_mode(self) -> bool:
        """Whether WeChat's answers and callbacks are verified with the WeChat Pay public key."""
        return bool(self.wechat_public_key_id)

    def __repr__(self) -> str:  # never print the private key or the APIv3 key
        mode = "public_key" if self.public_key_mode else "certificate"
        return (f"WeChatCredentials(mchid={self.mchid!r}, appid={self.appid!r}, mode={mode!r}, "
                f"gateway_url={self.gateway_url!r})")
