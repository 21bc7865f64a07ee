"""The cashier page a payer opens at the payment's `cashier_url`, and the status it polls.

Both need the link's token: without it, with a wrong one, or for an unknown order, the answer is the same 404.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter

from application.errors import (
    ApplicationError,
    ConcurrencyConflict,
    ConfigNotFound,
    InvalidInput,
    PaymentNotFound,
    ProviderError,
    ProviderUnavailable,
)
from application.queries import PaymentQueries
from application.start_attempt import StartAttempt
from domain.errors import DomainError
from domain.payment import Payment
from entrypoints.cashier_links import LINK_PARAM, CashierLinks
from entrypoints.http.cashier_choices import device_of
from entrypoints.http.cashier_page import PageInput, not_found_page, render, state_of
from entrypoints.http.cashier_text import Lang, language
from entrypoints.http.payments import payer_ip

log = logging.getLogger("paycore.cashier")

OrderNoPath = Annotated[str, Parameter(max_length=64)]
Token = Annotated[str | None, Parameter(query=LINK_PARAM, max_length=64)]
LangQuery = Annotated[str | None, Parameter(max_length=8)]
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex",
           "Content-Security-Policy": "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
                                      "script-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'"}


async def _admitted(request: Request[Any, Any, Any], queries: PaymentQueries, order_no: str,
                    token: str | None) -> Payment:
    """The payment this link opens; PaymentNotFound when it opens none."""
    links: CashierLinks = request.app.state.container.cashier_links()
    if not token:
        raise PaymentNotFound(f"no payment with order_no {order_no}", order_no=order_no)
    payment = await queries.get(order_no)
    if not links.admits(payment, token):
        raise PaymentNotFound(f"no payment with order_no {order_no}", order_no=order_no)
    return payment


async def _merchant(request: Request[Any, Any, Any], payment: Payment) -> str:
    container = request.app.state.container
    name: str = container.settings().merchant_name
    if name or payment.config_id is None:
        return name
    try:
        config_name: str = (await container.configs().get(payment.config_id)).config.config_name
    except ApplicationError:
        return ""
    return config_name


async def _page(request: Request[Any, Any, Any], payment: Payment, chosen: Lang, failed: bool = False) -> str:
    links: CashierLinks = request.app.state.container.cashier_links()
    clock = request.app.state.container.clock()
    here, agent = links.path(payment), request.headers.get("user-agent", "")
    page = PageInput(merchant=await _merchant(request, payment), lang=chosen, in_wechat="MicroMessenger" in agent,
                     now=clock.now(), status_url=links.path(payment, "/status"),
                     switch_url=f"{here}&{urlencode({'lang': 'zh' if chosen == 'en' else 'en'})}",
                     device=device_of(agent), choose_url=f"{links.path(payment, '/choose')}&lang={chosen}",
                     failed=failed)
    return render(payment, page)


@get("/pay/{order_no:str}", tags=["cashier"], media_type="text/html")
async def cashier(request: Request[Any, Any, Any], order_no: OrderNoPath, queries: NamedDependency[PaymentQueries],
                  t: Token = None, lang: LangQuery = None) -> Response[str]:
    """The payer's page: no key, the link's token; nothing shown beyond what the payer needs."""
    chosen = language(lang, request.headers.get("accept-language"))
    try:
        payment = await _admitted(request, queries, order_no, t)
    except PaymentNotFound:
        return Response(not_found_page(chosen), media_type="text/html", status_code=404, headers=HEADERS)
    return Response(await _page(request, payment, chosen), media_type="text/html", headers=HEADERS)


class Choice(msgspec.Struct):
    """The payer's choice, as the page's form posts it."""

    method: Annotated[str, msgspec.Meta(max_length=40)]


@post("/pay/{order_no:str}/choose", tags=["cashier"], media_type="text/html", status_code=303)
async def cashier_choose(request: Request[Any, Any, Any], order_no: OrderNoPath,
                         queries: NamedDependency[PaymentQueries], start_attempt: NamedDependency[StartAttempt],
                         data: Annotated[Choice, Body(media_type=RequestEncodingType.URL_ENCODED)],
                         t: Token = None, lang: LangQuery = None) -> Response[str]:
    """The payer chose a method: start (or reuse) its attempt at the provider, then back to the page (303), which
    shows the chosen way to pay; a provider that cannot start it shows the error state with a retry."""
    chosen = language(lang, request.headers.get("accept-language"))
    try:
        payment = await _admitted(request, queries, order_no, t)
    except PaymentNotFound:
        return Response(not_found_page(chosen), media_type="text/html", status_code=404, headers=HEADERS)
    links: CashierLinks = request.app.state.container.cashier_links()
    try:
        payment = await start_attempt(payment.order_no, data.method, payer_ip(None, request))
    except (ProviderUnavailable, ProviderError, ConfigNotFound, ConcurrencyConflict) as e:
        log.warning("cashier.choice_failed order_no=%s method=%s error=%s", order_no, data.method[:40],
                    type(e).__name__)
        page = await _page(request, payment, chosen, failed=True)
        return Response(page, media_type="text/html", status_code=200, headers=HEADERS)
    except (DomainError, InvalidInput):  # a method not offered, a payment no longer open: the page says how it is
        payment = await queries.get(payment.order_no)
    target = f"{links.path(payment)}&lang={chosen}"
    return Response("", media_type="text/html", status_code=303, headers={**HEADERS, "Location": target})


@get("/pay/{order_no:str}/status", tags=["cashier"])
async def cashier_status(request: Request[Any, Any, Any], order_no: OrderNoPath,
                         queries: NamedDependency[PaymentQueries], t: Token = None) -> Response[dict[str, str]]:
    """The payment's status and what the page shows for it, for the cashier page to poll (the link's token)."""
    payment = await _admitted(request, queries, order_no, t)
    state = state_of(payment, request.app.state.container.clock().now())
    return Response({"trade_status": payment.status.value, "state": state}, headers={"Cache-Control": "no-store"})
