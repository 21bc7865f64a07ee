"""What the admin API shows of an Alipay config: in certificate mode, each certificate's SN and expiry, and the
app_cert_sn and alipay_root_cert_sn sent with every request."""

from __future__ import annotations

from adapters.gateways.alipay import certs
from adapters.gateways.alipay.config import SETTINGS
from adapters.gateways.config_wire import ConfigShown, ConfigWire, ShownCertificate, wire_settings
from application.records import PaymentConfig

SHOWN = ("app_cert_sn", "alipay_root_cert_sn")


def show(config: PaymentConfig) -> ConfigShown:
    """The certificates' SNs (nothing in public-key mode, or for text a newer `cryptography` no longer reads)."""
    if not config.setting("app_cert"):
        return ConfigShown()
    try:
        return _certificates(config)
    except certs.CertificateError:  # stored text that a newer `cryptography` no longer reads: still show the config
        return ConfigShown()


def _certificates(config: PaymentConfig) -> ConfigShown:
    shown = [ShownCertificate(name, i.sn, i.subject, i.not_after)
             for name in ("app_cert", "alipay_cert") for i in map(certs.info, certs.leaves(config.setting(name)))]
    roots = certs.load_certificates(config.setting("alipay_root_cert"), skip_unreadable=True)
    shown += [ShownCertificate("alipay_root_cert", certs.cert_sn(r), r.subject.rfc4514_string(),
                               r.not_valid_after_utc) for r in roots]
    return ConfigShown({"app_cert_sn": shown[0].sn, "alipay_root_cert_sn": certs.roots_sn(roots)}, shown)


CONFIG_WIRE = ConfigWire(wire_settings(SETTINGS, seller_id=64), shown=SHOWN, show=show)
