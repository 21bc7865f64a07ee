"""In-memory repositories and unit of work: staged writes, applied atomically on commit."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

from adapters.memory.journal import newest_of_type
from adapters.memory.outbox import MemoryOutbox, outbox_row
from adapters.memory.store import MemoryStore
from adapters.memory.sweeps import MemorySweeps
from application.errors import ConcurrencyConflict, DuplicateKey, LastAdminKey
from application.ports.storage import (
    ApiKeyRepository,
    ConfigRepository,
    IdempotencyStore,
    NotificationLog,
    Outbox,
    PaymentRepository,
    Sweeps,
)
from application.records import (
    ApiKey,
    IdempotencyRecord,
    JournalEntry,
    JournalPageRequest,
    NotificationRecord,
    Page,
    PageRequest,
    PaymentConfig,
    PaymentFilter,
)
from application.written import WrittenPayments
from domain.events import WEBHOOK_EVENTS
from domain.payment import Payment

Write = Callable[[MemoryStore], None]


class MemoryPayments:
    """PaymentRepository over a MemoryStore."""

    def __init__(self, store: MemoryStore, staged: list[Write], written: WrittenPayments) -> None:
        self._store, self._staged, self._written = store, staged, written

    async def add(self, payment: Payment) -> None:
        """Stage an insert."""
        if payment.order_no in self._store.payments:
            raise DuplicateKey(f"order_no {payment.order_no} exists")
        self._stage_write(payment, expected_version=None)

    async def get(self, order_no: str) -> Payment | None:
        """A private copy of the committed payment."""
        return self._store.snapshot(order_no)

    async def get_by_provider_order_no(self, out_trade_no: str) -> Payment | None:
        """The payment with an attempt of this provider order number."""
        for order_no in list(self._store.payments):
            payment = self._store.snapshot(order_no)
            if payment is not None and any(a.out_trade_no == out_trade_no for a in payment.attempts):
                return payment
        return self._store.snapshot(out_trade_no)

    async def get_by_refund_no(self, refund_no: str) -> Payment | None:
        """The owner of a refund."""
        owner = self._store.refund_owner.get(refund_no)
        return self._store.snapshot(owner) if owner else None

    async def save(self, payment: Payment) -> None:
        """Stage an update guarded by the loaded version."""
        current = self._store.payments.get(payment.order_no)
        if current is None or current.version != payment.version:
            raise ConcurrencyConflict(f"payment {payment.order_no} changed concurrently")
        self._stage_write(payment, expected_version=payment.version)

    def _stage_write(self, payment: Payment, expected_version: int | None) -> None:
        saved = copy.deepcopy(payment)
        events = list(saved.pending_events)
        saved.pending_events.clear()
        saved.version = payment.version + 1 if expected_version is not None else 0

        def write(store: MemoryStore) -> None:
            current = store.payments.get(saved.order_no)
            if expected_version is None and current is not None:
                raise DuplicateKey(f"order_no {saved.order_no} exists")
            if expected_version is not None and (current is None or current.version != expected_version):
                raise ConcurrencyConflict(f"payment {saved.order_no} changed concurrently")
            keys = {(e.provider_event_id, e.event_type.value) for e in events if e.provider_event_id}
            for refund_no in saved.refunds:
                if store.refund_owner.get(refund_no, saved.order_no) != saved.order_no:
                    raise DuplicateKey(f"refund_no {refund_no} exists")
            if keys & store.provider_event_keys:
                raise DuplicateKey("provider event already applied")
            store.provider_event_keys |= keys
            store.payments[saved.order_no] = saved
            for refund_no in saved.refunds:
                store.refund_owner[refund_no] = saved.order_no
            journal = store.journal.setdefault(saved.order_no, [])
            for event in events:
                entry = JournalEntry(f"evt_{store.next_id():012d}", event)
                journal.append(entry)
                if event.event_type in WEBHOOK_EVENTS:
                    store.outbox.append(outbox_row(len(store.outbox) + 1, entry))

        self._staged.append(write)
        payment.version = saved.version
        self._written.note(payment)

    async def list(self, filters: PaymentFilter, page: PageRequest) -> Page:
        """Matching payments, newest first, after the cursor."""
        rows = sorted(self._store.payments.values(), key=lambda p: (p.create_time, p.order_no), reverse=True)
        rows = [p for p in rows if _matches(p, filters) and (page.after is None
                or (p.create_time, p.order_no) < page.after)]
        return Page([copy.deepcopy(p) for p in rows[: page.limit]], len(rows) > page.limit)

    async def events(self, order_no: str) -> Sequence[JournalEntry]:
        """The journal, oldest first."""
        return list(self._store.journal.get(order_no, []))

    async def events_of_type(self, request: JournalPageRequest) -> Sequence[JournalEntry]:
        """Entries of one type, newest first (by time, then event id), strictly before the cursor."""
        return newest_of_type(self._store, request)


def _matches(p: Payment, f: PaymentFilter) -> bool:
    return (
        (f.trade_status is None or p.status is f.trade_status)
        and (f.payment_type is None or p.payment_type == f.payment_type)
        and (f.created_from is None or p.create_time >= f.created_from)
        and (f.created_to is None or p.create_time < f.created_to)
    )


class MemoryConfigs:
    """ConfigRepository over a MemoryStore."""

    def __init__(self, store: MemoryStore, staged: list[Write]) -> None:
        self._store, self._staged = store, staged

    async def get(self, config_id: int, include_deleted: bool = False) -> PaymentConfig | None:
        """The config or None."""
        found = self._store.configs.get(config_id)
        if found is None and include_deleted:
            found = self._store.deleted_configs.get(config_id)
        return found

    async def by_key(self, payment_type: str, key_ids: Sequence[str], limit: int = 20) -> Sequence[PaymentConfig]:
        """Configs of the type trusting one of the key ids, deleted ones too, newest first."""
        every = {**self._store.configs, **self._store.deleted_configs}
        wanted = set(key_ids)
        return [every[k] for k in sorted(every, reverse=True)
                if every[k].payment_type == payment_type and wanted & set(every[k].key_ids)][:limit]

    async def get_default(self, payment_type: str) -> PaymentConfig | None:
        """The type's default."""
        return next((c for c in self._store.configs.values()
                     if c.payment_type == payment_type and c.is_default), None)

    async def add(self, config: PaymentConfig) -> PaymentConfig:
        """Insert with a new id (from 100, like the seed's auto_increment); a new default takes over."""
        now = datetime.now(UTC)
        saved = dataclasses.replace(config, config_id=self._store.next_config_id(),
                                    create_time=config.create_time or config.update_time or now,
                                    update_time=config.update_time or now)

        def write(store: MemoryStore) -> None:
            _take_default(store, saved)
            store.configs[saved.config_id] = saved

        self._staged.append(write)
        return saved


    async def update(self, config: PaymentConfig) -> None:
        """Stage a full rewrite of a live config (its create_time stays); a deleted or unknown one is left alone."""
        now = datetime.now(UTC)

        def write(store: MemoryStore) -> None:
            current = store.configs.get(config.config_id)
            if current is None:
                return
            _take_default(store, config)
            store.configs[config.config_id] = dataclasses.replace(
                config, create_time=current.create_time, update_time=config.update_time or now)

        self._staged.append(write)

    async def delete(self, config_id: int, by: str) -> bool:
        """Stage a soft delete."""
        if config_id not in self._store.configs:
            return False
        now = datetime.now(UTC)

        def write(store: MemoryStore) -> None:
            config = store.configs.pop(config_id, None)
            if config is not None:
                store.deleted_configs[config_id] = dataclasses.replace(config, is_default=False, update_by=by,
                                                                       update_time=now)

        self._staged.append(write)
        return True

    async def list(self, include_deleted: bool = False) -> Sequence[PaymentConfig]:
        """Configs by id."""
        found = dict(self._store.configs)
        if include_deleted:
            found.update(self._store.deleted_configs)
        return [found[k] for k in sorted(found)]


    async def reseal(self, config_id: int, sealed: Mapping[str, str]) -> None:
        """Stage new ciphertexts for a config, deleted or not."""
        def write(store: MemoryStore) -> None:
            for table in (store.configs, store.deleted_configs):
                if config_id in table:
                    table[config_id] = dataclasses.replace(table[config_id], sealed=dict(sealed))

        self._staged.append(write)


