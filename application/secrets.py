"""Stored secrets as a whole: check they all open (at start-up) and re-seal them under the newest key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from application.api_keys import webhook_secret_context
from application.errors import SecretUnreadable
from application.ports.crypto import SecretBox
from application.ports.storage import UnitOfWorkFactory
from application.records import ApiKey, PaymentConfig

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class RotationReport:
    """How many sealed values were looked at and how many were re-sealed."""

    examined: int
    resealed: int


def _config_secrets(config: PaymentConfig) -> list[tuple[str, str]]:
    return [(sealed, config.secret_context(name)) for name, sealed in sorted(config.sealed.items())]


def _key_secrets(key: ApiKey) -> list[tuple[str, str]]:
    """The key's sealed webhook secrets: the current one, and the previous one during a rotation's overlap."""
    names = ("webhook_secret", "previous_webhook_secret")
    return [(str(key.extra[n]), webhook_secret_context(key.key_id)) for n in names if key.extra.get(n)]


class StoredSecrets:
    """Operations over every secret in the database, deleted configs included."""

    def __init__(self, uow: UnitOfWorkFactory, box: SecretBox) -> None:
        self._uow, self._box = uow, box

    async def check(self) -> int:
        """Open every stored secret; SecretUnreadable (naming the first key id that fails) if one does not."""
        async with self._uow() as uow:
            configs = await uow.configs.list(include_deleted=True)
            keys = await uow.api_keys.list()
        pairs = [p for c in configs for p in _config_secrets(c)] + [p for k in keys for p in _key_secrets(k)]
        for sealed, context in pairs:
            try:
                self._box.open(sealed, context)
            except SecretUnreadable as e:
                raise SecretUnreadable(f"cannot read the stored secrets: {e.message}", **e.extra) from e
        return len(pairs)

    async def rotate(self, progress: Progress | None = None) -> RotationReport:
        """Re-seal under the newest key every value sealed under an older one; safe to run again."""
        async with self._uow() as uow:
            configs = await uow.configs.list(include_deleted=True)
            keys = await uow.api_keys.list()
        total, done, resealed = sum(len(c.sealed) for c in configs) + sum(len(_key_secrets(k)) for k in keys), 0, 0
        for config in configs:
            fresh = {name: self._reseal(sealed, config.secret_context(name)) for name, sealed in config.sealed.items()}
            done += len(fresh)
            if fresh != dict(config.sealed):
                resealed += sum(1 for name in fresh if fresh[name] != config.sealed[name])
                async with self._uow() as uow:
                    await uow.configs.reseal(config.config_id, fresh)
                    await uow.commit()
            if progress:
                progress(done, total)
        for key in keys:
            stored = [sealed for sealed, _ in _key_secrets(key)]
            renewed = [self._reseal(sealed, context) for sealed, context in _key_secrets(key)]
            done += len(renewed)
            if renewed != stored:
                resealed += sum(1 for a, b in zip(stored, renewed, strict=True) if a != b)
                async with self._uow() as uow:
                    previous = renewed[1] if len(renewed) > 1 else None
                    await uow.api_keys.set_webhook_secrets(key.key_id, renewed[0], previous,
                                                           key.extra.get("previous_secret_until"))
                    await uow.commit()
            if progress:
                progress(done, total)
        return RotationReport(done, resealed)

    def _reseal(self, sealed: str, context: str) -> str:
        return sealed if self._box.is_current(sealed) else self._box.seal(self._box.open(sealed, context), context)
