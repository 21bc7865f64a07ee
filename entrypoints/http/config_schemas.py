"""Wire shapes of the payment-config admin API."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal, cast

import msgspec

from adapters.gateways.config_wire import ConfigShown
from adapters.gateways.provider import ProviderAdapter
from application.manage_configs import ConfigView, SecretState
from entrypoints.config_wire import config_from_wire, status_of
from entrypoints.http.provider_shapes import payment_type_field
from entrypoints.http.schemas import PaymentTypeName, iso

Short = Annotated[str, msgspec.Meta(max_length=100)]
Long = Annotated[str, msgspec.Meta(max_length=500)]
Pem = Annotated[str, msgspec.Meta(max_length=20_000)]


class ConfigRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """POST (all required fields) or PATCH (any subset) of a payment config; secrets are write-only. The fields every
    config has: ConfigShapes adds each provider's settings and secrets."""

    payment_type: PaymentTypeName | None = None
    config_name: Annotated[str, msgspec.Meta(min_length=1, max_length=50)] | None = None
    app_id: Short | None = None
    private_key: Pem | None = None
    public_key: Pem | None = None
    notify_url: Long | None = None
    return_url: Long | None = None
    is_sandbox: bool | None = None
    is_default: bool | None = None
    status: Literal["0", "1"] | None = None
    remark: Long | None = None
    gateway_url: Long | None = None

    def given(self) -> dict[str, Any]:
        """The fields the caller sent, `status` read as `enabled`."""
        return config_from_wire({f: getattr(self, f) for f in self.__struct_fields__ if getattr(self, f) is not None})


class SecretStateView(msgspec.Struct):
    """A secret as the API shows it."""

    set: bool
    fingerprint: str | None


class CertificateView(msgspec.Struct):
    """One certificate of a config: which field, its id as the provider names it (an SN, a serial), subject and
    expiry (its adapter's ShownCertificate)."""

    field: str
    sn: str
    subject: str
    not_after: str


# A config as the API shows it, secrets masked: these fields, then each provider's secrets (masked), settings and
# derived values (ConfigShapes), then `certificates` and the audit fields.
SHOWN: tuple[tuple[str, Any], ...] = (
    ("config_id", int), ("payment_type", str), ("config_name", str), ("app_id", str),
    ("private_key", SecretStateView), ("public_key", str), ("notify_url", str), ("return_url", str),
    ("is_sandbox", bool), ("is_default", bool), ("status", str), ("remark", str), ("gateway_url", str))
AUDIT: tuple[tuple[str, Any], ...] = (
    ("create_by", str), ("create_time", str | None), ("update_by", str), ("update_time", str | None))


def _state(state: SecretState) -> SecretStateView:
    return SecretStateView(state.set, state.fingerprint)


class ConfigShapes:
    """The config request and response shapes of an app's providers: the fields every config has, and each
    provider's settings and derived values as its adapter names them (ProviderAdapter.config_wire)."""

    def __init__(self, adapters: Sequence[ProviderAdapter]) -> None:
        wires = {p.payment_type.value: p.config_wire for p in adapters}
        settings = {s.name: s for wire in wires.values() for s in wire.settings}  # a name two providers share: once
        secrets = {s.name: s for wire in wires.values() for s in wire.secrets}
        self._settings, self._secrets = tuple(settings), tuple(secrets)
        self._derived = tuple(dict.fromkeys(name for wire in wires.values() for name in wire.shown))
        self._show = {payment_type: wire.show for payment_type, wire in wires.items()}
        self.request: type[ConfigRequest] = cast("type[ConfigRequest]", msgspec.defstruct(
            "ConfigRequest", [("payment_type", payment_type_field(adapters) | None, None),
                              *((s.name, Annotated[str, msgspec.Meta(max_length=s.max_length)] | None, None)
                                for s in (*secrets.values(), *settings.values()))],
            bases=(ConfigRequest,), kw_only=True, forbid_unknown_fields=True, module=__name__))
        self.request.__doc__ = ConfigRequest.__doc__
        self.response: type[msgspec.Struct] = msgspec.defstruct(
            "ConfigResponse", [*SHOWN, *((name, SecretStateView) for name in self._secrets),
                               *((name, str) for name in (*self._settings, *self._derived)),
                               ("certificates", list[CertificateView]), *AUDIT], kw_only=True, module=__name__)
        self.response.__doc__ = "A payment config, secrets masked."
        items: Any = list[self.response]  # type: ignore[name-defined]
        self.list: type[msgspec.Struct] = msgspec.defstruct(
            "ConfigList", [("items", items), ("next_cursor", str | None, None)], module=__name__)
        self.list.__doc__ = "Every live payment config."

    def view(self, view: ConfigView) -> msgspec.Struct:
        """The API view of a config."""
        c, s = view.config, view.secrets
        show = self._show.get(c.payment_type.value)
        shown = show(c) if show is not None else ConfigShown()
        return self.response(
            config_id=c.config_id, payment_type=c.payment_type, config_name=c.config_name, app_id=c.app_id,
            private_key=_state(s["private_key"]), public_key=c.public_key, notify_url=c.notify_url,
            return_url=c.return_url, is_sandbox=c.is_sandbox, is_default=c.is_default, status=status_of(c.enabled),
            remark=c.remark, gateway_url=c.gateway_url,
            **{name: _state(s.get(name, SecretState(False))) for name in self._secrets},
            **{name: c.setting(name) for name in self._settings},
            **{name: shown.fields.get(name, "") for name in self._derived},
            certificates=[CertificateView(i.field, i.sn, i.subject, iso(i.not_after) or "")
                          for i in shown.certificates],
            create_by=c.create_by, create_time=iso(c.create_time), update_by=c.update_by,
            update_time=iso(c.update_time))

    def views(self, views: Sequence[ConfigView]) -> msgspec.Struct:
        """The API list of configs."""
        return self.list([self.view(v) for v in views])
