"""The domain imports nothing but the standard library and itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "domain"


def imported_roots(path: Path) -> set[str]:
    """Top-level module names a file imports."""
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_domain_modules_import_only_the_standard_library_and_the_domain() -> None:
    files = sorted(DOMAIN.glob("*.py"))
    assert files, "the domain package should not be empty"
    allowed = set(sys.stdlib_module_names) | {"domain", "__future__"}
    offenders = {f.name: sorted(imported_roots(f) - allowed) for f in files if imported_roots(f) - allowed}
    assert offenders == {}
