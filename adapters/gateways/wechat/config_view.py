"""What the admin API shows of a WeChat Pay config: its platform certificates, pasted and learned, by the serial
Wechatpay-Serial names them with."""

from __future__ import annotations

from adapters.gateways.config_wire import ConfigShown, ConfigWire, ShownCertificate, wire_settings
from adapters.gateways.wechat.config import SECRETS, SETTINGS
from adapters.gateways.wechat.keys import certificates, serial_hex
from application.errors import InvalidKeyMaterial
from application.records import PaymentConfig


def show(config: PaymentConfig) -> ConfigShown:
    """The platform certificates, oldest first (none in public-key mode, or for text that no longer reads)."""
    if not config.setting("wechat_platform_cert"):
        return ConfigShown()
    try:
        found = certificates((config.setting("wechat_platform_cert"),))
    except InvalidKeyMaterial:  # stored text that a newer `cryptography` no longer reads: still show the config
        return ConfigShown()
    return ConfigShown(certificates=[ShownCertificate("wechat_platform_cert", serial_hex(c), c.subject.rfc4514_string(),
                                                      c.not_valid_after_utc) for c in found])


CONFIG_WIRE = ConfigWire(wire_settings(SETTINGS, mch_id=50, cert_serial_no=100, private_cert_path=200,
                                       wechat_public_key_id=100),
                         wire_settings(SECRETS, api_key=100, api_v3_key=100), show=show)
