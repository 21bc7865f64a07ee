"""A real browser (Debian's chromium, driven by Playwright; never a downloaded browser build) on a real paycore
server, with every request off this machine refused: what a page needs must come from paycore itself.

Fixtures for any browser test (the docs page, the cashier page):
- `served`: a real `paycore serve` on a fresh SQLite database; its base URL.
- `demo`: a real `paycore demo` (paycore and its emulator on real ports); its URLs and payments key.
- `offline_page`: a Playwright page that aborts every request whose host is not 127.0.0.1, and records them in
  `page.refused` (a list of URLs) so that a test can assert nothing was even attempted.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.demo_live import Demo, running_demo
from tests.e2e.processes import paycore, paycore_env, until_healthy
from tests.e2e.test_serve_process import free_port

CHROMIUM = "/usr/bin/chromium"  # `apt-get install chromium` (.ci/run does it)
LOCAL_HOSTS = {"127.0.0.1"}
MERCHANT = "论文工坊 Thesis Studio"

if not os.path.exists(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is absent: `apt-get install chromium` to run the browser tests",
                allow_module_level=True)
async_api = pytest.importorskip("playwright.async_api", reason="playwright (a dev extra) is not installed")


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[str]:
    """`paycore serve` (migrating its own SQLite file) on a free port; its base URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = paycore_env(f"sqlite+aiosqlite:///{tmp_path / 'browser.db'}", PAYCORE_PUBLIC_URL=url)
    async with paycore(["serve", "--port", str(port), "--no-worker"], env, tmp_path) as server:
        await until_healthy(url, server)
        yield url


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Headless chromium from Debian's package."""
    async with async_api.async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield launched
        finally:
            await launched.close()


async def offline_page_in(context: Any) -> Any:
    """A new page of the context, which now refuses every request off this machine and records its URL in
    `page.refused`."""
    refused: list[str] = []

    async def only_local(route: Any) -> None:
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            await route.continue_()
        else:
            refused.append(route.request.url)
            await route.abort()

    await context.route("**/*", only_local)
    page = await context.new_page()
    page.refused = refused
    return page


@pytest.fixture
async def offline_page(browser: Any) -> AsyncIterator[Any]:
    """A page in a fresh context that refuses (and records in `page.refused`) every request off this machine."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await offline_page_in(context)
    try:
        yield page
    finally:
        await context.close()


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[Demo]:
    """`paycore demo` in an empty directory on free ports, its shop named by PAYCORE_MERCHANT_NAME."""
    async with running_demo(tmp_path, MERCHANT) as served:
        yield served
