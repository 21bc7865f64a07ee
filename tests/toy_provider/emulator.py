"""The toy provider's emulator: a pay page that says which order it shows, and its state to close at shutdown."""

from __future__ import annotations

from dataclasses import dataclass, field

from litestar import Router, get

from emulator.provider import EmulatedProvider
from emulator.settings import EmulatorSettings


@dataclass
class ToyEmulator:
    """The toy's state: the base URL it was given and whether it was closed."""

    base_url: str
    seen: list[str] = field(default_factory=list)
    closed: bool = False


def build(settings: EmulatorSettings) -> ToyEmulator:
    """The toy's state from the emulator's settings."""
    return ToyEmulator(settings.base_url)


def router(toy: ToyEmulator) -> Router:
    """/toy/pay/{order_no}."""

    @get("/pay/{order_no:str}", media_type="text/plain")
    async def pay_page(order_no: str) -> str:
        toy.seen.append(order_no)
        return f"toy pay page for {order_no} at {toy.base_url}"

    return Router(path="/toy", route_handlers=[pay_page])


async def close(toy: ToyEmulator) -> None:
    """Shut down."""
    toy.closed = True


TOY_EMULATOR = EmulatedProvider("toy", build, router, close)
