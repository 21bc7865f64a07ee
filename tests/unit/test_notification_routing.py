"""HandleNotification routes by the order a notification names: never by guessing among configs, never by listing
them (the cost is one payment lookup, or one indexed key lookup, with 1 config or 1,000)."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

import pytest

from adapters.memory.uow import MemoryConfigs, MemoryPayments
from application.errors import NotificationRejected
from application.handle_notification import HandleNotification
from application.records import NotificationRoute, PaymentConfig, RawNotification
from domain.kinds import PaymentType, PayMethod
from tests.unit.harness import App, build_app, order

SHARED_APP = "2021000000000001"


class KeyRouter:
    """A WeChat-like router: the key id is in the headers, the order inside (here: in clear, for the test)."""

    def __init__(self) -> None:
        self.seen: list[list[int]] = []  # the candidate config ids of each order_of call

    def route(self, raw: RawNotification) -> NotificationRoute:
        return NotificationRoute(key_ids=(raw.headers["serial"],))

    async def order_of(self, raw: RawNotification, candidates: Sequence[PaymentConfig]) -> str:
        self.seen.append([c.config_id for c in candidates])
        return raw.form["order_no"]


def raw(headers: dict[str, str] | None = None, **form: str) -> RawNotification:
    """A fake notification: signed `fake-ok`, naming an order."""
    fields = {"sign": "fake-ok", "amount": "99.90", **form}
    return RawNotification(urlencode(fields).encode(), headers or {}, fields)


@pytest.fixture
def no_listing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Listing configs fails: routing must not need it."""
    async def refuse(self: MemoryConfigs, include_deleted: bool = False) -> list[PaymentConfig]:
        raise AssertionError("a notification listed every config")
    monkeypatch.setattr(MemoryConfigs, "list", refuse)


def thousand_twins() -> tuple[PaymentConfig, ...]:
    """1,000 Alipay configs of one app (and the WeChat ones of two keys)."""
    alipay = tuple(PaymentConfig(1000 + i, PaymentType.ALIPAY, f"twin {i}", app_id=SHARED_APP) for i in range(1000))
    wechat = tuple(PaymentConfig(5000 + i, PaymentType.WECHAT, f"app {i}", app_id=f"wx{i:016d}",
                                 settings={"mch_id": "1900000001"},
                                 key_ids=("K1",) if i % 2 else ("K2",)) for i in range(6))
    return alipay + wechat


def handler(app: App, router: KeyRouter | None = None) -> HandleNotification:
    if router is not None:
        app.gateways.routers["wechat"] = router
    return HandleNotification(app.uow, app.gateways, app.apply, app.clock)


async def test_a_notification_reaches_its_payments_config_among_a_thousand_sharing_its_app(no_listing: None) -> None:
    app = build_app(configs=thousand_twins())
    await app.create(order(config_id=1537))

    result = await handler(app)("alipay", None, raw(order_no="T20261124001", app_id=SHARED_APP))

    assert result.outcome.value == "applied"
    assert result.payment.status.value == "TRADE_SUCCESS"
    (record,) = [r for r in app.uow.store.notifications if r.order_no == "T20261124001"]
    assert (record.config_id, record.outcome) == (1537, "applied")


async def test_a_key_routed_notification_is_opened_only_with_the_configs_trusting_its_key(no_listing: None) -> None:
    app, router = build_app(configs=thousand_twins()), KeyRouter()
    await app.create(order(order_no="W20261124001", payment_type=PaymentType.WECHAT, pay_method=PayMethod.NATIVE,
                           config_id=5003))

    result = await handler(app, router)("wechat", None, raw({"serial": "K1"}, order_no="W20261124001"))

    assert result.outcome.value == "applied"
    assert router.seen == [[5005, 5003, 5001]]


async def test_an_unknown_key_is_refused_before_anything_is_opened(no_listing: None) -> None:
    app, router = build_app(configs=thousand_twins()), KeyRouter()
    with pytest.raises(NotificationRejected) as refused:
        await handler(app, router)("wechat", None, raw({"serial": "K9"}, order_no="W20261124001"))
    assert (refused.value.reason, router.seen) == ("unknown_serial", [])


async def test_an_unknown_order_is_refused_and_logged_under_its_number(no_listing: None) -> None:
    app = build_app(configs=thousand_twins())
    with pytest.raises(NotificationRejected) as refused:
        await handler(app)("alipay", None, raw(order_no="NOSUCHORDER1", app_id=SHARED_APP))
    assert refused.value.reason == "unknown_order"
    assert [(r.order_no, r.reason) for r in app.uow.store.notifications] == [("NOSUCHORDER1", "unknown_order")]


@pytest.mark.parametrize("order_no", ["T2026\x001", "T" * 65, "T2026 1124", "订单20261124"])
async def test_an_order_number_paycore_could_not_have_made_is_refused_without_a_lookup(
        no_listing: None, monkeypatch: pytest.MonkeyPatch, order_no: str) -> None:
    app = build_app(configs=thousand_twins())

    async def no_lookup(self: MemoryPayments, wanted: str) -> None:
        raise AssertionError("looked up an impossible order number")
    monkeypatch.setattr(MemoryPayments, "get", no_lookup)

    with pytest.raises(NotificationRejected) as refused:
        await handler(app)("alipay", None, raw(order_no=order_no))
    assert refused.value.reason == "unknown_order"
