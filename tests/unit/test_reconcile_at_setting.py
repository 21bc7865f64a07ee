"""PAYCORE_RECONCILE_AT: the Beijing time of the worker's daily reconciliation."""

from __future__ import annotations

import base64
from datetime import time

import pytest

from entrypoints.cli import parser
from entrypoints.container import PROVIDERS, build_container
from entrypoints.settings import SettingsError, load_settings
from entrypoints.worker import build_worker
from tests.toy_provider.adapter import TOY

BASE = {"PAYCORE_DATABASE_URL": "sqlite+aiosqlite:///:memory:",
        "PAYCORE_MASTER_KEYS": "k1:" + base64.b64encode(bytes(range(32))).decode()}


def test_the_worker_reconciles_at_ten_by_default_and_at_the_time_given() -> None:
    assert load_settings(BASE, dotenv=None).reconcile_at == time(10, 0)
    settings = load_settings({**BASE, "PAYCORE_RECONCILE_AT": "09:30"}, dotenv=None)
    assert settings.reconcile_at == time(9, 30)
    assert "reconcile" in build_worker(build_container(settings)).jobs


@pytest.mark.parametrize("raw", ["ten", "25:00", "10", "10:00:00", "-1:00"])
def test_a_time_that_is_not_hh_mm_is_refused_naming_the_setting(raw: str) -> None:
    with pytest.raises(SettingsError, match="PAYCORE_RECONCILE_AT"):
        load_settings({**BASE, "PAYCORE_RECONCILE_AT": raw}, dotenv=None)


def test_reconcile_offers_every_provider_of_the_composition_root_and_refuses_others(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("entrypoints.container.PROVIDERS", (*PROVIDERS, TOY))  # a provider added later
    for provider in (*PROVIDERS, TOY):
        name = provider.payment_type.value
        assert parser().parse_args(["reconcile", "--date", "2026-12-01", "--payment-type", name]).payment_type == name
    with pytest.raises(SystemExit):
        parser().parse_args(["reconcile", "--date", "2026-12-01", "--payment-type", "paypal"])
