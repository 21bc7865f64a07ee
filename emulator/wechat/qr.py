"""A small QR code encoder (byte mode, error correction level M, versions 1-10) drawing an inline SVG.

The emulator may use third-party libraries only and none for QR codes is installed, so this follows
ISO/IEC 18004 directly (the structure of Project Nayuki's reference encoder): data and Reed-Solomon
codewords, function patterns, zigzag placement, and the mask with the lowest penalty.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from emulator.wechat.qr_data import (
    MAX_VERSION,
    alignment_positions,
    data_capacity,
    data_codewords,
    format_bits,
    interleaved,
    version_bits,
)

Matrix = list[list[bool]]


def _bit(value: int, i: int) -> bool:
    return (value >> i) & 1 != 0


MASKS: tuple[Callable[[int, int], bool], ...] = (
    lambda x, y: (x + y) % 2 == 0,
    lambda x, y: y % 2 == 0,
    lambda x, y: x % 3 == 0,
    lambda x, y: (x + y) % 3 == 0,
    lambda x, y: (x // 3 + y // 2) % 2 == 0,
    lambda x, y: x * y % 2 + x * y % 3 == 0,
    lambda x, y: (x * y % 2 + x * y % 3) % 2 == 0,
    lambda x, y: ((x + y) % 2 + x * y % 3) % 2 == 0,
)


class Symbol:
    """One QR symbol being drawn: dark modules and which of them are function patterns."""

    def __init__(self, version: int) -> None:
        self.version, self.size = version, version * 4 + 17
        self.dark: Matrix = [[False] * self.size for _ in range(self.size)]
        self.function: Matrix = [[False] * self.size for _ in range(self.size)]
        self._function_patterns()

    def set(self, x: int, y: int, dark: bool) -> None:
        """Draw a function module."""
        self.dark[y][x], self.function[y][x] = dark, True

    def _function_patterns(self) -> None:
        for i in range(self.size):
            self.set(6, i, i % 2 == 0)
            self.set(i, 6, i % 2 == 0)
        for cx, cy in ((3, 3), (self.size - 4, 3), (3, self.size - 4)):
            for dy in range(-4, 5):
                for dx in range(-4, 5):
                    if 0 <= cx + dx < self.size and 0 <= cy + dy < self.size:
                        self.set(cx + dx, cy + dy, max(abs(dx), abs(dy)) not in (2, 4))
        positions = alignment_positions(self.version)
        last = len(positions) - 1
        for i, ax in enumerate(positions):
            for j, ay in enumerate(positions):
                if (i, j) not in ((0, 0), (0, last), (last, 0)):
                    for dy in range(-2, 3):
                        for dx in range(-2, 3):
                            self.set(ax + dx, ay + dy, max(abs(dx), abs(dy)) != 1)
        self.draw_format(0)
        if self.version >= 7:
            bits = version_bits(self.version)
            for i in range(18):
                a, b = self.size - 11 + i % 3, i // 3
                self.set(a, b, _bit(bits, i))
                self.set(b, a, _bit(bits, i))

    def draw_format(self, mask: int) -> None:
        """Both copies of the format bits, and the dark module."""
        bits, size = format_bits(mask), self.size
        for i in range(6):
            self.set(8, i, _bit(bits, i))
        self.set(8, 7, _bit(bits, 6))
        self.set(8, 8, _bit(bits, 7))
        self.set(7, 8, _bit(bits, 8))
        for i in range(9, 15):
            self.set(14 - i, 8, _bit(bits, i))
        for i in range(8):
            self.set(size - 1 - i, 8, _bit(bits, i))
        for i in range(8, 15):
            self.set(8, size - 15 + i, _bit(bits, i))
        self.set(8, size - 8, True)

    def place(self, codewords: list[int]) -> None:
        """Codeword bits in the zigzag, two columns at a time, right to left."""
        i, right, total = 0, self.size - 1, len(codewords) * 8
        while right >= 1:
            if right == 6:
                right = 5
            for vert in range(self.size):
                for x in (right, right - 1):
                    y = self.size - 1 - vert if ((right + 1) & 2) == 0 else vert
                    if not self.function[y][x] and i < total:
                        self.dark[y][x] = _bit(codewords[i >> 3], 7 - (i & 7))
                        i += 1
            right -= 2

    def masked(self, mask: int) -> Matrix:
        """The modules with mask applied to the data and the format bits drawn for it."""
        self.draw_format(mask)
        rule = MASKS[mask]
        return [
            [d != (not self.function[y][x] and rule(x, y)) for x, d in enumerate(row)]
            for y, row in enumerate(self.dark)
        ]


def penalty(matrix: Matrix) -> int:
    """A simplified mask penalty: runs of five or more, 2x2 blocks, and dark/light balance."""
    score, size = 0, len(matrix)
    for lines in (matrix, [list(col) for col in zip(*matrix, strict=True)]):
        for row in lines:
            run = 1
            for a, b in itertools.pairwise(row):
                run = run + 1 if a == b else 1
                score += 3 if run == 5 else 1 if run > 5 else 0
    for y in range(size - 1):
        for x in range(size - 1):
            score += 3 * (matrix[y][x] == matrix[y][x + 1] == matrix[y + 1][x] == matrix[y + 1][x + 1])
    dark = sum(map(sum, matrix))
    return score + 10 * (abs(dark * 20 - size * size * 10) // (size * size))


def encode(text: str) -> Matrix:
    """The QR code of text (UTF-8): True is dark."""
    payload = text.encode("utf-8")
    version = next((v for v in range(1, MAX_VERSION + 1) if len(payload) + 2 + (v >= 10) <= data_capacity(v)), None)
    if version is None:
        raise ValueError(f"{len(payload)} bytes do not fit a version {MAX_VERSION} QR code")
    symbol = Symbol(version)
    symbol.place(interleaved(data_codewords(payload, version), version))
    candidates = [symbol.masked(mask) for mask in range(len(MASKS))]
    best = min(range(len(MASKS)), key=lambda mask: penalty(candidates[mask]))
    return symbol.masked(best)


def svg(text: str, scale: int = 6, quiet: int = 4) -> str:
    """The QR code of text as an inline SVG, with a quiet zone of `quiet` modules."""
    matrix = encode(text)
    side = (len(matrix) + 2 * quiet) * scale
    path = "".join(
        f"M{(x + quiet) * scale},{(y + quiet) * scale}h{scale}v{scale}h-{scale}z"
        for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{side}" height="{side}" viewBox="0 0 {side} {side}" '
        f'role="img" aria-label="QR code"><rect width="100%" height="100%" fill="#fff"/>'
        f'<path d="{path}" fill="#000"/></svg>'
    )
