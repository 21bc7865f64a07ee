"""One create request is one payment: a repeat of an order_no is the same request only when every field is."""

from __future__ import annotations

from dataclasses import replace

import pytest

from application.errors import OrderNoConflict
from domain.money import Money
from tests.unit.builders import T0
from tests.unit.harness import ALIPAY, App, order

HOOK = "https://shop.example/hooks/paycore"
BACK = "https://shop.example/paid"
FULL = {"notify_url": HOOK, "return_url": BACK, "expire_minutes": 60}


async def conflict(app: App, **changes: object) -> OrderNoConflict:
    """The conflict a repeat with these changes gets; the provider is not called again."""
    calls = len(app.alipay.calls)
    with pytest.raises(OrderNoConflict) as raised:
        await app.create(order(**changes))
    assert len(app.alipay.calls) == calls
    return raised.value


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"notify_url": "https://shop.example/hooks/new"}, ["notify_url"]),
        ({"return_url": "https://shop.example/elsewhere"}, ["return_url"]),
        ({"expire_minutes": 30}, ["expire_minutes"]),
        ({"notify_url": None}, ["notify_url"]),
        ({"return_url": None, "expire_minutes": 15}, ["expire_minutes", "return_url"]),
        ({"total_amount": Money(1), "notify_url": None}, ["total_amount", "notify_url"]),
    ],
    ids=["other_notify_url", "other_return_url", "other_expiry", "notify_url_left_out", "two_fields", "amount_too"],
)
async def test_a_repeat_that_changes_an_optional_field_is_a_conflict_naming_the_fields(
    app: App, changes: dict[str, object], fields: list[str],
) -> None:
    first = await app.create(order(**FULL))
    app.clock.advance(minutes=2)
    error = await conflict(app, **{**FULL, **changes})
    assert error.extra == {"order_no": "T20261124001", "fields": fields}
    assert f"a different {', '.join(fields)};" in error.message
    stored = await app.stored("T20261124001")
    assert (stored.notify_url, stored.return_url, stored.expire_time) == (HOOK, BACK, first.payment.expire_time)


async def test_a_repeat_that_adds_a_webhook_address_the_first_left_out_is_a_conflict(app: App) -> None:
    await app.create(order())
    error = await conflict(app, notify_url=HOOK)
    assert error.extra["fields"] == ["notify_url"]


async def test_an_exact_repeat_with_every_optional_field_is_the_same_payment_later_too(app: App) -> None:
    await app.create(order(**FULL))
    app.clock.advance(minutes=20)
    again = await app.create(order(**FULL))
    assert again.created is False
    assert app.alipay.calls == ["create"]


async def test_a_repeat_leaving_out_what_the_first_left_out_is_the_same_payment(app: App) -> None:
    first = await app.create(order())
    assert (first.payment.notify_url, first.payment.return_url) == (None, None)
    again = await app.create(order(expire_minutes=30))  # the default, now said out loud
    assert again.created is False


async def test_a_payment_stored_with_its_configs_return_url_matches_a_repeat_that_leaves_it_out(app: App) -> None:
    """Payments made before return_url was kept as asked hold the config's; a repeat must not clash with them."""
    await app.create(order(return_url=ALIPAY.return_url))
    again = await app.create(order())
    assert again.created is False
    app.store.configs[ALIPAY.config_id] = replace(ALIPAY, return_url="https://shop.example/changed")
    assert (await conflict(app)).extra["fields"] == ["return_url"]


async def test_the_expiry_is_compared_as_asked_not_as_time_left(app: App) -> None:
    await app.create(order(expire_minutes=45))
    app.clock.advance(minutes=44)
    assert (await app.create(order(expire_minutes=45))).created is False
    assert (await conflict(app, expire_minutes=1)).extra["fields"] == ["expire_minutes"]
    assert (await app.stored("T20261124001")).create_time == T0
