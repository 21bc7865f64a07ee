"""The application knows no provider by name: `alipay` and `wechat` (any case, code, comments and docstrings)
appear nowhere in application/. `lint-imports` enforces it (the "no provider names" contract type of
provider_names.py, registered in pyproject.toml); this runs the same check in pytest and tests the check."""

from __future__ import annotations

from pathlib import Path

from tests.architecture.provider_names import mentions, package_mentions


def test_no_application_module_names_a_provider() -> None:
    assert list(Path(__file__).resolve().parents[2].joinpath("application").rglob("*.py"))
    assert package_mentions("application") == []


def test_the_check_catches_a_provider_in_code_and_in_a_comment(tmp_path: Path) -> None:
    sample = tmp_path / "records.py"
    sample.write_text('# WeChat needs an openid\nx = "alipay_public_key"\ny = "public_key"\n', encoding="utf-8")
    assert mentions(sample) == ["records.py:1: # WeChat needs an openid", 'records.py:2: x = "alipay_public_key"']


def test_the_check_labels_a_package_file_by_its_path() -> None:
    found = package_mentions("adapters.gateways")
    assert any(m.startswith("adapters.gateways/alipay/config.py:") for m in found)
