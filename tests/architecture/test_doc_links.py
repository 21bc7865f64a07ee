"""The README and docs/ stand alone: every relative link resolves inside the repository, nothing points outside."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves_inside_the_repository(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    for target in LINK.findall(text):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue  # a web address, or an anchor in the same page
        path = (doc.parent / target.split("#", 1)[0]).resolve()
        assert path.is_relative_to(ROOT), f"{doc.name} links outside the repository: {target}"
        assert path.exists(), f"{doc.name} links to {target}, which does not exist"
    assert "../shared" not in text, f"{doc.name} points at ../shared, which a clone does not have"


IMAGE = re.compile(r"!\[[^\]]+\]\(([^)\s]+)\)")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_the_readme_shows_the_demo_in_a_picture_a_script_in_the_repository_makes() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    images = IMAGE.findall(readme)
    assert images, "README.md shows no picture of the demo"
    for target in images:
        png = (ROOT / target).read_bytes()  # the links test above already checked that it resolves
        assert png[:8] == PNG_MAGIC, f"{target} is not a PNG"
        assert len(png) < 400_000, f"{target} is {len(png) // 1024} KB; keep it to a few hundred"
        width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")  # the IHDR chunk
        assert width >= 800, f"{target} is {width} pixels wide: too narrow to show the pages"
        assert height >= 300, f"{target} is {height} pixels high: too low to show the pages"
        maker = ROOT / "docs" / "screenshots.py"
        assert Path(target).name in maker.read_text(encoding="utf-8"), f"docs/screenshots.py does not make {target}"
        assert "docs/screenshots.py" in readme  # the README says how to make it again
