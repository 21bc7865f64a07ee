"""API keys: issue, authenticate (constant time), list, revoke."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from application.errors import Forbidden, Unauthenticated, UnknownScope
from application.ports.clock import Clock
from application.ports.crypto import SecretBox
from application.ports.storage import UnitOfWork, UnitOfWorkFactory
from application.records import ApiKey
from application.webhook_addresses import WebhookAddressPolicy

SCOPES = frozenset({"payments", "admin"})
PREFIX = "pck_"


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A new key with its secret, shown this once."""

    key: ApiKey
    token: str
    webhook_secret: str


def hash_secret(secret: str) -> str:
    """The stored form of a key's secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def webhook_secret_context(key_id: str) -> str:
    """The associated data binding a key's sealed webhook secret to its row."""
    return f"paycore_api_key:{key_id}:webhook_secret"


def new_webhook_secret() -> str:
    """`whsec_` and the base64 of 32 random bytes: the Standard Webhooks form, whose bytes are its HMAC key."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def allows(key: ApiKey, scope: str) -> bool:
    """An admin key may do everything; a payments key only payments."""
    return key.scope == "admin" or key.scope == scope


class ApiKeys:
    """The API key use cases."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, box: SecretBox,
                 addresses: WebhookAddressPolicy | None = None) -> None:
        self._uow, self._clock, self._box = uow, clock, box
        self._addresses = addresses or WebhookAddressPolicy()

    async def issue(self, name: str, scope: str, webhook_url: str | None = None) -> IssuedKey:
        """Create a key; its token is `pck_<key id>_<secret>` and only the secret's hash is stored.

        Each key also gets a webhook secret that signs the webhooks of the payments it creates; it is
        stored sealed and, like the token, shown only now.
        """
        if scope not in SCOPES:
            choices = ", ".join(sorted(SCOPES))
            raise UnknownScope("scope", f"must be one of {choices}", f"须为以下之一：{choices}")
        if webhook_url:
            self._addresses.check_url(webhook_url, "webhook_url")
        key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
        webhook_secret = new_webhook_secret()
        sealed = self._box.seal(webhook_secret, webhook_secret_context(key_id))
        key = ApiKey(key_id, name, scope, hash_secret(secret), self._clock.now(), webhook_url,
                     extra={"webhook_secret": sealed})
        async with self._uow() as uow:
            await uow.api_keys.add(key)
            await uow.commit()
        return IssuedKey(key, f"{PREFIX}{key_id}_{secret}", webhook_secret)

    def webhook_secret(self, key: ApiKey) -> str:
        """The key's webhook signing secret, unsealed."""
        return self._box.open(str(key.extra["webhook_secret"]), webhook_secret_context(key.key_id))

    def webhook_secrets(self, key: ApiKey, now: datetime) -> list[str]:
        """The secrets that sign the key's webhooks now: the current one, then the previous one during the
        overlap after a rotation (the business system may still check with it)."""
        found = [self.webhook_secret(key)]
        previous, until = key.extra.get("previous_webhook_secret"), key.extra.get("previous_secret_until")
        if previous and isinstance(until, datetime) and until > now:
            found.append(self._box.open(str(previous), webhook_secret_context(key.key_id)))
        return found

    async def authenticate(self, token: str | None, scope: str, uow: UnitOfWork | None = None) -> ApiKey:
        """The key behind a bearer token, if it may act in `scope`; else Unauthenticated or Forbidden.

        With `uow`, the key is read in that open unit of work, which the caller goes on using (a create reads
        its payment and config in the same one); without, in one of its own.
        """
        key = None
        if (parts := _token_parts(token or "")) is not None:
            if uow is not None:
                key = await _live_key(uow, *parts)
            else:
                async with self._uow() as own:
                    key = await _live_key(own, *parts)
        if key is None:
            raise Unauthenticated("a valid API key is required: send 'Authorization: Bearer <key>'")
        if not allows(key, scope):
            raise Forbidden(f"this API key has scope {key.scope!r}; this call needs {scope!r}")
        return key

    async def list(self) -> Sequence[ApiKey]:
        """Every key, without secrets."""
        async with self._uow() as uow:
            return await uow.api_keys.list()

    async def revoke(self, key_id: str) -> bool:
        """Revoke a key at once; False if it does not exist."""
        async with self._uow() as uow:
            found = await uow.api_keys.revoke(key_id)
            await uow.commit()
        return found


def _token_parts(token: str) -> tuple[str, str] | None:
    """(key id, secret) of a token shaped `pck_<key id>_<secret>`, else None."""
    if not token.startswith(PREFIX) or token.count("_") < 2:
        return None
    key_id, _, secret = token[len(PREFIX):].partition("_")
    return key_id, secret


async def _live_key(uow: UnitOfWork, key_id: str, secret: str) -> ApiKey | None:
    """The unrevoked key whose secret this is, or None."""
    key = await uow.api_keys.get(key_id)
    # Compare even when the key is unknown, so timing does not tell which ids exist.
    expected = key.secret_hash if key is not None else hash_secret("")
    matches = hmac.compare_digest(expected, hash_secret(secret))
    return key if key is not None and matches and not key.revoked else None