def _take_default(store: MemoryStore, config: PaymentConfig) -> None:
    if config.is_default:
        for other in list(store.configs.values()):
            if other.payment_type == config.payment_type and other.is_default and other.config_id != config.config_id:
                store.configs[other.config_id] = dataclasses.replace(other, is_default=False)


class MemoryIdempotency:
    """IdempotencyStore over a MemoryStore."""

    def __init__(self, store: MemoryStore, staged: list[Write]) -> None:
        self._store, self._staged = store, staged

    async def get(self, owner: str, key: str) -> IdempotencyRecord | None:
        """The record or None."""
        return self._store.idempotency.get((owner, key))

    async def add(self, record: IdempotencyRecord) -> None:
        """Stage an insert."""
        def write(store: MemoryStore) -> None:
            if (record.owner, record.key) in store.idempotency:
                raise DuplicateKey("idempotency key taken")
            store.idempotency[(record.owner, record.key)] = record

        self._staged.append(write)


class MemoryApiKeys:
    """ApiKeyRepository over a MemoryStore."""

    def __init__(self, store: MemoryStore, staged: list[Write]) -> None:
        self._store, self._staged = store, staged

    async def add(self, key: ApiKey) -> None:
        """Stage an insert; DuplicateKey if the key id is taken."""
        if key.key_id in self._store.api_keys:
            raise DuplicateKey(f"API key {key.key_id} exists")

        def write(store: MemoryStore) -> None:
            if key.key_id in store.api_keys:
                raise DuplicateKey(f"API key {key.key_id} exists")
            store.api_keys[key.key_id] = key

        self._staged.append(write)

    async def get(self, key_id: str) -> ApiKey | None:
        """The key or None."""
        return self._store.api_keys.get(key_id)

    async def list(self) -> Sequence[ApiKey]:
        """Newest first; keys created at the same instant by key id, descending."""
        return sorted(self._store.api_keys.values(), key=lambda k: (k.create_time, k.key_id), reverse=True)

    async def revoke(self, key_id: str) -> bool:
        """Stage a revocation."""
        key = self._store.api_keys.get(key_id)
        if key is None:
            return False
        if key.scope == "admin" and not key.revoked and not any(
                k.scope == "admin" and not k.revoked and k.key_id != key_id for k in self._store.api_keys.values()):
            raise LastAdminKey(f"API key {key_id} is the last active admin key", key_id=key_id)

        def write(store: MemoryStore) -> None:
            if key_id in store.api_keys:
                store.api_keys[key_id] = dataclasses.replace(store.api_keys[key_id], revoked=True)

        self._staged.append(write)
        return True

    async def set_webhook_secrets(self, key_id: str, current: str, previous: str | None,
                                  previous_until: datetime | None) -> bool:
        """Stage new sealed webhook secrets."""
        if key_id not in self._store.api_keys:
            return False

        def write(store: MemoryStore) -> None:
            key = store.api_keys[key_id]
            gone = ("previous_webhook_secret", "previous_secret_until")
            extra = {k: v for k, v in key.extra.items() if k not in gone}
            extra["webhook_secret"] = current
            if previous is not None:
                extra |= {"previous_webhook_secret": previous, "previous_secret_until": previous_until}
            store.api_keys[key_id] = dataclasses.replace(key, extra=extra)

        self._staged.append(write)
        return True

    async def reseal(self, key_id: str, webhook_secret: str) -> None:
        """Stage a new sealed webhook secret; an unknown key is left alone."""
        def write(store: MemoryStore) -> None:
            key = store.api_keys.get(key_id)
            if key is not None:
                store.api_keys[key_id] = dataclasses.replace(key, extra={**key.extra, "webhook_secret": webhook_secret})

        self._staged.append(write)


