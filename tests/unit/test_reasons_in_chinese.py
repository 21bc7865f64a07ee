"""An error the caller fixes by changing a field says why in Chinese too, and none can be built without that reason:
every error class the HTTP layer answers 400 with a message naming fields (VALIDATION_ERROR, KEY_PAIR_MISMATCH) is
one of the bilingual errors, whose constructors refuse a reason that holds no Chinese."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapters.gateways.alipay.certs import CertificateError
from application.errors import ApplicationError, InvalidField, InvalidInput, InvalidKeyMaterial
from domain.errors import DomainError, InvalidAmount
from domain.money import Money
from entrypoints.http.errors import STATUSES
from entrypoints.http.i18n import ZH

HAN = re.compile(r"[\u4e00-\u9fff]")
BILINGUAL = (InvalidField, InvalidKeyMaterial, InvalidAmount)


def every_subclass(*roots: type) -> list[type]:
    """Every subclass of the roots in every module of the service (all imported first), the roots included."""
    for package in ("domain", "application", "adapters", "entrypoints"):
        for found in pkgutil.walk_packages(importlib.import_module(package).__path__, f"{package}."):
            if ".migrations." not in found.name:
                importlib.import_module(found.name)
    seen: list[type] = []
    stack = list(roots)
    while stack:
        klass = stack.pop()
        if klass not in seen:
            seen.append(klass)
            stack.extend(klass.__subclasses__())
    return seen


def mapped(klass: type) -> tuple[int, str] | None:
    """(status, code) the HTTP layer answers for this class, looked up along its MRO as the handler does."""
    status = next((STATUSES[k] for k in klass.__mro__ if k in STATUSES), None)
    code = getattr(klass, "code", None)
    return (status, code) if status is not None and isinstance(code, str) else None


def names_fields(klass: type) -> bool:
    """Whether its answer is a 400 whose Chinese message is built from the fields' own reasons."""
    answer = mapped(klass)
    return answer is not None and answer[0] == 400 and "{fields}" in ZH[answer[1]]


# InvalidInput is only the base the HTTP layer maps to 400; it is never raised itself (checked below).
FIELD_ERRORS = [k for k in every_subclass(ApplicationError, DomainError) if names_fields(k) and k is not InvalidInput]


def test_the_bare_base_of_input_errors_is_never_raised() -> None:
    for package in ("domain", "application", "adapters", "entrypoints"):
        for path in Path(importlib.import_module(package).__path__[0]).rglob("*.py"):
            assert not re.search(r"raise (app\.)?InvalidInput\(", path.read_text(encoding="utf-8")), path


def build(klass: type, chinese: str | None) -> Any:
    """The class built from its required arguments: English text, and `chinese` for each `*_zh` one (left out
    when None)."""
    signature = inspect.signature(klass)
    arguments = {name: ("" if name.endswith("_zh") else "wrong") for name, p in signature.parameters.items()
                 if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    for name in [n for n in arguments if n.endswith("_zh")]:
        if chinese is None:
            del arguments[name]
        else:
            arguments[name] = chinese
    return klass(**arguments)


def chinese_reasons(error: Any) -> list[str]:
    """Every Chinese reason the error carries: on itself and in each `extra.fields` entry."""
    found = [getattr(error, name) for name in ("message_zh", "reason_zh") if hasattr(error, name)]
    return found + [entry["message_zh"] for entry in getattr(error, "extra", {}).get("fields", [])]


def test_the_field_errors_are_found() -> None:
    names = {k.__name__ for k in FIELD_ERRORS}
    assert {"FieldError", "InvalidConfig", "KeyPairMismatch", "InvalidKeyMaterial", "InvalidAmount", "InvalidCursor",
            "UnknownScope", "InvalidOverlap", "RefusedWebhookAddress"} <= names


@pytest.mark.parametrize("klass", FIELD_ERRORS, ids=lambda k: k.__name__)
def test_every_error_that_names_a_field_is_a_bilingual_one(klass: type) -> None:
    assert issubclass(klass, BILINGUAL), f"{klass.__name__} answers 400 without a Chinese reason: derive it from " \
                                         "InvalidField (or give it a required *_zh argument)"


@pytest.mark.parametrize("klass", [*FIELD_ERRORS, CertificateError], ids=lambda k: k.__name__)
def test_no_field_error_can_be_built_without_a_chinese_reason(klass: type) -> None:
    wants_chinese = any(name.endswith("_zh") for name in inspect.signature(klass).parameters)
    if wants_chinese:
        with pytest.raises(TypeError):
            build(klass, None)  # left out: mypy --strict says so too, at every raise
        for not_chinese in ("", "wrong"):
            with pytest.raises(ValueError, match="a Chinese reason is required"):
                build(klass, not_chinese)
        error = build(klass, "须为正确的值")
    else:  # its reason is fixed, in both languages
        error = build(klass, None)
    reasons = chinese_reasons(error)
    assert reasons, f"{klass.__name__} carries no Chinese reason"
    assert all(HAN.search(reason) for reason in reasons), reasons


@pytest.mark.parametrize("value", ["1.234", "0", "100000000.01", "1e2", " 1", "１２", "-1", 1.5, True,
                                   Decimal("NaN"), Decimal("1E+20"), Decimal("0.001")])
def test_every_amount_refusal_says_why_in_chinese(value: Any) -> None:
    with pytest.raises(InvalidAmount) as refused:  # not the ValueError of a missing Chinese reason
        Money.from_yuan(value)
    assert HAN.search(refused.value.message_zh)
