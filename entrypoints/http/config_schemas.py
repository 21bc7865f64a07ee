"""Wire shapes of the payment-config admin API."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from adapters.gateways.alipay import certs
from adapters.gateways.wechat.keys import certificates as wechat_certificates
from adapters.gateways.wechat.keys import serial_hex
from application.errors import InvalidKeyMaterial
from application.manage_configs import ConfigView, SecretState
from application.records import PaymentConfig
from entrypoints.config_wire import config_from_wire, status_of
from entrypoints.http.schemas import PaymentTypeName, iso

Short = Annotated[str, msgspec.Meta(max_length=100)]
Long = Annotated[str, msgspec.Meta(max_length=500)]
Pem = Annotated[str, msgspec.Meta(max_length=20_000)]


class ConfigRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """POST (all required fields) or PATCH (any subset) of a payment config; secrets are write-only."""

    payment_type: PaymentTypeName | None = None
    config_name: Annotated[str, msgspec.Meta(min_length=1, max_length=50)] | None = None
    app_id: Short | None = None
    private_key: Pem | None = None
    public_key: Pem | None = None
    alipay_public_key: Pem | None = None
    mch_id: Annotated[str, msgspec.Meta(max_length=50)] | None = None
    api_key: Short | None = None
    api_v3_key: Short | None = None
    cert_serial_no: Short | None = None
    private_cert_path: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    notify_url: Long | None = None
    return_url: Long | None = None
    is_sandbox: bool | None = None
    is_default: bool | None = None
    status: Literal["0", "1"] | None = None
    remark: Long | None = None
    gateway_url: Long | None = None
    seller_id: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    wechat_public_key: Pem | None = None
    wechat_public_key_id: Short | None = None
    wechat_platform_cert: Pem | None = None
    app_cert: Pem | None = None
    alipay_cert: Pem | None = None
    alipay_root_cert: Pem | None = None

    def given(self) -> dict[str, Any]:
        """The fields the caller sent, `status` read as `enabled`."""
        return config_from_wire({f: getattr(self, f) for f in self.__struct_fields__ if getattr(self, f) is not None})


class SecretStateView(msgspec.Struct):
    """A secret as the API shows it."""

    set: bool
    fingerprint: str | None


class CertificateView(msgspec.Struct):
    """One certificate of a config: which field, its SN (Alipay) or serial (WeChat, as in Wechatpay-Serial),
    subject and expiry."""

    field: str
    sn: str
    subject: str
    not_after: str


class ConfigResponse(msgspec.Struct, kw_only=True):
    """A payment config, secrets masked."""

    config_id: int
    payment_type: str
    config_name: str
    app_id: str
    private_key: SecretStateView
    public_key: str
    alipay_public_key: str
    mch_id: str
    api_key: SecretStateView
    api_v3_key: SecretStateView
    cert_serial_no: str
    private_cert_path: str
    notify_url: str
    return_url: str
    is_sandbox: bool
    is_default: bool
    status: str
    remark: str
    gateway_url: str
    seller_id: str
    wechat_public_key: str
    wechat_public_key_id: str
    wechat_platform_cert: str
    app_cert: str
    alipay_cert: str
    alipay_root_cert: str
    app_cert_sn: str
    alipay_root_cert_sn: str
    certificates: list[CertificateView]
    create_by: str
    create_time: str | None
    update_by: str
    update_time: str | None


class ConfigList(msgspec.Struct):
    """Every live payment config."""

    items: list[ConfigResponse]
    next_cursor: str | None = None


def _state(state: SecretState) -> SecretStateView:
    return SecretStateView(state.set, state.fingerprint)


def _certificates(config: PaymentConfig) -> dict[str, Any]:
    """The SNs and expiry dates of a config's certificates (empty in public-key mode)."""
    if config.setting("wechat_platform_cert"):
        return {"app_cert_sn": "", "alipay_root_cert_sn": "", "certificates": _platform_views(config)}
    if not config.app_cert:
        return {"app_cert_sn": "", "alipay_root_cert_sn": "", "certificates": []}
    try:
        return _certificate_views(config)
    except certs.CertificateError:  # stored text that a newer `cryptography` no longer reads: still show the config
        return {"app_cert_sn": "", "alipay_root_cert_sn": "", "certificates": []}


def _platform_views(config: PaymentConfig) -> list[CertificateView]:
    """A WeChat config's platform certificates, pasted and learned, by serial (the oldest first)."""
    try:
        found = wechat_certificates((config.setting("wechat_platform_cert"),))
    except InvalidKeyMaterial:  # stored text that a newer `cryptography` no longer reads: still show the config
        return []
    return [CertificateView("wechat_platform_cert", serial_hex(c), c.subject.rfc4514_string(),
                            iso(c.not_valid_after_utc) or "") for c in found]


def _certificate_views(config: PaymentConfig) -> dict[str, Any]:
    views = [CertificateView(name, i.sn, i.subject, iso(i.not_after) or "")
             for name, pem in (("app_cert", config.app_cert), ("alipay_cert", config.setting("alipay_cert")))
             for i in map(certs.info, certs.leaves(pem))]
    roots = certs.load_certificates(config.setting("alipay_root_cert"), skip_unreadable=True)
    views += [CertificateView("alipay_root_cert", certs.cert_sn(r), r.subject.rfc4514_string(),
                              iso(r.not_valid_after_utc) or "") for r in roots]
    return {"app_cert_sn": views[0].sn, "alipay_root_cert_sn": certs.root_cert_sn(config.setting("alipay_root_cert")),
            "certificates": views}


def config_response(view: ConfigView) -> ConfigResponse:
    """The API view of a config."""
    c, s = view.config, view.secrets
    return ConfigResponse(
        config_id=c.config_id, payment_type=c.payment_type, config_name=c.config_name, app_id=c.app_id,
        private_key=_state(s["private_key"]), public_key=c.public_key,
        alipay_public_key=c.setting("alipay_public_key"), mch_id=c.mch_id, api_key=_state(s["api_key"]),
        api_v3_key=_state(s["api_v3_key"]),
        cert_serial_no=c.cert_serial_no, private_cert_path=c.private_cert_path, notify_url=c.notify_url,
        return_url=c.return_url, is_sandbox=c.is_sandbox, is_default=c.is_default,
        status=status_of(c.enabled), remark=c.remark, gateway_url=c.gateway_url, seller_id=c.seller_id,
        wechat_public_key=c.setting("wechat_public_key"), wechat_public_key_id=c.setting("wechat_public_key_id"),
        wechat_platform_cert=c.setting("wechat_platform_cert"), app_cert=c.app_cert,
        alipay_cert=c.setting("alipay_cert"), alipay_root_cert=c.setting("alipay_root_cert"), **_certificates(c),
        create_by=c.create_by, create_time=iso(c.create_time), update_by=c.update_by, update_time=iso(c.update_time),
    )
