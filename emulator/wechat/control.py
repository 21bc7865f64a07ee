"""The control API (`/_control/wechat/...`): set the emulator up and trigger what a payer or WeChat would do."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Response, Router, get, post
from litestar.exceptions import ClientException, HTTPException, NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody

from emulator.alipay.store import FaultMode
from emulator.wechat import variants, views, wire
from emulator.wechat.control_keys import certificate, public_key, rotate_certificate
from emulator.wechat.inject import WeChat
from emulator.wechat.orders import ApiError, Mode, Order, Refund, RefundStatus
from emulator.wechat.service import WeChatEmulator


class MerchantIn(msgspec.Struct):
    """A merchant to register."""

    mchid: str
    appid: str
    merchant_public_key: str
    merchant_serial_no: str
    api_v3_key: str
    mode: Mode = Mode.PUBLIC_KEY
    more_appids: list[str] = msgspec.field(default_factory=list)  # other apps bound to the merchant


class PayIn(msgspec.Struct):
    """Pay as this payer (a fresh openid when empty; a JSAPI order keeps its own)."""

    openid: str = ""


class CallbackIn(msgspec.Struct):
    """Send one callback now: of the payment, or of the refund out_refund_no; notify_url overrides."""

    variant: variants.Variant = variants.Variant.CURRENT
    notify_url: str = ""
    out_refund_no: str = ""


class FaultsIn(msgspec.Struct):
    """Make the next `count` v3 API calls misbehave."""

    mode: FaultMode
    count: int = 1
    seconds: float = 3.0


class RefusalIn(msgspec.Struct):
    """Refuse the next `count` refund applications with this HTTP status and code, recording nothing."""

    code: str
    message: str = "退款申请失败"
    status: int = 403
    count: int = 1


def merchant_json(wechat: WeChatEmulator, mchid: str) -> dict[str, Any]:
    """A merchant as the control API shows it (never its APIv3 key)."""
    m = wechat.store.merchants[mchid]
    return {"mchid": m.mchid, "appid": m.appid, "merchant_serial_no": m.serial_no, "mode": m.mode.value,
            "more_appids": sorted(m.more_appids)}


def order_json(wechat: WeChatEmulator, order: Order) -> dict[str, Any]:
    """An order as the control API shows it: WeChat's view, plus where to pay it and its refunds."""
    native = order.trade_type == "NATIVE"
    return {
        **views.transaction(order), "trade_type": order.trade_type, "description": order.description,
        "notify_url": order.notify_url, "code_url": order.code_url if native else None,
        "prepay_id": order.prepay_id or None, "scan_url": wechat.scan_url(order) if native else None,
        "h5_url": wechat.h5_url(order) if order.trade_type == "MWEB" else None,
        "payer_client_ip": order.payer_client_ip or None,
        "time_expire": wire.rfc3339(order.time_expire) if order.time_expire else None,
        "refunds": [views.refund(order, r) for r in order.refunds.values()],
    }


def find(wechat: WeChatEmulator, out_trade_no: str, mchid: str) -> Order:
    """An order by out_trade_no, or 404 / 409."""
    found = wechat.store.find(out_trade_no, mchid)
    if len(found) > 1:
        raise HTTPException(status_code=409, detail="several merchants have this out_trade_no; pass ?mchid=")
    if not found:
        raise NotFoundException(f"no order {out_trade_no}")
    return found[0]


def find_refund(wechat: WeChatEmulator, out_refund_no: str, mchid: str) -> tuple[Order, Refund]:
    """A refund by out_refund_no, or 404 / 409."""
    found = wechat.store.refund(out_refund_no, mchid)
    if len(found) > 1:
        raise HTTPException(status_code=409, detail="several merchants have this out_refund_no; pass ?mchid=")
    if not found:
        raise NotFoundException(f"no refund {out_refund_no}")
    return found[0]


def conflict(e: ApiError) -> HTTPException:
    """409 for an operation the order's or refund's state forbids."""
    return HTTPException(status_code=409, detail=f"{e.code}: {e.message}")


@post("/merchants", status_code=201)
async def register_merchant(data: JSONBody[MerchantIn], wechat: WeChat) -> dict[str, Any]:
    """Know a merchant by its API key's public half, its serial and its APIv3 key."""
    try:
        wechat.register_merchant(
            data.mchid, data.appid, data.merchant_public_key, data.merchant_serial_no, data.api_v3_key, data.mode,
            tuple(data.more_appids),
        )
    except ValueError as e:
        raise ClientException(f"cannot register the merchant: {e}") from e
    return merchant_json(wechat, data.mchid)


@get("/merchants")
async def list_merchants(wechat: WeChat) -> list[dict[str, Any]]:
    """The registered merchants."""
    return [merchant_json(wechat, mchid) for mchid in wechat.store.merchants]


@get("/transactions")
async def list_orders(wechat: WeChat) -> list[dict[str, Any]]:
    """Every order."""
    return [order_json(wechat, o) for o in list(wechat.store.orders.values())]


