"""QR code data: Reed-Solomon error correction, codewords, block interleaving and format bits (level M)."""

from __future__ import annotations

# Level M: error correction codewords per block and number of blocks, for versions 1-10.
ECC_PER_BLOCK = (0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26)
BLOCKS = (0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5)
FORMAT_LEVEL_M = 0
MAX_VERSION = 10



def gf_multiply(x: int, y: int) -> int:
    """Product in GF(2^8) modulo x^8 + x^4 + x^3 + x^2 + 1."""
    z = 0
    for i in reversed(range(8)):
        z = (z << 1) ^ ((z >> 7) * 0x11D)
        z ^= ((y >> i) & 1) * x
    return z


def rs_divisor(degree: int) -> list[int]:
    """The Reed-Solomon generator polynomial of degree, highest coefficient first (the leading 1 dropped)."""
    result = [0] * (degree - 1) + [1]
    root = 1
    for _ in range(degree):
        for j in range(degree):
            result[j] = gf_multiply(result[j], root)
            if j + 1 < degree:
                result[j] ^= result[j + 1]
        root = gf_multiply(root, 0x02)
    return result


def rs_remainder(data: list[int], divisor: list[int]) -> list[int]:
    """The error correction codewords of data."""
    result = [0] * len(divisor)
    for byte in data:
        factor = byte ^ result.pop(0)
        result.append(0)
        for i, coefficient in enumerate(divisor):
            result[i] ^= gf_multiply(coefficient, factor)
    return result


def raw_codewords(version: int) -> int:
    """Codewords that fit in a symbol of version once function patterns are drawn."""
    modules = (16 * version + 128) * version + 64
    if version >= 2:
        align = version // 7 + 2
        modules -= (25 * align - 10) * align - 55
        if version >= 7:
            modules -= 36
    return modules // 8


def data_capacity(version: int) -> int:
    """Data codewords at level M."""
    return raw_codewords(version) - ECC_PER_BLOCK[version] * BLOCKS[version]


def data_codewords(payload: bytes, version: int) -> list[int]:
    """Mode, length, payload, terminator and padding, as codewords."""
    bits = "0100" + format(len(payload), "016b" if version >= 10 else "08b")
    bits += "".join(format(byte, "08b") for byte in payload)
    capacity = data_capacity(version) * 8
    bits += "0" * min(4, capacity - len(bits))
    bits += "0" * (-len(bits) % 8)
    words = [int(bits[i : i + 8], 2) for i in range(0, len(bits), 8)]
    pad = (0xEC, 0x11)
    return words + [pad[i % 2] for i in range(data_capacity(version) - len(words))]


def interleaved(data: list[int], version: int) -> list[int]:
    """Data split into blocks, each followed by its error correction, then interleaved."""
    count, ecc_len, raw = BLOCKS[version], ECC_PER_BLOCK[version], raw_codewords(version)
    short_count, short_len = count - raw % count, raw // count
    divisor = rs_divisor(ecc_len)
    blocks, k = [], 0
    for i in range(count):
        chunk = data[k : k + short_len - ecc_len + (0 if i < short_count else 1)]
        k += len(chunk)
        ecc = rs_remainder(chunk, divisor)
        blocks.append(chunk + ([0] if i < short_count else []) + ecc)
    return [
        block[i] for i in range(len(blocks[0])) for j, block in enumerate(blocks)
        if i != short_len - ecc_len or j >= short_count
    ]


def alignment_positions(version: int) -> list[int]:
    """Centre coordinates of the alignment patterns."""
    if version == 1:
        return []
    count, size = version // 7 + 2, version * 4 + 17
    step = (version * 8 + count * 3 + 5) // (count * 4 - 4) * 2
    return [6, *sorted(size - 7 - i * step for i in range(count - 1))]


def format_bits(mask: int) -> int:
    """The 15 format bits of level M and mask, BCH-protected and masked."""
    data = FORMAT_LEVEL_M << 3 | mask
    rem = data
    for _ in range(10):
        rem = (rem << 1) ^ ((rem >> 9) * 0x537)
    return (data << 10 | rem) ^ 0x5412


def version_bits(version: int) -> int:
    """The 18 version bits (versions 7 and up)."""
    rem = version
    for _ in range(12):
        rem = (rem << 1) ^ ((rem >> 11) * 0x1F25)
    return version << 12 | rem
