"""PaymentQueries: one payment, pages of payments, the journal, refunds."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest

from application.errors import InvalidCursor, PaymentNotFound, RefundNotFound
from application.queries import encode_cursor
from application.records import PaymentFilter
from application.refund_payment import RefundCommand
from domain.events import EventType, Source
from domain.kinds import PaymentType, PayMethod
from domain.money import Money
from domain.status import TradeStatus
from tests.unit.builders import T0
from tests.unit.harness import App, order


async def create_five(app: App) -> list[str]:
    """Five payments created a minute apart, oldest first."""
    numbers = [f"T2026112400{i}" for i in range(1, 6)]
    for number in numbers:
        await app.create(order(order_no=number))
        app.clock.advance(minutes=1)
    return numbers


async def test_get_answers_the_stored_payment(app: App) -> None:
    await app.create(order())
    assert (await app.queries.get("T20261124001")).subject == "Thesis polishing"


async def test_get_of_an_unknown_payment_is_not_found(app: App) -> None:
    with pytest.raises(PaymentNotFound) as raised:
        await app.queries.get("T-NOPE-01")
    assert raised.value.extra == {"order_no": "T-NOPE-01"}


async def test_list_pages_newest_first_with_a_cursor(app: App) -> None:
    numbers = await create_five(app)
    first = await app.queries.list(PaymentFilter(), limit=2)
    assert [p.order_no for p in first.items] == numbers[:-3:-1]
    assert first.next_cursor is not None
    second = await app.queries.list(PaymentFilter(), limit=2, cursor=first.next_cursor)
    assert [p.order_no for p in second.items] == numbers[2:0:-1]
    assert second.next_cursor is not None
    last = await app.queries.list(PaymentFilter(), limit=2, cursor=second.next_cursor)
    assert [p.order_no for p in last.items] == numbers[:1]
    assert last.next_cursor is None


async def test_a_page_that_ends_exactly_at_the_last_payment_has_no_next_cursor(app: App) -> None:
    await create_five(app)
    page = await app.queries.list(PaymentFilter(), limit=5)
    assert len(page.items) == 5
    assert page.next_cursor is None


async def test_payments_created_in_the_same_instant_are_paged_without_loss_or_repeat(app: App) -> None:
    for i in range(1, 6):
        await app.create(order(order_no=f"T2026112400{i}"))
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = await app.queries.list(PaymentFilter(), limit=2, cursor=cursor)
        seen += [p.order_no for p in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [f"T2026112400{i}" for i in range(5, 0, -1)]


async def test_list_filters_by_status_type_and_creation_time(app: App) -> None:
    numbers = await create_five(app)
    await app.notify(app.alipay.pay(numbers[1]))
    await app.create(order(order_no="W20261124001", payment_type=PaymentType.WECHAT, pay_method=PayMethod.NATIVE))
    paid = await app.queries.list(PaymentFilter(trade_status=TradeStatus.TRADE_SUCCESS))
    assert [p.order_no for p in paid.items] == [numbers[1]]
    wechat = await app.queries.list(PaymentFilter(payment_type=PaymentType.WECHAT))
    assert [p.order_no for p in wechat.items] == ["W20261124001"]
    window = PaymentFilter(created_from=T0 + timedelta(minutes=1), created_to=T0 + timedelta(minutes=3))
    assert [p.order_no for p in (await app.queries.list(window)).items] == [numbers[2], numbers[1]]


@pytest.mark.parametrize(("asked", "served"), [(0, 1), (-5, 1), (1000, 5)])
async def test_the_limit_is_kept_within_bounds(app: App, asked: int, served: int) -> None:
    await create_five(app)
    assert len((await app.queries.list(PaymentFilter(), limit=asked)).items) == served


def forged(content: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(content).encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "!!!",
        forged({"when": "2026-11-24T12:00:00+00:00"}),
        forged([1, 2]),
        forged(["yesterday", "T20261124001"]),
        forged(["2026-11-24T12:00:00+00:00"]),
        forged(["2026-11-24T12:00:00", "T20261124001"]),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
async def test_a_cursor_this_service_did_not_hand_out_is_invalid(app: App, cursor: str) -> None:
    await create_five(app)
    with pytest.raises(InvalidCursor) as raised:
        await app.queries.list(PaymentFilter(), cursor=cursor)
    assert raised.value.code == "VALIDATION_ERROR"
    assert raised.value.extra["field"] == "cursor"


async def test_a_cursor_round_trips_its_position(app: App) -> None:
    await app.create(order())
    payment = await app.stored("T20261124001")
    page = await app.queries.list(PaymentFilter(), cursor=encode_cursor(payment))
    assert page.items == []


async def test_the_journal_lists_events_oldest_first_with_ids_and_sources(app: App) -> None:
    await app.create_paid()
    app.clock.advance(minutes=1)
    await app.refund(RefundCommand("T20261124001", "R1", Money(1000), "size"))
    entries = await app.queries.events("T20261124001")
    assert [e.event.event_type for e in entries] == [
        EventType.PAYMENT_CREATED, EventType.PAYMENT_SUCCEEDED, EventType.REFUND_CREATED, EventType.REFUND_SUCCEEDED,
    ]
    assert [e.event.source for e in entries] == [Source.API, Source.NOTIFY, Source.API, Source.API]
    times = [e.event.occurred_at for e in entries]
    assert times == sorted(times)
    assert len({e.event_id for e in entries}) == 4


async def test_the_journal_of_an_unknown_payment_is_not_found(app: App) -> None:
    with pytest.raises(PaymentNotFound):
        await app.queries.events("T-NOPE-01")


async def test_refunds_are_listed_oldest_first_and_found_by_number(app: App) -> None:
    await app.create_paid()
    await app.refund(RefundCommand("T20261124001", "R2", Money(100)))
    app.clock.advance(minutes=1)
    await app.refund(RefundCommand("T20261124001", "R1", Money(200)))
    assert [r.refund_no for r in await app.queries.refunds("T20261124001")] == ["R2", "R1"]
    payment, refund = await app.queries.refund("R1")
    assert (payment.order_no, refund.amount) == ("T20261124001", Money(200))
    with pytest.raises(RefundNotFound):
        await app.queries.refund("R-NOPE")
