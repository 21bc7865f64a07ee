"""The request shapes that name a payment type, made for an app's providers: `payment_type` takes exactly the
types of the providers the app was given (a Literal, so msgspec's errors and the OpenAPI `enum` list them), not
the PaymentType members alone."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import msgspec
from litestar import Controller

from adapters.gateways.provider import ProviderAdapter
from entrypoints.http.payments import PaymentController
from entrypoints.http.schemas import CreatePaymentRequest


def payment_type_field(adapters: Sequence[ProviderAdapter]) -> Any:
    """The type of a `payment_type` field: one of the providers' types."""
    return Literal[tuple(p.payment_type.value for p in adapters)]


def payment_controller(adapters: Sequence[ProviderAdapter]) -> type[Controller]:
    """/v1/payments, its create body taking the providers' payment types."""
    create = msgspec.defstruct("CreatePaymentRequest", [("payment_type", payment_type_field(adapters) | None, None)],
                               bases=(CreatePaymentRequest,), kw_only=True, module=CreatePaymentRequest.__module__)
    create.__doc__ = CreatePaymentRequest.__doc__
    return type("PaymentController", (PaymentController,), {
        "__doc__": PaymentController.__doc__, "signature_namespace": {"CreatePaymentRequest": create}})
