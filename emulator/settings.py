"""What the emulator is started with."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class EmulatorSettings:
    """Settings of one emulator process."""

    base_url: str = "http://127.0.0.1:9100"
    """The public URL the emulator is reached at: bill_download_url is built on it (cashier forms are relative)."""
    alipay_private_key_pem: str | None = None
    """Alipay's own RSA private key (PKCS#1/PKCS#8, PEM or base64); a fresh RSA-2048 key when absent."""
    alipay_apps_file: Path | None = None
    """A JSON list of {"app_id", "app_public_key", "seller_id"?} to register at start."""
    notify_time_scale: float = 1.0
    """Multiplies Alipay's notification retry schedule (4m, 10m, 10m, 1h, 2h, 6h, 15h); 0.001 makes it seconds."""
    notify_retry_delays: tuple[float, ...] | None = None
    """Seconds before each retry, replacing the scaled schedule when given."""
    notify_timeout: float = 5.0
    """Seconds to wait for a merchant's answer to one notification."""
    wechat_private_key_pem: str | None = None
    """WeChat Pay's key for public-key mode (PKCS#1/PKCS#8, PEM or base64); a fresh RSA-2048 key when absent."""
    wechat_public_key_id: str | None = None
    """That key's id, sent as Wechatpay-Serial in public-key mode; PUB_KEY_ID_0114 and 24 random digits when absent."""
    wechat_certificate_private_key_pem: str | None = None
    """The platform certificate's key, for merchants in certificate mode; a fresh one on first use when absent."""
    wechat_merchants_file: Path | None = None
    """A JSON list of {"mchid", "appid", "merchant_public_key", "merchant_serial_no", "api_v3_key", "mode"?}."""
    wechat_notify_retry_delays: tuple[float, ...] | None = None
    """Seconds before each callback retry, replacing WeChat's scaled schedule (15s, 15s, 30s, 3m … 6h) when given."""
    wechat_refund_delay: float | None = None
    """Seconds until a PROCESSING refund succeeds by itself; 10 s times notify_time_scale when absent."""
