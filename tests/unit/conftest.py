"""Fixtures for the use-case tests."""

from __future__ import annotations

import pytest

from tests.unit.harness import App, build_app


@pytest.fixture
def app() -> App:
    """The use cases on in-memory storage and fake providers."""
    return build_app()
