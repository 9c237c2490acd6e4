"""Codec and block planning on literal register values (no I/O)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.modbus.blocks import Span, minimum_requests, plan_blocks
from drivers.modbus.codec import (
    decode_bits,
    decode_string,
    decode_values,
    encode_value,
    register_bytes,
)

# 0x11223344 as the four orders put it on the wire (vendor documentation convention).
WIRE_0x11223344 = {
    "ABCD": [0x1122, 0x3344],
    "CDAB": [0x3344, 0x1122],
    "BADC": [0x2211, 0x4433],
    "DCBA": [0x4433, 0x2211],
}


@pytest.mark.parametrize("order", list(WIRE_0x11223344))
def test_uint32_orders_match_the_wire(order: str) -> None:
    assert decode_values(WIRE_0x11223344[order], "uint32", order)[0] == 0x11223344
    assert encode_value(0x11223344, "uint32", order) == WIRE_0x11223344[order]


def test_float32_and_int64_literals() -> None:
    # -1234.5f is 0xC49A5000; 64-bit word swap reverses all four words.
    assert decode_values([0xC49A, 0x5000], "float32", "ABCD")[0] == -1234.5
    assert decode_values([0x5000, 0xC49A], "float32", "CDAB")[0] == -1234.5
    words = [0x0102, 0x0304, 0x0506, 0x0708]
    assert decode_values(words, "int64", "ABCD")[0] == 0x0102030405060708
    assert decode_values(words[::-1], "int64", "CDAB")[0] == 0x0102030405060708
    assert decode_values([0xFFFF], "int16", "ABCD")[0] == -1
    assert decode_values([0x3412], "uint16", "BADC")[0] == 0x1234


def test_bits_of_a_register_count_from_the_least_significant() -> None:
    words = np.array([0b1000_0000_0000_0101] * 5, dtype=np.float64)
    bits = np.array([0, 1, 2, 15, -1], dtype=np.int16)
    assert decode_bits(words, bits).tolist() == [1.0, 0.0, 1.0, 1.0, 1.0]


def test_string_strips_padding_and_swaps_bytes() -> None:
    raw = register_bytes([0x5345, 0x5249, 0x414C, 0x0000])  # "SERIAL"
    assert decode_string(raw, 0, 4, "ABCD") == "SERIAL"
    raw = register_bytes([0x4553, 0x4952, 0x4C41])
    assert decode_string(raw, 0, 3, "BADC") == "SERIAL"


def test_greedy_blocks_are_minimal_and_within_limits() -> None:
    rng = random.Random(7)
    for _ in range(300):
        spans = [
            Span(i, rng.randrange(0, 4000), rng.choice([1, 1, 2, 4, 10]))
            for i in range(rng.randrange(1, 120))
        ]
        gap = rng.choice([0, 8, 40])
        blocks = plan_blocks("holding", spans, max_gap=gap, max_block=125)
        assert len(blocks) == minimum_requests(spans, max_gap=gap, max_block=125)
        covered = {s.index for b in blocks for s in b.members}
        assert covered == {s.index for s in spans}
        for block in blocks:
            assert block.count <= 125
            assert all(block.start <= s.start and s.end <= block.end for s in block.members)


def test_hole_splits_a_block() -> None:
    spans = [Span(0, 0, 2), Span(1, 4, 2), Span(2, 10, 2)]
    assert len(plan_blocks("holding", spans, max_gap=8, max_block=125)) == 1
    split = plan_blocks("holding", spans, max_gap=8, max_block=125, holes=[(7, 9)])
    assert [(b.start, b.count) for b in split] == [(0, 6), (10, 2)]


@given(
    data_type=st.sampled_from(["int16", "uint16", "int32", "uint32", "int64", "uint64"]),
    order=st.sampled_from(["ABCD", "CDAB", "BADC", "DCBA"]),
    fraction=st.floats(min_value=0, max_value=1),
)
def test_integers_round_trip_in_every_order(data_type: str, order: str, fraction: float) -> None:
    info = np.iinfo(np.dtype(data_type))
    value = int(info.min + fraction * (float(info.max) - float(info.min)))
    value = max(info.min, min(info.max, value))
    registers = encode_value(value, data_type, order)
    assert decode_values(registers, data_type, order)[0] == float(value)


@given(
    value=st.floats(allow_nan=False, width=32),
    order=st.sampled_from(["ABCD", "CDAB", "BADC", "DCBA"]),
)
def test_float32_round_trips(value: float, order: str) -> None:
    assert decode_values(encode_value(value, "float32", order), "float32", order)[0] == value


@given(
    spans=st.lists(
        st.tuples(st.integers(0, 3000), st.sampled_from([1, 2, 4, 20])), min_size=1, max_size=60
    ),
    gap=st.integers(0, 50),
    block=st.integers(20, 125),
)
def test_planning_matches_the_minimum(spans: list, gap: int, block: int) -> None:
    items = [Span(i, start, count) for i, (start, count) in enumerate(spans)]
    planned = plan_blocks("holding", items, max_gap=gap, max_block=block)
    assert len(planned) == minimum_requests(items, max_gap=gap, max_block=block)


def test_efghabcd_swaps_the_32_bit_halves_of_64_bit_values() -> None:
    # 0x0102030405060708 with its low 32 bits (0x05060708) in the first register pair.
    wire = [0x0506, 0x0708, 0x0102, 0x0304]
    assert decode_values(wire, "uint64", "EFGHABCD")[0] == 0x0102030405060708
    assert encode_value(0x0102030405060708, "uint64", "EFGHABCD") == wire
    assert encode_value(-2.5, "float64", "EFGHABCD")[2:] == encode_value(-2.5, "float64")[:2]
    with pytest.raises(ValueError, match="64-bit"):
        decode_values([1, 2], "uint32", "EFGHABCD")


@pytest.mark.parametrize("order", ["ABCD", "CDAB", "BADC", "DCBA", "EFGHABCD"])
@pytest.mark.parametrize(
    ("data_type", "value"),
    [("int64", -(2**63)), ("int64", 2**63 - 1), ("uint64", 2**64 - 1), ("uint64", 2**53 + 1)],
)
def test_64_bit_integers_decode_exactly(data_type: str, value: int, order: str) -> None:
    from drivers.modbus.codec import decode_exact, gather_index

    raw = register_bytes(encode_value(value, data_type, order))
    index = gather_index(np.array([0], dtype=np.intp), 4, order)
    assert decode_exact(raw, index, data_type) == [value]
    assert float(value) != value or value == -(2**63)  # why floats do not do
