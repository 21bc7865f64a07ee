"""Rotate an API key's webhook secret: the new one is shown once, and the previous one keeps signing beside it
(a second signature in both signature headers) until the overlap ends, so the business system can switch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from application.api_keys import new_webhook_secret, webhook_secret_context
from application.errors import ApiKeyNotFound, InvalidOverlap
from application.ports.clock import Clock
from application.ports.crypto import SecretBox
from application.ports.storage import UnitOfWorkFactory

MAX_OVERLAP = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class RotatedSecret:
    """The new secret (shown this once) and until when the previous one still signs."""

    key_id: str
    webhook_secret: str
    previous_valid_until: datetime | None


class RotateWebhookSecret:
    """The rotation use case."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, box: SecretBox) -> None:
        self._uow, self._clock, self._box = uow, clock, box

    async def __call__(self, key_id: str, overlap: timedelta) -> RotatedSecret:
        """A new secret; the current one signs too until now + overlap (none with a zero overlap)."""
        if not timedelta(0) <= overlap <= MAX_OVERLAP:
            raise InvalidOverlap("overlap_hours", "must be between 0 and 168", "须在 0 到 168 之间（小时）")
        secret, now = new_webhook_secret(), self._clock.now()
        async with self._uow() as uow:
            key = await uow.api_keys.get(key_id)
            if key is None or key.revoked:
                raise ApiKeyNotFound(f"no active API key {key_id}", key_id=key_id)
            previous = key.extra.get("webhook_secret") if overlap else None
            until = now + overlap if previous else None
            sealed = self._box.seal(secret, webhook_secret_context(key_id))
            await uow.api_keys.set_webhook_secrets(key_id, sealed, str(previous) if previous else None, until)
            await uow.commit()
        return RotatedSecret(key_id, secret, until)
