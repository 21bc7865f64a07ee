"""PAYCORE_WECHAT_CERT_REFRESH_HOURS: the worker's certificate job and how often it runs."""

from __future__ import annotations

import base64

import pytest

from entrypoints.container import build_container
from entrypoints.settings import SettingsError, load_settings
from entrypoints.worker import build_worker

BASE = {"PAYCORE_DATABASE_URL": "sqlite+aiosqlite:///:memory:",
        "PAYCORE_MASTER_KEYS": "k1:" + base64.b64encode(bytes(range(32))).decode()}


def test_the_worker_renews_certificates_every_twelve_hours_by_default() -> None:
    settings = load_settings(BASE, dotenv=None)

    worker = build_worker(build_container(settings))

    assert settings.wechat_cert_refresh_hours == 12
    assert worker.jobs["certificates"].every == 12 * 3600


def test_the_refresh_hours_are_read_and_zero_turns_the_schedule_off() -> None:
    every_hour = load_settings({**BASE, "PAYCORE_WECHAT_CERT_REFRESH_HOURS": "1"}, dotenv=None)
    never = load_settings({**BASE, "PAYCORE_WECHAT_CERT_REFRESH_HOURS": "0"}, dotenv=None)

    assert build_worker(build_container(every_hour)).jobs["certificates"].every == 3600
    assert "certificates" not in build_worker(build_container(never)).jobs


@pytest.mark.parametrize("raw", ["twelve", "-1", "1.5"])
def test_refresh_hours_that_are_not_a_whole_number_are_refused(raw: str) -> None:
    with pytest.raises(SettingsError, match="PAYCORE_WECHAT_CERT_REFRESH_HOURS"):
        load_settings({**BASE, "PAYCORE_WECHAT_CERT_REFRESH_HOURS": raw}, dotenv=None)
