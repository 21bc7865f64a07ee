"""The README's picture of the demo can be made again by anyone: docs/screenshots.py runs a real `paycore demo`,
pays an order on the emulator and photographs it (the same Debian chromium as the other browser tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_docs_screenshots_photographs_a_paid_demo_order(tmp_path: Path) -> None:
    out = tmp_path / "demo.png"
    done = subprocess.run([sys.executable, str(ROOT / "docs" / "screenshots.py"), str(out)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    png = out.read_bytes()
    assert png.startswith(b"\x89PNG")
    assert 20_000 < len(png) < 400_000  # a few pages of text and colour, not a blank page; not a huge file
    assert int.from_bytes(png[16:20], "big") >= 1200  # the three pages side by side
