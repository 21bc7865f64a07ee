"""The composition root's provider list is the whole wiring: every payment type has one provider, and each
provider's config settings are fields of the config wire, both ways, as its adapter names them."""

from __future__ import annotations

from adapters.crypto.keys import RsaKeyInspector
from domain.kinds import PaymentType
from entrypoints.container import PAY_METHODS, PROVIDERS, config_rules
from entrypoints.http.config_schemas import ConfigShapes


def test_every_payment_type_has_exactly_one_provider() -> None:
    assert sorted(p.payment_type for p in PROVIDERS) == sorted(PaymentType)
    assert set(PAY_METHODS) == set(PaymentType)


def test_each_providers_settings_are_its_wire_fields_both_ways() -> None:
    rules = config_rules(RsaKeyInspector())
    shapes = ConfigShapes(PROVIDERS)
    for provider in PROVIDERS:
        settings = rules[provider.payment_type].settings
        assert [s.name for s in provider.config_wire.settings] == list(settings)
        for name in settings:
            assert name in shapes.request.__struct_fields__
            assert name in shapes.response.__struct_fields__
