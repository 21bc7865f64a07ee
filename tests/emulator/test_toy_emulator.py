"""A provider's emulator is its folder and one line in the emulator's list: the toy's (tests/toy_provider) is
mounted beside the real ones, its state in app.state.toy, and closed at shutdown."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from emulator.app import EMULATORS, create_emulator_app
from emulator.settings import EmulatorSettings
from tests.toy_provider.emulator import TOY_EMULATOR, ToyEmulator


async def test_the_toy_emulator_is_mounted_from_the_list() -> None:
    app = create_emulator_app(EmulatorSettings(base_url="http://emulator.test"), emulated=(*EMULATORS, TOY_EMULATOR))
    toy: ToyEmulator = app.state.toy
    async with AsyncTestClient(app) as client:
        page = await client.get("/toy/pay/TOY0000001")
        assert (page.status_code, page.text) == (200, "toy pay page for TOY0000001 at http://emulator.test")
    assert toy.seen == ["TOY0000001"]
    assert {"alipay", "wechat", "toy"} <= set(app.state.dict())  # the real ones still mounted beside it
    assert toy.closed
