"""QR codes as inline SVG, drawn by segno (the emulator's pages show what the payer would scan)."""

from __future__ import annotations

import segno


def svg(text: str) -> str:
    """text as a QR code (error correction M, 4 px modules, the standard quiet zone), an <svg> element."""
    return str(segno.make_qr(text, error="m", boost_error=False).svg_inline(scale=4))
