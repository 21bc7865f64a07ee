"""ApiKeys: issue, authenticate by scope, revoke."""

from __future__ import annotations

import pytest

from application.api_keys import PREFIX, hash_secret
from application.errors import Forbidden, Unauthenticated, UnknownScope
from tests.unit.builders import T0
from tests.unit.harness import App


async def test_an_issued_key_authenticates_for_its_scope(app: App) -> None:
    issued = await app.api_keys.issue("shop", "payments", webhook_url="https://shop.example/hooks")
    key = await app.api_keys.authenticate(issued.token, "payments")
    assert key.key_id == issued.key.key_id
    assert (key.name, key.scope, key.webhook_url, key.create_time) == (
        "shop", "payments", "https://shop.example/hooks", T0,
    )


async def test_only_a_hash_of_the_secret_is_stored(app: App) -> None:
    issued = await app.api_keys.issue("shop", "payments")
    secret = issued.token.removeprefix(f"{PREFIX}{issued.key.key_id}_")
    stored = app.store.api_keys[issued.key.key_id]
    assert stored.secret_hash == hash_secret(secret)
    assert secret not in repr(stored)


async def test_an_admin_key_may_act_in_every_scope(app: App) -> None:
    issued = await app.api_keys.issue("ops", "admin")
    assert (await app.api_keys.authenticate(issued.token, "payments")).scope == "admin"
    assert (await app.api_keys.authenticate(issued.token, "admin")).scope == "admin"


async def test_a_payments_key_is_forbidden_in_the_admin_scope(app: App) -> None:
    issued = await app.api_keys.issue("shop", "payments")
    with pytest.raises(Forbidden) as raised:
        await app.api_keys.authenticate(issued.token, "admin")
    assert raised.value.code == "FORBIDDEN"


async def test_a_revoked_key_no_longer_authenticates(app: App) -> None:
    issued = await app.api_keys.issue("shop", "payments")
    assert await app.api_keys.revoke(issued.key.key_id) is True
    with pytest.raises(Unauthenticated):
        await app.api_keys.authenticate(issued.token, "payments")


async def test_revoking_an_unknown_key_says_so(app: App) -> None:
    assert await app.api_keys.revoke("0123456789abcdef") is False


async def test_a_wrong_secret_does_not_authenticate(app: App) -> None:
    issued = await app.api_keys.issue("shop", "payments")
    wrong = f"{PREFIX}{issued.key.key_id}_{'x' * 43}"
    with pytest.raises(Unauthenticated):
        await app.api_keys.authenticate(wrong, "payments")


@pytest.mark.parametrize("token", [None, "", "Bearer", "pck_", "pck_abc", "sk_live_123", "pck_0123456789abcdef_"])
async def test_a_missing_or_malformed_token_does_not_authenticate(app: App, token: str | None) -> None:
    await app.api_keys.issue("shop", "payments")
    with pytest.raises(Unauthenticated) as raised:
        await app.api_keys.authenticate(token, "payments")
    assert raised.value.code == "UNAUTHENTICATED"


async def test_the_token_of_one_key_does_not_open_another(app: App) -> None:
    first = await app.api_keys.issue("shop", "payments")
    second = await app.api_keys.issue("other shop", "payments")
    secret = first.token.removeprefix(f"{PREFIX}{first.key.key_id}_")
    with pytest.raises(Unauthenticated):
        await app.api_keys.authenticate(f"{PREFIX}{second.key.key_id}_{secret}", "payments")


async def test_an_unknown_scope_is_refused_when_issuing(app: App) -> None:
    with pytest.raises(UnknownScope) as raised:
        await app.api_keys.issue("shop", "superuser")
    assert raised.value.extra["field"] == "scope"
    assert raised.value.extra["fields"][0]["message_zh"] == "须为以下之一：admin, payments"
    assert app.store.api_keys == {}


async def test_keys_are_listed_newest_first_without_their_tokens(app: App) -> None:
    older = await app.api_keys.issue("first", "payments")
    app.clock.advance(minutes=1)
    newer = await app.api_keys.issue("second", "admin")
    keys = await app.api_keys.list()
    assert [k.key_id for k in keys] == [newer.key.key_id, older.key.key_id]
    assert all(newer.token not in repr(k) and older.token not in repr(k) for k in keys)
