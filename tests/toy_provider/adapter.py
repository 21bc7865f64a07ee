"""The toy provider's adapter: its config rules and wire fields, its gateway (the fake's order book, with its own
signed notifications), its notification router and its notify protocol, gathered in TOY."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from typing import Any

from adapters.gateways.config_wire import ConfigShown, ConfigWire, wire_settings
from adapters.gateways.fake import FakeGateway
from adapters.gateways.provider import GatewayDeps, GatewayFor, NotifyAnswer, NotifyProtocol, ProviderAdapter
from application.config_validation import require
from application.errors import InvalidConfig, NotificationRejected
from application.ports.crypto import KeyInspector
from application.ports.providers import Gateway
from application.records import NotificationRoute, PaymentConfig, PayMethodRule, RawNotification
from domain.checkout import Checkout
from domain.kinds import PaymentType, PayMethod
from domain.payment import Payment
from domain.updates import ProviderUpdate

TOY_TYPE = PaymentType("toy")  # no member of the enum: the enum makes it from the name
SCAN = PayMethod("toy_scan")


def sign(key: str, form: Mapping[str, str]) -> str:
    """The toy's signature: HMAC-SHA256 under the config's api_key over the sorted `k=v` pairs but `sign`."""
    text = "&".join(f"{k}={v}" for k, v in sorted(form.items()) if k != "sign")
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest()


class ToyConfigRules:
    """A toy config: an app id, a signing key (api_key, sealed as every secret) and the toy's own shop code."""

    settings = ("toy_shop_code",)
    secrets = ("api_key",)

    def __init__(self, keys: KeyInspector) -> None:
        self._keys = keys

    def normalise(self, out: dict[str, Any]) -> None:
        """The toy's fields checked."""
        require(out, "toy", ("app_id", "api_key", "toy_shop_code"))
        if not str(out["toy_shop_code"]).startswith("SHOP"):
            raise InvalidConfig("toy_shop_code", "must start with SHOP", "须以 SHOP 开头")


class ToyGateway(FakeGateway):
    """The fake's order book; a notification is the toy's own form, signed with the config's api_key."""

    def __init__(self, signing_key: str) -> None:
        super().__init__("toy")
        self._key = signing_key

    async def create(self, payment: Payment, config: PaymentConfig) -> Checkout:
        """A toy pay page for the order."""
        await super().create(payment, config)
        return Checkout(pay_url=f"https://toy.example/{config.setting('toy_shop_code')}/{payment.order_no}")

    async def verify_notification(self, raw: RawNotification, config: PaymentConfig) -> ProviderUpdate:
        """The form's signature under the config's key, then the fake's reading of it."""
        if not hmac.compare_digest(raw.form.get("sign", ""), sign(self._key, raw.form)):
            raise NotificationRejected("bad_signature", "the toy signature does not verify")
        return await super().verify_notification(RawNotification(raw.body, raw.headers, {
            **raw.form, "sign": "fake-ok"}), config)


class ToyRouter:
    """A toy notification names its order in clear."""

    def route(self, raw: RawNotification) -> NotificationRoute:
        """The order the form names."""
        if not raw.form.get("order_no"):
            raise NotificationRejected("malformed", "a toy notification names its order_no")
        return NotificationRoute(order_no=raw.form["order_no"])

    async def order_of(self, raw: RawNotification, candidates: Sequence[PaymentConfig]) -> str:
        """Never routed by key."""
        return self.route(raw).order_no or ""


def gateways(deps: GatewayDeps) -> GatewayFor:
    """Each config's gateway, with its opened signing key."""

    def build(config: PaymentConfig) -> Gateway:
        return ToyGateway(deps.secrets(config)["api_key"])

    return build


def answer(acknowledged: bool, reason: str, retry: bool) -> NotifyAnswer:
    """The toy reads `TOY-OK`, or a 503 to send again, or a 400 for good."""
    if acknowledged:
        return NotifyAnswer(200, "TOY-OK")
    return NotifyAnswer(503, "TOY-RETRY") if retry else NotifyAnswer(400, f"TOY-REFUSED {reason}")


def document(operation: dict[str, Any], error: Mapping[str, Any]) -> None:
    """The toy's form and answers."""
    operation["requestBody"] = {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {
        "type": "object", "required": ["order_no", "sign"],
        "properties": {"order_no": {"type": "string"}, "amount": {"type": "string"}, "sign": {"type": "string"}}}}}}
    operation["responses"] = {"200": {"description": "TOY-OK", "content": {"text/plain": {"schema": {
        "type": "string", "const": "TOY-OK"}}}}}


def show(config: PaymentConfig) -> ConfigShown:
    """What the admin API derives from a toy config."""
    return ConfigShown({"toy_shop_label": f"toy shop {config.setting('toy_shop_code')}"})


TOY = ProviderAdapter(
    TOY_TYPE, (PayMethodRule(SCAN),), ToyConfigRules, gateways, lambda _: ToyRouter(),
    notify=NotifyProtocol("The toy's notifications for any config.", "The toy's notifications for one config.",
                          answer, NotifyAnswer(429, "TOY-SLOW-DOWN"), document),
    config_wire=ConfigWire(wire_settings(ToyConfigRules.settings, toy_shop_code=32),
                           wire_settings(ToyConfigRules.secrets, api_key=100), shown=("toy_shop_label",), show=show))
