"""Reads across the in-memory journal of every payment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from adapters.memory.store import MemoryStore
from application.records import JournalEntry, JournalPageRequest


def _position(entry: JournalEntry) -> tuple[datetime, str]:
    return entry.event.occurred_at, entry.event_id


def newest_of_type(store: MemoryStore, request: JournalPageRequest) -> Sequence[JournalEntry]:
    """Entries of the request's type, newest first (by time, then event id), strictly before its cursor."""
    found = [entry for journal in store.journal.values() for entry in journal
             if entry.event.event_type is request.event_type
             and (request.before is None or _position(entry) < request.before)]
    return sorted(found, key=_position, reverse=True)[: request.limit]
