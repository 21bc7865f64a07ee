"""The webhook ports: signing and sending a delivery."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from application.records import SendResult


class WebhookSigner(Protocol):
    """The signature headers of one webhook, one signature per secret in each header."""

    def headers(self, event_id: str, timestamp: int, body: bytes, secrets: Sequence[str]) -> dict[str, str]:
        """Headers to send with the body."""


class WebhookSender(Protocol):
    """POSTs a webhook to the business system; network errors come back in the result, never raised."""

    async def send(self, url: str, body: bytes, headers: Mapping[str, str]) -> SendResult:
        """One attempt."""
