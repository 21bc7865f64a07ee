"""What the admin API takes and shows of a provider's own config fields, as its adapter says (ProviderAdapter's
`config_wire`): the HTTP layer builds the config request and response shapes from every provider's."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from application.records import PaymentConfig

PEM_LENGTH = 20_000  # a setting's longest text on the wire, unless it says otherwise (a PEM file of a few certificates)


@dataclass(frozen=True, slots=True)
class WireSetting:
    """One of the provider's settings (a PaymentConfig.settings name) as a text field of the config wire."""

    name: str
    max_length: int = PEM_LENGTH


@dataclass(frozen=True, slots=True)
class ShownCertificate:
    """A certificate of a config as the admin API lists it: which field holds it, its id as the provider names it
    (an SN, a serial), subject and expiry; never a key."""

    field: str
    sn: str
    subject: str
    not_after: datetime | None


@dataclass(frozen=True, slots=True)
class ConfigShown:
    """What the admin API shows of a config beyond its fields: the provider's derived values (by `shown` name) and
    its certificates."""

    fields: Mapping[str, str] = field(default_factory=dict)
    certificates: Sequence[ShownCertificate] = ()


def nothing_shown(config: PaymentConfig) -> ConfigShown:
    """A provider with nothing derived to show."""
    return ConfigShown()


@dataclass(frozen=True, slots=True)
class ConfigWire:
    """The provider's settings on the wire, its secrets beyond the private key (written, never shown: the view says
    whether each is set), the names of the values it derives for the view ("" when a config has none) and how it
    derives them from a stored config (never raising: a config it cannot read shows nothing)."""

    settings: Sequence[WireSetting] = ()
    secrets: Sequence[WireSetting] = ()
    shown: Sequence[str] = ()
    show: Callable[[PaymentConfig], ConfigShown] = nothing_shown


def wire_settings(names: Sequence[str], **max_lengths: int) -> tuple[WireSetting, ...]:
    """Settings by name, each a PEM's length unless given."""
    return tuple(WireSetting(name, max_lengths.get(name, PEM_LENGTH)) for name in names)
