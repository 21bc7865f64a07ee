"""The composition root's provider list is the whole wiring: every payment type has one provider, and each
provider's config settings are a column of the seed's table and a field of the config wire, both ways."""

from __future__ import annotations

from adapters.crypto.keys import RsaKeyInspector
from adapters.sql.repositories import SETTING_COLUMNS
from application.config_validation import setting_names
from domain.kinds import PaymentType
from entrypoints.container import PAY_METHODS, PROVIDERS, config_rules
from entrypoints.http.config_schemas import ConfigRequest, ConfigResponse


def test_every_payment_type_has_exactly_one_provider() -> None:
    assert sorted(p.payment_type for p in PROVIDERS) == sorted(PaymentType)
    assert set(PAY_METHODS) == set(PaymentType)


def test_each_providers_settings_have_a_column_and_a_wire_field() -> None:
    settings = setting_names(config_rules(RsaKeyInspector()))
    assert sorted(settings) == sorted(SETTING_COLUMNS)
    for name in settings:
        assert name in ConfigRequest.__struct_fields__
        assert name in ConfigResponse.__struct_fields__
