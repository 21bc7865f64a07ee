"""How route handlers receive the emulator: a dependency named `alipay`."""

from __future__ import annotations

from litestar.di import NamedDependency

from emulator.alipay.service import AlipayEmulator

Alipay = NamedDependency[AlipayEmulator]
