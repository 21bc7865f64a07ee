"""The API docs open on a machine without internet: Swagger UI's scripts and styles come from paycore itself, and
the operations are rendered (checked in headless chromium with every request off this machine refused)."""

from __future__ import annotations

from typing import Any

import pytest

WITHIN_MS = 15_000  # chromium on a busy 2-core machine parses the 1.7 MB bundle in well under this


@pytest.mark.parametrize("path", ["/schema", "/schema/swagger"])
async def test_the_api_docs_render_every_operation_offline(served: str, offline_page: Any, path: str) -> None:
    response = await offline_page.goto(served + path)
    assert response.status == 200
    create = offline_page.locator(".opblock-summary", has_text="Create a payment")
    await create.first.wait_for(state="visible", timeout=WITHIN_MS)
    assert await create.locator(".opblock-summary-path").first.inner_text() == "/v1/payments"
    assert await offline_page.locator(".opblock").count() >= 25  # every operation, not just the first tag
    assert offline_page.refused == []  # not even attempted: no CDN, no external font or favicon


async def test_an_operation_opens_with_its_fields_and_errors(served: str, offline_page: Any) -> None:
    await offline_page.goto(f"{served}/schema")
    create = offline_page.locator(".opblock-summary", has_text="Create a payment").first
    await create.click(timeout=WITHIN_MS)
    body = offline_page.locator(".opblock.is-open")
    await body.get_by_text("RATE_LIMITED", exact=False).first.wait_for(state="visible", timeout=WITHIN_MS)
    assert await body.locator(".response-col_status", has_text="409").count() == 1
    assert offline_page.refused == []


async def test_the_landing_page_links_the_docs_and_the_operations_endpoints(served: str, offline_page: Any) -> None:
    response = await offline_page.goto(f"{served}/")
    assert response.status == 200
    links = {await a.inner_text(): await a.get_attribute("href") for a in await offline_page.locator("a").all()}
    assert links["API docs"] == "/schema"
    for href in ("/health", "/ready", "/metrics", "/schema/openapi.json"):
        assert href in links.values(), links
        answer = await offline_page.request.get(served + href)
        assert answer.status == 200, href
    assert await offline_page.get_by_text("Demo").count() == 0  # not a demo: no demo section
    await offline_page.get_by_text("API docs").click()
    await offline_page.locator(".opblock-summary", has_text="Create a payment").first.wait_for(timeout=WITHIN_MS)
    assert offline_page.refused == []
