"""Register codec: Modbus registers <-> numbers for every data type and byte/word order.

Registers travel as big-endian 16-bit words. A value of ``n`` registers is decoded by gathering
its ``2n`` bytes into canonical big-endian order with one permutation, so a whole group of tags
of one type and order decodes in a single numpy fancy-index and ``view``.

Orders, named after a 32-bit value ``0xAABBCCDD`` (A is the most significant byte):

- ``ABCD``: big-endian words, most significant word first (the Modbus default)
- ``CDAB``: word-swapped (least significant word first), bytes big-endian within each word
- ``BADC``: byte-swapped within each word, most significant word first
- ``DCBA``: fully little-endian

For 64-bit values the word swap reverses all four words; 16-bit values only see the byte swap.
``EFGHABCD`` (64-bit types only) swaps the two 32-bit halves and keeps each half big-endian:
the register pair holding the least significant 32 bits comes first.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt

from drivers.modbus.addressing import HALF_SWAPPED, REGISTER_COUNT

#: numpy dtype of each numeric data type in canonical (big-endian) byte order.
NUMPY_TYPES: dict[str, str] = {
    "bool": ">u2",
    "int16": ">i2",
    "uint16": ">u2",
    "int32": ">i4",
    "uint32": ">u4",
    "int64": ">i8",
    "uint64": ">u8",
    "float32": ">f4",
    "float64": ">f8",
}

WORD_SWAPPED = frozenset({"CDAB", "DCBA"})
#: Integer types that float64 cannot hold exactly beyond 2**53.
EXACT_INTEGER_TYPES = frozenset({"int64", "uint64"})
BYTE_SWAPPED = frozenset({"BADC", "DCBA"})
#: Every byte/word order a tag may name.
ORDERS = ("ABCD", "CDAB", "BADC", "DCBA", HALF_SWAPPED)


@cache
def byte_permutation(registers: int, order: str) -> npt.NDArray[np.intp]:
    """Positions, within a value's raw register bytes, of its canonical big-endian bytes."""
    words: list[int] | range
    if order == HALF_SWAPPED:
        if registers != 4:
            raise ValueError(f"{HALF_SWAPPED} applies to 64-bit values only")
        words = [2, 3, 0, 1]
    elif order in WORD_SWAPPED:
        words = range(registers - 1, -1, -1)
    else:
        words = range(registers)
    pair = (1, 0) if order in BYTE_SWAPPED else (0, 1)
    perm = np.array([2 * w + b for w in words for b in pair], dtype=np.intp)
    perm.setflags(write=False)
    return perm


def register_bytes(registers: npt.ArrayLike) -> npt.NDArray[np.uint8]:
    """The raw bytes of a register array, as sent on the wire."""
    return np.asarray(registers, dtype=np.uint16).astype(">u2").view(np.uint8)


def gather_index(
    byte_offsets: npt.NDArray[np.intp], registers: int, order: str
) -> npt.NDArray[np.intp]:
    """Index matrix that gathers each value's canonical bytes from a raw byte buffer."""
    return byte_offsets[:, None] + byte_permutation(registers, order)[None, :]


def decode_gathered(
    raw: npt.NDArray[np.uint8], index: npt.NDArray[np.intp], data_type: str
) -> npt.NDArray[np.float64]:
    """Decode values of one numeric type from ``raw`` using a :func:`gather_index` matrix."""
    chunk = np.ascontiguousarray(raw[index])
    return chunk.view(NUMPY_TYPES[data_type]).reshape(-1).astype(np.float64)


def decode_exact(
    raw: npt.NDArray[np.uint8], index: npt.NDArray[np.intp], data_type: str
) -> list[int]:
    """64-bit integers as exact Python ints (float64 holds them exactly only up to 2**53)."""
    chunk = np.ascontiguousarray(raw[index])
    return [int(v) for v in chunk.view(NUMPY_TYPES[data_type]).reshape(-1).tolist()]


