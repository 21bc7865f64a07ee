"""The places outside a provider's own folders (adapters/gateways/<provider>/, emulator/<provider>/) that name a
provider, file by file: a new one fails here, so the list cannot grow unnoticed, and a file that stops naming one
must leave the list. Migrations are history and not counted. README's layout section says which of these a new
provider must touch."""

from __future__ import annotations

import re

from tests.architecture.provider_names import package_mentions

PACKAGES = ("domain", "application", "adapters", "entrypoints", "emulator")
OWN_FOLDER = re.compile(r"^(adapters/gateways|emulator)/(alipay|wechat)/")
HISTORY = re.compile(r"^adapters/sql/migrations/")

# Each file, and why it names a provider.
PLACES = {
    "domain/kinds.py": "PaymentType's members (the issue keeps the enum in the domain)",
    "domain/checkout.py": "comments: each provider's checkout shapes",
    "domain/payment.py": "comments and docstrings",
    "domain/status.py": "comments: the providers' trade states",
    "domain/updates.py": "comments and docstrings",
    "adapters/crypto/keys.py": "docstrings: which SDK wants which key form",
    "adapters/gateways/bill_text.py": "docstrings: the providers' bill formats",
    "adapters/gateways/fake.py": "the fake stands for either provider in tests",
    "adapters/sql/repositories.py": "the seed's columns of the providers' settings",
    "adapters/sql/tables.py": "the seed's columns of the providers' settings",
    "adapters/sql/tables_reconciliation.py": "comments",
    "emulator/__init__.py": "docstring",
    "emulator/app.py": "mounts each provider's emulator",
    "emulator/settings.py": "each emulated provider's settings",
    "entrypoints/container.py": "the composition root: PROVIDERS, one entry (and its import) per provider",
    "entrypoints/cli.py": "help texts and the emulator command",
    "entrypoints/demo.py": "the demo configures both providers against the emulator",
    "entrypoints/http/cashier.py": "the cashier page's provider-specific rendering",
    "entrypoints/http/cashier_choices.py": "the cashier page: which provider's methods suit which device",
    "entrypoints/http/cashier_page.py": "the cashier page: which way to pay each provider offers on which device",
    "entrypoints/http/cashier_text.py": "the cashier page's texts naming the provider to pay with",
    "entrypoints/http/docs_pages.py": "documentation text",
    "entrypoints/http/notify_refusals.py": "docstring: what the providers do when refused",
    "entrypoints/http/nul_guard.py": "comments",
    "entrypoints/settings.py": "settings' descriptions",
    "entrypoints/worker.py": "docstrings",
}


def places() -> set[str]:
    """The files outside the providers' own folders (and the migrations) naming a provider."""
    found = {m.split(":", 1)[0] for package in PACKAGES for m in package_mentions(package)}
    return {f for f in found if not OWN_FOLDER.match(f) and not HISTORY.match(f)}


def test_the_places_naming_a_provider_are_the_known_ones() -> None:
    assert sorted(places()) == sorted(PLACES)
