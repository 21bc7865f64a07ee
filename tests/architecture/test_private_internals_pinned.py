"""A library whose private internals paycore leans on is pinned below its next minor release, so a fresh install
cannot pick a release that moved them: Litestar (the OpenAPI plugin's cached document, Request._body),
SQLAlchemy (its asyncio DBAPI adapter classes), aiosqlite (Connection._conn, _execute) and wechatpayv3 (its core's
merchant fields, certificates and signature check: adapters/gateways/wechat/sdk.py)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

LEANED_ON = ("litestar", "sqlalchemy", "aiosqlite", "wechatpayv3")
ROOT = Path(__file__).parents[2]


def test_each_library_paycore_reaches_inside_is_pinned_below_its_next_minor() -> None:
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    found = {(r := Requirement(d)).name.lower(): r for d in dependencies}
    for name in LEANED_ON:
        uppers = [s for s in found[name].specifier if s.operator == "<"]
        assert uppers, f"{name} is used through its private internals but has no upper bound"
        assert all(re.fullmatch(r"\d+\.\d+", s.version) for s in uppers), f"{name}: pin below a minor, {uppers}"
