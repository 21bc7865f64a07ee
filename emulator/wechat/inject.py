"""How route handlers receive the emulator: a dependency named `wechat`."""

from __future__ import annotations

from litestar.di import NamedDependency

from emulator.wechat.service import WeChatEmulator

WeChat = NamedDependency[WeChatEmulator]
