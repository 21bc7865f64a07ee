"""Finding the gateway adapter for a payment config."""

from __future__ import annotations

from collections.abc import Sequence

from application.errors import GatewayNotAvailable
from application.ports import Gateway, PaymentConfig, RawNotification


class StaticGatewayRegistry:
    """A registry from payment type to gateway; a type with no gateway is a clear error."""

    def __init__(self, gateways: dict[str, Gateway] | None = None) -> None:
        self.gateways: dict[str, Gateway] = dict(gateways or {})

    def for_config(self, config: PaymentConfig) -> Gateway:
        """The gateway for the config's type."""
        gateway = self.gateways.get(config.payment_type)
        if gateway is None:
            raise GatewayNotAvailable(
                f"paycore has no {config.payment_type} gateway configured yet, so it cannot reach the provider",
                payment_type=config.payment_type,
            )
        return gateway

    def pick_config(self, payment_type: str, raw: RawNotification,
                    candidates: Sequence[PaymentConfig]) -> PaymentConfig | None:
        """The candidate whose app id the notification names, or the only candidate."""
        app_id = raw.form.get("app_id")
        named = [c for c in candidates if app_id and c.app_id == app_id]
        if len(named) == 1:
            return named[0]
        return candidates[0] if len(candidates) == 1 else None
