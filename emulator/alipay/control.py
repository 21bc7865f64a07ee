"""The control API (`/_control/alipay/...`): set the emulator up and trigger what a buyer or Alipay would do."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Response, Router, get, post
from litestar.exceptions import ClientException, HTTPException, NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody

from emulator.alipay import variants, wire
from emulator.alipay.inject import Alipay
from emulator.alipay.service import AlipayEmulator
from emulator.alipay.store import AmbiguousTrade, FaultMode
from emulator.alipay.trades import Trade, TradeError


class AppIn(msgspec.Struct):
    """A merchant app to register."""

    app_id: str
    app_public_key: str
    seller_id: str = ""


class FaultsIn(msgspec.Struct):
    """Make the next `count` gateway API calls misbehave."""

    mode: FaultMode
    count: int = 1
    seconds: float = 3.0


class RefusalIn(msgspec.Struct):
    """Refuse the next `count` refund calls with this business error (code 40004), recording nothing."""

    sub_code: str
    sub_msg: str = "业务处理失败"
    count: int = 1


class NotifyIn(msgspec.Struct):
    """Send one notification now; notify_url overrides the trade's."""

    variant: variants.Variant = variants.Variant.CURRENT
    notify_url: str = ""


def trade_json(trade: Trade) -> dict[str, Any]:
    """A trade as the control API shows it."""

    def at(moment: Any) -> str | None:
        return wire.beijing(moment) if moment is not None else None

    return {
        "app_id": trade.app_id, "out_trade_no": trade.out_trade_no, "trade_no": trade.trade_no,
        "subject": trade.subject, "total_amount": wire.format_amount(trade.total_amount),
        "product_code": trade.product_code, "trade_status": trade.status.value,
        "history": [s.value for s in trade.history], "notify_url": trade.notify_url, "return_url": trade.return_url,
        "buyer_id": trade.buyer_id, "buyer_logon_id": trade.buyer_logon_id, "gmt_create": at(trade.gmt_create),
        "gmt_payment": at(trade.gmt_payment), "gmt_close": at(trade.gmt_close), "time_expire": at(trade.time_expire),
        "refund_fee": wire.format_amount(trade.refunded),
        "refunds": [
            {"out_request_no": r.out_request_no, "refund_amount": wire.format_amount(r.amount), "gmt_refund": at(r.at)}
            for r in trade.refunds.values()
        ],
    }


def find(alipay: AlipayEmulator, out_trade_no: str, app_id: str) -> Trade:
    """A trade by out_trade_no, or 404 / 409."""
    try:
        trade = alipay.store.find(out_trade_no, app_id)
    except AmbiguousTrade as e:
        raise HTTPException(status_code=409, detail="several apps have this out_trade_no; pass ?app_id=") from e
    if trade is None:
        raise NotFoundException(f"no trade {out_trade_no}")
    return alipay.refresh(trade)


def conflict(e: Exception) -> HTTPException:
    """409 for an operation the trade's state forbids."""
    return HTTPException(status_code=409, detail=str(e))


@post("/apps", status_code=201)
async def register_app(data: JSONBody[AppIn], alipay: Alipay) -> dict[str, str]:
    """Know a merchant app by its public key."""
    try:
        app = alipay.register_app(data.app_id, data.app_public_key, data.seller_id)
    except ValueError as e:
        raise ClientException(f"cannot register the app: {e}") from e
    return {"app_id": app.app_id, "seller_id": app.seller_id}


@post("/cert-apps", status_code=201)
async def register_cert_app(data: JSONBody[AppIn], alipay: Alipay) -> dict[str, str]:
    """Know a merchant app in certificate mode: its app certificate, Alipay's and the root file, with SNs."""
    try:
        return alipay.register_cert_app(data.app_id, data.app_public_key, data.seller_id)
    except ValueError as e:
        raise ClientException(f"cannot register the app: {e}") from e


@post("/rotate-certificate", status_code=200)
async def rotate_certificate(alipay: Alipay) -> dict[str, str]:
    """Alipay moves certificate-mode apps to a new key and certificate (answers and notifications follow)."""
    try:
        return {"alipay_cert_sn": alipay.rotate_certificate()}
    except ValueError as e:
        raise ClientException(str(e)) from e


@get("/apps")
async def list_apps(alipay: Alipay) -> list[dict[str, str]]:
    """The registered apps."""
    return [{"app_id": a.app_id, "seller_id": a.seller_id} for a in alipay.store.apps.values()]


@get("/public-key", media_type="text/plain")
async def public_key(alipay: Alipay) -> str:
    """Alipay's public key PEM, which merchants configure as alipay_public_key."""
    return alipay.public_key_pem


