"""Every application and domain error has one code, on its class, and a status in the HTTP layer's one table."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import application
from application import errors
from domain import errors as domain_errors
from entrypoints.http.errors import STATUSES, FieldError


def _classes(module: object, base: type[Exception]) -> list[type[Exception]]:
    return [c for _, c in inspect.getmembers(module, inspect.isclass) if issubclass(c, base) and c is not base]


ERROR_CLASSES = [*_classes(errors, errors.ApplicationError), *_classes(domain_errors, domain_errors.DomainError),
                 FieldError]


@pytest.mark.parametrize("klass", ERROR_CLASSES, ids=lambda c: c.__name__)
def test_every_error_maps_to_a_status_and_shows_its_own_code(klass: type[Exception]) -> None:
    statuses = [STATUSES[k] for k in klass.__mro__ if k in STATUSES]
    assert statuses, f"{klass.__name__} has no HTTP status: it would be a 500"
    code = klass.code  # type: ignore[attr-defined]
    assert code.isupper()
    assert code not in ("APPLICATION_ERROR", "DOMAIN_ERROR")


def test_every_application_error_lives_in_application_errors() -> None:
    stray = []
    for info in pkgutil.iter_modules(application.__path__):
        module = importlib.import_module(f"application.{info.name}")
        for klass in _classes(module, errors.ApplicationError):
            if klass.__module__ == module.__name__ and module is not errors:
                stray.append(f"{module.__name__}.{klass.__name__}")
    assert stray == []
