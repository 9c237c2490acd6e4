"""Property-based bad input for the serial line parser and the Modbus value decoder: whatever
bytes arrive on the serial line and whatever registers a device answers, they never fail with
anything but their own clear error (a counted skipped line, a tag error, a ValueError)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.base import Readings
from drivers.modbus.addressing import REGISTER_COUNT
from drivers.modbus.codec import NUMPY_TYPES, ORDERS, decode_string, decode_values, encode_value
from drivers.serial_ascii import SerialAsciiDriver
from tests.modbus_helpers import device_config

SCALE = r"(?P<status>ST|US),GS,\s*(?P<weight>[-+]?\d+(\.\d+)?)\s*kg"
NUMERIC = sorted(t for t in NUMPY_TYPES if t != "bool")


def serial_driver(**connection: object) -> SerialAsciiDriver:
    """A driver that is never connected: its line parser is fed by hand."""
    tags = [
        {"name": "weight", "type": "float64"},
        {"name": "stable", "type": "string", "field": "status"},
        {"name": "flag", "type": "bool", "field": "status"},
    ]
    conn = {"port": "/dev/null", "pattern": SCALE, "max_line": 64, **connection}
    return SerialAsciiDriver(device_config("serial-ascii", conn, tags, name="scale"))


def feed(driver: SerialAsciiDriver, chunks: list[bytes]) -> tuple[Readings, list[bytes]]:
    tags = driver.device.tags
    readings = Readings.empty(len(tags))
    fields = [driver.addresses[t.name].field or t.name for t in tags]
    lines: list[bytes] = []
    for chunk in chunks:
        for line in driver._split(chunk):
            lines.append(line)
            driver._take_line(line, tags, fields, readings)
    return readings, lines


LINE_BYTES = st.one_of(
    st.binary(max_size=200),
    st.sampled_from([b"ST,GS, 12.5 kg", b"US,GS,-0.1kg", b"ST,GS, 1e999 kg", b"\xff\xfe"]),
)


@settings(max_examples=300, deadline=None)
@given(chunks=st.lists(st.one_of(LINE_BYTES, st.just(b"\r\n"), st.just(b"\n")), max_size=30))
def test_any_bytes_on_the_line_are_parsed_or_counted(chunks: list[bytes]) -> None:
    driver = serial_driver()
    readings, lines = feed(driver, chunks)
    counters = driver.counters
    assert all(len(line) <= 64 for line in lines)
    skipped = counters["garbage"] + counters["checksum"] + counters["undecodable"]
    assert counters["lines"] == len(lines) == readings.requests + skipped
    for index, value in enumerate(readings.values):
        # A value, or NaN with the tag's own error (or no line for it yet).
        assert math.isfinite(value) or math.isnan(value) or math.isinf(value)
        if index in readings.errors:
            assert isinstance(readings.errors[index], str) and readings.errors[index]


@settings(max_examples=200, deadline=None)
@given(
    chunks=st.lists(st.binary(max_size=80), max_size=20),
    kind=st.sampled_from(["sum8", "xor"]),
)
def test_any_bytes_with_a_checksum_are_parsed_or_counted(chunks: list[bytes], kind: str) -> None:
    driver = serial_driver(checksum=kind, checksum_separator="*")
    readings, _ = feed(driver, [*chunks, b"\r\n"])
    c = driver.counters
    assert c["lines"] == readings.requests + c["garbage"] + c["checksum"] + c["undecodable"]


@settings(max_examples=300, deadline=None)
@given(
    data_type=st.sampled_from(sorted(NUMPY_TYPES)),
    order=st.sampled_from(ORDERS[:4]),
    count=st.integers(0, 6),
    data=st.data(),
)
def test_any_registers_decode_to_numbers(data_type: str, order: str, count: int, data) -> None:
    size = REGISTER_COUNT[data_type]
    registers = data.draw(st.lists(st.integers(0, 0xFFFF), min_size=size * count, max_size=40))
    decoded = decode_values(registers, data_type, order, count)
    assert decoded.shape == (count,) and decoded.dtype == np.float64


@settings(max_examples=200, deadline=None)
@given(
    value=st.integers(-(2**31), 2**31 - 1),
    order=st.sampled_from(ORDERS[:4]),
)
def test_int32_round_trips_in_every_order(value: int, order: str) -> None:
    assert decode_values(encode_value(value, "int32", order), "int32", order)[0] == value


@settings(max_examples=300, deadline=None)
@given(
    registers=st.one_of(
        st.lists(st.integers(-(2**40), 2**40), max_size=8),
        st.lists(st.floats(allow_nan=True), min_size=1, max_size=4),
        st.lists(st.text(max_size=3), min_size=1, max_size=4),
        st.lists(st.lists(st.integers(0, 9), min_size=2, max_size=2), min_size=1, max_size=3),
    ),
    data_type=st.one_of(st.sampled_from(sorted(NUMPY_TYPES)), st.text(max_size=8)),
    order=st.one_of(st.sampled_from(ORDERS), st.text(max_size=8)),
    count=st.integers(-2, 5),
)
def test_bad_decoder_input_is_a_value_error(registers, data_type, order, count) -> None:  # type: ignore[no-untyped-def]
    try:
        decoded = decode_values(registers, data_type, order, count)
    except ValueError as exc:
        assert str(exc)  # its own sentence, nothing else
        return
    assert len(decoded) == count


@settings(max_examples=200, deadline=None)
@given(
    raw=st.binary(max_size=20),
    offset=st.integers(-4, 24),
    length=st.integers(-2, 12),
    order=st.sampled_from(ORDERS[:4]),
)
def test_strings_out_of_range_are_a_value_error(
    raw: bytes, offset: int, length: int, order: str
) -> None:
    array = np.frombuffer(raw, dtype=np.uint8)
    try:
        text = decode_string(array, offset, length, order)
    except ValueError as exc:
        assert "does not fit" in str(exc)
        return
    assert isinstance(text, str)


def test_decoder_errors_say_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="2 float32 values need 4 registers, got 3"):
        decode_values([1, 2, 3], "float32", "ABCD", 2)
    with pytest.raises(ValueError, match="unknown data type 'float16'"):
        decode_values([1], "float16")
    with pytest.raises(ValueError, match="unknown byte order 'XYZW'"):
        decode_values([1, 2], "int32", "XYZW")
    with pytest.raises(ValueError, match=r"0\.\.65535"):
        decode_values([70000], "uint16")
    with pytest.raises(ValueError, match="64-bit values only"):
        decode_values([1, 2], "int32", "EFGHABCD")
