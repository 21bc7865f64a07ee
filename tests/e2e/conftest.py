"""The real Litestar app on a real database (SQLite; PostgreSQL, MySQL when set), fake providers as gateways."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.pool import NullPool

from adapters.gateways.fake import FakeGateway
from adapters.gateways.registry import StaticGatewayRegistry
from adapters.sql.engine import make_engine
from adapters.sql.migrate import upgrade_async
from application.records import PaymentConfig
from domain.kinds import PaymentType
from entrypoints.container import PAY_METHODS, Container, build_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.conftest import SQL_BACKENDS, migrated_database

PUBLIC_URL = "http://paycore.test"
TEST_MASTER_KEYS = "t1:" + base64.b64encode(bytes(range(32))).decode()


@dataclass
class Env:
    """What an e2e test drives and inspects."""

    client: AsyncTestClient  # type: ignore[type-arg]
    container: Container
    alipay: FakeGateway
    wechat: FakeGateway
    payments_key: str
    admin_key: str
    config: PaymentConfig

    def auth(self, key: str | None = None, **headers: str) -> dict[str, str]:
        """Headers with a bearer key (the payments key by default)."""
        return {"Authorization": f"Bearer {key or self.payments_key}", **headers}


async def build_env(tmp_path: Path, gateways: dict[str, FakeGateway] | None = None,
                    configs: tuple[PaymentConfig, ...] | None = None,
                    url: str | None = None) -> tuple[Container, PaymentConfig | None]:
    """A migrated database (a fresh SQLite file unless a migrated URL is given), a container over it and configs."""
    if url is None:
        url = f"sqlite+aiosqlite:///{tmp_path / 'e2e.db'}"
        await upgrade_async(url)
    registry = StaticGatewayRegistry(dict(gateways or {}), methods=PAY_METHODS)
    settings = Settings(database_url=url, public_url=PUBLIC_URL, master_keys=TEST_MASTER_KEYS)
    # No pooling: the test client runs the app on its own event loop, and a server driver's
    # connection belongs to the loop that opened it.
    container = build_container(settings, gateways=registry, engine=make_engine(url, poolclass=NullPool))
    stored: list[PaymentConfig] = []
    async with container.uow()() as uow:
        for config in configs if configs is not None else ():
            stored.append(await uow.configs.add(config))
        await uow.commit()
    return container, (stored[0] if stored else None)


@pytest.fixture(params=SQL_BACKENDS)
async def env(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Env]:
    """An app with an Alipay and a WeChat default config on fake providers, and two keys, on each SQL backend
    (PostgreSQL and MySQL when their test URLs are set)."""
    alipay, wechat = FakeGateway("alipay"), FakeGateway("wechat", refunds_settle_at_once=False)
    configs = (
        PaymentConfig(0, PaymentType.ALIPAY, "test alipay", app_id="2021000000000001", is_default=True),
        PaymentConfig(0, PaymentType.WECHAT, "test wechat", app_id="wx0000000000000001",
                      settings={"mch_id": "1900000001"},
                      is_default=True),
    )
    url = await migrated_database(request.param, tmp_path)
    container, config = await build_env(tmp_path, {"alipay": alipay, "wechat": wechat}, configs, url)
    assert config is not None
    payments = await container.api_keys().issue("shop", "payments")
    admin = await container.api_keys().issue("ops", "admin")
    async with AsyncTestClient(create_app(container)) as client:
        yield Env(client, container, alipay, wechat, payments.token, admin.token, config)
    await container.engine().dispose()


def order(order_no: str = "T20261124001", **overrides: object) -> dict[str, object]:
    """A valid create-payment body."""
    body: dict[str, object] = {"order_no": order_no, "payment_type": "alipay", "pay_method": "pc",
                               "subject": "Thesis polishing", "total_amount": "99.90"}
    body.update(overrides)
    return body
