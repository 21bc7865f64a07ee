"""What the emulator app needs of one emulated provider: each provider's folder exports one (`EMULATOR` in
`emulator/<provider>/mount.py`) and `emulator/app.py` lists them."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from litestar import Router

from emulator.settings import EmulatorSettings

Service = TypeVar("Service")


@dataclass(frozen=True, slots=True)
class EmulatedProvider(Generic[Service]):
    """One emulated provider: its state's name (`app.state.<name>`), how its state is built from the settings,
    its routes over that state, and what to close at shutdown."""

    name: str
    build: Callable[[EmulatorSettings], Service]
    router: Callable[[Service], Router]
    close: Callable[[Service], Awaitable[Any]]


def load_entries(path: Path, key: str, required: tuple[str, ...]) -> list[dict[str, str]]:
    """Entries from a JSON file: a list, or {key: [...]}, each with the required fields."""
    data = json.loads(path.read_text(encoding="utf-8"))
    entries = data.get(key, []) if isinstance(data, dict) else data
    if not isinstance(entries, list) or not all(isinstance(e, dict) and set(required) <= e.keys() for e in entries):
        raise ValueError(f"{path}: expected a list of {key} with {', '.join(required)}")
    return [{k: str(v) for k, v in entry.items()} for entry in entries]
