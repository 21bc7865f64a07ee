"""The WeChat Pay v3 adapter: wechatpayv3 for outgoing calls (no network at start, worker threads,
timeouts, honest errors) and callbacks refused, verified and decrypted before anything counts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from pathlib import Path

from adapters.gateways.wechat.credentials import PUBLIC_GATEWAY, WeChatCredentials
from adapters.gateways.wechat.gateway import WeChatGateway
from application.errors import InvalidKeyMaterial
from application.records import PaymentConfig, PayMethodRule
from domain.kinds import PayMethod

__all__ = ["PAY_METHODS", "PUBLIC_GATEWAY", "WeChatCredentials", "WeChatGateway", "wechat_gateway_from_config"]

# /v3/pay/transactions/native, /jsapi, which names the payer (payer.openid) inside WeChat, and /h5 for phone browsers
PAY_METHODS = (PayMethodRule(PayMethod.NATIVE), PayMethodRule(PayMethod.JSAPI, needs_openid=True),
               PayMethodRule(PayMethod.H5, needs_payer_ip=True))


def wechat_gateway_from_config(
        config: PaymentConfig, secrets: Mapping[str, str], notify_url: str, timeout: float,
        on_certificates: Callable[[int, list[str]], Awaitable[None]] | None = None) -> WeChatGateway:
    """The gateway for a stored config whose secrets were opened (`private_key`, `api_v3_key`).

    In certificate mode, `on_certificates(config_id, pems)` keeps the platform certificates WeChat rotated to."""
    credentials = WeChatCredentials(
        mchid=config.setting("mch_id"),
        appid=config.app_id,
        private_key_pem=secrets.get("private_key") or _key_file(config.setting("private_cert_path")),
        cert_serial_no=config.setting("cert_serial_no"),
        api_v3_key=secrets.get("api_v3_key", ""),
        wechat_public_key_pem=config.setting("wechat_public_key"),
        wechat_public_key_id=config.setting("wechat_public_key_id"),
        platform_cert_pems=(platform,) if (platform := config.setting("wechat_platform_cert")).strip() else (),
        gateway_url=config.gateway_url or PUBLIC_GATEWAY,
        notify_url=notify_url,
    )
    keep = partial(on_certificates, config.config_id) if on_certificates and credentials.platform_cert_pems else None
    return WeChatGateway(credentials, timeout, on_certificates=keep)


def _key_file(path: str) -> str:
    """The private key from the config's fallback file."""
    if not path:
        raise InvalidKeyMaterial("the WeChat Pay config has no private key and no private key file",
                                 "该微信支付配置既没有私钥，也没有私钥文件")
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InvalidKeyMaterial(f"the private key file {path!r} cannot be read: {type(e).__name__}",
                                 f"私钥文件 {path!r} 无法读取：{type(e).__name__}") from e