class MemoryNotifications:
    """NotificationLog over a MemoryStore."""

    def __init__(self, store: MemoryStore, staged: list[Write]) -> None:
        self._store, self._staged = store, staged

    async def add(self, record: NotificationRecord) -> None:
        """Stage an append."""
        self._staged.append(lambda store: store.notifications.append(record))

    async def for_order(self, order_no: str) -> Sequence[NotificationRecord]:
        """Records naming the order, oldest first."""
        return [r for r in self._store.notifications if r.order_no == order_no]

    async def purge(self, received_before: datetime, limit: int) -> int:
        """Stage the deletion of the oldest records received before the moment."""
        doomed = [r for r in self._store.notifications if r.received_at < received_before][:limit]

        def write(store: MemoryStore) -> None:  # the store may be a copy: records compare by value
            for gone in doomed:
                if gone in store.notifications:
                    store.notifications.remove(gone)

        self._staged.append(write)
        return len(doomed)


class MemoryUnitOfWork:
    """A unit of work over a MemoryStore: nothing is visible until commit, which applies all or nothing."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._staged: list[Write] = []
        self._written = WrittenPayments()
        # Typed as the ports: the UnitOfWork protocol's attributes are invariant.
        self.payments: PaymentRepository = MemoryPayments(store, self._staged, self._written)
        self.configs: ConfigRepository = MemoryConfigs(store, self._staged)
        self.idempotency: IdempotencyStore = MemoryIdempotency(store, self._staged)
        self.api_keys: ApiKeyRepository = MemoryApiKeys(store, self._staged)
        self.notifications: NotificationLog = MemoryNotifications(store, self._staged)
        self.outbox: Outbox = MemoryOutbox(store, self._staged)
        self.sweeps: Sweeps = MemorySweeps(store, self._staged)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._staged.clear()
        self._written.discarded()

    async def commit(self) -> None:
        """Apply every staged write, or none if one fails."""
        trial = copy.deepcopy(self._store)
        for write in self._staged:
            write(trial)
        for name in ("payments", "journal", "provider_event_keys", "outbox", "configs", "idempotency",
                     "api_keys", "refund_owner", "last_id", "deleted_configs", "notifications", "sweeps",
                     "webhook_attempts"):
            setattr(self._store, name, getattr(trial, name))
        self._staged.clear()
        self._written.committed()


class MemoryUnitOfWorkFactory:
    """Makes units of work over one shared store."""

    def __init__(self, store: MemoryStore | None = None) -> None:
        self.store = store or MemoryStore()

    def __call__(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.store)
