"""The seed's config status flag is a boolean inside paycore: read and written only at the edge."""

from __future__ import annotations

import pytest

from application.errors import InvalidConfig
from entrypoints.config_wire import config_from_wire, status_of


@pytest.mark.parametrize(("status", "enabled"), [("0", True), ("1", False)])
def test_the_status_flag_becomes_enabled(status: str, enabled: bool) -> None:
    assert config_from_wire({"config_name": "a", "status": status}) == {"config_name": "a", "enabled": enabled}
    assert status_of(enabled) == status


def test_no_status_means_nothing_is_said() -> None:
    assert config_from_wire({"config_name": "a"}) == {"config_name": "a"}


@pytest.mark.parametrize("status", ["2", "", 0, True, None])
def test_another_flag_is_refused_naming_status(status: object) -> None:
    with pytest.raises(InvalidConfig) as raised:
        config_from_wire({"status": status})
    assert raised.value.extra["field"] == "status"


def test_enabled_is_not_a_wire_field() -> None:
    with pytest.raises(InvalidConfig) as raised:
        config_from_wire({"enabled": False})
    assert raised.value.extra["field"] == "enabled"
