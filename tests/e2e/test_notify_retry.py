"""Whether WeChat is asked to send a notification again is decided by the error's class, not its code's spelling."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from dependency_injector import providers
from litestar.testing import AsyncTestClient

from application import errors as app
from application.records import RawNotification
from entrypoints.http.app import create_app
from tests.e2e.conftest import build_env


class RenamedOutage(app.StorageUnavailable):
    """A storage outage whose code is spelled differently: still worth a retry."""

    code = "DATABASE_DOWN"


class Raising:
    """A HandleNotification stand-in that fails with one error."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    async def __call__(self, payment_type: str, config_id: int | None, raw: RawNotification) -> None:
        raise self.error


@pytest.fixture
async def client_failing_with(tmp_path: Path) -> AsyncIterator[tuple[AsyncTestClient, Raising]]:  # type: ignore[type-arg]
    container, _ = await build_env(tmp_path)
    raising = Raising(app.ProviderError("no"))
    container.handle_notification.override(providers.Object(raising))
    async with AsyncTestClient(create_app(container)) as client:
        yield client, raising
    await container.engine().dispose()


@pytest.mark.parametrize(("error", "status"), [
    (app.StorageUnavailable("db down"), 500),
    (app.ConcurrencyConflict("raced"), 500),
    (app.ProviderUnavailable("timeout"), 500),
    (app.SecretUnreadable("no master key"), 500),
    (RenamedOutage("db down"), 500),
    (app.ProviderError("bad answer"), 400),
    (app.DuplicateKey("seen"), 400),
    (app.NotificationRejected("bad_signature", "forged"), 400),
], ids=lambda v: type(v).__name__ if isinstance(v, Exception) else str(v))
async def test_a_wechat_notification_is_retried_only_after_a_passing_failure(
        client_failing_with: tuple[AsyncTestClient, Raising], error: Exception, status: int) -> None:  # type: ignore[type-arg]
    client, raising = client_failing_with
    raising.error = error
    response = await client.post("/v1/notify/wechat", content=b"{}", headers={"Content-Type": "application/json"})
    assert response.status_code == status
    assert response.json()["code"] == "FAIL"


async def test_an_alipay_notification_that_fails_is_answered_fail_whatever_the_error(
        client_failing_with: tuple[AsyncTestClient, Raising]) -> None:  # type: ignore[type-arg]
    client, raising = client_failing_with
    raising.error = RenamedOutage("db down")
    response = await client.post("/v1/notify/alipay", data={"out_trade_no": "T1"})
    assert (response.status_code, response.text) == (200, "fail")
