"""Webhook signatures: paycore's own `Paycore-Signature` and the Standard Webhooks headers, signed with the
`standardwebhooks` library so that its verifiers, in any language, accept them (compatibility is the library's)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

from application.deliver_webhooks import PaycoreSigner


class StandardWebhooksSigner(PaycoreSigner):
    """`webhook-id`, `webhook-timestamp` and `webhook-signature` (`v1,<base64>`, one per secret, space-separated)
    beside `Paycore-Signature`. A `whsec_` secret's base64 bytes are the key, as the spec says."""

    def headers(self, event_id: str, timestamp: int, body: bytes, secrets: Sequence[str]) -> dict[str, str]:
        """Both signature schemes."""
        moment = datetime.fromtimestamp(timestamp, UTC)
        text = body.decode("utf-8")
        signatures = " ".join(Webhook(secret).sign(event_id, moment, text) for secret in secrets)
        return {**super().headers(event_id, timestamp, body, secrets), "webhook-id": event_id,
                "webhook-timestamp": str(timestamp), "webhook-signature": signatures}
