"""Payment config administration: create, read, list, patch, soft-delete; secrets sealed at rest."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from application.config_validation import FIELDS, KEY_FIELDS, ConfigRules, normalise, secret_names, setting_names
from application.errors import ConfigNotFound, InvalidConfig
from application.ports.clock import Clock
from application.ports.crypto import KeyInspector, SecretBox
from application.ports.storage import UnitOfWork, UnitOfWorkFactory
from application.records import PRIVATE_KEY, PaymentConfig
from domain.kinds import PaymentType

PUBLIC_FIELDS = tuple(f for f in FIELDS if f != PRIVATE_KEY)


@dataclass(frozen=True, slots=True)
class SecretState:
    """What the API may say about a secret: whether it is set and a fingerprint to compare."""

    set: bool
    fingerprint: str | None = None


@dataclass(frozen=True, slots=True)
class ConfigView:
    """A config with its secrets replaced by their state."""

    config: PaymentConfig
    secrets: Mapping[str, SecretState]


class ManageConfigs:
    """The admin use cases over payment configs."""

    def __init__(self, uow: UnitOfWorkFactory, box: SecretBox, keys: KeyInspector, clock: Clock,
                 rules: Mapping[str, ConfigRules]) -> None:
        self._uow, self._box, self._keys, self._clock = uow, box, keys, clock
        self._rules = dict(rules)  # payment type → its adapter's config rules
        self._settings, self._secrets = setting_names(self._rules), secret_names(self._rules)
        self._fields = tuple(dict.fromkeys((*FIELDS, *self._settings, *self._secrets)))

    async def create(self, fields: Mapping[str, Any], by: str) -> ConfigView:
        """Check, normalise and store a new config; its secrets are sealed to its row."""
        clean = normalise(_known(fields, self._fields), self._rules)
        now = self._clock.now()
        draft = _config(0, clean, self._settings, by=by, now=now, create_by=by, create_time=now)
        async with self._uow() as uow:
            stored = await uow.configs.add(draft)
            sealed = self._seal(stored, {k: clean.get(k) or "" for k in self._secrets})
            await uow.configs.update(sealed)
            await uow.commit()
        return self._view(sealed)

    async def get(self, config_id: int) -> ConfigView:
        """One live config."""
        async with self._uow() as uow:
            return self._view(await _existing(uow, config_id))

    async def list(self) -> Sequence[ConfigView]:
        """Every live config."""
        async with self._uow() as uow:
            return [self._view(c) for c in await uow.configs.list()]

    async def update(self, config_id: int, changes: Mapping[str, Any], by: str) -> ConfigView:
        """Change some fields; secrets not given stay as they are."""
        changes = _known(changes, self._fields)
        if "payment_type" in changes:
            raise InvalidConfig("payment_type", "cannot change; create a new config instead",
                                "不能修改；请新建一个配置")
        async with self._uow() as uow:
            current = await _existing(uow, config_id)
            plain = {k: self._box.open(v, current.secret_context(k)) for k, v in current.sealed.items()}
            merged = {**{f: getattr(current, f) for f in PUBLIC_FIELDS if hasattr(current, f)},
                      **{f: current.setting(f) for f in self._settings}, **plain, **changes,
                      "enabled": changes.get("enabled", current.enabled)}
            for name in KEY_FIELDS:  # a field never set reads "" (certificates are optional)
                merged.setdefault(name, "")
            clean = normalise(merged, self._rules)
            updated = _config(config_id, clean, self._settings, by=by, now=self._clock.now(),
                              create_by=current.create_by, create_time=current.create_time)
            updated = self._seal(updated, {k: clean.get(k) or "" for k in self._secrets})
            await uow.configs.update(updated)
            await uow.commit()
        return self._view(updated)

    async def delete(self, config_id: int, by: str) -> None:
        """Soft-delete: it disappears from the API but its payments keep their history."""
        async with self._uow() as uow:
            if not await uow.configs.delete(config_id, by):
                raise ConfigNotFound(f"no payment config {config_id}", config_id=config_id)
            await uow.commit()

    def _seal(self, config: PaymentConfig, secrets: Mapping[str, str]) -> PaymentConfig:
        sealed = {k: self._box.seal(v, config.secret_context(k)) for k, v in secrets.items() if v}
        return dataclasses.replace(config, sealed=sealed)

    def _view(self, config: PaymentConfig) -> ConfigView:
        states: dict[str, SecretState] = {}
        for name in self._secrets:
            sealed = config.sealed.get(name)
            if sealed is None:
                states[name] = SecretState(False)
                continue
            plain = self._box.open(sealed, config.secret_context(name))
            fingerprint = self._keys.fingerprint(plain) if name == PRIVATE_KEY else self._box.fingerprint(plain)
            states[name] = SecretState(True, fingerprint)
        return ConfigView(config, states)


def _known(fields: Mapping[str, Any], known: Sequence[str]) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(known))
    if unknown:
        raise InvalidConfig(unknown[0], f"is not a payment config field; known fields: {', '.join(known)}",
                            f"不是支付配置的字段；可用字段：{', '.join(known)}")
    return {k: v for k, v in fields.items() if v is not None}


async def _existing(uow: UnitOfWork, config_id: int) -> PaymentConfig:
    config = await uow.configs.get(config_id)
    if config is None:
        raise ConfigNotFound(f"no payment config {config_id}", config_id=config_id)
    return config


def _config(config_id: int, clean: Mapping[str, Any], settings: Sequence[str], **audit: Any) -> PaymentConfig:
    by, now = audit.pop("by"), audit.pop("now")
    public: dict[str, Any] = {f: clean.get(f) or "" for f in PUBLIC_FIELDS
              if f not in ("payment_type", "is_sandbox", "is_default", "enabled") and f not in KEY_FIELDS}
    keys: dict[str, Any] = {f: clean.get(f) or "" for f in KEY_FIELDS if f != PRIVATE_KEY}
    return PaymentConfig(
        config_id=config_id, payment_type=PaymentType(clean["payment_type"]), is_sandbox=bool(clean.get("is_sandbox")),
        is_default=bool(clean.get("is_default")), enabled=clean.get("enabled", True),
        key_ids=tuple(clean.get("key_ids", ())), settings={f: str(clean[f]) for f in settings if clean.get(f)},
        update_by=by, update_time=now, **public, **keys, **audit,
    )
