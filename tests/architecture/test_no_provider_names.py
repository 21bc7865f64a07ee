"""The application knows no provider by name: `alipay` and `wechat` (any case, code, comments and docstrings)
appear nowhere in application/, except the provider config fields the allow-list below names."""

from __future__ import annotations

import re
from pathlib import Path

APPLICATION = Path(__file__).resolve().parents[2] / "application"
PROVIDER = re.compile(r"alipay|wechat", re.IGNORECASE)

# Left over from issue 13's step 6: PaymentConfig still has one flat field per provider key, and the config
# admin lists those field names. They leave when PaymentConfig gets a generic settings mapping owned by each
# adapter's ConfigRules; until then these names, in these two files only, are the whole allow-list.
PROVIDER_FIELDS = {"alipay_public_key", "wechat_public_key", "wechat_public_key_id", "wechat_platform_cert",
                   "alipay_cert", "alipay_root_cert"}
ALLOWED_FILES = {"records.py", "config_validation.py"}
FIELD = re.compile(r"\b(" + "|".join(sorted(PROVIDER_FIELDS)) + r")\b")


def mentions(path: Path) -> list[str]:
    """Each line of the file naming a provider, once the allowed field names are taken out."""
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        rest = FIELD.sub("", line) if path.name in ALLOWED_FILES else line
        if PROVIDER.search(rest):
            found.append(f"{path.name}:{number}: {line.strip()}")
    return found


def test_no_application_module_names_a_provider() -> None:
    files = sorted(APPLICATION.rglob("*.py"))
    assert files
    assert [m for f in files for m in mentions(f)] == []


def test_the_check_catches_a_provider_in_a_comment(tmp_path: Path) -> None:
    sample = tmp_path / "create_payment.py"
    sample.write_text('# WeChat needs an openid\nx = "alipay_public_key"\n', encoding="utf-8")
    assert mentions(sample) == ["create_payment.py:1: # WeChat needs an openid",
                                'create_payment.py:2: x = "alipay_public_key"']


def test_the_allow_list_is_only_field_names(tmp_path: Path) -> None:
    sample = tmp_path / "records.py"
    sample.write_text('    alipay_public_key: str = ""\n    # an Alipay rule\n', encoding="utf-8")
    assert mentions(sample) == ["records.py:2: # an Alipay rule"]
