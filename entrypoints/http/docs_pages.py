"""Pages for people: the API docs (Swagger UI, its scripts and styles served from the package, so that they open
without internet) and a landing page at `/` linking them, the health and metrics endpoints and, in the demo, the
demo payments' cashier pages."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from litestar import Request, Response, Router, get
from litestar.openapi.plugins import OpenAPIRenderPlugin, SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

from application.errors import PaymentNotFound, StorageUnavailable

STATIC_PATH = "/static"
STATIC_DIR = Path(__file__).parent / "static"
SWAGGER = f"{STATIC_PATH}/swagger-ui"
# The demo's configs and the payments its banner creates (entrypoints/demo.py): their presence means "a demo".
DEMO_CONFIG_NAMES = frozenset({"demo alipay (emulator)", "demo wechat (emulator)"})
DEMO_ORDER_NOS = ("DEMO0001", "DEMOWX0001")


def render_plugins() -> list[OpenAPIRenderPlugin]:
    """Swagger UI at /schema and /schema/swagger, every asset from STATIC_DIR (no CDN, no external favicon)."""
    return [SwaggerRenderPlugin(
        path=["/", "/swagger"], js_url=f"{SWAGGER}/swagger-ui-bundle.js", css_url=f"{SWAGGER}/swagger-ui.css",
        standalone_preset_js_url=f"{SWAGGER}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{SWAGGER}/favicon-32x32.png'>")]


def static_files() -> Router:
    """The vendored assets (entrypoints/http/static, package data), kept out of the OpenAPI document."""
    return create_static_files_router(path=STATIC_PATH, directories=[STATIC_DIR], include_in_schema=False,
                                      name="static")


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>paycore</title>
<style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#222;
line-height:1.5}} code{{background:#f3f3f3;padding:0 .2rem}} li{{margin:.3rem 0}}</style></head>
<body><h1>paycore {version}</h1>
<p>A payment service for Alipay and WeChat Pay v3 · 支付宝与微信支付 v3 支付服务</p>
<h2>API</h2>
<ul>
<li><a href="/schema">API docs</a> (Swagger UI; every operation, its fields and errors)</li>
<li><a href="/schema/openapi.json">OpenAPI document</a> (<code>/schema/openapi.json</code>)</li>
</ul>
<h2>Operations</h2>
<ul>
<li><a href="/health">/health</a>: 200 while the process runs</li>
<li><a href="/ready">/ready</a>: 200 when the database answers</li>
<li><a href="/metrics">/metrics</a>: Prometheus text</li>
</ul>
{demo}</body></html>"""

_DEMO = """<h2>Demo</h2>
<p>This is <code>paycore demo</code>: its configs pay through the offline emulator{emulator}.
Create the payments with the curl lines the demo printed, then open their cashier pages:</p>
<ul>
{cashiers}
</ul>
"""


async def _demo_section(container: Any) -> str:
    """The demo's links, or nothing outside the demo."""
    try:
        views = await container.configs().list()
    except StorageUnavailable:  # the page still links the docs and /ready, which says what is wrong
        return ""
    demo = [view.config for view in views if view.config.config_name in DEMO_CONFIG_NAMES]
    if not demo:
        return ""
    emulators = sorted({c.gateway_url.removesuffix("/gateway.do") for c in demo if c.gateway_url})
    emulator = "".join(f' at <a href="{escape(url)}">{escape(url)}</a>' for url in emulators[:1])
    items = []
    for order_no in DEMO_ORDER_NOS:
        try:
            payment = await container.queries().get(order_no)
            link = escape(container.cashier_links().path(payment))
            items.append(f'<li><a href="{link}">cashier of {order_no}</a></li>')
        except PaymentNotFound:
            items.append(f"<li>{order_no}: not created yet</li>")
    return _DEMO.format(emulator=emulator, cashiers="\n".join(items))


@get("/", include_in_schema=False, media_type="text/html")
async def landing(request: Request[Any, Any, Any]) -> Response[str]:
    """Where to go from here: the docs, the operations endpoints and, in the demo, the cashier pages."""
    from importlib.metadata import version

    demo = await _demo_section(request.app.state.container)
    return Response(_PAGE.format(version=escape(version("paycore")), demo=demo), media_type="text/html")