@get("/trades")
async def list_trades(alipay: Alipay) -> list[dict[str, Any]]:
    """Every trade."""
    return [trade_json(alipay.refresh(t)) for t in list(alipay.store.trades.values())]


@get("/trades/{out_trade_no:str}")
async def show_trade(out_trade_no: FromPath[str], alipay: Alipay, app_id: FromQuery[str] = "") -> dict[str, Any]:
    """One trade."""
    return trade_json(find(alipay, out_trade_no, app_id))


@post("/trades/{out_trade_no:str}/pay", status_code=200)
async def pay_trade(out_trade_no: FromPath[str], alipay: Alipay, app_id: FromQuery[str] = "") -> dict[str, Any]:
    """Pay as the buyer would at the cashier (the notification follows)."""
    trade = find(alipay, out_trade_no, app_id)
    try:
        alipay.pay(trade)
    except TradeError as e:
        raise conflict(e) from e
    return trade_json(trade)


@post("/trades/{out_trade_no:str}/close", status_code=200)
async def close_trade(out_trade_no: FromPath[str], alipay: Alipay, app_id: FromQuery[str] = "") -> dict[str, Any]:
    """Close an unpaid trade quietly, as alipay.trade.close does."""
    trade = find(alipay, out_trade_no, app_id)
    try:
        trade.close(alipay.clock())
    except TradeError as e:
        raise conflict(e) from e
    return trade_json(trade)


@post("/trades/{out_trade_no:str}/expire", status_code=200)
async def expire_trade(out_trade_no: FromPath[str], alipay: Alipay, app_id: FromQuery[str] = "") -> dict[str, Any]:
    """Let an unpaid trade time out now: it closes and TRADE_CLOSED is notified."""
    trade = find(alipay, out_trade_no, app_id)
    try:
        alipay.expire(trade)
    except TradeError as e:
        raise conflict(e) from e
    trade.time_expire = trade.gmt_close
    return trade_json(trade)


@post("/trades/{out_trade_no:str}/notify", status_code=200)
async def notify_trade(
    out_trade_no: FromPath[str], data: JSONBody[NotifyIn], alipay: Alipay, app_id: FromQuery[str] = ""
) -> dict[str, Any]:
    """Send one notification variant now and report what the receiver answered (no retries)."""
    trade = find(alipay, out_trade_no, app_id)
    url = data.notify_url or trade.notify_url
    if not url:
        raise ClientException("the trade has no notify_url; pass one")
    try:
        body = variants.build(alipay, trade, data.variant)
    except variants.NothingToSend as e:
        raise conflict(e) from e
    attempt = await alipay.notifier.send_once(url, body, data.variant.value)
    return {"variant": data.variant.value, "sent": body, **attempt.to_json()}


@get("/notifications")
async def list_notifications(alipay: Alipay, out_trade_no: FromQuery[str] = "") -> list[dict[str, Any]]:
    """Every delivery attempt so far, oldest first."""
    attempts = alipay.notifier.attempts
    return [a.to_json() for a in attempts if not out_trade_no or a.out_trade_no == out_trade_no]


@post("/faults", status_code=200)
async def arm_faults(data: JSONBody[FaultsIn], alipay: Alipay) -> dict[str, Any]:
    """Make the next count gateway API calls fail in mode."""
    faults = alipay.store.faults
    faults.arm(data.mode, data.count, data.seconds)
    return {"mode": faults.mode.value, "remaining": faults.remaining, "seconds": faults.seconds}


@post("/refund-refusals", status_code=200)
async def arm_refusals(data: JSONBody[RefusalIn], alipay: Alipay) -> dict[str, Any]:
    """Make the next count alipay.trade.refund calls answer this refusal (e.g. ACQ.TRADE_HAS_FINISHED)."""
    refusals = alipay.store.refusals
    refusals.arm(data.sub_code, data.sub_msg, data.count)
    return {"sub_code": refusals.sub_code, "sub_msg": refusals.sub_msg, "remaining": refusals.remaining}


@post("/reset", status_code=200)
async def reset(alipay: Alipay) -> Response[None]:
    """Forget trades, faults, bill links and the notification log; keep apps and keys."""
    alipay.store.reset()
    alipay.last_sent.clear()
    alipay.notifier.attempts.clear()
    return Response(None, status_code=204)


def control_router() -> Router:
    """The control API's routes under /_control/alipay."""
    from emulator.alipay.bill_control import BILL_CONTROL

    return Router(
        path="/_control/alipay",
        route_handlers=[
            register_app, register_cert_app, rotate_certificate, list_apps, public_key, list_trades, show_trade,
            pay_trade, close_trade, expire_trade,
            notify_trade, list_notifications, arm_faults, arm_refusals, reset, *BILL_CONTROL,
        ],
    )
