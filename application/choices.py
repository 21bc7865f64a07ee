"""The methods a payer may choose from on the cashier page, as `provider:method` (`pay_methods`)."""

from __future__ import annotations

from collections.abc import Sequence

from application.configs import usable_config
from application.errors import ConfigNotFound, InvalidField, OpenidRequired, UnsupportedPayMethod
from application.ports.providers import GatewayRegistry
from application.ports.storage import UnitOfWork
from domain.attempts import method_name
from domain.kinds import PaymentType, PayMethod


def parse_choice(choice: str) -> tuple[PaymentType, PayMethod]:
    """`provider:method` as the provider and method it names; InvalidField when it names neither."""
    kind, _, method = choice.partition(":")
    try:
        return PaymentType(kind), PayMethod(method)
    except ValueError:
        raise _not_a_choice(choice) from None


def _not_a_choice(choice: str) -> InvalidField:
    kinds = ", ".join(t.value for t in PaymentType)
    return InvalidField("pay_methods", f"{choice!r} is not provider:method with a provider of {kinds}",
                        f"{choice!r} 不是“支付类型:支付方式”（支付类型：{kinds}）")


async def offered_choices(uow: UnitOfWork, gateways: GatewayRegistry, asked: Sequence[str],
                          openid: str | None) -> tuple[str, ...]:
    """The asked methods, checked (each offered by its provider, with an enabled default config, and an openid
    where the method needs one), duplicates dropped; none asked: every method of every enabled default config
    (those needing an openid only when one was given)."""
    if asked:
        chosen: list[str] = []
        for choice in asked:
            kind, method = parse_choice(choice)
            if not gateways.pay_methods(kind):  # a well-formed name of no provider paycore has
                raise _not_a_choice(choice)
            rule = next((r for r in gateways.pay_methods(kind) if r.method is method), None)
            if rule is None:
                methods = sorted(r.method.value for r in gateways.pay_methods(kind))
                raise UnsupportedPayMethod(f"pay_methods: {method.value!r} is not one of {kind}'s: "
                                           f"{', '.join(methods)}", payment_type=kind.value,
                                           pay_method=method.value, allowed=methods)
            if rule.needs_openid and not openid:
                raise OpenidRequired(f"pay_methods: {choice} needs the payer's openid")
            await usable_config(uow, kind, None)
            if choice not in chosen:
                chosen.append(method_name(kind, method))
        return tuple(chosen)
    every: list[str] = []
    for kind in PaymentType:
        config = await uow.configs.get_default(kind)
        if config is not None and config.enabled:
            every += [method_name(kind, r.method) for r in gateways.pay_methods(kind) if openid or not r.needs_openid]
    if not every:
        raise ConfigNotFound("no enabled default payment config: create one, or give payment_type and config_id")
    return tuple(every)
