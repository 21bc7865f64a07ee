"""Finding the gateway adapter for a payment config."""

from __future__ import annotations

from application.errors import GatewayNotAvailable
from application.ports import Gateway, PaymentConfig


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
