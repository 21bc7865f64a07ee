"""The Alembic migrations: every step reversible, and head equal to the tables the code uses."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from adapters.sql.engine import make_engine
from adapters.sql.migrate import downgrade_async, revisions, upgrade_async
from adapters.sql.tables import metadata
from tests.conftest import run_on
from tests.integration.wechat.wire import CERT_SERIAL, certificate
from tests.rsa_keys import key_pair


async def table_names(url: str) -> set[str]:
    """The tables in the database."""
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


async def schema_differences(url: str) -> list[Any]:
    """What autogenerate would change to make the database match tables.py."""
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), metadata))
    finally:
        await engine.dispose()


def test_the_revisions_form_one_line_starting_at_the_initial_one() -> None:
    assert revisions()[0] == "0001"


async def test_every_revision_upgrades_downgrades_one_step_and_upgrades_again(blank_database_url: str) -> None:
    for revision in revisions():
        await upgrade_async(blank_database_url, revision)
        await downgrade_async(blank_database_url, "-1")
        await upgrade_async(blank_database_url, revision)
    assert await table_names(blank_database_url) >= set(metadata.tables)

    await downgrade_async(blank_database_url, "base")
    assert await table_names(blank_database_url) <= {"alembic_version"}


async def test_the_migrated_schema_matches_the_tables_of_the_code(database_url: str) -> None:
    assert await schema_differences(database_url) == []


async def test_0005_indexes_the_keys_of_the_wechat_configs_already_stored(blank_database_url: str) -> None:
    url = blank_database_url
    await upgrade_async(url, "0004")
    cert = certificate(key_pair(1).public_pem, key_pair(1).pkcs1_pem)
    rows = [("wechat", "shop", "PUB_KEY_ID_0114", ""), ("wechat", "old", "", cert),
            ("wechat", "both", "PUB_KEY_ID_0114", cert), ("alipay", "pc", "", "")]
    configs = sa.table("ai_write_payment_config", sa.column("payment_type"), sa.column("config_name"),
                       sa.column("wechat_public_key_id"), sa.column("wechat_platform_cert"))
    await run_on(url, sa.insert(configs).values([dict(zip(("payment_type", "config_name", "wechat_public_key_id",
                                                           "wechat_platform_cert"), r, strict=True)) for r in rows]))

    await upgrade_async(url, "0005")

    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            index = (await conn.execute(sa.text(
                "SELECT c.config_name, k.key_id FROM paycore_config_key k JOIN ai_write_payment_config c "
                "ON c.config_id = k.config_id ORDER BY c.config_name, k.key_id"))).all()
            stored: dict[str, str] = dict((await conn.execute(sa.text(
                "SELECT config_name, key_ids FROM ai_write_payment_config"))).all())
    finally:
        await engine.dispose()
    serial = format(CERT_SERIAL, "X")
    assert [tuple(r) for r in index] == [("both", serial), ("both", "PUB_KEY_ID_0114"), ("old", serial),
                                         ("shop", "PUB_KEY_ID_0114")]
    assert stored == {"shop": "PUB_KEY_ID_0114", "old": serial, "both": f"PUB_KEY_ID_0114 {serial}", "pc": ""}


async def test_0016_copies_each_config_s_settings_into_provider_settings(blank_database_url: str) -> None:
    url = blank_database_url
    before = revisions()[revisions().index("0016") - 1]
    await upgrade_async(url, before)
    columns = ("payment_type", "config_name", "alipay_public_key", "alipay_cert", "wechat_public_key_id",
               "wechat_platform_cert")
    rows = [("alipay", "public key", "MIIBIj…", None, "", None), ("alipay", "cert", "", "-----BEGIN…", "", None),
            ("wechat", "both", None, None, "PUB_KEY_ID_0114", "-----BEGIN…"), ("wechat", "none", None, None, "", "")]
    configs = sa.table("ai_write_payment_config", *(sa.column(name) for name in columns))
    await run_on(url, sa.insert(configs).values([dict(zip(columns, r, strict=True)) for r in rows]))

    await upgrade_async(url, "0016")

    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            stored: dict[str, str] = dict((await conn.execute(sa.text(
                "SELECT config_name, provider_settings FROM ai_write_payment_config"))).all())
    finally:
        await engine.dispose()
    assert {name: json.loads(text) for name, text in stored.items()} == {
        "public key": {"alipay_public_key": "MIIBIj…"}, "cert": {"alipay_cert": "-----BEGIN…"},
        "both": {"wechat_public_key_id": "PUB_KEY_ID_0114", "wechat_platform_cert": "-----BEGIN…"}, "none": {}}
