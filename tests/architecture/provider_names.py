"""Where the code names a provider (`alipay`, `wechat`, any case: code, comments and docstrings), and an
import-linter contract type that fails when a module of given packages names one.

pyproject.toml registers the contract type (`[tool.importlinter] contract_types`), so `lint-imports` refuses a
provider's name in application/; tests/architecture/test_no_provider_names.py runs the same `mentions` on the
same files and tests the check itself.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output

PROVIDER = re.compile(r"alipay|wechat", re.IGNORECASE)


def mentions(path: Path, label: str | None = None) -> list[str]:
    """Each line of the file naming a provider, as `label:line: text` (label: the file's name)."""
    label = label or path.name
    return [f"{label}:{number}: {line.strip()}"
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if PROVIDER.search(line)]


def package_folder(package: str) -> Path:
    """The package's folder, found as the interpreter finds the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(f"{package} is not an importable package")
    return Path(next(iter(spec.submodule_search_locations)))


def package_mentions(package: str) -> list[str]:
    """Every line of the package's Python files naming a provider, labelled `package/path:line`."""
    folder = package_folder(package)
    return [m for f in sorted(folder.rglob("*.py")) for m in mentions(f, f"{package}/{f.relative_to(folder)}")]


class NoProviderNamesContract(Contract):
    """No module of `source_modules` (packages) names a provider, in code, comments or docstrings.

    Configuration options:
        - source_modules: the packages that must name no provider.
    """

    type_name = "no provider names"
    source_modules = fields.ListField(subfield=fields.StringField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        """Kept when no file of the packages names a provider; the broken lines in `metadata["mentions"]`."""
        packages: list[str] = self.source_modules  # type: ignore[assignment]  # parsed by the field
        found = [m for package in packages for m in package_mentions(package)]
        return ContractCheck(kept=not found, metadata={"mentions": found})

    def render_broken_contract(self, check: ContractCheck) -> None:
        """Each line that names a provider."""
        for line in check.metadata["mentions"]:
            output.print_error(line, bold=False)
            output.new_line()