@get("/transactions/{out_trade_no:str}")
async def show_order(out_trade_no: FromPath[str], wechat: WeChat, mchid: FromQuery[str] = "") -> dict[str, Any]:
    """One order, with its scan_url for Native."""
    return order_json(wechat, find(wechat, out_trade_no, mchid))


@post("/transactions/{out_trade_no:str}/pay", status_code=200)
async def pay_order(
    out_trade_no: FromPath[str], wechat: WeChat, data: JSONBody[PayIn | None] = None, mchid: FromQuery[str] = ""
) -> dict[str, Any]:
    """Pay as the payer would (scan, or JSAPI in WeChat); TRANSACTION.SUCCESS follows."""
    order = find(wechat, out_trade_no, mchid)
    try:
        wechat.pay(order, data.openid if data else "")
    except ApiError as e:
        raise conflict(e) from e
    return order_json(wechat, order)


@post("/transactions/{out_trade_no:str}/callback", status_code=200)
async def send_callback(
    out_trade_no: FromPath[str], data: JSONBody[CallbackIn], wechat: WeChat, mchid: FromQuery[str] = ""
) -> dict[str, Any]:
    """Send one callback variant now and report what was sent and what the receiver answered (no retries)."""
    order = find(wechat, out_trade_no, mchid)
    refund = order.refunds.get(data.out_refund_no) if data.out_refund_no else None
    if data.out_refund_no and refund is None:
        raise NotFoundException(f"no refund {data.out_refund_no} of {out_trade_no}")
    url = data.notify_url or (refund.notify_url if refund else order.notify_url)
    try:
        callback, headers = variants.build(wechat, order, refund, data.variant)
    except variants.NothingToSend as e:
        raise HTTPException(status_code=409, detail=str(e)) from e
    attempt = await wechat.notifier.send_once(url, callback, headers, data.variant.value)
    sent = {"headers": headers, "body": callback.body, "resource": callback.resource}
    return {"variant": data.variant.value, "sent": sent, **attempt.to_json()}


@post("/refunds/{out_refund_no:str}/{outcome:str}", status_code=200)
async def finish_refund(
    out_refund_no: FromPath[str], outcome: FromPath[str], wechat: WeChat, mchid: FromQuery[str] = ""
) -> dict[str, Any]:
    """Finish a PROCESSING refund now: succeed, fail (ABNORMAL) or close; its callback follows."""
    statuses = {"succeed": RefundStatus.SUCCESS, "fail": RefundStatus.ABNORMAL, "close": RefundStatus.CLOSED}
    if outcome not in statuses:
        raise NotFoundException(f"no outcome {outcome}; use succeed, fail or close")
    order, refund = find_refund(wechat, out_refund_no, mchid)
    try:
        wechat.finish_refund(order, refund, statuses[outcome])
    except ApiError as e:
        raise conflict(e) from e
    return views.refund(order, refund)


@get("/callbacks")
async def list_callbacks(wechat: WeChat, out_trade_no: FromQuery[str] = "") -> list[dict[str, Any]]:
    """Every delivery attempt so far, oldest first."""
    return [a.to_json() for a in wechat.notifier.attempts if out_trade_no in ("", a.out_trade_no)]


@post("/faults", status_code=200)
async def arm_faults(data: JSONBody[FaultsIn], wechat: WeChat) -> dict[str, Any]:
    """Make the next count v3 API calls fail in mode."""
    faults = wechat.store.faults
    faults.arm(data.mode, data.count, data.seconds)
    return {"mode": faults.mode.value, "remaining": faults.remaining, "seconds": faults.seconds}


@post("/refund-refusals", status_code=200)
async def arm_refusals(data: JSONBody[RefusalIn], wechat: WeChat) -> dict[str, Any]:
    """Make the next count refund applications answer this refusal (e.g. 403 NOT_ENOUGH)."""
    refusals = wechat.store.refusals
    refusals.arm(data.status, data.code, data.message, data.count)
    return {"status": refusals.status, "code": refusals.code, "message": refusals.message,
            "remaining": refusals.remaining}


@post("/reset", status_code=200)
async def reset(wechat: WeChat) -> Response[None]:
    """Forget orders, faults, bill links and the callback log; keep merchants and keys."""
    wechat.store.reset()
    wechat.last_sent.clear()
    wechat.notifier.attempts.clear()
    return Response(None, status_code=204)


def control_router() -> Router:
    """The control API's routes under /_control/wechat."""
    from emulator.wechat.bill_control import BILL_CONTROL

    return Router(
        path="/_control/wechat",
        route_handlers=[
            register_merchant, list_merchants, public_key, certificate, rotate_certificate, list_orders, show_order,
            pay_order, send_callback, finish_refund, list_callbacks, arm_faults, arm_refusals, reset, *BILL_CONTROL,
        ],
    )