def decode_bits(
    words: npt.NDArray[np.float64], bits: npt.NDArray[np.int16]
) -> npt.NDArray[np.float64]:
    """Bool tags held in registers: bit ``n`` (0 = least significant) or, for -1, non-zero."""
    as_int = words.astype(np.uint32)
    picked = (as_int >> np.maximum(bits, 0).astype(np.uint32)) & 1
    whole = (as_int != 0).astype(np.uint32)
    return np.where(bits < 0, whole, picked).astype(np.float64)


def decode_values(
    registers: npt.ArrayLike, data_type: str, order: str = "ABCD", count: int = 1
) -> npt.NDArray[np.float64]:
    """Decode ``count`` consecutive values of one type (convenience for tools and tests).

    Any register contents decode (to a number, an infinity or NaN); a wrong type, order,
    count or register list is a ValueError that says so.
    """
    size = _check_layout(data_type, order)
    words = _check_registers(registers)
    if count < 0:
        raise ValueError(f"count must not be negative (got {count})")
    if len(words) < size * count:
        raise ValueError(
            f"{count} {data_type} values need {size * count} registers, got {len(words)}"
        )
    raw = register_bytes(words)
    offsets = np.arange(count, dtype=np.intp) * 2 * size
    return decode_gathered(raw, gather_index(offsets, size, order), data_type)


def decode_string(
    raw: npt.NDArray[np.uint8],
    byte_offset: int,
    length: int,
    order: str,
    encoding: str = "latin-1",
    errors: str = "replace",
) -> str:
    """A string of ``length`` registers; trailing NULs and spaces are dropped."""
    if order not in ORDERS:
        raise ValueError(f"unknown byte order {order!r} (known: {', '.join(ORDERS)})")
    if byte_offset < 0 or length < 0 or byte_offset + 2 * length > len(raw):
        raise ValueError(
            f"a string of {length} registers at byte {byte_offset} does not fit in {len(raw)} bytes"
        )
    index = gather_index(np.array([byte_offset], dtype=np.intp), length, order)
    text = raw[index].tobytes().decode(encoding, errors=errors)
    return text.rstrip("\x00 ")


def _check_layout(data_type: str, order: str) -> int:
    """The register count of ``data_type``; ValueError for an unknown type or order."""
    if data_type not in NUMPY_TYPES:
        raise ValueError(f"unknown data type {data_type!r} (known: {', '.join(NUMPY_TYPES)})")
    if order not in ORDERS:
        raise ValueError(f"unknown byte order {order!r} (known: {', '.join(ORDERS)})")
    size = REGISTER_COUNT[data_type]
    if order == HALF_SWAPPED and size != 4:
        raise ValueError(f"{HALF_SWAPPED} applies to 64-bit values only")
    return size


def _check_registers(registers: npt.ArrayLike) -> npt.NDArray[np.uint16]:
    """Registers as 16-bit words; ValueError for anything that is not a list of them."""
    try:
        words = np.asarray(registers)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"registers must be a list of integers 0..65535: {exc}") from None
    if words.ndim != 1 or (words.size and words.dtype.kind not in "iu"):
        raise ValueError("registers must be a flat list of integers 0..65535")
    if words.size and (int(words.min()) < 0 or int(words.max()) > 0xFFFF):
        raise ValueError("a register holds 0..65535")
    return words.astype(np.uint16)


def encode_value(value: float | int, data_type: str, order: str = "ABCD") -> list[int]:
    """Registers that hold ``value`` (the inverse of decoding; for servers and tests)."""
    size = REGISTER_COUNT[data_type]
    np_type = NUMPY_TYPES[data_type]
    canonical = np.array([value], dtype=np_type).view(np.uint8)
    raw = np.empty(2 * size, dtype=np.uint8)
    raw[byte_permutation(size, order)] = canonical
    return [int(r) for r in raw.view(">u2")]


def encode_string(
    text: str, length: int, order: str = "ABCD", encoding: str = "latin-1"
) -> list[int]:
    """Registers that hold ``text`` padded with NULs to ``length`` registers."""
    data = text.encode(encoding)[: 2 * length].ljust(2 * length, b"\x00")
    raw = np.empty(2 * length, dtype=np.uint8)
    raw[byte_permutation(length, order)] = np.frombuffer(data, dtype=np.uint8)
    return [int(r) for r in raw.view(">u2")]
