"""Verifying Alipay's asynchronous notifications, which the SDK leaves entirely to the merchant."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from adapters.gateways.alipay.credentials import AlipayCredentials
from adapters.gateways.alipay.signing import BadSignature, notify_sign_content, verify_rsa2
from adapters.gateways.alipay.translate import notification_update
from application.errors import NotificationRejected
from application.records import NotificationRoute, PaymentConfig, RawNotification
from domain.updates import ProviderUpdate

CHARSETS = ("utf-8", "gbk", "gb2312")


def verify_notification_form(form: Mapping[str, str], credentials: AlipayCredentials) -> ProviderUpdate:
    """The verified fact in a notification form; NotificationRejected with a stable reason otherwise.

    Checked in order: sign type, signature, app id, seller id (when configured), required fields.
    Whether the order exists and the amount matches is the use case's business, not this one's.
    A refusal carries the out_trade_no the form names (unverified), so the raw log files it under that order.
    """
    try:
        return _verified(form, credentials)
    except NotificationRejected as e:
        e.order_no = e.order_no or form.get("out_trade_no") or None
        raise


def _verified(form: Mapping[str, str], credentials: AlipayCredentials) -> ProviderUpdate:
    if form.get("sign_type") != "RSA2":
        raise NotificationRejected("unsupported_sign_type",
                                   f"sign_type {form.get('sign_type')!r} is not accepted; only RSA2 is")
    charset = (form.get("charset") or "utf-8").lower()  # Alipay signs the text in the notification's charset
    content, sign = notify_sign_content(form), form.get("sign", "")
    if not any(_verifies(key, content, sign, charset if charset in CHARSETS else "utf-8")
               for key in _alipay_keys(form, credentials)):
        raise NotificationRejected("bad_signature", "the notification's signature does not verify")
    if form.get("app_id") != credentials.app_id:
        raise NotificationRejected("app_id_mismatch", f"app_id {form.get('app_id')!r} is not this config's")
    if credentials.seller_id and form.get("seller_id") != credentials.seller_id:
        raise NotificationRejected("seller_mismatch", f"seller_id {form.get('seller_id')!r} is not this config's")
    try:
        return notification_update(form, credentials.app_id)
    except (KeyError, ValueError) as e:
        raise NotificationRejected("malformed", f"the notification lacks or garbles {e}") from e


def _alipay_keys(form: Mapping[str, str], credentials: AlipayCredentials) -> Sequence[str]:
    """The keys that may have signed the form: public-key mode's one key; in certificate mode the key of the
    certificate the form names, or else each known certificate's (never a download: a callback makes no call)."""
    mode = credentials.certificates
    if mode is None:
        return [credentials.alipay_public_key_pem]
    named = form.get("alipay_cert_sn")
    if named:
        if named not in mode.alipay_keys:
            raise NotificationRejected("unknown_certificate",
                                       f"alipay_cert_sn {named!r} is not a certificate this config trusts yet")
        return [mode.alipay_keys[named]]
    return list(mode.alipay_keys.values())


def _verifies(key: str, content: str, sign: str, charset: str) -> bool:
    try:
        return verify_rsa2(key, content, sign, charset)
    except (BadSignature, ValueError):
        return False


class AlipayNotificationRouter:
    """NotificationRouter for Alipay: the form names its order in clear (out_trade_no, refunds included); the
    payment of that order names the config whose Alipay public key must verify it."""

    def route(self, raw: RawNotification) -> NotificationRoute:
        """The out_trade_no the form names, unverified."""
        order_no = raw.form.get("out_trade_no")
        if not order_no:
            raise NotificationRejected("malformed", "the notification names no out_trade_no")
        return NotificationRoute(order_no=order_no)

    async def order_of(self, raw: RawNotification, candidates: Sequence[PaymentConfig]) -> str:
        """The out_trade_no (an Alipay notification never routes by key)."""
        order_no = self.route(raw).order_no
        assert order_no is not None
        return order_no
